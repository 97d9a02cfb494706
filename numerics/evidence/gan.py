"""Numeric evidence for the GAN claims (ECE 544 PS5, Problem 4, seed 004)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize
from scipy.special import expit, softmax

# Imported on its own (not through the registry): the claims this module attaches evidence to
# must be registered first (torch-free, idempotent imports; through the registry they have run).
import derivations.claims  # noqa: F401
import torch_impl.claims  # noqa: F401
from derivations.checker.verdicts import Evidence
from derivations.runner.registry import evidence
from numerics.divergences import jsd_categorical
from numerics.evidence._common import (
    REL_TOL,
    SEED,
    Array,
    _random_simplex,
    _rel,
    _result,
    _worst,
)

# =========================================================================== GAN (seed 004, Problem 4)


def check_optimal_discriminator(
    candidate: Callable[[float, float], float] = lambda a, b: a / (a + b),
) -> Evidence:
    """GAN optimal discriminator (seed 004, Problem 4): argmax_D a log D + b log(1 − D) by bounded Brent
    search at 8 random (a, b) vs ``candidate(a, b)`` (default a/(a + b)); tolerance 1e-8 on |D − D*|."""
    rng = np.random.default_rng(SEED)
    rows = []
    for _ in range(8):
        a, b = rng.uniform(0.05, 3.0, 2)
        res = optimize.minimize_scalar(
            lambda d, a=a, b=b: -(a * np.log(d) + b * np.log1p(-d)),
            bounds=(1e-12, 1 - 1e-12),
            method="bounded",
            options={"xatol": 1e-12},
        )
        rows.append((abs(res.x - candidate(a, b)), {"a": f"{a!r}", "b": f"{b!r}", "argmax": f"{res.x!r}"}))
    err, where = _worst(rows)
    # Tolerance: Brent's bounded search to xatol = 1e-12 on a strictly concave function: 1e-8 leaves
    # margin for the flat top (the curvature a/D² + b/(1−D)² ≥ 0.2).
    return _result(
        f"argmax_D a log D + b log(1 − D) by bounded Brent search at 8 random (a, b) vs the claimed D*; "
        f"max |difference| {err:.2e}",
        err,
        1e-8,
        where,
    )


def _gan_value(p: Array, g: Array, d: Array) -> float:
    return float(p @ np.log(d) + g @ np.log1p(-d))


def _max_over_discriminators(p: Array, g: Array) -> tuple[float, Array]:
    """max_D Σ_x p_data(x) log D(x) + p_G(x) log(1 − D(x)) over D ∈ (0, 1)^K: the objective is a sum
    of concave functions of the logits v_x, maximised coordinate-wise by Newton's method
    (v ← v + f'/|f''|, f' = p(1 − σ) − gσ, f'' = −(p + g)σ(1 − σ)) until |f'| ≤ 1e-15."""
    v = np.zeros(len(p))
    for _ in range(200):
        d = expit(v)
        grad = p * (1 - d) - g * d
        if np.abs(grad).max() <= 1e-15:
            break
        v = v + np.clip(grad / ((p + g) * d * (1 - d)), -5.0, 5.0)
    d = expit(v)
    return _gan_value(p, g, d), d


def check_virtual_criterion(
    candidate: Callable[[Array, Array], float] = lambda p, g: -np.log(4) + 2 * float(jsd_categorical(p, g)),
) -> Evidence:
    """GAN virtual training criterion (seed 004, Problem 4): C(G) = max_D V(D, G) computed numerically for
    random discrete p_data, p_G (K = 2, 4, 7) vs ``candidate(p_data, p_G)`` (default −log 4 + 2·JSD);
    relative error against ``REL_TOL``."""
    rng = np.random.default_rng(SEED)
    rows = []
    for k in (2, 4, 7):
        p, g = _random_simplex(rng, k), _random_simplex(rng, k)
        c_g, d = _max_over_discriminators(p, g)
        rows.append(
            (
                _rel(c_g, candidate(p, g)),
                {
                    "K": str(k),
                    "max_D V": f"{c_g!r}",
                    "claimed": f"{candidate(p, g)!r}",
                    "D vs p/(p+g)": f"{np.abs(d - p / (p + g)).max():.2e}",
                },
            )
        )
    err, where = _worst(rows)
    # Tolerance: the maximisation stops at gradient 1e-15; the value error is quadratic in the
    # argmax error (rounding level).
    return _result(
        f"C(G) = max_D V(D, G) by Newton's method over D ∈ (0,1)^K for random discrete p_data, p_G "
        f"(K = 2, 4, 7) vs "
        f"−log 4 + 2·JSD; worst relative error {err:.2e}",
        err,
        REL_TOL,
        where,
    )


def check_global_minimum(claimed_min: float = -np.log(4)) -> Evidence:
    """min over p_G of C(G) = max_D V(D, G), both numerically: the inner maximum by Newton's method over D,
    the outer minimum by L-BFGS over softmax logits of p_G with the gradient ∂C/∂p_G = log(1 − D*)
    from the numerically found D* (Danskin's theorem), for a random p_data (K = 4)."""
    rng = np.random.default_rng(SEED)
    p = _random_simplex(rng, 4)

    def c_and_grad(v: Array) -> tuple[float, Array]:
        g = softmax(v)
        val, d = _max_over_discriminators(p, g)
        dg = np.log1p(-d)
        return val, g * (dg - g @ dg)

    res = optimize.minimize(
        c_and_grad,
        rng.normal(size=4),
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 1e-16, "gtol": 1e-10, "maxiter": 500},
    )
    g = softmax(res.x)
    _, d = _max_over_discriminators(p, g)
    arg_err = max(float(np.abs(g - p).max()), float(np.abs(d - 0.5).max()))
    err = max(abs(float(res.fun) - claimed_min), arg_err**2)
    # Tolerance: the objective is quadratic near its minimum, so the value is found to ~1e-12
    # while the argmin (p_G, D*) is accurate to ~1e-6: squared argmin errors are compared.
    return _result(
        f"min_G max_D V by L-BFGS over p_G (K = 4): {float(res.fun):.12f} (claimed {claimed_min:.12f}); "
        f"‖p_G − p_data‖∞ = {np.abs(g - p).max():.1e}, ‖D* − ½‖∞ = {np.abs(d - 0.5).max():.1e}",
        err,
        1e-9,
        {"min": f"{float(res.fun)!r}", "claimed": f"{claimed_min!r}"},
    )



evidence("gan.optimal_discriminator", "numeric")(check_optimal_discriminator)
evidence("gan.virtual_criterion_jsd", "numeric")(check_virtual_criterion)
evidence("gan.global_minimum", "numeric")(check_global_minimum)
