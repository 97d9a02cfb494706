"""KL(softmax a ‖ softmax b) for C-contiguous (m, K) float64 logit rows in NumPy, giving the
bits of the compiled route ``numerics.divergences._kl_logits_block`` exactly — so that a first
call needs neither numba nor the loading of machine code (``numerics._kernel_tier``).

It transcribes, operation for operation, the three compiled passes of ``numerics._jit`` and the
NumPy exponentials between them:

* ``logits_shift``: a − max a = ha + la and b − max b = hb + lb (Knuth's two-sum), the mode r
  of a (first maximum), rows outside the domain (a NaN or +inf, no finite logit in a or b, a
  |logit| beyond 2¹⁰⁰⁰) skipped and counted, support mismatches (a finite where b is −inf) marked;
* NumPy's exp of ha and hb, over the same (m, K) arrays;
* ``logits_ratio``: e ← e + e·lo, the compensated row sums S_a, S_b in column order, R =
  log(q_r/p_r) = (hb_r + lb_r) + log(S_a/S_b) as a double-double (the C library's log, per row),
  ℓ = log(p/q) from exact differences (``_ell_parts``) and u = min(−ℓ, 0);
* NumPy's exp of u;
* ``logits_terms``: the terms q − p + p·ℓ (``_logit_term``: q where a is masked, the far form
  for ℓ < −2, p·(e^{−ℓ} − 1 + ℓ) by ``_kernels.expm1mx_wide`` otherwise, subnormal p as
  2⁻ᵏ·(p·2ᵏ) with the compiled integer conversions), their compensated sum in column order,
  max(·, 0) as numba's ``max``; rows below ``_FAR_KL`` redone as ``_kl_logits_row_near`` (R =
  log1p(X), the C library's expm1, log1p and exp).

Rows are vectorised; the compensated sums loop over the K columns in Python, in the compiled
order. The C library's scalar functions (``math``, as the compiled code calls them) are called
only on the elements whose value reaches the result: one log per row, and expm1, log1p and exp
on rows near equality, on ℓ > 1 there, and on subnormal p. The KL formulation follows the seed
problems' categorical KL (Σ p log(p/q)) written as the non-negative terms q − p + p·log(p/q).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from numerics._kernels import LOGIT_TERM_ZERO_BELOW, expm1mx_wide, two_sum

F64 = NDArray[np.float64]
Mask = NDArray[np.bool_]

#: logits beyond this magnitude make a row "outside" (``numerics._jit._WIDE_LOGIT``)
WIDE_LOGIT = 2.0**1000
#: rows whose KL is below this are redone with R = log1p(X) (``numerics._jit._FAR_KL``)
FAR_KL = 2.0**-44
#: ln 2 to 21 bits and the rest (fdlibm; ``numerics._jit._LN2_HI``, ``_LN2_LO``)
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
#: p below this takes the scaled (subnormal) form of its term
TINY_P = 2.0**-1000
_INT64_MIN = np.iinfo(np.int64).min


def _libm(fn: Callable[[float], float], x: F64) -> F64:
    """fn (a C library function through :mod:`math`) of every element of the 1-d array x."""
    return np.fromiter(map(fn, x.tolist()), dtype=np.float64, count=x.size)


def _exp_or_inf(x: float) -> float:
    """The C library's exp, +inf where it overflows (:func:`math.exp` raises there, C does not)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _first_max(x: F64, finite: Mask) -> tuple[NDArray[np.intp], F64]:
    """(index, value) of each row's first maximum over its entries above −inf, as the compiled
    running maximum ``if x > m`` (−inf and index 0 where there is none)."""
    rows = np.arange(x.shape[0])
    cleaned = np.where(finite, x, -np.inf)
    idx = np.argmax(cleaned, axis=1)
    return idx, cleaned[rows, idx]


def _ell_parts(eh: F64, el: F64, eh_r: F64, el_r: F64, r_hi: F64, r_lo: F64) -> tuple[F64, F64, F64]:
    """``numerics._jit._ell_parts`` from x − y = eh + el (rows broadcast against the per-row
    eh_r, el_r, r_hi, r_lo (m, 1)): (c, ℓ, ℓ_lo)."""
    c, c_err = two_sum(eh - eh_r, el - el_r)
    t, t_err = two_sum(c, -r_hi)
    e, e_err = two_sum(t, -r_lo)
    return c, e, (c_err + t_err) + e_err


def _comp_sums(x: F64, take: Mask | None = None) -> F64:
    """hi + lo of the compensated sum (``numerics._jit._comp_add``) of each row of x (…, m, K)
    in column order; entries where ``take`` (m, K) is False are passed over (the compiled
    ``continue``, which differs from adding 0 where a partial sum is infinite)."""
    k = x.shape[-1]
    hi = np.zeros(x.shape[:-1])
    lo = np.zeros(x.shape[:-1])
    if take is None:
        take = np.ones(x.shape[-2:], dtype=bool)
    # columns with an entry passed over (the others add every entry: no select)
    partial = [bool(flag) for flag in np.asarray(np.logical_not(take).any(axis=0), dtype=bool)]
    for i in range(k):
        v = x[..., i]
        s = hi + v
        bb = s - hi
        err = (hi - (s - bb)) + (v - bb)
        if partial[i]:
            hi = np.where(take[:, i], s, hi)
            lo = np.where(take[:, i], lo + err, lo)
        else:
            hi = s
            lo = lo + err
    return hi + lo


def _tiny_terms(h: F64, lo: F64, g: F64, log_sa: F64) -> F64:
    """The compiled subnormal form ldexp(exp(s)·g, −k), k = round(−h/ln2_hi) converted to int64
    (out of range: INT64_MIN, as x86's conversion), s = (h + k·ln2_hi) + ((lo + k·ln2_lo) −
    log S_a), the exponent −k wrapped to int64 and truncated to the C int of ``ldexp``. exp is
    the C library's, called only where the result is not 0 whatever exp(s) rounds to."""
    kf = np.rint(-h / LN2_HI)
    inside = np.abs(kf) < 2.0**63
    kk = np.where(inside, kf, 0.0).astype(np.int64)
    kk[~inside] = _INT64_MIN
    kd = kk.astype(np.float64)
    s = (h + kd * LN2_HI) + ((lo + kd * LN2_LO) - log_sa)
    shift = np.negative(kk).astype(np.int32)  # two's complement wrap, then C's int truncation
    # |exp(s)·g| < 2^(eb − 1) with a margin of 4 for exp's rounding; where 2^(eb − 1 + shift)
    # ≤ 2⁻¹⁰⁷⁵ the scaled value rounds to ±0 (the sign of g) whatever the exp
    bound = np.maximum(np.exp(s), TINY_P) * np.abs(g) * 4.0
    _, eb = np.frexp(bound)
    zero = (s < 700.0) & np.isfinite(bound) & (eb.astype(np.int64) + shift.astype(np.int64) <= -1074)
    scaled = np.copysign(0.0, g)
    rest = np.flatnonzero(~zero)
    if rest.size:
        scaled[rest] = np.ldexp(_libm(_exp_or_inf, s[rest]) * g[rest], shift[rest])
    return scaled


def _terms(
    p: F64, q: F64, ell: F64, ell_lo: F64, ex: F64, fa: Mask, h: F64, lo: F64, sa: F64,
    log_sa: F64,
) -> F64:
    """``numerics._jit._logit_term`` elementwise for rows (n, K), S_a and log S_a per row (n,)."""
    g = expm1mx_wide(-ell, -ell_lo, ex)
    far = ell < -2.0
    terms = np.where(fa, np.where(far, ((q - p) + p * ell) + p * ell_lo, p * g), q)
    tiny_far = fa & far & (p < TINY_P) & (h >= LOGIT_TERM_ZERO_BELOW) & (ell > -np.inf)
    if tiny_far.any():  # q + 2⁻ᵏ·(p·2ᵏ)·(ℓ − 1), the compiled form for subnormal p
        rows, cols = np.nonzero(tiny_far)
        slope = (ell[rows, cols] - 1.0) + ell_lo[rows, cols]
        terms[rows, cols] = q[rows, cols] + _tiny_terms(h[rows, cols], lo[rows, cols], slope, log_sa[rows])
    tiny = fa & ~far & (p < TINY_P)
    zero = tiny & (h < LOGIT_TERM_ZERO_BELOW)  # the compiled code's +0 (the term is below 2⁻¹⁰⁷⁵)
    if zero.any():
        terms[zero] = 0.0
        tiny &= ~zero
    if tiny.any():
        rows, cols = np.nonzero(tiny)
        terms[rows, cols] = _tiny_terms(h[rows, cols], lo[rows, cols], g[rows, cols], log_sa[rows])
    return terms


def _nonneg(x: F64) -> F64:
    """numba's max(x, 0.0): 0 where 0 > x, else x (−0.0 and NaN kept)."""
    return np.where(0.0 > x, 0.0, x)


def _libm_where(fn: Callable[[float], float], x: F64, where: Mask, fill: float) -> F64:
    """fn (C library) of x where ``where``, ``fill`` elsewhere."""
    out = np.full(x.shape, fill)
    idx = np.nonzero(where)
    if idx[0].size:
        out[idx] = _libm(fn, x[idx])
    return out


def kl_logits_block_numpy(a: F64, b: F64, value: F64) -> int:
    """``numerics.divergences._kl_logits_block`` (a, b, value) in NumPy, bit for bit: value[n] =
    KL(softmax a[n] ‖ softmax b[n]) for C-contiguous (m, K) float64 logits, +inf for a support
    mismatch, NaN for a row outside the domain; returns how many rows were outside (the caller
    validates and routes them)."""
    m, k = a.shape
    if k == 0:
        value[...] = np.nan
        return m
    if m == 0:
        return 0
    rows = np.arange(m)
    with np.errstate(all="ignore"):
        # ---- logits_shift
        fa = a > -np.inf
        fb = b > -np.inf
        outside = (~((np.abs(a) <= WIDE_LOGIT) | (a == -np.inf))
                   | ~((np.abs(b) <= WIDE_LOGIT) | (b == -np.inf))).any(axis=1)
        r, ma = _first_max(a, fa)
        _, mb = _first_max(b, fb)
        skip = outside | (ma == -np.inf) | (mb == -np.inf)
        mismatch = ~skip & (fa & ~fb).any(axis=1)
        good = ~skip & ~mismatch
        col = good[:, None]
        h, lo_ = two_sum(a, -ma[:, None])
        ha = np.where(col, np.where(fa, h, -np.inf), 0.0)
        la = np.where(col & fa, lo_, 0.0)
        h, lo_ = two_sum(b, -mb[:, None])
        hb = np.where(col, np.where(fb, h, -np.inf), 0.0)
        lb = np.where(col & fb, lo_, 0.0)
        # ---- NumPy's exp, as the compiled route calls it
        ea = np.exp(ha)
        eb = np.exp(hb)
        # ---- logits_ratio
        ea = np.where(col, ea + ea * la, ea)
        eb = np.where(col, eb + eb * lb, eb)
        sa, sb = _comp_sums(np.stack([ea, eb]))
        gi = np.flatnonzero(good)
        log_ratio = np.zeros(m)
        log_ratio[gi] = _libm(math.log, (sa / sb)[gi])
        r_hi, r_lo = two_sum(hb[rows, r], log_ratio)
        r_lo = r_lo + lb[rows, r]
        eh_r, el_r = two_sum(a[rows, r], -b[rows, r])
        both = fa & fb
        eh, el = two_sum(a, -b)
        c, e, e_lo = _ell_parts(eh, el, eh_r[:, None], el_r[:, None], r_hi[:, None], r_lo[:, None])
        ell = np.where(both, e, np.where(fb, -np.inf, 0.0))
        ell_lo = np.where(both, e_lo, 0.0)
        u = np.where(col, np.where(0.0 < -ell, 0.0, -ell), 0.0)
        # ---- NumPy's exp, as the compiled route calls it
        ex = np.exp(u)
        # ---- logits_terms
        p = ea / sa[:, None]
        q = eb / sb[:, None]
        log_sa = np.zeros(m)
        tiny_rows = good & ((p < TINY_P) & fa).any(axis=1)
        log_sa[tiny_rows] = _libm(math.log, sa[tiny_rows])
        terms = _terms(p, q, ell, ell_lo, ex, fa & col, ha, la, sa, log_sa)
        out = _nonneg(_comp_sums(terms, fb))
        near = np.flatnonzero(good & (out < FAR_KL))
        if near.size:
            out[near] = _near_rows(
                fa[near], fb[near], ea[near], eb[near], ha[near], la[near], sa[near], sb[near],
                r[near], c[near], eh[near], el[near], eh_r[near], el_r[near], r_hi[near],
                r_lo[near], log_sa[near],
            )
    value[...] = np.where(good, out, np.where(mismatch, np.inf, np.nan))
    return int(np.count_nonzero(skip))


def _near_rows(
    fa: Mask, fb: Mask, ea: F64, eb: F64, ha: F64, la: F64, sa: F64, sb: F64,
    r: NDArray[np.intp], c: F64, eh: F64, el: F64, eh_r: F64, el_r: F64, r_hi: F64, r_lo: F64,
    log_sa: F64,
) -> F64:
    """``numerics._jit._kl_logits_row_near`` for the rows given (their parts from the passes
    above): X = Σ (q·expm1(c) where |c| ≤ 1, e^{a − max a}·q_r − q beyond, −q where a is
    masked), R = log1p(X) where X ≥ −½ (else the first R), then the terms again with e^{−ℓ} from
    the C library."""
    n = fa.shape[0]
    rows = np.arange(n)
    both = fa & fb
    q = eb / sb[:, None]
    q_r = (eb[rows, r] / sb)[:, None]
    small = np.abs(c) <= 1.0
    em1 = _libm_where(math.expm1, c, both & small & (c != 0.0), 0.0)
    em1 = np.where(c == 0.0, c, em1)  # expm1(±0) = ±0
    w = np.where(both, np.where(small, q * em1, ea * q_r - q), -q)
    big_x = _comp_sums(w, fb)
    use = big_x >= -0.5
    big_r = np.where(use, _libm_where(math.log1p, big_x, use, 0.0), r_hi)
    big_r_lo = np.where(use, 0.0, r_lo)
    _, e, e_lo = _ell_parts(eh, el, eh_r[:, None], el_r[:, None], big_r[:, None], big_r_lo[:, None])
    ell = np.where(both, e, -np.inf)
    ell_lo = np.where(both, e_lo, 0.0)
    # e^{min(−ℓ, 0)} enters a term only through expm1mx_wide's form below u = −ℓ < −1
    ex = _libm_where(math.exp, -ell, both & (ell > 1.0), 1.0)
    terms = _terms(ea / sa[:, None], q, ell, ell_lo, ex, fa, ha, la, sa, log_sa)
    return _nonneg(_comp_sums(terms, fb))
