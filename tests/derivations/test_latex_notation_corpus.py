"""The notation corpus (tests/derivations/latex_notation_corpus): documents written the way lecture notes,
blogs
and solution sheets write these derivations, each family of docs/latex-notation.md with true steps and a
planted
error. Every planted error is refuted at its step, no other step is refuted, nothing fails to parse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivations.latex import check_text
from derivations.latex.report import DocumentResult

CORPUS = Path(__file__).with_name("latex_notation_corpus")
MANIFEST = {
    k: v for k, v in json.loads((CORPUS / "manifest.json").read_text()).items() if not k.startswith("_")
}
FAST = {"time_limit": 5.0, "points": 12}
DECIDED = ("proved", "refuted", "numerically consistent")


def _check(name: str) -> DocumentResult:
    return check_text((CORPUS / name).read_text(encoding="utf-8"), name, **FAST)


def test_the_corpus_has_at_least_30_documents_and_every_file_is_listed():
    files = {p.name for p in CORPUS.iterdir() if p.suffix in (".md", ".tex")}
    assert files == set(MANIFEST) and len(files) >= 30


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_planted_errors_are_refuted_and_true_steps_are_not(name: str):
    r = _check(name)
    planted = set(MANIFEST[name]["planted"])
    refuted = {s.label for s in r.steps if s.verdict == "refuted"}
    assert refuted == planted, [(s.label, s.verdict, s.detail[:120]) for s in r.steps]
    assert not [s for s in r.steps if s.verdict in ("parse error", "error")], r.steps


def test_most_written_steps_are_decided():
    steps = [
        s for name in sorted(MANIFEST) for s in _check(name).steps if s.kind in ("step", "approximation")
    ]
    decided = sum(s.verdict in DECIDED for s in steps)
    assert decided / len(steps) >= 0.85, (decided, len(steps))
