"""Forward-KL variational inference (seed 003, Problem 6.4).

Bob fits q_ψ(z|x) by the *forward* divergence KL(p(z|x) ‖ q_ψ(z|x)). Two statements are derived
from the definitions, over a discrete latent with K states (general K, ∫_z read as Σ_z):

* **the objective**: KL(p(z|x) ‖ q_ψ) = Σ_z p(z|x) log p(z|x) − E_{p(z|x)}[log q_ψ(z|x)]; the first
  term does not contain q_ψ, so argmin_ψ KL(p ‖ q_ψ) = argmax_ψ E_{p(z|x)}[log q_ψ(z|x)];
* **the self-normalised importance-sampling form**: p(z|x) cannot be sampled, but with
  w(z) = p(x, z)/q(z|x) and z ∼ q, E_{p(z|x)}[g] = E_q[w g] / E_q[w] (the unknown p(x) cancels).
  The estimator Σ_s w_s g(z_s) / Σ_s w_s is consistent but biased for a finite number of
  samples; the bias is shown numerically (:mod:`numerics.forward_kl`).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.checker import Decision, Domain, decide_equal
from derivations.latent import DiscreteModel

Objective = Callable[[DiscreteModel, sp.IndexedBase], sp.Expr]


def forward_kl_objective(m: DiscreteModel, qpsi: sp.IndexedBase) -> sp.Expr:
    """The objective Bob maximises: E_{p(z|x)}[log q_ψ(z|x)]."""
    return m.expect(m.posterior, lambda z: sp.log(qpsi[z]))


def verify_forward_kl_objective(objective: Objective = forward_kl_objective) -> Decision:
    """KL(p(z|x) ‖ q_ψ) + objective(q_ψ) equals Σ p(z|x) log p(z|x), which is free of q_ψ: so
    minimising the forward KL is maximising the objective (general K)."""
    m = DiscreteModel()
    qpsi = sp.IndexedBase("r", positive=True)
    lhs = m.kl(m.posterior, qpsi) + objective(m, qpsi)
    free_of_q = -m.entropy(m.posterior)
    if free_of_q.has(qpsi):  # the comparison below is only meaningful for a q-free right side
        raise ValueError("objective: the reference side must not depend on q_psi")
    return decide_equal(lhs, free_of_q, Domain(simplex=(m.prior, qpsi), size=m.K))


Weight = Callable[[DiscreteModel, sp.Expr], sp.Expr]


def importance_weight(m: DiscreteModel, z: sp.Expr) -> sp.Expr:
    """w(z) = p(x, z) / q(z|x)."""
    return m.joint_value(z) / m.q[z]


def verify_self_normalised_form(weight: Weight = importance_weight) -> Decision:
    """E_q[w g] / E_q[w] = E_{p(z|x)}[g] for any real g (general K): the self-normalised form of
    the forward-KL objective (g = log q_ψ) and of its gradient (g = ∇_ψ log q_ψ)."""
    m = DiscreteModel()
    g = sp.IndexedBase("g", real=True)
    snis = m.expect(m.q, lambda z: weight(m, z) * g[z]) / m.expect(m.q, lambda z: weight(m, z))
    exact = m.expect(m.posterior, lambda z: g[z])
    return decide_equal(snis, exact, Domain(simplex=(m.prior, m.q), size=m.K))
