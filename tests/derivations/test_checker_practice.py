"""The step checker on the practice corpus (:mod:`tests.derivations.practice_corpus`).

Every case through the decision procedure and as a one-step ``Derivation``: a true statement is
never *refuted*, its false twin never *proved* nor *numerically consistent*, and every
refutation carries a ball certificate that re-checks; bad inputs raise ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from derivations.checker.refutation import recheck
from derivations.checker.verdicts import Verdict
from tests.derivations.practice_corpus import CASES, FALSE_CASES, RAISES, TRUE_CASES, Case, is_sound


def test_the_corpus_has_sixty_cases_in_twins() -> None:
    assert len(CASES) >= 60 and len(TRUE_CASES) == len(FALSE_CASES)
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.name + "__slip" for c in TRUE_CASES} == {c.name for c in FALSE_CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_decision_is_sound(case: Case) -> None:
    d = case.decide()
    assert is_sound(case.true, d.verdict), f"{d.verdict.value}: {d.detail}"
    if d.verdict is Verdict.REFUTED:
        assert d.certificate is not None, d.detail
        lhs, rhs, domain = case.build()
        if d.certificate.relation == "≠":
            assert recheck(d.certificate, lhs, rhs, domain.definitions)
        else:
            diff = lhs - rhs if case.relation == ">=" else rhs - lhs
            assert recheck(d.certificate, diff, None, domain.definitions)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_one_step_derivation_is_sound(case: Case) -> None:
    verdict = case.step()
    assert is_sound(case.true, verdict), verdict.value


@pytest.mark.parametrize(("name", "build"), RAISES, ids=[name for name, _ in RAISES])
def test_bad_input_is_a_value_error(name: str, build: Callable[[], Any]) -> None:
    with pytest.raises(ValueError):
        build()
