"""The Jensen–Shannon form ¼ Σ s·φ(y) (numerics._jensen_shannon) and its double-double helpers
(numerics._double_double): accuracy against mpmath, the compiled kernel's bits against the NumPy
form, wrong variants caught, and the inputs where the previous form (½KL(p‖m) + ½KL(q‖m) with a
rounded m) was worst."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from numerics import _jensen_shannon as JS
from numerics import _jit as J
from numerics import accuracy_sweep as S
from numerics import divergences as D
from numerics._double_double import LN2_HI, LN2_LO, divide_dd, log_dd
from numerics._kernels import two_sum

EPS = 2.0**-52


def _phi(y: mp.mpf) -> mp.mpf:
    if abs(y) == 1:
        return 2 * mp.log(2)
    return (1 + y) * mp.log1p(y) + (1 - y) * mp.log1p(-y)


def _pairs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) ≥ 0 covering y = (a − b)/(a + b) across [−1, 1]: random, near-equal (to a few ulp),
    one far below the other (y → ±1 by 1e−300), zeros and subnormals."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(size=n) * 10.0 ** rng.uniform(-5, 5, size=n)
    kind = rng.integers(0, 4, size=n)
    b = np.where(kind == 0, rng.uniform(size=n) * 10.0 ** rng.uniform(-5, 5, size=n), a)
    b = np.where(kind == 1, a * (1 + rng.normal(size=n) * 10.0 ** rng.uniform(-15, -1, size=n)), b)
    b = np.where(kind == 2, a * 10.0 ** -rng.uniform(1, 300, size=n), b)
    b = np.where(kind == 3, a * rng.uniform(0.2, 0.5, size=n), b)
    swap = rng.uniform(size=n) < 0.5
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    a[::97], b[::89], a[::131] = 0.0, 0.0, 5e-320
    return a, np.abs(b)


def _terms(a: np.ndarray, b: np.ndarray, compiled: bool) -> tuple[np.ndarray, np.ndarray]:
    zeros = np.zeros_like(a)
    num, num_lo = two_sum(a, -b)
    if compiled:
        out, out_lo = np.empty_like(a), np.empty_like(a)
        J.jsd_terms(a, zeros, b, zeros, num, num_lo, out, out_lo)
        return out, out_lo
    return JS.jsd_terms_numpy(a, zeros, b, zeros, num, num_lo)


def test_the_compiled_kernel_gives_the_numpy_forms_bits():
    a, b = _pairs(100_000, 1)
    (hi, lo), (c_hi, c_lo) = _terms(a, b, False), _terms(a, b, True)
    assert np.isfinite(hi).all() and np.isfinite(lo).all()
    assert np.array_equal(hi.view(np.int64), c_hi.view(np.int64))
    assert np.array_equal(lo.view(np.int64), c_lo.view(np.int64))


def test_the_compiled_bernoulli_pass_gives_the_numpy_forms_bits():
    rng = np.random.default_rng(5)
    n = 50_000
    p = rng.uniform(size=n)
    q = np.where(rng.uniform(size=n) < 0.3, p * (1 + rng.normal(size=n) * 10.0 ** rng.uniform(-16, -1, n)),
                 rng.uniform(size=n))
    q = np.clip(q, 0.0, 1.0)
    p[::7], q[::11], p[::13], q[::17] = 0.0, 1.0, 1 - 2**-53, 5e-324
    want = JS.jsd_bernoulli_numpy(p, q)
    got = np.empty(n)
    J.jsd_bernoulli(p, q, got)
    assert np.isfinite(want).all()
    assert np.array_equal(want.view(np.int64), got.view(np.int64))


def test_each_term_is_within_a_quarter_ulp_as_a_double_double():
    """(a + b)·φ((a − b)/(a + b)) as hi + lo to ≤ ε/2 relative (measured worst 0.23 ε) on 3,000
    pairs of every kind, both φ forms and their switch at |y| = ½ included; hi alone within 2 ulp
    (float64 spacing at the exact value, subnormal spacing below the normal range)."""
    a, b = _pairs(3000, 2)
    y_switch = np.array([0.5, 0.5 + 2**-50, 0.5 - 2**-50, 1 - 2**-52, 2**-30])
    a = np.concatenate([a, 1 + y_switch])
    b = np.concatenate([b, 1 - y_switch])
    hi, lo = _terms(a, b, False)
    worst_hi = worst_dd = 0.0
    with mp.workdps(60):
        for x, z, h, low in zip(a.tolist(), b.tolist(), hi.tolist(), lo.tolist(), strict=True):
            s = mp.mpf(x) + mp.mpf(z)
            exact = s * _phi((mp.mpf(x) - mp.mpf(z)) / s) if s else mp.mpf(0)
            worst_hi = max(worst_hi, S.ulp_spacing_error(h, exact))
            if abs(exact) > 1e-290:  # relative error of the pair, above the subnormal range
                worst_dd = max(worst_dd, float(abs(mp.mpf(h) + mp.mpf(low) - exact) / (exact * EPS)))
    assert worst_hi <= 2.0, worst_hi
    assert worst_dd <= 0.5, worst_dd


def test_a_wrong_phi_is_caught():
    """The textbook route — y = fl((a − b)/(a + b)), then (1 + y)·log1p(y) + (1 − y)·log1p(−y) —
    misses that bound by orders of magnitude where b ≪ a (1 − y = 2b/(a + b) lost to y's
    rounding), the reason the form takes 1 ± y from 2a/(a + b) and 2b/(a + b)."""
    a, b = np.array([1.0, 0.7, 0.3]), np.array([3e-17, 1e-12, 0.29])
    y = (a - b) / (a + b)
    with np.errstate(divide="ignore", invalid="ignore"):  # y rounds to 1: log1p(−1) = −inf
        wrong = (a + b) * ((1 + y) * np.log1p(y) + (1 - y) * np.log1p(-y))
    right = _terms(a, b, False)[0]
    with mp.workdps(60):
        exact = [(mp.mpf(x) + mp.mpf(z)) * _phi((mp.mpf(x) - mp.mpf(z)) / (mp.mpf(x) + mp.mpf(z)))
                 for x, z in zip(a.tolist(), b.tolist(), strict=True)]
        assert max(S.ulp_spacing_error(w, e) for w, e in zip(wrong.tolist(), exact, strict=True)) > 10
        assert max(S.ulp_spacing_error(r, e) for r, e in zip(right.tolist(), exact, strict=True)) <= 2.0


def test_log_dd_and_its_ln2_split():
    with mp.workdps(300):
        assert float(mp.mpf(LN2_HI) * 2**32) == float(int(LN2_HI * 2**32))  # 32 significant bits
        assert abs(mp.mpf(LN2_HI) + mp.mpf(LN2_LO) - mp.log(2)) < mp.mpf(2) ** -86
    rng = np.random.default_rng(3)
    x = np.concatenate([np.ldexp(rng.uniform(0.5, 1.0, 4000), rng.integers(-1021, 1024, 4000)),
                        1 + rng.normal(size=1000) * 10.0 ** rng.uniform(-16, -1, 1000),
                        [2.0**-1022, 1.0, 2.0, math.sqrt(2), math.nextafter(math.sqrt(2), 2),
                         1.7976931348623157e308, 5e-324, 3e-320, math.nextafter(2.0**-1022, 0.0)]])
    hi, lo = log_dd(x)
    with mp.workdps(80):
        for v, h, lw in zip(x.tolist(), hi.tolist(), lo.tolist(), strict=True):
            exact = mp.log(mp.mpf(v))
            error = abs(mp.mpf(h) + mp.mpf(lw) - exact)
            assert error <= (abs(exact) * EPS * 0.5 if exact else mp.mpf(0)), v
    # a wrong split (ln 2 rounded to a float, e·ln 2 then inexact) fails at large exponents
    wrong = np.log(2.0) * 1000.0
    with mp.workdps(80):
        assert abs(mp.mpf(wrong) - 1000 * mp.log(2)) > 1000 * mp.log(2) * EPS / 2**5


def test_divide_dd_is_exact_to_second_order():
    rng = np.random.default_rng(4)
    n, d = rng.normal(size=2000), rng.uniform(0.1, 10, size=2000)
    n_lo, d_lo = n * EPS * rng.uniform(-0.5, 0.5, 2000), d * EPS * rng.uniform(-0.5, 0.5, 2000)
    hi, lo = divide_dd(n, n_lo, d, d_lo)
    with mp.workdps(60):
        columns = (n, n_lo, d, d_lo, hi, lo)
        for args in zip(*(c.tolist() for c in columns), strict=True):
            a, al, b, bl, h, lw = (mp.mpf(v) for v in args)
            exact = (a + al) / (b + bl)
            assert abs(h + lw - exact) <= abs(exact) * mp.mpf(2) ** -100


@pytest.mark.parametrize(
    ("p", "q", "was"),
    [  # the previous form's worst inputs (searched, pinned, swept), with its error in ulp
        ([0.025867348349350824, 0.02798866902974935, 0.9468460524424012],
         [0.15602863682272938, 0.018436780348129185, 0.8255345656602224], 11.56),
        ([0.9158971179157215, 0.08410288208427578], [0.25925116517260416, 0.7407488348274488], 11.57),
        ([7.170341682724845e-259, 4.8284489990373317e-169, 5.882729091737007e-248, 7.318752984778704e-294,
          1.140474711557686e-192],
         [7.793539384850245e-203, 9.487252501431134e-40, 9.04991489871403e-172, 3.791915478859687e-273,
          1.5969462504158157e-218], 48.4),
        ([0.5106142726927222, 0.48938572730727775], [0.5106142726927221, 0.48938572730727764], 4.85),
    ],
)
def test_former_worst_categorical_inputs_are_within_two_ulp(p, q, was):
    got, exact, _ = S._categorical_sample("jsd_categorical", np.array(p), np.array(q), True)
    assert S.ulp_spacing_error(got, exact) <= 2.0 < was


@pytest.mark.parametrize(
    ("p", "q"),
    [(0.15927380309086175, 0.8345461365972545), (0.22934633677166144, 0.8798581711853098),
     (0.9950965052353241, 5.4219911752228524e-17), (0.5, 0.5 + 2**-53), (0.0, 1.0), (1.0, 1.0 - 2**-53)],
)
def test_bernoulli_jsd_is_within_two_ulp_where_it_was_not(p, q):
    got, exact, _ = S._bernoulli_sample("jsd_bernoulli", p, q)
    assert S.ulp_spacing_error(got, exact) <= 2.0


def test_the_jsd_keeps_its_exact_values():
    assert D.jsd_categorical([1.0, 0.0], [0.0, 1.0]) == math.log(2.0)
    assert D.jsd_categorical([0.3, 0.7], [0.3, 0.7]) == 0.0
    assert D.jsd_bernoulli(0.0, 1.0) == math.log(2.0)
    assert D.jsd_bernoulli(0.25, 0.25) == 0.0
    np.testing.assert_array_equal(D.jsd_categorical([[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [0.0, 1.0]]),
                                  [0.0, math.log(2.0)])
