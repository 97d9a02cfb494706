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
    if not check_finite and type(x) is np.ndarray and x.dtype.char in "fd":
        return x  # the common case, without a call into NumPy
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
    if not (check_finite and arr.size):
        return arr
    # one reduction: the sum is NaN/inf whenever an entry is (and, harmlessly, when finite entries
    # overflow it); only then look at the entries to say which problem it is
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(arr, axis=None)
    if not np.isfinite(total):
        if np.isnan(arr).any():
            raise ValueError(f"{name}: contains NaN")
        if np.isinf(arr).any():
            raise ValueError(f"{name}: contains inf")
    return arr


def real_array(value: object, name: str) -> NDArray[np.float64]:
    """A finite real float64 array for the seeds' programs (numerics.em, numerics.gan_dual):
    complex (its imaginary part would be dropped), bool, object, None and NaN/inf are rejected
    with a ValueError naming ``name``."""
    if value is None:
        raise ValueError(f"{name}: expected real numbers, got None")
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: contains NaN or inf")
    return arr


def row_sum(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Σ over the last axis (:func:`numerics._kernels.row_sum`: a fixed pairwise tree, no BLAS)."""
    from numerics._kernels import row_sum as tree_sum

    return tree_sum(x)


def dtype_vote(x: object) -> np.dtype | None:
    """The floating dtype an input brings to :func:`result_dtype`: a NumPy array or NumPy scalar
    of a floating dtype votes for its dtype; Python numbers, lists and integer or boolean arrays
    do not vote (NumPy's rule for Python scalars, NEP 50, extended to lists)."""
    if isinstance(x, np.ndarray | np.generic) and x.dtype.kind == "f":
        return x.dtype
    return None


def result_dtype(*inputs: object) -> np.dtype:
    """THE dtype rule of every public function in :mod:`numerics.divergences`: the result is
    float32 iff at least one input votes (:func:`dtype_vote`) and every vote is float32 (of either
    byte order); otherwise float64. Results are always native-endian; the arithmetic is float64
    and the result is rounded once."""
    votes = [d for d in (dtype_vote(x) for x in inputs) if d is not None]
    return _F32 if votes and all(d.itemsize == 4 for d in votes) else _F64


def probability_vectors(
    p: ArrayLike, name: str, *, normalize: bool = False, tolerance: float = SUM_TOLERANCE
) -> NDArray[np.float64]:
    """Validate probabilities along the last axis: non-negative, finite, summing to 1 within
    ``tolerance`` (any positive finite entries if ``normalize``; the sum may exceed the float
    range). Returns a C-contiguous, native float64 array; an empty batch passes."""
    if not isinstance(normalize, bool | np.bool_):
        raise ValueError(f"normalize: expected True or False, got {normalize!r}")
    raw = as_float_array(p, name)
    if raw.ndim == 0:
        raise ValueError(f"{name}: expected a vector of probabilities (last axis), got a scalar")
    if raw.shape[-1] == 0:
        raise ValueError(f"{name}: empty probability vector (the last axis has length 0)")
    arr: NDArray[np.float64] = np.ascontiguousarray(raw, dtype=np.float64)
    if arr.size == 0:
        return arr
    if arr.min() < 0:
        raise ValueError(f"{name}: negative probability {arr.min()!r}")
    if normalize:
        if (arr.max(axis=-1) <= 0).any():
            raise ValueError(f"{name}: cannot normalise a vector with zero total mass")
        return arr
    sums = row_sum(arr)
    if (np.abs(sums - 1) > tolerance).any():
        worst = sums.flat[np.argmax(np.abs(sums - 1))]
        raise ValueError(
            f"{name}: probabilities sum to {worst!r}, not 1 (tolerance {tolerance:g}); "
            "pass normalize=True to normalise"
        )
    return arr


def positive(x: ArrayLike, name: str, *, check_finite: bool = True) -> NDArray[np.floating]:
    """Positive entries; with ``check_finite=False`` NaN is still rejected (one pass: min) and
    +inf is left to the caller's check of its result."""
    arr = as_float_array(x, name, check_finite=check_finite)
    if arr.size and not arr.min() > 0:  # NaN fails the comparison too
        as_float_array(arr, name)  # NaN → "contains NaN"
        raise ValueError(f"{name}: must be positive, got {arr.min()!r}")
    return arr


def broadcast_shape(**arrays: NDArray) -> tuple[int, ...]:
    """The broadcast shape of the named arrays; ValueError naming all of them if they do not
    broadcast."""
    shapes = [a.shape for a in arrays.values()]
    if all(s == shapes[0] for s in shapes):
        return shapes[0]
    full = [s for s in shapes if s != ()]  # 0-d arrays (scalars) take any shape
    if all(s == full[0] for s in full):
        return full[0]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError as exc:
        listing = ", ".join(f"{k} {a.shape}" for k, a in arrays.items())
        raise ValueError(f"{', '.join(arrays)}: shapes do not broadcast ({listing})") from exc


def broadcast(name_a: str, a: NDArray, name_b: str, b: NDArray, *, core: int = 0) -> tuple[NDArray, NDArray]:
    """Broadcast batch dimensions; the last ``core`` axes must match exactly."""
    if core and (a.ndim < core or b.ndim < core or a.shape[-core:] != b.shape[-core:]):
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
