"""EM for Gaussian mixtures, and the same model fitted by coordinate ascent on F(θ, q)
(seed 003, Problem 5; Neal & Hinton 1998; Bishop 2006, §9.2).

Both iterations share the M-step (the weighted maximum-likelihood estimate, which maximises
F(θ, q) in θ for fixed q). They differ in the E-step: :func:`e_step_posterior` is the closed form
q = p_θ(z|x); :func:`e_step_maximise_f` maximises F(θ, q) = Σ_k q_k log p_θ(x, k) + H(q) over the
simplex *numerically* (damped Newton in softmax coordinates from the uniform q, no closed form).
That the two produce the same θ sequence is the seed's claim, checked in tests and the report.

Arguments are checked, ``ValueError`` naming the argument: data real (complex
is rejected, not silently cast), finite, shape (N, d) or (N,); K an int with 1 ≤ K ≤ N; a
:class:`Gmm` has positive weights summing to 1, finite means and symmetric positive-definite
covariances; responsibilities are finite, non-negative rows summing to 1. A component that loses
all responsibility (Σ_n r_nk = 0: its mean would be 0/0) is *rejected* by :func:`m_step` with a
``ValueError`` naming it — EM cannot update it, and no NaN parameter is ever produced.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from numerics._validate import real_array

Array = NDArray[np.float64]

# Σ_k π_k = 1 up to rounding: the M-step's weights N_k/N carry a relative error ≲ (N + K)·ε, which is
# below 1e-9 for N + K < 4·10⁶; a user's weights must meet the same bound
_SUM_TOL = 1e-9
# Σ symmetric up to rounding: the M-step forms Σ_ij and Σ_ji by different products, ≲ N·ε·max|Σ|
_SYM_TOL = 1e-9




@dataclass(frozen=True)
class Gmm:
    """Mixture weights (K,), means (K, d), covariances (K, d, d); checked when built: weights > 0
    summing to 1 (within 1e-9), finite means, symmetric positive-definite covariances."""

    weights: Array
    means: Array
    covs: Array

    def __post_init__(self) -> None:
        w = real_array(self.weights, "weights")
        m, c = real_array(self.means, "means"), real_array(self.covs, "covs")
        if w.ndim != 1 or len(w) < 1:
            raise ValueError(f"weights: expected shape (K,) with K ≥ 1, got {w.shape}")
        k = len(w)
        if m.ndim != 2 or m.shape[0] != k or m.shape[1] < 1:
            raise ValueError(f"means: expected shape (K, d) = ({k}, d), got {m.shape}")
        d = m.shape[1]
        if c.shape != (k, d, d):
            raise ValueError(f"covs: expected shape (K, d, d) = ({k}, {d}, {d}), got {c.shape}")
        if not (w > 0).all():
            raise ValueError(f"weights: every weight must be > 0 (log π_k), got {w}")
        if abs(w.sum() - 1) > _SUM_TOL:
            raise ValueError(f"weights: must sum to 1 (within {_SUM_TOL}), sum is {w.sum()!r}")
        asym = np.abs(c - np.swapaxes(c, 1, 2)).max(axis=(1, 2))
        scale = np.abs(c).max(axis=(1, 2))
        for j in range(k):
            if asym[j] > _SYM_TOL * scale[j]:
                raise ValueError(f"covs: component {j} is not symmetric (|Σ − Σᵀ| = {asym[j]:.3g})")
            try:
                np.linalg.cholesky(c[j])
            except np.linalg.LinAlgError:
                raise ValueError(f"covs: component {j} is not positive definite") from None
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "means", m)
        object.__setattr__(self, "covs", c)

    def flat(self) -> Array:
        """Weights, means and covariances as one vector (for comparing parameter sequences)."""
        return np.concatenate([self.weights.ravel(), self.means.ravel(), self.covs.ravel()])


def _theta(theta: object, d: int, name: str = "theta") -> Gmm:
    if not isinstance(theta, Gmm):
        raise ValueError(f"{name}: expected a Gmm, got {type(theta).__name__}")
    if theta.means.shape[1] != d:
        raise ValueError(f"{name}: the mixture is over ℝ^{theta.means.shape[1]}, the data over ℝ^{d}")
    return theta


def _data(x: ArrayLike) -> Array:
    arr = real_array(x, "x")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise ValueError(f"x: expected data of shape (N, d) or (N,), N ≥ 2, got {np.shape(x)}")
    if arr.shape[1] < 1:
        raise ValueError(f"x: expected at least one feature, got shape {arr.shape}")
    return arr


def _responsibilities(resp: object, n: int, name: str = "resp") -> Array:
    r = real_array(resp, name)
    if r.ndim != 2 or r.shape[0] != n or r.shape[1] < 1:
        raise ValueError(f"{name}: expected shape (N, K) = ({n}, K), got {r.shape}")
    if (r < 0).any():
        raise ValueError(f"{name}: responsibilities must be ≥ 0")
    if np.abs(r.sum(1) - 1).max() > _SUM_TOL:
        raise ValueError(f"{name}: every row must sum to 1 (within {_SUM_TOL})")
    return r


def _positive_real(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ValueError(f"{name}: expected a finite real > 0, got {value!r}")
    if not float(value) > 0:
        raise ValueError(f"{name}: expected a finite real > 0, got {value!r}")
    return float(value)


def _count(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        raise ValueError(f"{name}: expected an int ≥ {minimum}, got {value!r}")
    return int(value)


def log_joint(x: ArrayLike, theta: Gmm) -> Array:
    """log p_θ(x_n, z = k) = log π_k + log N(x_n; μ_k, Σ_k), shape (N, K)."""
    xa = _data(x)
    d = xa.shape[1]
    theta = _theta(theta, d)
    chol = np.linalg.cholesky(theta.covs)
    # data near the float range: the Mahalanobis distance overflows and log p = −inf, the value
    # rounded (an E-step then refuses the point: see _posterior_log_joint)
    with np.errstate(over="ignore", invalid="ignore"):
        diff = xa[None, :, :] - theta.means[:, None, :]  # (K, N, d)
        sol = np.linalg.solve(chol[:, None, :, :], diff[..., None])[..., 0]
        maha = (sol**2).sum(-1)  # (K, N)
    if np.isnan(maha).any():  # x − μ itself overflowed to ±inf and met inf − inf
        raise ValueError("x: data this far from the means overflow float64 (x − μ is not finite); "
                         "rescale the data")
    logdet = 2 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(-1)
    return (np.log(theta.weights)[:, None] - 0.5 * (d * np.log(2 * np.pi) + logdet[:, None] + maha)).T


def log_likelihood(x: ArrayLike, theta: Gmm) -> float:
    """log p_θ(x) = Σ_n log Σ_k π_k N(x_n; μ_k, Σ_k)."""
    return float(logsumexp(log_joint(x, theta), axis=1).sum())


def free_energy(lj: Array, q: Array) -> Array:
    """F per data point: Σ_k q_k (log p(x, k) − log q_k) (0 log 0 = 0); ``lj`` finite (N, K),
    ``q`` responsibilities of the same shape."""
    lj = real_array(lj, "lj")
    if lj.ndim != 2:
        raise ValueError(f"lj: expected shape (N, K), got {lj.shape}")
    q = _responsibilities(q, lj.shape[0], "q")
    if q.shape != lj.shape:
        raise ValueError(f"lj, q: shape mismatch {lj.shape} vs {q.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q > 0, q * (lj - np.log(np.where(q > 0, q, 1.0))), 0.0).sum(-1)


def _posterior_log_joint(x: ArrayLike, theta: Gmm) -> Array:
    """log p_θ(x_n, k) for an E-step: every point needs a finite value for some k (else its
    posterior is −inf − (−inf))."""
    lj = log_joint(x, theta)
    lost = np.flatnonzero(~np.isfinite(lj.max(axis=1)))
    if len(lost):
        raise ValueError(
            f"x: point(s) {lost[:5].tolist()} lie so far from every component that log p(x, k) overflows "
            "to −inf for all k; their posterior cannot be computed (rescale the data)"
        )
    return lj


def e_step_posterior(x: ArrayLike, theta: Gmm) -> Array:
    """q = p_θ(z|x): the closed-form E-step."""
    lj = _posterior_log_joint(x, theta)
    return np.exp(lj - logsumexp(lj, axis=1, keepdims=True))


def e_step_maximise_f(x: ArrayLike, theta: Gmm, *, tol: float = 1e-15, max_iter: int = 200) -> Array:
    """argmax_q F(θ, q) over the simplex, numerically: q = softmax(z), z_K = 0, from z = 0 (uniform
    q); damped Newton steps (Fisher scoring where the Hessian is not negative definite) with
    backtracking on F, until ‖∇F‖∞ ≤ tol. F is only ever evaluated, never solved in closed form."""
    tol, max_iter = _positive_real(tol, "tol"), _count(max_iter, "max_iter", 1)
    lj = _posterior_log_joint(x, theta)
    n, k = lj.shape
    z = np.zeros((n, k))
    lj_c = lj - lj.max(axis=1, keepdims=True)  # F shifts by a constant per point; same argmax

    def state(z: Array) -> tuple[Array, Array, Array]:
        logq = z - logsumexp(z, axis=1, keepdims=True)
        q = np.exp(logq)
        g = lj_c - logq
        gbar = (q * g).sum(1, keepdims=True)
        return q, g - gbar, (q * g).sum(1)

    eye = np.eye(k)[None]
    for _ in range(max_iter):
        q, gc, f = state(z)
        grad = q * gc  # ∂F/∂z_j = q_j (g_j − ḡ)
        if np.abs(grad).max() <= tol:
            break
        outer = eye - q[:, None, :]  # δ_jl − q_l
        hess = (q[:, :, None] * outer) * (gc[:, :, None] - 1) - q[:, :, None] * grad[:, None, :]
        h = hess[:, : k - 1, : k - 1]
        gr = grad[:, : k - 1]
        # Newton where −H is positive definite; elsewhere Fisher scoring: the natural-gradient
        # direction gc solves (diag q − qqᵀ)·Δ = ∇F (Amari 1998), an ascent direction
        nd = np.linalg.eigvalsh(-h).min(axis=1) > 0
        step = (gc - gc[:, -1:])[:, : k - 1]
        if nd.any():
            step[nd] = -np.linalg.solve(h[nd], gr[nd][..., None])[..., 0]
        full = np.concatenate([step, np.zeros((n, 1))], axis=1)
        t = np.ones((n, 1))
        for _ in range(40):
            f_new = state(z + t * full)[2]
            bad = f_new < f - 1e-15 * np.abs(f)
            if not bad.any():
                break
            t = np.where(bad[:, None], t / 2, t)
        z = z + t * full
    return state(z)[0]


def m_step(x: ArrayLike, resp: Array) -> Gmm:
    """argmax_θ F(θ, q) for fixed responsibilities: weighted weights, means and covariances.
    A component k with Σ_n r_nk = 0 has no maximiser (its mean is 0/0): ValueError naming it."""
    xa = _data(x)
    resp = _responsibilities(resp, xa.shape[0])
    nk = resp.sum(0)
    empty = np.flatnonzero(nk <= np.finfo(np.float64).tiny)
    if len(empty):
        raise ValueError(
            f"resp: component(s) {empty.tolist()} have no responsibility left (Σ_n r_nk = 0); the "
            "M-step cannot place them — start from other means or use a smaller K"
        )
    means = (resp.T @ xa) / nk[:, None]
    diff = xa[None, :, :] - means[:, None, :]
    covs = np.einsum("kn,kni,knj->kij", resp.T, diff, diff) / nk[:, None, None]
    try:
        return Gmm(nk / xa.shape[0], means, covs)
    except ValueError as exc:  # e.g. a component collapsed onto fewer than d + 1 points
        raise ValueError(f"x, resp: the M-step's mixture is degenerate ({exc})") from None


def initial_gmm(x: ArrayLike, k: int, *, seed: int = 0) -> Gmm:
    """Deterministic start: k distinct data points as means, the data covariance, equal weights."""
    xa = _data(x)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= xa.shape[0]:
        raise ValueError(f"k: need an int with 1 ≤ k ≤ N = {xa.shape[0]}, got {k!r}")
    _count(seed, "seed", 0)
    idx = np.random.default_rng(seed).choice(xa.shape[0], size=int(k), replace=False)
    with np.errstate(over="ignore", invalid="ignore"):
        cov = np.cov(xa.T, bias=True).reshape(xa.shape[1], xa.shape[1])
    if not np.isfinite(cov).all():
        raise ValueError("x: the data covariance overflows float64; rescale the data")
    try:
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError("x: the data covariance is singular (a constant or collinear feature)") from None
    return Gmm(np.full(k, 1.0 / k), xa[idx].copy(), np.repeat(cov[None], k, axis=0))


def run(
    x: ArrayLike, theta0: Gmm, iterations: int, *, numeric_e_step: bool = False
) -> tuple[list[Gmm], list[float]]:
    """θ⁰, θ¹, … and log p_θᵗ(x): EM (closed-form E-step) or coordinate ascent on F (numeric E-step)."""
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations: expected a non-negative int, got {iterations!r}")
    if not isinstance(numeric_e_step, bool):
        raise ValueError(f"numeric_e_step: expected True or False, got {numeric_e_step!r}")
    _theta(theta0, _data(x).shape[1], "theta0")
    thetas, lls = [theta0], [log_likelihood(x, theta0)]
    for _ in range(iterations):
        resp = e_step_maximise_f(x, thetas[-1]) if numeric_e_step else e_step_posterior(x, thetas[-1])
        thetas.append(m_step(x, resp))
        lls.append(log_likelihood(x, thetas[-1]))
    return thetas, lls


def max_sequence_difference(a: list[Gmm], b: list[Gmm]) -> float:
    """max over t of ‖θ_a^t − θ_b^t‖∞ for two equally long, non-empty sequences of same-shape Gmms."""
    if not (isinstance(a, list) and isinstance(b, list) and a and len(a) == len(b)):
        raise ValueError("a, b: expected two non-empty lists of Gmm of the same length")
    for name, seq in (("a", a), ("b", b)):
        if not all(isinstance(t, Gmm) for t in seq):
            raise ValueError(f"{name}: expected a list of Gmm")
    if any(s.flat().shape != t.flat().shape for s, t in zip(a, b, strict=True)):
        raise ValueError("a, b: mixtures of different sizes")
    return max(float(np.abs(s.flat() - t.flat()).max()) for s, t in zip(a, b, strict=True))
