"""Argument checks shared by :mod:`torch_impl.kl` and :mod:`torch_impl.model`.

Every public function of ``torch_impl`` rejects bad input with a ``ValueError`` naming the argument
(non-tensors, non-float or mixed dtypes, mismatched shapes or devices, NaN/inf) instead of returning
NaN or failing deep inside PyTorch. The structural checks (type, dtype, shape, device) read only
metadata; :func:`require_finite` reduces the tensor and reads one boolean (a host sync on a GPU), so
the training hot path uses it only after a non-finite loss (see ``Vae.loss``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def require_float_tensor(t: object, name: str) -> torch.Tensor:
    """``t`` must be a real floating-point tensor (float16/bfloat16/float32/float64)."""
    if not isinstance(t, torch.Tensor):
        raise ValueError(f"{name}: expected a torch.Tensor, got {type(t).__name__}")
    if not t.is_floating_point():
        raise ValueError(f"{name}: expected a floating-point tensor, got dtype {t.dtype}")
    if t.is_meta:
        raise ValueError(f"{name}: a tensor on the meta device has no values")
    return t


def require_finite(t: torch.Tensor, name: str) -> None:
    """No NaN or ±inf anywhere in ``t`` (one reduction and one host read)."""
    if t.numel() and not bool(torch.isfinite(t).all()):
        bad = "NaN" if bool(torch.isnan(t).any()) else "inf"
        raise ValueError(f"{name}: contains {bad}")


def require_same_kind(tensors: Sequence[torch.Tensor], names: Sequence[str]) -> None:
    """Same dtype, shape and device for all of ``tensors`` (no silent promotion or broadcasting)."""
    first, first_name = tensors[0], names[0]
    for t, name in zip(tensors[1:], names[1:], strict=True):
        if t.dtype != first.dtype:
            raise ValueError(f"{first_name}, {name}: mixed dtypes {first.dtype} and {t.dtype}")
        if t.shape != first.shape:
            raise ValueError(f"{first_name}, {name}: shape mismatch {tuple(first.shape)} vs {tuple(t.shape)}")
        if t.device != first.device:
            raise ValueError(f"{first_name}, {name}: on different devices {first.device} and {t.device}")


#: the largest count a tensor size can hold (torch sizes are int64)
MAX_COUNT = 2**63 - 1


def require_int(value: object, name: str, *, minimum: int, maximum: int = MAX_COUNT) -> int:
    """A Python (or NumPy) integer in [``minimum``, ``maximum``]; ``bool`` is not an integer here."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: expected an int, got {value!r}")
    v = int(value)
    if v < minimum:
        raise ValueError(f"{name}: must be ≥ {minimum}, got {v}")
    if v > maximum:
        raise ValueError(f"{name}: must be ≤ {maximum}, got {v}")
    return v


#: the largest seed accepted: derived seeds add offsets below 2⁶² and torch.manual_seed takes < 2⁶⁴
MAX_SEED = 2**62


def require_seed(seed: object, name: str = "seed") -> int:
    """A seed: an int in [0, 2⁶²] (bool, floats, strings and None are not seeds)."""
    return require_int(seed, name, minimum=0, maximum=MAX_SEED)


def require_unit_interval(x: torch.Tensor, name: str) -> None:
    """Every entry in [0, 1] (data of a Bernoulli likelihood); one reduction and one host read."""
    if x.numel():
        lo, hi = torch.aminmax(x.detach())
        if not (float(lo) >= 0 and float(hi) <= 1):
            raise ValueError(f"{name}: a Bernoulli likelihood needs data in [0, 1], got values from "
                             f"{float(lo):.3g} to {float(hi):.3g}")
