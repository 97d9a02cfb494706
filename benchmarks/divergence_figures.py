"""Figures of the divergences' measured speed and accuracy, from the same results files as the
page ``docs/divergence-accuracy-and-speed.md`` (:mod:`benchmarks.divergence_tables`):

* ``benchmarks/results/divergence_speed.svg``: every ratio (reference time / this project's) of
  ``divergence_speed.json``, one bar per load and thread count, on a log axis with the issue's
  bars (1 at 10³ elements and the VAE batch, 1.5 at 10⁵–10⁶);
* ``benchmarks/results/divergence_accuracy.svg``: per function, the worst error in ulp over the
  ≥ 10⁴-sample sweeps, over the pinned inputs and found by the directed search, and the largest
  99.9th percentile, against the 2-ulp aim (``divergence_accuracy.json``).

SVG (text, written atomically; no date in it, a fixed hash salt), so that the same results give
the same file. Needs matplotlib (the ``plots`` extra). Run: ``python -m benchmarks.divergence_figures``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from benchmarks.divergence_tables import RESULTS, _bar, _load, _rows, worst_by_source
from derivations.runner.report_io import atomic_write_text

SPEED_FIGURE = RESULTS / "divergence_speed.svg"
ACCURACY_FIGURE = RESULTS / "divergence_accuracy.svg"

#: the settings in the order they are drawn, and their colours
_SETTINGS = (("idle", 1, "#1f77b4"), ("idle", 2, "#9ecae1"),
             ("loaded", 1, "#d62728"), ("loaded", 2, "#f4a6a6"))
#: ratios are drawn on [_LOW, _HIGH]; a ratio beyond _HIGH (a reference stalled under load) is
#: drawn to the edge and labelled with its value
_LOW, _HIGH = 0.5, 8.0


def speed_series(speed: dict[str, Any]) -> tuple[list[str], dict[tuple[str, int], list[float | None]]]:
    """The cases (``family: case — reference``, in the order of the results) and, per (load,
    threads), each case's ratio (None where that setting lacks the case)."""
    labels: list[str] = []
    found: dict[tuple[str, int, str], float] = {}
    for phase, setting, r in _rows(speed):
        label = f"{r['family']}: {r['case']} — {r['reference']}"
        if label not in labels:
            labels.append(label)
        found[(phase["load"], int(setting["threads"]), label)] = float(r["ratio"])
    series = {(load, t): [found.get((load, t, label)) for label in labels] for load, t, _ in _SETTINGS}
    return labels, series


def accuracy_series(acc: dict[str, Any]) -> list[tuple[str, float, float, float, float]]:
    """Per function: (name, worst over the sweeps, worst over the pinned inputs, worst found by
    the directed search, largest 99.9th percentile of its sweeps), as the page's table takes them
    (:func:`benchmarks.divergence_tables.worst_by_source`)."""
    return [(fn, *parts) for fn, parts in worst_by_source(acc.get("worst_case") or {}).items()]


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "divergence-figures"
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, and smaller
    import matplotlib.pyplot as plt

    return plt


def speed_figure(speed: dict[str, Any]) -> str:
    """The speed figure as SVG text."""
    plt = _pyplot()
    labels, series = speed_series(speed)
    height = 0.2
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(labels) + 1.6))
    for k, (load, threads, colour) in enumerate(_SETTINGS):
        for i, ratio in enumerate(series[(load, threads)]):
            if ratio is None:
                continue
            y = i + (k - 1.5) * height
            drawn = min(max(ratio, _LOW), _HIGH)
            ax.barh(y, drawn - _LOW, left=_LOW, height=height, color=colour,
                    label=f"{load}, {threads} thread{'s' if threads > 1 else ''}" if i == 0 else None)
            if ratio > _HIGH:
                ax.text(_HIGH, y, f" {ratio:.0f}×", va="center", fontsize=6)
    for i, label in enumerate(labels):
        bar = _bar(label.split(" — ")[0])
        ax.plot([bar, bar], [i - 0.45, i + 0.45], color="black", linewidth=1.2)
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlim(_LOW, _HIGH * 1.6)
    ax.set_xticks([0.5, 1, 1.5, 2, 4, 8])
    ax.set_xticklabels(["0.5", "1", "1.5", "2", "4", "8"])
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("reference time / this project's time (log scale; black tick: the bar for the row)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06 - 0.9 / len(labels)), ncol=4, fontsize=7)
    ax.set_title("Divergences: speed against the fastest references (divergence_speed.json)", fontsize=9)
    text = _svg(fig)
    plt.close(fig)
    return text


def accuracy_figure(acc: dict[str, Any]) -> str:
    """The accuracy figure as SVG text."""
    plt = _pyplot()
    rows = accuracy_series(acc)
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(rows) + 1.4))
    bars = ((1, "worst over the sweeps", "#1f77b4"), (2, "worst over the pinned inputs", "#ff7f0e"),
            (3, "worst found by the directed search", "#2ca02c"))
    height = 0.26
    labelled: set[int] = set()
    for i, row in enumerate(rows):
        for k, (index, label, colour) in enumerate(bars):
            if row[index]:
                ax.barh(i + (k - 1) * height, row[index], height=height, color=colour,
                        label=None if index in labelled else label)
                labelled.add(index)
        ax.plot([row[4]], [i - height], marker="|", color="black", markersize=8,
                label="largest 99.9th percentile of the sweeps" if i == 0 else None)
    ax.axvline(2.0, color="grey", linestyle="--", linewidth=1, label="the aim: 2 ulp")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("error in units in the last place (float64), against mpmath")
    ax.legend(loc="lower right", fontsize=7)
    ax.set_title("Divergences: worst float64 error per function (divergence_accuracy.json)", fontsize=9)
    text = _svg(fig)
    plt.close(fig)
    return text


def write() -> list[Path]:
    """Both figures from the results files, written beside them; the paths written (a figure
    whose results file is missing or empty is not written)."""
    written = []
    speed, acc = _load("divergence_speed.json"), _load("divergence_accuracy.json")
    if speed.get("phases"):
        atomic_write_text(SPEED_FIGURE, speed_figure(speed))
        written.append(SPEED_FIGURE)
    if (acc.get("worst_case") or {}).get("rows"):
        atomic_write_text(ACCURACY_FIGURE, accuracy_figure(acc))
        written.append(ACCURACY_FIGURE)
    return written


def main() -> int:
    for path in write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
