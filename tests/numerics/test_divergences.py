"""numerics.divergences: accuracy against mpmath, edge cases, dtypes, broadcasting, bad input."""

import numpy as np
import pytest
from scipy import stats

from numerics import accuracy as A
from numerics import divergences as D

ULP_GOAL = 16  # ≤ 16 ulp of the working precision, for every δ from 1 to 1e-12


@pytest.mark.parametrize("name", list(A.CASES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_accuracy_sweep_within_16_ulp(name, dtype):
    res = A.sweep(name, dtype=dtype, samples=8, seed=1)
    assert res.worst <= ULP_GOAL, res.worst_ulp


def test_mvn_accuracy_within_16_ulp_times_condition():
    res = A.sweep_mvn((3, 8), samples=1, deltas=(1.0, 1e-3, 1e-6, 1e-9, 1e-12), seed=2)
    assert max(max(v.values()) for v in res.values()) <= ULP_GOAL, res


@pytest.mark.parametrize("name", list(A.FAR_CASES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_far_apart_distributions_within_16_ulp(name, dtype):
    """Scale ratios 1e-12 … 1e12: naive forms overflow, or lose u's error through e^u, or round
    (σ₁ − σ₂)/σ₂ to −1; the divergences stay within a few ulp."""
    res = A.sweep_far(name, dtype=dtype, samples=6, seed=3)
    assert res.worst <= ULP_GOAL, res.worst_ulp


def test_mvn_far_apart_within_16_ulp_times_condition():
    res = A.sweep_mvn_far((3, 8), samples=1, seed=4)
    assert max(max(v.values()) for v in res.values()) <= ULP_GOAL, res


def test_one_branch_log1p_form_fails_far_apart_where_ours_does_not():
    # u = 2 log1p((σ₁ − σ₂)/σ₂) rounds 1 + (σ₁ − σ₂)/σ₂ for σ₁ ≪ σ₂: millions of ulp at 1e-10
    s1, s2 = 1e-10, 1.0
    u = 2 * np.log1p((s1 - s2) / s2)  # ≈ −46: expm1(u) − u does not cancel here
    one_branch = (np.expm1(u) - u) / 2
    ref = A.ref_kl_normal(0.0, s1, 0.0, s2)
    assert A.ulp_error(one_branch, ref) > 1e6
    assert A.ulp_error(float(D.kl_normal(0.0, s1, 0.0, s2)), ref) <= ULP_GOAL


def test_normal_broadcasting_on_the_far_path():
    m1 = np.linspace(-1, 1, 4)[:, None]
    s1 = np.array([[1e-9, 0.5, 30.0]])  # σ₁/σ₂ both below and far above e
    got = D.kl_normal(m1, s1, 0.0, 1.0)
    assert got.shape == (4, 3)
    for i in range(4):
        for j in range(3):
            ref = A.ref_kl_normal(float(m1[i, 0]), float(s1[0, j]), 0.0, 1.0)
            assert A.ulp_error(float(got[i, j]), ref) <= ULP_GOAL


def test_textbook_formula_fails_where_the_stable_one_does_not():
    # the naive ½(r − 1 − log r) loses every digit at δ = 1e-9; ours stays within a few ulp
    m, s1, s2 = 0.0, 1.3, 1.3 * (1 + 1e-9)
    r = (s1 / s2) ** 2
    naive = 0.5 * (r - 1 - np.log(r))
    ref = A.ref_kl_normal(m, s1, m, s2)
    assert A.ulp_error(naive, ref) > 1e4
    assert A.ulp_error(float(D.kl_normal(m, s1, m, s2)), ref) <= ULP_GOAL


def test_agrees_with_scipy_where_scipy_is_accurate():
    p, q = np.array([0.2, 0.3, 0.5]), np.array([0.5, 0.25, 0.25])
    # scipy.stats.entropy(p, q) = Σ p log(p/q); far-apart distributions: no cancellation (1e-15 rel.)
    np.testing.assert_allclose(D.kl_categorical(p, q), stats.entropy(p, q), rtol=1e-14)
    np.testing.assert_allclose(D.entropy_categorical(p), stats.entropy(p), rtol=1e-14)
    np.testing.assert_allclose(D.entropy_normal(2.0), stats.norm(0, 2.0).entropy(), rtol=1e-14)
    cov = np.array([[2.0, 0.3], [0.3, 1.0]])
    np.testing.assert_allclose(
        D.entropy_mvn(cov), stats.multivariate_normal(np.zeros(2), cov).entropy(), rtol=1e-14
    )


def test_kl_self_is_exactly_zero_and_never_negative():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(7), size=50)
    assert np.all(D.kl_categorical(p, p) == 0)
    assert D.kl_normal(0.3, 1.7, 0.3, 1.7) == 0
    cov = np.array([[2.0, 0.3], [0.3, 1.0]])
    assert D.kl_mvn(np.ones(2), cov, np.ones(2), cov) == 0
    assert D.kl_bernoulli_logits(0.7, 0.7) == 0
    assert D.jsd_categorical(p, p).max() == 0


def test_zero_probabilities_and_support_mismatch():
    assert D.kl_categorical([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.log(2), rel=1e-15)
    assert D.kl_categorical([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert D.kl_bernoulli(0.0, 0.5) == pytest.approx(np.log(2), rel=1e-15)
    assert D.kl_bernoulli(0.5, 1.0) == np.inf
    assert D.entropy_categorical([1.0, 0.0]) == 0
    assert D.cross_entropy_categorical([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert D.jsd_categorical([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.log(2), rel=1e-15)


def test_logits_agree_with_probabilities():
    a, b = np.array([0.3, -1.2, 2.0]), np.array([0.1, -1.0, 2.5])
    pa, pb = np.exp(a) / np.exp(a).sum(), np.exp(b) / np.exp(b).sum()
    np.testing.assert_allclose(
        D.kl_categorical_logits(a, b), D.kl_categorical(pa, pb, normalize=True), rtol=1e-13
    )
    s = lambda x: 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(D.kl_bernoulli_logits(0.4, -0.3), D.kl_bernoulli(s(0.4), s(-0.3)), rtol=1e-13)


def test_broadcasting_and_dtypes():
    p = np.full((4, 1, 3), 1 / 3)
    q = np.random.default_rng(1).dirichlet(np.ones(3), size=5)
    assert D.kl_categorical(p, q, normalize=True).shape == (4, 5)
    out = D.kl_normal(np.zeros((2, 1), np.float32), np.float32(1), np.zeros(3, np.float32), np.float32(2))
    assert out.shape == (2, 3) and out.dtype == np.float32
    assert D.kl_normal(0.0, 1.0, 0.0, 2.0).dtype == np.float64
    covs = np.stack([np.eye(2) * (i + 1) for i in range(3)])
    assert D.kl_mvn(np.zeros(2), covs, np.zeros(2), np.eye(2)).shape == (3,)
    assert D.kl_normal_diag(np.zeros((5, 4)), np.ones(4), np.zeros(4), np.ones(4)).shape == (5,)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: D.kl_categorical([0.5, -0.1, 0.6], [0.3, 0.3, 0.4]), "p: negative"),
        (lambda: D.kl_categorical([0.5, 0.5], [np.nan, 1.0]), "q: contains NaN"),
        (lambda: D.kl_categorical([0.5, 0.6], [0.5, 0.5]), "p: probabilities sum to"),
        (lambda: D.kl_categorical([0.5, 0.5], [0.2, 0.3, 0.5]), "p, q: shape mismatch"),
        (lambda: D.kl_categorical(0.5, 0.5), "p: expected a vector"),
        (lambda: D.kl_categorical([0.0, 0.0], [0.5, 0.5], normalize=True), "p: cannot normalise"),
        (lambda: D.kl_normal(0.0, -1.0, 0.0, 1.0), "sigma1: must be positive"),
        (lambda: D.kl_normal(0.0, 1.0, np.inf, 1.0), "mu2: contains inf"),
        (lambda: D.kl_bernoulli(1.2, 0.5), "p: Bernoulli probabilities"),
        (
            lambda: D.kl_mvn(np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]]), np.zeros(2), np.eye(2)),
            "cov1: not positive definite",
        ),
        (
            lambda: D.kl_mvn(np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), np.eye(2)),
            "cov1: not symmetric",
        ),
        (lambda: D.kl_mvn(np.zeros(3), np.eye(2), np.zeros(2), np.eye(2)), "dimension mismatch"),
        (lambda: D.kl_mvn(np.zeros(2), np.ones(3), np.zeros(2), np.eye(2)), "cov1: expected square"),
        (lambda: D.kl_normal(["a"], 1.0, 0.0, 1.0), "mu1: expected real numbers"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_normalize_option_accepts_unnormalised_weights():
    w, v = np.array([2.0, 6.0]), np.array([1.0, 1.0])
    assert D.kl_categorical(w, v, normalize=True) == pytest.approx(
        0.25 * np.log(0.25 / 0.5) + 0.75 * np.log(0.75 / 0.5), rel=1e-15
    )
