"""The near-equal series of the KL term, V(w) = Σ_k w^k/(2k + 3) = (atanh(√w)/√w − 1)/w on
0 ≤ w ≤ ¼, by a polynomial of 14 terms, with a ball-arithmetic certificate of its error.

``numerics._kernels.kl_term`` (and its compiled twins in ``numerics._jit``) evaluate each summand
a·log(a/b) − a + b of a KL divergence (seed 002: KL(q ‖ p) as a sum of non-negative terms) for
|y| ≤ ½, y = (a − b)/(a + b), as d·y·S(y), S(y) = 1 + y(1 + y)·V(y²). V's Taylor series needs 26
terms at w = ¼ (its tail decays like 4⁻ᵏ). V is analytic in the disc |w| < 1, so the polynomial
that interpolates it at the Chebyshev points of [0, ¼] converges like ρ⁻ⁿ with
ρ = 7 + √48 ≈ 13.9 (Trefethen, *Approximation Theory and Approximation Practice*, Thm 8.2): 14
terms reach the rounding of the coefficients themselves, and the kernels spend 13 multiply-adds
per series instead of 25.

* :func:`fitted_coefficients`: the interpolant at n Chebyshev points, in the monomial basis of w,
  each coefficient rounded to float64 (mpmath at 60 digits).
* :func:`certified_relative_error`: an upper bound, in ball arithmetic (python-flint), of
  max |P(w) − V(w)|/V(w) over [0, ¼] for the float64 coefficients as given: V by its Taylor
  series to 120 terms plus the tail bound w¹²⁰/((243)(1 − w)), the difference re-expanded about
  the centre of each of 256 subintervals (exact composition in arb), |D(c + h)| ≤ |e₀| +
  Σ_j |e_j|·r^j, divided by V ≥ ⅓. A bound that is returned is a bound that holds; a wrong
  table (e.g. the Taylor series cut at 14 terms) gets a bound ~10⁷ times larger.
"""

from __future__ import annotations

from collections.abc import Sequence

import mpmath
from flint import arb, arb_poly, ctx

#: the interval of w = y² where the kernels use the polynomial (|y| ≤ ½)
W_TOP = mpmath.mpf(1) / 4
_TAYLOR_TERMS = 120
_PIECES = 256


def v_exact(w: mpmath.mpf) -> mpmath.mpf:
    """V(w) = (atanh(√w)/√w − 1)/w (1/3 at w = 0), at mpmath's working precision."""
    if w == 0:
        return mpmath.mpf(1) / 3
    r = mpmath.sqrt(w)
    return (mpmath.atanh(r) / r - 1) / w


def fitted_coefficients(n: int = 14) -> list[float]:
    """The n monomial coefficients (w⁰ first) of the polynomial interpolating V at the n
    Chebyshev points of [0, ¼], computed at 60 digits and rounded to float64."""
    if n < 1:
        raise ValueError(f"n: expected a positive number of terms, got {n}")
    with mpmath.workdps(60):
        nodes = [W_TOP / 2 * (1 + mpmath.cos(mpmath.pi * (2 * j + 1) / (2 * n))) for j in range(n)]
        matrix = mpmath.matrix([[x**k for k in range(n)] for x in nodes])
        coeffs = mpmath.lu_solve(matrix, mpmath.matrix([v_exact(x) for x in nodes]))
        return [float(coeffs[k]) for k in range(n)]


def certified_relative_error(coeffs: Sequence[float]) -> float:
    """An upper bound (ball arithmetic) of max over 0 ≤ w ≤ ¼ of |P(w) − V(w)|/V(w), P the
    polynomial with these float64 coefficients (w⁰ first); see the module docstring."""
    if not coeffs:
        raise ValueError("coeffs: expected at least one coefficient")
    old = ctx.prec
    ctx.prec = 320
    try:
        n = max(len(coeffs), _TAYLOR_TERMS)
        diff = [
            (arb(coeffs[k]) if k < len(coeffs) else arb(0)) - (arb(1) / (2 * k + 3)) for k in range(n)
        ]
        poly = arb_poly(diff)
        top = arb(1) / 4
        # Σ_{k ≥ n} w^k/(2k + 3) ≤ w^n/((2n + 3)(1 − w)) ≤ ¼ⁿ/((2n + 3)·¾)
        tail = top**n / ((2 * n + 3) * (1 - top))
        half_width = top / (2 * _PIECES)
        worst = arb(0)
        for i in range(_PIECES):
            centre = top * (2 * i + 1) / (2 * _PIECES)
            shifted = poly(arb_poly([centre, 1]))  # D(c + h) as a polynomial in h, exactly
            bound = arb(0)
            power = arb(1)
            for e in shifted.coeffs():
                bound += abs(e) * power
                power *= half_width
            worst = max(worst, (bound + tail).upper())
        # V ≥ V(0) = ⅓ on [0, ¼] (all its Taylor coefficients are positive)
        return float((worst * 3).upper()) * (1 + 2.0**-50)
    finally:
        ctx.prec = old
