"""The 14-term polynomial the KL-term kernels use for V(w) = Σ w^k/(2k + 3) on [0, ¼]: it is the
Chebyshev interpolant re-derived from V's closed form, its certified relative error is below
0.6 ulp (no worse than the 26-term Taylor series it replaced), and a wrong table is caught."""

from __future__ import annotations

import mpmath
import pytest

from derivations import kl_series_fit as F
from numerics import _kernels as K

_ULP = 2.0**-52


def _relative_error_at(coeffs: list[float], w: mpmath.mpf) -> mpmath.mpf:
    with mpmath.workdps(50):
        value = mpmath.mpf(0)
        for c in reversed(coeffs):
            value = value * w + mpmath.mpf(c)
        return abs(value / F.v_exact(w) - 1)


def test_the_kernel_table_is_the_interpolant_re_derived():
    assert F.fitted_coefficients(14) == K._V


def test_the_certified_error_is_below_0_6_ulp_and_no_worse_than_the_taylor_series():
    bound = F.certified_relative_error(K._V)
    assert bound <= 0.6 * _ULP
    assert bound <= F.certified_relative_error(K._V_TAYLOR)
    # the bound is not vacuous: the error at w = ⅛ and w = ¼ lies below it
    for w in (mpmath.mpf(1) / 8, mpmath.mpf(1) / 4):
        assert _relative_error_at(K._V, w) <= bound


@pytest.mark.parametrize(
    "wrong", [K._V_TAYLOR[:14], F.fitted_coefficients(13), [*K._V[:-1], K._V[-1] * 1.01]]
)
def test_a_wrong_table_is_caught(wrong):
    assert F.certified_relative_error(wrong) > 0.6 * _ULP
    worst = max(_relative_error_at(wrong, mpmath.mpf(i) / 400) for i in range(101))
    assert worst > 0.6 * _ULP  # a real error, not only a looser bound


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="n: expected a positive number"):
        F.fitted_coefficients(0)
    with pytest.raises(ValueError, match="coeffs: expected at least one"):
        F.certified_relative_error([])
