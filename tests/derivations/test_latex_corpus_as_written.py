"""Documents written the way lecture notes, blogs and solution sheets write these derivations
(``latex_corpus/as_written``): definitions first, assumptions in the prose, inline conditions,
worked examples, densities defined in the text, update rules, continuations after a display that
is not read. Each correct document has no refuted step; each has one planted error
(``plants.json``: a replacement in the text) that is refuted at its step, or reported unsupported
when the step depends on something not read — never "no failing step"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivations.latex import check_text

CORPUS = Path(__file__).with_name("latex_corpus") / "as_written"
PLANTS = {
    k: v for k, v in json.loads((CORPUS / "plants.json").read_text("utf-8")).items() if not k.startswith("_")
}
FAST = {"time_limit": 2.0, "points": 12}


def test_every_document_has_a_plant_and_there_are_at_least_25():
    docs = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".md", ".tex"))
    assert docs == sorted(PLANTS) and len(docs) >= 25


@pytest.mark.parametrize("name", sorted(PLANTS))
def test_correct_document_has_no_refuted_step(name):
    r = check_text((CORPUS / name).read_text("utf-8"), name, **FAST)
    assert r.first_refuted is None, (name, str(r))
    assert any(s.verdict in ("proved", "numerically consistent") for s in r.steps), str(r)
    assert sum(r.counts().values()) == len(r.steps)


@pytest.mark.parametrize("name", sorted(PLANTS))
def test_planted_error_is_refuted_at_its_step_or_unsupported(name):
    plant = PLANTS[name]
    text = (CORPUS / name).read_text("utf-8")
    assert text.count(plant["find"]) == 1, "the planted replacement must be unambiguous"
    r = check_text(text.replace(plant["find"], plant["replace"]), name, **FAST)
    if plant["label"] == "stationary":
        hit = [s for s in r.steps if s.kind == "stationary"]
    else:
        hit = [s for s in r.steps if s.label == plant["label"] and s.kind == "step"]
    assert hit, (name, str(r))
    assert hit[0].verdict in ("refuted", "unsupported"), (name, str(r))
    if hit[0].verdict == "refuted":
        assert hit[0].counterexample
    assert not r.ok and "no failing step" not in r.summary()


def _sheet(names: list[str], planted: bool) -> tuple[str, list[tuple[int, str]]]:
    """The documents as the sections of one sheet ("# name" headings), planted or not, with the line where
    each section starts."""
    parts, starts, line = [], [], 1
    for name in names:
        text = (CORPUS / name).read_text("utf-8")
        if planted:
            text = text.replace(PLANTS[name]["find"], PLANTS[name]["replace"])
        part = f"# {name}\n\n{text}\n\n"
        starts.append((line, name))
        parts.append(part)
        line += part.count("\n")
    return "".join(parts), starts


# every third document, in reverse order: letters (μ, σ, q, p, F) are reused with other meanings
SHEET = sorted(PLANTS, reverse=True)[::3]


def test_documents_as_sections_of_one_sheet_keep_their_own_definitions():
    text, _ = _sheet(SHEET, planted=False)
    r = check_text(text, "sheet.md", **FAST)
    assert r.first_refuted is None, str(r)


def test_every_planted_error_is_still_found_in_its_section_of_one_sheet():
    text, starts = _sheet(SHEET, planted=True)
    r = check_text(text, "sheet.md", **FAST)
    failing: dict[str, list[str]] = {}
    for s in r.steps:
        if s.verdict in ("refuted", "unsupported"):
            section = [name for line, name in starts if line <= s.line][-1]
            failing.setdefault(section, []).append(s.verdict)
    assert sorted(failing) == sorted(SHEET), str(r)
