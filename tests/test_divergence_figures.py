"""The divergence figures (benchmarks/divergence_figures.py) draw what the results files say: every
speed ratio once, per function the larger of the sweeps' and the pinned inputs' worst error (the
figure must never show less than the page's table), and well-formed SVG with the names as text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from benchmarks import divergence_figures as F
from benchmarks import divergence_tables as tables

pytest.importorskip("matplotlib")


def test_every_speed_ratio_is_drawn_once():
    speed = tables._load("divergence_speed.json")
    labels, series = F.speed_series(speed)
    drawn = sorted(r for values in series.values() for r in values if r is not None)
    assert drawn == sorted(float(r["ratio"]) for _, _, r in tables._rows(speed))
    assert len(set(labels)) == len(labels) and all(len(v) == len(labels) for v in series.values())


def test_the_accuracy_figure_is_never_below_the_pages_worst():
    acc = tables._load("divergence_accuracy.json")
    page = tables.PAGE.read_text().split(tables.WORST_HEADING)[1]
    rows = F.accuracy_series(acc)
    assert rows
    for name, sweeps, pinned, searched, percentile in rows:
        line = next(x for x in page.splitlines() if x.startswith(f"| `{name}` |"))
        assert max(sweeps, pinned, searched) == pytest.approx(float(line.split("|")[2]), abs=0.01)
        assert percentile <= sweeps
    # the pinned inputs and the searches matter: a figure of the sweeps alone would understate
    assert any(max(pinned, searched) > sweeps for _, sweeps, pinned, searched, _ in rows)


def test_the_figures_are_svg_with_their_names_as_text():
    speed, acc = tables._load("divergence_speed.json"), tables._load("divergence_accuracy.json")
    for svg, names in ((F.speed_figure(speed), ["Normal", "rel_entr"]),
                       (F.accuracy_figure(acc), [r[0] for r in F.accuracy_series(acc)])):
        root = ET.fromstring(svg.encode())
        assert root.tag.endswith("svg")
        texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
        for name in names:
            assert name in texts
