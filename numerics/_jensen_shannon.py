"""The Jensen–Shannon divergence as a sum of non-negative terms, each accurate to ~½ ulp.

With m = (p + q)/2, s = p + q and y = (p − q)/(p + q) ∈ [−1, 1] per element,

    ½[p log(p/m) + q log(q/m)] = (s/4)·φ(y),   φ(y) = (1 + y)log(1 + y) + (1 − y)log(1 − y),

so JSD(p, q) = ¼ Σ_i s_i φ(y_i) (Lin 1991, eq. 4.1, per element): every term is ≥ 0 and nothing
cancels in the sum, and the value no longer depends on a rounded m (the textbook
½KL(p‖m) + ½KL(q‖m) with m rounded is off by ~Σ δm_i, several ulp of a small JSD — the 6–12 ulp
this project measured before this form). φ(y) = Σ_{k≥1} y^{2k}/(k(2k − 1)) — positive terms — is
summed as y² + y⁴·Σ_{k≥2} y^{2(k−2)}/(k(2k − 1)) for |y| ≤ :data:`SERIES_BELOW` (the leading y²
from y = y_hi + y_lo exactly to first order, the rest a small positive correction), and beyond as
(1 + y)·log(1 + y) + (1 − y)·log(1 − y) from double-double logarithms and products
(:func:`numerics._double_double.log_dd`): its two terms have opposite signs (at |y| = ½ the larger
is 2.3 × φ), so single-precision logarithms would leave ~3 ulp there. Measured against mpmath:
``tests/numerics/test_jensen_shannon.py``. Used by ``divergences.jsd_categorical`` and
``divergences.jsd_bernoulli`` (seed problems: the GAN optimum, V(G, D*) = −log 4 + 2·JSD).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from numerics import _kernel_tier as T
from numerics._double_double import bernoulli_terms, divide_dd, sum_dd, x_log_x
from numerics._kernels import two_product, two_sum

Array = NDArray[np.float64]

#: |y| up to which φ is summed as its series (beyond: the logarithmic form)
SERIES_BELOW = 0.5


def _series_terms(top: float) -> int:
    """How many terms k ≥ 2 of φ's series keep the tail below 2⁻⁵⁶ of φ for |y| ≤ top: the tail
    after k = N is ≤ w^(N−1)/(N(2N − 1)(1 − w)) · w², w = top², and φ ≥ w."""
    w = top * top
    n = 2
    while w ** (n - 1) * w / (n * (2 * n - 1) * (1.0 - w)) >= 2.0**-56:
        n += 1
    return n


#: 1/(k(2k − 1)) for k = 2 … N: φ(y) = y² + y⁴·Σ_k PHI_TAIL[k − 2]·y^{2(k−2)}
PHI_TAIL = [1.0 / (k * (2 * k - 1)) for k in range(2, _series_terms(SERIES_BELOW) + 1)]


def _phi_series(y: Array, y_lo: Array) -> tuple[Array, Array]:
    """φ(y) as hi + lo for |y| ≤ :data:`SERIES_BELOW`, y = y + y_lo (a double-double)."""
    w, w_lo = two_product(y, y)
    w_lo += 2.0 * y * y_lo  # y² = w + w_lo to first order in y_lo
    tail = np.full_like(w, PHI_TAIL[-1])
    for c in reversed(PHI_TAIL[:-1]):
        tail *= w
        tail += c
    # y² + y⁴·tail: the tail (≤ y²/6·1.1 of it) and y_lo's share (d(y²ψ)/d(y²) = 1 + w/3 + …) last
    return two_sum(w, (w * w) * tail + w_lo * (1.0 + w / 3.0))


def _phi_logs(up: Array, up_lo: Array, down: Array, down_lo: Array) -> tuple[Array, Array]:
    """φ = (1 + y)log(1 + y) + (1 − y)log(1 − y) from 1 + y and 1 − y as double-doubles (each to
    its own relative accuracy: near |y| = 1, where dφ/dy = log((1 + y)/(1 − y)) grows without
    bound, y itself to ε would not do), the two terms (opposite signs) summed exactly."""
    t1, l1 = x_log_x(up, up_lo)
    t2, l2 = x_log_x(down, down_lo)
    hi, lo = two_sum(t1, t2)
    return two_sum(hi, (lo + l1) + l2)


def jsd_terms(
    a: Array, a_lo: Array, b: Array, b_lo: Array, num: Array, num_lo: Array
) -> tuple[Array, Array]:
    """(a + b)·φ(y) per element as hi + lo, y = (a − b)/(a + b) (0 where a + b = 0), for a, b ≥ 0
    — p and q in any common scale — as double-doubles a + a_lo, b + b_lo, with a − b given as
    num + num_lo (exact where a and b are close): the JSD is ¼ Σ of these over the scale.
    Computed by :func:`numerics._jit.jsd_terms` once the compiled kernels are loaded, by
    :func:`jsd_terms_numpy` before (the same bits)."""
    if not T.compiled_loaded():
        return jsd_terms_numpy(a, a_lo, b, b_lo, num, num_lo)
    from numerics import _jit as J  # numba is imported on first use only

    fa, fa_lo, fb, fb_lo, fn, fn_lo = (np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
                                       for x in (a, a_lo, b, b_lo, num, num_lo))
    out, out_lo = np.empty(fa.size), np.empty(fa.size)
    J.jsd_terms(fa, fa_lo, fb, fb_lo, fn, fn_lo, out, out_lo)
    return out.reshape(np.shape(a)), out_lo.reshape(np.shape(a))


def jsd_terms_numpy(
    a: Array, a_lo: Array, b: Array, b_lo: Array, num: Array, num_lo: Array
) -> tuple[Array, Array]:
    """:func:`jsd_terms` in NumPy (the reference form of the compiled kernel): y = num/den for the
    series (|y| ≤ :data:`SERIES_BELOW`), 1 ± y = 2a/den, 2b/den for the logarithms; the product
    den·φ by Dekker."""
    with np.errstate(invalid="ignore", divide="ignore"):
        den, den_lo = two_sum(a, b)
        den, den_lo = two_sum(den, den_lo + (a_lo + b_lo))
        live = den > 0.0
        safe = np.where(live, den, 1.0)
        y, y_lo = divide_dd(num, num_lo, safe, den_lo)
        y = np.where(live, np.clip(y, -1.0, 1.0), 0.0)
        near = np.abs(y) <= SERIES_BELOW
        phi, phi_lo = np.empty_like(y), np.empty_like(y)
        if near.any():
            phi[near], phi_lo[near] = _phi_series(y[near], y_lo[near])
        far = ~near
        if far.any():
            s, s_lo = safe[far], den_lo[far]
            up, up_lo = divide_dd(2.0 * a[far], 2.0 * a_lo[far], s, s_lo)
            down, down_lo = divide_dd(2.0 * b[far], 2.0 * b_lo[far], s, s_lo)
            phi[far], phi_lo[far] = _phi_logs(up, up_lo, down, down_lo)
        t, t_lo = two_product(den, phi)
        t_lo += den * phi_lo + den_lo * phi
    return np.where(live, t, 0.0), np.where(live, t_lo, 0.0)


def jsd_bernoulli(p: Array, q: Array) -> Array:
    """JSD(Bern(p), Bern(q)) = ¼[(p + q)·φ(y₁) + ((1 − p) + (1 − q))·φ(y₀)] elementwise for
    float64 arrays p, q ∈ [0, 1] of one shape: :func:`numerics._jit.jsd_bernoulli` (one pass) once
    the compiled kernels are loaded, :func:`jsd_bernoulli_numpy` before (the same bits)."""
    return T.elementwise("jsd_bernoulli", jsd_bernoulli_numpy, p, q)


def jsd_bernoulli_numpy(p: Array, q: Array) -> Array:
    """:func:`jsd_bernoulli` in NumPy: p − q and the complements 1 − p, 1 − q as exact
    double-doubles (two-sums), the two terms of :func:`jsd_terms_numpy` summed as hi + lo."""
    return sum_dd(*bernoulli_terms(jsd_terms_numpy, p, q)) * 0.25
