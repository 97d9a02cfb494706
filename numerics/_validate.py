"""Argument validation: every problem raises ``ValueError`` naming the argument (DESIGN.md, Errors)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: |Σp − 1| allowed for a probability vector without ``normalize=True``. Vectors that pass are
#: still treated as the distribution p/Σp exactly (see :mod:`numerics.divergences`).
SUM_TOLERANCE = 1e-6
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def as_float_array(x: ArrayLike, name: str, *, check_finite: bool = True) -> NDArray[np.floating]:
    """``x`` as a float32/float64 array (integers and others become float64); NaN/inf rejected
    (unless ``check_finite=False``: for callers that check their result instead, see
    :func:`numerics.divergences.kl_normal`)."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy's own conversion errors
        raise ValueError(f"{name}: cannot be converted to an array ({exc})") from exc
    if arr.dtype.char not in "fd":  # float32 / float64 pass as they are
        if arr.dtype.kind == "c":
            raise ValueError(f"{name}: complex values are not allowed")
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: expected real numbers, got dtype {arr.dtype}") from exc
    # one reduction: the sum is NaN/inf whenever an entry is (and, harmlessly, when finite entries
    # overflow it); only then look at the entries to say which problem it is
    if check_finite and arr.size and not np.isfinite(np.add.reduce(arr, axis=None)):
        if np.isnan(arr).any():
            raise ValueError(f"{name}: contains NaN")
        if np.isinf(arr).any():
            raise ValueError(f"{name}: contains inf")
    return arr


def row_sum(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Σ over the last axis. For short rows a product with a ones vector (BLAS) is ~10× faster
    than ``sum(axis=-1)`` and, at ≤ 64 terms, as accurate for the non-negative sums used here."""
    k = x.shape[-1]
    return x @ np.ones(k) if 0 < k <= 64 else x.sum(axis=-1)


def result_dtype(*arrays: NDArray[np.floating]) -> np.dtype:
    """float32 only if every input is float32; otherwise float64."""
    return _F32 if all(a.dtype.char == "f" for a in arrays) else _F64


def probability_vectors(
    p: ArrayLike, name: str, *, normalize: bool = False, tolerance: float = SUM_TOLERANCE
) -> tuple[NDArray[np.float64], np.dtype]:
    """Validate probabilities along the last axis: non-negative, finite, summing to 1 within
    ``tolerance`` (any positive sum if ``normalize``). Returns (float64 array, input dtype)."""
    arr = as_float_array(p, name)
    dtype = arr.dtype
    if arr.ndim == 0:
        raise ValueError(f"{name}: expected a vector of probabilities (last axis), got a scalar")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name}: empty probability vector")
    arr = arr.astype(np.float64, copy=False)
    if arr.min() < 0:
        raise ValueError(f"{name}: negative probability {arr.min()!r}")
    sums = row_sum(arr)
    if normalize:
        if (sums <= 0).any():
            raise ValueError(f"{name}: cannot normalise a vector with zero total mass")
    elif (np.abs(sums - 1) > tolerance).any():
        worst = sums.flat[np.argmax(np.abs(sums - 1))]
        raise ValueError(
            f"{name}: probabilities sum to {worst!r}, not 1 (tolerance {tolerance:g}); "
            "pass normalize=True to normalise"
        )
    return arr, dtype


def positive(x: ArrayLike, name: str, *, check_finite: bool = True) -> NDArray[np.floating]:
    """Positive entries; with ``check_finite=False`` NaN is still rejected (one pass: min) and
    +inf is left to the caller's check of its result."""
    arr = as_float_array(x, name, check_finite=check_finite)
    if arr.size and not arr.min() > 0:  # NaN fails the comparison too
        as_float_array(arr, name)  # NaN → "contains NaN"
        raise ValueError(f"{name}: must be positive, got {arr.min()!r}")
    return arr


def broadcast(name_a: str, a: NDArray, name_b: str, b: NDArray, *, core: int = 0) -> tuple[NDArray, NDArray]:
    """Broadcast batch dimensions; the last ``core`` axes must match exactly."""
    if core and a.shape[-core:] != b.shape[-core:]:
        raise ValueError(
            f"{name_a}, {name_b}: shape mismatch {a.shape} vs {b.shape} in the last {core} axis/axes"
        )
    try:
        return np.broadcast_arrays(a, b)  # type: ignore[return-value]
    except ValueError as exc:
        raise ValueError(f"{name_a}, {name_b}: shapes {a.shape} and {b.shape} do not broadcast") from exc


def covariance(cov: ArrayLike, name: str, *, symmetry_tolerance: float = 1e-12) -> NDArray[np.float64]:
    """A batch of symmetric matrices (…, d, d) as float64 (positive definiteness is checked where
    the factorisation happens)."""
    arr = as_float_array(cov, name).astype(np.float64, copy=False)
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"{name}: expected square matrices (…, d, d), got shape {arr.shape}")
    asym = np.abs(arr - np.swapaxes(arr, -1, -2)).max(initial=0.0)
    scale = max(arr.max(initial=0.0), -arr.min(initial=0.0))
    if asym > symmetry_tolerance * max(scale, 1e-300):
        raise ValueError(f"{name}: not symmetric (max |Σ − Σᵀ| = {asym:.3g})")
    return arr
