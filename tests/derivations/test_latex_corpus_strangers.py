"""Documents written the way strangers write these derivations in blog posts, lecture notes and READMEs
(``latex_corpus/strangers``): a remark after ``\\qquad`` whose parenthesis closes outside its ``\\text``,
``\\because``/``\\therefore``, ``\\text{log}``, ``\\( … \\)`` lines, ``D(q \\| p)``, ``split``/``aligned``,
``\\tag*``, ``\\label``, ``\\limits``, ``e^{…}``, ``\\mathsf{ELBO}``, "let $P$ be the distribution
$\\mathcal{N}(…)$". Each correct document has no refuted step and decides at least one; each has one planted
error (``plants.json``) that is refuted at its step, or reported unsupported — never passed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivations.latex import check_text

CORPUS = Path(__file__).with_name("latex_corpus") / "strangers"
PLANTS = {
    k: v for k, v in json.loads((CORPUS / "plants.json").read_text("utf-8")).items() if not k.startswith("_")
}
FAST = {"time_limit": 2.0, "points": 12}
DECIDED = ("proved", "numerically consistent", "refuted")


def test_every_document_has_a_plant_and_there_are_at_least_15():
    docs = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".md", ".tex"))
    assert docs == sorted(PLANTS) and len(docs) >= 15


@pytest.mark.parametrize("name", sorted(PLANTS))
def test_correct_document_has_no_refuted_step(name):
    r = check_text((CORPUS / name).read_text("utf-8"), name, **FAST)
    assert r.first_refuted is None, (name, str(r))
    assert not any(s.verdict in ("refuted", "parse error") for s in r.steps), str(r)
    assert any(s.verdict in ("proved", "numerically consistent") for s in r.steps), str(r)


@pytest.mark.parametrize("name", sorted(PLANTS))
def test_planted_error_is_refuted_at_its_step_or_unsupported(name):
    plant = PLANTS[name]
    text = (CORPUS / name).read_text("utf-8")
    assert text.count(plant["find"]) == 1, "the planted replacement must be unambiguous"
    r = check_text(text.replace(plant["find"], plant["replace"]), name, **FAST)
    hit = [s for s in r.steps if s.label == plant["label"] and s.kind == "step"]
    assert hit, (name, str(r))
    assert hit[0].verdict in ("refuted", "unsupported"), (name, str(r))
    if hit[0].verdict == "refuted":
        assert hit[0].counterexample
    assert not r.ok and "no failing step" not in r.summary()


def test_decided_fraction_of_the_written_steps(capsys):
    """Every written relation of the corpus (definitions and statements aside) is decided; the fraction is
    reported (``-s``) and must stay above the 60 % asked of material written by strangers."""
    steps = decided = 0
    for name in sorted(PLANTS):
        r = check_text((CORPUS / name).read_text("utf-8"), name, **FAST)
        written = [s for s in r.steps if s.kind == "step"]
        steps += len(written)
        decided += sum(s.verdict in DECIDED for s in written)
    with capsys.disabled():
        print(f"\nstrangers corpus: {decided}/{steps} written steps decided ({100 * decided / steps:.0f} %)")
    assert steps and decided / steps >= 0.6
