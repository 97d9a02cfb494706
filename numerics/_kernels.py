"""Cancellation-free scalar kernels (vectorised). Each has a symbolic proof in
``derivations.stable_forms`` that it equals the textbook expression.

* :func:`xmlog1p` x − log(1 + x): Taylor series near 0, where the textbook form loses all
  digits, and the textbook form (log1p) elsewhere.
* :func:`expm1mx_series` e^u − 1 − u near 0 as 2 sinh²(u/2) + (sinh u − u), the odd part by its
  series (the exact route of the categorical KL, ``numerics.divergences._terms_from_log_ratio``,
  takes it through :func:`expm1mx`).
* :func:`kl_term` a·log(a/b) − a + b ≥ 0 (one summand of KL written as a sum of non-negative
  terms b·φ(a/b), φ(t) = t log t − t + 1), from a, b and their exactly computed difference
  d = a − b: with s = a + b and y = d/s it is s·[(1 + y)·atanh(y) − y] = d·y·S(y),
  S(y) = 1 + y(1 + y)·V(y²), V(w) = Σ_k w^k/(2k + 3) for |y| ≤ ½ (a 14-term polynomial
  within 0.57 ulp of V on [0, ¼], certified in ``derivations.kl_series_fit``), and
  beyond, with t = atanh(y) = ½ log(a/b): d·t + s·(t − y) for y ≥ −⅔ (a ≥ b/5), and
  a·log(a/b) − d for y < −⅔ (a ≪ b), where the first form's two terms cancel.
* :func:`expm1mx` e^u − 1 − u for every real u (series for |u| ≤ 1, expm1(u) − u beyond).
* :func:`two_product` / :func:`two_sum`: error-free transformations (Dekker, Knuth): a·b and
  a ± b as an unevaluated sum hi + lo, exactly.
* :func:`row_sum`: Σ over the last axis without BLAS (whose threads contend on a busy machine),
  independent of batching and memory layout.
* :func:`scratch` / :func:`scratch_bool`: the per-thread pool the kernels take temporaries from.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# sinh(u) − u = u³·Σ_{k≥0} u^{2k}/(2k + 3)!: |u| ≤ 1 needs 9 terms (tail < 1/21! < 2e-20,
# relative to e^u − 1 − u ≥ 0.36 u² there)
_SINHMX = [1.0 / math.factorial(2 * k + 3) for k in range(10)]
EXPM1MX_RADIUS = 1.0
# x − log(1 + x) = Σ_{k≥2} (−1)^k x^k / k: |x| ≤ 0.25 needs k up to 30
_XMLOG1P = [(-1.0) ** k / k for k in range(2, 34)]
# (1 + y)·atanh(y) − y = y²·S(y), S(y) = 1 + y(1 + y)·V(y²), V(w) = Σ_k w^k/(2k + 3). For
# |y| ≤ ½ (w ≤ ¼) V is evaluated as the polynomial interpolating it at the 14 Chebyshev points of
# [0, ¼] (``derivations.kl_series_fit.fitted_coefficients(14)``; its relative error ≤ 6.4e-17,
# 0.57 ulp, certified in ball arithmetic by ``certified_relative_error`` — the 26-term Taylor
# series it replaces: 6.5e-17). The series reaches ½ rather than ¼ because between the two the
# other form, d·L/2 + s·(L/2 − y), magnifies the logarithm's rounding up to ~5× (at y = ¼:
# (1 + y)·atanh y / ((1 + y)·atanh y − y))
_V = [
    float.fromhex("0x1.5555555555555p-2"),
    float.fromhex("0x1.9999999999ad1p-3"),
    float.fromhex("0x1.249249247e911p-3"),
    float.fromhex("0x1.c71c71d6cc5d1p-4"),
    float.fromhex("0x1.745d1406b992ep-4"),
    float.fromhex("0x1.3b1417e6e07dfp-4"),
    float.fromhex("0x1.1108e26d64a6dp-4"),
    float.fromhex("0x1.e2c342108eb1fp-5"),
    float.fromhex("0x1.a6c53053bf30cp-5"),
    float.fromhex("0x1.bdcd3cefa72cep-5"),
    float.fromhex("0x1.92cc88a36f708p-7"),
    float.fromhex("0x1.15aa7698edf42p-3"),
    float.fromhex("-0x1.27f230f3831a3p-3"),
    float.fromhex("0x1.b016cba23eee4p-3"),
]
# V's Taylor coefficients 1/(2k + 3) (its first _SMALL_TERMS serve |y| ≤ 2⁻¹⁰; the 26 the
# kernels used to take at |y| ≤ ½ are the reference ``derivations.kl_series_fit`` compares with)
_V_TAYLOR = [1.0 / (2 * k + 3) for k in range(26)]
#: a_i − max a below which a softmax-logits KL term p·(e^{−ℓ} − 1 + ℓ) is +0 in float64: p ≤ e^{a_i − max a}
#: (the row sum S ≥ 1) and e^{−ℓ} − 1 + ℓ ≤ max(e² − 3, ℓ) < e^{709.8} for ℓ ≥ −2, so the term is
#: below e^{−1500 + 709.8} < 2⁻¹⁰⁷⁵ and rounds to 0 (the scaled subnormal form 2⁻ᵏ·(p·2ᵏ) would
#: need an exponent k beyond a C int there)
LOGIT_TERM_ZERO_BELOW = -1500.0
#: x = σ₁/σ₂ − 1 between which the Normal KL takes x − log(1 + x) = x·s − 2s³V(s²),
#: s = x/(2 + x) (|s| ≤ ½ there, the range of the polynomial _V), instead of a logarithm
NORMAL_NEAR_BELOW, NORMAL_NEAR_ABOVE = -2.0 / 3.0, 2.0
#: the Normal KL's first-order correction takes its residuals from Dekker products, exact only
#: where no partial product underflows (|a·b| ≥ 2^(−1022+52)) and no splitting overflows
#: (|a| < 2^996): σ₂ below NORMAL_SCALE_BELOW (above 1/NORMAL_SCALE_BELOW), σ₁, σ₂ and μ₁ − μ₂
#: enter the correction multiplied by NORMAL_SCALE_UP (its inverse) — exact, and the residuals
#: are ratios, so scale-free — and a residual whose product is below DEKKER_PRODUCT_MIN is left
#: out (its term is then below the rounding of the result: σ₁/σ₂ or |μ₁ − μ₂|/σ₂ < 2⁻³⁶⁰)
NORMAL_SCALE_BELOW, NORMAL_SCALE_UP, DEKKER_PRODUCT_MIN = 2.0**-400, 2.0**600, 2.0**-960
#: |x| from which the Normal KL's near form corrects s = x/(2 + x) for its rounding (below, the
#: correction is beneath the result's rounding, and Dekker's residual of s·(2 + x) could underflow)
NORMAL_S_CORRECTED_FROM = 2.0**-900
#: |y| up to which kl_term uses the series
NEAR_Y = 0.5
#: |b − a| up to which the Bernoulli-logits KL takes p − q = −σ(a)σ(−b)·expm1(b − a) (beyond: p − q
#: or (1 − q) − (1 − p) from the rounded σ's). Measured: with 1, the search of
#: ``numerics.accuracy_search`` reached 16.3 ulp just past |b − a| = 1 and ≤ 2.7 one ulp inside;
#: with 2 its worst is 11.9 ulp (inside, by expm1), and on 6,000 pairs with 1 < |b − a| < 16 the
#: worst is 5.55 ulp with 2 or 16 (99.9th percentile 4.24 against 4.31)
BERNOULLI_LOGIT_EXPM1_BELOW = 2.0
# e^u − 1 − u = (cosh u − 1) + (sinh u − u) = w·Σ_k w^k/(2k + 2)! + u·w·Σ_k w^k/(2k + 3)!,
# w = u², for −1 ≤ u ≤ 2 (categorical logits): 13 terms each (at w = 4 the tails are below
# 4¹³/28! < 3e-22 of cosh 2 − 1); both series have positive terms, and the two parts cancel by
# at most a factor 2 (at u = −1), where e^u − 1 − u from a rounded e^u would lose up to 4 ulp
# (at u = 2: e^u ≈ 7.4 beside a result of 3.4)
COSHM1 = [1.0 / math.factorial(2 * k + 2) for k in range(13)]
SINHMX_WIDE = [1.0 / math.factorial(2 * k + 3) for k in range(13)]
#: the range of u where the categorical-logits terms use that series
EXPM1MX_WIDE_BELOW, EXPM1MX_WIDE_ABOVE = -1.0, 2.0


def expm1mx_wide(u: Array, ul: Array, ex: Array) -> Array:
    """e^v − 1 − v for v = u + ul ≤ 2 (ul: a correction far below u): on [−1, 2] the series
    above in w = u², w carried exactly as w_hi + w_lo (Dekker's product), plus (e^u − 1)·ul;
    below −1, (e^u − 1) − u + (e^u − 1)·ul from ``ex`` = e^u (rounded; there e^u − 1 ∈
    (−1, −0.63] is exact to within its own rounding and the result ≥ 0.37 |e^u − 1|). The
    operations of ``numerics._jit._expm1mx_wide``, in the same order."""
    with np.errstate(over="ignore", invalid="ignore"):
        w = u * u
        uh, ut = _split(u)
        w_lo = ((uh * uh - w) + 2.0 * (uh * ut)) + ut * ut
        c = _horner(COSHM1, w)
        sh = _horner(SINHMX_WIDE, w)
        cosh = c * w + c * w_lo
        sinh = (sh * w) * u
        part = cosh + sinh
        series = part + (part + u) * ul
        em = ex - 1.0
        below = (em - u) + em * ul
    inside = (u >= EXPM1MX_WIDE_BELOW) & (u <= EXPM1MX_WIDE_ABOVE)
    return np.where(inside, series, below)


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


def _series_near_zero(
    x: Array, textbook: Array, coeffs: list[float], radius: float, slot: str
) -> Array:
    """``textbook`` (computed from x everywhere; overwritten and returned), with x²·Σ c_k x^k
    substituted where |x| ≤ radius, i.e. where the textbook form cancels. The number of terms is
    fixed (all of ``coeffs``), so that every element's value depends on that element alone."""
    top = _abs_max(x)
    if top <= radius:  # all near zero: the series everywhere, in place
        poly = _horner(coeffs, x, out=textbook)
        poly *= x
        poly *= x
        return poly
    ax = np.abs(x, out=scratch(slot, x.shape))
    idx = np.flatnonzero(np.less_equal(ax, radius, out=scratch_bool(slot, x.shape)))
    if idx.size:
        xs = np.take(x, idx, out=scratch(slot + "_x", idx.shape), mode="clip")
        vals = _horner(coeffs, xs, out=scratch(slot + "_v", idx.shape))
        vals *= xs
        vals *= xs
        np.put(textbook, idx, vals, mode="clip")  # C-order flat indices, whatever the layout
    return textbook


def expm1mx_series(u: Array, top: float | None = None) -> Array:
    """e^u − 1 − u for |u| ≤ 1 as 2 sinh²(u/2) + (sinh u − u), the odd part by its series
    u³·Σ_k u^{2k}/(2k + 3)! (all 10 terms, whatever |u|: element-wise reproducible): half the
    Horner steps of the series of e^u − 1 − u itself. The parts are ≥ 0 and ≥ −|u|/3 of the
    whole, so nothing cancels. ``top`` is accepted for compatibility and ignored."""
    u = np.asarray(u, dtype=np.float64)
    w = u * u
    vals = _horner(_SINHMX, w)
    vals *= w
    vals *= u
    half = np.multiply(u, 0.5, out=np.empty(u.shape))
    np.sinh(half, out=half)
    half *= half
    half *= 2
    vals += half
    return vals


def expm1mx(u: Array, *, out: Array | None = None) -> Array:
    """e^u − 1 − u ≥ 0 for every real u (+inf where e^u overflows): the series of
    :func:`expm1mx_series` where |u| ≤ 1, expm1(u) − u elsewhere (its condition number there is
    ≤ 4.4 and falls towards 1 as |u| grows)."""
    u = np.asarray(u, dtype=np.float64)
    if out is None:
        out = np.empty(u.shape)
    if u.size == 0:
        return out
    with np.errstate(over="ignore", invalid="ignore"):
        np.expm1(u, out=out)
        out -= u
    au = np.abs(u, out=scratch("expm1mx_abs", u.shape))
    idx = np.flatnonzero(np.less_equal(au, EXPM1MX_RADIUS, out=scratch_bool("expm1mx_near", u.shape)))
    if idx.size == u.size:
        out[...] = expm1mx_series(u)
    elif idx.size:
        np.put(out, idx, expm1mx_series(np.take(u, idx, mode="clip")), mode="clip")
    return out


def xmlog1p(x: Array) -> Array:
    """x − log(1 + x) for x > −1, accurate to a few ulp for all x (series where |x| ≤ ¼)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.log1p(x, out=np.empty(x.shape))
    np.subtract(x, out, out=out)
    return _series_near_zero(x, out, _XMLOG1P, 0.25, "xmlog1p")


def _terms_needed(top: float) -> int:
    """Terms of V's Taylor series needed for |y| ≤ top < 0.2: the tail beyond n terms is
    < top^{2n+1}·(1 + top) relative to S ≥ 0.9, so n = ⌈(log(1e-17) − log top)/(2 log top)⌉."""
    if not 0.0 < top < 0.2:
        raise ValueError(f"top: expected 0 < top < 0.2 (the polynomial _V serves beyond), got {top}")
    return max(1, math.ceil((-39.2 - math.log(top)) / (2 * math.log(top))))


#: |y| at or below which V is its Taylor series cut after _SMALL_TERMS terms (each element's form
#: depends on its own |y| only, so results do not depend on the batch)
_SMALL_Y = 2.0**-10
_SMALL_TERMS = _terms_needed(_SMALL_Y)
_V_SMALL = _V_TAYLOR[:_SMALL_TERMS]


def _series_s(d: Array, y: Array, table: list[float], work: Array | None, out: Array | None) -> Array:
    w = np.multiply(y, y, out=work)
    poly = _horner(table, w, out=out)
    one_plus_y = np.add(y, 1.0, out=w)
    poly *= one_plus_y
    poly *= y
    poly += 1.0
    poly *= y
    poly *= d
    return poly


def _near(d: Array, y: Array, work: Array | None = None, out: Array | None = None) -> Array:
    """d·y·S(y) for |y| ≤ ½: V by the polynomial :data:`_V`, or by :data:`_SMALL_TERMS` terms
    of its Taylor series where |y| ≤ 2⁻¹⁰;
    ``work`` (same shape as y) is overwritten."""
    top = _abs_max(y)
    if top <= _SMALL_Y:
        return _series_s(d, y, _V_SMALL, work, out)
    small = np.flatnonzero(np.less_equal(np.abs(y, out=work), _SMALL_Y))
    if small.size:
        ys, ds = np.take(y, small, mode="clip"), np.take(d, small, mode="clip")
    out = _series_s(d, y, _V, work, out)
    if small.size:
        np.put(out, small, _series_s(ds, ys, _V_SMALL, None, None), mode="clip")
    return out


#: y = (a − b)/(a + b) below which kl_term uses a·log(a/b) − d (a < b/5)
FAR_BELOW = -2.0 / 3.0


def kl_term(a: Array, b: Array, d: Array, *, out: Array | None = None) -> Array:
    """a·log(a/b) − a + b for a, b ≥ 0 with d = a − b computed exactly by the caller.

    With s = a + b, y = d/s ∈ [−1, 1] and L = log(a/b) = 2 atanh(y):
    * |y| ≤ ½: d·y·S(y) (series, see the module docstring);
    * y > ½ and −⅔ ≤ y < −½: d·(L/2) + s·(L/2 − y): for y > 0 both terms are positive; for
      y < 0 they have opposite signs but the first is at most 2.4× the result there. The
      rounding of L is magnified at most ~2.5× there (at |y| = ½);
    * y < −⅔ (a < b/5): a·L − d, i.e. (b − a) − a·log(b/a): the second part is at most 0.7 of
      the first, so the condition number is ≤ 2.4, where the form above cancels without bound
      as a/b → 0 (d·L/2 and s·L/2 are both ≈ −b·L/2).
    L from log(a/b), whose relative accuracy holds up to a/b → 0 or ∞ (atanh of the rounded y
    would not), or log a − log b where a/b over- or underflows.
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
        if top <= NEAR_Y:  # all near-equal (the common case for trained VAEs): the series only
            return _near(d, y, work=s, out=out)
        t = np.abs(y, out=scratch("kl_t", a.shape))
        near = np.less_equal(t, NEAR_Y, out=scratch_bool("kl_near", a.shape))  # NaN: not near
        idx = np.flatnonzero(near)
        count = idx.size
        if count:  # gather into scratch; mode="clip" (indices are valid) avoids take's buffering
            yn = np.take(y, idx, out=scratch("kl_yn", (count,)), mode="clip")
            dn = np.take(d, idx, out=scratch("kl_dn", (count,)), mode="clip")
        very = np.flatnonzero(np.less(y, FAR_BELOW, out=scratch_bool("kl_very", a.shape)))
        np.divide(a, b, out=t)
        np.log(t, out=t)  # L
        if not (np.isfinite(t.min()) and np.isfinite(t.max())):
            # a/b over- or underflowed (or a or b is 0): log a − log b where both are positive
            # (libm's log, as the compiled kernels call it: NumPy's vectorised log may differ
            # from it in the last bit, and these rare elements are few)
            both = (a > 0) & (b > 0) & ~np.isfinite(t)
            pairs = zip(a[both].tolist(), b[both].tolist(), strict=True)
            t[both] = [math.log(x) - math.log(z) for x, z in pairs]
        if very.size:
            av = np.take(a, very, mode="clip")
            av *= np.take(t, very, mode="clip")
            av -= np.take(d, very, mode="clip")
        t *= 0.5
        out = np.subtract(t, y, out=out)
        out *= s
        t *= d
        out += t
        if very.size:
            np.put(out, very, av, mode="clip")
        if a.min() == 0:  # 0·log 0 = 0: the term is b
            np.copyto(out, b, where=a == 0)
    if count:
        vals = _near(dn, yn, work=scratch("kl_w", (count,)), out=scratch("kl_poly", (count,)))
        np.put(out, idx, vals, mode="clip")  # C-order flat indices, whatever out's layout
    return out


# ---------------------------------------------------------------------------- exact arithmetic
_SPLIT = 134217729.0  # 2^27 + 1 (Veltkamp)


def _split(x: Array) -> tuple[Array, Array]:
    c = _SPLIT * x
    hi = c - (c - x)
    return hi, x - hi


def two_product(a: Array, b: Array) -> tuple[Array, Array]:
    """(hi, lo) with hi = fl(a·b) and hi + lo = a·b exactly (Dekker), for |a·b| well inside the
    float range (|a|, |b| < 2^996, products not subnormal)."""
    hi = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    lo = ((ah * bh - hi) + ah * bl + al * bh) + al * bl
    return hi, lo


def two_sum(a: Array, b: Array) -> tuple[Array, Array]:
    """(hi, lo) with hi = fl(a + b) and hi + lo = a + b exactly (Knuth), for finite a, b."""
    hi = a + b
    bb = hi - a
    lo = (a - (hi - bb)) + (b - bb)
    return hi, lo


def row_sum(x: Array, *, keepdims: bool = False) -> Array:
    """Σ over the last axis of a C-contiguous float64 copy (if x is not one already) with NumPy's
    own reduction, without BLAS (whose threads contend on a busy machine). On a C-contiguous
    array NumPy sums every row by the same routine (pairwise blocks of 8 partial sums, error
    ≤ ~log₂ K · ε · Σ|x|), so a row's sum does not depend on the batch around it or on the
    memory layout of the input (``tests/numerics/test_divergence_regimes.py`` checks both)."""
    x = np.asarray(x, dtype=np.float64)
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    if x.ndim == 0:
        raise ValueError("x: row_sum needs at least one axis")
    with np.errstate(over="ignore", invalid="ignore"):
        total: Array = np.add.reduce(x, axis=-1)
    return total[..., None] if keepdims else total
