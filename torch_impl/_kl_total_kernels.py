"""Compiled CPU loops (numba) for the VAE's KL total Σ ½(e^ℓ − 1 − ℓ + μ²) (Kingma & Welling 2014,
App. B), used by :func:`torch_impl.kl.kl_standard_normal_total` for CPU float32/float64 tensors.

The caller passes e = exp(ℓ), evaluated in float64 by NumPy's vectorised exp (error ≤ 1 ulp; the
worst measured on 30,000 points is 0.65 ulp, as torch's); one pass then forms every term into that
buffer and a second sums it. Forms (u = ℓ, f(u) = e^u − 1 − u ≥ 0):

* float64, −1 ≤ u ≤ 1.7: f = u²·Σ_{k<21} u^k/(k+2)!. The first omitted term is below
  1.7²¹/23! < 2.7e-18 of u², ≤ 0.013 ulp of f; on this interval (e − 1) − u would lose up to a
  factor e^u/f(u) of exp's error to cancellation (11 at u = ½). u² is split exactly into
  hi + lo where the hardware has an FMA, and the series is added to ½hi.
* float64 elsewhere: (e − 1) − u. For u > 1.7, e/f < 2; for u < −1, f > 0.36 while |e − 1| < 1:
  exp's ulp and two roundings are at most 3.5 ulp of f. Measured worst per term, series
  included: 2.10 ulp on 20,000 random points (``tests/torch_impl/test_kl_total_kernels.py``).
* float32 inputs (in float64): f = v²·Σ_{k<5} v^k/(k+2)! for |v| ≤ 2⁻⁶ (truncation < 4e-13
  relative), (e − 1) − v beyond (exp's error relative to f < 2e-12): every term within 1e-11 of
  exact, far below float32's ε = 1.2e-7; the float64 total is rounded once to float32.

Each term is ½f + (½μ)·μ: ½(f + μ²) with at most the same roundings (one fewer where contracted
to an FMA), and without the spurious overflow of μ² where ½μ² is representable. The terms are
non-negative, so the total's relative error is at most the worst term's plus the summation's:
blocks of 128 in 8 lanes (NumPy's pairwise leaf), the block sums accumulated with Knuth's
two-sum — at most NumPy's pairwise error.

Non-finite inputs give a non-finite total: μ = ±inf gives a +inf term; NaN propagates; ℓ = −inf
gives f = +inf and ℓ = +inf gives (inf − 1) − inf = NaN. No finite input gives a NaN term (an
overflowing one is +inf), and a total that overflows is returned as +inf, never NaN, so the
caller looks for bad inputs only when the total is not finite.

Compiled with ``error_model="numpy"`` (no exceptions), the GIL released, and only the ``contract``
fast-math flag (a·b + c may become one FMA, which rounds once instead of twice; nothing is
reassociated); the machine code is cached as :mod:`numerics._jit`'s
(:mod:`numerics._compile_cache`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar, cast

import numba
import numpy as np

from numerics._compile_cache import attach

_F = TypeVar("_F", bound=Callable[..., object])

#: 1/(k+2)!, k = 0…20: the Taylor coefficients of f(u)/u² (each correctly rounded)
_SERIES = np.array([1 / math.factorial(k + 2) for k in range(21)])
_SERIES_LOW, _SERIES_HIGH = -1.0, 1.7
#: the first five, for float32 inputs on |v| ≤ 2⁻⁶
_NARROW_SERIES = _SERIES[:5].copy()
_NARROW_RADIUS = 2.0**-6
_BLOCK = 128


def _compiled(fn: _F) -> _F:
    return cast(_F, attach(numba.njit(nogil=True, error_model="numpy", fastmath={"contract"})(fn), fn))


@_compiled
def _block_sum(a: np.ndarray, start: int, stop: int) -> float:
    """Σ a[start:stop] in 8 lanes (NumPy's pairwise leaf), the lanes added pairwise."""
    r0 = r1 = r2 = r3 = r4 = r5 = r6 = r7 = 0.0
    i = start
    while i + 8 <= stop:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < stop:
        s += a[i]
        i += 1
    return s


@_compiled
def _sum_nonnegative(a: np.ndarray) -> float:
    """Σ a over a 1-d float64 array of non-negative terms: blocks of 128 in 8 lanes, the block sums
    accumulated with two-sum (Knuth). A total that overflows is +inf (the compensation, then NaN,
    is dropped); a NaN term gives NaN."""
    hi = 0.0
    lo = 0.0
    full = a.size // _BLOCK
    for b in range(full + 1):
        start = b * _BLOCK
        if b < full:  # a fixed trip count, which the compiler unrolls and vectorises
            r0 = r1 = r2 = r3 = r4 = r5 = r6 = r7 = 0.0
            for j in range(_BLOCK // 8):
                i = start + 8 * j
                r0 += a[i]
                r1 += a[i + 1]
                r2 += a[i + 2]
                r3 += a[i + 3]
                r4 += a[i + 4]
                r5 += a[i + 5]
                r6 += a[i + 6]
                r7 += a[i + 7]
            s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        else:
            s = _block_sum(a, start, a.size)
        t = hi + s
        bp = t - hi
        lo += (hi - (t - bp)) + (s - bp)
        hi = t
    return hi + lo if hi - hi == 0.0 else hi


@_compiled
def _terms_float64(mu: np.ndarray, logvar: np.ndarray, e: np.ndarray) -> None:
    """e ← ½f(ℓ) + (½μ)μ elementwise (e = exp(ℓ) on entry), branch-free so that it vectorises.

    f/u² − ½ = u·q(u), q = Σ_{k=1}^{20} u^{k−1}/(k+2)!: Horner in u over k ≤ 6, the terms k ≥ 7
    (together below 8e-5, while q ≥ 0.13 on −1 ≤ u ≤ 1.7, so their roundings weigh below 0.01
    ulp) as two interleaved chains in u², which shortens the dependency chain."""
    for i in range(mu.size):
        u = logvar[i]
        m = mu[i]
        hi = u * u
        lo = u * u - hi  # the exact low part where u·u − hi contracts to an FMA, else 0
        even = _SERIES[19]
        odd = _SERIES[20]
        for k in range(17, 6, -2):
            even = even * hi + _SERIES[k]
            odd = odd * hi + _SERIES[k + 1]
        q = even + u * odd
        for k in range(6, 0, -1):
            q = q * u + _SERIES[k]
        series = 0.5 * hi + (0.5 * lo + hi * (u * q))
        f = series if (u >= _SERIES_LOW) & (u <= _SERIES_HIGH) else (e[i] - 1.0) - u
        e[i] = 0.5 * f + (0.5 * m) * m


@_compiled
def total_float64(mu: np.ndarray, logvar: np.ndarray, e: np.ndarray) -> float:
    """Σ ½(e^ℓ − 1 − ℓ + μ²) over 1-d float64 ``mu``, ``logvar`` of one size; ``e`` = exp(ℓ)
    (float64, same size) on entry, overwritten with the terms."""
    _terms_float64(mu, logvar, e)
    return _sum_nonnegative(e)


@_compiled
def _terms_float32(mu: np.ndarray, logvar: np.ndarray, e: np.ndarray) -> None:
    """e ← ½f(v) + (½μ)μ in float64 for float32 μ, v (e = exp(v) in float64 on entry)."""
    for i in range(mu.size):
        v = np.float64(logvar[i])
        m = np.float64(mu[i])
        q = _NARROW_SERIES[4]
        for k in range(3, -1, -1):
            q = q * v + _NARROW_SERIES[k]
        f = (v * v) * q if abs(v) <= _NARROW_RADIUS else (e[i] - 1.0) - v
        e[i] = 0.5 * f + (0.5 * m) * m


@_compiled
def total_float32(mu: np.ndarray, logvar: np.ndarray, e: np.ndarray) -> float:
    """Σ ½(e^v − 1 − v + μ²) over 1-d float32 ``mu``, ``logvar`` of one size, in float64 and
    rounded once to float32 (+inf beyond its range); ``e`` = exp(v) in float64 on entry,
    overwritten with the terms."""
    _terms_float32(mu, logvar, e)
    return np.float32(_sum_nonnegative(e))
