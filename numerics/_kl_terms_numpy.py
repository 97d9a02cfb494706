"""The compiled term kernel a·log(a/b) − a + b of :mod:`numerics._jit` in NumPy, bit for bit.

Transcribes ``_jit._select_term`` (one form selected per element, as compiled: the series
d·y·S(y) for |y| ≤ ½, b where a = 0, a·ℓ − d below ``far_below``, d·ℓ/2 + s·(ℓ/2 − y) otherwise;
see :func:`numerics._kernels.kl_term` and the seed problem's KL of two Bernoulli / categorical
distributions written as non-negative terms b·φ(a/b)) and ``_jit.kl_terms_d_fix`` / ``kl_term_ell``
(ℓ = log a − log b where a/b over- or underflowed), operation for operation and in the same order,
so that a first call needs neither numba nor the compiled machine code. It takes ℓ as given
(the Bernoulli-logits form passes log1p of an exact difference, with the threshold −½ of
``_jit.kl_terms_log1p``); where ℓ = log(a/b), :func:`numerics._kernels.kl_term` gives the same
bits by itself. The few fixed elements call libm's ``log`` through Python's :mod:`math`, as the
compiled code does: NumPy's vectorised ``log`` may differ from it in the last bit.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from numerics._kernels import _SMALL_Y, _V, _V_SMALL, FAR_BELOW, NEAR_Y

Array = NDArray[np.float64]

#: y below which the Bernoulli-logits terms take a·ℓ − d (``_jit.kl_terms_log1p``)
LOG1P_FAR_BELOW = -0.5


def _series(d: Array, y: Array, coeffs: list[float]) -> Array:
    """d·y·S(y), S(y) = 1 + y(1 + y)·V(y²), V by Horner's rule from the top over ``coeffs``
    (``_jit._select_term``'s ``near``, for the elements given)."""
    w = y * y
    poly = np.full_like(y, coeffs[-1])
    for c in reversed(coeffs[:-1]):
        poly *= w
        poly += c
    poly *= y + 1.0
    poly *= y
    poly += 1.0
    poly *= y
    poly *= d
    return poly


def select_terms(a: Array, b: Array, d: Array, ell: Array, far_below: float) -> Array:
    """``_jit._select_term`` elementwise on 1-d arrays: a, b ≥ 0, d = a − b (exact), ell =
    log(a/b); a·ℓ − d for y < ``far_below`` (:data:`numerics._kernels.FAR_BELOW` or
    :data:`LOG1P_FAR_BELOW`). The series only where it is selected (|y| ≤ ½; V's Taylor series, 3 terms, where
    |y| ≤ 2⁻¹⁰), each element's operations as compiled. Callers silence floating-point warnings
    (``np.errstate(all="ignore")``)."""
    s = a + b
    y = d / s
    very = a * ell - d
    t = ell * 0.5
    far = (t - y) * s + t * d
    terms: Array = np.where(a == 0.0, b, np.where(y < far_below, very, far))
    ay = np.abs(y)
    for idx, coeffs in (
        (np.flatnonzero(ay <= _SMALL_Y), _V_SMALL),
        (np.flatnonzero((ay > _SMALL_Y) & (ay <= NEAR_Y)), _V),
    ):
        if idx.size:
            terms[idx] = _series(d[idx], y[idx], coeffs)
    return terms


def needs_fix(a: Array, b: Array, ell: Array) -> NDArray[np.bool_]:
    """Where the compiled kernels call ``kl_term_ell``: ℓ not finite with a, b > 0."""
    with np.errstate(invalid="ignore"):
        return ~(ell - ell == 0.0) & (a > 0.0) & (b > 0.0)


def fix_terms(a: Array, b: Array, d: Array, ell: Array, terms: Array) -> None:
    """``_jit.kl_terms_d_fix``: terms (1-d, written in place) = ``kl_term_ell`` where ℓ is not
    finite and a, b > 0, with ℓ = log a − log b from libm (:func:`math.log`) per such element."""
    idx = np.flatnonzero(needs_fix(a, b, ell))
    if idx.size == 0:
        return
    fa, fb = a[idx], b[idx]
    logs = np.array([math.log(x) - math.log(z) for x, z in zip(fa.tolist(), fb.tolist(), strict=True)])
    with np.errstate(all="ignore"):
        terms[idx] = select_terms(fa, fb, d[idx], logs, FAR_BELOW)
