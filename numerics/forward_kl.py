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

from numerics._validate import integer, real_array

WeightFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _check_probability_vector(name: str, v: object, *, sums_to_one: bool = False) -> np.ndarray:
    """Entries in (0, 1]; with ``sums_to_one`` a distribution (Σ = 1 within 1e-12, math.fsum)."""
    a = real_array(v, name)
    if a.ndim != 1 or a.size < 1:
        raise ValueError(f"{name}: expected a non-empty 1-D vector, got shape {a.shape}")
    if np.any(a <= 0) or np.any(a > 1):
        raise ValueError(f"{name}: entries must be probabilities in (0, 1]")
    if sums_to_one and abs(math.fsum(a) - 1.0) > 1e-12:
        raise ValueError(f"{name}: must sum to 1 (got {math.fsum(a)!r})")
    return a


def _target(target: object) -> DiscreteTarget:
    if not isinstance(target, DiscreteTarget):
        raise ValueError(f"target: expected a DiscreteTarget, got {type(target).__name__}")
    return target


def _weights(weight: object, target: DiscreteTarget) -> np.ndarray:
    """w = weight(π, ℓ, q) for every state: finite and positive, one per state."""
    if not callable(weight):
        raise ValueError(f"weight: expected a callable (prior, lik, proposal) → weights, got "
                         f"{type(weight).__name__}")
    q = np.asarray(target.proposal, dtype=np.float64)
    w = weight(np.asarray(target.prior, float), np.asarray(target.lik, float), q)
    try:
        arr = real_array(w, "weight")
    except ValueError as exc:
        raise ValueError(f"weight: its weights must be finite real numbers ({exc})") from None
    if arr.shape != q.shape or np.any(arr <= 0):
        raise ValueError(f"weight: expected {q.size} positive weights, got {arr!r}")
    return arr


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
        g = real_array(self.g, "g")
        if not (prior.shape == lik.shape == proposal.shape == g.shape):
            raise ValueError("prior/lik/proposal/g: all four must have the same length K")
        for name, v in (("prior", prior), ("proposal", proposal)):
            _check_probability_vector(name, v, sums_to_one=True)

    @property
    def posterior(self) -> np.ndarray:
        """p(z|x) = π ℓ / Σ π ℓ, normalised with ``math.fsum``."""
        joint = np.asarray(self.prior) * np.asarray(self.lik)
        return joint / math.fsum(joint)

    def exact(self) -> float:
        """E_{p(z|x)}[g]."""
        return math.fsum(self.posterior * np.asarray(self.g))


def correct_weight(prior: np.ndarray, lik: np.ndarray, proposal: np.ndarray) -> np.ndarray:
    """w(z) = p(x, z) / q(z|x); three probability vectors of one length (each entry in (0, 1])."""
    prior = _check_probability_vector("prior", prior, sums_to_one=True)
    lik = _check_probability_vector("lik", lik)
    proposal = _check_probability_vector("proposal", proposal, sums_to_one=True)
    if not prior.shape == lik.shape == proposal.shape:
        raise ValueError(f"prior, lik, proposal: lengths differ ({prior.size}, {lik.size}, {proposal.size})")
    return prior * lik / proposal


def expected_snis(target: DiscreteTarget, n: int, weight: WeightFn = correct_weight) -> float:
    """E[Ĝ_n] exactly: the sum over all Kⁿ sample tuples of Π q(z_s) · Ĝ_n(z_1…z_n)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 6:
        raise ValueError(f"n: expected an int in 1..6 (Kⁿ tuples are enumerated), got {n!r}")
    target = _target(target)
    q = np.asarray(target.proposal, dtype=np.float64)
    w = _weights(weight, target)
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
    target = _target(target)
    rng = np.random.default_rng(integer(seed, "seed", minimum=0))
    q = np.asarray(target.proposal, dtype=np.float64)
    w = _weights(weight, target)
    z = rng.choice(q.size, size=n, p=q)
    w = w[z]
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
