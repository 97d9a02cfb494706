"""Cancellation-free scalar kernels (vectorised). Each has a symbolic proof in
``derivations.stable_forms`` that it equals the textbook expression.

* :func:`expm1mx` e^u − 1 − u; :func:`xmlog1p` x − log(1 + x): Taylor series near 0, where the
  textbook form loses all digits, and the textbook form (expm1, log1p) elsewhere.
* :func:`kl_term` a·log(a/b) − a + b ≥ 0 (one summand of KL written as a sum of non-negative
  terms b·φ(a/b), φ(t) = t log t − t + 1), from a, b and their exactly computed difference
  d = a − b: (d²/(a + b))·S(d/(a + b)) with the series S(y) = 1 + y/3 + y²/3 + y³/5 + y⁴/5 + …
  for |y| ≤ ¼, an atanh form for ¼ < |y| ≤ ½, the textbook form beyond.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.special import kl_div

Array = NDArray[np.float64]

# e^u − 1 − u = Σ_{k≥2} u^k / k!: |u| ≤ 0.5 needs terms up to k = 20 for 1e-17 relative
_EXPM1MX = [1.0 / math.factorial(k) for k in range(2, 22)]
# x − log(1 + x) = Σ_{k≥2} (−1)^k x^k / k: |x| ≤ 0.25 needs k up to 30
_XMLOG1P = [(-1.0) ** k / k for k in range(2, 34)]
# (1 + y)·atanh(y) − y = y²·S(y), S(y) = Σ_j c_j y^j with c = 1, 1/3, 1/3, 1/5, 1/5, …: |y| ≤ ½
_S = [1.0 / (2 * (j // 2) + 1) if j % 2 == 0 else 1.0 / (2 * ((j + 1) // 2) + 1) for j in range(60)]
_S_NEAR = _S[:27]  # |y| ≤ ¼: the tail Σ_{j≥27} |y|^j/(j+1) < 1e-17


def _horner(coeffs: list[float], x: Array) -> Array:
    out = np.full_like(x, coeffs[-1])
    for c in reversed(coeffs[:-1]):
        out = out * x + c
    return out


def _series_near_zero(x: Array, textbook: Array, coeffs: list[float], radius: float) -> Array:
    """``textbook`` (computed from x everywhere), with x²·Σ c_k x^k substituted on the gathered
    entries where |x| ≤ radius, i.e. where the textbook form cancels."""
    x = np.asarray(x, dtype=np.float64)
    flat_x = np.ascontiguousarray(x).reshape(-1)
    out = np.ascontiguousarray(textbook, dtype=np.float64).reshape(-1).copy()
    idx = np.flatnonzero(np.abs(flat_x) <= radius)
    if idx.size:
        xs = flat_x[idx]
        out[idx] = xs * xs * _horner(coeffs, xs)
    return out.reshape(x.shape)


def expm1mx(u: Array) -> Array:
    """e^u − 1 − u, accurate to a few ulp for all u (series where |u| ≤ ½)."""
    u = np.asarray(u, dtype=np.float64)
    return _series_near_zero(u, np.expm1(u) - u, _EXPM1MX, 0.5)


def xmlog1p(x: Array) -> Array:
    """x − log(1 + x) for x > −1, accurate to a few ulp for all x (series where |x| ≤ ¼)."""
    x = np.asarray(x, dtype=np.float64)
    return _series_near_zero(x, x - np.log1p(x), _XMLOG1P, 0.25)


def _terms_needed(top: float) -> int:
    """Terms of S needed for |y| ≤ top: the tail beyond n terms is ≤ topⁿ relative to S ≥ 0.9,
    so n = ⌈log(1e-17)/log(top)⌉ (all 27 for top > 0.2)."""
    if top > 0.2:
        return len(_S_NEAR)
    return max(1, min(len(_S_NEAR), int(np.ceil(-39.2 / np.log(max(top, 1e-300))))))


def kl_term(a: Array, b: Array, d: Array) -> Array:
    """a·log(a/b) − a + b for a, b ≥ 0 with d = a − b computed exactly by the caller.

    With s = a + b and y = d/s ∈ [−1, 1]:
    * |y| ≤ ¼: d·y·S(y), S by Horner (27 terms reach 1e-17);
    * ¼ < |y| ≤ ½: d·atanh(y) + s·(atanh(y) − y) (the same quantity; the cancellation inside
      atanh(y) − y costs at most ~4 ulp of the result because that part weighs ≤ y/3);
    * |y| > ½: the textbook form (``scipy.special.kl_div``), whose cancellation is then bounded
      by a factor 3.6.
    0·log 0 = 0 (a = 0 gives b); a > 0 = b gives +inf (support mismatch)."""
    a, b, d = (np.asarray(v, dtype=np.float64) for v in (a, b, d))
    a, b, d = np.broadcast_arrays(a, b, d)
    s = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        y = d / s
    ay = np.abs(y)
    shape = a.shape
    a, b, d, s, y, ay = (np.ascontiguousarray(v).reshape(-1) for v in (a, b, d, s, y, ay))
    yf, df, sf, ayf = y, d, s, ay
    near_mask = ayf <= 0.25  # NaN (a = b = 0) is in neither set: kl_div gives 0 there
    if near_mask.all():  # near-equal inputs (the common case for trained VAEs): no gather needed
        return (d * y * _horner(_S_NEAR[: _terms_needed(float(ayf.max()))], y)).reshape(shape)
    flat = kl_div(a, b)  # textbook form everywhere; rewritten below where it would cancel
    near = np.flatnonzero(near_mask)
    if near.size:
        yn = yf[near]
        flat[near] = df[near] * yn * _horner(_S_NEAR[: _terms_needed(float(np.abs(yn).max()))], yn)
    mid = np.flatnonzero((ayf > 0.25) & (ayf <= 0.5))
    if mid.size:
        ym = yf[mid]
        at = np.arctanh(ym)
        flat[mid] = df[mid] * at + sf[mid] * (at - ym)
    return flat.reshape(shape)
