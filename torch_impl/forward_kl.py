"""Forward-KL variational inference in torch (seed 003, Problem 6.4).

Bob maximises E_{p(z|x)}[log q_ψ(z|x)] (:mod:`derivations.forward_kl` proves that this is
argmin_ψ KL(p(z|x) ‖ q_ψ)). p(z|x) cannot be sampled, so the objective is estimated in its
self-normalised importance-sampling form Σ_s w̃_s log q_ψ(z_s) with z_s drawn from a proposal r
and w̃ ∝ p(x, z_s)/r(z_s). Two checks:

* on the linear-Gaussian model (z ∼ N(0,1), x|z ∼ N(wz + b, s²)), where p(z|x) is exact, the
  forward-KL fit of a Gaussian q_ψ = N(m, v) reaches the posterior's moments (moment matching),
  within 5 standard errors of the importance-sampling estimate;
* on a well-separated bimodal target ½N(−3,1) + ½N(3,1), the forward (inclusive) fit covers both
  modes (its moments: mean 0, variance 10) while the reverse (exclusive) fit, by reparameterised
  gradients, locks onto one mode (mean ≈ ±3, variance ≈ 1): mass-covering vs mode-seeking.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

LogDensity = Callable[[torch.Tensor], torch.Tensor]


def normal_log_density(
    z: torch.Tensor, mean: torch.Tensor | float, var: torch.Tensor | float
) -> torch.Tensor:
    """log N(z; mean, var)."""
    var_t = torch.as_tensor(var, dtype=z.dtype)
    return -0.5 * (math.log(2 * math.pi) + torch.log(var_t) + (z - mean) ** 2 / var_t)


@dataclass(frozen=True)
class GaussianFit:
    """The forward-KL fit q_ψ = N(mean, var) with the delta-method standard errors of mean and variance and
    the effective sample size 1/Σ w̃² of the importance weights."""
    mean: float
    var: float
    mean_se: float
    var_se: float
    effective_sample_size: float


def forward_kl_fit(
    log_joint: LogDensity,
    *,
    proposal_mean: float = 0.0,
    proposal_var: float = 16.0,
    samples: int = 100_000,
    seed: int = 0,
    steps: int = 60,
    log_weight: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> GaussianFit:
    """Fit q_ψ = N(m, v) by maximising the self-normalised estimate Σ_s w̃_s log q_ψ(z_s) with
    L-BFGS over (m, log v). ``log_joint`` is log p(x, z) up to a constant in z (p(x) cancels in
    w̃). ``log_weight(log_joint, log_proposal)`` overrides log w (a hook for wrong variants)."""
    if samples < 100:
        raise ValueError(f"samples: need at least 100 draws, got {samples}")
    if not (math.isfinite(proposal_var) and proposal_var > 0):
        raise ValueError(f"proposal_var: must be finite and positive, got {proposal_var}")
    gen = torch.Generator().manual_seed(seed)
    z = proposal_mean + math.sqrt(proposal_var) * torch.randn(samples, generator=gen, dtype=torch.float64)
    lj = log_joint(z)
    lr = normal_log_density(z, proposal_mean, proposal_var)
    lw = log_weight(lj, lr) if log_weight is not None else lj - lr
    wn = torch.softmax(lw, dim=0)
    params = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([params], max_iter=steps, line_search_fn="strong_wolfe",
                            tolerance_grad=1e-12, tolerance_change=1e-15)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = -(wn * normal_log_density(z, params[0], torch.exp(params[1]))).sum()
        loss.backward()
        return loss

    opt.step(closure)
    fitted = params.detach()
    m, v = float(fitted[0]), float(torch.exp(fitted[1]))
    mean_se = float(torch.sqrt((wn**2 * (z - m) ** 2).sum()))
    var_se = float(torch.sqrt((wn**2 * ((z - m) ** 2 - v) ** 2).sum()))
    ess = float(1.0 / (wn**2).sum())
    return GaussianFit(m, v, mean_se, var_se, ess)


@dataclass(frozen=True)
class LinearGaussian:
    """z ∼ N(0,1), x|z ∼ N(w z + b, s²) at an observed x; the exact posterior is Gaussian."""

    w: float = 1.5
    b: float = -0.5
    s: float = 0.8
    x: float = 2.0

    def log_joint(self, z: torch.Tensor) -> torch.Tensor:
        """log p(x, z) = log N(z; 0, 1) + log N(x; w z + b, s²) at the observed x, for a tensor of z."""
        return normal_log_density(z, 0.0, 1.0) + normal_log_density(
            torch.full_like(z, self.x), self.w * z + self.b, self.s**2
        )

    def posterior(self) -> tuple[float, float]:
        """(mean, variance) of p(z|x): precision 1 + w²/s², mean w(x − b)/s² / precision."""
        precision = 1.0 + self.w**2 / self.s**2
        return self.w * (self.x - self.b) / self.s**2 / precision, 1.0 / precision


def bimodal_log_density(z: torch.Tensor, separation: float = 3.0) -> torch.Tensor:
    """log(½N(z; −a, 1) + ½N(z; a, 1))."""
    return torch.logaddexp(normal_log_density(z, -separation, 1.0),
                           normal_log_density(z, separation, 1.0)) - math.log(2.0)


def reverse_kl_fit(
    log_target: LogDensity, *, start: tuple[float, float] = (1.0, 0.0), steps: int = 400,
    samples: int = 4096, seed: int = 0, lr: float = 0.05,
) -> tuple[float, float]:
    """Fit N(m, v) by minimising KL(q ‖ p) = E_q[log q − log p] with reparameterised gradients
    (z = m + √v ε, common random numbers per step); returns (m, v)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps: expected an int ≥ 1, got {steps!r}")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        raise ValueError(f"samples: expected an int ≥ 2, got {samples!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr: must be finite and positive, got {lr!r}")
    gen = torch.Generator().manual_seed(seed)
    params = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([params], lr=lr)
    for _ in range(steps):
        eps = torch.randn(samples, generator=gen, dtype=torch.float64)
        m, logv = params[0], params[1]
        z = m + torch.exp(0.5 * logv) * eps
        kl = (normal_log_density(z, m, torch.exp(logv)) - log_target(z)).mean()
        opt.zero_grad()
        kl.backward()
        opt.step()
    fitted = params.detach()
    return float(fitted[0]), float(torch.exp(fitted[1]))
