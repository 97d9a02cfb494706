"""The self-normalised importance-sampling form of the forward-KL objective, numerically
(seed 003, Problem 6.4; Owen, *Monte Carlo theory, methods and examples*, §9.2).

For z ∼ q and w(z) = p(x, z)/q(z|x), the estimator Ĝ_N = Σ_s w_s g(z_s) / Σ_s w_s of
E_{p(z|x)}[g] is

* **consistent**: Ĝ_N → E_{p(z|x)}[g] as N → ∞ (checked by Monte Carlo at large N, tolerance
  5 standard errors from the delta method, fixed seed);
* **biased for finite N**: E[Ĝ_N] ≠ E_{p(z|x)}[g] in general; for a discrete latent the
  expectation of Ĝ_N is a finite sum over the Kᴺ sample tuples, computed exactly here for
  small N (E[Ĝ_1] = E_q[g], the proposal's mean, since the weights cancel).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

WeightFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _check_probability_vector(name: str, v: np.ndarray) -> np.ndarray:
    a = np.asarray(v, dtype=np.float64)
    if a.ndim != 1 or a.size < 1:
        raise ValueError(f"{name}: expected a non-empty 1-D vector, got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"{name}: entries must be finite and positive")
    return a


@dataclass(frozen=True)
class DiscreteTarget:
    """A discrete latent with K states at a fixed x: prior π, likelihood ℓ = p(x|z), proposal q,
    and a test function g. The posterior is p(z|x) = π ℓ / Σ π ℓ."""

    prior: np.ndarray
    lik: np.ndarray
    proposal: np.ndarray
    g: np.ndarray

    def __post_init__(self) -> None:
        prior = _check_probability_vector("prior", self.prior)
        lik = _check_probability_vector("lik", self.lik)
        proposal = _check_probability_vector("proposal", self.proposal)
        g = np.asarray(self.g, dtype=np.float64)
        if not (prior.shape == lik.shape == proposal.shape == g.shape):
            raise ValueError("prior/lik/proposal/g: all four must have the same length K")
        if not np.all(np.isfinite(g)):
            raise ValueError("g: entries must be finite")
        for name, v in (("prior", prior), ("proposal", proposal)):
            if abs(math.fsum(v) - 1.0) > 1e-12:
                raise ValueError(f"{name}: must sum to 1 (got {math.fsum(v)!r})")

    @property
    def posterior(self) -> np.ndarray:
        """p(z|x) = π ℓ / Σ π ℓ, normalised with ``math.fsum``."""
        joint = np.asarray(self.prior) * np.asarray(self.lik)
        return joint / math.fsum(joint)

    def exact(self) -> float:
        """E_{p(z|x)}[g]."""
        return math.fsum(self.posterior * np.asarray(self.g))


def correct_weight(prior: np.ndarray, lik: np.ndarray, proposal: np.ndarray) -> np.ndarray:
    """w(z) = p(x, z) / q(z|x)."""
    return prior * lik / proposal


def expected_snis(target: DiscreteTarget, n: int, weight: WeightFn = correct_weight) -> float:
    """E[Ĝ_n] exactly: the sum over all Kⁿ sample tuples of Π q(z_s) · Ĝ_n(z_1…z_n)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 6:
        raise ValueError(f"n: expected an int in 1..6 (Kⁿ tuples are enumerated), got {n!r}")
    q = np.asarray(target.proposal, dtype=np.float64)
    w = weight(np.asarray(target.prior, float), np.asarray(target.lik, float), q)
    g = np.asarray(target.g, dtype=np.float64)
    terms = []
    for zs in itertools.product(range(q.size), repeat=n):
        idx = list(zs)
        prob = math.prod(q[idx])
        terms.append(prob * math.fsum(w[idx] * g[idx]) / math.fsum(w[idx]))
    return math.fsum(terms)


@dataclass(frozen=True)
class SnisEstimate:
    """A self-normalised importance-sampling estimate: its value, delta-method standard error and the
    number of draws."""
    value: float
    standard_error: float
    samples: int


def snis_estimate(
    target: DiscreteTarget, n: int, *, seed: int = 0, weight: WeightFn = correct_weight
) -> SnisEstimate:
    """Ĝ_n from n draws of the proposal, with its delta-method standard error
    sqrt(Σ w̃_s² (g_s − Ĝ)²) (w̃ the normalised weights)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n: expected an int ≥ 2, got {n!r}")
    rng = np.random.default_rng(seed)
    q = np.asarray(target.proposal, dtype=np.float64)
    z = rng.choice(q.size, size=n, p=q)
    w = weight(np.asarray(target.prior, float), np.asarray(target.lik, float), q)[z]
    g = np.asarray(target.g, dtype=np.float64)[z]
    wn = w / w.sum()
    value = float(np.dot(wn, g))
    se = float(np.sqrt(np.dot(wn**2, (g - value) ** 2)))
    return SnisEstimate(value, se, n)


def example_target() -> DiscreteTarget:
    """A fixed K = 4 example whose proposal differs clearly from the posterior (so the finite-N
    bias is large), with g = log q_ψ for a fixed q_ψ (the forward-KL objective's integrand)."""
    prior = np.array([0.1, 0.2, 0.3, 0.4])
    lik = np.array([0.9, 0.05, 0.3, 0.01])
    proposal = np.array([0.25, 0.25, 0.25, 0.25])
    q_psi = np.array([0.4, 0.3, 0.2, 0.1])
    return DiscreteTarget(prior, lik, proposal, np.log(q_psi))
