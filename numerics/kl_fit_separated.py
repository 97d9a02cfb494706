"""Inclusive vs exclusive Gaussian fits to a *well-separated* mixture (seed 003, Problem 6.3 and
True/False 1).

The seed's mixture ⅓N(−1,1) + ⅔N(1,1) is unimodal, so its figure cannot show what T/F 1 is about.
This module fits N(μ, σ²) to p = ½N(−a,1) + ½N(a,1) with a = 3, where the two behaviours differ:

* the inclusive fit argmin KL(p ‖ q) covers both modes: it is moment matching, μ = 0,
  σ² = 1 + a² = 10 (the closed form is checked against the numeric optimum);
* the exclusive fit argmin KL(q ‖ p) locks onto one mode: its local optima sit near μ = ±a,
  σ² ≈ 1, and the covering Gaussian is not one of them.

Integrals use the same composite Gauss–Legendre rule as :mod:`numerics.kl_fit`
(``numerics._kl_fit_quadrature``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp

from numerics._kl_fit_quadrature import Fit, fit_bfgs, integrate_panels, kl_integrand, log_normal
from numerics._validate import normal_parameters, points, positive_number, real_number

SEPARATION = 3.0


def _separation(a: object) -> float:
    value = real_number(a, "separation")
    if not 0 < value <= 20:
        raise ValueError(f"separation: expected 0 < a ≤ 20, got {a!r}")
    return value


def log_p(x: np.ndarray, separation: float = SEPARATION) -> np.ndarray:
    """log(½N(x; −a, 1) + ½N(x; a, 1))."""
    a = _separation(separation)
    xs = points(x, "x")[..., None]
    with np.errstate(over="ignore"):  # |x| near the float range: the square overflows, log p = −inf
        comps = math.log(0.5) - 0.5 * math.log(2 * math.pi) - 0.5 * (xs - np.array([-a, a])) ** 2
    return logsumexp(comps, axis=-1)


def forward_kl(mu: float, sigma: float, separation: float = SEPARATION) -> float:
    """KL(p ‖ q) over [−a − 40, a + 40] (p's mass beyond is below 1e-300); σ > 0, finite μ."""
    mu, sigma = normal_parameters(mu, sigma)
    return _forward_kl(mu, sigma, _separation(separation))


def _forward_kl(mu: float, sigma: float, a: float) -> float:
    with np.errstate(over="ignore"):
        f = lambda x: kl_integrand(log_p(x, a), log_normal(x, mu, sigma))
        return integrate_panels(f, -a - 40.0, a + 40.0)


def reverse_kl(mu: float, sigma: float, separation: float = SEPARATION) -> float:
    """KL(q ‖ p) over μ ± 38σ (q's mass beyond is below 1e-300); σ > 0, μ ± 40σ finite."""
    mu, sigma = normal_parameters(mu, sigma, span=40)
    return _reverse_kl(mu, sigma, _separation(separation))


def _reverse_kl(mu: float, sigma: float, a: float) -> float:
    """In t = x − μ (as :func:`numerics.kl_fit.reverse_kl`): nodes placed at μ + t directly round
    to ulp(μ), and once 38σ is below it every panel has width 0 (``reverse_kl(0.5, 1e-300)`` gave 0)."""
    shifts = mu - np.array([-a, a])

    def f(t: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # far tails: the square overflows, log p = −inf
            comps = math.log(0.5) - 0.5 * math.log(2 * math.pi) - 0.5 * (shifts + t[..., None]) ** 2
        return kl_integrand(log_normal(t, 0.0, sigma), logsumexp(comps, axis=-1))

    with np.errstate(over="ignore"):
        return integrate_panels(f, -38 * sigma, 38 * sigma)


def fit_inclusive(separation: float = SEPARATION) -> Fit:
    """argmin KL(p ‖ q) by BFGS from (0, log 1)."""
    a = _separation(separation)
    return fit_bfgs(lambda m, s: _forward_kl(m, s, a), (0.5, 0.0))


def fit_exclusive_all(separation: float = SEPARATION, *, merge: float = 1e-4) -> list[Fit]:
    """The local optima of KL(q ‖ p) from starts μ₀ ∈ {−a−1, −a/2, 0.3, a/2, a+1}, log σ₀ ∈ {0, 1},
    merged when within ``merge``; sorted by KL."""
    a = _separation(separation)
    merge = positive_number(merge, "merge")
    found: list[Fit] = []
    for m0 in (-a - 1, -a / 2, 0.3, a / 2, a + 1):
        for s0 in (0.0, 1.0):
            f = fit_bfgs(lambda m, s: _reverse_kl(m, s, a), (m0, s0))
            if not any(abs(f.mu - g.mu) < merge and abs(f.sigma - g.sigma) < merge for g in found):
                found.append(f)
    return sorted(found, key=lambda f: f.kl)
