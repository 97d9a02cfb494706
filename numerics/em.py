"""EM for Gaussian mixtures, and the same model fitted by coordinate ascent on F(θ, q)
(seed 003, Problem 5; Neal & Hinton 1998; Bishop 2006, §9.2).

Both iterations share the M-step (the weighted maximum-likelihood estimate, which maximises
F(θ, q) in θ for fixed q). They differ in the E-step: :func:`e_step_posterior` is the closed form
q = p_θ(z|x); :func:`e_step_maximise_f` maximises F(θ, q) = Σ_k q_k log p_θ(x, k) + H(q) over the
simplex *numerically* (damped Newton in softmax coordinates from the uniform q, no closed form).
That the two produce the same θ sequence is the seed's claim, checked in tests and the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Gmm:
    """Mixture weights (K,), means (K, d), covariances (K, d, d)."""

    weights: Array
    means: Array
    covs: Array

    def flat(self) -> Array:
        return np.concatenate([self.weights.ravel(), self.means.ravel(), self.covs.ravel()])


def _data(x: ArrayLike) -> Array:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise ValueError(f"x: expected data of shape (N, d) or (N,), N ≥ 2, got {np.shape(x)}")
    if not np.isfinite(arr).all():
        raise ValueError("x: contains NaN or inf")
    return arr


def log_joint(x: ArrayLike, theta: Gmm) -> Array:
    """log p_θ(x_n, z = k) = log π_k + log N(x_n; μ_k, Σ_k), shape (N, K)."""
    xa = _data(x)
    d = xa.shape[1]
    chol = np.linalg.cholesky(theta.covs)
    diff = xa[None, :, :] - theta.means[:, None, :]  # (K, N, d)
    sol = np.linalg.solve(chol[:, None, :, :], diff[..., None])[..., 0]
    maha = (sol**2).sum(-1)  # (K, N)
    logdet = 2 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(-1)
    return (np.log(theta.weights)[:, None] - 0.5 * (d * np.log(2 * np.pi) + logdet[:, None] + maha)).T


def log_likelihood(x: ArrayLike, theta: Gmm) -> float:
    return float(logsumexp(log_joint(x, theta), axis=1).sum())


def free_energy(lj: Array, q: Array) -> Array:
    """F per data point: Σ_k q_k (log p(x, k) − log q_k) (0 log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q > 0, q * (lj - np.log(np.where(q > 0, q, 1.0))), 0.0).sum(-1)


def e_step_posterior(x: ArrayLike, theta: Gmm) -> Array:
    """q = p_θ(z|x): the closed-form E-step."""
    lj = log_joint(x, theta)
    return np.exp(lj - logsumexp(lj, axis=1, keepdims=True))


def e_step_maximise_f(x: ArrayLike, theta: Gmm, *, tol: float = 1e-15, max_iter: int = 200) -> Array:
    """argmax_q F(θ, q) over the simplex, numerically: q = softmax(z), z_K = 0, from z = 0 (uniform
    q); damped Newton steps (Fisher scoring where the Hessian is not negative definite) with
    backtracking on F, until ‖∇F‖∞ ≤ tol. F is only ever evaluated, never solved in closed form."""
    lj = log_joint(x, theta)
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
    """argmax_θ F(θ, q) for fixed responsibilities: weighted weights, means and covariances."""
    xa = _data(x)
    nk = resp.sum(0)
    means = (resp.T @ xa) / nk[:, None]
    diff = xa[None, :, :] - means[:, None, :]
    covs = np.einsum("kn,kni,knj->kij", resp.T, diff, diff) / nk[:, None, None]
    return Gmm(nk / xa.shape[0], means, covs)


def initial_gmm(x: ArrayLike, k: int, *, seed: int = 0) -> Gmm:
    """Deterministic start: k distinct data points as means, the data covariance, equal weights."""
    xa = _data(x)
    if not isinstance(k, int) or not 1 <= k <= xa.shape[0]:
        raise ValueError(f"k: need 1 ≤ k ≤ N, got {k!r}")
    idx = np.random.default_rng(seed).choice(xa.shape[0], size=k, replace=False)
    cov = np.cov(xa.T, bias=True).reshape(xa.shape[1], xa.shape[1])
    return Gmm(np.full(k, 1.0 / k), xa[idx].copy(), np.repeat(cov[None], k, axis=0))


def run(
    x: ArrayLike, theta0: Gmm, iterations: int, *, numeric_e_step: bool = False
) -> tuple[list[Gmm], list[float]]:
    """θ⁰, θ¹, … and log p_θᵗ(x): EM (closed-form E-step) or coordinate ascent on F (numeric E-step)."""
    if not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations: expected a non-negative int, got {iterations!r}")
    thetas, lls = [theta0], [log_likelihood(x, theta0)]
    for _ in range(iterations):
        resp = e_step_maximise_f(x, thetas[-1]) if numeric_e_step else e_step_posterior(x, thetas[-1])
        thetas.append(m_step(x, resp))
        lls.append(log_likelihood(x, thetas[-1]))
    return thetas, lls


def max_sequence_difference(a: list[Gmm], b: list[Gmm]) -> float:
    return max(float(np.abs(s.flat() - t.flat()).max()) for s, t in zip(a, b, strict=True))
