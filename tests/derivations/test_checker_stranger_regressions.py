"""Defects the held-out-style corpus found in the step checker, each as a stranger would meet it.

Written against the public API (``decide_equal``, ``prove_inequality``, ``Derivation``,
``Domain``, ``recheck``) with the symbols and numbers people type: a refutation whose
certificate the public re-check rejected, a narrow valley the search stepped over, integrals
with a kink, a jump or a non-integer power at an end of the range, a slow certificate screen
that left false inequalities undecided, a KL margin false only where P = Q, complex symbols
sampled on the real line, and sums up to a fractional limit.
"""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.checker import Derivation, Domain, decide_equal, prove_inequality
from derivations.checker.refutation import recheck
from derivations.checker.verdicts import Verdict

x = sp.Symbol("x", real=True)
t = sp.Symbol("t", positive=True)
a, b = sp.symbols("a b", positive=True)
p, q = sp.symbols("p q", positive=True)
j, k = sp.symbols("j k", integer=True)
J = sp.Symbol("J", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
S = sp.IndexedBase("s", positive=True)
MU = sp.IndexedBase("mu", real=True)
A = sp.IndexedBase("A", positive=True)
B = sp.IndexedBase("B", positive=True)


def test_pi_typed_to_36_digits_is_refuted_by_a_certificate_of_the_sides_as_written() -> None:
    typed = sp.Float("3.14159265358979323846264338327950288", 36)
    d = decide_equal(typed, sp.pi, time_limit=5)
    assert d.verdict is Verdict.REFUTED, d.detail
    assert d.certificate is not None and d.certificate.point == {}
    assert recheck(d.certificate, typed, sp.pi)


def test_a_constant_residual_of_an_integral_without_enclosure_is_never_an_unrecheckable_refutation() -> None:
    """∫₀¹ log x dx = −1/2: SymPy's normal form says the sides differ by −1/2, but a refutation
    must be a certificate of the sides as written, which the public re-check confirms."""
    lhs, rhs = sp.Integral(sp.log(x), (x, 0, 1)), sp.Rational(-1, 2)
    d = decide_equal(lhs, rhs, time_limit=5)
    assert d.verdict in (Verdict.REFUTED, Verdict.UNDECIDED), d.detail
    if d.verdict is Verdict.REFUTED:
        assert d.certificate is not None and recheck(d.certificate, lhs, rhs)
    chain = Derivation(sp.Integral(x * sp.log(x), (x, 0, 1)), time_limit=5)
    chain.eq(-sp.Integral(x, (x, 0, 1)), "by parts (wrong: the ½ is lost)").eq(sp.Rational(-1, 2), "∫ x = ½")
    step = chain.check().steps[0]
    assert step.verdict in (Verdict.REFUTED, Verdict.UNDECIDED), step.detail
    if step.verdict is Verdict.REFUTED:
        assert step.certificate is not None and step.sides is not None
        assert recheck(step.certificate, *step.sides)


def test_the_jsd_form_plus_a_nanometre_is_refuted_in_the_valley_p_equals_q() -> None:
    """p log(2p/(p+q)) + q log(2q/(p+q)) ≥ 10⁻⁹ fails only within ~3·10⁻⁵ of p = q; the
    coordinate search used to run out of steps before its parabolic refinement."""
    jsd = p * sp.log(2 * p / (p + q)) + q * sp.log(2 * q / (p + q))
    d = prove_inequality(jsd, ">=", 1e-9, time_limit=5)
    assert d.verdict is Verdict.REFUTED, d.detail
    assert d.certificate is not None and recheck(d.certificate, jsd - sp.Float(1e-9), None)
    chain = Derivation(p * sp.log(p / (p + q)) + q * sp.log(q / (p + q)), time_limit=5)
    chain.eq(jsd - (p + q) * sp.log(2), "add and subtract log 2").ge(-(p + q) * sp.log(2) + 1e-9, "JSD > 0")
    result = chain.check()
    assert result.verdict is Verdict.REFUTED and result.first_failure is not None
    assert result.first_failure.label == "(2)"


def test_the_mean_of_a_beta_is_refuted_when_miscopied() -> None:
    """∫₀¹ x^a (1−x)^(b−1) dx / B(a, b) = a/(a+b): the integrand's non-integer powers vanish at
    the ends, where Arb's pow gave no finite enclosure."""
    dom = Domain(bounds={a: (0.2, 6), b: (0.2, 6)})
    lhs = sp.Integral(x**a * (1 - x) ** (b - 1), (x, 0, 1)) / sp.beta(a, b)
    d = decide_equal(lhs, a / (a + b + 1), dom, time_limit=8)
    assert d.verdict is Verdict.REFUTED, d.detail
    assert d.certificate is not None and recheck(d.certificate, lhs, a / (a + b + 1))
    assert decide_equal(lhs, a / (a + b), dom, time_limit=8).verdict is not Verdict.REFUTED


def test_integrals_with_a_kink_or_a_jump_agree_and_their_slips_are_refuted() -> None:
    unit = Domain(bounds={a: (0, 1)})
    kink = sp.Integral(sp.Abs(t - a), (t, 0, 1))
    assert decide_equal(kink, a**2 - a + sp.Rational(1, 2), unit, time_limit=8).verdict in (
        Verdict.PROVED,
        Verdict.NUMERIC,
    )
    assert decide_equal(kink, a**2 - a + 1, unit, time_limit=8).verdict is Verdict.REFUTED
    jump = sp.Integral(sp.Piecewise((1, x < a), (0, True)), (x, 0, 1))
    assert decide_equal(jump, a, unit, time_limit=8).verdict in (Verdict.PROVED, Verdict.NUMERIC)
    wrong = decide_equal(jump, 1 - a, unit, time_limit=8)
    assert wrong.verdict is Verdict.REFUTED, wrong.detail
    assert wrong.certificate is not None and recheck(wrong.certificate, jump, 1 - a)


def test_a_slow_certificate_screen_leaves_time_to_refute_a_false_vae_bound() -> None:
    """½ Σ_j (s_j² + μ_j² − 1 − log s_j²) ≥ Σ_j μ_j² is false at s = 1; the certificate screen
    evaluated the Sums over the symbolic J by Euler–Maclaurin for minutes (undecided at any limit)."""
    kl = sp.Rational(1, 2) * sp.Sum(S[j] ** 2 + MU[j] ** 2 - 1 - sp.log(S[j] ** 2), (j, 1, J))
    d = prove_inequality(kl, ">=", sp.Sum(MU[j] ** 2, (j, 1, J)), time_limit=10)
    assert d.verdict is Verdict.REFUTED, d.detail
    assert prove_inequality(kl, ">=", 0, time_limit=10).verdict is not Verdict.REFUTED
    log_sum = prove_inequality(
        sp.Sum(A[k] * sp.log(A[k] / B[k]), (k, 1, K)),
        ">=",
        sp.Sum(A[k], (k, 1, K)) * sp.log(sp.Sum(A[k], (k, 1, K)) / sp.Sum(B[k], (k, 1, K))),
        time_limit=10,
    )
    assert log_sum.verdict is Verdict.PROVED, log_sum.detail


def test_a_value_typed_as_a_float_rechecks() -> None:
    lhs = sp.Integral(1 / (1 + x**2), (x, 0, 1))
    d = decide_equal(lhs, 0.785398163397448, time_limit=5)  # π/4 to 15 digits
    assert d.verdict is Verdict.REFUTED and d.certificate is not None
    assert recheck(d.certificate, lhs, 0.785398163397448)


def test_a_symbol_without_assumptions_is_not_supported_by_real_points_only() -> None:
    z = sp.Symbol("z")  # complex, for SymPy
    d = decide_equal(z**2, sp.Abs(z) ** 2, time_limit=5)
    assert d.verdict is Verdict.UNDECIDED, d.detail
    assert "z" in d.detail and "real=True" in d.detail
    assert decide_equal(x**2, sp.Abs(x) ** 2, time_limit=5).verdict in (Verdict.PROVED, Verdict.NUMERIC)
    assert decide_equal(sp.sqrt(z**2), z, time_limit=5).verdict is Verdict.REFUTED  # z = −1 is complex too


def test_a_sum_up_to_a_fraction_is_a_value_error() -> None:
    """Σ_{k=1}^{5/2} k: 5/2·7/4 for SymPy's reversed-range arithmetic, 3 for a reader."""
    with pytest.raises(ValueError, match="limit"):
        decide_equal(sp.Sum(k, (k, 1, 2.5)), 3)
    with pytest.raises(ValueError, match="limit"):
        prove_inequality(sp.Sum(1 / k, (k, 1, sp.Rational(7, 2))), "<=", 2)


def test_kl_above_a_nanometre_is_refuted_where_the_two_distributions_coincide() -> None:
    """KL(P‖Q) ≥ 10⁻⁹ on vectors of 2, 3 or 5 entries is false only near P = Q, a valley random
    Dirichlet draws never reach: the search now visits points where like quantities coincide."""
    P, Q = sp.IndexedBase("P", positive=True), sp.IndexedBase("Q", positive=True)
    vectors = Domain(simplex=[P, Q], size=K, sizes=(2, 3, 5))
    kl = sp.Sum(P[k] * sp.log(P[k] / Q[k]), (k, 1, K))
    d = prove_inequality(kl, ">=", 1e-9, vectors, time_limit=10)
    assert d.verdict is Verdict.REFUTED, d.detail
    assert d.certificate is not None and recheck(d.certificate, kl - sp.Float(1e-9), None)
    assert prove_inequality(kl, ">=", 0, vectors, time_limit=10).verdict is Verdict.PROVED
    p1, p2, q1, q2 = sp.symbols("p1 p2 q1 q2", positive=True)
    pairs = Domain(simplex=[(p1, p2), (q1, q2)])
    two_point = p1 * sp.log(p1 / q1) + p2 * sp.log(p2 / q2)
    assert (
        prove_inequality(two_point, ">=", sp.Rational(1, 10**9), pairs, time_limit=10).verdict
        is Verdict.REFUTED
    )
