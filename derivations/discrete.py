"""Definitions for a discrete latent variable z ∈ {1, …, K} (K symbolic or a small int).

Only definitions live here: expectation, KL divergence, entropy, the joint, the evidence
(marginalisation) and the posterior (Bayes' rule). Every claim is *derived* from these.

Distributions are callables ``i ↦ expression`` (or ``IndexedBase`` objects).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.identities import Domain

Dist = Callable[[sp.Expr], sp.Expr]


def as_dist(d: sp.IndexedBase | Dist) -> Dist:
    if isinstance(d, sp.IndexedBase):
        return lambda i: d[i]
    if callable(d):
        return d
    raise ValueError(f"dist: expected an IndexedBase or a callable i -> expr, got {d!r}")


class DiscreteLatentModel:
    """p(x, z) = p(z) p(x|z) with prior π_i = p(z=i), likelihood ℓ_i = p(x|z=i) at the observed x,
    and a variational distribution q_i = q(z=i|x). All entries are positive symbols; π and q are
    probability vectors (Σ = 1 imposed through :meth:`domain`)."""

    def __init__(self, K: sp.Symbol | int | None = None) -> None:
        if K is None:
            K = sp.Symbol("K", integer=True, positive=True)
        if isinstance(K, int) and K < 1:
            raise ValueError(f"K: need at least one latent state, got {K}")
        self.K = K
        self.i = sp.Symbol("i", integer=True, positive=True)
        self.j = sp.Symbol("j", integer=True, positive=True)
        self.q = sp.IndexedBase("q", positive=True)
        self.prior = sp.IndexedBase("pi", positive=True)
        self.lik = sp.IndexedBase("ell", positive=True)

    # -- definitions ---------------------------------------------------------------------
    def sum(self, f: Dist, index: sp.Symbol | None = None) -> sp.Expr:
        k = index or self.i
        return sp.Sum(f(k), (k, 1, self.K))

    def expect(self, dist: sp.IndexedBase | Dist, f: Dist) -> sp.Expr:
        """E_{z∼dist}[f(z)] = Σ_i dist_i f(i)."""
        d = as_dist(dist)
        return self.sum(lambda i: d(i) * f(i))

    def kl(self, a: sp.IndexedBase | Dist, b: sp.IndexedBase | Dist) -> sp.Expr:
        """KL(a ‖ b) = E_a[log a − log b]."""
        da, db = as_dist(a), as_dist(b)
        return self.expect(da, lambda i: sp.log(da(i) / db(i)))

    def entropy(self, a: sp.IndexedBase | Dist) -> sp.Expr:
        """Shannon entropy H(a) = −E_a[log a]."""
        da = as_dist(a)
        return -self.expect(da, lambda i: sp.log(da(i)))

    def joint(self, i: sp.Expr) -> sp.Expr:
        """p(x, z=i) = p(z=i) p(x|z=i)."""
        return self.prior[i] * self.lik[i]

    def evidence(self) -> sp.Expr:
        """p(x) = Σ_z p(x, z) (marginalisation)."""
        return self.sum(self.joint, self.j)

    def posterior(self, i: sp.Expr) -> sp.Expr:
        """p(z=i|x) = p(x, z=i) / p(x) (Bayes' rule)."""
        return self.joint(i) / self.evidence()

    def elbo(self) -> sp.Expr:
        """ELBO(q) = E_q[log p(x,z) − log q(z|x)] (definition; seed 002, §1)."""
        return self.expect(self.q, lambda i: sp.log(self.joint(i) / self.q[i]))

    def domain(self, **kw: object) -> Domain:
        return Domain(simplex=(self.q, self.prior), size=self.K, **kw)  # type: ignore[arg-type]

    def with_variational(self, q: Dist) -> DiscreteLatentModel:
        """A copy whose variational distribution is the callable ``q`` (for optimum checks)."""
        other = DiscreteLatentModel(self.K)
        other.q = q  # type: ignore[assignment]
        return other
