"""Fused compiled loops (numba) for the divergences' hot paths.

Each kernel is the element-by-element transcription of a NumPy reference form in
:mod:`numerics._kernels` / :mod:`numerics.divergences` — the same branch forms, thresholds and
series term counts (the coefficient tables are those of :mod:`numerics._kernels`), evaluated in
one pass without temporaries. ``tests/numerics/test_jit_kernels.py`` compares every kernel with
its reference and with mpmath, and checks that a wrong variant is caught.

Rules that keep the results exact and reproducible:

* never ``fastmath`` (no reassociation, no contraction to FMA): every operation rounds as written;
  a fused multiply-add only where it is written (:func:`_fma`), and only where its one rounding
  is none: a product's exact residual, Dekker's low part in the NumPy forms (the same bits);
* ``error_model="numpy"``: x/0 is ±inf or NaN as in NumPy, never an exception;
* an element's value depends on that element alone, and a row's on that row alone: row sums run
  in one fixed order with compensation (:func:`_sum_add`, Knuth's two-sum: error ≈ ε of the sum
  plus K·ε² Σ|x|, below the pairwise sum's log₂K·ε), so results do not depend on the batch, the
  block a thread gets, or the memory layout (the callers pass C-contiguous rows);
* ``nogil=True``: :mod:`numerics._parallel` runs blocks of rows in its threads; the machine code
  is cached (:mod:`numerics._compile_cache`: ``numerics/__pycache__`` or another writable place,
  a read-only cache built beforehand, or, failing both, compiled in memory with one warning).
  Compilation is lazy: a kernel is compiled on its first call, so importing this module costs
  only numba's import.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic, overload

from numerics import _double_double as DD
from numerics import _jensen_shannon as JS
from numerics import _kernels as K
from numerics import _kl_kappa as BK
from numerics._compile_cache import attach

_F = TypeVar("_F", bound=Callable[..., object])


def _compiled(fn: _F) -> _F:
    """Compiled on first call: never fastmath, NumPy's error model (x/0 is ±inf or NaN, no
    exception), the GIL released, the machine code cached where it can be written or found
    (:mod:`numerics._compile_cache`; else compiled in memory, with one warning)."""
    return cast(_F, attach(numba.njit(nogil=True, error_model="numpy")(fn), fn))


def _inlined(fn: _F) -> _F:
    """:func:`_compiled`, and inlined into its callers by numba (``inline="always"``)."""
    return cast(_F, attach(numba.njit(nogil=True, error_model="numpy", inline="always")(fn), fn))

# the coefficient tables of the NumPy forms, frozen into the compiled code
_V = np.array(K._V)
_V_SMALL = np.array(K._V_SMALL)
_SMALL_TERMS = K._SMALL_TERMS
_SMALL_Y = K._SMALL_Y
_XMLOG1P = np.array(K._XMLOG1P)
_FAR_BELOW = K.FAR_BELOW
_NORMAL_NEAR_LOW, _NORMAL_NEAR_HIGH = K.NORMAL_NEAR_BELOW, K.NORMAL_NEAR_ABOVE
_NORMAL_TINY = 2.0**-1022  # the smallest normal float
_NORMAL_S_CORRECTED_FROM = K.NORMAL_S_CORRECTED_FROM
_NORMAL_SCALE_BELOW, _NORMAL_SCALE_UP = K.NORMAL_SCALE_BELOW, K.NORMAL_SCALE_UP
_DEKKER_PRODUCT_MIN = K.DEKKER_PRODUCT_MIN
_NEAR_Y = K.NEAR_Y
_LOGIT_EXPM1_BELOW = K.BERNOULLI_LOGIT_EXPM1_BELOW
_BIG = 2.0**500
_LOGIT_ZERO_BELOW = K.LOGIT_TERM_ZERO_BELOW

# the unrolled Horner chains below are written for these table lengths
_TABLES = (len(_V), _SMALL_TERMS, len(_XMLOG1P))
if _TABLES != (14, 3, 32):  # pragma: no cover - a table changed
    raise RuntimeError("numerics._jit: the series tables of numerics._kernels changed; update the kernels")
_SMALL_TOTAL = 2.0**-500
_LN2_HI, _LN2_LO = DD.LN2_HI, DD.LN2_LO
_MANTISSA_BITS, _ONE_BITS, _SQRT2 = DD.MANTISSA_BITS, DD.ONE_BITS, DD.SQRT2
_SMALLEST_NORMAL, _SUBNORMAL_SCALE = DD.SMALLEST_NORMAL, DD.SUBNORMAL_SCALE
_PHI_TAIL = np.array(JS.PHI_TAIL)
_PHI_TERMS = len(JS.PHI_TAIL)
_PHI_SERIES_BELOW = JS.SERIES_BELOW
_KAPPA_SERIES_BELOW = BK.SERIES_BELOW
_TINY_SUM, _TINY_SCALE = BK.TINY_SUM, BK.TINY_SCALE
_PIVOT_TOLERANCE = 4.0  # divergences.PIVOT_TOLERANCE
_EPS = 2.0**-52
_SPLIT = 134217729.0  # 2²⁷ + 1 (Veltkamp), as _kernels._split


@_compiled
def _horner(coeffs: np.ndarray, n: int, x: float) -> float:
    """Σ_{k<n} coeffs[k]·x^k, Horner's rule from the top (as ``_kernels._horner``)."""
    acc = coeffs[n - 1]
    for k in range(n - 2, -1, -1):
        acc = acc * x + coeffs[k]
    return acc


@_compiled
def xmlog1p(x: float) -> float:
    """x − log(1 + x): x²·Σ c_k x^k (all 32 terms) for |x| ≤ ¼, else x − log1p(x)
    (``_kernels.xmlog1p``)."""
    if abs(x) <= 0.25:
        return (_horner(_XMLOG1P, _XMLOG1P.size, x) * x) * x
    return x - math.log1p(x)


@_compiled
def kl_term_ell(a: float, b: float, d: float, ell: float) -> float:
    """a·log(a/b) − a + b from a, b ≥ 0, d = a − b exact and ell = log(a/b) as NumPy's ``log``
    of the rounded ratio gives it (used only where |y| > ½): the three forms of
    ``_kernels.kl_term`` chosen by y = d/(a + b) (series for |y| ≤ ½, the short series where
    |y| ≤ 2⁻¹⁰; a·L − d for y < −⅔; d·L/2 + s·(L/2 − y) otherwise); b where a = 0; L from
    log a − log b where a/b over- or underflowed."""
    s = a + b
    y = d / s
    if abs(y) <= _NEAR_Y:  # NaN (a = b = 0) is not near
        w = y * y
        poly = _horner(_V_SMALL, _SMALL_TERMS, w) if abs(y) <= _SMALL_Y else _horner(_V, _V.size, w)
        poly = poly * (y + 1.0)
        poly = poly * y
        poly = poly + 1.0
        poly = poly * y
        return poly * d
    if a == 0.0:
        return b
    if not (ell - ell == 0.0) and a > 0.0 and b > 0.0:  # a/b over- or underflowed
        ell = math.log(a) - math.log(b)
    if y < _FAR_BELOW:
        return a * ell - d
    t = ell * 0.5
    return (t - y) * s + t * d


@_compiled
def _two_sum(hi: float, x: float) -> tuple[float, float]:
    s = hi + x
    bb = s - hi
    return s, (hi - (s - bb)) + (x - bb)


@_compiled
def row_sums(x: np.ndarray, out: np.ndarray) -> None:
    """Compensated Σ over each row of a C-contiguous (n, K) array, in index order."""
    n, k = x.shape
    for r in range(n):
        hi = 0.0
        lo = 0.0
        for i in range(k):
            hi, e = _two_sum(hi, x[r, i])
            lo += e
        out[r] = hi + lo


# ---------------------------------------------------------------------------- categorical
# Three passes per chunk of rows: NumPy's vectorised log of p/q (SIMD; scalar libm calls would
# cost ten times more), the terms by a branch-free loop (every form computed, one selected per
# element: the compiler vectorises it), and the compensated row sums.


@_inlined
def _select_term(a: float, b: float, d: float, L: float, far_below: float) -> float:
    """:func:`kl_term_ell` without branches (every form computed, one selected) and without the
    log a − log b fix-up (:func:`kl_terms_fix`), so that loops over it vectorise; a·L − d is
    taken for y < ``far_below`` (:data:`_FAR_BELOW` = −⅔ as in :func:`kl_term_ell`, or −½ where
    L is known to a few ulp independently of a/b: :func:`kl_terms_log1p`)."""
    s = a + b
    y = d / s
    w = y * y
    big = _V[_V.size - 1]
    for k in range(_V.size - 2, -1, -1):  # a fixed count: unrolled by the compiler
        big = big * w + _V[k]
    small = (_V_SMALL[2] * w + _V_SMALL[1]) * w + _V_SMALL[0]
    poly = small if abs(y) <= _SMALL_Y else big
    near = (((poly * (y + 1.0)) * y + 1.0) * y) * d
    very = a * L - d
    t = L * 0.5
    far = (t - y) * s + t * d
    other = b if a == 0.0 else (very if y < far_below else far)
    return near if abs(y) <= _NEAR_Y else other


@_compiled
def kl_terms(p: np.ndarray, q: np.ndarray, ell: np.ndarray, terms: np.ndarray) -> int:
    """terms = :func:`kl_term_ell` (p, q, p − q, ell) elementwise on 1-d arrays (branch-free);
    returns how many elements need log a − log b (ell not finite with a, b > 0): the caller
    then runs :func:`kl_terms_fix`."""
    fix = 0
    for i in range(p.size):
        a = p[i]
        b = q[i]
        L = ell[i]
        terms[i] = _select_term(a, b, a - b, L, _FAR_BELOW)
        fix += (not (L - L == 0.0)) and a > 0.0 and b > 0.0
    return fix


@_compiled
def kl_terms_d(
    p: np.ndarray, q: np.ndarray, diff: np.ndarray, ell: np.ndarray, terms: np.ndarray
) -> int:
    """:func:`kl_terms` with the exact difference given (``diff`` = p − q known better than the
    rounded p − q, as for the complements 1 − p, 1 − q of Bernoulli KL and JSD)."""
    fix = 0
    for i in range(p.size):
        a = p[i]
        b = q[i]
        L = ell[i]
        terms[i] = _select_term(a, b, diff[i], L, _FAR_BELOW)
        fix += (not (L - L == 0.0)) and a > 0.0 and b > 0.0
    return fix


@_compiled
def kl_terms_log1p(
    p: np.ndarray, q: np.ndarray, diff: np.ndarray, ell: np.ndarray, terms: np.ndarray
) -> int:
    """:func:`kl_terms_d` for ℓ = log(p/q) formed as log1p(d/q) from an accurate d (Bernoulli
    logits, ``divergences._kl_bernoulli_logits_into``): ℓ then carries a few ulp of its own,
    not the rounding of a/b, and a·ℓ − d (condition ≤ 3.5 on −⅔ ≤ y < −½, a/b ∈ [⅕, ⅓)) is
    taken from y < −½ on instead of the (t − y)·s + t·d form, which magnifies that rounding
    ~2.5× and adds its own there (worst measured in that band: 8.0 → 4.0 ulp)."""
    fix = 0
    for i in range(p.size):
        a = p[i]
        b = q[i]
        L = ell[i]
        terms[i] = _select_term(a, b, diff[i], L, -0.5)
        fix += (not (L - L == 0.0)) and a > 0.0 and b > 0.0
    return fix


@_compiled
def kl_terms_d_fix(
    p: np.ndarray, q: np.ndarray, diff: np.ndarray, ell: np.ndarray, terms: np.ndarray
) -> None:
    """terms where a/b over- or underflowed (ell not finite, a, b > 0): L = log a − log b."""
    for i in range(p.size):
        a = p[i]
        b = q[i]
        if not (ell[i] - ell[i] == 0.0) and a > 0.0 and b > 0.0:
            terms[i] = kl_term_ell(a, b, diff[i], ell[i])


@_compiled
def kl_terms_fix(p: np.ndarray, q: np.ndarray, ell: np.ndarray, terms: np.ndarray) -> None:
    """terms where a/b over- or underflowed (ell not finite, a, b > 0): L = log a − log b."""
    for i in range(p.size):
        a = p[i]
        b = q[i]
        if not (ell[i] - ell[i] == 0.0) and a > 0.0 and b > 0.0:
            terms[i] = kl_term_ell(a, b, a - b, ell[i])


@_compiled
def transpose_pair(p: np.ndarray, q: np.ndarray, p_cols: np.ndarray, q_cols: np.ndarray) -> None:
    """p_cols = pᵀ, q_cols = qᵀ for (m, K) rows into (K, m) columns."""
    m, k = p.shape
    for r in range(m):
        for i in range(k):
            p_cols[i, r] = p[r, i]
            q_cols[i, r] = q[r, i]


@_inlined
def _categorical_cols_finish(
    acc: np.ndarray, negative: int, out: np.ndarray, status: np.ndarray, tolerance: float
) -> int:
    """The end of :func:`kl_categorical_cols` from its (8, m) compensated sums ``acc`` (hi, lo of
    Σp, Σq, Σ terms, Σ(p − q) per row) and its count of negative entries."""
    m = acc.shape[1]
    flags = 3 if negative else 0
    for r in range(m):  # P, Q, x = Σ(q − p)/P, base = Σ terms/P into rows 0, 2, 6, 4
        big_p = acc[0, r] + acc[1, r]
        big_q = acc[2, r] + acc[3, r]
        acc[0, r] = big_p
        acc[2, r] = big_q
        acc[6, r] = -(acc[6, r] + acc[7, r]) / big_p
        acc[4, r] = (acc[4, r] + acc[5, r]) / big_p
        flags |= (0 if abs(big_p - 1.0) <= tolerance else 1) | (0 if abs(big_q - 1.0) <= tolerance else 2)
    for r in range(m):  # φ₁ by the series, branch-free: vectorised across rows
        x = acc[6, r]
        poly = _XMLOG1P[31]
        for j in range(30, -1, -1):
            poly = poly * x + _XMLOG1P[j]
        corr = (poly * x) * x
        value = acc[4, r] - corr
        big_p = acc[0, r]
        big_q = acc[2, r]
        inside = big_p < _BIG and big_q < _BIG and big_p > _SMALL_TOTAL and big_q > _SMALL_TOTAL
        good = abs(x) <= 0.25 and corr * 8.0 <= value and inside
        out[r] = max(value, 0.0) if good else value
        status[r] = 0 if good else (2 if inside else 1)
    for r in range(m):  # rows beyond the series (rare): libm, as the reference
        if status[r] == 2 and abs(acc[6, r]) > 0.25:
            x = acc[6, r]
            if abs(x) <= 0.5:
                corr = xmlog1p(x)
            else:
                ratio = acc[2, r] / acc[0, r]
                corr = (ratio - 1.0) - math.log(ratio)
            value = acc[4, r] - corr
            if corr * 8.0 <= value:
                status[r] = 0
                out[r] = max(value, 0.0)
            else:
                out[r] = value
    return flags


@_inlined
def _comp_col(acc: np.ndarray, j: int, r: int, x: float) -> None:
    """acc[j, r] + acc[j + 1, r] (hi, lo) += x by Knuth's two-sum."""
    h = acc[j, r]
    s = h + x
    bb = s - h
    acc[j + 1, r] += (h - (s - bb)) + (x - bb)
    acc[j, r] = s


@_inlined
def _row_sums_add(acc: np.ndarray, r: int, a: float, b: float, t: float, d: float) -> None:
    """Row r's compensated sums (acc rows: hi, lo of Σp, Σq, Σ terms, Σ(p − q)) advanced by one
    entry: p = a, q = b, its term t and d = a − b."""
    _comp_col(acc, 0, r, a)
    _comp_col(acc, 2, r, b)
    _comp_col(acc, 4, r, t)
    _comp_col(acc, 6, r, d)


@_compiled
def kl_categorical_cols(
    p: np.ndarray, q: np.ndarray, terms: np.ndarray, out: np.ndarray, status: np.ndarray,
    tolerance: float,
) -> int:
    """The fast path of ``divergences._kl_categorical64_numpy`` for m rows given as columns
    (K, m) (:func:`transpose_pair`) with their terms (:func:`kl_terms`, same layout):
    (1/P) Σ terms − φ₁(Q/P), φ₁ = xmlog1p(x) from x = Σ(q − p)/P where |x| ≤ ½, (Q/P − 1) −
    log(Q/P) beyond; all sums compensated (Knuth's two-sum), each row's in index order. The rows
    advance together, one entry each per step, so the loops vectorise across rows while every
    row's arithmetic stays exactly that of a loop over the row alone.
    status[r] = 0: out[r] is the KL; 1: a total is outside [2⁻⁵⁰⁰, 2⁵⁰⁰] (the caller rescales
    the row and calls again); 2: φ₁ > KL/8 or NaN (the caller takes the exact route).

    Returns a validation pre-check for callers that have not validated yet: bit 1 (2) set if p
    (q) has a row whose total is NaN, inf or farther than ``tolerance`` from 1, both bits if
    either has a negative entry. Nothing set: both pass ``_validate.probability_vectors``'
    checks (NaN and inf make a total NaN or inf)."""
    k, m = p.shape
    acc = np.zeros((8, m))  # hi, lo of Σp, Σq, Σ terms, Σ(p − q) per row
    negative = 0
    for i in range(k):
        for r in range(m):
            a = p[i, r]
            b = q[i, r]
            negative += (a < 0.0) | (b < 0.0)
            _row_sums_add(acc, r, a, b, terms[i, r], a - b)
    return _categorical_cols_finish(acc, negative, out, status, tolerance)


# ---------------------------------------------------------------------------- Normal
# Two passes around NumPy's vectorised log (the function the NumPy reference
# ``divergences._kl_normal_into_numpy`` applies, so the two agree to the last bit); the compiled
# loops are branch-free (both forms computed for every element, one selected) so they vectorise.
# The parameters σ₁, σ₂, μ₁, μ₂ are contiguous 1-d arrays or floats (a scalar parameter, broadcast
# without materialising it: :func:`_at`); the work arrays are 1-d.


def _at(x: object, i: int) -> float:  # pragma: no cover - replaced by the overload in compiled code
    """x[i] for a 1-d array, x itself for a float (a broadcast scalar), in compiled code."""
    raise NotImplementedError


@overload(_at, inline="always")
def _at_overload(x: Any, i: Any) -> Callable[[Any, Any], float]:
    if isinstance(x, types.Array):

        def element(x: Any, i: Any) -> float:
            return x[i]

        return element

    def scalar(x: Any, i: Any) -> float:
        return x

    return scalar


@_compiled
def normal_ratios(s1: np.ndarray | float, s2: np.ndarray | float, x: np.ndarray, r: np.ndarray) -> None:
    """x = (σ₁ − σ₂)/σ₂ (σ₁ − σ₂ exact where σ₁/σ₂ ∈ [½, 2]) and r = σ₁/σ₂ (NumPy takes its log)."""
    for i in range(x.size):
        a = _at(s1, i)
        b = _at(s2, i)
        x[i] = (a - b) / b
        r[i] = a / b


@_inlined
def _split(a: float) -> tuple[float, float]:
    """(hi, lo), hi + lo = a, hi with 26 significant bits (Veltkamp, as ``_kernels._split``)."""
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


@_inlined
def _splits(v: float) -> bool:
    """Whether Veltkamp's splitting of v (:func:`_split`) stays finite."""
    c = _SPLIT * v
    return c - c == 0.0


def _fma_typing(typingctx: Any, a: Any, b: Any, c: Any) -> tuple[Any, Callable[..., Any]]:
    signature = types.float64(types.float64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.fma(*args)

    return signature, codegen


#: a·b + c rounded once (LLVM's ``llvm.fma``: the CPU's fused multiply-add instruction where it
#: has one, else libm's ``fma``; correctly rounded either way, so the bits do not depend on the
#: machine). Compiled code only.
_fma = cast(Callable[[float, float, float], float], intrinsic(_fma_typing))


@_inlined
def _product_residual(a: float, b: float, hi: float) -> float:
    """a·b − hi for hi = fl(a·b), exactly, by one fused multiply-add: the low part of Dekker's
    product (``_kernels.two_product``, which the NumPy forms keep) wherever that one is exact —
    its partial products above the underflow range, which the callers' ranges and guards ensure —
    so the bits are the same, at a twelfth of the operations. NaN where Dekker's splitting of a
    or b overflows (beyond ~2⁹⁹⁶), as his low part is there; where a·b overflows both are
    non-finite. ``tests/numerics/test_jit_kernels.py`` compares the two bit for bit."""
    lo = _fma(a, b, -hi)
    return lo if _splits(a) & _splits(b) else math.nan


@_inlined
def _half_f(x: float, ell: float) -> float:
    """½(ρ² − 1) − log ρ for ρ = σ₁/σ₂ = 1 + x, ell = log ρ (``divergences._kl_normal_into_numpy``):
    for ρ ∈ [⅓, 3] (x ∈ [−⅔, 2]) ½x² + (x·s − 2s³V(s²)), s = x/(2 + x) ∈ [−½, ½] — x − log(1 + x)
    without a logarithm, by the KL term's certified polynomial V, with s's rounding corrected to
    first order from the exact residual of s·(2 + x); beyond, ½x² + x − ell with ½x² and both sums
    carried exactly ((x/2)(x + 2) − ell where a splitting would overflow)."""
    t, t_lo = _two_sum(2.0, x)
    s = x / t
    w = s * s
    v = _V[13]
    for k in range(12, -1, -1):  # a fixed count: unrolled by the compiler
        v = v * w + _V[k]
    # s's rounding to first order: s* − s = (x − s·t − s·t_lo)/t, dg/ds = x − 6s²V (+ O(s⁴))
    ph = s * t
    ds = (((x - ph) - _product_residual(s, t, ph)) - s * t_lo) / t
    ds = ds if abs(x) >= _NORMAL_S_CORRECTED_FROM else 0.0
    near = (x * 0.5) * x + ((x * s - ((s * w) * v) * 2.0) + ds * (x - (6.0 * w) * v))
    # far: ½x² + x − ell with ½x² and the two sums carried exactly (error-free transformations)
    sq = x * x
    sq_lo = _product_residual(x, x, sq)
    hi, lo = _two_sum(sq * 0.5, x)
    hi, lo2 = _two_sum(hi, -ell)
    far = hi + ((lo + sq_lo * 0.5) + lo2)
    far = far if far - far == 0.0 else (x * 0.5) * (x + 2.0) - ell  # beyond the splitting's range
    return near if (x >= _NORMAL_NEAR_LOW) & (x <= _NORMAL_NEAR_HIGH) else far


@_inlined
def _normal_correction(
    a: float, b: float, y1: float, y2: float, x: float, r: float, z: float, use_r: bool, use_z: bool,
) -> float:
    """The first-order correction of :func:`_half_f` + ½z² for the roundings of x = (σ₁ − σ₂)/σ₂,
    of r = σ₁/σ₂ (whose log the far form takes; ``use_r``) and of z = (μ₁ − μ₂)/σ₂ (``use_z``),
    from their exact residuals (σ₁ − σ₂ and μ₁ − μ₂ by two-sums, the products' by
    :func:`_product_residual`, Dekker's in the NumPy form):
    x_lo·h'(x) − r_lo/r + z·z_lo, h'(x) = x + x/r near (r = 1 + x to the correction's accuracy),
    x + 1 far. 0 where it is not finite (a splitting overflowed: the values are far beyond where
    these roundings matter). σ₂ outside the range where Dekker's products are exact: σ₁, σ₂ and
    μ₁ − μ₂ scaled by a power of 2 first; a residual whose product is still below it: left out
    (``_kernels.NORMAL_SCALE_BELOW``)."""
    scale = _NORMAL_SCALE_UP if b < _NORMAL_SCALE_BELOW else 1.0
    scale = 1.0 / _NORMAL_SCALE_UP if b > 1.0 / _NORMAL_SCALE_BELOW else scale
    a = a * scale
    b = b * scale
    inv = 1.0 / b
    inv_r = 1.0 / r
    dh, dl = _two_sum(a, -b)
    ph = x * b
    x_lo = (((dh - ph) - _product_residual(x, b, ph)) + dl) * inv
    near = (x >= _NORMAL_NEAR_LOW) & (x <= _NORMAL_NEAR_HIGH)
    far = x_lo * (x + 1.0)
    if use_r:  # (computed for every element and selected: the loop stays branch-free)
        qh = r * b
        r_lo = (((a - qh) - _product_residual(r, b, qh)) * inv) * inv_r
        far = far - (r_lo if qh >= _DEKKER_PRODUCT_MIN else 0.0)
    corr = x_lo * (x + x * inv_r) if near else far
    if use_z:
        eh, el = _two_sum(y1, -y2)
        eh = eh * scale
        el = el * scale
        th = z * b
        z_lo = z * ((((eh - th) - _product_residual(z, b, th)) + el) * inv)
        corr = corr + (z_lo if abs(th) >= _DEKKER_PRODUCT_MIN else 0.0)
    return corr if corr - corr == 0.0 else 0.0


@_compiled
def normal_terms(
    m1: np.ndarray | float, s1: np.ndarray | float, m2: np.ndarray | float, s2: np.ndarray | float,
    x: np.ndarray, r: np.ndarray, ell: np.ndarray, out: np.ndarray,
) -> int:
    """out = ½f + ½z² (:func:`_half_f`, z = (μ₁ − μ₂)/σ₂) plus :func:`_normal_correction`, from x
    and r of :func:`normal_ratios` and ell = NumPy's log of r. Returns how many elements need
    :func:`normal_terms_fix`: σ ≤ 0 (or NaN), σ₁/σ₂ below the normal range (its logarithm from the
    rounded ratio would not do), μ₁ − μ₂ not finite, or a non-finite result."""
    bad = 0
    for i in range(out.size):
        a = _at(s1, i)
        b = _at(s2, i)
        y1 = _at(m1, i)
        y2 = _at(m2, i)
        diff = y1 - y2
        z = diff / b
        xi = x[i]
        value = (_half_f(xi, ell[i]) + (z * 0.5) * z) + _normal_correction(
            a, b, y1, y2, xi, r[i], z, True, True)
        out[i] = value
        bad += not ((a > 0.0) & (b > 0.0) & (r[i] >= _NORMAL_TINY) & (value - value == 0.0)
                    & (diff - diff == 0.0))
    return bad


@_compiled
def normal_terms_standard(m1: np.ndarray, s1: np.ndarray, ell: np.ndarray, out: np.ndarray) -> int:
    """:func:`normal_terms` for μ₂ = 0 and σ₂ = 1 — the standard Normal prior of a VAE — with the
    same bits and no ratio pass: with σ₂ = 1 the divisions are exact (x = σ₁ − 1, ρ = σ₁, z = μ₁,
    so ell = NumPy's log of σ₁ itself), and every residual of :func:`_normal_correction` is an
    exact zero but σ₁ − 1's two-sum low part x_lo, so the correction is x_lo·(x + x/σ₁) near and
    x_lo·(x + 1) far — 0 where a splitting of x, σ₁ or μ₁ overflows, as there (its NaN). A zero's
    sign may differ inside the correction, never in the value (the rest of the sum is not −0).
    Returns how many elements :func:`normal_terms` would report: the caller then takes the
    general passes (``tests/numerics/test_jit_kernels.py`` compares the two bit for bit)."""
    bad = 0
    for i in range(out.size):
        a = s1[i]
        y1 = m1[i]
        x, x_lo = _two_sum(a, -1.0)
        near = (x >= _NORMAL_NEAR_LOW) & (x <= _NORMAL_NEAR_HIGH)
        corr = x_lo * (x + x * (1.0 / a)) if near else x_lo * (x + 1.0)
        corr = corr if _splits(x) & _splits(a) & _splits(y1) & (corr - corr == 0.0) else 0.0
        value = (_half_f(x, ell[i]) + (y1 * 0.5) * y1) + corr
        out[i] = value
        bad += not ((a > 0.0) & (a >= _NORMAL_TINY) & (value - value == 0.0) & (y1 - y1 == 0.0))
    return bad


@_compiled
def normal_terms_fix(
    m1: np.ndarray | float, s1: np.ndarray | float, m2: np.ndarray | float, s2: np.ndarray | float,
    x: np.ndarray, r: np.ndarray, ell: np.ndarray, out: np.ndarray,
) -> int:
    """Where :func:`normal_terms` reported (and σ₁, σ₂ > 0): log ρ = log σ₁ − log σ₂ where σ₁/σ₂
    left the normal range or overflowed (no correction for r's rounding then); z = μ₁/σ₂ − μ₂/σ₂
    where μ₁ − μ₂ overflowed (no correction for z's). Returns how many elements still have σ ≤ 0
    (or NaN) or a non-finite result: the caller then runs the validators, which name the argument
    (if none is at fault, the KL overflowed and inf is right)."""
    bad = 0
    for i in range(out.size):
        a = _at(s1, i)
        b = _at(s2, i)
        y1 = _at(m1, i)
        y2 = _at(m2, i)
        diff = y1 - y2
        ratio = r[i]
        fine = (ratio >= _NORMAL_TINY) & (out[i] - out[i] == 0.0) & (diff - diff == 0.0)
        if (a > 0.0) & (b > 0.0) & (not fine):
            normal = (ratio >= _NORMAL_TINY) & (ratio - ratio == 0.0)
            lg = ell[i] if normal else math.log(a) - math.log(b)
            finite = diff - diff == 0.0
            z = diff / b if finite else y1 / b - y2 / b
            out[i] = (_half_f(x[i], lg) + (z * 0.5) * z) + _normal_correction(
                a, b, y1, y2, x[i], ratio, z, normal, finite)
        value = out[i]
        bad += not ((a > 0.0) & (b > 0.0) & (value - value == 0.0))
    return bad


# ---------------------------------------------------------------------------- MVN


@_compiled
def _cholesky_into(c: np.ndarray, out: np.ndarray) -> bool:
    """Lower Cholesky factor of the lower triangle of c (d, d) into out (Cholesky–Banachiewicz,
    sums in index order); False if a pivot is not above 4·d·ε of its diagonal entry (not
    positive definite, numerically singular, or NaN: ``divergences._cholesky``)."""
    d = c.shape[0]
    floor = _PIVOT_TOLERANCE * d * _EPS
    for j in range(d):
        for i in range(j, d):
            acc = c[i, j]
            for k in range(j):
                acc -= out[i, k] * out[j, k]
            if i == j:
                if not acc > floor * c[j, j]:
                    return False
                out[j, j] = math.sqrt(acc)
            else:
                out[i, j] = acc / out[j, j]
        for i in range(j):
            out[i, j] = 0.0
    return True


@_compiled
def _solve_lower_into(ll: np.ndarray, x: np.ndarray, cols: int) -> None:
    """x[:, :cols] ← L⁻¹ x[:, :cols] in place, forward substitution (``_triangular.solve_lower``)."""
    d = ll.shape[0]
    for c in range(cols):
        for i in range(d):
            acc = x[i, c]
            for k in range(i):
                acc -= ll[i, k] * x[k, c]
            x[i, c] = acc / ll[i, i]


@_compiled
def kl_mvn_batch(
    c1: np.ndarray, c2: np.ndarray, m1: np.ndarray, m2: np.ndarray, out: np.ndarray,
    status: np.ndarray, start: int, stop: int,
) -> None:
    """``divergences._kl_mvn_numpy`` for batch elements start…stop of (n, d, d) covariances and
    (n, d) means (rescaled by the caller): L₁, L₂ (Cholesky), [X | y] = L₂⁻¹[Σ₁ − Σ₂ | μ₂ − μ₁],
    B = L₂⁻¹Xᵀ symmetrised, R = chol(I + B) as its offset from I
    (``_triangular.shifted_cholesky``: R_jj from 1 + x_j where |x_j| ≤ ½, else L₁,jj/L₂,jj),
    KL = ½[Σ_j (x_j − log(1 + x_j)) + Σ_{i>j} R_ij² + ‖y‖²], x_j − log(1 + x_j) by
    :func:`xmlog1p` where |x_j| ≤ ½, else x_j − 2(log L₁,jj − log L₂,jj); sums compensated.
    status = 1 where a Cholesky factorisation fails (the caller reruns the reference, which
    names the argument)."""
    d = c1.shape[1]
    l1 = np.empty((d, d))
    l2 = np.empty((d, d))
    x = np.empty((d, d + 1))
    b = np.empty((d, d))
    r = np.zeros((d, d))
    rows = np.empty(d)
    for n in range(start, stop):
        if not (_cholesky_into(c1[n], l1) and _cholesky_into(c2[n], l2)):
            status[n] = 1
            out[n] = 0.0
            continue
        status[n] = 0
        for i in range(d):
            for j in range(d):
                x[i, j] = c1[n, i, j] - c2[n, i, j]
            x[i, d] = m2[n, i] - m1[n, i]
        _solve_lower_into(l2, x, d + 1)
        for i in range(d):  # b ← (L₂⁻¹ D)ᵀ, then L₂⁻¹ b
            for j in range(d):
                b[i, j] = x[j, i]
        _solve_lower_into(l2, b, d)
        for i in range(d):
            for j in range(i):
                sym = (b[i, j] + b[j, i]) / 2
                b[i, j] = sym
                b[j, i] = sym
        for i in range(d):
            rows[i] = 0.0
        t_hi = 0.0
        t_lo = 0.0
        for j in range(d):
            xj = b[j, j] - rows[j]
            if abs(xj) <= 0.5:
                term = xmlog1p(xj)
            else:
                term = xj - 2 * (math.log(l1[j, j]) - math.log(l2[j, j]))
            t_hi, e = _two_sum(t_hi, term)
            t_lo += e
            if j + 1 < d:
                rjj = math.sqrt(1 + xj) if abs(xj) <= 0.5 else l1[j, j] / l2[j, j]
                for i in range(j + 1, d):
                    acc = b[i, j]
                    for k in range(j):
                        acc -= r[i, k] * r[j, k]
                    col = acc / rjj
                    r[i, j] = col
                    rows[i] += col * col
        q_hi = 0.0
        q_lo = 0.0
        y_hi = 0.0
        y_lo = 0.0
        for i in range(d):
            q_hi, e = _two_sum(q_hi, rows[i])
            q_lo += e
            y_hi, e = _two_sum(y_hi, x[i, d] * x[i, d])
            y_lo += e
        value = ((t_hi + t_lo) + (q_hi + q_lo) + (y_hi + y_lo)) / 2
        out[n] = math.inf if value != value else value


# ---------------------------------------------------------------------------- Bernoulli logits
# Passes around NumPy's vectorised exp, expm1 and log1p (``divergences._kl_bernoulli_logits_into``).


@_compiled
def bernoulli_logit_split(
    a: np.ndarray, b: np.ndarray, top: float, na: np.ndarray, nb: np.ndarray, h: np.ndarray,
    lo: np.ndarray,
) -> int:
    """na = −|a|, nb = −|b| (clipped to [−top, 0]), b − a = h + lo exactly (two-sum). Returns
    how many elements have |a| or |b| beyond ``top`` (or NaN): the caller recomputes those."""
    beyond = 0
    for i in range(a.size):
        x = a[i]
        y = b[i]
        ax = abs(x)
        ay = abs(y)
        na[i] = -min(ax, top)
        nb[i] = -min(ay, top)
        s, e = _two_sum(y, -x)
        h[i] = s
        lo[i] = e
        beyond += not (ax <= top and ay <= top)
    return beyond


@_inlined
def _bernoulli_logit_at(
    x: float, y: float, t_x: float, t_y: float, h: float, em: float, lo: float
) -> tuple[float, float, float, float, float]:
    """(p, p0, q, q0, d) for one element (see :func:`bernoulli_logit_parts`)."""
    big_a = 1.0 / (1.0 + t_x)
    small_a = t_x * big_a
    big_b = 1.0 / (1.0 + t_y)
    small_b = t_y * big_b
    neg_a = x < 0.0
    neg_b = y < 0.0
    pa = small_a if neg_a else big_a
    pa0 = big_a if neg_a else small_a
    qb = small_b if neg_b else big_b
    qb0 = big_b if neg_b else small_b
    e = em + (em + 1.0) * lo  # expm1(h + lo) to first order in lo
    near = -(pa * qb0) * e
    direct = (pa - qb) if pa + qb <= 1.0 else (qb0 - pa0)
    di = near if abs(h) <= _LOGIT_EXPM1_BELOW else direct
    return pa, pa0, qb, qb0, di


@_compiled
def bernoulli_logit_parts(
    a: np.ndarray, b: np.ndarray, ta: np.ndarray, tb: np.ndarray, h: np.ndarray,
    em: np.ndarray, lo: np.ndarray, p: np.ndarray, p0: np.ndarray, q: np.ndarray, q0: np.ndarray,
    d: np.ndarray, nd: np.ndarray, r1: np.ndarray, r0: np.ndarray,
) -> None:
    """From t = e^{−|x|} and em = expm1(h), h + lo = b − a (h itself given): p = σ(a), p0 = σ(−a), q = σ(b),
    q0 = σ(−b) (σ(|x|) = 1/(1 + t), σ(−|x|) = t/(1 + t)); d = p − q = −σ(a)σ(−b)·expm1(b − a)
    where |h| ≤ 2 (``_kernels.BERNOULLI_LOGIT_EXPM1_BELOW``), else p − q or q0 − p0 (the smaller
    pair); nd = −d; r1 = d/q and r0 = −d/q0
    (log1p of them: log(p/q) and log(p0/q0))."""
    for i in range(a.size):
        pa, pa0, qb, qb0, di = _bernoulli_logit_at(a[i], b[i], ta[i], tb[i], h[i], em[i], lo[i])
        p[i] = pa
        p0[i] = pa0
        q[i] = qb
        q0[i] = qb0
        d[i] = di
        nd[i] = -di
        r1[i] = di / qb
        r0[i] = -di / qb0


@_compiled
def bernoulli_logit_ratios(
    a: np.ndarray, b: np.ndarray, ta: np.ndarray, tb: np.ndarray, h: np.ndarray,
    em: np.ndarray, lo: np.ndarray, r1: np.ndarray, r0: np.ndarray,
) -> None:
    """Only r1 = d/q and r0 = −d/q0 of :func:`bernoulli_logit_parts` (the rest is recomputed,
    identically, by :func:`bernoulli_logit_terms`: less memory traffic than storing it)."""
    for i in range(a.size):
        _, _, qb, qb0, di = _bernoulli_logit_at(a[i], b[i], ta[i], tb[i], h[i], em[i], lo[i])
        r1[i] = di / qb
        r0[i] = -di / qb0


@_compiled
def bernoulli_logit_terms(
    a: np.ndarray, b: np.ndarray, ta: np.ndarray, tb: np.ndarray, h: np.ndarray,
    em: np.ndarray, lo: np.ndarray, ell1: np.ndarray, ell0: np.ndarray, out: np.ndarray,
) -> int:
    """out = :func:`kl_terms_log1p` (p, q, d, ell1) + :func:`kl_terms_log1p` (p0, q0, −d, ell0)
    with p, p0, q, q0, d recomputed by :func:`bernoulli_logit_parts`' arithmetic (the same bits),
    in one pass. Returns how many elements need log a − log b in either term (the caller then
    takes the separate passes, with :func:`kl_terms_d_fix`)."""
    fix = 0
    for i in range(a.size):
        pa, pa0, qb, qb0, di = _bernoulli_logit_at(a[i], b[i], ta[i], tb[i], h[i], em[i], lo[i])
        l1 = ell1[i]
        l0 = ell0[i]
        one = _select_term(pa, qb, di, l1, -0.5)
        zero = _select_term(pa0, qb0, -di, l0, -0.5)
        out[i] = one + zero
        fix += ((l1 - l1 != 0.0) & (pa > 0.0) & (qb > 0.0)) | ((l0 - l0 != 0.0) & (pa0 > 0.0) & (qb0 > 0.0))
    return fix


@_compiled
def kl_categorical_small(
    p: np.ndarray, q: np.ndarray, ell: np.ndarray, out: np.ndarray, status: np.ndarray,
    tolerance: float,
) -> int:
    """:func:`transpose_pair`, :func:`kl_terms` (with :func:`kl_terms_fix`) and
    :func:`kl_categorical_cols` in one call, for inputs small enough that the call overhead
    dominates: ``ell`` (m, K) = log(p/q) (NumPy's, as the large path takes it), p, q and ell
    C-contiguous (m, K) rows. Returns what :func:`kl_categorical_cols` returns, with bit 4 set
    if a row's status is not 0; every out[r] + 0.0 (−0.0 becomes +0.0)."""
    m, k = p.shape
    p_cols = np.empty((k, m))
    q_cols = np.empty((k, m))
    ell_cols = np.empty((k, m))
    for r in range(m):
        for i in range(k):
            p_cols[i, r] = p[r, i]
            q_cols[i, r] = q[r, i]
            ell_cols[i, r] = ell[r, i]
    return _categorical_small_cols(p_cols, q_cols, ell_cols, out, status, tolerance)


@_compiled
def categorical_ratio_cols(p: np.ndarray, q: np.ndarray, work: np.ndarray) -> None:
    """The first half of :func:`kl_categorical_small` outside NumPy's error state: for
    C-contiguous (m, K) rows p, q, work (4, K, m) gets work[0] = pᵀ, work[1] = qᵀ and
    work[2] = p/q (rounded as NumPy's ``divide`` rounds it) where that is positive or +inf, NaN
    where it is 0, negative or NaN, so that NumPy's ``log`` of work[2] raises no floating-point
    warning. A logarithm made NaN so is one the terms never use (a = 0), or one that marks the
    term for log a − log b as −inf does (a/b underflowed), or one of an input the pre-check
    refuses (a negative entry): :func:`kl_categorical_small_cols` then gives
    :func:`kl_categorical_small`'s bits (``tests/numerics/test_first_calls.py``)."""
    m, k = p.shape
    for r in range(m):
        for i in range(k):
            a = p[r, i]
            b = q[r, i]
            ratio = a / b
            work[0, i, r] = a
            work[1, i, r] = b
            work[2, i, r] = ratio if ratio > 0.0 else np.nan


@_compiled
def kl_categorical_small_cols(
    work: np.ndarray, out: np.ndarray, status: np.ndarray, tolerance: float
) -> int:
    """:func:`kl_categorical_small` from work (4, K, m) filled by :func:`categorical_ratio_cols`
    and work[3] = NumPy's log of work[2]."""
    return _categorical_small_cols(work[0], work[1], work[3], out, status, tolerance)


@_inlined
def _categorical_small_cols(
    p_cols: np.ndarray, q_cols: np.ndarray, ell_cols: np.ndarray, out: np.ndarray,
    status: np.ndarray, tolerance: float,
) -> int:
    """:func:`kl_terms` (with :func:`kl_terms_fix`) and :func:`kl_categorical_cols` over (K, m)
    columns in one pass: each term is formed where it is summed (no terms array) by the same
    operations, so the bits are those of the kernels in turn; where a ratio a/b over- or
    underflowed (rare) the pass is redone by them. Returns what :func:`kl_categorical_cols`
    returns, with bit 4 set if a row's status is not 0; every out[r] + 0.0 (−0.0 becomes +0.0)."""
    k, m = p_cols.shape
    acc = np.zeros((8, m))  # hi, lo of Σp, Σq, Σ terms, Σ(p − q) per row, as kl_categorical_cols
    negative = 0
    fix = 0
    for i in range(k):
        for r in range(m):
            a = p_cols[i, r]
            b = q_cols[i, r]
            L = ell_cols[i, r]
            negative += (a < 0.0) | (b < 0.0)
            d = a - b
            t = _select_term(a, b, d, L, _FAR_BELOW)
            fix += (not (L - L == 0.0)) and a > 0.0 and b > 0.0
            _row_sums_add(acc, r, a, b, t, d)
    if fix:  # log a − log b for some terms: the kernels in turn
        p_c = np.ascontiguousarray(p_cols)
        q_c = np.ascontiguousarray(q_cols)
        pf = p_c.reshape(-1)
        qf = q_c.reshape(-1)
        ef = np.ascontiguousarray(ell_cols).reshape(-1)
        terms = np.empty(pf.size)
        kl_terms(pf, qf, ef, terms)
        kl_terms_fix(pf, qf, ef, terms)
        flags = kl_categorical_cols(p_c, q_c, terms.reshape(k, m), out, status, tolerance)
    else:
        flags = _categorical_cols_finish(acc, negative, out, status, tolerance)
    for r in range(m):
        out[r] = out[r] + 0.0  # −0.0 → +0.0, as divergences._out
        if status[r] != 0:
            flags |= 4
    return flags


# ---------------------------------------------------------------------------- categorical logits
_LN2_HI = 6.93147180369123816490e-01  # divergences._LN2_HI
_LN2_LO = 1.90821492927058770002e-10


@_compiled
def _comp_add(hi: float, lo: float, x: float) -> tuple[float, float]:
    s, e = _two_sum(hi, x)
    return s, lo + e


_WIDE_LOGIT = 2.0**1000  # divergences._WIDE_LOGIT
_COSHM1 = np.array(K.COSHM1)
_SINHMX_WIDE = np.array(K.SINHMX_WIDE)
_WIDE_BELOW = K.EXPM1MX_WIDE_BELOW
_WIDE_ABOVE = K.EXPM1MX_WIDE_ABOVE
#: rows whose KL is at least this take R = log(q_r/p_r) from log(S_a/S_b) (its error δ ≤ 2⁻⁵⁰
#: enters the KL as δ²/2 ≤ 2⁻⁵⁶·KL); below it, R = log1p(X) as in the near-equal form
_FAR_KL = 2.0**-44




@_inlined
def _expm1mx_wide(u: float, ul: float, ex: float) -> float:
    """``_kernels.expm1mx_wide`` for one element u + ul (ul: a correction far below u): for
    −1 ≤ u ≤ 2 (cosh u − 1) + (sinh u − u) by their series in w = u² (w carried exactly as
    w_hi + w_lo, Dekker's product), plus (e^u − 1)·ul; below −1, (e^u − 1) − u + (e^u − 1)·ul
    from ex = e^u (NumPy's, rounded)."""
    if not (u >= _WIDE_BELOW and u <= _WIDE_ABOVE):  # (the callers branch anyway: no vectorising lost)
        em = ex - 1.0
        return (em - u) + em * ul
    w = u * u
    uh, ut = _split(u)
    w_lo = ((uh * uh - w) + 2.0 * (uh * ut)) + ut * ut
    c = _COSHM1[12]
    sh = _SINHMX_WIDE[12]
    for k in range(11, -1, -1):
        c = c * w + _COSHM1[k]
        sh = sh * w + _SINHMX_WIDE[k]
    cosh = c * w + c * w_lo
    sinh = (sh * w) * u
    part = cosh + sinh
    return part + (part + u) * ul


@_compiled
def logits_shift(
    a: np.ndarray, b: np.ndarray, ha: np.ndarray, la: np.ndarray, hb: np.ndarray, lb: np.ndarray,
    info: np.ndarray, start: int, stop: int,
) -> int:
    """First pass of ``divergences._kl_logits_rows`` over rows start…stop of (n, K) logits:
    a − max a = ha + la and b − max b = hb + lb exactly (two-sum; −inf entries give ha = −inf,
    la = 0), for NumPy's vectorised exp of ha and hb; info[n] = the mode r of a (first maximum),
    −1 for a support mismatch (a finite where b is −inf), −2 for a row outside the domain (a NaN
    or +inf, no finite entry in a or b, a |logit| beyond 2¹⁰⁰⁰): those rows get ha = hb = 0 and
    are counted in the return value (the caller validates and routes them)."""
    k = a.shape[1]
    skipped = 0
    for n in range(start, stop):
        ma = -math.inf
        mb = -math.inf
        r = 0
        mismatch = False
        outside = False
        for i in range(k):
            x = a[n, i]
            y = b[n, i]
            if x > ma:
                ma = x
                r = i
            mb = max(mb, y)
            if x > -math.inf and not y > -math.inf:
                mismatch = True
            # NaN fails both comparisons; +inf and wide logits fail the bound
            if not (abs(x) <= _WIDE_LOGIT or x == -math.inf) or not (abs(y) <= _WIDE_LOGIT or y == -math.inf):
                outside = True
        if outside or ma == -math.inf or mb == -math.inf or mismatch:
            info[n] = -1 if not (outside or ma == -math.inf or mb == -math.inf) else -2
            skipped += info[n] == -2
            for i in range(k):
                ha[n, i] = 0.0
                la[n, i] = 0.0
                hb[n, i] = 0.0
                lb[n, i] = 0.0
            continue
        info[n] = r
        for i in range(k):
            x = a[n, i]
            y = b[n, i]
            if x > -math.inf:
                h, lo = _two_sum(x, -ma)
            else:
                h, lo = -math.inf, 0.0
            ha[n, i] = h
            la[n, i] = lo
            if y > -math.inf:
                h, lo = _two_sum(y, -mb)
            else:
                h, lo = -math.inf, 0.0
            hb[n, i] = h
            lb[n, i] = lo
    return skipped


@_inlined
def _ell_parts(x: float, y: float, eh_r: float, el_r: float, r_hi: float, r_lo: float) -> tuple[float, float]:
    """ℓ = c − R as (ell, ell_lo): c = (x − y) − (eh_r + el_r) from x − y = eh + el (two-sum),
    c = (eh − eh_r) + (el − el_r) and ℓ = (c − r_hi) − r_lo, each of these three roundings'
    error (two-sum) gathered in ell_lo."""
    eh, el = _two_sum(x, -y)
    c, c_err = _two_sum(eh - eh_r, el - el_r)
    t, t_err = _two_sum(c, -r_hi)
    e, e_err = _two_sum(t, -r_lo)
    return e, (c_err + t_err) + e_err


@_compiled
def logits_ratio(
    a: np.ndarray, b: np.ndarray, la: np.ndarray, hb: np.ndarray, lb: np.ndarray,
    ea: np.ndarray, eb: np.ndarray, info: np.ndarray, sums: np.ndarray, ell: np.ndarray,
    ell_lo: np.ndarray, u: np.ndarray, start: int, stop: int,
) -> None:
    """Second pass (after ea = exp(ha), eb = exp(hb)): ea ← ea + ea·la, eb ← eb + eb·lb
    (e^{a − max a} to first order in la); sums[n] = (S_a, S_b), compensated, in index order;
    ℓ_i = log(p_i/q_i) = c_i − R with c_i = (a_i − b_i) − (a_r − b_r) from exact differences and
    R = log(q_r/p_r) = (hb_r + lb_r) + log(S_a/S_b) carried as a double-double, ℓ as ell + ell_lo
    (the rounding errors of its last three operations, :func:`_ell_parts`); u = min(−ℓ, 0) (for
    NumPy's exp: e^{−ℓ} is needed where ℓ > 1 only)."""
    k = a.shape[1]
    for n in range(start, stop):
        r = info[n]
        if r < 0:
            for i in range(k):
                u[n, i] = 0.0
            continue
        sa_hi = 0.0
        sa_lo = 0.0
        sb_hi = 0.0
        sb_lo = 0.0
        for i in range(k):
            e = ea[n, i]
            e += e * la[n, i]
            ea[n, i] = e
            sa_hi, sa_lo = _comp_add(sa_hi, sa_lo, e)
            e = eb[n, i]
            e += e * lb[n, i]
            eb[n, i] = e
            sb_hi, sb_lo = _comp_add(sb_hi, sb_lo, e)
        sa = sa_hi + sa_lo
        sb = sb_hi + sb_lo
        sums[n, 0] = sa
        sums[n, 1] = sb
        r_hi, r_lo = _two_sum(hb[n, r], math.log(sa / sb))
        r_lo += lb[n, r]
        eh_r, el_r = _two_sum(a[n, r], -b[n, r])
        for i in range(k):
            x = a[n, i]
            y = b[n, i]
            if x > -math.inf and y > -math.inf:
                e, e_lo = _ell_parts(x, y, eh_r, el_r, r_hi, r_lo)
            elif y > -math.inf:
                e, e_lo = -math.inf, 0.0
            else:
                e, e_lo = 0.0, 0.0
            ell[n, i] = e
            ell_lo[n, i] = e_lo
            u[n, i] = min(-e, 0.0)


@_inlined
def _logit_term(
    p: float, q: float, e: float, e_lo: float, ex: float, fa: bool, h: float, lo: float,
    sa: float,
) -> float:
    """One term q − p + p·ℓ ≥ 0 of the KL from p, q, ℓ = log(p/q) = e + e_lo and ex = e^{−e}
    (used where ℓ > 1): q where a is masked; (q − p) + p·ℓ for ℓ < −2 (q + p·(ℓ − 1) for p in
    the subnormal range); p·(e^{−ℓ} − 1 + ℓ) otherwise (:func:`_expm1mx_wide`), with p in the
    subnormal range formed as 2⁻ᵏ·(p·2ᵏ) from h + lo = a_i − max a (see
    ``divergences._kl_logits_rows``)."""
    if not fa:
        return q
    if e < -2.0:
        if (p < 2.0**-1000) & (h >= _LOGIT_ZERO_BELOW) & (e > -math.inf):
            # subnormal p: q + p·(ℓ − 1) with p·(ℓ − 1) formed as 2⁻ᵏ·(p·2ᵏ)·(ℓ − 1), rounded
            # once (p's own rounding, magnified by 1 + |ℓ|, cost up to ~18 ulp of a KL near
            # the subnormal range)
            kf = round(-h / _LN2_HI)
            sf = (h + kf * _LN2_HI) + ((lo + kf * _LN2_LO) - math.log(sa))
            return q + math.ldexp(math.exp(sf) * ((e - 1.0) + e_lo), -int(kf))
        return ((q - p) + p * e) + p * e_lo
    g = _expm1mx_wide(-e, -e_lo, ex)
    if p < 2.0**-1000:  # subnormal p: scaled by 2ᵏ before the exponential
        if h < _LOGIT_ZERO_BELOW:  # the term is below 2⁻¹⁰⁷⁵ (and k would overflow ldexp's int)
            return 0.0
        kk = round(-h / _LN2_HI)
        s = (h + kk * _LN2_HI) + ((lo + kk * _LN2_LO) - math.log(sa))
        return math.ldexp(math.exp(s) * g, -int(kk))
    return p * g


@_compiled
def logits_terms(
    a: np.ndarray, b: np.ndarray, ha: np.ndarray, la: np.ndarray, hb: np.ndarray, lb: np.ndarray,
    ea: np.ndarray,
    eb: np.ndarray, info: np.ndarray, sums: np.ndarray, ell: np.ndarray, ell_lo: np.ndarray,
    ex: np.ndarray, out: np.ndarray, start: int, stop: int,
) -> None:
    """Last pass (after ex = exp(u)): out[n] = Σ of the terms (:func:`_logit_term`, compensated,
    in index order), max(·, 0); NaN for skipped rows, +inf for a support mismatch. Rows with a KL
    below :data:`_FAR_KL` are redone with R = log1p(X), X = Σ_j (q_j e^{c_j} − q_j) (q_j·expm1(c_j)
    where |c_j| ≤ 1, else e^{a_j − max a}·q_r − q_j), where R = log(q_r/p_r) would carry too
    much of its own rounding relative to the KL (:func:`_kl_logits_row_near`)."""
    k = a.shape[1]
    for n in range(start, stop):
        r = info[n]
        if r < 0:
            out[n] = math.inf if r == -1 else math.nan
            continue
        sa = sums[n, 0]
        sb = sums[n, 1]
        t_hi = 0.0
        t_lo = 0.0
        for i in range(k):
            if not b[n, i] > -math.inf:  # masked in both (a mismatch has info −1)
                continue
            term = _logit_term(ea[n, i] / sa, eb[n, i] / sb, ell[n, i], ell_lo[n, i], ex[n, i],
                               a[n, i] > -math.inf, ha[n, i], la[n, i], sa)
            t_hi, t_lo = _comp_add(t_hi, t_lo, term)
        value = max(t_hi + t_lo, 0.0)
        if value < _FAR_KL:
            value = _kl_logits_row_near(a, b, ha, la, hb, lb, ea, eb, sa, sb, r, n)
        out[n] = value


@_compiled
def _kl_logits_row_near(
    a: np.ndarray, b: np.ndarray, ha: np.ndarray, la: np.ndarray, hb: np.ndarray, lb: np.ndarray,
    ea: np.ndarray, eb: np.ndarray, sa: float, sb: float, r: int, n: int,
) -> float:
    """Row n of :func:`logits_terms` with R = log1p(X) where X ≥ −½ (e^{−ℓ} from the C library's
    exp, as ``divergences._kl_logits_rows`` takes NumPy's)."""
    k = a.shape[1]
    eh_r, el_r = _two_sum(a[n, r], -b[n, r])
    q_r = eb[n, r] / sb
    x_hi = 0.0
    x_lo = 0.0
    for i in range(k):
        x = a[n, i]
        y = b[n, i]
        if not y > -math.inf:
            continue
        q = eb[n, i] / sb
        if x > -math.inf:
            eh, el = _two_sum(x, -y)
            ci = (eh - eh_r) + (el - el_r)
            w = q * math.expm1(ci) if abs(ci) <= 1.0 else ea[n, i] * q_r - q
        else:
            w = -q
        x_hi, x_lo = _comp_add(x_hi, x_lo, w)
    big_x = x_hi + x_lo
    if big_x >= -0.5:
        big_r = math.log1p(big_x)
        r_lo = 0.0
    else:  # as in logits_ratio
        big_r, r_lo = _two_sum(hb[n, r], math.log(sa / sb))
        r_lo += lb[n, r]
    t_hi = 0.0
    t_lo = 0.0
    for i in range(k):
        x = a[n, i]
        y = b[n, i]
        if not y > -math.inf:
            continue
        if x > -math.inf:
            e, e_lo = _ell_parts(x, y, eh_r, el_r, big_r, r_lo)
        else:
            e, e_lo = -math.inf, 0.0
        term = _logit_term(ea[n, i] / sa, eb[n, i] / sb, e, e_lo, math.exp(min(-e, 0.0)),
                           x > -math.inf, ha[n, i], la[n, i], sa)
        t_hi, t_lo = _comp_add(t_hi, t_lo, term)
    return max(t_hi + t_lo, 0.0)


# ---------------------------------------------------------------------------- Jensen–Shannon
# ``numerics._jensen_shannon.jsd_terms`` element by element, both forms of φ computed and one
# selected (branch-free: the loop vectorises); products by Dekker's splitting as there (not a
# fused multiply-add: the operands include subnormal and near-zero values, where the two differ),
# logarithms from the float's bits as ``numerics._double_double.log_dd``.


def _bits_typing(typingctx: Any, x: Any) -> tuple[Any, Callable[..., Any]]:
    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


def _from_bits_typing(typingctx: Any, x: Any) -> tuple[Any, Callable[..., Any]]:
    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


#: a float64's IEEE-754 bits as an int64 and back (NumPy's ``.view(np.int64)``). Compiled only.
_float_bits = cast(Callable[[float], int], intrinsic(_bits_typing))
_bits_float = cast(Callable[[int], float], intrinsic(_from_bits_typing))


@_inlined
def _dekker(a: float, b: float) -> tuple[float, float]:
    """``_kernels.two_product``: (fl(a·b), its residual) by Veltkamp's splitting."""
    hi = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return hi, (((ah * bh - hi) + ah * bl) + al * bh) + al * bl


@_inlined
def _x_minus_log1p(f: float) -> float:
    """f − log(1 + f) = f·s − 2s³V(s²), s = f/(2 + f), for |s| ≤ ½ (``_double_double.x_minus_log1p``)."""
    s = f / (2.0 + f)
    w = s * s
    v = _V[13]
    for k in range(12, -1, -1):  # a fixed count: unrolled by the compiler
        v = v * w + _V[k]
    return f * s - ((s * w) * v) * 2.0


@_inlined
def _log_dd(x: float) -> tuple[float, float]:
    """``_double_double.log_dd`` for one positive float (a subnormal scaled by 2⁶⁴ first)."""
    tiny = x < _SMALLEST_NORMAL
    bits = _float_bits(x * _SUBNORMAL_SCALE if tiny else x)
    e = (bits >> 52) - (1023 + 64 if tiny else 1023)
    m = _bits_float((bits & _MANTISSA_BITS) | _ONE_BITS)
    big = m > _SQRT2
    m = m * 0.5 if big else m
    ef = float(e + 1 if big else e)
    f = m - 1.0
    lh, ll = _two_sum(f, -_x_minus_log1p(f))
    hi, lo = _two_sum(ef * _LN2_HI, lh)
    return _two_sum(hi, (lo + ll) + ef * _LN2_LO)


@_inlined
def _x_log_x(a: float, a_lo: float) -> tuple[float, float]:
    """(a + a_lo)·log(a + a_lo) as hi + lo, 0 for a = 0 (``_jensen_shannon._x_log_x``)."""
    live = a > 0.0
    safe = a if live else 1.0
    ell, ell_lo = _log_dd(safe)
    ell_lo = ell_lo + (a_lo / safe if live else 0.0)
    t, t_lo = _dekker(safe, ell)
    t_lo = t_lo + (safe * ell_lo + (a_lo if live else 0.0) * ell)
    return (t if live else 0.0), (t_lo if live else 0.0)


@_inlined
def _divide_dd(n: float, n_lo: float, d: float, d_lo: float) -> tuple[float, float]:
    """``_double_double.divide_dd`` for one element."""
    hi = n / d
    t, t_lo = _dekker(hi, d)
    return hi, ((((n - t) - t_lo) + n_lo) - hi * d_lo) / d


@_inlined
def _jsd_term(ai: float, ali: float, bi: float, bli: float, n: float, n_lo: float) -> tuple[float, float]:
    """(a + b)·φ((a − b)/(a + b)) as hi + lo for one element (``_jensen_shannon.jsd_terms_numpy``)."""
    den, den_lo = _two_sum(ai, bi)
    den, den_lo = _two_sum(den, den_lo + (ali + bli))
    live = den > 0.0
    safe = den if live else 1.0
    y, y_lo = _divide_dd(n, n_lo, safe, den_lo)
    y = min(max(y, -1.0), 1.0) if live else 0.0
    # series: y² + y⁴·tail(y²)
    w, w_lo = _dekker(y, y)
    w_lo = w_lo + (2.0 * y) * y_lo
    tail = _PHI_TAIL[_PHI_TERMS - 1]
    for k in range(_PHI_TERMS - 2, -1, -1):  # a fixed count: unrolled by the compiler
        tail = tail * w + _PHI_TAIL[k]
    series, series_lo = _two_sum(w, (w * w) * tail + w_lo * (1.0 + w / 3.0))
    # logarithms: (1 + y)log(1 + y) + (1 − y)log(1 − y), 1 ± y = 2a/den, 2b/den
    up, up_lo = _divide_dd(2.0 * ai, 2.0 * ali, safe, den_lo)
    down, down_lo = _divide_dd(2.0 * bi, 2.0 * bli, safe, den_lo)
    t1, l1 = _x_log_x(up, up_lo)
    t2, l2 = _x_log_x(down, down_lo)
    hi, lo = _two_sum(t1, t2)
    logs, logs_lo = _two_sum(hi, (lo + l1) + l2)
    near = abs(y) <= _PHI_SERIES_BELOW
    phi = series if near else logs
    phi_lo = series_lo if near else logs_lo
    t, t_lo = _dekker(den, phi)
    t_lo = t_lo + (den * phi_lo + den_lo * phi)
    return (t if live else 0.0), (t_lo if live else 0.0)


@_compiled
def jsd_terms(
    a: np.ndarray, a_lo: np.ndarray, b: np.ndarray, b_lo: np.ndarray, num: np.ndarray, num_lo: np.ndarray,
    out: np.ndarray, out_lo: np.ndarray,
) -> None:
    """out + out_lo = (a + b)·φ((a − b)/(a + b)) (0 where a + b = 0):
    ``numerics._jensen_shannon.jsd_terms``, the same bits (``tests/numerics/test_jensen_shannon.py``)."""
    for i in range(out.size):
        out[i], out_lo[i] = _jsd_term(a[i], a_lo[i], b[i], b_lo[i], num[i], num_lo[i])


@_compiled
def jsd_bernoulli(p: np.ndarray, q: np.ndarray, out: np.ndarray) -> None:
    """JSD(Bern(p), Bern(q)) per element in one pass: ``numerics._jensen_shannon.jsd_bernoulli_numpy``,
    the same bits (``tests/numerics/test_jensen_shannon.py``)."""
    for i in range(out.size):
        a, b, d, d_lo, a0, a0_lo, b0, b0_lo = _bernoulli_parts(p[i], q[i])
        t1, l1 = _jsd_term(a, 0.0, b, 0.0, d, d_lo)
        t2, l2 = _jsd_term(a0, a0_lo, b0, b0_lo, -d, -d_lo)
        out[i] = _dd_total(t1, l1, t2, l2) * 0.25


@_inlined
def _bernoulli_parts(
    a: float, b: float
) -> tuple[float, float, float, float, float, float, float, float]:
    """(a, b, a − b, its low part, 1 − a, its low part, 1 − b, its low part): the exact
    difference and complements of a Bernoulli pair (Knuth's two-sums)."""
    d, d_lo = _two_sum(a, -b)
    a0, a0_lo = _two_sum(1.0, -a)
    b0, b0_lo = _two_sum(1.0, -b)
    return a, b, d, d_lo, a0, a0_lo, b0, b0_lo


@_inlined
def _dd_total(t1: float, l1: float, t2: float, l2: float) -> float:
    """(t1 + l1) + (t2 + l2) rounded once: the leading parts by a two-sum, the rest added."""
    hi, lo = _two_sum(t1, t2)
    return hi + ((lo + l1) + l2)


# ---------------------------------------------------------------------------- Bernoulli KL
# ``numerics._kl_kappa`` element by element: both forms of κ computed and one selected
# (branch-free), the helpers of the Jensen–Shannon kernel above.


@_inlined
def _kl_kappa_term(
    ai: float, ali: float, bi: float, bli: float, n: float, n_lo: float
) -> tuple[float, float]:
    """a·log(a/b) − (a − b) as hi + lo (``_kl_kappa.kl_terms``)."""
    up = _TINY_SCALE if (ai + bi) < _TINY_SUM else 1.0
    ai = ai * up
    ali = ali * up
    bi = bi * up
    bli = bli * up
    n = n * up
    n_lo = n_lo * up
    s, s_lo = _two_sum(ai, bi)
    s, s_lo = _two_sum(s, s_lo + (ali + bli))
    live = (ai > 0.0) & (bi > 0.0)
    safe = s if live else 1.0
    y, y_lo = _divide_dd(n, n_lo, safe, s_lo)
    y = min(max(y, -1.0), 1.0) if live else 0.0
    y_lo = y_lo if live else 0.0
    # series: (s/2)·κ, κ = 2y² + 2y²·y(1 + y)·V(y²)
    w, w_lo = _dekker(y, y)
    w_lo = w_lo + (2.0 * y) * y_lo
    v = _V[13]
    for k in range(12, -1, -1):  # a fixed count: unrolled by the compiler
        v = v * w + _V[k]
    rest = w * ((y * (1.0 + y)) * v)
    kappa, kappa_lo = _two_sum(2.0 * w, 2.0 * (w_lo + rest))
    tn, tn_lo = _dekker(s, kappa)
    tn_lo = tn_lo + (s * kappa_lo + s_lo * kappa)
    # logarithms: a·(log a − log b) − (a − b)
    af = ai if live else 1.0
    bf = bi if live else 1.0
    la, la_lo = _log_dd(af)
    la_lo = la_lo + ali / af
    lb, lb_lo = _log_dd(bf)
    lb_lo = lb_lo + bli / bf
    ell, ell_lo = _two_sum(la, -lb)
    ell_lo = ell_lo + (la_lo - lb_lo)
    t, t_lo = _dekker(af, ell)
    t_lo = t_lo + (af * ell_lo + ali * ell)
    hi, lo = _two_sum(t, -n)
    tf, tf_lo = _two_sum(hi, (lo + t_lo) - n_lo)
    near = abs(y) <= _KAPPA_SERIES_BELOW
    t = 0.5 * tn if near else tf
    t_lo = 0.5 * tn_lo if near else tf_lo
    down = 1.0 / up
    edge = math.inf if ai > 0.0 else bi / up
    return (t * down if live else edge), (t_lo * down if live else 0.0)


@_compiled
def kl_kappa_terms(
    a: np.ndarray, a_lo: np.ndarray, b: np.ndarray, b_lo: np.ndarray, num: np.ndarray, num_lo: np.ndarray,
    out: np.ndarray, out_lo: np.ndarray,
) -> None:
    """out + out_lo = a·log(a/b) − (a − b): ``numerics._kl_kappa.kl_terms_numpy``, the same bits
    (``tests/numerics/test_kl_kappa.py``)."""
    for i in range(out.size):
        out[i], out_lo[i] = _kl_kappa_term(a[i], a_lo[i], b[i], b_lo[i], num[i], num_lo[i])


@_compiled
def kl_bernoulli(p: np.ndarray, q: np.ndarray, out: np.ndarray) -> None:
    """KL(Bern(p) ‖ Bern(q)) per element in one pass: ``numerics._kl_kappa.kl_bernoulli_numpy``,
    the same bits (``tests/numerics/test_kl_kappa.py``)."""
    for i in range(out.size):
        a, b, d, d_lo, a0, a0_lo, b0, b0_lo = _bernoulli_parts(p[i], q[i])
        t1, l1 = _kl_kappa_term(a, 0.0, b, 0.0, d, d_lo)
        t2, l2 = _kl_kappa_term(a0, a0_lo, b0, b0_lo, -d, -d_lo)
        value = _dd_total(t1, l1, t2, l2)
        out[i] = math.inf if (t1 == math.inf) | (t2 == math.inf) else value


# ---------------------------------------------------------------------------- entropies
# ``divergences._cross_entropy_row_terms_numpy`` and ``divergences._entropy_bernoulli_numpy`` element
# by element (the helpers above).


@_compiled
def entropy_bernoulli(p: np.ndarray, out: np.ndarray) -> None:
    """H(Bern(p)) per element: ``divergences._entropy_bernoulli_numpy``, the same bits
    (``tests/numerics/test_entropies.py``)."""
    for i in range(out.size):
        x = p[i]
        c, c_lo = _two_sum(1.0, -x)
        t1, l1 = _x_log_x(x, 0.0)
        t2, l2 = _x_log_x(c, c_lo)
        out[i] = -_dd_total(t1, l1, t2, l2)


@_inlined
def _blocked_sum(x: np.ndarray, skip: int, width: int) -> tuple[float, float]:
    """``divergences._compensated_row_sum`` of one row x (1-d) as hi + lo, x[skip] taken as 0
    (skip = −1: none): blocks of width = ⌈√K⌉ entries (the last padded with zeros), each summed with
    Knuth's two-sum compensation, then the blocks' hi and lo parts — the same operations in the
    same order."""
    k = x.size
    blocks = -(-k // width)
    total = 0.0
    err = 0.0
    for j in range(blocks):
        start = j * width
        hi = x[start] if start != skip else 0.0
        lo = 0.0
        for c in range(1, width):
            i = start + c
            v = (x[i] if i != skip else 0.0) if i < k else 0.0
            hi, e = _two_sum(hi, v)
            lo = lo + e
        hi, lo = _two_sum(hi, lo)
        if j == 0:
            total = hi
            err = lo
        else:
            total, e = _two_sum(total, hi)
            err = err + (e + lo)
    return _two_sum(total, err)


@_compiled
def cross_entropy_row_terms(
    p: np.ndarray, q: np.ndarray, width: int, out: np.ndarray, out_lo: np.ndarray
) -> None:
    """p̂_ij·log(Q_i/q_ij) as hi + lo for rows (n, K) (each scaled by a power of 2): the rows'
    totals, q's mode and log(Q/q_mode) as ``divergences._cross_entropy64`` forms them in NumPy, then
    the elements of ``divergences._cross_entropy_terms_numpy`` — the same bits, one compiled call
    (a small input's time was that prelude's NumPy calls); width = ⌈√K⌉, the block of the sums."""
    n, k = p.shape
    for i in range(n):
        bp, bp_lo = _blocked_sum(p[i], -1, width)
        bq, bq_lo = _blocked_sum(q[i], -1, width)
        r = 0
        for j in range(1, k):
            if q[i, j] > q[i, r]:
                r = j
        s_r, s_r_lo = _blocked_sum(q[i], r, width)
        lb, lb_lo = _log_dd(bq)
        lb_lo = lb_lo + bq_lo / bq
        x, x_lo = _divide_dd(s_r, s_r_lo, q[i, r], 0.0)
        m, m_lo = _two_sum(x, -_x_minus_log1p(x))
        m_lo = m_lo + x_lo
        use_row = x <= 0.5
        for j in range(k):
            a = p[i, j]
            b = q[i, j]
            safe_q = b if b > 0.0 else 1.0
            l_q, l_q_lo = _log_dd(safe_q)
            ell, ell_lo = _two_sum(lb, -l_q)
            ell_lo = ell_lo + (lb_lo - l_q_lo)
            use = (j == r) & use_row
            ell = m if use else ell
            ell_lo = m_lo if use else ell_lo
            share, share_lo = _divide_dd(a, 0.0, bp, bp_lo)
            tt, tt_lo = _dekker(share, ell)
            tt_lo = tt_lo + (share * ell_lo + share_lo * ell)
            live = a > 0.0
            out[i, j] = tt if live else 0.0
            out_lo[i, j] = tt_lo if live else 0.0
