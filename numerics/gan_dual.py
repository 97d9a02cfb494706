"""The regularised logistic discriminator program and its dual, solved numerically
(ECE 544 PS5, Problem 3; the dual derived and proved in ``derivations.gan_dual``).

Primal (3(e)): f(w) = Σ_x softplus(wᵀx) + Σ_z [softplus(wᵀG_z) − wᵀG_z] + C/2‖w‖², smooth and
strictly convex for C > 0: Newton's method to machine precision.
Dual (3(i)): g(λ) = −‖b(λ)‖²/(2C) + Σ_i h(λ_i), b(λ) = Σ_x λ_x x + Σ_z (1 + λ_z) G_z,
h(λ) = λ log(−λ) − (1 + λ) log(1 + λ), over the box [−1, 0]ⁿ: strictly concave; Newton's method
with a fraction-to-the-boundary rule keeps the iterates inside the open box.
KKT: w* = b(λ*)/C and λ*_i = −σ(w*ᵀp_i) for every point p_i (stationarity in ξ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Problem:
    data: Array  # (n_x, d)
    generated: Array  # (n_z, d)
    c: float

    @classmethod
    def create(cls, data: ArrayLike, generated: ArrayLike, c: float) -> Problem:
        x, g = np.atleast_2d(np.asarray(data, float)), np.atleast_2d(np.asarray(generated, float))
        if x.shape[1] != g.shape[1]:
            raise ValueError(f"data, generated: dimension mismatch {x.shape} vs {g.shape}")
        if not (np.isfinite(x).all() and np.isfinite(g).all()):
            raise ValueError("data, generated: contain NaN or inf")
        if not (np.isfinite(c) and c > 0):
            raise ValueError(f"c: the dual needs C > 0, got {c!r}")
        return cls(x, g, float(c))

    @property
    def points(self) -> Array:
        return np.vstack([self.data, self.generated])

    @property
    def shift(self) -> Array:
        """0 for data points, 1 for generated points: b(λ) = Pᵀ(λ + shift)."""
        return np.concatenate([np.zeros(len(self.data)), np.ones(len(self.generated))])


def primal_objective(prob: Problem, w: Array) -> float:
    t = prob.points @ w
    lin = (prob.generated @ w).sum()
    return float(np.logaddexp(0, t).sum() - lin + prob.c / 2 * w @ w)


def solve_primal(prob: Problem, *, tol: float = 1e-14, max_iter: int = 100) -> Array:
    p = prob.points
    w = np.zeros(p.shape[1])
    target = prob.generated.sum(0)
    for _ in range(max_iter):
        s = expit(p @ w)
        grad = p.T @ s - target + prob.c * w
        if np.abs(grad).max() <= tol:
            break
        hess = (p * (s * (1 - s))[:, None]).T @ p + prob.c * np.eye(p.shape[1])
        w = w - np.linalg.solve(hess, grad)
    return w


def conjugate(lam: Array) -> Array:
    """h(λ) = λ log(−λ) − (1 + λ) log(1 + λ) on [−1, 0] (0·log 0 = 0)."""
    lam = np.asarray(lam, float)
    if ((lam < -1) | (lam > 0)).any():
        raise ValueError("lam: the dual function is −∞ outside [−1, 0]")
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(lam < 0, lam * np.log(-lam), 0.0)
        b = np.where(lam > -1, (1 + lam) * np.log1p(lam), 0.0)
    return a - b


def dual_objective(prob: Problem, lam: Array) -> float:
    b = prob.points.T @ (lam + prob.shift)
    return float(-b @ b / (2 * prob.c) + conjugate(lam).sum())


def solve_dual(prob: Problem, *, tol: float = 1e-13, max_iter: int = 200) -> Array:
    p = prob.points
    lam = np.full(len(p), -0.5)
    for _ in range(max_iter):
        b = p.T @ (lam + prob.shift)
        grad = -(p @ b) / prob.c + np.log(-lam) - np.log1p(lam)
        if np.abs(grad).max() <= tol:
            break
        hess = -(p @ p.T) / prob.c + np.diag(1 / lam - 1 / (1 + lam))
        step = -np.linalg.solve(hess, grad)
        # fraction to the boundary: stay strictly inside (−1, 0)
        t = 1.0
        for i in np.flatnonzero(step > 0):
            t = min(t, 0.99 * (-lam[i]) / step[i])
        for i in np.flatnonzero(step < 0):
            t = min(t, 0.99 * (1 + lam[i]) / -step[i])
        lam = lam + t * step
    return lam


@dataclass(frozen=True)
class DualityReport:
    primal: float
    dual: float
    gap: float
    kkt_w: float  # ‖w* − b(λ*)/C‖∞
    kkt_lambda: float  # max |λ*_i + σ(w*ᵀp_i)|


def strong_duality(prob: Problem) -> DualityReport:
    w, lam = solve_primal(prob), solve_dual(prob)
    pv, dv = primal_objective(prob, w), dual_objective(prob, lam)
    b = prob.points.T @ (lam + prob.shift)
    return DualityReport(
        pv,
        dv,
        pv - dv,
        float(np.abs(w - b / prob.c).max()),
        float(np.abs(lam + expit(prob.points @ w)).max()),
    )


def example_problem(n_data: int = 40, n_generated: int = 40, *, c: float = 1.0, seed: int = 0) -> Problem:
    """Data from N((1, 1), I) and generated points from N((−1, 0), I) in ℝ²."""
    rng = np.random.default_rng(seed)
    return Problem.create(
        rng.normal([1.0, 1.0], 1.0, (n_data, 2)), rng.normal([-1.0, 0.0], 1.0, (n_generated, 2)), c
    )
