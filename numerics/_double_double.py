"""Double-double helpers for the divergences' most cancellation-prone forms (NumPy, elementwise).

A value is carried as hi + lo, |lo| ≤ ½ ulp(hi), by error-free transformations (Knuth's two-sum,
Dekker's product: :func:`numerics._kernels.two_sum`, :func:`numerics._kernels.two_product`).

* :func:`divide_dd` — (n_hi + n_lo)/(d_hi + d_lo) as hi + lo, relative error ~ε² (one division and
  the exact residual of its rounding).
* :func:`log_dd` — log x as hi + lo for positive floats, error ≲ 0.4 ulp of log x: x = 2^e·m
  from its bits (m ∈ [√½, √2], f = m − 1 exact), log m = f − g, g = f − log(1 + f) =
  f·s − 2s³V(s²), s = f/(2 + f) ∈ [−0.18, 0.18], V the KL term's certified polynomial
  (:data:`numerics._kernels._V`, fitted for |s| ≤ ½ by ``derivations.kl_series_fit``); g is at most
  f²/2, so its roundings are below ε·f² of log m, and e·ln 2 is e·LN2_HI (exact) + e·LN2_LO.
  NumPy's log is within ~1 ulp; forms that multiply a logarithm's error (the Jensen–Shannon
  φ(y) = (1 + y)log(1 + y) + (1 − y)log(1 − y), two terms of opposite sign) need this one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from numerics._kernels import _V, _horner, two_product, two_sum

Array = NDArray[np.float64]

#: ln 2 = LN2_HI + LN2_LO: LN2_HI its first 32 bits (e·LN2_HI is exact for |e| < 2²¹), LN2_LO the
#: float nearest the rest (mpmath at 300 bits; their sum is within 2⁻⁸⁶ of ln 2,
#: ``tests/numerics/test_double_double.py``)
LN2_HI, LN2_LO = 0.6931471803691238, 1.9082149292705877e-10
#: a float's mantissa bits, and the exponent bits of 1.0 (x = 2^e·m from its bits); √2 (m ≤ √2)
MANTISSA_BITS, ONE_BITS = 0x000FFFFFFFFFFFFF, 0x3FF0000000000000
SQRT2 = 1.4142135623730951
#: subnormal x are scaled by this power of 2 (exactly) before their bits are read
SMALLEST_NORMAL, SUBNORMAL_SCALE = 2.0**-1022, 2.0**64


def divide_dd(n: Array, n_lo: Array, d: Array, d_lo: Array) -> tuple[Array, Array]:
    """(n + n_lo)/(d + d_lo) as hi + lo for d ≠ 0 (hi = fl(n/d); lo from the exact residual
    n − hi·d, Dekker's product, corrected for n_lo and d_lo to first order)."""
    hi = n / d
    t, t_lo = two_product(hi, d)
    lo = ((((n - t) - t_lo) + n_lo) - hi * d_lo) / d
    return hi, lo


def log_dd(x: Array) -> tuple[Array, Array]:
    """log x as hi + lo for positive finite floats x, subnormals included (scaled by 2⁶⁴ first);
    0, negative and non-finite x give values the callers must not use: see the module
    docstring."""
    tiny = np.asarray(x < SMALLEST_NORMAL)  # subnormal: scaled up by 2⁶⁴ first (exact)
    scaled = x * np.where(tiny, SUBNORMAL_SCALE, 1.0)  # (no overflow: only subnormals grow)
    bits = np.array(scaled, dtype=np.float64, order="C").view(np.int64)  # a copy; 0-d stays 0-d
    e = (bits >> 52) - np.where(tiny, 1023 + 64, 1023)
    m = ((bits & MANTISSA_BITS) | ONE_BITS).view(np.float64)
    big = m > SQRT2
    m = np.where(big, m * 0.5, m)
    ef = np.where(big, e + 1, e).astype(np.float64)
    f = m - 1.0  # exact: m ∈ [√½, √2]
    lh, ll = two_sum(f, -x_minus_log1p(f))  # log m
    hi, lo = two_sum(ef * LN2_HI, lh)
    return two_sum(hi, (lo + ll) + ef * LN2_LO)


def bernoulli_terms(
    term: Callable[[Array, Array, Array, Array, Array, Array], tuple[Array, Array]], p: Array, q: Array
) -> tuple[Array, Array, Array, Array]:
    """term(p, 0, q, 0, p − q) and term(1 − p, 1 − q, q − p) for Bernoulli pairs, every argument a
    double-double (the difference and the complements by Knuth's two-sums, so exact): each term's
    hi and lo, (t1, l1, t2, l2) — a Bernoulli divergence is their sum (:func:`sum_dd`)."""
    zeros, ones = np.zeros_like(p), np.ones_like(p)
    d, d_lo = two_sum(p, -q)
    p0, p0_lo = two_sum(ones, -p)
    q0, q0_lo = two_sum(ones, -q)
    t1, l1 = term(p, zeros, q, zeros, d, d_lo)
    t2, l2 = term(p0, p0_lo, q0, q0_lo, -d, -d_lo)
    return t1, l1, t2, l2


def sum_dd(t1: Array, l1: Array, t2: Array, l2: Array) -> Array:
    """(t1 + l1) + (t2 + l2) rounded once: the leading parts by a two-sum, the rest added."""
    with np.errstate(invalid="ignore"):
        hi, lo = two_sum(t1, t2)
        return hi + ((lo + l1) + l2)


def x_log_x(a: Array, a_lo: Array) -> tuple[Array, Array]:
    """(a + a_lo)·log(a + a_lo) as hi + lo, 0 for a = 0: the logarithm by :func:`log_dd`, the
    product by Dekker."""
    live = a > 0.0  # 0·log 0 = 0
    safe = np.where(live, a, 1.0)
    ell, ell_lo = log_dd(safe)
    ell_lo += np.where(live, a_lo / safe, 0.0)  # log(a + a_lo) = log a + a_lo/a + O(ε²)
    t, t_lo = two_product(safe, ell)
    t_lo += safe * ell_lo + np.where(live, a_lo, 0.0) * ell
    return np.where(live, t, 0.0), np.where(live, t_lo, 0.0)


def x_minus_log1p(f: Array) -> Array:
    """f − log(1 + f) ≥ 0 = f·s − 2s³V(s²), s = f/(2 + f), for |s| ≤ ½ (f ∈ [−⅔, 2]): no
    logarithm, no cancellation (V the KL term's certified polynomial); at most ~f²/2."""
    s = f / (2.0 + f)
    w = s * s
    return f * s - ((s * w) * _horner(_V, w)) * 2.0
