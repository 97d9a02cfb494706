"""The VAE's KL term in PyTorch, float32-accurate (Kingma & Welling 2014, App. B).

KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_j [(σ_j² − 1 − log σ_j²) + μ_j²]. With the encoder's log-variance
ℓ = log σ², σ² − 1 − log σ² = e^ℓ − 1 − ℓ, which the textbook form loses to cancellation when
σ² ≈ 1 (collapsed units). :func:`expm1mx` uses the Taylor series for |ℓ| ≤ ½ and expm1 beyond —
both branches are elementwise tensor ops (``torch.where``), so the function is differentiable and
runs on any device. ``derivations.stable_forms`` proves the form equal to the closed form.

Every public function checks its arguments: tensors of one floating dtype, one
shape and one device, no NaN or inf — else ``ValueError`` naming the argument. The structural
checks read metadata; NaN/inf are looked for only when the result is non-finite (one sum and one
scalar read per call otherwise). :func:`kl_diagonal_normals` evaluates narrow dtypes
(float16/bfloat16/float32) in float64 and rounds once.

On the CPU, :func:`kl_standard_normal_total` (float32/float64, the training loss's KL) takes
exp(ℓ) from NumPy's vectorised exp and forms and sums the terms in one compiled pass
(:mod:`torch_impl._kl_total_kernels`: the forms, their measured error, and why a NaN/inf argument
always gives a non-finite total).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from torch_impl._validate import require_finite, require_float_tensor, require_same_kind

# e^u − 1 − u = u² Σ_{k≥0} u^k/(k+2)!; |u| ≤ ½: 15 terms leave a relative truncation below
# 2·2⁻¹⁵/17! < 2e-19 (0.002 of float64's ε)
_COEFFS = [1.0 / math.factorial(k + 2) for k in range(15)]


def _checked(names: tuple[str, ...], *tensors: object) -> tuple[torch.Tensor, ...]:
    """Type, dtype, shape and device of every argument (metadata only: no reduction)."""
    ts = tuple(require_float_tensor(t, n) for t, n in zip(tensors, names, strict=True))
    require_same_kind(ts, names)
    return ts


def _finite_inputs(out: torch.Tensor, names: tuple[str, ...], *tensors: torch.Tensor) -> torch.Tensor:
    """``out``, after checking that no argument held NaN/inf. Every function here maps a NaN or
    inf argument to a NaN or inf result, so only a non-finite result needs the (per-argument)
    search — on the common path one sum over the result and one scalar read (a NaN or inf entry
    makes the sum non-finite; a sum that merely overflows only costs the search). A non-finite
    result of finite arguments is a genuine overflow and is returned."""
    if not math.isfinite(out.item() if out.dim() == 0 else out.detach().sum().item()):
        _require_finite_arguments(names, *tensors)
    return out


def _require_finite_arguments(names: tuple[str, ...], *tensors: torch.Tensor) -> None:
    """``ValueError`` naming the first argument that holds NaN or inf (after a non-finite result)."""
    for t, n in zip(tensors, names, strict=True):
        require_finite(t, n)


def expm1mx(u: torch.Tensor) -> torch.Tensor:
    """e^u − 1 − u, accurate to a few ulp in float32 and float64.

    float64: Taylor series (15 terms) for |u| ≤ ½, expm1(u) − u beyond.
    float32/16: evaluated in float64 and rounded once: u²/2 for |u| < 2e-8 (relative truncation
    ≤ |u|/3 < 6.7e-9) and expm1(u) − u beyond (float64 cancellation ≤ 2ε₆₄/|u| < 1.2e-8): both
    below 0.1 of float32's ε = 1.2e-7, with fewer tensor ops than the series (the hot path).
    ``u`` must be a finite floating-point tensor (``ValueError`` otherwise)."""
    (u,) = _checked(("u",), u)
    return _finite_inputs(_expm1mx(u), ("u",), u)


def _expm1mx(u: torch.Tensor) -> torch.Tensor:
    """:func:`expm1mx` without the argument checks; u = +inf gives +inf (the limit)."""
    if u.dtype != torch.float64:
        return _expm1mx_for_narrow(u.double()).to(u.dtype)
    small = u.abs() <= 0.5
    us = torch.where(small, u, torch.zeros_like(u))
    poly = torch.full_like(u, _COEFFS[-1])
    for c in reversed(_COEFFS[:-1]):
        poly = poly * us + c
    series = us * us * poly
    # keeps expm1 finite and gradients clean in the branch not taken; u = +inf (ℓ₁ − ℓ₂ overflowed)
    # is the limit +inf, not inf − inf
    pos_inf = torch.isposinf(u)
    ul = torch.where(small | pos_inf, torch.ones_like(u), u)
    large = torch.where(pos_inf, torch.full_like(u, math.inf), torch.expm1(ul) - ul)
    return torch.where(small, series, large)


def _expm1mx_for_narrow(v: torch.Tensor) -> torch.Tensor:
    """e^v − 1 − v for float64 ``v`` that came from float32/16, to well below float32's ε (see
    :func:`expm1mx`): v²/2 for |v| < 2e-8, expm1(v) − v beyond."""
    return torch.where(v.abs() < 2e-8, 0.5 * v * v, torch.expm1(v) - v)


def kl_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, diag e^ℓ) ‖ N(0, I)) per latent coordinate (sum over the last axis yourself).
    ``mu`` and ``logvar``: finite floating tensors of one dtype, shape and device."""
    names = ("mu", "logvar")
    mu, logvar = _checked(names, mu, logvar)
    return _finite_inputs(0.5 * (_expm1mx(logvar) + mu * mu), names, mu, logvar)


# |h| ≤ 700: e^h is a normal float64, so (|d|·e^{−ℓ₂/2})² keeps every digit
_DIRECT_EXPONENT = 700.0


def _mahalanobis_term(d: torch.Tensor, logvar2: torch.Tensor) -> torch.Tensor:
    """d² e^{−ℓ₂} in float64, for every finite d, ℓ₂ without 0·inf: (d·e^{−ℓ₂/2})² (a few ulp) where
    e^{−ℓ₂/2} is a normal float, else exp(2 log|d| − ℓ₂) (relative error ≤ |2 log|d| − ℓ₂|·ε; only
    for |ℓ₂| > 1400, where the result is 0, inf or within that bound); exactly 0 when d = 0."""
    h = -0.5 * logvar2
    direct = h.abs() <= _DIRECT_EXPONENT
    zero = d == 0
    a = torch.exp(torch.where(direct, h, torch.zeros_like(h)))
    t = d * a
    d_safe = torch.where(zero, torch.ones_like(d), d)
    log_m = torch.where(direct | zero, torch.zeros_like(h), 2 * torch.log(d_safe.abs()) + 2 * h)
    far = torch.where(zero, torch.zeros_like(d), torch.exp(log_m))
    return torch.where(direct, t * t, far)


def kl_diagonal_normals(
    mu1: torch.Tensor, logvar1: torch.Tensor, mu2: torch.Tensor, logvar2: torch.Tensor
) -> torch.Tensor:
    """KL(N(μ₁, e^{ℓ₁}) ‖ N(μ₂, e^{ℓ₂})) per coordinate: ½[e^u − 1 − u + (μ₁−μ₂)² e^{−ℓ₂}], u = ℓ₁ − ℓ₂.

    Evaluated in float64 (narrow dtypes rounded once at the end) with the Mahalanobis term formed
    without 0·inf (:func:`_mahalanobis_term`): KL(p ‖ p) is exactly 0 at every log-variance, and the
    result is finite wherever the exact value is representable (inf where it overflows). Arguments:
    finite floating tensors of one dtype, shape and device."""
    names = ("mu1", "logvar1", "mu2", "logvar2")
    mu1, logvar1, mu2, logvar2 = _checked(names, mu1, logvar1, mu2, logvar2)
    dtype = mu1.dtype
    m1, l1, m2, l2 = (t.double() for t in (mu1, logvar1, mu2, logvar2))
    kl = 0.5 * (_expm1mx(l1 - l2) + _mahalanobis_term(m1 - m2, l2))
    out = kl if dtype == torch.float64 else kl.to(dtype)
    return _finite_inputs(out, names, mu1, logvar1, mu2, logvar2)


def kl_standard_normal_textbook(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """−½(1 + ℓ − μ² − e^ℓ): the form in Kingma & Welling's App. B and pytorch/examples — kept for
    the accuracy comparison only (same argument checks as :func:`kl_standard_normal`)."""
    names = ("mu", "logvar")
    mu, logvar = _checked(names, mu, logvar)
    return _finite_inputs(-0.5 * (1 + logvar - mu * mu - logvar.exp()), names, mu, logvar)


class _StandardNormalKlTotal(torch.autograd.Function):
    """Σ over all elements of ½(e^ℓ − 1 − ℓ + μ²), with the analytic gradient
    ∂/∂μ = μ, ∂/∂ℓ = ½ expm1(ℓ): the training hot path records one node instead of a dozen."""

    @staticmethod
    # ``ctx: Any``: autograd's context object; ``saved_tensors`` is attached by the C++ engine and is
    # not declared on ``torch.autograd.function.FunctionCtx``.
    def forward(ctx: Any, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """Save (μ, ℓ) and return ½ Σ (expm1(ℓ) − ℓ + μ²), accumulated in float64 for narrower dtypes."""
        ctx.save_for_backward(mu, logvar)
        fast = _total_on_cpu(mu, logvar)
        if fast is not None:
            return fast
        if logvar.dtype == torch.float64:
            f, m = _expm1mx(logvar), mu
        else:  # accumulate in float64, round once
            f, m = _expm1mx_for_narrow(logvar.double()), mu.double()
        return (0.5 * torch.addcmul(f, m, m).sum()).to(mu.dtype)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(grad · μ, ½ grad · expm1(ℓ)): the analytic gradient of the total KL."""
        mu, logvar = ctx.saved_tensors
        return grad * mu, (0.5 * grad) * torch.expm1(logvar)


_CPU_KINDS = (torch.float32, torch.float64)
_Kernel = Callable[[np.ndarray, np.ndarray, np.ndarray], float]
#: dtype → compiled CPU total (:mod:`torch_impl._kl_total_kernels`), filled on the first CPU call
#: so that importing this module does not import numba
_CPU_TOTALS: dict[torch.dtype, _Kernel] = {}


def _cpu_total_kernel(dtype: torch.dtype) -> _Kernel:
    """The compiled total for ``dtype`` (float32/float64), importing the kernels on first use."""
    if not _CPU_TOTALS:
        from torch_impl import _kl_total_kernels as KK

        _CPU_TOTALS.update({torch.float64: KK.total_float64, torch.float32: KK.total_float32})
    return _CPU_TOTALS[dtype]


def _cpu_total_value(kernel: _Kernel, mu: torch.Tensor, logvar: torch.Tensor) -> float:
    """Σ ½(e^ℓ − 1 − ℓ + μ²) as a Python float (float32 inputs: the float32-rounded value) for CPU
    tensors of one dtype (float32/float64, ``kernel``'s) and shape that do not require a gradient:
    exp(ℓ) in float64 by NumPy's vectorised exp, then the compiled pass that forms and sums the
    terms (:mod:`torch_impl._kl_total_kernels`: the forms and their error)."""
    ell = logvar.numpy().reshape(-1)
    e = ell.astype(np.float64)  # a fresh buffer either way (float32: widened)
    # NumPy's exp, not torch's: torch's splits 4096 elements across its intra-op threads, which
    # costs more than it saves (4.4 µs at 2 threads against 2.9 µs at 1; NumPy's 2.7 µs either way)
    with np.errstate(over="ignore"):  # e^ℓ = inf for ℓ > 709.78 is the kernels' input, not an error
        np.exp(e, out=e)
    return kernel(mu.numpy().reshape(-1), ell, e)


def _scalar(value: float, dtype: torch.dtype) -> torch.Tensor:
    """A 0-d CPU tensor of ``dtype`` (float32/float64) holding ``value`` (exact for float32: the
    kernels round it already)."""
    return torch.from_numpy(np.asarray(value, dtype=np.float64 if dtype is torch.float64 else np.float32))


def _total_on_cpu(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor | None:
    """The forward of :class:`_StandardNormalKlTotal` for CPU float32/float64 tensors of one dtype
    and shape (:func:`_cpu_total_value`); None for other devices and dtypes (the tensor path then
    runs)."""
    if not _lean_pair(mu, logvar):
        return None
    kernel = _cpu_total_kernel(mu.dtype)
    return _scalar(_cpu_total_value(kernel, mu.detach(), logvar.detach()), mu.dtype)


def _lean_pair(mu: object, logvar: object) -> bool:
    """True when ``mu`` and ``logvar`` are plain tensors of one floating dtype and shape on the
    CPU — what the full checks (:func:`_checked`) would accept, read with fewer calls."""
    return (type(mu) is torch.Tensor and type(logvar) is torch.Tensor
            and mu.dtype is logvar.dtype and mu.dtype in _CPU_KINDS
            and mu.is_cpu and logvar.is_cpu and mu.shape == logvar.shape)


def kl_standard_normal_total(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Σ_{batch, j} KL(N(μ, e^ℓ) ‖ N(0, 1)) as one autograd node (the training loss's KL): equal to
    ``kl_standard_normal(mu, logvar).sum()`` (accumulated in float64 and rounded once) with the
    gradient of the closed form; ``tests/torch_impl`` checks both. Arguments checked like
    :func:`kl_standard_normal`; NaN/inf are looked for only when the total is not finite (a NaN or
    inf argument always makes it so: :mod:`torch_impl._kl_total_kernels`)."""
    # the common case inline (plain CPU float32/float64 tensors of one dtype and shape, no gradient
    # to record, the kernels loaded): the conditions of _lean_pair, read once each
    if type(mu) is torch.Tensor and type(logvar) is torch.Tensor and mu.dtype is logvar.dtype:
        kernel = _CPU_TOTALS.get(mu.dtype)
        if (kernel is not None and mu.is_cpu and logvar.is_cpu and mu.shape == logvar.shape
                and not ((mu.requires_grad or logvar.requires_grad) and torch.is_grad_enabled())):
            value = _cpu_total_value(kernel, mu, logvar)
            if not math.isfinite(value):
                _require_finite_arguments(("mu", "logvar"), mu, logvar)
            return _scalar(value, mu.dtype)
    names = ("mu", "logvar")
    mu, logvar = _checked(names, mu, logvar)
    return _finite_inputs(kl_standard_normal_total_unchecked(mu, logvar), names, mu, logvar)


def kl_standard_normal_total_unchecked(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """:func:`kl_standard_normal_total` for the training hot path (``Vae.loss``): ``mu`` and
    ``logvar`` come from the encoder (same dtype, shape, device by construction), and a NaN there
    surfaces as a non-finite loss, which the caller checks — so no reduction or host sync here.
    Without a gradient to record, the forward runs directly (no autograd node)."""
    if not (torch.is_grad_enabled() and (mu.requires_grad or logvar.requires_grad)):
        fast = _total_on_cpu(mu, logvar)
        if fast is not None:
            return fast
    return _StandardNormalKlTotal.apply(mu, logvar)
