"""Why training q_φ(z|w,x) with the three-term ELBO recovers p(z|w) (seed 003, Problem 7.2).

At a fixed w (and x), the part of the GM-VAE ELBO that depends on the categorical posterior r(z)
is Σ_z r_z [log p(z) + log p(w|z) − log r_z]. With the exact posterior p(z|w) = p(z)p(w|z)/Σ p p
in place of r it is log p(w); the difference is exactly KL(r ‖ p(z|w)) (general K). So the ELBO
is maximised over r at r = p(z|w) and the gap measures how far the learned q_φ is from it.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.checker import Decision, Domain, decide_equal
from derivations.latent import DiscreteModel

Objective = Callable[[DiscreteModel, object], sp.Expr]


def categorical_part(m: DiscreteModel, r: object) -> sp.Expr:
    """Σ_z r_z [log p(z) + log p(w|z) − log r_z] (p(w|z) is the model's likelihood ℓ_z)."""
    return m.expect(r, lambda z: m.log_joint(z) - m.log_prob(r, z))


def verify_gap_is_posterior_kl(objective: Objective = categorical_part) -> Decision:
    """objective(posterior) − objective(q) = KL(q ‖ p(z|w)) for a probability vector q (general K)."""
    m = DiscreteModel()
    gap = objective(m, m.posterior) - objective(m, m.q)
    return decide_equal(gap, m.kl(m.q, m.posterior), Domain(simplex=(m.prior, m.q), size=m.K))
