"""Every reported reproducer against mpmath on the exact float inputs, the dtype
rule, layout/batching independence, empty batches and error messages, and a modest sweep over
the regimes of ``numerics.accuracy.REGIMES`` (the full sweep is
``benchmarks/divergence_accuracy.py``).

Tolerances: float64 results within 2 ulp of the exact value where the issue quotes a reproducer
(the measured worst is ≤ 0.8 ulp for each), float32 results within 0.5 ulp + 2⁻²⁰ (the float64
arithmetic's error, ≤ a few 2⁻⁵² relative, is < 2⁻²⁰ of a float32 ulp: "correctly rounded up to
the final rounding")."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics import accuracy as A
from numerics import divergences as D

F64_ULP = 2.0  # reproducers and regime sweeps (measured worst per regime: README "Benchmarks")
F32_ULP = 0.5 + 2.0**-20


def ulp(got: object, ref: mp.mpf, dtype: type = np.float64) -> float:
    return A.ulp_error(float(np.asarray(got)), ref, dtype)


# ---------------------------------------------------------------------------- 1. logits


@pytest.mark.parametrize(
    ("a", "b", "approx"),
    [
        ([0.0, 0.0], [0.0, -720.0], 359.31),
        ([1500.0, 0.0], [0.0, 0.0], float(np.log(2))),
        ([0.0, 0.0], [0.0, -800.0], 399.31),
    ],
)
def test_categorical_logit_reproducers(a, b, approx):
    got = D.kl_categorical_logits(a, b)
    ref = A.ref_kl_categorical_logits(np.array(a), np.array(b))
    assert abs(float(ref) - approx) < 0.01
    assert ulp(got, ref) <= F64_ULP


def test_logits_shifted_by_a_constant_give_exactly_zero():
    assert D.kl_categorical_logits([0.5, 1.5], [1.5, 2.5]) == 0.0
    rng = np.random.default_rng(0)
    a = np.round(rng.normal(size=(50, 7)) * 100 * 64) / 64  # a + 37.25 is then exact
    assert np.all(D.kl_categorical_logits(a, a + 37.25) == 0.0)
    b = rng.normal(size=7) * 100  # b + 37.25 rounded: no longer a shift; the exact (tiny) KL
    assert ulp(D.kl_categorical_logits(b, b + 37.25), A.ref_kl_categorical_logits(b, b + 37.25)) <= F64_ULP
    assert np.all(D.kl_bernoulli_logits(a, a) == 0.0)


@pytest.mark.parametrize(
    ("a", "b", "max_ulp"),
    [
        (-700.0, 10.0, F64_ULP),  # exact 10.0000454
        (-40.0, -800.0, F64_ULP),  # 3.2e-15
        (700.0, 800.0, F64_ULP),  # 9.76e-303 (the "9.8e-303" came from a 100-digit reference
        #                          that rounds 1 + e^-700 to 1; at 800 digits it is 99·e^-700)
        (-745.0, -40.0, F64_ULP),  # 4.2e-18
        (-24.846972481057637, -24.327761049868442, F64_ULP),  # 216 ulp before
    ],
)
def test_bernoulli_logit_reproducers(a, b, max_ulp):
    assert ulp(D.kl_bernoulli_logits(a, b), A.ref_kl_bernoulli_logits(a, b)) <= max_ulp


def test_infinite_logits_mask_as_in_torch():
    # −inf masks a category; masked in both: ignored; masked in b only: support mismatch
    got = D.kl_categorical_logits([0.0, -np.inf, 1.0], [0.5, -np.inf, 0.0])
    assert ulp(got, A.ref_kl_categorical_logits(np.array([0.0, 1.0]), np.array([0.5, 0.0]))) <= F64_ULP
    assert D.kl_categorical_logits([0.0, 1.0], [0.0, -np.inf]) == np.inf
    assert ulp(D.kl_categorical_logits([0.0, -np.inf], [0.0, 2.0]),
               A.ref_kl_categorical_logits(np.array([0.0, -np.inf]), np.array([0.0, 2.0]))) <= F64_ULP
    # Bernoulli: +inf is probability 1, −inf probability 0
    assert D.kl_bernoulli_logits(np.inf, np.inf) == 0.0
    assert ulp(D.kl_bernoulli_logits(np.inf, 2.0), A.ref_kl_bernoulli_logits(np.inf, 2.0)) <= F64_ULP
    assert ulp(D.kl_bernoulli_logits(-np.inf, 2.0), A.ref_kl_bernoulli_logits(-np.inf, 2.0)) <= F64_ULP
    assert D.kl_bernoulli_logits(np.inf, -np.inf) == np.inf
    with pytest.raises(ValueError, match="a: contains \\+inf"):
        D.kl_categorical_logits([np.inf, 0.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="b: every logit"):
        D.kl_categorical_logits([0.0, 0.0], [-np.inf, -np.inf])
    with pytest.raises(ValueError, match="a: contains NaN"):
        D.kl_bernoulli_logits(np.nan, 0.0)


# ---------------------------------------------------------------------------- 2. kl_term


@pytest.mark.parametrize(
    ("p", "q"),
    [
        (2.6219361886261046e-273, 9.642160751233645e-32),  # 374 ulp before
        (2.0033027218119444e-08, 0.10343092551392612),  # 16.8 ulp before
        (0.5, 0.5 + 2.0**-30),  # near-equal
        (1e-300, 0.999),
        (0.999, 1e-300),
    ],
)
def test_bernoulli_reproducers_a_much_smaller_or_larger_than_b(p, q):
    assert ulp(D.kl_bernoulli(p, q), A.ref_kl_bernoulli(p, q)) <= F64_ULP


@pytest.mark.parametrize(
    ("p", "q"),
    [
        ([0.5, 0.5], [0.5 + 2.0**-40, 0.5 - 2.0**-40]),  # K = 2 near-equal
        ([1e-300, 1.0], [1.0, 1e-300]),  # K = 2 extreme
        ([2.0**-60, 1.0], [0.3, 0.7]),
    ],
)
def test_categorical_k2_near_equal_and_extreme(p, q):
    pa, qa = np.array(p), np.array(q)
    assert ulp(D.kl_categorical(pa, qa, normalize=True), A.ref_kl_categorical(pa, qa)) <= F64_ULP


# ---------------------------------------------------------------------------- 3. normalisation


def test_normalisation_reproducers():
    assert D.kl_categorical([0.5, 1.5], [0.25, 0.75], normalize=True) == 0.0
    assert D.kl_categorical([3e16, 1e16], [0.75, 0.25], normalize=True) == 0.0
    assert D.kl_categorical([1e308, 1e308], [1.0, 1.0], normalize=True) == 0.0
    assert D.jsd_categorical([1e308, 1e308], [1.0, 1.0], normalize=True) == 0.0
    assert D.entropy_categorical([1e308, 1e308], normalize=True) == pytest.approx(np.log(2), rel=1e-15)
    p, q = np.array([0.2, 0.3, 0.5]), np.array([0.5, 0.25, 0.25])
    ref = A.ref_kl_categorical(p, q)
    assert ulp(D.kl_categorical(p * 1e16, q, normalize=True), ref) <= F64_ULP  # 0.80 before
    assert ulp(D.kl_categorical(p * 1e-300, q * 1e300, normalize=True), ref) <= F64_ULP


def test_normalised_kl_with_totals_far_apart():
    # Q/P ≈ 1.8e-15 and 1e-7: φ₁(Q/P) via 1 + (Q − P)/P kept only the digits 1 absorbs
    # (2e11 and 1.4e4 ulp, found by the regime sweep)
    cases = [
        ([5.28801659e-013, 6.62709700e-190, 6.07369748e-135, 1.50404380e-122, 3.07158461e-046],
         [4.38592758e-257, 8.97637576e-179, 9.72049763e-028, 8.31891277e-288, 6.48461288e-054]),
        ([3.13257403e-292, 1.92744924e-263, 1.53930404e-099],
         [1.43500519e-106, 4.12604010e-116, 1.26842934e-185]),
    ]
    for p, q in cases:
        pa, qa = np.array(p), np.array(q)
        assert ulp(D.kl_categorical(pa, qa, normalize=True), A.ref_kl_categorical(pa, qa)) <= F64_ULP


def test_jsd_of_vectors_summing_to_one_within_rounding():
    p = np.array([0.1, 0.2, 0.7])  # sums to 1 − 1.1e-16 in floats
    q = np.array([0.1, 0.2 + 2.0**-50, 0.7 - 2.0**-50])
    assert ulp(D.jsd_categorical(p, q), A.ref_jsd_categorical(p, q)) <= F64_ULP  # 17 % before


def test_entropy_near_one_hot_in_both_precisions():
    p = np.array([1.0, 3.2620908170876303e-18])
    assert ulp(D.entropy_categorical(p), A.ref_entropy_categorical(p)) <= F64_ULP  # 2.4 % before
    p32 = np.array([1.0, 1e-30], dtype=np.float32)
    got = D.entropy_categorical(p32, normalize=True)
    assert got.dtype == np.float32
    assert ulp(got, A.ref_entropy_categorical(p32), np.float32) <= F32_ULP  # 2e5 ulp before


def test_kl_of_nearly_proportional_vectors_within_the_sum_tolerance():
    # p and q sum to 1 within 1e-6; the exact KL of the normalised pair is ~1e-32 (0.0 before)
    p = np.array([0.3, 0.7])
    q = p * (1 + 1e-7)
    q[0] = np.nextafter(q[0], 1.0)
    ref = A.ref_kl_categorical(p, q)
    assert 0 < ref < 1e-30
    assert ulp(D.kl_categorical(p, q), ref) <= F64_ULP


# ---------------------------------------------------------------------------- 4. extreme scales


def test_normal_and_mvn_across_the_float_range():
    assert D.kl_normal(0.0, 1.0, 0.0, 1e-310) == np.inf  # ½(1e620 − …) overflows: inf, not NaN
    for args in [(0.0, 1e-200, 0.0, 1e200), (0.0, 1.5e154, 0.0, 1.0), (1e308, 1e300, -1e308, 1e300)]:
        assert ulp(D.kl_normal(*args), A.ref_kl_normal(*args)) <= F64_ULP, args
    assert D.kl_mvn([0.0, 0.0], np.eye(2), [0.0, 0.0], np.eye(2) * 1e-310) == np.inf
    for scale in (1e-300, 1e300):  # the same pair of distributions at both ends of the range
        m1, c1 = np.array([1.0, -1.0]), np.array([[2.0, 0.3], [0.3, 1.0]])
        m2, c2 = np.array([0.5, 0.0]), np.array([[1.0, -0.2], [-0.2, 3.0]])
        ref = A.ref_kl_mvn(m1, c1, m2, c2)
        got = D.kl_mvn(m1 * np.sqrt(scale), c1 * scale, m2 * np.sqrt(scale), c2 * scale)
        assert ulp(got, ref) <= 16 * np.linalg.cond(c1), scale


# ---------------------------------------------------------------------------- 5. dtypes, layout


F32 = np.float32


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: D.kl_categorical(np.array([0.5, 0.5], F32), np.array([0.25, 0.75])), np.float64),
        (lambda: D.cross_entropy_categorical(np.array([0.5, 0.5], F32), np.array([0.25, 0.75])), np.float64),
        (lambda: D.kl_categorical(np.array([0.5, 0.5], F32), [0.25, 0.75]), np.float32),
        (lambda: D.cross_entropy_categorical(np.array([0.5, 0.5], F32), [0.25, 0.75]), np.float32),
        (lambda: D.kl_normal(np.float32(0.0), 1.0, 0.0, 2.0), np.float32),
        (lambda: D.kl_normal(np.zeros(3, F32), 1.0, np.zeros(3), 2.0), np.float64),
        (lambda: D.kl_bernoulli(np.float32(0.3), 0.5), np.float32),
        (lambda: D.kl_bernoulli_logits(np.float32(0.3), np.int64(2)), np.float32),
        (lambda: D.kl_bernoulli(0.3, 0.5), np.float64),
        (lambda: D.entropy_bernoulli(np.array([0.3], ">f4")), np.float32),
        (lambda: D.entropy_categorical(np.array([0.3, 0.7], ">f8")), np.float64),
        (lambda: D.kl_mvn(np.zeros(2, F32), np.eye(2, dtype=F32), np.zeros(2, F32), 2 * np.eye(2, dtype=F32)),
         np.float32),
        (lambda: D.entropy_mvn(np.eye(2)), np.float64),
    ],
)
def test_one_dtype_rule_native_endian(call, expected):
    got = np.asarray(call())
    assert got.dtype == np.dtype(expected)
    assert got.dtype.isnative


def test_entropy_bernoulli_of_one_is_positive_zero():
    assert np.signbit(D.entropy_bernoulli(1.0)) == np.False_
    assert np.signbit(D.entropy_bernoulli(0.0)) == np.False_


def test_float32_diagonal_normal_and_cross_entropy_correctly_rounded():
    rng = np.random.default_rng(7)
    for _ in range(20):
        m1, m2 = rng.normal(size=(2, 16)).astype(F32)
        s1, s2 = np.exp(rng.normal(size=(2, 16))).astype(F32)
        ref = A.ref_kl_diag(m1, s1, m2, s2)
        assert ulp(D.kl_normal_diag(m1, s1, m2, s2), ref, F32) <= F32_ULP
        p, q = rng.dirichlet(np.ones(8), size=2).astype(F32)
        ref = A.ref_cross_entropy_categorical(p, q)
        assert ulp(D.cross_entropy_categorical(p, q, normalize=True), ref, F32) <= F32_ULP


def test_results_do_not_depend_on_layout_or_batching():
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(1000), size=6)
    q = rng.dirichlet(np.ones(1000), size=6)
    for fn in (D.kl_categorical, D.jsd_categorical, D.cross_entropy_categorical):
        c = fn(p, q, normalize=True)
        f = fn(np.asfortranarray(p), np.asfortranarray(q), normalize=True)
        single = np.array([fn(p[i], q[i], normalize=True) for i in range(6)])
        assert np.array_equal(c, f) and np.array_equal(c, single), fn.__name__
    a, b = rng.normal(size=(2, 6, 50)) * 10
    c = D.kl_categorical_logits(a, b)
    assert np.array_equal(c, D.kl_categorical_logits(np.asfortranarray(a), b))
    assert np.array_equal(c, np.array([D.kl_categorical_logits(a[i], b[i]) for i in range(6)]))
    m1, s1 = rng.normal(size=(5, 16)), np.exp(rng.normal(size=(5, 16)))
    m2 = m1 + 1e-4 * rng.normal(size=m1.shape)  # near and far elements mixed
    full = D.kl_normal_diag(m1, s1, m2, s1 * 1.5)
    assert np.array_equal(full, [D.kl_normal_diag(m1[i], s1[i], m2[i], s1[i] * 1.5) for i in range(5)])
    x, y = rng.uniform(size=(2, 300))
    y[:100] = x[:100] * (1 + 1e-9)  # series and far forms in one call
    assert np.array_equal(D.kl_bernoulli(x, y), [D.kl_bernoulli(x[i], y[i]) for i in range(300)])


# ---------------------------------------------------------------------------- errors


def test_empty_batches_give_empty_results():
    assert D.kl_categorical(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0,)
    assert D.kl_normal(np.zeros(0), 1.0, 0.0, 1.0).shape == (0,)
    assert D.kl_normal_diag(np.zeros((0, 4)), 1.0, 0.0, 1.0).shape == (0,)
    assert D.kl_categorical_logits(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0,)
    assert D.kl_bernoulli_logits(np.zeros(0), 0.0).shape == (0,)
    assert D.entropy_categorical(np.zeros((0, 2))).shape == (0,)
    assert D.kl_mvn(np.zeros((0, 2)), np.eye(2), np.zeros(2), np.eye(2)).shape == (0,)
    with pytest.raises(ValueError, match="p: empty probability vector"):
        D.kl_categorical(np.zeros((2, 0)), np.zeros((2, 0)))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: D.kl_normal(np.zeros(3), np.ones(2), 0.0, 1.0), "mu1, sigma1, mu2, sigma2: shapes do not"),
        (lambda: D.kl_categorical(np.full((2, 3), 1 / 3), np.full((3, 3), 1 / 3)), "p, q: shapes"),
        (lambda: D.kl_categorical(np.full(3, 1 / 3), np.full(2, 0.5)), "p, q: shape mismatch"),
        (lambda: D.kl_bernoulli(np.full(3, 0.5), np.full(2, 0.5)), "p, q: shapes"),
        (lambda: D.kl_mvn([0.0, 0.0], np.eye(2), 0.0, np.eye(2)), "^mu2: expected a mean vector"),
        (lambda: D.kl_categorical([0.5, 0.5], [0.5, 0.5], normalize="yes"), "normalize"),
    ],
)
def test_errors_name_the_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------------------- sweeps


@pytest.mark.parametrize("key", [k for k in A.REGIMES if "10000" not in k[1]])
def test_regime_sweep(key):
    res = A.sweep_regimes(samples=3, seed=11, regimes={key: A.REGIMES[key]})
    worst = res[key[0]][key[1]]
    assert worst["float64"] <= 4.0, worst  # measured worst over 20 samples: README "Benchmarks"
    assert worst["float32"] <= F32_ULP, worst


@given(
    st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=5),  # ±1e4: the benchmark sweep
    st.floats(-50, 50),
    st.floats(1e-12, 1.0),
)
def test_logit_kl_exact_for_any_finite_logits(a, shift, noise):
    a = np.array(a)
    b = a + shift + noise * np.cos(np.arange(a.size) * 1.7)
    assert ulp(D.kl_categorical_logits(a, b), A.ref_kl_categorical_logits(a, b)) <= 4.0
