"""The regularised logistic discriminator program and its dual, solved numerically
(ECE 544 PS5, Problem 3; the dual derived and proved in ``derivations.gan_dual``).

Primal (3(e)): f(w) = Σ_x softplus(wᵀx) + Σ_z [softplus(wᵀG_z) − wᵀG_z] + C/2‖w‖², smooth and
strictly convex for C > 0: Newton's method to machine precision.
Dual (3(i)): g(λ) = −‖b(λ)‖²/(2C) + Σ_i h(λ_i), b(λ) = Σ_x λ_x x + Σ_z (1 + λ_z) G_z,
h(λ) = λ log(−λ) − (1 + λ) log(1 + λ), over the box [−1, 0]ⁿ: strictly concave; Newton's method
with a fraction-to-the-boundary rule keeps the iterates inside the open box.
KKT: w* = b(λ*)/C and λ*_i = −σ(w*ᵀp_i) for every point p_i (stationarity in ξ).

Every public function checks its arguments: real, finite arrays of the right
shape, C a finite real > 0, λ in [−1, 0], tolerances > 0 and iteration counts ≥ 1 — else
``ValueError`` naming the argument (``conjugate(nan)`` and ``conjugate(None)`` raise, never return 0.0).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from numerics._validate import real_array

Array = NDArray[np.float64]




def _positive_real(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: expected a real number, got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name}: must be finite and > 0, got {value!r}")
    return v


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise ValueError(f"{name}: expected an int ≥ 1, got {value!r}")
    return int(value)


def _problem(prob: object) -> Problem:
    if not isinstance(prob, Problem):
        raise ValueError(f"prob: expected a Problem (Problem.create), got {type(prob).__name__}")
    return prob


def _vector(value: object, name: str, length: int) -> Array:
    arr = real_array(value, name)
    if arr.shape != (length,):
        raise ValueError(f"{name}: expected shape ({length},), got {arr.shape}")
    return arr


def _points(value: object, name: str) -> Array:
    arr = np.atleast_2d(real_array(value, name))
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name}: expected points as rows, shape (n, d) with n, d ≥ 1, got {arr.shape}")
    return arr


@dataclass(frozen=True)
class Problem:
    """The discriminator's regularised logistic program of seed 004 (ECE 544 PS5), Problem 3: data points
    (rows, label 1), generated points (rows, label 0) and the regularisation weight C > 0."""
    data: Array  # (n_x, d)
    generated: Array  # (n_z, d)
    c: float

    def __post_init__(self) -> None:
        """Checks (and normalises to float64 rows) whether built directly or by :meth:`create`."""
        x, g, c = _points(self.data, "data"), _points(self.generated, "generated"), self.c
        if x.shape[1] != g.shape[1]:
            raise ValueError(f"data, generated: dimension mismatch {x.shape} vs {g.shape}")
        if isinstance(c, bool) or not isinstance(c, numbers.Real):
            raise ValueError(f"c: expected a real number, got {c!r}")
        if not (math.isfinite(c) and c > 0):
            raise ValueError(f"c: the dual needs a finite C > 0, got {c!r}")
        object.__setattr__(self, "data", x)
        object.__setattr__(self, "generated", g)
        object.__setattr__(self, "c", float(c))

    @classmethod
    def create(cls, data: ArrayLike, generated: ArrayLike, c: float) -> Problem:
        """Points as rows (a 1-D array is one point); C finite > 0 (the dual divides by C)."""
        return cls(data, generated, c)  # type: ignore[arg-type]  # __post_init__ converts

    @property
    def points(self) -> Array:
        """All points, data rows first, then generated rows (the matrix P of b(λ) = Pᵀ(λ + shift))."""
        return np.vstack([self.data, self.generated])

    @property
    def shift(self) -> Array:
        """0 for data points, 1 for generated points: b(λ) = Pᵀ(λ + shift)."""
        return np.concatenate([np.zeros(len(self.data)), np.ones(len(self.generated))])


def primal_objective(prob: Problem, w: Array) -> float:
    """f(w) of 3(e) at a finite ``w`` of shape (d,)."""
    prob = _problem(prob)
    w = _vector(w, "w", prob.data.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        t = prob.points @ w
        lin = (prob.generated @ w).sum()
        value = float(np.logaddexp(0, t).sum() - lin + prob.c / 2 * w @ w)
    if not math.isfinite(value):
        raise ValueError(f"w: f(w) cannot be evaluated in float64 at this w (an intermediate overflows; "
                         f"max |w_j| = {np.abs(w).max():.3g})")
    return value


def solve_primal(prob: Problem, *, tol: float = 1e-14, max_iter: int = 100) -> Array:
    """argmin_w f(w) by Newton's method until ‖∇f‖∞ ≤ ``tol`` (> 0) or ``max_iter`` (≥ 1) steps."""
    prob = _problem(prob)
    tol, max_iter = _positive_real(tol, "tol"), _count(max_iter, "max_iter")
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
    """h(λ) = λ log(−λ) − (1 + λ) log(1 + λ) on [−1, 0] (0·log 0 = 0); ``lam`` real and finite."""
    lam = real_array(lam, "lam")
    if ((lam < -1) | (lam > 0)).any():
        raise ValueError("lam: the dual function is −∞ outside [−1, 0]")
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(lam < 0, lam * np.log(-lam), 0.0)
        b = np.where(lam > -1, (1 + lam) * np.log1p(lam), 0.0)
    return a - b


def dual_objective(prob: Problem, lam: Array) -> float:
    """g(λ) of 3(i) for ``lam`` in [−1, 0]ⁿ, n = the number of points."""
    prob = _problem(prob)
    lam = _vector(lam, "lam", len(prob.points))
    b = prob.points.T @ (lam + prob.shift)
    return float(-b @ b / (2 * prob.c) + conjugate(lam).sum())


def solve_dual(prob: Problem, *, tol: float = 1e-13, max_iter: int = 200) -> Array:
    """argmax_λ g(λ) over the open box (−1, 0)ⁿ by Newton's method with a fraction-to-the-boundary
    rule, until ‖∇g‖∞ ≤ ``tol`` (> 0) or ``max_iter`` (≥ 1) steps."""
    prob = _problem(prob)
    tol, max_iter = _positive_real(tol, "tol"), _count(max_iter, "max_iter")
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
    """Result of :func:`strong_duality`: primal and dual optimal values, their gap and the KKT residuals
    (‖w* − b(λ*)/C‖∞ and max |λ*_i + σ(w*ᵀp_i)|)."""
    primal: float
    dual: float
    gap: float
    kkt_w: float  # ‖w* − b(λ*)/C‖∞
    kkt_lambda: float  # max |λ*_i + σ(w*ᵀp_i)|


def strong_duality(prob: Problem) -> DualityReport:
    """Primal and dual optima, their gap and the KKT residuals."""
    prob = _problem(prob)
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
    _count(n_data, "n_data")
    _count(n_generated, "n_generated")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        raise ValueError(f"seed: expected an int ≥ 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    return Problem.create(
        rng.normal([1.0, 1.0], 1.0, (n_data, 2)), rng.normal([-1.0, 0.0], 1.0, (n_generated, 2)), c
    )
