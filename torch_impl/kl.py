"""The VAE's KL term in PyTorch, float32-accurate (Kingma & Welling 2014, App. B; issue 5).

KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_j [(σ_j² − 1 − log σ_j²) + μ_j²]. With the encoder's log-variance
ℓ = log σ², σ² − 1 − log σ² = e^ℓ − 1 − ℓ, which the textbook form loses to cancellation when
σ² ≈ 1 (collapsed units). :func:`expm1mx` uses the Taylor series for |ℓ| ≤ ½ and expm1 beyond —
both branches are elementwise tensor ops (``torch.where``), so the function is differentiable and
runs on any device. ``derivations.stable_forms`` proves the form equal to the closed form.
"""

from __future__ import annotations

import math

import torch

# e^u − 1 − u = u² Σ_{k≥0} u^k/(k+2)!; |u| ≤ ½: 20 terms reach 1e-17 (float64)
_COEFFS = [1.0 / math.factorial(k + 2) for k in range(20)]


def expm1mx(u: torch.Tensor) -> torch.Tensor:
    """e^u − 1 − u, accurate to a few ulp in float32 and float64.

    float64: Taylor series (20 terms) for |u| ≤ ½, expm1(u) − u beyond.
    float32/16: evaluated in float64 and rounded once: u²/2 for |u| < 2e-8 (relative truncation
    ≤ |u|/3 < 6.7e-9) and expm1(u) − u beyond (float64 cancellation ≤ 2ε₆₄/|u| < 1.2e-8): both
    below 0.1 of float32's ε = 1.2e-7, with fewer tensor ops than the series (the hot path)."""
    if u.dtype != torch.float64:
        return _expm1mx_for_narrow(u.double()).to(u.dtype)
    small = u.abs() <= 0.5
    us = torch.where(small, u, torch.zeros_like(u))
    poly = torch.full_like(u, _COEFFS[-1])
    for c in reversed(_COEFFS[:-1]):
        poly = poly * us + c
    series = us * us * poly
    ul = torch.where(small, torch.ones_like(u), u)  # keeps expm1 finite and gradients clean
    return torch.where(small, series, torch.expm1(ul) - ul)


def _expm1mx_for_narrow(v: torch.Tensor) -> torch.Tensor:
    """e^v − 1 − v for float64 ``v`` that came from float32/16, to well below float32's ε (see
    :func:`expm1mx`): v²/2 for |v| < 2e-8, expm1(v) − v beyond."""
    return torch.where(v.abs() < 2e-8, 0.5 * v * v, torch.expm1(v) - v)


def kl_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, diag e^ℓ) ‖ N(0, I)) per latent coordinate (sum over the last axis yourself)."""
    return 0.5 * (expm1mx(logvar) + mu * mu)


def kl_diagonal_normals(
    mu1: torch.Tensor, logvar1: torch.Tensor, mu2: torch.Tensor, logvar2: torch.Tensor
) -> torch.Tensor:
    """KL(N(μ₁, e^{ℓ₁}) ‖ N(μ₂, e^{ℓ₂})) per coordinate: ½[e^u − 1 − u + (μ₁−μ₂)² e^{−ℓ₂}], u = ℓ₁ − ℓ₂."""
    return 0.5 * (expm1mx(logvar1 - logvar2) + (mu1 - mu2) ** 2 * torch.exp(-logvar2))


def kl_standard_normal_textbook(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """−½(1 + ℓ − μ² − e^ℓ): the form in Kingma & Welling's App. B and pytorch/examples — kept for
    the accuracy comparison only."""
    return -0.5 * (1 + logvar - mu * mu - logvar.exp())


class _StandardNormalKlTotal(torch.autograd.Function):
    """Σ over all elements of ½(e^ℓ − 1 − ℓ + μ²), with the analytic gradient
    ∂/∂μ = μ, ∂/∂ℓ = ½ expm1(ℓ): the training hot path records one node instead of a dozen."""

    @staticmethod
    def forward(ctx, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(mu, logvar)
        if logvar.dtype == torch.float64:
            f, m = expm1mx(logvar), mu
        else:  # accumulate in float64, round once
            f, m = _expm1mx_for_narrow(logvar.double()), mu.double()
        return (0.5 * torch.addcmul(f, m, m).sum()).to(mu.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        mu, logvar = ctx.saved_tensors
        return grad * mu, (0.5 * grad) * torch.expm1(logvar)


def kl_standard_normal_total(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Σ_{batch, j} KL(N(μ, e^ℓ) ‖ N(0, 1)) as one autograd node (the training loss's KL): equal to
    ``kl_standard_normal(mu, logvar).sum()`` (accumulated in float64 and rounded once) with the
    gradient of the closed form; ``tests/torch_impl`` checks both."""
    if mu.shape != logvar.shape:
        raise ValueError(f"mu, logvar: shape mismatch {tuple(mu.shape)} vs {tuple(logvar.shape)}")
    return _StandardNormalKlTotal.apply(mu, logvar)
