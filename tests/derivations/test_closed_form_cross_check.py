"""A *proved* verdict that rests on SymPy's closed form of a definite integral or an infinite
series is cross-checked against the sides as written in ball arithmetic (DESIGN.md, "The step checker";
*proved* means exact): SymPy's ``integrate`` has known wrong answers, so its zero is
never taken alone. A wrong closed form is simulated by making the normal form answer 0."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.checker import Domain, decide_equal, decide_nonnegative, identities
from derivations.checker.refutation import RefutationCertificate, recheck
from derivations.checker.verdicts import Verdict

t = sp.Symbol("t", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
a = sp.Symbol("a", positive=True)
GAUSS = sp.exp(-((t - mu) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
NORMALISER = sp.Integral(GAUSS, (t, -sp.oo, sp.oo))
BOUNDS = Domain(bounds={sigma: (0.01, 5), mu: (-5, 5)})


@pytest.fixture
def sympy_says_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    """SymPy's simplification, wrong: every difference normalises to 0 (and is non-negative)."""
    monkeypatch.setattr(identities, "normalize", lambda expr, domain, full=True: sp.Integer(0))


def test_a_wrong_closed_form_of_an_integral_is_refuted_with_a_certificate(sympy_says_zero: None) -> None:
    d = decide_equal(NORMALISER, sp.Float(1.0001), BOUNDS, time_limit=20)
    assert d.verdict is Verdict.REFUTED, d.detail
    assert "SymPy's closed form" in d.detail
    assert isinstance(d.certificate, RefutationCertificate)
    assert recheck(d.certificate, NORMALISER, sp.Rational(10001, 10000))


def test_a_wrong_closed_form_in_a_nonnegativity_claim_is_refuted(sympy_says_zero: None) -> None:
    lomax = sp.Integral(a * (1 + t) ** (-1 - a), (t, 0, sp.oo))
    d = decide_nonnegative(lomax - sp.Rational(3, 2), Domain(bounds={a: (0.05, 5)}), time_limit=20)
    assert d.verdict is Verdict.REFUTED, d.detail
    assert isinstance(d.certificate, RefutationCertificate)


def test_a_true_integral_identity_is_proved_and_says_what_it_rests_on() -> None:
    d = decide_equal(NORMALISER, 1, BOUNDS, time_limit=20)
    assert d.verdict is Verdict.PROVED, d.detail
    assert "SymPy's closed form" in d.detail and "cross-checked in ball arithmetic at" in d.detail
    mean = decide_equal(sp.Integral(t * GAUSS, (t, -sp.oo, sp.oo)), mu, time_limit=20)
    assert mean.verdict is Verdict.PROVED, mean.detail


def test_identities_without_integrals_are_not_cross_checked() -> None:
    d = decide_equal((t + 1) ** 2, t**2 + 2 * t + 1)
    assert d.verdict is Verdict.PROVED
    assert d.detail == "exact symbolic identity: the normalised difference is 0"


def test_which_sides_rest_on_closed_forms() -> None:
    k = sp.Symbol("k", integer=True, nonnegative=True)
    n = sp.Symbol("n", integer=True, positive=True)
    empty = Domain()
    assert identities.closed_forms_used([NORMALISER], empty)
    assert identities.closed_forms_used([sp.Sum(sp.Rational(1, 2) ** k, (k, 0, sp.oo))], empty)
    assert not identities.closed_forms_used([sp.Sum(k, (k, 0, n))], empty)
    assert not identities.closed_forms_used([sp.exp(t) * mu], empty)


def test_a_search_cut_short_after_a_few_points_is_a_timeout_not_evidence() -> None:
    """∫N(x; μ, σ) dx = 1/σ agrees at σ = 1: one agreeing point before the time bound stopped the
    search must not make a false claim *numerically consistent*."""
    from derivations.checker.search import SearchResult

    few = SearchResult(points=1, stopped_early=True)
    d = identities._numeric_decision(few, "not proved", "agreement", "largest relative discrepancy 0")
    assert d.verdict is Verdict.UNDECIDED and "timeout" in d.detail
    many = SearchResult(points=identities.MIN_POINTS_WHEN_CUT_SHORT, stopped_early=True)
    d = identities._numeric_decision(many, "not proved", "agreement", "largest relative discrepancy 0")
    assert d.verdict is Verdict.NUMERIC and "cut short" in d.detail
