"""Internal: the quadrature and the optimiser shared by the KL fits of a Gaussian to a 1-D mixture
(seed 003, Problem 6.3): :mod:`numerics.kl_fit` (the seed's mixture) and
:mod:`numerics.kl_fit_separated` (a well-separated one).

Integrals by composite 10-point Gauss–Legendre on equal panels (vectorised), the KL integrand with
0·log 0 = 0, log N(x; μ, σ²), and BFGS in (μ, log σ) returning a :class:`Fit`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from numerics._validate import real_number

__all__ = ["Fit", "fit_bfgs", "integrate_panels", "kl_integrand", "log_normal", "panel_nodes", "real_number"]


def log_normal(x: np.ndarray | np.float64, mu: float, sigma: float) -> np.ndarray:
    """log N(x; μ, σ²) for arguments already checked (σ > 0)."""
    # log σ rather than log σ²: σ² under/overflows long before σ does
    with np.errstate(over="ignore"):
        return -0.5 * np.log(2 * np.pi) - np.log(sigma) - 0.5 * ((x - mu) / sigma) ** 2


_GL_X, _GL_W = np.polynomial.legendre.leggauss(10)
PANELS = 600


def integrate_panels(f: Callable[[np.ndarray], np.ndarray], lo: float, hi: float) -> float:
    """∫_lo^hi f by composite 10-point Gauss–Legendre on 600 equal panels (vectorised). For the
    analytic integrands here the error is at rounding level (cross-checked against adaptive
    quadrature in the tests)."""
    x, weights = panel_nodes(lo, hi)
    return float(np.sum(weights * f(x)))


def panel_nodes(lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """The nodes (panels × 10) and weights of :func:`integrate_panels`'s rule on [lo, hi]."""
    edges = np.linspace(lo, hi, PANELS + 1)
    half = (edges[1:] - edges[:-1])[:, None] / 2
    mid = (edges[1:] + edges[:-1])[:, None] / 2
    return mid + half * _GL_X, half * _GL_W


def kl_integrand(log_a: np.ndarray, log_b: np.ndarray) -> np.ndarray:
    """a (log a − log b) with 0 · log 0 = 0 where a underflows: where σ is so extreme that
    log b overflows to −inf the integral is +inf (the exact value overflows), not 0·inf = NaN."""
    with np.errstate(over="ignore", invalid="ignore"):
        a = np.exp(log_a)
        return np.where(a > 0, a * (log_a - log_b), 0.0)


@dataclass(frozen=True)
class Fit:
    """A local optimum of a KL fit of N(mu, sigma²): the parameters, the divergence there, and whether BFGS
    converged (to the quadrature's rounding level)."""
    mu: float
    sigma: float
    kl: float
    converged: bool


def fit_bfgs(objective: Callable[[float, float], float], start: tuple[float, float],
             with_gradient: Callable[[float, float], tuple[float, np.ndarray]] | None = None) -> Fit:
    """BFGS in (μ, log σ) from ``start``; ``with_gradient(μ, log σ)`` → (value, gradient) where an
    analytic gradient exists (else finite differences of ``objective``)."""
    if with_gradient is None:
        res = optimize.minimize(lambda t: objective(t[0], np.exp(t[1])), np.array(start),
                                method="BFGS", options={"gtol": 1e-11})
    else:
        res = optimize.minimize(lambda t: with_gradient(t[0], t[1]), np.array(start), jac=True,
                                method="BFGS", options={"gtol": 1e-11})
    # BFGS stops with 'precision loss' once the gradient is at the quadrature's rounding level:
    # that is convergence to the attainable accuracy, not a failure
    ok = bool(res.success) or "precision" in str(res.message)
    return Fit(float(res.x[0]), float(np.exp(res.x[1])), float(res.fun), ok)
