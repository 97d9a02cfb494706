"""Argument validation: every problem raises ``ValueError`` naming the argument (DESIGN.md, Errors)."""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: |Σp − 1| allowed for a probability vector without ``normalize=True``. Vectors that pass are
#: still treated as the distribution p/Σp exactly (see :mod:`numerics.divergences`).
SUM_TOLERANCE = 1e-6
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
#: smallest σ of :func:`normal_parameters`: the KL integrands peak near |log σ|/(σ√2π), which stays
#: below the float range (≈ 7e302 at σ = 1e-300; at σ = 2.3e-308 it overflows to inf)
MIN_SIGMA = 1e-300


def as_float_array(x: ArrayLike | object, name: str, *, check_finite: bool = True) -> NDArray[np.floating]:
    """``x`` as a float32/float64 array (integers and others become float64); NaN/inf rejected
    (unless ``check_finite=False``: for callers that check their result instead, see
    :func:`numerics.divergences.kl_normal`)."""
    if type(x) is np.ndarray and x.dtype.char in "fd":
        if not check_finite:
            return x  # the common case, without a call into NumPy
        arr: NDArray[np.floating] = x
    else:
        arr = real_numbers(x, name)
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


def real_numbers(x: object, name: str) -> NDArray[np.floating]:
    """``x`` as a real array: float32/float64 as they are, other floats and integers as float64.
    Rejected with a ValueError naming ``name``: what NumPy cannot convert (ragged nesting, a tensor
    that requires grad), complex (the imaginary part would be dropped), bool, strings and bytes
    (NumPy would parse ``"0.5"``), and object arrays holding anything but real numbers."""
    if x is None:
        raise ValueError(f"{name}: expected real numbers, got None")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged nesting, torch tensors that require grad, …
        raise ValueError(f"{name}: cannot be converted to an array ({exc})") from exc
    kind = arr.dtype.kind
    if arr.dtype.char in "fd":
        return arr
    if kind == "c":
        raise ValueError(f"{name}: expected real numbers, got dtype {arr.dtype} (complex values are not "
                         "allowed)")
    if kind == "O" and all(
        isinstance(e, numbers.Real) and not isinstance(e, bool | np.bool_) for e in arr.flat
    ):
        kind = "f"
    if kind not in "iuf":
        raise ValueError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64)


def real_array(value: object, name: str) -> NDArray[np.float64]:
    """A finite real float64 array for the seeds' programs (numerics.em, numerics.gan_dual):
    what :func:`real_numbers` rejects, and NaN/inf, raise a ValueError naming ``name``."""
    arr = real_numbers(value, name).astype(np.float64, copy=False)
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
    p: ArrayLike | object, name: str, *, normalize: bool = False, tolerance: float = SUM_TOLERANCE
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


def positive(x: ArrayLike | object, name: str, *, check_finite: bool = True) -> NDArray[np.floating]:
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


def real_number(value: object, name: str) -> float:
    """A finite real number (not bool, not complex, not a string); ValueError naming ``name``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: expected a real number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    return float(value)


def positive_number(value: object, name: str) -> float:
    """A finite real number > 0; ValueError naming ``name`` otherwise."""
    v = real_number(value, name)
    if not v > 0:
        raise ValueError(f"{name}: must be > 0, got {value!r}")
    return v


def integer(value: object, name: str, *, minimum: int) -> int:
    """A Python or NumPy integer ≥ ``minimum`` (bool, floats and strings are not integers here)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: expected an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: must be ≥ {minimum}, got {value!r}")
    return int(value)


def points(x: object, name: str) -> NDArray[np.float64]:
    """Real evaluation points as float64: ±inf allowed (a density is 0 there), NaN rejected."""
    arr = real_numbers(x, name).astype(np.float64, copy=False)
    if np.isnan(arr).any():
        raise ValueError(f"{name}: contains NaN")
    return arr


def normal_parameters(mu: object, sigma: object, *, span: float | None = None) -> tuple[float, float]:
    """(μ, σ) of a univariate Normal: finite reals, σ > 0; with ``span``, μ ± span·σ must be finite
    too (an integral over that interval)."""
    m, s = real_number(mu, "mu"), real_number(sigma, "sigma")
    if not s > 0:
        raise ValueError(f"sigma: the standard deviation must be > 0, got {sigma!r}")
    if s < MIN_SIGMA:
        raise ValueError(f"sigma: must be ≥ {MIN_SIGMA:g} (the quadrature's integrand, up to "
                         f"|log σ|/σ, must stay in the float range), got {sigma!r}")
    if span is not None and not (math.isfinite(m - span * s) and math.isfinite(m + span * s)):
        raise ValueError(f"mu, sigma: the interval mu ± {span:g} sigma overflows (mu = {mu!r}, "
                         f"sigma = {sigma!r})")
    return m, s


def probability_tuple(value: object, name: str, size: int) -> tuple[NDArray[np.float64], ...]:
    """A tuple (or list) of ``size`` probability vectors of one length (each summing to 1, see
    :func:`probability_vectors`); ValueError naming ``name`` and the position otherwise."""
    if isinstance(value, str | bytes) or not isinstance(value, tuple | list) or len(value) != size:
        raise ValueError(f"{name}: expected a tuple of {size} probability vectors, got "
                         f"{type(value).__name__}")
    vecs = tuple(probability_vectors(v, f"{name}[{i}]") for i, v in enumerate(value))
    if any(v.shape != vecs[0].shape for v in vecs):
        raise ValueError(f"{name}: the vectors differ in shape ({', '.join(str(v.shape) for v in vecs)})")
    return vecs


def probability_table(t: object, name: str) -> NDArray[np.float64]:
    """A 2-D table of probabilities (all entries together summing to 1, see
    :func:`probability_vectors`) whose rows all carry mass."""
    arr = as_float_array(t, name).astype(np.float64, copy=False)
    if arr.ndim != 2 or 0 in arr.shape:
        raise ValueError(f"{name}: expected a non-empty 2-D table, got shape {arr.shape}")
    probability_vectors(arr.ravel(), name)
    if (arr.sum(axis=1) <= 0).any():
        raise ValueError(f"{name}: every row needs positive mass (its conditional is 0/0 otherwise)")
    return arr
