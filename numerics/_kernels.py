"""Cancellation-free scalar kernels (vectorised). Each has a symbolic proof in
``derivations.stable_forms`` that it equals the textbook expression.

* :func:`expm1mx` e^u − 1 − u; :func:`xmlog1p` x − log(1 + x): Taylor series near 0, where the
  textbook form loses all digits, and the textbook form (expm1, log1p) elsewhere.
* :func:`kl_term` a·log(a/b) − a + b ≥ 0 (one summand of KL written as a sum of non-negative
  terms b·φ(a/b), φ(t) = t log t − t + 1), from a, b and their exactly computed difference
  d = a − b: (d²/(a + b))·S(d/(a + b)) with the series S(y) = 1 + y/3 + y²/3 + y³/5 + y⁴/5 + …
  for |y| ≤ ½, the textbook form otherwise.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# e^u − 1 − u = Σ_{k≥2} u^k / k!: |u| ≤ 0.5 needs terms up to k = 20 for 1e-17 relative
_EXPM1MX = [1.0 / math.factorial(k) for k in range(2, 22)]
# x − log(1 + x) = Σ_{k≥2} (−1)^k x^k / k: |x| ≤ 0.25 needs k up to 30
_XMLOG1P = [(-1.0) ** k / k for k in range(2, 34)]
# (1 + y)·atanh(y) − y = y²·S(y), S(y) = Σ_j c_j y^j with c = 1, 1/3, 1/3, 1/5, 1/5, …: |y| ≤ ½
_S = [1.0 / (2 * (j // 2) + 1) if j % 2 == 0 else 1.0 / (2 * ((j + 1) // 2) + 1) for j in range(60)]


def _horner(coeffs: list[float], x: Array) -> Array:
    out = np.full_like(x, coeffs[-1])
    for c in reversed(coeffs[:-1]):
        out = out * x + c
    return out


def expm1mx(u: Array) -> Array:
    """e^u − 1 − u, accurate to a few ulp for all u."""
    u = np.asarray(u, dtype=np.float64)
    small = np.abs(u) <= 0.5
    out = np.empty_like(u)
    us = u[small]
    out[small] = us * us * _horner(_EXPM1MX, us)
    ul = u[~small]
    out[~small] = np.expm1(ul) - ul
    return out


def xmlog1p(x: Array) -> Array:
    """x − log(1 + x) for x > −1, accurate to a few ulp for all x."""
    x = np.asarray(x, dtype=np.float64)
    small = np.abs(x) <= 0.25
    out = np.empty_like(x)
    xs = x[small]
    out[small] = xs * xs * _horner(_XMLOG1P, xs)
    xl = x[~small]
    out[~small] = xl - np.log1p(xl)
    return out


def kl_term(a: Array, b: Array, d: Array) -> Array:
    """a·log(a/b) − a + b for a, b ≥ 0 with d = a − b computed exactly by the caller.

    0·log 0 = 0 (a = 0 gives b); a > 0 = b gives +inf (support mismatch)."""
    a, b, d = (np.asarray(v, dtype=np.float64) for v in (a, b, d))
    a, b, d = np.broadcast_arrays(a, b, d)
    out = np.zeros(a.shape, dtype=np.float64)
    s = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(s > 0, d / s, 0.0)
    near = (np.abs(y) <= 0.5) & (s > 0)
    yn = y[near]
    out[near] = d[near] * yn * _horner(_S, yn)  # d²/s · S(y) = d·y·S(y)
    far = ~near & (s > 0)
    af, bf = a[far], b[far]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        ratio = af / bf
        # log(a/b) from the ratio when it is a normal float (one rounding), else log a − log b
        ok = np.isfinite(ratio) & (ratio >= np.finfo(np.float64).tiny)
        log_ratio = np.where(ok, np.log(np.where(ok, ratio, 1.0)), np.log(af) - np.log(bf))
        val = np.where(af > 0, af * log_ratio, 0.0) - af + bf
    val = np.where((af > 0) & (bf == 0), np.inf, val)
    out[far] = np.maximum(val, 0.0)
    return out
