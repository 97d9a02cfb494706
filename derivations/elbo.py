"""Verifiers for the ELBO: the Jensen bound and its three decompositions.

Each verifier takes the *claimed* expression as a function of a model and decides it
against the definitions of :mod:`derivations.latent`, for a discrete latent with general K
(via ``Sum``) and exactly for the linear-Gaussian model (by integration).

Sources: CS 446 HW8 1(a) (seed 000) and ECE 544 PS5 1(a) (seed 004); seed 001 §1–2;
CPSC 440 VAE assignment §1 (seed 002); Kingma & Welling 2014, eq. (1)–(3).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.checker.identities import Decision, decide_equal, decide_nonnegative
from derivations.checker.lemmas import LOG_RATIO, SQUARE, NonNegativeSum, Term, summed
from derivations.checker.verdicts import Verdict
from derivations.latent import DiscreteModel, LatentModel, LinearGaussianModel

ModelExpr = Callable[[LatentModel], sp.Expr]


def models() -> dict[str, LatentModel]:
    """The models every ELBO claim is checked on."""
    return {"discrete (general K)": DiscreteModel(), "linear-Gaussian": LinearGaussianModel()}


def combine(parts: dict[str, Decision]) -> Decision:
    """One decision from several: refuted if any is, else the weakest verdict."""
    order = [Verdict.REFUTED, Verdict.UNDECIDED, Verdict.NUMERIC, Verdict.PROVED]
    worst = min(parts.values(), key=lambda d: order.index(d.verdict))
    detail = "; ".join(f"{name}: {d.verdict.value} ({d.detail})" for name, d in parts.items())
    numeric = [d for d in parts.values() if d.verdict is Verdict.NUMERIC]
    return Decision(
        worst.verdict,
        detail,
        error=max(d.error or 0.0 for d in numeric) if numeric else None,
        tolerance=max(d.tolerance or 0.0 for d in numeric) if numeric else None,
        counterexample=next(
            ({"model": n, **(d.counterexample or {})} for n, d in parts.items()
             if d.verdict is Verdict.REFUTED),
            None,
        ),
    )


#: A checked statement ``(lhs, relation, rhs)`` with relation ``=``, ``>=`` or ``<=``.
Relation3 = tuple[sp.Expr, str, sp.Expr]


def log_evidence_relation(m: LatentModel, rhs: ModelExpr) -> Relation3:
    """The statement ``log p(x) = rhs(m)`` that :func:`verify_log_evidence_decomposition` decides."""
    return m.log_evidence(), "=", rhs(m)


def elbo_relation(m: LatentModel, rhs: ModelExpr) -> Relation3:
    """The statement ``ELBO = rhs(m)`` that :func:`verify_elbo_equals` decides."""
    return m.elbo(), "=", rhs(m)


def jensen_relation(m: LatentModel, bound: ModelExpr) -> Relation3:
    """The statement ``log p(x) ≥ bound(m)`` that :func:`verify_jensen_bound` decides."""
    return m.log_evidence(), ">=", bound(m)


def verify_log_evidence_decomposition(rhs: ModelExpr) -> Decision:
    """log p(x) = rhs(model); the claim is rhs = ELBO + KL(q ‖ p(z|x)) (seed 001, (1)–(5))."""
    out = {}
    for n, m in models().items():
        lhs, _, right = log_evidence_relation(m, rhs)
        out[n] = decide_equal(lhs, right, m.domain())
    return combine(out)


def verify_elbo_equals(rhs: ModelExpr) -> Decision:
    """ELBO (definition E_q[log p(x,z) − log q]) = rhs(model).

    The claims are E_q[log p(x|z)] − KL(q ‖ p(z)) and E_q[log p(x,z)] + H(q)."""
    out = {}
    for n, m in models().items():
        lhs, _, right = elbo_relation(m, rhs)
        out[n] = decide_equal(lhs, right, m.domain())
    return combine(out)


def jensen_certificate(m: LatentModel) -> NonNegativeSum:
    """log p(x) − ELBO as a non-negative combination.

    Discrete: Σ_i q_i φ(r_i / p(x)) with r_i = p(x, i)/q_i and φ(t) = t − 1 − log t (Jensen for
    the logarithm). Linear-Gaussian: ½ φ(v/τ) + (m − μ)²/(2τ) with (μ, τ) the posterior's
    mean and variance read off its log-density."""
    if isinstance(m, DiscreteModel):
        i = m.i
        ratio = m.prior[i] * m.lik[i] / m.q[i]
        return summed(m.q[i], LOG_RATIO, ratio / m.evidence(), (i, 1, m.K))
    if isinstance(m, LinearGaussianModel):
        mu, tau = m.posterior_moments()
        return NonNegativeSum(
            (Term(sp.Rational(1, 2), LOG_RATIO, m.v / tau), Term(1 / (2 * tau), SQUARE, m.m - mu))
        )
    raise ValueError(f"m: no Jensen certificate for {type(m).__name__}")


def verify_jensen_bound(bound: ModelExpr) -> Decision:
    """log p(x) ≥ bound(model); the claim is bound = E_q[log p(x,z)/q] (Jensen; seed 000 1(a))."""
    out = {}
    for n, m in models().items():
        lhs, _, right = jensen_relation(m, bound)
        out[n] = decide_nonnegative(lhs - right, m.domain(), certificate=jensen_certificate(m))
    return combine(out)
