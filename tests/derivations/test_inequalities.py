"""Inequalities proved without hand-made certificates, and never a wrong one.

The automatic certificate is a guess that the certificate machinery verifies; every pattern
has a wrong variant (reversed, wrong weights, not a probability vector) that must not be
proved."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.checker.identities import Domain
from derivations.checker.inequalities import decide_inequality, find_certificate, prove_inequality
from derivations.checker.lemmas import LOG_RATIO, single, summed
from derivations.checker.steps import Derivation
from derivations.checker.verdicts import Verdict

K = sp.Symbol("K", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
i = sp.Symbol("i", integer=True)
q = sp.IndexedBase("q", positive=True)
p = sp.IndexedBase("p", positive=True)
w = sp.IndexedBase("w", positive=True)  # positive, NOT a probability vector
r = sp.IndexedBase("r", positive=True)
a = sp.IndexedBase("a", positive=True)
b = sp.IndexedBase("b", positive=True)
SIMPLEX = Domain(simplex=(q, p), size=K)


def S(body: sp.Expr, hi: sp.Expr = K) -> sp.Sum:
    return sp.Sum(body, (i, 1, hi))


def test_seed_001_steps_6_to_9_without_certificates() -> None:
    """Seed 001, 1.2: KL[q‖p] = −Σ q log(p/q) ≥ −log Σ q·(p/q) = −log 1 = 0 (general K)."""
    d = Derivation(S(q[i] * sp.log(q[i] / p[i])), domain=SIMPLEX, title="KL ≥ 0 (seed 001)")
    d.eq(-S(q[i] * sp.log(p[i] / q[i])), "(7) log(q/p) = −log(p/q)", label="(7)")
    d.ge(-sp.log(S(q[i] * (p[i] / q[i]))), "(8) Jensen, f = log, ψ = p/q, weights q", label="(8)")
    d.eq(-sp.log(1), "(9) Σ p = 1", label="(9)")
    result = d.check()
    assert [s.verdict for s in result.steps] == [Verdict.PROVED] * 3, result.render()
    assert "automatic certificate" in result.steps[1].detail


def test_seed_000_jensen_bound_unnormalised_joint() -> None:
    """Seed 000 (a): log p(x) = log Σ_z q (p(x,z)/q) ≥ Σ_z q log(p(x,z)/q); p(x, z) = r_z is
    not normalised, so the certificate needs λ = Σ r."""
    dom = Domain(simplex=(q,), size=K)
    decision = prove_inequality(sp.log(S(r[i])), ">=", S(q[i] * sp.log(r[i] / q[i])), dom)
    assert decision.verdict is Verdict.PROVED, decision.detail


def test_gibbs_and_log_sum_general_size() -> None:
    gibbs = prove_inequality(S(q[i] * sp.log(q[i] / p[i])), ">=", 0, SIMPLEX)
    assert gibbs.verdict is Verdict.PROVED, gibbs.detail
    A, B = S(a[i], n), S(b[i], n)
    log_sum = prove_inequality(S(a[i] * sp.log(a[i] / b[i]), n), ">=", A * sp.log(A / B), Domain(size=n))
    assert log_sum.verdict is Verdict.PROVED, log_sum.detail


def test_phi_and_squares() -> None:
    t = sp.Symbol("t", positive=True)
    x, y = sp.symbols("x y", real=True)
    assert prove_inequality(sp.log(t), "<=", t - 1, Domain()).verdict is Verdict.PROVED
    assert prove_inequality(x**2 + y**2, ">=", 2 * x * y, Domain()).verdict is Verdict.PROVED
    # x² − 2x + 2 = (x − 1)² + 1: found by the LDLᵀ factorisation of the Gram matrix
    assert prove_inequality(x**2 - 2 * x + 2, ">=", 0, Domain()).verdict is Verdict.PROVED


def test_tuple_simplex_auto_and_hand_made_certificates() -> None:
    """A probability vector written (q₁, 1 − q₁) defeated even a correct certificate."""
    q1 = sp.Symbol("q1", positive=True)
    r1, r2 = sp.symbols("r1 r2", positive=True)
    dom = Domain(simplex=[(q1, 1 - q1)], bounds={q1: (0, 1)})
    lhs = sp.log(q1 * r1 + (1 - q1) * r2)
    rhs = q1 * sp.log(r1) + (1 - q1) * sp.log(r2)
    auto = Derivation(lhs, domain=dom, title="two-point Jensen").ge(rhs, "Jensen").check()
    assert auto.verdict is Verdict.PROVED, auto.render()
    m = q1 * r1 + (1 - q1) * r2
    cert = single(q1, LOG_RATIO, r1 / m)
    cert = type(cert)(cert.terms + single(1 - q1, LOG_RATIO, r2 / m).terms)
    by_hand = Derivation(lhs, domain=dom).ge(rhs, "Jensen", certificate=cert).check()
    assert by_hand.verdict is Verdict.PROVED, by_hand.render()
    # the constrained symbol hidden in a definition
    big_l = sp.Symbol("L", real=True)
    with_def = Domain(simplex=[(q1, 1 - q1)], bounds={q1: (0, 1)}, definitions={big_l: lhs})
    assert prove_inequality(big_l, ">=", rhs, with_def).verdict is Verdict.PROVED
    assert prove_inequality(big_l, "<=", rhs, with_def).verdict is Verdict.REFUTED


@pytest.mark.parametrize(
    ("lhs", "rhs", "dom", "why"),
    [
        (-sp.log(S(p[i])), -S(q[i] * sp.log(p[i] / q[i])), SIMPLEX, "Jensen reversed"),
        (sp.log(S(q[i] * r[i])), S(p[i] * sp.log(r[i])), SIMPLEX, "wrong weights (p, not q)"),
        (sp.log(S(w[i] * r[i])), S(w[i] * sp.log(r[i])), Domain(size=K), "weights not a probability vector"),
        (0, S(q[i] * sp.log(q[i] / p[i])), SIMPLEX, "Gibbs reversed"),
        (S(a[i] * sp.log(a[i] / b[i]), n), S(a[i], n) * sp.log(S(b[i], n) / S(a[i], n)), Domain(size=n),
         "log-sum with the ratio upside down"),
    ],
    ids=["jensen-reversed", "wrong-weights", "not-a-probability-vector", "gibbs-reversed",
         "log-sum-upside-down"],
)
def test_wrong_variants_are_not_proved(lhs: sp.Expr, rhs: sp.Expr, dom: Domain, why: str) -> None:
    decision = prove_inequality(lhs, ">=", rhs, dom, time_limit=10)
    assert decision.verdict in (Verdict.REFUTED, Verdict.UNDECIDED), (why, decision.detail)


def test_non_probability_tuple_is_refuted() -> None:
    """(q₁, q₂) with no Σ = 1 constraint: two-point "Jensen" is false and must be refuted."""
    q1, q2, r1, r2 = sp.symbols("q1 q2 r1 r2", positive=True)
    decision = prove_inequality(
        sp.log(q1 * r1 + q2 * r2), ">=", q1 * sp.log(r1) + q2 * sp.log(r2), Domain(), time_limit=10
    )
    assert decision.verdict is Verdict.REFUTED, decision.detail


def test_a_wrong_certificate_proves_nothing() -> None:
    """The certificate is verified: one for a different quantity is rejected."""
    wrong = summed(q[i], LOG_RATIO, p[i] / q[i], (i, 1, K))  # Gibbs' certificate
    decision = decide_inequality(-sp.log(S(p[i])) + S(q[i] * sp.log(p[i] / q[i])), SIMPLEX,
                                 certificate=wrong, time_limit=10)
    assert decision.verdict is not Verdict.PROVED


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="difference"):
        find_certificate("log(x) - x + 1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="relation"):
        prove_inequality(sp.Integer(1), "<>", sp.Integer(0))
    with pytest.raises(ValueError, match="time_limit"):
        decide_inequality(sp.Integer(1), time_limit=float("inf"))
    with pytest.raises(ValueError, match="weight"):
        single("__import__('os')", LOG_RATIO, sp.Symbol("x", positive=True))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="argument"):
        summed(1, LOG_RATIO, "x", (i, 1, K))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lemma"):
        single(1, "LOG_RATIO", sp.Integer(1))  # type: ignore[arg-type]


def test_decide_inequality_keeps_its_time_limit() -> None:
    """Certificate search and decision together stay within the bound (a hard integral)."""
    import time

    z = sp.Symbol("z", real=True)
    s = sp.Symbol("s", positive=True)
    hard = sp.Integral(sp.exp(-z**2 / s) * sp.log(1 + z**4) / (1 + z**2 + s), (z, -sp.oo, sp.oo))
    t0 = time.monotonic()
    decision = decide_inequality(hard - sp.log(s), Domain(), time_limit=1.0)
    assert time.monotonic() - t0 < 1.0 + 1.0
    assert decision.verdict is not Verdict.PROVED
    with pytest.raises(ValueError, match="difference"):
        decide_inequality("x", time_limit=1.0)  # type: ignore[arg-type]
