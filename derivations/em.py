"""EM as coordinate ascent on F(θ, q) (seed 003, Problem 5; Neal & Hinton 1998).

F(θ, q) = E_q[log p_θ(x, z)] + H(q) for a discrete latent of general size K. Parameters enter
only through p_θ(x, z): θᵗ is the model (π, ℓ) and θᵗ⁺¹ the model (π', ℓ'), both general.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal, decide_nonnegative
from derivations.checker.lemmas import LOG_RATIO, summed
from derivations.checker.steps import Derivation
from derivations.checker.verdicts import Verdict
from derivations.elbo import combine, jensen_certificate
from derivations.latent import DiscreteModel
from derivations.variational import solve_variational_optimum


def free_energy(m: DiscreteModel, q: object) -> sp.Expr:
    """F(θ, q) = E_q[log p_θ(x, z)] + H(q) (seed 003, Problem 5)."""
    return m.expect(q, m.log_joint) + m.entropy(q)


def free_energy_relation(m: DiscreteModel,
                         rhs: Callable[[DiscreteModel], sp.Expr]) -> tuple[sp.Expr, str, sp.Expr]:
    """The statement ``F(θ, q) = rhs(m)`` that :func:`verify_free_energy_decomposition` decides."""
    return free_energy(m, m.q), "=", rhs(m)


def free_energy_bound_relation(m: DiscreteModel) -> tuple[sp.Expr, str, sp.Expr]:
    """The statement ``F(θ, q) ≤ log p_θ(x)`` that :func:`verify_free_energy_bound` decides."""
    return free_energy(m, m.q), "<=", m.log_evidence()


def verify_free_energy_decomposition(rhs: Callable[[DiscreteModel], sp.Expr]) -> Decision:
    """F(θ, q) = rhs(model); the claim is log p_θ(x) − KL(q ‖ p_θ(z|x))."""
    m = DiscreteModel()
    lhs, _, right = free_energy_relation(m, rhs)
    return decide_equal(lhs, right, m.domain())


def verify_free_energy_bound() -> Decision:
    """F(θ, q) ≤ log p_θ(x) (certificate: Jensen), with equality at q = p_θ(z|x)."""
    m = DiscreteModel()
    lhs, _, right = free_energy_bound_relation(m)
    bound = decide_nonnegative(right - lhs, m.domain(), certificate=jensen_certificate(m))
    tight = decide_equal(free_energy(m, m.posterior), m.log_evidence(),
                         Domain(simplex=(m.prior,), size=m.K))
    return combine({"F ≤ log p(x)": bound, "F(θ, p_θ(z|x)) = log p_θ(x)": tight})


def verify_e_step(claimed: Callable[[DiscreteModel, sp.Symbol], sp.Expr]) -> Decision:
    """argmax_q F(θᵗ, q) over the simplex = claimed(model, j): the stationary point of the
    Lagrangian of F (multiplier eliminated), with F strictly concave in q (a maximum)."""
    m = DiscreteModel()
    q_star, lam, hess = solve_variational_optimum(m, free_energy(m, m.q))
    d = decide_equal(q_star, claimed(m, m.j), Domain(simplex=(m.prior,), size=m.K))
    if d.verdict is not Verdict.PROVED:
        return d
    concave = bool(hess.is_negative)
    return Decision(
        Verdict.PROVED if concave else Verdict.UNDECIDED,
        f"Lagrangian stationary point q_j = {sp.sstr(q_star)} (λ = {sp.sstr(lam)} eliminated) equals "
        f"the claim; ∂²F/∂q_j² = {sp.sstr(hess)}" + (" < 0: a maximum" if concave else ""),
    )


THETA = sp.Symbol("theta", real=True)
_P = sp.Function("P", positive=True)


def verify_m_step_equivalence(claimed_gap: Callable[[DiscreteModel, object], sp.Expr]) -> Decision:
    """F(θ, qᵗ) − Q(θ | θᵗ) = claimed_gap(model, qᵗ) and does not depend on θ, so both have the
    same argmax over θ; with qᵗ = p_θᵗ(z|x) (exact E-step) the F-iteration is the EM iteration.

    p_θ(x, z=i) is an arbitrary positive function P(θ, i); Q(θ|θᵗ) = E_{qᵗ}[log p_θ(x, z)]."""
    m = DiscreteModel()
    qt = m.posterior  # the exact E-step at θᵗ
    log_joint_theta: Callable[[sp.Expr], sp.Expr] = lambda i: sp.log(_P(THETA, i))
    F = m.expect(qt, log_joint_theta) + m.entropy(qt)
    Q = m.expect(qt, log_joint_theta)
    dom = Domain(simplex=(m.prior,), size=m.K)
    gap = decide_equal(F - Q, claimed_gap(m, qt), dom)
    theta_free = decide_equal(sp.diff(F - Q, THETA), sp.Integer(0), dom)
    return combine({"F − Q = gap": gap, "∂(F − Q)/∂θ = 0": theta_free})


def monotonicity_chain() -> Derivation:
    """log p_θᵗ⁺¹(x) ≥ F(θᵗ⁺¹, qᵗ) ≥ F(θᵗ, qᵗ) = log p_θᵗ(x).

    (a) is KL(qᵗ ‖ p_θᵗ⁺¹(z|x)) ≥ 0 (verified certificate); (b) is the M-step's guarantee
    (premise: θᵗ⁺¹ maximises F(·, qᵗ), so it does at least as well as θᵗ); (c) is the exact
    E-step qᵗ = p_θᵗ(z|x). θᵗ is the model (π, ℓ), θᵗ⁺¹ the model (π', ℓ'), both general."""
    old = DiscreteModel()
    new = DiscreteModel(old.K, prior="pi_new", lik="ell_new")
    qt = old.posterior
    i = old.i
    cert = summed(qt(i), LOG_RATIO, new.posterior(i) / qt(i), (i, 1, old.K))
    dom = Domain(simplex=(old.prior, new.prior), size=old.K)
    d = Derivation(new.log_evidence(), domain=dom, title="EM monotonicity")
    d.ge(free_energy(new, qt), "log p_θ(x) − F(θ, q) = KL(q ‖ p_θ(z|x)) ≥ 0", label="(a)",
         certificate=cert)
    d.ge(free_energy(old, qt), "M-step: θᵗ⁺¹ maximises F(·, qᵗ)", label="(b)", premise=True)
    d.eq(old.log_evidence(), "exact E-step: F(θᵗ, p_θᵗ(z|x)) = log p_θᵗ(x)", label="(c)")
    return d


# --------------------------------------------------------------------------- 1-D GMM M-step

N_POINTS = sp.Symbol("N", integer=True, positive=True)
_n = sp.Symbol("n", integer=True, positive=True)
X = sp.IndexedBase("x", real=True)


class GmmMStep:
    """A 1-D two-component Gaussian mixture with N data points (N symbolic) and E-step
    responsibilities r_k[n] > 0. Q(θ|θᵗ) = Σ_n Σ_k r_k[n] (log π_k + log N(x_n; μ_k, v_k))."""

    def __init__(self) -> None:
        self.r = (sp.IndexedBase("r1", positive=True), sp.IndexedBase("r2", positive=True))
        self.mu = sp.symbols("mu1 mu2", real=True)
        self.var = sp.symbols("v1 v2", positive=True)
        self.weight = sp.symbols("w1 w2", positive=True)

    def q_function(self) -> sp.Expr:
        """Q(θ|θᵗ) = Σ_k Σ_n r_k[n] (log π_k + log N(x_n; μ_k, v_k)), the objective the M-step maximises."""
        from derivations.gaussian import normal_log_density

        return sum(
            sp.Sum(self.r[k][_n] * (sp.log(self.weight[k])
                                     + normal_log_density(X[_n], self.mu[k], self.var[k])),
                   (_n, 1, N_POINTS))
            for k in range(2)
        )

    def resp_sum(self, k: int, f: Callable[[sp.Expr], sp.Expr] = lambda n: 1) -> sp.Expr:
        """Σ_n r_k[n] f(n) over the N data points (f = 1 by default: the effective count N_k)."""
        return sp.Sum(self.r[k][_n] * f(_n), (_n, 1, N_POINTS))


#: The textbook M-step: weighted mean, weighted variance, average responsibility.
def textbook_m_step(g: GmmMStep, k: int) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """The textbook M-step for component ``k``: μ_k = Σ_n r_k[n] x_n / N_k, v_k = Σ_n r_k[n](x_n − μ_k)² /
    N_k, π_k = N_k / N; returned as (mean, variance, weight)."""
    mu = g.resp_sum(k, lambda n: X[n]) / g.resp_sum(k)
    var = g.resp_sum(k, lambda n: (X[n] - mu) ** 2) / g.resp_sum(k)
    return mu, var, g.resp_sum(k) / N_POINTS


def verify_gmm_m_step(
    claimed: Callable[[GmmMStep, int], tuple[sp.Expr, sp.Expr, sp.Expr]],
) -> Decision:
    """The claimed (μ_k, v_k, π_k) is a stationary point of Q: ∂Q/∂μ_k = 0, ∂Q/∂v_k = 0, and
    ∂/∂π_k [Q + λ(Σπ − 1)] = 0 with λ = −N, the constraint Σ_k π_k = 1 holding when the
    responsibilities sum to 1 per point (r₂ = 1 − r₁)."""
    g = GmmMStep()
    Q = g.q_function()
    lam = -N_POINTS
    values = {}
    for k in range(2):
        mu, var, w = claimed(g, k)
        values.update({g.mu[k]: mu, g.var[k]: var, g.weight[k]: w})
    # N ≥ 2: with one point the weighted variance is 0 and ∂Q/∂v_k is undefined there
    dom = Domain(size=N_POINTS, sizes=(2, 3, 4, 5, 7, 11, 13))
    parts: dict[str, Decision] = {}
    for k in range(2):
        for name, sym, extra in (("μ", g.mu[k], 0), ("v", g.var[k], 0), ("π", g.weight[k], lam)):
            grad = sp.diff(Q, sym) + extra
            parts[f"∂/∂{name}{k + 1}"] = decide_equal(grad.xreplace(values), sp.Integer(0), dom)
    total = (values[g.weight[0]] + values[g.weight[1]]).replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == g.r[1],
        lambda e: 1 - g.r[0][e.indices[0]],
    )
    parts["Σ π = 1"] = decide_equal(total, sp.Integer(1), dom)
    return combine(parts)
