"""Latent-variable models with the definitions every ELBO claim is derived from.

:class:`LatentModel` fixes the definitions once (expectation, KL, entropy, ELBO) in terms of
two primitives, ``expect(dist, f)`` and ``log_prob(dist, z)``. Two models implement them:

* :class:`DiscreteModel`: z ∈ {1…K} with K symbolic (general K through ``Sum``) or a small int;
* :class:`LinearGaussianModel`: z ∼ N(0,1), x|z ∼ N(wz+b, s²), q = N(m, v); expectations by the
  moments of the Gaussian obtained by integration, p(x) by integrating the joint over z.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from derivations.checker.identities import Domain
from derivations.gaussian import (
    expect_polynomial,
    integrate_over_reals,
    normal_density,
    normal_log_density,
)

Fn = Callable[[sp.Expr], sp.Expr]


class LatentModel(ABC):
    """p(x, z) = p(z) p(x|z) at a fixed observation x, with a variational q(z|x)."""

    q: object
    prior: object
    posterior: object

    @abstractmethod
    def expect(self, dist: object, f: Fn) -> sp.Expr:
        """E_{z∼dist}[f(z)]."""

    @abstractmethod
    def log_prob(self, dist: object, z: sp.Expr) -> sp.Expr:
        """log dist(z)."""

    @abstractmethod
    def log_lik(self, z: sp.Expr) -> sp.Expr:
        """log p(x|z) at the observed x."""

    @abstractmethod
    def log_evidence(self) -> sp.Expr:
        """log p(x) = log Σ_z / ∫ p(x, z) (marginalisation)."""

    @abstractmethod
    def domain(self) -> Domain:
        """Admissible values of the model's symbols."""

    # -- definitions shared by all models -----------------------------------------------
    def log_joint(self, z: sp.Expr) -> sp.Expr:
        """log p(x, z) = log p(z) + log p(x|z)."""
        return self.log_prob(self.prior, z) + self.log_lik(z)

    def kl(self, a: object, b: object) -> sp.Expr:
        """KL(a ‖ b) = E_a[log a − log b]."""
        return self.expect(a, lambda z: self.log_prob(a, z) - self.log_prob(b, z))

    def entropy(self, a: object) -> sp.Expr:
        """Shannon entropy H(a) = −E_a[log a]."""
        return -self.expect(a, lambda z: self.log_prob(a, z))

    def elbo(self) -> sp.Expr:
        """ELBO = E_q[log p(x,z) − log q(z|x)] (CPSC 440 §1; seed 001, 1.1)."""
        return self.expect(self.q, lambda z: self.log_joint(z) - self.log_prob(self.q, z))


class DiscreteModel(LatentModel):
    """z ∈ {1…K}: prior π_i, likelihood ℓ_i = p(x|z=i), variational q_i (positive symbols;
    π and q are probability vectors). ``K`` is a positive integer symbol (general K) or an int."""

    q: sp.IndexedBase
    prior: sp.IndexedBase
    lik: sp.IndexedBase
    posterior: Fn

    def __init__(
        self, K: sp.Symbol | int | None = None, *, prior: str = "pi", lik: str = "ell", q: str = "q"
    ) -> None:
        if K is None:
            K = sp.Symbol("K", integer=True, positive=True)
        if isinstance(K, int) and K < 1:
            raise ValueError(f"K: need at least one latent state, got {K}")
        self.K = K
        self.i = sp.Symbol("i", integer=True, positive=True)
        self.j = sp.Symbol("j", integer=True, positive=True)
        self.q = sp.IndexedBase(q, positive=True)
        self.prior = sp.IndexedBase(prior, positive=True)
        self.lik = sp.IndexedBase(lik, positive=True)
        self.posterior: Fn = lambda i: self.prior[i] * self.lik[i] / self.evidence()

    @staticmethod
    def _value(dist: object, i: sp.Expr) -> sp.Expr:
        if isinstance(dist, sp.IndexedBase):
            return dist[i]
        if callable(dist):
            return dist(i)
        raise ValueError(f"dist: expected an IndexedBase or a callable i -> p_i, got {dist!r}")

    def sum(self, f: Fn, index: sp.Symbol | None = None) -> sp.Expr:
        """Σ_{k=1}^{K} f(k), over ``index`` (default the model's index i)."""
        k = index or self.i
        return sp.Sum(f(k), (k, 1, self.K))

    def expect(self, dist: object, f: Fn) -> sp.Expr:
        """E_{z∼dist}[f(z)] = Σ_i dist_i f(i); ``dist`` is an ``IndexedBase`` (e.g. q, π) or a callable i ↦
        p_i."""
        return self.sum(lambda i: self._value(dist, i) * f(i))

    def log_prob(self, dist: object, z: sp.Expr) -> sp.Expr:
        """log dist(z) for ``dist`` an ``IndexedBase`` or a callable i ↦ p_i."""
        return sp.log(self._value(dist, z))

    def log_lik(self, z: sp.Expr) -> sp.Expr:
        """log p(x|z) = log ℓ_z at the observed x."""
        return sp.log(self.lik[z])

    def joint_value(self, i: sp.Expr) -> sp.Expr:
        """p(x, z=i) = π_i ℓ_i."""
        return self.prior[i] * self.lik[i]

    def evidence(self) -> sp.Expr:
        """p(x) = Σ_j π_j ℓ_j."""
        return self.sum(lambda j: self.prior[j] * self.lik[j], self.j)

    def log_evidence(self) -> sp.Expr:
        """log p(x) = log Σ_j π_j ℓ_j."""
        return sp.log(self.evidence())

    def domain(self) -> Domain:
        """Admissible values: q and π on the probability simplex of size K (ℓ positive by its symbol)."""
        return Domain(simplex=(self.q, self.prior), size=self.K)


@dataclass(frozen=True)
class Gaussian:
    """N(mean, var) as a distribution handle."""

    mean: sp.Expr
    var: sp.Expr


@dataclass(frozen=True)
class LogDensity:
    """A distribution handle given by its log-density (for the posterior)."""

    log_density: Fn


class LinearGaussianModel(LatentModel):
    """z ∼ N(0, 1), x|z ∼ N(w z + b, s²), q(z|x) = N(m, v), all parameters symbolic."""

    q: Gaussian
    prior: Gaussian
    posterior: LogDensity

    def __init__(self) -> None:
        self.z = sp.Symbol("z", real=True)
        self.x, self.w, self.b, self.m = sp.symbols("x w b m", real=True)
        self.s, self.v = sp.symbols("s v", positive=True)
        self.q = Gaussian(self.m, self.v)
        self.prior = Gaussian(sp.Integer(0), sp.Integer(1))
        self.posterior = LogDensity(lambda z: self.log_joint(z) - self.log_evidence())

    def expect(self, dist: object, f: Fn) -> sp.Expr:
        """E_{z∼dist}[f(z)] exactly for ``dist`` a :class:`Gaussian` (else ``ValueError``): f(z) must be
        a polynomial in z (Gaussian log-densities are), replaced monomial by monomial by its moments."""
        if not isinstance(dist, Gaussian):
            raise ValueError(f"dist: expectations are exact under a Gaussian only, got {dist!r}")
        return expect_polynomial(f(self.z), {self.z: (dist.mean, dist.var)})

    def log_prob(self, dist: object, z: sp.Expr) -> sp.Expr:
        """log dist(z) for a :class:`Gaussian` (normal log-density) or a :class:`LogDensity`."""
        if isinstance(dist, Gaussian):
            return normal_log_density(z, dist.mean, dist.var)
        if isinstance(dist, LogDensity):
            return dist.log_density(z)
        raise ValueError(f"dist: expected Gaussian or LogDensity, got {dist!r}")

    def log_lik(self, z: sp.Expr) -> sp.Expr:
        """log N(x; w z + b, s²) at the observed x."""
        return normal_log_density(self.x, self.w * z + self.b, self.s**2)

    @cached_property
    def _evidence(self) -> sp.Expr:
        # an exponential of a quadratic in z, integrated exactly by completing the square (SymPy's
        # own integrate gives the same closed form in ~4 s)
        joint = normal_density(self.z, 0, 1) * normal_density(
            self.x, self.w * self.z + self.b, self.s**2
        )
        return integrate_over_reals(joint, self.z)

    def log_evidence(self) -> sp.Expr:
        """log ∫ p(z) p(x|z) dz, integrated exactly."""
        return sp.expand(sp.expand_log(sp.log(self._evidence), force=True))

    def posterior_moments(self) -> tuple[sp.Expr, sp.Expr]:
        """(mean, variance) of p(z|x), read off the quadratic log-posterior a z² + c z + …:
        variance = −1/(2a), mean = c · variance."""
        poly = sp.Poly(sp.expand(self.log_prob(self.posterior, self.z)), self.z)
        a, c = poly.coeff_monomial(self.z**2), poly.coeff_monomial(self.z)
        var = sp.simplify(-1 / (2 * a))
        return sp.simplify(c * var), var

    def domain(self) -> Domain:
        """No constraints beyond the symbols' own assumptions (real w, b, m; positive s, v)."""
        return Domain()
