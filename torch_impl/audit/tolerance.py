"""Tolerances of an audit, from the dtype the loss computes in and the conditioning of its terms
(Higham, *Accuracy and Stability of Numerical
Algorithms*, §1.6 for the forward-error bound ε·Σ|∂f/∂θ|·|δθ|).

* Value: the residual of the fit may be τ·(size of the terms) — τ = 1e-9 for float64 (a sum of
  N ≤ 2000 terms rounds by ≤ N·ε₆₄ ≈ 4e-13), 1e-4 for float32 (N·ε₃₂ ≈ 2.4e-4 worst case,
  √N·ε₃₂ ≈ 5e-6 typical), 1e-2 for 16-bit floats — plus the *conditioning* allowance of the
  likelihood's standard formula: the continuous Bernoulli's normaliser is written
  C(λ) = 2·artanh(1 − 2λ)/(1 − 2λ), which rounds 1 − 2λ at the dtype's resolution at unit scale,
  so a loss computing it that way may be off by ε·Σ_pixels |∂log C/∂λ|·max(λ, 1 − λ). The
  allowance is 4× that first-order bound; it matters only for saturated λ (λ ≈ 1e-13 gives
  |∂log C/∂λ| ≈ 3·10¹¹, i.e. ≈ 1e-4 nats per pixel in float64) and is stated in the report.
* Gradient: the loss's gradient and a·∇(−ELBO_β) are compared on the ordinary draws only (no
  saturation) to 1e-6 relative for float64 (the fitted a and β carry the value fit's error,
  ≤ 1e-9 × the conditioning of the design) and 1e-2 for float32 (coefficients fitted from float32
  values are good to ~1e-4, ten times the coefficient tolerance)."""

from __future__ import annotations

import torch

#: first-order bounds are multiplied by this safety factor (several roundings per term)
CONDITION_FACTOR = 4.0


def resolution(dtype: torch.dtype) -> float:
    """The unit roundoff ε of ``dtype`` (machine epsilon)."""
    return float(torch.finfo(dtype).eps)


def value_tolerance(dtype: torch.dtype) -> tuple[float, str]:
    """The relative fit tolerance τ for a loss computed in ``dtype`` and its reason."""
    if dtype == torch.float64:
        return 1e-9, "float64 loss vs float64 reference: summation rounding ≤ N·ε₆₄ ≈ 4e-13 for N ≤ 2000"
    if dtype == torch.float32:
        return 1e-4, ("float32 loss judged at float32 resolution (ε₃₂ = 1.2e-7): summation rounding ≤ "
                      "N·ε₃₂ ≈ 2.4e-4 worst case, ≈ 5e-6 typical")
    return 1e-2, f"{dtype} loss: 16-bit rounding"


def gradient_tolerance(dtype: torch.dtype) -> float:
    """Relative tolerance of the gradient comparison (module docstring)."""
    return 1e-6 if dtype == torch.float64 else 1e-2


def condition_allowance(likelihood: str, recon: torch.Tensor, dtype: torch.dtype) -> float:
    """Absolute allowance (nats, before the loss's scale a) for rounding the likelihood's standard
    formula in ``dtype``: nonzero only for the continuous Bernoulli (module docstring)."""
    if not likelihood.startswith("continuous_bernoulli"):
        return 0.0
    out = recon.detach().double()
    lam = torch.sigmoid(out) if likelihood.endswith("logits") else out
    # d log C/dλ = −2·[1/((1 − u²)·artanh u) − 1/u], u = 1 − 2λ, 1 − u² = 4λ(1 − λ); near λ = ½ (|u| < 0.05)
    # it is ≈ −4u/3, so ε times it is negligible there and it is left out
    u = 1 - 2 * lam
    far = u.abs() >= 0.05
    uf = torch.where(far, u, torch.full_like(u, 0.5))
    lf = torch.where(far, lam, torch.full_like(lam, 0.25))
    artanh = 0.5 * (torch.log1p(-lf) - torch.log(lf))
    d = torch.where(far, -2 * (1 / (4 * lf * (1 - lf) * artanh) - 1 / uf), torch.zeros_like(u))
    unit = torch.maximum(lam, 1 - lam)
    return CONDITION_FACTOR * resolution(dtype) * float((d.abs() * unit).sum())
