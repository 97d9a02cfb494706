"""Divergences that do not lose digits: KL, cross-entropy, entropy and Jensen–Shannon for
categorical, Bernoulli (probabilities or logits), univariate, diagonal and full-covariance Normal.

Conventions:
* Batch dimensions broadcast; a categorical / diagonal / MVN event is the last axis (axes).
  An empty batch gives an empty result (of the batch shape); an empty event axis, shapes that do
  not broadcast, NaN, and values outside the domain raise ``ValueError`` naming the argument(s).
* One dtype rule for every function (:func:`numerics._validate.result_dtype`): the result is
  float32 iff at least one input is a NumPy float32 array or scalar and no input is a NumPy
  array or scalar of another floating dtype; Python numbers, lists and integer arrays do not
  count. Otherwise float64. Results are native-endian. The arithmetic is float64 throughout and
  the result is rounded once, so a float32 result is within 0.5 ulp + the float64 error
  (≤ a few 2⁻⁵² relative) of the exact value.
* KL is computed as a sum of non-negative terms, each free of cancellation
  (:mod:`numerics._kernels`), so KL ≥ 0 always and KL(p ‖ p) = 0 exactly; element-wise results do
  not depend on the batch or the memory layout, and sums over the event axis use one fixed
  order per row (compensated, in index order, in the compiled kernels of :mod:`numerics._jit`;
  pairwise, :func:`numerics._kernels.row_sum`, elsewhere), so those do not either.
* The hot paths (categorical, Bernoulli and Normal KL, JSD, MVN KL) run as compiled loops
  (:mod:`numerics._jit`, numba, compiled on first use and cached) that evaluate the same forms
  as their NumPy references, which stay in this module and :mod:`numerics._kernels`. Every
  compiled path also has a NumPy form that gives its bits exactly; until the compiled loops are
  loaded the calls are computed by those (:mod:`numerics._kernel_tier` says when loading pays),
  so that a first call costs no numba import at any size.
* Zero probabilities follow 0·log 0 = 0; p > 0 where q = 0 gives ``inf`` (support mismatch). A
  logit of −inf is a masked category (probability 0, as in torch); a categorical logit of +inf is
  rejected; a Bernoulli logit of ±inf is the probability 1 or 0.
* A probability vector must sum to 1 within :data:`numerics._validate.SUM_TOLERANCE` unless
  ``normalize=True``; either way the result is the divergence of the normalised distributions
  p/Σp and q/Σq, computed without forming them (normalising in floating point would cost the
  digits this module exists to keep), for any positive totals up to the float range.
* ``inf`` only where the exact value overflows or on support mismatch; never NaN.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from types import ModuleType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics import _kernel_tier as T
from numerics import _parallel as P
from numerics import _validate as v
from numerics._bernoulli_logits_numpy import kl_bernoulli_logits_into_numpy
from numerics._double_double import divide_dd, log_dd, sum_dd, x_log_x, x_minus_log1p
from numerics._jensen_shannon import jsd_bernoulli as jsd_bernoulli_values
from numerics._jensen_shannon import jsd_terms
from numerics._kernels import (
    _V,
    DEKKER_PRODUCT_MIN,
    LOGIT_TERM_ZERO_BELOW,
    NORMAL_NEAR_ABOVE,
    NORMAL_NEAR_BELOW,
    NORMAL_S_CORRECTED_FROM,
    NORMAL_SCALE_BELOW,
    NORMAL_SCALE_UP,
    _horner,
    expm1mx,
    expm1mx_wide,
    kl_term,
    row_sum,
    scratch,
    two_product,
    two_sum,
    xmlog1p,
)
from numerics._kernels import _XMLOG1P as _XMLOG1P_COEFFS
from numerics._kl_kappa import kl_bernoulli as kl_bernoulli_values
from numerics._kl_kappa import kl_terms as kl_kappa_terms
from numerics._logits_numpy import kl_logits_block_numpy
from numerics._mvn_numpy import kl_mvn_numpy_bits

Array = NDArray[np.floating]
F64 = NDArray[np.float64]


def _out(x: F64, dtype: np.dtype, *, fresh: bool = False) -> Array:
    """Round once to the result dtype; −0.0 becomes +0.0; 0-d results become NumPy scalars.
    ``fresh``: x is a float64 array this module just made (never a caller's), changed in place
    for a float64 result instead of copied (at 10⁶ elements the copy costs ~10 %)."""
    if fresh and dtype == _NATIVE_F64 and isinstance(x, np.ndarray) and x.ndim:
        np.add(x, 0.0, out=x)
        return x
    with np.errstate(over="ignore"):  # a float32 result beyond its range is inf: the rounding
        arr = np.add(x, 0.0, dtype=np.float64).astype(dtype, copy=False)
    return arr[()] if arr.ndim == 0 else arr


def _c(x: F64) -> F64:
    """x as a C-contiguous float64 array of the same shape (0-d stays 0-d)."""
    return np.array(x, dtype=np.float64, order="C", copy=not x.flags.c_contiguous)


def _rows(x: F64) -> F64:
    """(…, K) → (n, K) C-contiguous."""
    return np.ascontiguousarray(x).reshape(-1, x.shape[-1])


# --------------------------------------------------------------------------- categorical

_BIG, _SMALL_TOTAL = 2.0**500, 2.0**-500


def _scale_rows(x: F64) -> F64:
    """x·2^(−e) per row, e the exponent of the row's maximum: exact (unless an entry falls below
    the float range), so that row sums and products of entries neither over- nor underflow."""
    top = x.max(axis=-1, keepdims=True)
    _, e = np.frexp(np.where(top > 0, top, 1.0))
    return np.ldexp(x, -e)


def _terms_from_log_ratio(p: F64, q: F64, ell: F64) -> F64:
    """p·log(p/q) − p + q ≥ 0 from p, q and ℓ = log(p/q) known more accurately than p/q:
    p·(e^{−ℓ} − 1 + ℓ) for ℓ ≥ −2 (:func:`numerics._kernels.expm1mx`), (q − p) + p·ℓ for ℓ < −2
    (condition ≤ 1.9: p·|ℓ| ≤ 0.46 (q − p) there); q where p = 0."""
    with np.errstate(invalid="ignore", over="ignore"):
        low = ell < -2.0
        terms = expm1mx(np.where(low, 0.0, -ell))
        terms *= p
        alt = (q - p) + p * ell
        terms = np.where(low, alt, terms)
        return np.where(p == 0, q, terms)


def _kl_categorical64(pa: F64, qa: F64) -> F64:
    """KL of the normalised rows of (…, K) float64 arrays (validated, same shape), float64: the
    fast path of :func:`_kl_categorical64_numpy` fused into one compiled pass per block of rows
    (:func:`numerics._jit.kl_categorical_cols`, after NumPy's vectorised log of p/q), row blocks
    in threads (:mod:`numerics._parallel`). Rows whose totals leave [2⁻⁵⁰⁰, 2⁵⁰⁰] are rescaled
    (exactly, each on its own) and passed again; rows the fast path cannot take (φ₁ > KL/8)
    take the exact route, as in the reference. Every row's value depends on that row alone."""
    batch = pa.shape[:-1]
    if pa.size == 0:
        return np.zeros(batch)
    p, q = _rows(pa), _rows(qa)
    value = np.empty(p.shape[0])
    status = np.empty(p.shape[0], dtype=np.int8)
    _categorical_pass(p, q, value, status, -1.0)
    return _categorical_finish(p, q, value, status).reshape(batch)


def _categorical_finish(p: F64, q: F64, value: F64, status: NDArray[np.int8]) -> F64:
    """``value`` with the rows the compiled pass flagged (``status`` ≠ 0) completed."""
    flagged = np.flatnonzero(status)
    if flagged.size:
        ps, qs = p[flagged], q[flagged]
        rescale = status[flagged] == 1
        if rescale.any():
            ps[rescale] = _scale_rows(ps[rescale])
            qs[rescale] = _scale_rows(qs[rescale])
        sub_value = np.empty(flagged.size)
        sub_status = np.empty(flagged.size, dtype=np.int8)
        _categorical_pass(ps, qs, sub_value, sub_status, -1.0)
        bad = np.flatnonzero(sub_status)
        if bad.size:
            mismatch = ((ps[bad] > 0) & (qs[bad] == 0)).any(axis=-1)
            sub_value[bad[mismatch]] = np.inf
            redo = bad[~mismatch]
            if redo.size:
                sub_value[redo] = _kl_rows_dd(ps[redo], qs[redo])
        value[flagged] = sub_value
    return value


def _categorical_pass(
    p: F64, q: F64, value: F64, status: NDArray[np.int8], tolerance: float
) -> int:
    """The compiled fast path over (n, K) C-contiguous rows, in chunks of about :data:`_CHUNK`
    elements, each turned into columns (K, rows) (:func:`numerics._jit.transpose_pair`) so that
    the compiled loops run across rows: ℓ = log(p/q) by NumPy (vectorised), the terms
    (:func:`numerics._jit.kl_terms`), the row sums and φ₁ (:func:`numerics._jit.kl_categorical_cols`);
    row blocks in threads. Returns the validation pre-check bits of
    :func:`numerics._jit.kl_categorical_cols` (OR over
    the chunks; meaningful only with ``tolerance`` ≥ 0). Before the compiled kernels are loaded,
    :func:`_categorical_cols_numpy` (the same bits)."""
    if not T.compiled_loaded():
        return _categorical_cols_numpy(p, q, value, status, tolerance)
    from numerics import _jit as J  # numba is imported on first use only
    n, k = p.shape
    flags: list[int] = []

    def run(block: slice) -> None:
        start, stop, _ = block.indices(n)
        step = max(1, _CHUNK // k)
        bits = 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            for i in range(start, stop, step):
                j = min(stop, i + step)
                cols = (k, j - i)
                pc, qc = scratch("categorical_p", cols), scratch("categorical_q", cols)
                ell, terms = scratch("categorical_ell", cols), scratch("categorical_terms", cols)
                J.transpose_pair(p[i:j], q[i:j], pc, qc)
                np.divide(pc, qc, out=ell)
                np.log(ell, out=ell)
                pf, qf, ef, tf = pc.reshape(-1), qc.reshape(-1), ell.reshape(-1), terms.reshape(-1)
                if J.kl_terms(pf, qf, ef, tf):
                    J.kl_terms_fix(pf, qf, ef, tf)
                bits |= J.kl_categorical_cols(pc, qc, terms, value[i:j], status[i:j], tolerance)
        flags.append(bits)

    P.run_blocks(run, P.row_blocks(n, p.size))
    return int(np.bitwise_or.reduce(flags))


def _kl_categorical64_numpy(pa: F64, qa: F64) -> F64:
    """The NumPy reference form of :func:`_kl_categorical64` (kept for
    ``tests/numerics/test_jit_kernels.py``): KL of the normalised rows, float64.

    Fast path: (1/P) Σ_i [p_i log(p_i/q_i) − p_i + q_i] − φ₁(Q/P), φ₁(s) = s − 1 − log s
    (``stable.normalised_categorical``; φ₁ by its series near s = 1, from s itself beyond),
    accurate when φ₁ is small beside the result; rows where
    φ₁ > KL/8 (proportional or nearly proportional vectors with different totals) go to
    :func:`_kl_rows_dd`."""
    batch = pa.shape[:-1]
    if pa.size == 0:
        return np.zeros(batch)
    p, q = _rows(pa), _rows(qa)
    big_p, big_q = row_sum(p), row_sum(q)
    if not (
        max(big_p.max(), big_q.max()) < _BIG and min(big_p.min(), big_q.min()) > _SMALL_TOTAL
    ):
        p, q = _scale_rows(p), _scale_rows(q)
        big_p, big_q = row_sum(p), row_sum(q)
    d = np.subtract(p, q, out=scratch("categorical_d", p.shape))
    terms = kl_term(p, q, d, out=scratch("categorical_terms", p.shape))
    q_minus_p = -row_sum(d)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # φ₁(Q/P): from x = (Q − P)/P (exact difference Σ(q − p)) near Q = P, from Q/P itself
        # beyond (1 + x would keep only the digits of x that 1 absorbs when Q ≪ P)
        x = q_minus_p / big_p
        ratio = big_q / big_p
        corr = np.where(np.abs(x) <= 0.5, xmlog1p(np.where(np.abs(x) <= 0.5, x, 0.0)),
                        (ratio - 1) - np.log(ratio))
        value = row_sum(terms) / big_p - corr
        good = corr * 8 <= value  # False for NaN and for −inf
        if not good.all():
            bad = np.flatnonzero(~good)
            mismatch = ((p[bad] > 0) & (q[bad] == 0)).any(axis=-1)
            value[bad[mismatch]] = np.inf
            redo = bad[~mismatch]
            if redo.size:
                value[redo] = _kl_rows_dd(p[redo], q[redo])
    return np.maximum(value, 0.0).reshape(batch)


def _prob_pair(p: ArrayLike, q: ArrayLike, normalize: bool) -> tuple[F64, F64, np.dtype]:
    pa = v.probability_vectors(p, "p", normalize=normalize)
    qa = v.probability_vectors(q, "q", normalize=normalize)
    pa, qa = v.broadcast("p", pa, "q", qa, core=1)
    return np.ascontiguousarray(pa), np.ascontiguousarray(qa), v.result_dtype(p, q)


@T.metered
def kl_categorical(p: ArrayLike, q: ArrayLike, *, normalize: bool = False) -> Array:
    """KL(p̂ ‖ q̂) = Σ p̂ log(p̂/q̂) over the last axis, p̂ = p/Σp, q̂ = q/Σq exactly (see
    :func:`_kl_categorical64`)."""
    if normalize is False:
        fast = _kl_categorical_prechecked(p, q)
        if fast is not None:
            return fast
    pa, qa, dtype = _prob_pair(p, q, normalize)
    if normalize:  # vectors that need not sum to 1: the exact-normalisation route for every row
        return _out(_kl_rows_dd(pa, qa), dtype, fresh=True)
    return _out(_kl_categorical64(pa, qa), dtype, fresh=True)


def _kl_categorical_prechecked(p: ArrayLike, q: ArrayLike) -> Array | None:
    """:func:`kl_categorical` for the common case (two non-empty native float64 C-contiguous
    arrays of the same shape, not normalised) with the validation folded into the compiled pass:
    it reports any negative entry and any total (NaN or inf if an entry is) farther from 1 than
    the tolerance less a margin far above the difference between its compensated sums and the
    validator's pairwise ones. None when the case does not apply or the pre-check reports
    anything: the caller then validates as usual (which raises, naming the argument, or, at the
    tolerance's edge, accepts) and computes."""
    if type(p) is not np.ndarray or type(q) is not np.ndarray:
        return None
    shape = p.shape
    if not shape or shape != q.shape or p.dtype != _NATIVE_F64 or q.dtype != _NATIVE_F64:
        return None
    if p.size == 0 or not (p.flags.c_contiguous and q.flags.c_contiguous):
        return None
    k = shape[-1]
    rows_p, rows_q = (p, q) if len(shape) == 2 else (p.reshape(-1, k), q.reshape(-1, k))
    value = np.empty(rows_p.shape[0])
    status = np.empty(rows_p.shape[0], dtype=np.int8)
    margin = max(2.0**-30, 8.0 * k * _EPS64)
    if not T.compiled_loaded():  # the compiled kernel's arithmetic in NumPy
        if _categorical_cols_numpy(rows_p, rows_q, value, status, v.SUM_TOLERANCE - margin):
            return None
        value += 0.0  # −0.0 → +0.0, as _out does
        if not status.any():
            done = value.reshape(p.shape[:-1])
            return done if done.ndim else done[()]
    elif p.size <= _SMALL_INPUT:  # two compiled calls: the per-call overhead is what counts here
        J = _jit()
        work = np.empty((4, k, value.shape[0]))  # pᵀ, qᵀ, p/q, log(p/q)
        J.categorical_ratio_cols(rows_p, rows_q, work)
        np.log(work[2], out=work[3])  # no warning: categorical_ratio_cols made 0 and below NaN
        bits = J.kl_categorical_small_cols(work, value, status, v.SUM_TOLERANCE - margin)
        if bits & 3:
            return None
        if not bits & 4:  # every row done (and −0.0 already made +0.0, as _out does)
            if p.ndim == 2:
                return value
            done = value.reshape(p.shape[:-1])
            return done if done.ndim else done[()]
    elif _categorical_pass(rows_p, rows_q, value, status, v.SUM_TOLERANCE - margin):
        return None
    if status.any():
        value = _categorical_finish(rows_p, rows_q, value, status)
    return _out(value.reshape(p.shape[:-1]), _NATIVE_F64, fresh=True)


def _categorical_cols_numpy(
    p: F64, q: F64, value: F64, status: NDArray[np.int8], tolerance: float
) -> int:
    """:func:`numerics._jit.kl_categorical_cols` (with the terms of :func:`numerics._jit.kl_terms`)
    in NumPy, operation for operation — the terms by :func:`numerics._kernels.kl_term` (the same
    bits, ``tests/numerics/test_jit_kernels.py``), the compensated row sums column by column,
    φ₁ by the same Horner chain, libm's log1p and log (Python's ``math``, as the compiled code
    calls them) for the rare rows beyond the series — so that a first call on a small input
    needs no compiled code (:mod:`numerics._kernel_tier`). Same arguments, results and return value."""
    m, k = p.shape
    with np.errstate(all="ignore"):
        d = p - q
        stacked = np.stack([p, q, kl_term(p, q, d), d])  # (4, m, K): Σp, Σq, Σ terms, Σ(p − q)
        hi = np.zeros((4, m))
        lo = np.zeros((4, m))
        for i in range(k):
            x = stacked[:, :, i]
            total = hi + x
            back = total - hi
            lo += (hi - (total - back)) + (x - back)
            hi = total
        big_p = hi[0] + lo[0]
        big_q = hi[1] + lo[1]
        xs = -(hi[3] + lo[3]) / big_p
        base = (hi[2] + lo[2]) / big_p
        flags = 3 if bool(((p < 0.0) | (q < 0.0)).any()) else 0
        flags |= (0 if bool((np.abs(big_p - 1.0) <= tolerance).all()) else 1) | (
            0 if bool((np.abs(big_q - 1.0) <= tolerance).all()) else 2
        )
        corr = _horner(list(_XMLOG1P_COEFFS), xs)
        corr = (corr * xs) * xs
        values = base - corr
        inside = (big_p < _BIG) & (big_q < _BIG) & (big_p > _SMALL_TOTAL) & (big_q > _SMALL_TOTAL)
        good = (np.abs(xs) <= 0.25) & (corr * 8.0 <= values) & inside
        value[...] = np.where(good, np.where(0.0 > values, 0.0, values), values)
        status[...] = np.where(good, 0, np.where(inside, 2, 1))
    for r in np.flatnonzero((status == 2) & (np.abs(xs) > 0.25)):  # rare: libm, as compiled
        xr = float(xs[r])
        if abs(xr) <= 0.5:
            c = xr - math.log1p(xr)
        else:
            ratio = float(big_q[r]) / float(big_p[r])
            c = (ratio - 1.0) - math.log(ratio)
        rest = float(base[r]) - c
        if c * 8.0 <= rest:
            status[r] = 0
            value[r] = 0.0 if 0.0 > rest else rest
        else:
            value[r] = rest
    return flags


def _jit() -> ModuleType:
    """:mod:`numerics._jit`, imported on first use (it imports numba)."""
    cached = _jit_module[0]
    if cached is None:
        import numerics._jit as module

        _jit_module[0] = cached = module
    return cached


_jit_module: list[ModuleType | None] = [None]


_NATIVE_F64 = np.dtype(np.float64)
_EPS64 = float(np.finfo(np.float64).eps)
#: inputs of at most this many elements take the single-call path of kl_categorical
_SMALL_INPUT = 8192


def _logit_rows(x: ArrayLike, name: str, *, allow_pos_inf: bool = False) -> F64:
    arr: F64 = np.asarray(v.as_float_array(x, name, check_finite=False), dtype=np.float64)
    if arr.size:
        if np.isnan(arr).any():
            raise ValueError(f"{name}: contains NaN")
        if not allow_pos_inf and (arr == np.inf).any():
            raise ValueError(f"{name}: contains +inf (a logit of −inf masks a category; +inf is not a logit)")
    return arr


def _softmax_parts(x: F64) -> tuple[F64, F64, F64, F64]:
    """For rows x (n, K) with a finite maximum m: (E, S, lo, hi) with E_i = e^{x_i − m} from
    x_i − m = hi_i + lo_i exactly (:func:`two_sum`), S = Σ E (∈ [1, K]); −inf entries give 0."""
    finite = np.isfinite(x)
    x0 = np.where(finite, x, 0.0)
    m = np.max(np.where(finite, x, -np.inf), axis=-1, keepdims=True)
    hi, lo = two_sum(x0, -m)
    lo = np.where(finite, lo, 0.0)
    e = np.exp(hi)
    e += e * lo
    e = np.where(finite, e, 0.0)
    return e, row_sum(e), lo, hi


def _logit_ell(a: F64, b: F64, r: NDArray[np.intp], r_hi: F64, r_lo: F64) -> tuple[F64, F64, F64]:
    """(c, ℓ, ℓ_lo) for rows (n, K) with both entries finite (else 0): c_i = (a_i − b_i) −
    (a_r − b_r) from exact differences, ℓ = c − R with R = r_hi + r_lo (per row), and the
    rounding errors of the last three operations gathered in ℓ_lo (``numerics._jit._ell_parts``)."""
    both = np.isfinite(a) & np.isfinite(b)
    eh, el = two_sum(np.where(both, a, 0.0), np.where(both, -b, 0.0))
    c, c_err = two_sum(eh - np.take_along_axis(eh, r, -1), el - np.take_along_axis(el, r, -1))
    t, t_err = two_sum(c, -r_hi[:, None])
    e, e_err = two_sum(t, -r_lo[:, None])
    return c, e, (c_err + t_err) + e_err


def _logit_terms(
    p: F64, q: F64, ell: F64, ell_lo: F64, fa: NDArray[np.bool_], fb: NDArray[np.bool_],
    hi_a: F64, lo_a: F64, sa: F64, ex: F64,
) -> F64:
    """The terms q − p + p·ℓ ≥ 0 (``numerics._jit._logit_term``): q where a is masked, 0 where
    both are; (q − p) + p·ℓ for ℓ < −2; p·(e^{−ℓ} − 1 + ℓ) otherwise
    (:func:`numerics._kernels.expm1mx_wide`, ex = e^{−ℓ} where ℓ > 1), p in the subnormal range
    as 2⁻ᵏ·(p·2ᵏ)."""
    with np.errstate(invalid="ignore", over="ignore"):
        g = expm1mx_wide(np.where(fa & fb, -ell, 0.0), np.where(fa & fb, -ell_lo, 0.0), ex)
        far = ((q - p) + p * ell) + p * ell_lo
        terms = np.where(ell < -2.0, far, p * g)
        # p in the subnormal range has lost digits (2⁻¹⁰⁷⁵/p relative): there p·2ᵏ is formed
        # as exp(s), s = (hi + k·ln2_hi) + (lo + k·ln2_lo − log S) ∈ [−½, ½] (the first sum is
        # exact: Sterbenz; k·ln2_hi too: ln2_hi has 32 trailing zero bits), the term as
        # 2⁻ᵏ·(p·2ᵏ)·(e^{−ℓ} − 1 + ℓ), rounded once
        tiny = fa & fb & (p < 2.0**-1000) & (ell >= -2.0)
        zero = tiny & (hi_a < LOGIT_TERM_ZERO_BELOW)  # below 2⁻¹⁰⁷⁵ (k would overflow ldexp)
        if zero.any():
            terms = np.where(zero, 0.0, terms)
            tiny &= ~zero
        if tiny.any():
            k = np.where(tiny, np.rint(-hi_a / _LN2_HI), 0.0)
            s_exp = (hi_a + k * _LN2_HI) + ((lo_a + k * _LN2_LO) - np.log(sa)[:, None])
            scaled = np.exp(np.where(tiny, s_exp, 0.0)) * g
            terms = np.where(tiny, np.ldexp(scaled, -k.astype(np.int64)), terms)
        # ℓ < −2 with p in the subnormal range: q + 2⁻ᵏ·(p·2ᵏ)·(ℓ − 1), rounded once (p's own
        # rounding, magnified by 1 + |ℓ|, would cost up to ~18 ulp of a KL near 2⁻¹⁰²²)
        tiny_far = fa & fb & (p < 2.0**-1000) & (ell < -2.0) & (hi_a >= LOGIT_TERM_ZERO_BELOW)
        if tiny_far.any():
            k = np.where(tiny_far, np.rint(-hi_a / _LN2_HI), 0.0)
            s_exp = (hi_a + k * _LN2_HI) + ((lo_a + k * _LN2_LO) - np.log(sa)[:, None])
            scaled = np.exp(np.where(tiny_far, s_exp, 0.0)) * ((ell - 1.0) + ell_lo)
            terms = np.where(tiny_far, q + np.ldexp(scaled, -k.astype(np.int64)), terms)
    return np.where(fa, np.where(fb, terms, 0.0), q)


def _kl_logits_rows(a: F64, b: F64) -> F64:
    """KL(softmax a ‖ softmax b) for rows (n, K): no NaN or +inf, a finite entry in every row.

    With p = softmax(a) (from e^{a − max a} by NumPy's exp, :func:`_softmax_parts`), r the mode
    of p, e = a − b and c_i = e_i − e_r (from exact differences), ℓ_i = log(p_i/q_i) = c_i − R,
    R = log(q_r/p_r) = (b_r − max b) + log(S_a/S_b) carried as a double-double, ℓ as ℓ + ℓ_lo
    (:func:`_logit_ell`); then the non-negative terms of :func:`_logit_terms`, whose exponential
    e^{−ℓ} (where ℓ > 1) is NumPy's too. The error δ of that R enters the KL as δ²/2 (the
    first-order part cancels: Σ p·(e^{−ℓ} − 1) = Σ q − Σ p), at most 2⁻⁵⁶·KL where KL ≥ 2⁻⁴⁴; rows
    below take R = log1p(X), X = Σ_j (q_j e^{c_j} − q_j) (q_j·expm1(c_j) where |c_j| ≤ 1, else
    e^{a_j − max a}·q_r − q_j; −q_j where a_j is masked), accurate relative to R. Logits
    differing by a constant give c = 0, X = 0: exactly 0. Masked categories (−inf) have
    probability 0; a category masked in b only is a support mismatch (+inf).

    The forms of the compiled passes (``numerics._jit.logits_shift``, ``logits_ratio``,
    ``logits_terms``), except that the row sums here are NumPy's pairwise ones and the near
    rows' e^{−ℓ} is NumPy's where the compiled code calls the C library
    (``tests/numerics/test_logits_kernels.py``)."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    mismatch = (fa & ~fb).any(axis=-1)
    ea, sa, lo_a, hi_a = _softmax_parts(a)
    eb, sb, lo_b, hi_b = _softmax_parts(b)
    p = ea / sa[:, None]
    q = eb / sb[:, None]
    r = np.argmax(np.where(fa, a, -np.inf), axis=-1)[:, None]
    both = fa & fb
    with np.errstate(invalid="ignore", over="ignore", divide="ignore", under="ignore"):
        r_hi, r_lo = two_sum(np.take_along_axis(hi_b, r, -1)[:, 0], np.log(sa / sb))
        r_lo = r_lo + np.take_along_axis(lo_b, r, -1)[:, 0]
        c, ell, ell_lo = _logit_ell(a, b, r, r_hi, r_lo)
        ell = np.where(both, ell, np.where(fa, np.inf, -np.inf))
        ell_lo = np.where(both, ell_lo, 0.0)
        ex = np.exp(np.minimum(-ell, 0.0))
        value = np.maximum(row_sum(_logit_terms(p, q, ell, ell_lo, fa, fb, hi_a, lo_a, sa, ex)), 0.0)
        near = np.flatnonzero(~mismatch & (value < _FAR_KL))
        if near.size:
            an, bn, fan, fbn = a[near], b[near], fa[near], fb[near]
            pn, qn, cn, rn = p[near], q[near], c[near], r[near]
            q_r = np.take_along_axis(qn, rn, -1)
            w = np.where(np.abs(cn) <= 1.0, qn * np.expm1(np.where(np.abs(cn) <= 1.0, cn, 0.0)),
                         ea[near] * q_r - qn)
            w = np.where(fan & fbn, w, np.where(fbn, -qn, 0.0))
            big_x = row_sum(w)
            use = big_x >= -0.5
            n_hi = np.where(use, np.log1p(np.where(use, big_x, 0.0)), r_hi[near])
            n_lo = np.where(use, 0.0, r_lo[near])
            _, elln, elln_lo = _logit_ell(an, bn, rn, n_hi, n_lo)
            bothn = fan & fbn
            elln = np.where(bothn, elln, np.where(fan, np.inf, -np.inf))
            elln_lo = np.where(bothn, elln_lo, 0.0)
            exn = np.exp(np.minimum(-elln, 0.0))
            terms = _logit_terms(pn, qn, elln, elln_lo, fan, fbn, hi_a[near], lo_a[near], sa[near], exn)
            value[near] = np.maximum(row_sum(terms), 0.0)
    return np.where(mismatch, np.inf, value)


#: rows whose KL is at least this take R = log(q_r/p_r) from log(S_a/S_b) (``_kl_logits_rows``)
_FAR_KL = 2.0**-44


#: logits beyond this magnitude can make a difference of two logits overflow
_WIDE_LOGIT = 2.0**1000
#: entries of a more than this below the row's maximum have probability < e^{−2000}
_MASK_BELOW = 2000.0
#: entries of b more than this below the row's maximum are clamped (q = 0 either way)
_CLAMP_BELOW = 2.0**900


def _kl_logits_rows_any(a: F64, b: F64) -> F64:
    """:func:`_kl_logits_rows` for rows with any finite logit (n, K): rows whose logits reach
    beyond ±2¹⁰⁰⁰, where a difference of two logits can overflow, are first brought into range
    (:func:`_wide_logit_rows`)."""
    with np.errstate(all="ignore"):
        top = np.maximum(np.abs(np.where(np.isfinite(a), a, 0.0)).max(axis=-1),
                         np.abs(np.where(np.isfinite(b), b, 0.0)).max(axis=-1))
    wide = np.flatnonzero(top > _WIDE_LOGIT)
    if wide.size == 0:
        return _kl_logits_rows_compiled(a, b)
    value = np.empty(a.shape[0])
    narrow = np.setdiff1d(np.arange(a.shape[0]), wide)
    if narrow.size:
        value[narrow] = _kl_logits_rows_compiled(a[narrow], b[narrow])
    value[wide] = _wide_logit_rows(a[wide], b[wide])
    return value


def _kl_logits_rows_compiled(a: F64, b: F64) -> F64:
    """:func:`_kl_logits_rows` (the NumPy reference form, kept for
    ``tests/numerics/test_logits_kernels.py``) by compiled passes around NumPy's vectorised exp
    (:func:`_kl_logits_block`), row blocks in threads. Rows outside the domain give NaN."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    value = np.empty(a.shape[0])
    _kl_logits_blocks(a, b, value)
    return value


def _kl_logits_blocks(a: F64, b: F64, value: F64) -> int:
    """:func:`_kl_logits_block` over row blocks in threads (before the compiled kernels are
    loaded, its NumPy form :func:`numerics._logits_numpy.kl_logits_block_numpy`, the same bits,
    in one block); returns how many rows were skipped."""
    n = a.shape[0]
    if not T.compiled_loaded():
        return kl_logits_block_numpy(a, b, value)
    skipped: list[int] = []

    def run(block: slice) -> None:
        start, stop, _ = block.indices(n)
        skipped.append(_kl_logits_block(a[start:stop], b[start:stop], value[start:stop]))

    P.run_blocks(run, P.row_blocks(n, a.size, P.MIN_ELEMENTS_FEW_CALLS))
    return sum(skipped)


def _kl_logits_block(a: F64, b: F64, value: F64) -> int:
    """value = :func:`_kl_logits_rows` (a, b) for C-contiguous (m, K) rows: the shifted logits
    (:func:`numerics._jit.logits_shift`), NumPy's exp of them, the sums and ℓ
    (:func:`numerics._jit.logits_ratio`), NumPy's exp of min(−ℓ, 0), the terms
    (:func:`numerics._jit.logits_terms`); temporaries from this thread's pool. Returns how many
    rows were outside the domain (their value is NaN)."""
    from numerics import _jit as J  # numba is imported on first use only

    m = a.shape[0]
    shape = a.shape
    ha, la = scratch("lg_ha", shape), scratch("lg_la", shape)
    hb, lb = scratch("lg_hb", shape), scratch("lg_lb", shape)
    ea, eb = scratch("lg_ea", shape), scratch("lg_eb", shape)
    ell, ell_lo, u = scratch("lg_ell", shape), scratch("lg_ell_lo", shape), scratch("lg_u", shape)
    info = np.empty(m, dtype=np.int64)
    sums = np.empty((m, 2))
    skipped = J.logits_shift(a, b, ha, la, hb, lb, info, 0, m)
    with np.errstate(under="ignore"):
        np.exp(ha, out=ea)
        np.exp(hb, out=eb)
        J.logits_ratio(a, b, la, hb, lb, ea, eb, info, sums, ell, ell_lo, u, 0, m)
        np.exp(u, out=u)
    J.logits_terms(a, b, ha, la, hb, lb, ea, eb, info, sums, ell, ell_lo, u, value, 0, m)
    return int(skipped)


def _wide_logit_rows(a: F64, b: F64) -> F64:
    """KL(softmax a ‖ softmax b) for rows with logits beyond ±2¹⁰⁰⁰, without overflow:

    * entries of a more than 2000 below a's maximum (found from halves a/2, which cannot
      overflow) are masked: their probability is < e^{−2000}, and their share of the KL is at
      most e^{−2000}·(2000 + 2·1.8e308) < 2⁻¹⁸⁰⁰, below any float's half-ulp beside the rest;
    * a and b are shifted by their maxima where those exceed 2¹⁰⁰⁰ (softmax is unchanged; the
      differences kept are exact: an entry within 2000 — or 2⁹⁰⁰ — of a maximum beyond 2¹⁰⁰⁰
      is within a factor 2 of it, Sterbenz);
    * entries of b more than 2⁹⁰⁰ below b's maximum (q = 0 either way) are raised to that level,
      and what this removes from log(p/q), Δ = b̃ − b, is added back as Σ p·Δ = Σ 2·(p·Δ/2), in
      halves; the KL of the raised logits is the ordinary route's (:func:`_kl_logits_rows`).
    The result overflows to inf only where the exact KL does (up to rounding)."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    with np.errstate(all="ignore"):
        ma = np.max(np.where(fa, a, -np.inf), axis=-1, keepdims=True)
        mb = np.max(np.where(fb, b, -np.inf), axis=-1, keepdims=True)
        ha = np.where(fa, a * 0.5 - ma * 0.5, -np.inf)  # (a − max a)/2, never overflows
        hb = np.where(fb, b * 0.5 - mb * 0.5, -np.inf)
        shift_a = np.where(np.abs(ma) > _WIDE_LOGIT, ma, 0.0)
        shift_b = np.where(np.abs(mb) > _WIDE_LOGIT, mb, 0.0)
        a2 = np.where(ha >= -_MASK_BELOW / 2, a - shift_a, -np.inf)
        low = fb & (hb < -_CLAMP_BELOW / 2)
        b2 = np.where(low, (mb - shift_b) - _CLAMP_BELOW, np.where(fb, b - shift_b, -np.inf))
        value = _kl_logits_rows(a2, b2)
        if low.any():
            e, s, _, _ = _softmax_parts(a2)
            p = e / s[:, None]
            half_gap = np.where(low & (p > 0), (b2 * 0.5 + shift_b * 0.5) - b * 0.5, 0.0)
            value = value + 2.0 * row_sum(p * half_gap)
    return value


_LN2_HI = 6.93147180369123816490e-01  # ln 2 to 21 bits (fdlibm): k·_LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10


def _check_rows_have_mass(x: F64, name: str) -> None:
    if x.size and (np.isneginf(x).all(axis=-1)).any():
        raise ValueError(f"{name}: every logit of an event is −inf (no probability mass)")


def _kl_logits_prechecked(a: ArrayLike, b: ArrayLike) -> Array | None:
    """:func:`kl_categorical_logits` for the common case (two non-empty native float64
    C-contiguous arrays of the same shape) with the validation folded into the compiled pass
    (:func:`numerics._jit.logits_shift` skips and counts every row with a NaN or +inf, without
    a finite entry, or with a logit beyond ±2¹⁰⁰⁰). None when the case does not apply or a row was
    skipped: the caller then validates as usual (which raises, naming the argument) and routes
    wide rows."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray:
        return None
    if not (a.dtype == b.dtype == _NATIVE_F64 and a.shape == b.shape and a.ndim >= 1):
        return None
    if a.size == 0 or not (a.flags.c_contiguous and b.flags.c_contiguous):
        return None
    k = a.shape[-1]
    rows_a, rows_b = a.reshape(-1, k), b.reshape(-1, k)
    value = np.empty(rows_a.shape[0])
    if _kl_logits_blocks(rows_a, rows_b, value):
        return None
    return _out(value.reshape(a.shape[:-1]), _NATIVE_F64, fresh=True)


@T.metered
def kl_categorical_logits(a: ArrayLike, b: ArrayLike) -> Array:
    """KL(softmax(a) ‖ softmax(b)) over the last axis, from logits (see :func:`_kl_logits_rows`);
    exact for every finite input (no exp of a difference overflows), −inf logits mask."""
    fast = _kl_logits_prechecked(a, b)
    if fast is not None:
        return fast
    aa, ba = _logit_rows(a, "a"), _logit_rows(b, "b")
    dtype = v.result_dtype(a, b)
    if aa.ndim == 0 or ba.ndim == 0:
        raise ValueError(f"{'a' if aa.ndim == 0 else 'b'}: expected logit vectors (…, K), got a scalar")
    aa, ba = v.broadcast("a", aa, "b", ba, core=1)
    if aa.shape[-1] == 0:
        raise ValueError("a, b: empty logit vectors (the last axis has length 0)")
    _check_rows_have_mass(aa, "a")
    _check_rows_have_mass(ba, "b")
    batch = aa.shape[:-1]
    if aa.size == 0:
        return _out(np.zeros(batch), dtype)
    return _out(_kl_logits_rows_any(_rows(aa), _rows(ba)).reshape(batch), dtype)


def _compensated_row_sum(x: F64) -> tuple[F64, F64]:
    """Row sums of (n, K) as hi + lo (hi within about an ulp of the exact sums, hi + lo within
    ~2√K·ε² relative): each row cut into blocks of
    ⌈√K⌉ entries (the last padded with zeros), each block summed with Knuth's two-sum
    compensation (:func:`_dd_row_sum`, a loop over the block's columns vectorised across every
    block of every row), then the blocks' hi and lo parts summed the same way — about 2√K
    vectorised steps, and a row's sum depends on that row alone (the blocks are set by K, not by
    the batch). A pairwise sum's log₂K·ε enters H(p̂) through every term's 1/P and log P:
    8.7 ulp measured at K = 64 near one-hot, 1.3 with this sum."""
    n, k = x.shape
    width = math.isqrt(k - 1) + 1  # ⌈√K⌉ for K ≥ 1
    blocks = -(-k // width)
    if blocks * width != k:
        x = np.concatenate([x, np.zeros((n, blocks * width - k))], axis=1)
    hi, lo = (part.reshape(blocks, n, order="F") for part in _dd_row_sum(x.reshape(n * blocks, width)))
    hi_t, lo_t = np.ascontiguousarray(hi), np.ascontiguousarray(lo)  # block j of every row: contiguous
    total, err = hi_t[0].copy(), lo_t[0].copy()
    for j in range(1, blocks):
        total, e = two_sum(total, hi_t[j])
        err += e + lo_t[j]
    return two_sum(total, err)


def _entropy64(pa: F64) -> F64:
    """H(p̂) = H(p̂, p̂) (:func:`_cross_entropy64`)."""
    return _cross_entropy64(pa, pa)


def _cross_entropy64(pa: F64, qa: F64) -> F64:
    """H(p̂, q̂) = Σ_i p̂_i·log(Q/q_i): positive terms (q̂_i ≤ 1), each a double-double — never
    H(p̂) + KL(p̂ ‖ q̂) rounded apart, nor P·(…) − Σ p log q: p̂_i = p_i/P with P = Σp and Q = Σq as
    hi + lo (:func:`_compensated_row_sum`), log(Q/q_i) = log Q − log q_i from double-double
    logarithms (:func:`numerics._double_double.log_dd`; q_i ≤ Q/2 there, so the difference is
    ≥ log 2), and for q's mode r, log(Q/q_r) = log1p(S_r/q_r) with S_r = Σ_{j≠r} q_j summed
    directly — x − (x − log(1 + x)) by the certified polynomial V where x = S_r/q_r ≤ ½ (near
    one-hot rows keep the mode's share to ε² of itself) —; the products by Dekker, the sum
    compensated, one rounding at the end. +inf where some p_i > 0 has q_i = 0."""
    batch = pa.shape[:-1]
    if pa.size == 0:
        return np.zeros(batch)
    p = _scale_rows(_rows(pa))
    q = p if qa is pa else _scale_rows(_rows(qa))
    if T.compiled_loaded():  # the prelude and the terms in one compiled call (the same bits)
        term, term_lo = np.empty(p.shape), np.empty(p.shape)
        width = math.isqrt(p.shape[1] - 1) + 1  # _compensated_row_sum's block
        _jit().cross_entropy_row_terms(np.ascontiguousarray(p), np.ascontiguousarray(q), width, term, term_lo)
    else:
        term, term_lo = _cross_entropy_row_terms_numpy(p, q)
    live = p > 0.0
    total, total_lo = _compensated_row_sum(term)
    value = np.maximum(total + (total_lo + row_sum(term_lo)), 0.0)
    value = np.where((live & (q == 0.0)).any(axis=-1), np.inf, value)  # support mismatch
    return value.reshape(batch)


def _cross_entropy_row_terms_numpy(p: F64, q: F64) -> tuple[F64, F64]:
    """p̂_ij·log(Q_i/q_ij) as hi + lo for scaled rows (n, K) (:func:`_cross_entropy64`), in NumPy:
    the rows' totals, q's mode and log(Q/q_mode), then :func:`_cross_entropy_terms_numpy` (the form
    of :func:`numerics._jit.cross_entropy_row_terms`, the same bits)."""
    big_p, big_p_lo = (x[:, None] for x in _compensated_row_sum(p))
    big_q, big_q_lo = (x[:, None] for x in _compensated_row_sum(q))
    r = np.argmax(q, axis=-1)[:, None]
    others = q.copy()
    np.put_along_axis(others, r, 0.0, axis=-1)
    s_r, s_r_lo = (x[:, None] for x in _compensated_row_sum(others))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        l_big, l_big_lo = log_dd(big_q[:, 0])  # log Q
        l_big_lo = l_big_lo + big_q_lo[:, 0] / big_q[:, 0]
        # the mode: log1p(x), x = S_r/q_r, as x − g(x) (g ≥ 0, ≤ x²/2) where x ≤ ½
        q_r = np.take_along_axis(q, r, axis=-1)[:, 0]
        x, x_lo = divide_dd(s_r[:, 0], s_r_lo[:, 0], q_r, np.zeros_like(q_r))
        m, m_lo = two_sum(x, -x_minus_log1p(x))
        m_lo = m_lo + x_lo
    return _cross_entropy_terms_numpy(p, q, big_p[:, 0], big_p_lo[:, 0], l_big, l_big_lo,
                                      r[:, 0].astype(np.int64), m, m_lo, x <= 0.5)


def _cross_entropy_terms_numpy(
    p: F64, q: F64, big_p: F64, big_p_lo: F64, l_big: F64, l_big_lo: F64, mode: NDArray[np.int64],
    m: F64, m_lo: F64, use_mode: NDArray[np.bool_],
) -> tuple[F64, F64]:
    """p̂_ij·log(Q_i/q_ij) as hi + lo for rows (n, K) from the rows' P (hi, lo), log Q (hi, lo),
    q's mode and, where use_mode, log(Q/q_mode) = m + m_lo: log Q − log q_ij by
    :func:`numerics._double_double.log_dd`, p̂ = p/P by :func:`divide_dd`, the product by Dekker
    (with the rows' prelude, the NumPy form of :func:`numerics._jit.cross_entropy_row_terms`)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        safe_q = np.where(q > 0.0, q, 1.0)
        l_q, l_q_lo = log_dd(safe_q)
        ell, ell_lo = two_sum(l_big[:, None], -l_q)
        ell_lo = ell_lo + (l_big_lo[:, None] - l_q_lo)
        use = (np.arange(p.shape[1])[None, :] == mode[:, None]) & use_mode[:, None]
        ell = np.where(use, m[:, None], ell)
        ell_lo = np.where(use, m_lo[:, None], ell_lo)
        share, share_lo = divide_dd(p, np.zeros_like(p), big_p[:, None], big_p_lo[:, None])
        t, t_lo = two_product(share, ell)
        t_lo = t_lo + (share * ell_lo + share_lo * ell)
        live = p > 0.0
    return np.where(live, t, 0.0), np.where(live, t_lo, 0.0)


def entropy_categorical(p: ArrayLike, *, normalize: bool = False) -> Array:
    """H(p̂) = −Σ p̂ log p̂ (0 log 0 = 0) of p̂ = p/Σp, without forming p̂ (see :func:`_entropy64`)."""
    pa = v.probability_vectors(p, "p", normalize=normalize)
    return _out(_entropy64(pa), v.result_dtype(p))


@T.metered
def cross_entropy_categorical(p: ArrayLike, q: ArrayLike, *, normalize: bool = False) -> Array:
    """H(p̂, q̂) = −Σ p̂ log q̂ (inf on support mismatch): positive double-double terms p̂ᵢ·log(Q/qᵢ),
    summed and rounded once (:func:`_cross_entropy64`)."""
    pa, qa, dtype = _prob_pair(p, q, normalize)
    return _out(_cross_entropy64(pa, qa), dtype)


def _pair_products(pa: F64, qa: F64) -> tuple[F64, ...]:
    """For rows p, q (n, K) (each scaled by a power of 2, exactly): a = p_i·Q, b = q_i·P and
    a − b as double-doubles (a, a_lo, b, b_lo, num, num_lo), and P·Q (pq, pq_lo), (n, 1) — the
    totals P, Q carried as hi + lo (:func:`_compensated_row_sum`), so that p̂_i/q̂_i = a/b and
    p̂_i ∓ q̂_i = (a ∓ b)/(PQ) keep every digit: rounded totals would cost ε/|p̂ − q̂| relative in
    near-equal pairs of different totals; the near-proportional difference by
    :func:`_near_proportional_num`. Shared by the JSD and the normalising KL."""
    p, q = _scale_rows(_rows(pa)), _scale_rows(_rows(qa))
    big_p, lo_p = (x[:, None] for x in _compensated_row_sum(p))
    big_q, lo_q = (x[:, None] for x in _compensated_row_sum(q))
    h1, l1 = two_product(p, big_q)
    h2, l2 = two_product(q, big_p)
    num, num_lo = two_sum(h1, -h2)
    num, num_lo = two_sum(num, num_lo + ((l1 - l2) + (p * lo_q - q * lo_p)))
    num, num_lo = _near_proportional_num(p, q, big_q, lo_q, h1, h2, num, num_lo)
    a, a_lo = two_sum(h1, l1 + p * lo_q)  # p_i·Q
    b, b_lo = two_sum(h2, l2 + q * lo_p)  # q_i·P
    pq, pq_lo = two_product(big_p, big_q)
    pq_lo += big_p * lo_q + lo_p * big_q
    return a, a_lo, b, b_lo, num, num_lo, pq, pq_lo


def _sum_over_pq(terms: F64, terms_lo: F64, pq: F64, pq_lo: F64) -> F64:
    """(Σ_i terms)/(PQ) per row, the sum compensated and the quotient a double-double, rounded
    once."""
    total, total_lo = _compensated_row_sum(terms)
    total_lo = total_lo + row_sum(terms_lo)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        value, value_lo = divide_dd(total, total_lo, pq[:, 0], pq_lo[:, 0])
        return value + value_lo


def _jsd64(pa: F64, qa: F64) -> F64:
    """JSD of the normalised rows as ¼ Σ ŝ_i φ(y_i) (:mod:`numerics._jensen_shannon`), ŝ = p̂ + q̂,
    y = (p̂ − q̂)/(p̂ + q̂) = (p_i Q − q_i P)/(p_i Q + q_i P) from exact products with the totals
    (:func:`_pair_products`): no rounded p̂, q̂ or m enters, so near-equal pairs keep their
    difference and the value its last digits."""
    batch = pa.shape[:-1]
    if pa.size == 0:
        return np.zeros(batch)
    a, a_lo, b, b_lo, num, num_lo, pq, pq_lo = _pair_products(pa, qa)
    value = _sum_over_pq(*jsd_terms(a, a_lo, b, b_lo, num, num_lo), pq, pq_lo) * 0.25
    return np.clip(value, 0.0, np.log(2.0)).reshape(batch)


def _kl_rows_dd(pa: F64, qa: F64) -> F64:
    """KL(p̂ ‖ q̂) of the normalised rows as (1/PQ) Σ_i [a_i·log(a_i/b_i) − (a_i − b_i)],
    a = p_i·Q, b = q_i·P (:func:`_pair_products`; the differences sum to PQ − QP = 0): every term
    ≥ 0 and a double-double (:func:`numerics._kl_kappa.kl_terms`), one rounding at the end; +inf
    on support mismatch. The route for ``normalize=True`` and for the rows the fast path hands on
    (φ₁ > KL/8: nearly proportional vectors with different totals)."""
    batch = pa.shape[:-1]
    if pa.size == 0:
        return np.zeros(batch)
    a, a_lo, b, b_lo, num, num_lo, pq, pq_lo = _pair_products(pa, qa)
    terms, terms_lo = kl_kappa_terms(a, a_lo, b, b_lo, num, num_lo)
    mismatch = np.isinf(terms)  # q_i = 0 < p_i
    value = _sum_over_pq(np.where(mismatch, 0.0, terms), np.where(mismatch, 0.0, terms_lo), pq, pq_lo)
    value = np.where(mismatch.any(axis=-1), np.inf, np.maximum(value, 0.0))
    return value.reshape(batch)


_EPS = 2.0**-53


def _near_proportional_num(
    p: F64, q: F64, big_q: F64, lo_q: F64, h1: F64, h2: F64, num: F64, num_lo: F64
) -> tuple[F64, F64]:
    """p_i·Q − q_i·P for rows (n, K) as hi + lo, where ``num`` + ``num_lo`` (from the products
    with the totals, h1 = fl(p_i·Q), h2 = fl(q_i·P)) may be smaller than the rounding of its
    parts allows: it carries an error ~4ε²(h1 + h2), all of its value once q is within a few ε
    of proportional to p (q = p·(1 + kε), rounded: 2·10³ ulp in the JSD). There the same number
    from u_i = p_i q_r − p_r q_i (exact products; r the largest q, so that
    |p_i q_j − q_i p_j| = |q_j u_i − q_i u_j|/q_r is formed from small parts):
    (Q u_i − q_i Σu)/q_r, with u, Σu, the products and the quotient as double-doubles (error
    ~ε² of its parts). A row where some element's ``num`` may be off by more than 16 ulp of itself
    and that form's bound is the smaller takes that form for every element."""
    lost = 4 * _EPS * _EPS * (np.abs(h1) + np.abs(h2)) > 16 * _EPS * np.abs(num)  # beyond 16 ulp of itself
    rows = np.flatnonzero(lost.any(axis=-1))
    if rows.size == 0:
        return num, num_lo
    p, q, big_q, lo_q, h1, h2 = (x[rows] for x in (p, q, big_q, lo_q, h1, h2))
    with np.errstate(all="ignore"):
        r = np.argmax(q, axis=-1)[:, None]
        pr, qr = np.take_along_axis(p, r, axis=-1), np.take_along_axis(q, r, axis=-1)
        a1, b1 = two_product(p, qr)
        a2, b2 = two_product(pr, q)
        u, u_lo = two_sum(a1 - a2, b1 - b2)
        su, su_lo = _dd_row_sum(u)
        su_lo = su_lo + row_sum(u_lo, keepdims=True)
        t1, t1_lo = two_product(big_q, u)
        t1_lo += big_q * u_lo + lo_q * u
        t2, t2_lo = two_product(q, su)
        t2_lo += q * su_lo
        d, d_lo = two_sum(t1, -t2)
        alt, alt_lo = divide_dd(d, d_lo + (t1_lo - t2_lo), qr, np.zeros_like(qr))
        bound_num = 4 * _EPS * _EPS * (np.abs(h1) + np.abs(h2))
        bound_alt = 2 * _EPS * (big_q * np.abs(u) + q * row_sum(np.abs(u), keepdims=True)) / qr
        better = lost[rows] & (bound_alt < bound_num)
        # whole rows: the errors of one form are common to the row (a rounding of the totals
        # shifts every log ratio alike, a second-order change), a mixture of forms is not
        take = better.any(axis=-1, keepdims=True) & np.isfinite(alt).all(axis=-1, keepdims=True)
    num, num_lo = num.copy(), num_lo.copy()
    num[rows] = np.where(take, alt, num[rows])
    num_lo[rows] = np.where(take, alt_lo, num_lo[rows])
    return num, num_lo


def _dd_row_sum(x: F64) -> tuple[F64, F64]:
    """Row sums of (n, K) as hi + lo (columns accumulated with :func:`two_sum`, the errors
    summed apart): relative error ~K·ε² instead of ~log₂K·ε; (n, 1) each."""
    cols = np.ascontiguousarray(x.T)  # column j of every row: contiguous
    hi = cols[0].copy()
    lo = np.zeros_like(hi)
    for j in range(1, cols.shape[0]):
        hi, err = two_sum(hi, cols[j])
        lo += err
    hi, lo = two_sum(hi, lo)
    return hi[:, None], lo[:, None]


@T.metered
def jsd_categorical(p: ArrayLike, q: ArrayLike, *, normalize: bool = False) -> Array:
    """JSD(p̂, q̂) = ½ KL(p̂ ‖ m) + ½ KL(q̂ ‖ m), m = (p̂ + q̂)/2, in nats; ∈ [0, log 2]."""
    pa, qa, dtype = _prob_pair(p, q, normalize)
    return _out(_jsd64(pa, qa), dtype)


# --------------------------------------------------------------------------- Bernoulli


def _bernoulli_probs(p: ArrayLike, name: str) -> F64:
    arr = v.as_float_array(p, name)
    if arr.size and ((arr < 0) | (arr > 1)).any():
        raise ValueError(f"{name}: Bernoulli probabilities must lie in [0, 1]")
    return np.asarray(arr, dtype=np.float64)


def _bernoulli_pair(p: ArrayLike, q: ArrayLike) -> tuple[F64, F64, np.dtype]:
    pa, qa = _bernoulli_probs(p, "p"), _bernoulli_probs(q, "q")
    pa, qa = v.broadcast("p", pa, "q", qa)
    return _c(pa), _c(qa), v.result_dtype(p, q)


@T.metered
def kl_bernoulli(p: ArrayLike, q: ArrayLike) -> Array:
    """KL(Bern(p) ‖ Bern(q)) = p log(p/q) + (1−p) log((1−p)/(1−q)), as two non-negative terms
    (s/2)·κ(y) of the exact differences and complements (:mod:`numerics._kl_kappa`)."""
    pa, qa, dtype = _bernoulli_pair(p, q)
    return _out(kl_bernoulli_values(pa, qa), dtype)


def _bernoulli_logit_pair(x: F64) -> F64:
    """Logit x of Bern(σ(x)) as the categorical logits (x, 0); ±inf as (0, −inf) / (−inf, 0)."""
    first = np.where(x == np.inf, 0.0, x)
    second = np.where(x == np.inf, -np.inf, 0.0)
    return np.stack([first, second], axis=-1)


@T.metered
def kl_bernoulli_logits(a: ArrayLike, b: ArrayLike) -> Array:
    """KL(Bern(σ(a)) ‖ Bern(σ(b))) from logits: the categorical KL of the logit pairs (a, 0) and
    (b, 0) (:func:`_kl_logits_rows`), exact for every finite input; ±inf is probability 1 / 0."""
    aa = _logit_rows(a, "a", allow_pos_inf=True)
    ba = _logit_rows(b, "b", allow_pos_inf=True)
    dtype = v.result_dtype(a, b)
    aa, ba = v.broadcast("a", aa, "b", ba)
    shape = aa.shape
    if aa.size == 0:
        return _out(np.zeros(shape), dtype)
    fa, fb = _c(aa).reshape(-1), _c(ba).reshape(-1)
    value = np.empty(fa.size)
    beyond: list[int] = []
    into = _kl_bernoulli_logits_into if T.compiled_loaded() else kl_bernoulli_logits_into_numpy
    _blockwise(functools.partial(into, beyond=beyond), [fa, fb], value, min_elements=P.MIN_ELEMENTS_FEW_CALLS)
    if sum(beyond):  # beyond σ's normal range, or ±inf: the categorical route of the pairs (x, 0)
        with np.errstate(invalid="ignore"):
            far = np.flatnonzero(~((np.abs(fa) <= _SIGMOID_RANGE) & (np.abs(fb) <= _SIGMOID_RANGE)))
        value[far] = _kl_logits_rows_any(
            _bernoulli_logit_pair(fa[far]), _bernoulli_logit_pair(fb[far])
        )
    return _out(value.reshape(shape), dtype, fresh=True)


#: |logit| up to which σ(x) and σ(−x) are normal floats (e^{−700} ≈ 1e−304)
_SIGMOID_RANGE = 700.0


def _kl_bernoulli_logits_into(a: F64, b: F64, *, out: F64, beyond: list[int]) -> None:
    """KL(Bern(σ(a)) ‖ Bern(σ(b))) for |a|, |b| ≤ 700 (other elements are overwritten by the
    caller): the two non-negative terms of :func:`kl_bernoulli` with p = σ(a), 1 − p = σ(−a),
    q = σ(b), 1 − q = σ(−b) each to ~1 ulp (from e^{−|x|}, never 1 − σ), the difference p − q
    taken exactly enough from the logits — σ(a) − σ(b) = −σ(a)·σ(−b)·expm1(b − a) where
    |a − b| ≤ 2 (``_kernels.BERNOULLI_LOGIT_EXPM1_BELOW``: its roundings are those of the σ's the
    terms use, where p − q of the rounded σ's, just past |a − b| = 1, left 16 ulp); beyond, p − q
    or (1 − q) − (1 − p), whichever pair is the smaller (their ratio is then ≥ ~e²: no
    cancellation) — and log(p/q) = log1p((p − q)/q) (likewise for 1 − p, 1 − q),
    accurate enough that a·log(a/b) − d is taken from y < −½ on (:func:`numerics._jit.kl_terms_log1p`).
    Compiled passes (:func:`numerics._jit.bernoulli_logit_split`,
    :func:`numerics._jit.bernoulli_logit_ratios`, :func:`numerics._jit.bernoulli_logit_terms`, which
    recomputes σ's rather than storing them) around NumPy's vectorised exp, expm1 and log1p.
    Appends to ``beyond`` how many elements lie outside ±700."""
    from numerics import _jit as J  # numba is imported on first use only

    shape = a.shape
    names = ("ta", "tb", "h", "em", "lo", "r1", "r0")
    ta, tb, h, em, lo, r1, r0 = (scratch("blogit_" + k, shape) for k in names)
    with np.errstate(all="ignore"):
        beyond.append(J.bernoulli_logit_split(a, b, _SIGMOID_RANGE, ta, tb, h, lo))
        np.exp(ta, out=ta)
        np.exp(tb, out=tb)
        np.expm1(h, out=em)
        J.bernoulli_logit_ratios(a, b, ta, tb, h, em, lo, r1, r0)
        np.log1p(r1, out=r1)
        np.log1p(r0, out=r0)
        if not J.bernoulli_logit_terms(a, b, ta, tb, h, em, lo, r1, r0, out):
            return
        # log a − log b needed somewhere (a ratio over- or underflowed): the separate passes
        buf = {k: scratch("blogit_" + k, shape) for k in ("p", "p0", "q", "q0", "d", "nd", "t0", "x1", "x0")}
        J.bernoulli_logit_parts(a, b, ta, tb, h, em, lo, buf["p"], buf["p0"], buf["q"], buf["q0"],
                                buf["d"], buf["nd"], buf["x1"], buf["x0"])
        if J.kl_terms_log1p(buf["p"], buf["q"], buf["d"], r1, out):
            J.kl_terms_d_fix(buf["p"], buf["q"], buf["d"], r1, out)
        t0 = buf["t0"]
        if J.kl_terms_log1p(buf["p0"], buf["q0"], buf["nd"], r0, t0):
            J.kl_terms_d_fix(buf["p0"], buf["q0"], buf["nd"], r0, t0)
        out += t0


def entropy_bernoulli(p: ArrayLike) -> Array:
    """H(Bern(p)) = −p log p − (1 − p) log(1 − p): two non-positive terms x·log x, each as a
    double-double (:func:`numerics._double_double.x_log_x`: a double-double logarithm, Dekker's
    product; 1 − p exact by a two-sum), summed and rounded once."""
    x = np.asarray(_bernoulli_probs(p, "p"), dtype=np.float64)
    return _out(T.elementwise("entropy_bernoulli", _entropy_bernoulli_numpy, x), v.result_dtype(p))


def _entropy_bernoulli_numpy(x: F64) -> F64:
    """:func:`entropy_bernoulli` of float64 probabilities in NumPy (the form of
    :func:`numerics._jit.entropy_bernoulli`, the same bits)."""
    c, c_lo = two_sum(np.ones_like(x), -x)
    t1, l1 = x_log_x(x, np.zeros_like(x))
    t2, l2 = x_log_x(c, c_lo)
    return -sum_dd(t1, l1, t2, l2)


@T.metered
def jsd_bernoulli(p: ArrayLike, q: ArrayLike) -> Array:
    """JSD(Bern(p), Bern(q)) = ¼[(p + q)·φ(y₁) + ((1 − p) + (1 − q))·φ(y₀)], y₁ = (p − q)/(p + q),
    y₀ = (q − p)/((1 − p) + (1 − q)) (:mod:`numerics._jensen_shannon`), with p − q and the
    complements 1 − p, 1 − q as exact double-doubles (stacking (p, 1 − p) would round 1 − p and
    lose the difference of the complements)."""
    pa, qa, dtype = _bernoulli_pair(p, q)
    value = jsd_bernoulli_values(pa, qa)
    return _out(np.clip(value, 0.0, np.log(2.0)), dtype)


# --------------------------------------------------------------------------- Normal


def _kl_normal64(
    mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike
) -> tuple[F64, np.dtype]:
    # σ > 0 and NaN/inf are checked inside the compiled pass (no separate passes over the
    # inputs); if it reports a problem, the validators run in the usual order to name it.
    # Python floats stay floats: the compiled loops broadcast them (no array is made)
    m1, s1, m2, s2 = (
        x if type(x) is float else v.as_float_array(x, name, check_finite=False)
        for x, name in ((mu1, "mu1"), (sigma1, "sigma1"), (mu2, "mu2"), (sigma2, "sigma2"))
    )
    try:
        shape = _param_shape(m1, s1, m2, s2)
    except ValueError:
        v.positive(s1, "sigma1", check_finite=False)  # a bad σ is named first, as always
        v.positive(s2, "sigma2", check_finite=False)
        raise
    dtype = v.result_dtype(mu1, sigma1, mu2, sigma2)
    value = np.empty(shape)
    if value.size == 0:
        v.positive(s1, "sigma1", check_finite=False)
        v.positive(s2, "sigma2", check_finite=False)
        return value, dtype
    f1, f2, f3, f4 = (_flat(x, shape) for x in (m1, s1, m2, s2))
    if not T.compiled_loaded():
        clean = _kl_normal_flat_numpy(f1, f2, f3, f4, value.reshape(-1))
    else:
        clean = _kl_normal_flat(f1, f2, f3, f4, value.reshape(-1))
    if not clean:
        v.positive(s1, "sigma1", check_finite=False)
        v.positive(s2, "sigma2", check_finite=False)
        for x, name in zip((m1, s1, m2, s2), ("mu1", "sigma1", "mu2", "sigma2"), strict=True):
            v.as_float_array(x, name)  # raises on NaN/inf; if none, the KL overflowed: inf is right
    return value, dtype


def _kl_normal_flat_numpy(
    m1: F64 | float, s1: F64 | float, m2: F64 | float, s2: F64 | float, out: F64
) -> bool:
    """:func:`_kl_normal_flat` by its NumPy reference form (:func:`_kl_normal_into_numpy`, the
    same bits): True iff every σ > 0 and every value finite."""
    a1, b1, a2, b2 = (np.full(1, x) if isinstance(x, float) else x for x in (m1, s1, m2, s2))
    with np.errstate(all="ignore"):
        _kl_normal_into_numpy(a1, b1, a2, b2, out=out)
        return bool((b1 > 0).all() and (b2 > 0).all() and np.isfinite(out).all())


def _param_shape(*params: NDArray[np.floating] | float) -> tuple[int, ...]:
    """The broadcast shape of the Normal parameters (a float is a scalar); ValueError naming
    them if they do not broadcast."""
    full = [p.shape for p in params if type(p) is not float and p.shape != ()]  # type: ignore[union-attr]
    if not full:
        return ()
    if all(s == full[0] for s in full):
        return full[0]
    m1, s1, m2, s2 = (np.asarray(p) for p in params)
    return v.broadcast_shape(mu1=m1, sigma1=s1, mu2=m2, sigma2=s2)


def _flat(x: NDArray[np.floating] | float, shape: tuple[int, ...]) -> F64 | float:
    """x as a 1-d float64 array of the broadcast length — a view where x has that shape and is
    C-contiguous, else a C-order copy — or, if x is a float or has one element, that element as
    a (1,) array or the float itself (:func:`_dense`)."""
    if type(x) is float:
        return x
    y: F64 = np.asarray(x, dtype=np.float64)
    if y.size == 1:  # a scalar: one element, broadcast by the compiled loops (:func:`_dense`)
        return y.reshape(1)
    if y.shape != shape:
        y = np.broadcast_to(y, shape)
    return np.ravel(y)


def _dense(x: F64 | float, c: slice) -> F64 | float:
    """Chunk ``c`` of a 1-d argument (a view), or — for a scalar argument (a float or one
    element, see :func:`_flat`) — that element as a float: the compiled loops broadcast it
    (:func:`numerics._jit._at`), never an array of the full broadcast size."""
    if isinstance(x, float):
        return x
    return float(x[0]) if x.size == 1 else x[c]


def _kl_normal_flat(
    m1: F64 | float, s1: F64 | float, m2: F64 | float, s2: F64 | float, out: F64
) -> bool:
    """:func:`_kl_normal_into_numpy` on 1-d arrays into ``out``: two compiled passes
    (:func:`numerics._jit.normal_ratios`, :func:`numerics._jit.normal_terms`) around NumPy's
    vectorised log — one, :func:`numerics._jit.normal_terms_standard`, against the standard
    prior N(0, 1) given as scalars (:func:`_standard_prior`) — in chunks of :data:`_NORMAL_CHUNK`
    elements, blocks in threads. True iff every σ > 0 and every value finite."""
    from numerics import _jit as J  # numba is imported on first use only
    n = out.size
    clean: list[bool] = []

    def run(block: slice) -> None:
        start, stop, _ = block.indices(n)
        ok = True
        with np.errstate(all="ignore"):
            for i in range(start, stop, _NORMAL_CHUNK):
                c = slice(i, min(stop, i + _NORMAL_CHUNK))
                shape = (c.stop - i,)
                x, r = scratch("normal_x", shape), scratch("normal_r", shape)
                ell = scratch("normal_ell", shape)
                y1, x1, y2, x2 = (_dense(v, c) for v in (m1, s1, m2, s2))
                if isinstance(y1, np.ndarray) and isinstance(x1, np.ndarray) and _standard_prior(y2, x2):
                    np.log(x1, out=ell)  # ρ = σ₁ when σ₂ = 1
                    if not J.normal_terms_standard(y1, x1, ell, out[c]):
                        continue  # else the general passes redo the chunk, the same bits
                J.normal_ratios(x1, x2, x, r)
                np.log(r, out=ell)
                parts = (y1, x1, y2, x2, x, r, ell, out[c])
                if J.normal_terms(*parts):
                    ok = not J.normal_terms_fix(*parts) and ok
        clean.append(ok)

    P.run_blocks(run, P.row_blocks(n, n, P.MIN_ELEMENTS_FEW_CALLS))
    return all(clean)


def _standard_prior(mu2: F64 | float, sigma2: F64 | float) -> bool:
    """Whether a chunk's second Normal is N(0, 1) given as scalars (μ₂ = +0.0, σ₂ = 1.0): the
    case of a VAE's prior, where σ₂ = 1 makes every division exact and
    :func:`numerics._jit.normal_terms_standard` gives :func:`numerics._jit.normal_terms`' bits
    with one pass fewer and a correction reduced to σ₁ − 1's rounding."""
    return (type(mu2) is float and mu2 == 0.0 and math.copysign(1.0, mu2) > 0.0
            and type(sigma2) is float and sigma2 == 1.0)


@T.metered
def kl_normal(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> Array:
    """KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) = ½(ρ² − 1) − log ρ + (μ₁ − μ₂)²/(2σ₂²), ρ = σ₁/σ₂.

    With x = ρ − 1 = (σ₁ − σ₂)/σ₂ (σ₁ − σ₂ exact when close), the variance part is
    ½x² + (x − log(1 + x)) — two non-negative parts, where the textbook ½(r − 1 − log r) cancels
    to nothing as σ₁ → σ₂ — the second taken without a logarithm for ρ ∈ [⅓, 3] as x·s − 2s³V(s²),
    s = x/(2 + x), V the KL term's certified polynomial (``derivations.kl_series_fit``), and as
    ½x² + x − log ρ beyond, corrected to first order for the roundings of x, σ₁/σ₂ and
    (μ₁ − μ₂)/σ₂ from their exact residuals (see :func:`_kl_normal_into_numpy`). Exact for scales
    across the float range: log ρ = log σ₁ − log σ₂ where σ₁/σ₂ leaves the normal range,
    μ₁/σ₂ − μ₂/σ₂ where μ₁ − μ₂ overflows, and the halves are taken before squaring."""
    value, dtype = _kl_normal64(mu1, sigma1, mu2, sigma2)
    return _out(value, dtype, fresh=True)


_CHUNK = 1 << 16  # elements per kernel call: its temporaries stay in cache (~15 % faster at 10⁶)
#: elements per pass of the Normal KL: its passes are few (two compiled, one log), so long calls
#: pay more than cache-sized ones (measured at 10⁶ elements: 4.9 ms in one thread, 2.9 ms in two,
#: against 5.1 and 3.6–3.9 with 2¹⁴; at 10⁵ in two threads 0.44 ms against 0.54–0.63)
_NORMAL_CHUNK = 1 << 17


def _blockwise(
    kernel: Callable[..., object], args: list[F64], out: F64, *, min_elements: int | None = None
) -> None:
    """kernel(*args, out=out) elementwise (args broadcast to out's shape), over chunks of rows of
    about :data:`_CHUNK` elements, the chunks split between threads for large inputs
    (:mod:`numerics._parallel`). Every element is computed by the same code whatever the split."""
    if out.ndim == 0 or out.size <= _CHUNK:
        kernel(*(a if a.shape == out.shape else np.broadcast_to(a, out.shape) for a in args), out=out)
        return
    full = [a if a.shape == out.shape else np.broadcast_to(a, out.shape) for a in args]
    rows = out.shape[0]
    step = max(1, _CHUNK // max(1, out.size // rows))

    def run(block: slice) -> None:
        start, stop, _ = block.indices(rows)
        for i in range(start, stop, step):
            c = slice(i, min(stop, i + step))
            kernel(*(a[c] for a in full), out=out[c])

    P.run_blocks(run, P.row_blocks(rows, out.size, min_elements))


def _kl_normal_into_numpy(m1: F64, s1: F64, m2: F64, s2: F64, *, out: F64) -> None:
    """The NumPy reference form of the compiled Normal KL (:func:`_kl_normal_flat`, the same
    bits; kept for ``tests/numerics/test_jit_kernels.py`` and computing a process's first calls).

    KL = h + ½z², h = ½(ρ² − 1) − log ρ, ρ = σ₁/σ₂ = 1 + x, x = (σ₁ − σ₂)/σ₂ (σ₁ − σ₂ is exact
    where ρ ∈ [½, 2]):
    * ρ ∈ [⅓, 3]: h = ½x² + (x − log(1 + x)), both parts ≥ 0, the second as x·s − 2s³V(s²),
      s = x/(2 + x) ∈ [−½, ½] (its two terms have the same sign for x < 0 and differ by a
      factor ≥ 12 for x > 0), V the KL term's certified polynomial — no logarithm, and no
      cancellation where the textbook ½(ρ² − 1 − log ρ²) loses every digit (ρ → 1); s's rounding
      corrected to first order, (s* − s)·(x − 6s²V), s* − s from the exact residual of s·(2 + x)
      (it had left ~1 ulp of h: 3.3 ulp at the pinned worst, 1.3 with it);
    * beyond, h = ½x² + x − log ρ (condition ≤ 2.4) with ½x² and both sums carried exactly
      ((x/2)(x + 2) − log ρ, finite up to the float range, where a splitting would overflow),
      log ρ = NumPy's log of the rounded ratio, or log σ₁ − log σ₂ (libm, as the compiled code)
      where the ratio is below the normal range;
    ½z² = (z/2)·z, z = (μ₁ − μ₂)/σ₂ (μ₁/σ₂ − μ₂/σ₂ where μ₁ − μ₂ overflows);
    then the first-order correction for the roundings of x, of σ₁/σ₂ (far form) and of z from
    their exact residuals (two-sums and Dekker's products, :func:`_normal_correction`): without
    it those roundings, magnified up to ~2× by the forms, left 4.5 ulp; with it ≤ ~1.7 ulp."""
    shape = out.shape
    with np.errstate(all="ignore"):
        x = np.subtract(s1, s2, out=scratch("normal_x", shape))
        x /= s2
        r = np.divide(s1, s2, out=scratch("normal_r", shape))
        ell = np.log(r, out=scratch("normal_ell", shape))
        diff = np.subtract(m1, m2, out=scratch("normal_diff", shape))
        z = np.divide(diff, s2, out=scratch("normal_z", shape))
        out[...] = _normal_half_f(x, ell)
        half_z = z * 0.5
        half_z *= z
        out += half_z
        sd1, sd2, mean1, mean2 = (np.broadcast_to(v, shape) for v in (s1, s2, m1, m2))
        out += _normal_correction(sd1, sd2, mean1, mean2, x, r, z, True, True)
        fix = ~((sd1 > 0.0) & (sd2 > 0.0) & (r >= _NORMAL_TINY) & np.isfinite(out) & np.isfinite(diff))
    for i in np.flatnonzero(fix).tolist():  # rare: per element, libm's log as compiled
        a, b = float(sd1[i]), float(sd2[i])
        if not (a > 0.0 and b > 0.0):
            continue
        ratio, d = float(r[i]), float(diff[i])
        y1, y2 = float(mean1[i]), float(mean2[i])
        normal = _NORMAL_TINY <= ratio < math.inf
        lg = float(ell[i]) if normal else math.log(a) - math.log(b)
        zi = d / b if math.isfinite(d) else y1 / b - y2 / b
        va, vb, v1, v2, vx, vr, vz = (np.array([v]) for v in (a, b, y1, y2, float(x[i]), ratio, zi))
        with np.errstate(all="ignore"):
            corr = float(_normal_correction(va, vb, v1, v2, vx, vr, vz, normal, math.isfinite(d))[0])
        out[i] = (float(_normal_half_f(np.array([x[i]]), np.array([lg]))[0]) + (zi * 0.5) * zi) + corr


_NORMAL_TINY = 2.0**-1022  # the smallest normal float


def _normal_correction(
    a: F64, b: F64, y1: F64, y2: F64, x: F64, r: F64, z: F64, use_r: bool, use_z: bool
) -> F64:
    """``numerics._jit._normal_correction``'s operations, in the same order: the first-order
    correction of h + ½z² for the roundings of x, r (``use_r``, far form only) and z (``use_z``)
    from their exact residuals; 0 where not finite. σ₂ below NORMAL_SCALE_BELOW (above its
    inverse): σ₁, σ₂ and μ₁ − μ₂ scaled up (down) first; a residual whose Dekker product
    underflows: left out."""
    scale = np.where(b < NORMAL_SCALE_BELOW, NORMAL_SCALE_UP, 1.0)
    scale = np.where(b > 1.0 / NORMAL_SCALE_BELOW, 1.0 / NORMAL_SCALE_UP, scale)
    a = a * scale
    b = b * scale
    inv = 1.0 / b
    inv_r = 1.0 / r
    dh, dl = two_sum(a, -b)
    ph, pl = two_product(x, b)
    x_lo = (((dh - ph) - pl) + dl) * inv
    near = (x >= NORMAL_NEAR_BELOW) & (x <= NORMAL_NEAR_ABOVE)
    corr = np.where(near, x_lo * (x + x * inv_r), x_lo * (x + 1.0))
    if use_r:
        qh, ql = two_product(r, b)
        r_lo = (((a - qh) - ql) * inv) * inv_r
        corr = np.where(near, corr, corr - np.where(qh >= DEKKER_PRODUCT_MIN, r_lo, 0.0))
    if use_z:
        eh, el = two_sum(y1, -y2)
        eh = eh * scale
        el = el * scale
        th, tl = two_product(z, b)
        z_lo = z * ((((eh - th) - tl) + el) * inv)
        corr = corr + np.where(np.abs(th) >= DEKKER_PRODUCT_MIN, z_lo, 0.0)
    return np.where(np.isfinite(corr), corr, 0.0)


def _normal_half_f(x: F64, ell: F64) -> F64:
    """h = ½(ρ² − 1) − log ρ from x = ρ − 1 and ell = log ρ (``numerics._jit._half_f``'s
    operations, in the same order; the far form ½x² + x − ell with ½x² and both sums carried
    exactly, error-free transformations)."""
    with np.errstate(all="ignore"):
        t, t_lo = two_sum(np.full_like(x, 2.0), x)
        s = x / t
        w = s * s
        v = _horner(_V, w)
        # s's rounding to first order: s* − s = (x − s·t − s·t_lo)/t, dg/ds = x − 6s²V (+ O(s⁴))
        ph, pl = two_product(s, t)
        ds = (((x - ph) - pl) - s * t_lo) / t
        ds = np.where(np.abs(x) >= NORMAL_S_CORRECTED_FROM, ds, 0.0)
        near = (x * 0.5) * x + ((x * s - ((s * w) * v) * 2.0) + ds * (x - (6.0 * w) * v))
        sq, sq_lo = two_product(x, x)
        hi, lo = two_sum(sq * 0.5, x)
        hi, lo2 = two_sum(hi, -ell)
        far = hi + ((lo + sq_lo * 0.5) + lo2)
        far = np.where(np.isfinite(far), far, (x * 0.5) * (x + 2.0) - ell)
    inside = (x >= NORMAL_NEAR_BELOW) & (x <= NORMAL_NEAR_ABOVE)
    return np.where(inside, near, far)


@T.metered
def kl_normal_diag(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> Array:
    """KL between diagonal Normals (event = last axis): the sum of per-coordinate KLs, summed in
    float64 in a fixed pairwise order and rounded once."""
    value, dtype = _kl_normal64(mu1, sigma1, mu2, sigma2)
    if value.ndim == 0:
        raise ValueError("mu1, sigma1, mu2, sigma2: diagonal Normals need an event axis (…, d)")
    if value.shape[-1] == 0:
        raise ValueError("mu1, sigma1, mu2, sigma2: empty event axis (d = 0)")
    if value.size == 0:
        return _out(np.zeros(value.shape[:-1]), dtype)
    return _out(row_sum(np.ascontiguousarray(value)), dtype)


#: √(2πe) as hi + lo (hi the float nearest, lo the float nearest the rest; mpmath at 50 digits)
_SQRT_2PIE_HI, _SQRT_2PIE_LO = 4.132731354122493, 1.211870280536999e-16


def entropy_normal(sigma: ArrayLike) -> Array:
    """H(N(μ, σ²)) = ½ log(2πe σ²) = log(σ·√(2πe)) (Cover & Thomas, Example 8.1.2). The product
    σ·√(2πe) is carried exactly as hi + lo (Dekker, √(2πe) to 106 bits) and H = log(hi) +
    log1p(lo/hi): no cancellation where H → 0 (σ near 1/√(2πe) ≈ 0.242), where the textbook sum
    ½ log(2πe) + log σ loses every digit; beyond 2^±900 (no cancellation there) that sum."""
    s = np.asarray(v.positive(sigma, "sigma"), dtype=np.float64)
    with np.errstate(all="ignore"):
        inside = (s > 2.0**-900) & (s < 2.0**900)
        si = np.where(inside, s, 1.0)
        hi, lo = two_product(si, np.float64(_SQRT_2PIE_HI))
        lo = lo + si * _SQRT_2PIE_LO
        near = np.log(hi) + np.log1p(lo / hi)
        h = np.where(inside, near, np.log(s) + 0.5 * np.log(2 * np.pi * math.e))
    return _out(h, v.result_dtype(sigma))


#: a Cholesky pivot at or below this many d·ε of its diagonal entry marks a matrix as singular:
#: the pivots of a singular matrix come out of rounding as ≈ d·ε·Σ_jj, of either sign
PIVOT_TOLERANCE = 4.0


def _cholesky(cov: F64, name: str) -> F64:
    """Lower Cholesky factor; ``ValueError`` naming ``name`` if the matrix is not positive
    definite or is numerically singular (a pivot L_jj² ≤ 4·d·ε·Σ_jj, i.e. within rounding of a
    singular matrix: condition number ≳ 10¹⁴/d), whatever its scale."""
    try:
        chol = np.asarray(np.linalg.cholesky(cov), dtype=np.float64)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"{name}: not positive definite (Cholesky failed)") from exc
    d = cov.shape[-1]
    pivots = np.diagonal(chol, axis1=-2, axis2=-1) ** 2
    floor = PIVOT_TOLERANCE * d * np.finfo(np.float64).eps * np.diagonal(cov, axis1=-2, axis2=-1)
    if not (pivots > floor).all():
        raise ValueError(
            f"{name}: singular (not positive definite): a Cholesky pivot is within rounding of 0"
        )
    return chol


@T.metered
def kl_mvn(mu1: ArrayLike, cov1: ArrayLike, mu2: ArrayLike, cov2: ArrayLike) -> Array:
    """KL(N(μ₁, Σ₁) ‖ N(μ₂, Σ₂)) = ½[tr(Σ₂⁻¹Σ₁) − d − log det(Σ₂⁻¹Σ₁) + ‖L₂⁻¹(μ₂ − μ₁)‖²].

    Σᵢ = LᵢLᵢᵀ (Cholesky) and B = L₂⁻¹(Σ₁ − Σ₂)L₂⁻ᵀ by forward substitution (no inverse formed;
    Σ₁ − Σ₂ is exact when the two are close), so Σ₂⁻¹Σ₁ is similar to I + B = RRᵀ with
    R = L₂⁻¹L₁. R is computed as its offset from I (:func:`numerics._triangular.shifted_cholesky`),
    and the trace/log-det part is Σ_j (x_j − log(1 + x_j)) + Σ_{i>j} R_ij², non-negative terms,
    exactly 0 for Σ₁ = Σ₂. 1 + x_j = R_jj² = (L₁,jj/L₂,jj)²: where |x_j| > ½ its logarithm is
    taken from the two Cholesky diagonals, which keeps it accurate when Σ₁ and Σ₂ differ by
    orders of magnitude. Both distributions are first rescaled per coordinate by powers of 2
    (exact; KL is invariant under x → Tx) so that Σ₂'s variances are ≈ 1: scales anywhere in
    the float range work, and the result is inf only where Σ₁'s variances overflow relative to
    Σ₂'s."""
    m1, m2 = v.as_float_array(mu1, "mu1"), v.as_float_array(mu2, "mu2")
    c1f, c2f = v.as_float_array(cov1, "cov1"), v.as_float_array(cov2, "cov2")
    dtype = v.result_dtype(mu1, cov1, mu2, cov2)
    c1, c2 = v.covariance(c1f, "cov1"), v.covariance(c2f, "cov2")
    for arr, name in ((m1, "mu1"), (m2, "mu2")):
        if arr.ndim == 0:
            raise ValueError(f"{name}: expected a mean vector (…, d), got a scalar")
    d = c1.shape[-1]
    if c2.shape[-1] != d or m1.shape[-1] != d or m2.shape[-1] != d:
        raise ValueError(
            f"mu1, cov1, mu2, cov2: dimension mismatch ({m1.shape}, {c1.shape}, {m2.shape}, {c2.shape})"
        )
    try:
        batch = np.broadcast_shapes(m1.shape[:-1], m2.shape[:-1], c1.shape[:-2], c2.shape[:-2])
    except ValueError as exc:
        raise ValueError(
            "mu1, cov1, mu2, cov2: batch shapes do not broadcast "
            f"({m1.shape}, {c1.shape}, {m2.shape}, {c2.shape})"
        ) from exc
    if d == 0:
        raise ValueError("mu1, cov1, mu2, cov2: empty event (d = 0)")
    if any(x.size == 0 for x in (m1, m2, c1, c2)) or 0 in batch:
        return _out(np.zeros(batch), dtype)
    # exact power-of-2 rescaling per coordinate (x → Tx, T = diag(2^(−h))): Σ → TΣT, μ → Tμ,
    # with Σ₂'s variances in [¼, 1) (:func:`_diagonal_scaling`; a common factor would push the
    # smallest of variances as far apart as 1e±300 below the float range)
    h = _diagonal_scaling(c2)
    both = -(h[..., :, None] + h[..., None, :])
    with np.errstate(over="ignore", invalid="ignore"):
        c1 = np.ldexp(c1, both)
        # μ₂ − μ₁ scaled (the only use of the means): scaled first, or where that overflows
        # (equal means beyond the range of μ/σ₂), subtracted first — the same value otherwise
        f1, f2 = np.asarray(m1, dtype=np.float64), np.asarray(m2, dtype=np.float64)
        first = np.ldexp(f2, -h) - np.ldexp(f1, -h)
        later = np.ldexp(np.subtract(m2, m1, dtype=np.float64), -h)
        t2: F64 = np.where(np.isfinite(first), first, later)
        t1: F64 = np.zeros_like(t2)
    c2 = np.ldexp(c2, both)
    over = ~np.isfinite(c1).all(axis=(-2, -1))
    if over.any():  # Σ₁'s variances overflow beside Σ₂'s: KL = inf there (computed on I)
        c1 = np.where(over[..., None, None], np.eye(d), c1)
    compiled = _kl_mvn_compiled if T.compiled_loaded() else kl_mvn_numpy_bits
    value = compiled(t1, c1, t2, c2, batch)
    if value is None:  # a factorisation failed: the reference names the argument
        value = _kl_mvn_numpy(t1, c1, t2, c2, batch)
    # the parts are non-negative: a NaN can only come from inf − inf in an overflowed part
    value = np.where(np.isnan(value) | over, np.inf, value)
    return _out(value, dtype)


def _kl_mvn_compiled(m1: F64, c1: F64, m2: F64, c2: F64, batch: tuple[int, ...]) -> F64 | None:
    """:func:`numerics._jit.kl_mvn_batch` over the broadcast batch (blocks in threads); None if
    a Cholesky factorisation fails."""
    from numerics import _jit as J  # numba is imported on first use only
    d = c1.shape[-1]
    n = math.prod(batch)
    cs = [np.ascontiguousarray(np.broadcast_to(c, (*batch, d, d))).reshape(n, d, d) for c in (c1, c2)]
    ms = [np.ascontiguousarray(np.broadcast_to(m, (*batch, d))).reshape(n, d) for m in (m1, m2)]
    value = np.empty(n)
    status = np.empty(n, dtype=np.int8)

    def run(block: slice) -> None:
        start, stop, _ = block.indices(n)
        J.kl_mvn_batch(cs[0], cs[1], ms[0], ms[1], value, status, start, stop)

    P.run_blocks(run, P.row_blocks(n, n * d**3))
    if status.any():
        return None
    return value.reshape(batch)


def _kl_mvn_numpy(m1: F64, c1: F64, m2: F64, c2: F64, batch: tuple[int, ...]) -> F64:
    """The NumPy reference form of :func:`_kl_mvn_compiled` (rescaled inputs; kept for
    ``tests/numerics/test_jit_kernels.py`` and to name a matrix that is not positive definite)."""
    from numerics import _triangular as T  # SciPy's linalg is imported on first use only

    d = c1.shape[-1]
    l1 = _cholesky(c1, "cov1")
    l2 = _cholesky(c2, "cov2")
    with np.errstate(all="ignore"):
        rhs = np.empty((*batch, d, d + 1))  # [Σ₁ − Σ₂ | μ₂ − μ₁]: one substitution for both
        np.subtract(c1, c2, out=rhs[..., :d])
        np.subtract(m2, m1, out=rhs[..., d])
        diag1, diag2 = np.diagonal(l1, axis1=-2, axis2=-1), np.diagonal(l2, axis1=-2, axis2=-1)
        pivot_sqrt = np.broadcast_to(diag1 / diag2, (*batch, d))  # R_jj
        log_pivot = np.broadcast_to(2 * (np.log(diag1) - np.log(diag2)), (*batch, d))  # log R_jj²
        # one thread: the substitutions are many small GIL-bound steps
        x = T.solve_lower(l2, rhs)
        y = x[..., d]
        b = T.solve_lower(l2, np.swapaxes(x[..., :d], -1, -2))  # L₂⁻¹ (L₂⁻¹ D)ᵀ = L₂⁻¹ D L₂⁻ᵀ
        b = (b + np.swapaxes(b, -1, -2)) / 2
        pivots, off_diagonal = T.shifted_cholesky(b, pivot_sqrt)
        near = np.abs(pivots) <= 0.5
        terms = np.where(near, xmlog1p(np.where(near, pivots, 0.0)), pivots - log_pivot)
        value: F64 = (row_sum(terms) + off_diagonal + row_sum(y * y)) / 2
    return value


#: 2πe as hi + lo (hi the float nearest, lo the float nearest the rest; mpmath at 50 digits)
_TWO_PI_E_HI, _TWO_PI_E_LO = 17.079468445347135, -1.3547630581004849e-15


def _diagonal_scaling(c: F64) -> NDArray[np.int64]:
    """h_j with 2^(−2h_j)·Σ_jj ∈ [¼, 1): Σ' = TΣT, T = diag(2^(−h)), is exact (powers of 2) and
    keeps every coordinate's variance near 1, whatever the spread of the variances (a common
    factor would push the smallest below the float range: diag(1e300, 1e−300) is regular).
    A non-positive variance keeps h = 0 (the factorisation then refuses the matrix)."""
    diag = np.diagonal(c, axis1=-2, axis2=-1)
    _, e = np.frexp(np.where(diag > 0, diag, 1.0))
    return (e + 1) // 2


def _log_prod_2pie(pivots: F64) -> tuple[F64, NDArray[np.int64]]:
    """log Π_j (2πe·v_j) = s + k·log 2 for positive v (…, d): the product carried as a
    double-double renormalised to [½, 1) after each factor (2πe to 106 bits, exact products),
    then s = log(hi) + log1p(lo/hi) with hi ∈ [√½, √2): no cancellation where the entropy
    crosses 0 (d·log(2πe) + log det Σ → 0)."""
    hi = np.ones(pivots.shape[:-1])
    lo = np.zeros_like(hi)
    k = np.zeros(hi.shape, dtype=np.int64)
    for j in range(pivots.shape[-1]):
        vj = pivots[..., j]
        fh, fl = two_product(vj, np.float64(_TWO_PI_E_HI))
        fl = fl + vj * _TWO_PI_E_LO
        ph, pl = two_product(hi, fh)
        pl = pl + (hi * fl + lo * fh)
        hi, lo = two_sum(ph, pl)
        hi, ex = np.frexp(hi)
        lo = np.ldexp(lo, -ex)
        k += ex
    up = hi < math.sqrt(0.5)
    hi, lo, k = np.where(up, 2 * hi, hi), np.where(up, 2 * lo, lo), np.where(up, k - 1, k)
    return np.log(hi) + np.log1p(lo / hi), k


def entropy_mvn(cov: ArrayLike) -> Array:
    """H(N(μ, Σ)) = ½ log det(2πe Σ) (Cover & Thomas, Theorem 8.4.1): Σ scaled per coordinate by
    powers of 2 (:func:`_diagonal_scaling`), log det from the Cholesky pivots L_jj² (the
    variances themselves for a diagonal Σ: exact), ½ log Π_j (2πe·pivot_j) by
    :func:`_log_prod_2pie`; the scaling's k·log 2 added last, exactly split (fdlibm's ln 2)."""
    c = v.covariance(cov, "cov")
    dtype = v.result_dtype(cov)
    d = c.shape[-1]
    if c.size == 0:
        return _out(np.zeros(c.shape[:-2]), dtype)
    h = _diagonal_scaling(c)
    scaled = np.ldexp(c, -(h[..., :, None] + h[..., None, :]))
    chol = _cholesky(scaled, "cov")
    pivots = np.diagonal(chol, axis1=-2, axis2=-1) ** 2
    off = scaled - scaled * np.eye(d)
    diagonal = ~np.any(off != 0, axis=(-2, -1))
    pivots = np.where(diagonal[..., None], np.diagonal(scaled, axis1=-2, axis2=-1), pivots)
    s, k = _log_prod_2pie(pivots)
    k = k + 2 * h.sum(axis=-1)
    return _out(0.5 * (k * _LN2_HI + (k * _LN2_LO + s)), dtype)
