"""Numeric evidence for the Gaussian KL formulas, by quadrature (:mod:`derivations.claims.gaussian_kl`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

# Imported on its own (not through the registry): the claims this module attaches evidence to
# must be registered first (torch-free, idempotent imports; through the registry they have run).
import derivations.claims  # noqa: F401
import torch_impl.claims  # noqa: F401
from derivations.checker.verdicts import Evidence
from derivations.runner.registry import evidence
from numerics.evidence._common import (
    REL_TOL,
    SEED,
    Array,
    _rel,
    _result,
    _worst,
)

# =========================================================================== Gaussian KL (quadrature)

MP_DPS = 20


def kl_normal_quadrature(mq: float, sq: float, mp: float, sp_: float) -> float:
    """KL(N(mq, sq²) ‖ N(mp, sp²)) = ∫ q log(q/p) by mpmath quadrature at 20 digits (the
    integrand's log-ratio is written out, so no closed form of KL is used)."""
    mpmath.mp.dps = MP_DPS
    mq_, sq_, mp_, spp = (mpmath.mpf(v) for v in (mq, sq, mp, sp_))

    def integrand(x: Any) -> Any:
        log_q = -((x - mq_) ** 2) / (2 * sq_**2) - mpmath.log(sq_) - mpmath.log(2 * mpmath.pi) / 2
        log_p = -((x - mp_) ** 2) / (2 * spp**2) - mpmath.log(spp) - mpmath.log(2 * mpmath.pi) / 2
        return mpmath.exp(log_q) * (log_q - log_p)

    edges = [mq_ + k * sq_ for k in (-40, -8, -3, 0, 3, 8, 40)]
    return float(mpmath.quad(integrand, edges))


def univariate_formula(mq: float, sq: float, mp: float, sp_: float) -> float:
    """The claimed closed form KL(N(mq, sq²) ‖ N(mp, sp_²)) = log(sp/sq) + (sq² + (mq − mp)²)/(2 sp²) − ½
    (standard deviations, not variances); the default candidate of :func:`check_univariate`."""
    return float(np.log(sp_ / sq) + (sq**2 + (mq - mp) ** 2) / (2 * sp_**2) - 0.5)


def equal_variance_formula(mq: float, mp: float, s: float) -> float:
    """The claimed KL(N(mq, s²) ‖ N(mp, s²)) = (mq − mp)²/(2s²); the default candidate of
    :func:`check_equal_variance`."""
    return (mq - mp) ** 2 / (2 * s**2)


#: mpmath quadrature at 20 digits is accurate to ~1e-18 relative on these smooth integrands; the
#: candidates are float64 expressions (~1e-15). Any wrong variant differs by ≥ 1e-2.
GAUSS_POINTS = ((0.3, 1.0, -0.4, 1.0), (1.5, 0.7, 0.2, 1.3), (-2.0, 2.5, 1.0, 0.8), (0.0, 0.2, 0.1, 0.5))


def check_univariate(
    candidate: Callable[[float, float, float, float], float] = univariate_formula,
) -> Evidence:
    """KL between univariate Gaussians: ``candidate(mq, sq, mp, sp)`` (standard deviations) vs 20-digit mpmath
    quadrature of ∫ q log(q/p) at the four ``GAUSS_POINTS``; refuted when the worst relative error exceeds
    ``REL_TOL``."""
    rows = []
    for mq, sq, mp, sp_ in GAUSS_POINTS:
        ref, got = kl_normal_quadrature(mq, sq, mp, sp_), candidate(mq, sq, mp, sp_)
        rows.append(
            (
                _rel(ref, got),
                {"point": str((mq, sq, mp, sp_)), "quadrature": f"{ref!r}", "claimed": f"{got!r}"},
            )
        )
    err, where = _worst(rows)
    return _result(
        f"KL(N(μq,σq²) ‖ N(μp,σp²)) by 20-digit mpmath quadrature of ∫ q log(q/p) vs the formula at "
        f"{len(rows)} points (μq, σq, μp, σp) = {GAUSS_POINTS}; worst relative error {err:.2e}",
        err,
        REL_TOL,
        where,
    )


def check_equal_variance(
    candidate: Callable[[float, float, float], float] = equal_variance_formula,
) -> Evidence:
    """Equal-variance Gaussian KL: ``candidate(mq, mp, s)`` vs 20-digit mpmath quadrature of ∫ q log(q/p) with
    σq = σp = s at the ``GAUSS_POINTS``; relative error against ``REL_TOL``."""
    rows = []
    for mq, _, mp, s in GAUSS_POINTS:
        ref, got = kl_normal_quadrature(mq, s, mp, s), candidate(mq, mp, s)
        rows.append(
            (_rel(ref, got), {"point": str((mq, mp, s)), "quadrature": f"{ref!r}", "claimed": f"{got!r}"})
        )
    err, where = _worst(rows)
    return _result(
        f"KL(N(μq,σ²) ‖ N(μp,σ²)) by 20-digit mpmath quadrature vs the formula at {len(rows)} points; "
        f"worst relative error {err:.2e}",
        err,
        REL_TOL,
        where,
    )


def full_covariance_formula(mu0: Array, c0: Array, mu1: Array, c1: Array) -> float:
    """The claimed KL(N(μ₀, Σ₀) ‖ N(μ₁, Σ₁)) = ½(tr(Σ₁⁻¹Σ₀) + (μ₁ − μ₀)ᵀΣ₁⁻¹(μ₁ − μ₀) − d + log det Σ₁/det
    Σ₀); the default candidate of :func:`check_full_covariance`."""
    d = len(mu0)
    inv1 = np.linalg.inv(c1)
    diff = mu1 - mu0
    return float(
        0.5 * (np.trace(inv1 @ c0) + diff @ inv1 @ diff - d + np.log(np.linalg.det(c1) / np.linalg.det(c0)))
    )


def _log_mvn(x: Array, mu: Array, cov: Array) -> Array:
    d = len(mu)
    chol = np.linalg.cholesky(cov)
    z = np.linalg.solve(chol, (x - mu).T)
    return -0.5 * (z**2).sum(0) - np.log(np.diag(chol)).sum() - d / 2 * np.log(2 * np.pi)


def kl_mvn_gauss_hermite(mu0: Array, c0: Array, mu1: Array, c1: Array, nodes: int = 8) -> float:
    """E_{N(μ₀,Σ₀)}[log N(x; μ₀, Σ₀) − log N(x; μ₁, Σ₁)] by tensor Gauss–Hermite quadrature
    (x = μ₀ + L₀√2·u): the log-ratio of two Gaussian densities is a quadratic, which ≥ 2 nodes per
    dimension integrate exactly up to rounding (~1e-15)."""
    u, w = np.polynomial.hermite.hermgauss(nodes)
    d = len(mu0)
    grid = np.stack(np.meshgrid(*([u] * d), indexing="ij"), -1).reshape(-1, d)
    weights = np.prod(np.stack(np.meshgrid(*([w] * d), indexing="ij"), -1).reshape(-1, d), 1) / np.pi ** (
        d / 2
    )
    x = mu0 + np.sqrt(2) * grid @ np.linalg.cholesky(c0).T
    return float(weights @ (_log_mvn(x, mu0, c0) - _log_mvn(x, mu1, c1)))


def _spd(rng: np.random.Generator, d: int) -> Array:
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.5 * np.eye(d)


def check_full_covariance(
    candidate: Callable[[Array, Array, Array, Array], float] = full_covariance_formula,
) -> Evidence:
    """Full-covariance Gaussian KL: ``candidate(μ₀, Σ₀, μ₁, Σ₁)`` vs 8-node tensor Gauss–Hermite quadrature of
    E₀[log N₀ − log N₁] for two random SPD pairs in each of d = 1, 2, 3 (fixed seed); relative error
    against ``REL_TOL``."""
    rng = np.random.default_rng(SEED)
    rows = []
    for d in (1, 2, 3):
        for _ in range(2):
            mu0, mu1, c0, c1 = rng.normal(size=d), rng.normal(size=d), _spd(rng, d), _spd(rng, d)
            ref, got = kl_mvn_gauss_hermite(mu0, c0, mu1, c1), candidate(mu0, c0, mu1, c1)
            rows.append((_rel(ref, got), {"d": str(d), "quadrature": f"{ref!r}", "claimed": f"{got!r}"}))
    err, where = _worst(rows)
    # Tolerance: Gauss–Hermite is exact for the quadratic log-ratio; rounding in the inverse and
    # determinant of random SPD matrices (condition numbers < 1e3) stays below 1e-12.
    return _result(
        f"KL of full-covariance Gaussians, d = 1, 2, 3 (2 random SPD pairs each), by 8-node tensor "
        f"Gauss–Hermite quadrature of E₀[log N₀ − log N₁] vs the formula; worst relative error {err:.2e}",
        err,
        REL_TOL,
        where,
    )



evidence("gaussian_kl.equal_variance", "numeric")(check_equal_variance)
evidence("gaussian_kl.univariate", "numeric")(check_univariate)
evidence("gaussian_kl.full_covariance", "numeric")(check_full_covariance)
