"""Cancellation-free scalar kernels (vectorised). Each has a symbolic proof in
``derivations.stable_forms`` that it equals the textbook expression.

* :func:`xmlog1p` x − log(1 + x): Taylor series near 0, where the textbook form loses all
  digits, and the textbook form (log1p) elsewhere.
* :func:`expm1mx_series` e^u − 1 − u near 0 as 2 sinh²(u/2) + (sinh u − u), the odd part by its
  series (``numerics.divergences.kl_normal`` uses expm1(u) − u away from 0).
* :func:`kl_term` a·log(a/b) − a + b ≥ 0 (one summand of KL written as a sum of non-negative
  terms b·φ(a/b), φ(t) = t log t − t + 1), from a, b and their exactly computed difference
  d = a − b: with s = a + b and y = d/s it is s·[(1 + y)·atanh(y) − y] = d·y·S(y),
  S(y) = 1 + y(1 + y)·V(y²), V(w) = Σ_k w^k/(2k + 3) (14 terms) for |y| ≤ ¼, and
  d·t + s·(t − y) with t = atanh(y) = ½ log(a/b) beyond.
* :func:`scratch` / :func:`scratch_bool`: the per-thread pool the kernels take temporaries from.
"""

from __future__ import annotations

import bisect
import functools
import math
import threading

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# sinh(u) − u = u³·Σ_{k≥0} u^{2k}/(2k + 3)!: |u| ≤ ½ needs 7 terms (tail < 1e-19 relative)
_SINHMX = [1.0 / math.factorial(2 * k + 3) for k in range(8)]
# x − log(1 + x) = Σ_{k≥2} (−1)^k x^k / k: |x| ≤ 0.25 needs k up to 30
_XMLOG1P = [(-1.0) ** k / k for k in range(2, 34)]
# (1 + y)·atanh(y) − y = y²·S(y), S(y) = 1 + y(1 + y)·V(y²), V(w) = Σ_k w^k/(2k + 3):
# |y| ≤ ¼ needs 14 terms (tail ≤ ¼·(5/4)·Σ_{k≥14} 16⁻ᵏ/(2k+3) < 1e-18)
_V = [1.0 / (2 * k + 3) for k in range(14)]


def _horner(coeffs: list[float], x: Array, out: Array | None = None) -> Array:
    """Σ_k coeffs[k]·x^k by Horner's rule in place, in ``out`` (which must not alias x)."""
    if out is None:
        out = np.full_like(x, coeffs[-1])
    else:
        out.fill(coeffs[-1])
    for c in reversed(coeffs[:-1]):
        out *= x
        out += c
    return out


# ---------------------------------------------------------------------------- scratch buffers
# At 10⁶ elements these kernels are bound by memory traffic, and a freshly allocated 8 MB array
# costs more in page faults than the arithmetic done in it. Temporaries therefore come from a
# small per-thread pool, reused across calls; results handed to the caller are always fresh.

_POOL = threading.local()
_POOL_MAX_ELEMENTS = 1 << 24  # larger temporaries (> 128 MB each) are allocated per call


def _pooled(kind: str, slot: str, shape: tuple[int, ...], dtype: type) -> NDArray:
    views: dict[str, NDArray] = _POOL.__dict__.setdefault(kind, {})
    view = views.get(slot)
    if view is not None and view.shape == shape:  # the same temporary as last time
        return view
    n = math.prod(shape)
    if n > _POOL_MAX_ELEMENTS:
        return np.empty(shape, dtype=dtype)
    base = view.base if view is not None and view.base is not None else view
    if base is None or base.size < n:
        base = np.empty(n, dtype=dtype)
    views[slot] = view = base[:n].reshape(shape)
    return view


def scratch(slot: str, shape: tuple[int, ...]) -> Array:
    """A float64 temporary of ``shape`` from this thread's pool (contents undefined). Two live
    temporaries must use different ``slot`` names; never return one to a caller."""
    return _pooled("float64", slot, shape, np.float64)


def scratch_bool(slot: str, shape: tuple[int, ...]) -> NDArray[np.bool_]:
    """A boolean temporary of ``shape`` from this thread's pool (see :func:`scratch`)."""
    return _pooled("bool", slot, shape, np.bool_)


def _abs_max(x: Array) -> float:
    """max |x| without a temporary (NaN if x has a NaN)."""
    return max(float(x.max()), -float(x.min())) if x.size else 0.0


@functools.cache
def _series_bounds(coeffs: tuple[float, ...], ratio: float) -> tuple[float, ...]:
    """bounds[n−1]: the largest |x| for which the first n coefficients suffice (see below)."""
    return tuple((1e-17 * ratio * abs(coeffs[0]) / abs(coeffs[n])) ** (1 / n) for n in range(1, len(coeffs)))


def _series_terms(coeffs: list[float], top: float, ratio: float) -> int:
    """Number of leading coefficients whose truncation costs < 1e-17 relative at |x| ≤ top, for
    series whose terms are ≤ |c_k|·top^k and whose value is ≥ ``ratio``·c₀: the first n with
    |c_n|·top^n below that (all of them if none is)."""
    bounds = _series_bounds(tuple(coeffs), ratio)
    return min(bisect.bisect_left(bounds, top) + 1, len(coeffs)) if top > 0 else 1


def _series_near_zero(
    x: Array, textbook: Array, coeffs: list[float], radius: float, slot: str
) -> Array:
    """``textbook`` (computed from x everywhere; overwritten and returned), with x²·Σ c_k x^k
    substituted where |x| ≤ radius, i.e. where the textbook form cancels."""
    top = _abs_max(x)
    if top <= radius:  # all near zero: the series everywhere, in place
        poly = _horner(coeffs[: _series_terms(coeffs, top, 0.5)], x, out=textbook)
        poly *= x
        poly *= x
        return poly
    ax = np.abs(x, out=scratch(slot, x.shape))
    idx = np.flatnonzero(np.less_equal(ax, radius, out=scratch_bool(slot, x.shape)))
    if idx.size:
        xs = np.take(x, idx, out=scratch(slot + "_x", idx.shape), mode="clip")
        vals = _horner(coeffs[: _series_terms(coeffs, radius, 0.5)], xs, out=scratch(slot + "_v", idx.shape))
        vals *= xs
        vals *= xs
        np.put(textbook, idx, vals, mode="clip")  # C-order flat indices, whatever the layout
    return textbook


def expm1mx_series(u: Array, top: float | None = None) -> Array:
    """e^u − 1 − u for |u| ≤ ½ as 2 sinh²(u/2) + (sinh u − u), the odd part by its series
    u³·Σ_k u^{2k}/(2k + 3)! (7 terms at |u| ≤ ½, fewer when max |u| is smaller): half the Horner
    steps of the series of e^u − 1 − u itself. The parts are ≥ 0 and ≥ −|u|/3 of the whole.
    ``top``: a bound on |u| if the caller knows one (else max |u| is measured)."""
    top = min(_abs_max(u) if top is None else top, 0.5)
    w = u * u
    # truncating Σ costs |u|³·tail; e^u − 1 − u ≥ 0.426·u² on |u| ≤ ½, so the tail may be
    # 1e-17 · 0.426/|u| ≈ 1e-17 · (2.5/top)·c₀ with c₀ = 1/6
    vals = _horner(_SINHMX[: _series_terms(_SINHMX, top * top, 2.5 / top if top else 1.0)], w)
    vals *= w
    vals *= u
    half = np.multiply(u, 0.5)
    np.sinh(half, out=half)
    half *= half
    half *= 2
    vals += half
    return vals


def xmlog1p(x: Array) -> Array:
    """x − log(1 + x) for x > −1, accurate to a few ulp for all x (series where |x| ≤ ¼)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.log1p(x, out=np.empty(x.shape))
    np.subtract(x, out, out=out)
    return _series_near_zero(x, out, _XMLOG1P, 0.25, "xmlog1p")


def _terms_needed(top: float) -> int:
    """Terms of V needed for |y| ≤ top: the tail beyond n terms is < top^{2n+1}·(1 + top) relative
    to S ≥ 0.9, so n = ⌈(log(1e-17) − log top)/(2 log top)⌉, at most all 14."""
    if top >= 0.2:
        return len(_V)
    t = max(top, 1e-300)
    return max(1, min(len(_V), math.ceil((-39.2 - math.log(t)) / (2 * math.log(t)))))


def _near(d: Array, y: Array, top: float, work: Array | None = None, out: Array | None = None) -> Array:
    """d·y·S(y) for |y| ≤ top ≤ ¼; ``work`` (same shape as y) is overwritten."""
    w = np.multiply(y, y, out=work)
    poly = _horner(_V[: _terms_needed(top)], w, out=out)
    one_plus_y = np.add(y, 1.0, out=w)
    poly *= one_plus_y
    poly *= y
    poly += 1.0
    poly *= y
    poly *= d
    return poly


def kl_term(a: Array, b: Array, d: Array, *, out: Array | None = None) -> Array:
    """a·log(a/b) − a + b for a, b ≥ 0 with d = a − b computed exactly by the caller.

    With s = a + b and y = d/s ∈ [−1, 1], t = atanh(y) = ½ log(a/b):
    * |y| ≤ ¼: d·y·S(y) (series, see the module docstring);
    * |y| > ¼: d·t + s·(t − y): two terms of the sign of y, so nothing cancels between them, and
      the cancellation inside t − y costs at most ~4 ulp of the result (that part weighs ≤ y/3);
      t from log(a/b), whose relative accuracy holds up to a/b → 0 or ∞ (atanh of the rounded y
      would not).
    0·log 0 = 0 (a = 0 gives b); a > 0 = b gives +inf (support mismatch).

    ``out``: where to write the result (a fresh array if None; see :func:`scratch`)."""
    a, b, d = (np.asarray(v, dtype=np.float64) for v in (a, b, d))
    if not (a.shape == b.shape == d.shape):
        a, b, d = np.broadcast_arrays(a, b, d)
    if out is None:
        out = np.empty(a.shape)  # explicit: ufuncs would turn 0-d results into scalars
    if a.size == 0:
        return out
    s = np.add(a, b, out=scratch("kl_s", a.shape))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y = np.divide(d, s, out=scratch("kl_y", a.shape))
        top = _abs_max(y)  # NaN (a = b = 0) makes top NaN
        if top <= 0.25:  # all near-equal (the common case for trained VAEs): the series only
            return _near(d, y, top, work=s, out=out)
        t = np.abs(y, out=scratch("kl_t", a.shape))
        near = np.less_equal(t, 0.25, out=scratch_bool("kl_near", a.shape))  # NaN: not near
        idx = np.flatnonzero(near)
        count = idx.size
        if count:  # gather into scratch; mode="clip" (indices are valid) avoids take's buffering
            yn = np.take(y, idx, out=scratch("kl_yn", (count,)), mode="clip")
            dn = np.take(d, idx, out=scratch("kl_dn", (count,)), mode="clip")
        np.divide(a, b, out=t)
        np.log(t, out=t)
        if not (np.isfinite(t.min()) and np.isfinite(t.max())):
            # a/b over- or underflowed (or a or b is 0): log a − log b where both are positive
            both = (a > 0) & (b > 0) & ~np.isfinite(t)
            t[both] = np.log(a[both]) - np.log(b[both])
        t *= 0.5
        out = np.subtract(t, y, out=out)
        out *= s
        t *= d
        out += t
        if a.min() == 0:  # 0·log 0 = 0: the term is b
            np.copyto(out, b, where=a == 0)
    if count:
        vals = _near(dn, yn, 0.25, work=scratch("kl_w", (count,)), out=scratch("kl_poly", (count,)))
        np.put(out, idx, vals, mode="clip")  # C-order flat indices, whatever out's layout
    return out
