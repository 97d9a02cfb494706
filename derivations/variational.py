"""The variational optimum (CS 446 HW8 1(e)–(f), seed 000; ECE 544 PS5 1(e)–(f), seed 004),
and KL properties (Gibbs' inequality; KL(q ‖ q) = 0).

The optimum is *solved for*: the Lagrangian of Σ_z q log p(x|z) − KL(q ‖ p(z)) under Σ q = 1
is differentiated in q_j, the stationarity condition solved for q_j(λ), the constraint solved
for λ, and λ substituted back. The result is then compared with the claimed optimum.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal, decide_nonnegative, linearize_sums
from derivations.checker.lemmas import LOG_RATIO, summed
from derivations.checker.verdicts import Verdict
from derivations.latent import DiscreteModel

LAMBDA = sp.Symbol("lambda", real=True)


def _first_branch(expr: sp.Expr, j: sp.Symbol, K: sp.Expr) -> sp.Expr:
    """∂/∂q_j of a Sum gives Piecewise((…, K ≥ j), (0, True)); take the branch for 1 ≤ j ≤ K."""
    def pick(*args: tuple[sp.Expr, sp.Expr]) -> sp.Expr:
        for value, cond in args:
            if cond in (sp.Ge(K, j), sp.Le(j, K), sp.true):
                return value
        raise ValueError(f"expr: unexpected derivative branches {args}")

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: pick(*e.args))


def solve_variational_optimum(
    m: DiscreteModel, objective: sp.Expr | None = None
) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(q_j*, λ*, ∂²L/∂q_j²) from the Lagrangian L(q, λ) = objective + λ(Σ q − 1); the default
    objective is Σ q log p(x|z) − KL(q ‖ p(z)) (CS 446 HW8 1(e))."""
    j = m.j
    if objective is None:
        objective = m.expect(m.q, m.log_lik) - m.kl(m.q, m.prior)
    lagrangian = objective + LAMBDA * (m.sum(lambda i: m.q[i]) - 1)
    grad = sp.expand(_first_branch(sp.diff(lagrangian, m.q[j]).doit(), j, m.K))
    q_of_lambda = sp.solve(sp.Eq(grad, 0), m.q[j])
    if len(q_of_lambda) != 1:
        raise ValueError(f"stationarity: expected one solution for q_j, got {q_of_lambda}")
    qj = q_of_lambda[0]
    k = sp.Symbol("k", integer=True, positive=True)
    constraint = linearize_sums(sp.Sum(qj.xreplace({j: k}), (k, 1, m.K))) - 1
    lam = sp.solve(sp.Eq(constraint, 0), LAMBDA)
    real = [s for s in lam if s.is_real is not False]
    if len(real) != 1:
        raise ValueError(f"constraint: expected one real multiplier, got {lam}")
    hessian = _first_branch(sp.diff(lagrangian, m.q[j], 2).doit(), j, m.K)
    return sp.simplify(qj.xreplace({LAMBDA: real[0]})), real[0], sp.simplify(hessian)


def verify_variational_optimum(claimed: Callable[[DiscreteModel, sp.Symbol], sp.Expr],
                               K: sp.Symbol | int | None = None) -> Decision:
    """The stationary point of the Lagrangian equals ``claimed(model, j)`` (the seeds claim
    p(x|z)p(z)/Σ p(x|ẑ)p(ẑ)), and it is a maximum (∂²L/∂q_j² = −1/q_j < 0, mixed partials 0:
    L is strictly concave in q)."""
    m = DiscreteModel(K)
    q_star, lam, hess = solve_variational_optimum(m)
    dom = Domain(simplex=(m.prior,), size=m.K)
    d = decide_equal(q_star, claimed(m, m.j), dom)
    if d.verdict is Verdict.PROVED:
        concave = hess.is_negative
        return Decision(
            Verdict.PROVED if concave else Verdict.UNDECIDED,
            f"stationary point q_j = {sp.sstr(q_star)} with λ = {sp.sstr(lam)} eliminated; "
            f"equals the claim exactly; ∂²L/∂q_j² = {sp.sstr(hess)}"
            + (" < 0 (strictly concave: a maximum)" if concave else " (sign undecided)"),
        )
    return d


def verify_optimum_is_posterior(claimed: Callable[[DiscreteModel, sp.Symbol], sp.Expr]) -> Decision:
    """claimed(model, j) = p(z=j|x) = p(x, z=j)/p(x) (Bayes' rule; CS 446 HW8 1(f))."""
    m = DiscreteModel()
    return decide_equal(claimed(m, m.j), m.posterior(m.j), Domain(simplex=(m.prior,), size=m.K))


Divergence = Callable[[DiscreteModel, sp.IndexedBase, sp.IndexedBase], sp.Expr]


def verify_kl_nonnegative(divergence: Divergence) -> Decision:
    """divergence(a, b) ≥ 0 for probability vectors a, b of general size K (Gibbs' inequality),
    proved with the certificate Σ_i a_i φ(b_i/a_i), φ(t) = t − 1 − log t ≥ 0."""
    m = DiscreteModel()
    a, b = sp.IndexedBase("a", positive=True), sp.IndexedBase("b", positive=True)
    cert = summed(a[m.i], LOG_RATIO, b[m.i] / a[m.i], (m.i, 1, m.K))
    lhs, _, rhs = kl_nonnegative_relation(m, divergence, a, b)
    return decide_nonnegative(lhs - rhs, Domain(simplex=(a, b), size=m.K), certificate=cert)


def kl_nonnegative_relation(m: DiscreteModel, divergence: Divergence, a: sp.IndexedBase,
                            b: sp.IndexedBase) -> tuple[sp.Expr, str, sp.Expr]:
    """The statement ``divergence(a, b) ≥ 0`` that :func:`verify_kl_nonnegative` decides."""
    return divergence(m, a, b), ">=", sp.Integer(0)


def kl_self_relation(m: DiscreteModel, a: sp.IndexedBase,
                     claimed: sp.Expr) -> tuple[sp.Expr, str, sp.Expr]:
    """The statement ``KL(a ‖ a) = claimed`` that :func:`verify_kl_of_identical` decides."""
    return m.kl(a, a), "=", claimed


def verify_kl_of_identical(claimed: sp.Expr) -> Decision:
    """KL(a ‖ a) = claimed for a probability vector a of general size K (CS 446 HW8 1(c): 0)."""
    m = DiscreteModel()
    a = sp.IndexedBase("a", positive=True)
    lhs, _, rhs = kl_self_relation(m, a, claimed)
    return decide_equal(lhs, rhs, Domain(simplex=(a,), size=m.K))


def seed_optimum(m: DiscreteModel, j: sp.Symbol) -> sp.Expr:
    """The seeds' answer to 1(e): q(z|x) = p(x|z)p(z) / Σ_ẑ p(x|ẑ)p(ẑ)."""
    k = sp.Symbol("khat", integer=True, positive=True)
    return m.lik[j] * m.prior[j] / sp.Sum(m.lik[k] * m.prior[k], (k, 1, m.K))
