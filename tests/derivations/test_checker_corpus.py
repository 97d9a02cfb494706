"""The step checker is sound on its held-out corpus (DESIGN.md, "The step checker").

For every case of :mod:`tests.derivations.checker_corpus`: a planted error is never *proved* or
*numerically consistent*, and a true statement is never *refuted*. *Undecided* is allowed (and
counted by ``benchmarks/checker_corpus.py``). Cases with integrals are marked ``slow`` in their id
(``-k "not slow"`` leaves them out); each case runs under a time limit of a few seconds.
"""

from __future__ import annotations

import pytest

from derivations.checker.verdicts import Verdict
from tests.derivations.checker_corpus import CASES, FALSE_CASES, TRUE_CASES, Case


def test_the_corpus_is_large_and_balanced() -> None:
    assert len(CASES) >= 60
    assert len(TRUE_CASES) >= 30 and len(FALSE_CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)
    kinds = {c.category for c in FALSE_CASES}
    for kind in ("region", "tiny but real", "wrong for K ≥ 3", "sign inside a log", "assumption slip"):
        assert kind in kinds


@pytest.mark.parametrize("case", CASES, ids=[c.name + ("-slow" if c.slow else "") for c in CASES])
def test_case_is_decided_soundly(case: Case) -> None:
    d = case.decide()
    if case.true:
        assert d.verdict is not Verdict.REFUTED, f"false refutation: {d.detail} at {d.counterexample}"
    else:
        assert d.verdict not in (Verdict.PROVED, Verdict.NUMERIC), f"planted error supported: {d.detail}"
