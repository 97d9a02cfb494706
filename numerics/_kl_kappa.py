"""KL terms a·log(a/b) − (a − b) in y = (a − b)/(a + b), each to a fraction of an ulp.

For a, b ≥ 0 with s = a + b and y = (a − b)/s (a = s(1 + y)/2, b = s(1 − y)/2),

    a·log(a/b) − (a − b) = (s/2)·κ(y),   κ(y) = (1 + y)·log((1 + y)/(1 − y)) − 2y ≥ 0.

κ(y) = 2y²·S(y), S(y) = 1 + y(1 + y)·V(y²), V(w) = Σ_k w^k/(2k + 3) — the KL term's certified
polynomial (``numerics._kernels._V``, fitted for w ≤ ¼ by ``derivations.kl_series_fit``) — for
|y| ≤ :data:`SERIES_BELOW`: S ∈ [0.9, 1.3], nothing cancels, and κ = 2y² + 2y²·(S − 1) keeps
y² = (y_hi + y_lo)² to first order; beyond, a·(log a − log b) − (a − b) (= (s/2)·κ) with the
logarithms (:func:`numerics._double_double.log_dd`, subnormals included), products and sums as
double-doubles. NumPy's log of a rounded a/b, as the compiled categorical kernels take it, leaves
3.6–6.5 ulp in these forms.

KL(Bern(p) ‖ Bern(q)) is the sum of the term at (a, b) = (p, q) and at (1 − p, 1 − q), the
complements exact (two-sums; the differences a − b cancel between the two): the seeds' Bernoulli
KL (the VAE's Bernoulli decoder, the KL's properties). With a = p_i·Q and b = q_i·P the terms give
the categorical KL of normalised vectors (``divergences._kl_rows_dd``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from numerics import _kernel_tier as T
from numerics._double_double import bernoulli_terms, divide_dd, log_dd, sum_dd
from numerics._kernels import _V, _horner, two_product, two_sum

Array = NDArray[np.float64]

#: |y| up to which κ is taken from its series (V's fitted range is |y| ≤ ½)
SERIES_BELOW = 0.5


def _kappa_series(y: Array, y_lo: Array) -> tuple[Array, Array]:
    """κ(y) = 2y² + 2y²·y(1 + y)·V(y²) as hi + lo for |y| ≤ ½, y = y + y_lo."""
    w, w_lo = two_product(y, y)
    w_lo += 2.0 * y * y_lo
    rest = w * ((y * (1.0 + y)) * _horner(_V, w))  # y²·(S − 1), |S − 1| ≤ 0.3
    return two_sum(2.0 * w, 2.0 * (w_lo + rest))


def _log_of(x: Array, x_lo: Array) -> tuple[Array, Array]:
    """log(x + x_lo) as hi + lo for x > 0 (:func:`log_dd`, the low part to first order)."""
    hi, lo = log_dd(x)
    return hi, lo + x_lo / x


def _term_logs(
    a: Array, a_lo: Array, b: Array, b_lo: Array, num: Array, num_lo: Array
) -> tuple[Array, Array]:
    """a·(log a − log b) − (a − b) as hi + lo for a, b > 0 (|y| > ½: the two parts differ by a
    factor ≤ 2.5, so double-doubles keep the difference to ~ε²)."""
    la, la_lo = _log_of(a, a_lo)
    lb, lb_lo = _log_of(b, b_lo)
    ell, ell_lo = two_sum(la, -lb)
    ell_lo += la_lo - lb_lo
    t, t_lo = two_product(a, ell)
    t_lo += a * ell_lo + a_lo * ell
    hi, lo = two_sum(t, -num)
    return two_sum(hi, (lo + t_lo) - num_lo)


#: pairs whose sum s is below TINY_SUM are scaled by 2⁶⁰⁰ first (exactly), so that the quotient
#: y and the products keep every bit; the term is scaled back (its one rounding if subnormal)
TINY_SUM, TINY_SCALE = 2.0**-900, 2.0**600


def kl_terms_numpy(
    a: Array, a_lo: Array, b: Array, b_lo: Array, num: Array, num_lo: Array
) -> tuple[Array, Array]:
    """a·log(a/b) − (a − b) per element as hi + lo for a, b ≥ 0 given as double-doubles, with
    a − b = num + num_lo: (s/2)·κ(y) by the series for |y| ≤ ½, a·(log a − log b) − (a − b)
    beyond; b where a = 0, +inf where b = 0 < a, 0 where both are 0. The NumPy form of
    :func:`numerics._jit.kl_kappa_terms` (the same bits)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        tiny = (a + b) < TINY_SUM
        up = np.where(tiny, TINY_SCALE, 1.0)
        a, a_lo, b, b_lo, num, num_lo = (x * up for x in (a, a_lo, b, b_lo, num, num_lo))
        s, s_lo = two_sum(a, b)
        s, s_lo = two_sum(s, s_lo + (a_lo + b_lo))
        live = (a > 0.0) & (b > 0.0)
        safe = np.where(live, s, 1.0)
        y, y_lo = divide_dd(num, num_lo, safe, s_lo)
        y = np.where(live, np.clip(y, -1.0, 1.0), 0.0)
        y_lo = np.where(live, y_lo, 0.0)
        near = np.abs(y) <= SERIES_BELOW
        t, t_lo = np.empty_like(y), np.empty_like(y)
        if near.any():
            kappa, kappa_lo = _kappa_series(y[near], y_lo[near])
            sn, sn_lo = s[near], s_lo[near]
            tn, tn_lo = two_product(sn, kappa)
            tn_lo += sn * kappa_lo + sn_lo * kappa
            t[near], t_lo[near] = 0.5 * tn, 0.5 * tn_lo
        far = ~near
        if far.any():
            af, bf = np.where(live[far], a[far], 1.0), np.where(live[far], b[far], 1.0)
            t[far], t_lo[far] = _term_logs(af, a_lo[far], bf, b_lo[far], num[far], num_lo[far])
        down = 1.0 / up
        t, t_lo = t * down, t_lo * down
    edge = np.where(a > 0.0, np.inf, b / up)  # b = 0 < a: +inf; a = 0: the term is b (0 if both are)
    return np.where(live, t, edge), np.where(live, t_lo, 0.0)


def kl_terms(
    a: Array, a_lo: Array, b: Array, b_lo: Array, num: Array, num_lo: Array
) -> tuple[Array, Array]:
    """:func:`kl_terms_numpy` by :func:`numerics._jit.kl_kappa_terms` once the compiled kernels are
    loaded (the same bits): a·log(a/b) − (a − b) per element as hi + lo."""
    if not T.compiled_loaded():
        return kl_terms_numpy(a, a_lo, b, b_lo, num, num_lo)
    from numerics import _jit as J  # numba is imported on first use only

    flat = [np.ascontiguousarray(x, dtype=np.float64).reshape(-1) for x in (a, a_lo, b, b_lo, num, num_lo)]
    out, out_lo = np.empty(flat[0].size), np.empty(flat[0].size)
    J.kl_kappa_terms(flat[0], flat[1], flat[2], flat[3], flat[4], flat[5], out, out_lo)
    return out.reshape(np.shape(a)), out_lo.reshape(np.shape(a))


def kl_bernoulli(p: Array, q: Array) -> Array:
    """KL(Bern(p) ‖ Bern(q)) elementwise for float64 arrays p, q ∈ [0, 1] of one shape:
    :func:`numerics._jit.kl_bernoulli` (one pass) once the compiled kernels are loaded,
    :func:`kl_bernoulli_numpy` before (the same bits)."""
    return T.elementwise("kl_bernoulli", kl_bernoulli_numpy, p, q)


def kl_bernoulli_numpy(p: Array, q: Array) -> Array:
    """:func:`kl_bernoulli` in NumPy: p − q and the complements 1 − p, 1 − q as exact
    double-doubles (two-sums), the terms of :func:`kl_terms_numpy` at (p, q) and (1 − p, 1 − q) summed
    as hi + lo and rounded once."""
    t1, l1, t2, l2 = bernoulli_terms(kl_terms_numpy, p, q)
    return np.where(np.isinf(t1) | np.isinf(t2), np.inf, sum_dd(t1, l1, t2, l2))
