"""``torch`` evidence for the exclusive fit's local optima (seed 003, Problem 6.3): autograd and
Newton on a Gauss–Hermite estimate of KL(q ‖ p), independent of SciPy."""

from __future__ import annotations

import math

import numpy as np
import torch

from derivations.checker.verdicts import Evidence
from derivations.runner.registry import evidence
from torch_impl.evidence._common import (
    DT,
    _result,
    newton_minimise,
)

# =========================================================================== exclusive fit (seed 003, 6.3)

_W, _M = torch.tensor([1 / 3, 2 / 3], dtype=DT), torch.tensor([-1.0, 1.0], dtype=DT)
_NODES, _WEIGHTS = (torch.tensor(a, dtype=DT) for a in np.polynomial.hermite.hermgauss(80))


def reverse_kl_torch(mu: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
    """KL(q ‖ p) = E_q[log q − log p], q = N(μ, σ²), by 80-node Gauss–Hermite quadrature (z = μ + √2σu),
    p = ⅓N(−1, 1) + ⅔N(1, 1)."""
    sigma = torch.exp(log_sigma)
    z = mu + math.sqrt(2) * sigma * _NODES
    log_q = -0.5 * math.log(2 * math.pi) - log_sigma - _NODES**2
    log_p = torch.logsumexp(torch.log(_W) - 0.5 * math.log(2 * math.pi) - 0.5 * (z[:, None] - _M) ** 2, dim=1)
    return (_WEIGHTS * (log_q - log_p)).sum() / math.sqrt(math.pi)


def _fit_reverse(start: tuple[float, float]) -> tuple[float, float, float, float]:
    x, value, grad = newton_minimise(lambda v: reverse_kl_torch(v[0], v[1]), torch.tensor(start, dtype=DT))
    return float(x[0]), float(torch.exp(2 * x[1])), value, grad


def check_reverse_optima(claimed_count: int = 1) -> Evidence:
    """Local optima of the exclusive fit from 6 starts (μ₀ ∈ {−3, 0, 3}, log σ₀ ∈ {−1, ½}), merged within
    1e-5; each must be stationary (autograd gradient ≤ 1e-8) and their number must be ``claimed_count``."""
    fits = [_fit_reverse((m, s)) for m in (-3.0, 0.0, 3.0) for s in (-1.0, 0.5)]  # Newton: ~10 steps each
    optima: list[tuple[float, float, float, float]] = []
    for f in fits:
        if not any(abs(f[0] - o[0]) < 1e-5 and abs(f[1] - o[1]) < 1e-5 for o in optima):
            optima.append(f)
    grad = max(f[3] for f in fits)
    listing = "; ".join(f"μ = {o[0]:.8f}, σ² = {o[1]:.8f}, KL = {o[2]:.10f}" for o in optima)
    count_ok = len(optima) == claimed_count
    # Tolerance: Newton to gradient 1e-11 in float64; 1e-8 leaves room for quadrature rounding.
    return _result(
        f"exclusive fit by damped Newton (autograd gradient and Hessian) on an 80-node Gauss–Hermite "
        f"KL(q ‖ p), 6 starts: "
        f"{len(optima)} optimum/optima (claimed {claimed_count}): {listing}; largest |∇| = {grad:.1e}",
        grad if count_ok else math.inf,
        1e-8,
        {"optima found": str(len(optima)), "claimed": str(claimed_count), "listing": listing},
    )
evidence("kl_fit.reverse_local_optima", "torch")(check_reverse_optima)
