"""KL terms (s/2)·κ(y) (numerics._kl_kappa) — the Bernoulli KL and the normalising categorical KL
(divergences._kl_rows_dd) — and the Bernoulli entropy: the compiled kernels' bits against the
NumPy forms, each term against mpmath, wrong variants caught, and the inputs where the previous
forms (kl_term of the rounded complements, NumPy's log of the rounded ratio, the exact-
normalisation route) were worst."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from numerics import _jit as J
from numerics import _kl_kappa as B
from numerics import accuracy_sweep as S
from numerics import divergences as D
from numerics._kernels import kl_term, two_sum

EPS = 2.0**-52


def _probabilities(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """p, q ∈ [0, 1]: random, near-equal (to a few ulp), near 0 and 1, subnormal, 0 and 1."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=n)
    near = p * (1 + rng.normal(size=n) * 10.0 ** rng.uniform(-16, -1, n))
    q = np.where(rng.uniform(size=n) < 0.3, near, rng.uniform(size=n))
    q = np.where(rng.uniform(size=n) < 0.1, 1 - 10.0 ** rng.uniform(-16, -1, n), q)
    p = np.where(rng.uniform(size=n) < 0.1, 10.0 ** rng.uniform(-320, -1, n), p)
    q = np.clip(q, 0.0, 1.0)
    p[::7], q[::11], p[::13], q[::17], p[::19], q[::23] = 0.0, 1.0, 1 - 2**-53, 5e-324, 1.0, 0.0
    return p, q


def test_the_compiled_pass_gives_the_numpy_forms_bits():
    p, q = _probabilities(100_000, 1)
    want = B.kl_bernoulli_numpy(p, q)
    got = np.empty_like(p)
    J.kl_bernoulli(p, q, got)
    assert not np.isnan(want).any()
    assert np.array_equal(want.view(np.int64), got.view(np.int64))


def test_each_term_is_within_an_ulp_as_a_double_double():
    """a·log(a/b) − (a − b) as hi + lo to ≤ 0.75 ε relative (above the subnormal range) on 3,000
    pairs of every kind, both forms and their switch at |y| = ½ included: measured worst 0.71 ε
    at y ≈ 0.45, the roundings of V and of the products in the series' y²·y(1 + y)·V part (~¼ of
    κ there)."""
    p, q = _probabilities(3000, 2)
    y = np.array([0.5, 0.5 + 2**-50, 0.5 - 2**-50, -0.5, 2**-30])
    a, b = np.concatenate([p, 1 + y]), np.concatenate([q, 1 - y])
    zeros = np.zeros_like(a)
    d, d_lo = two_sum(a, -b)
    hi, lo = B.kl_terms_numpy(a, zeros, b, zeros, d, d_lo)
    worst = 0.0
    with mp.workdps(60):
        for x, z, h, low in zip(a.tolist(), b.tolist(), hi.tolist(), lo.tolist(), strict=True):
            if x == 0.0:
                assert h == z and low == 0.0
                continue
            if z == 0.0:
                assert h == math.inf
                continue
            exact = mp.mpf(x) * mp.log(mp.mpf(x) / mp.mpf(z)) - (mp.mpf(x) - mp.mpf(z))
            if exact > 1e-290:
                worst = max(worst, float(abs(mp.mpf(h) + mp.mpf(low) - exact) / (exact * EPS)))
    assert worst <= 0.75, worst


def test_a_wrong_form_is_caught():
    """The previous form — kl_term of (p, q) and of the rounded complements (1 − p, 1 − q) —
    misses 2 ulp at the inputs where it was worst; this one does not."""
    p, q = 0.03787363554060686, 0.14381553971730565
    wrong = float(kl_term(np.array([p]), np.array([q]), np.array([p - q]))[0]
                  + kl_term(np.array([1 - p]), np.array([1 - q]), np.array([q - p]))[0])
    _, exact, _ = S._bernoulli_sample("kl_bernoulli", p, q)
    assert S.ulp_spacing_error(wrong, exact) > 2.0
    assert S.ulp_spacing_error(float(D.kl_bernoulli(p, q)), exact) <= 1.0


@pytest.mark.parametrize(
    ("p", "q", "was"),
    [(0.03787363554060686, 0.14381553971730565, 5.86),
     (0.07501818957934912, 0.25594902300681766, 5.54),
     (0.15962441385832912, 0.48940804487122, 5.6), (0.3373596886789597, 5e-324, 0.0),
     (0.9999999999934253, 0.9999999999788625, 2.9), (1.0, 0.49999999999999994, 0.0)],
)
def test_former_worst_inputs_are_within_an_ulp_and_a_half(p, q, was):
    got, exact, _ = S._bernoulli_sample("kl_bernoulli", p, q)
    assert S.ulp_spacing_error(got, exact) <= 1.5


def test_exact_values_and_infinities():
    assert D.kl_bernoulli(0.3, 0.3) == 0.0
    assert D.kl_bernoulli(0.0, 0.5) == math.log(2.0) == D.kl_bernoulli(1.0, 0.5)
    assert D.kl_bernoulli(0.5, 0.0) == math.inf == D.kl_bernoulli(0.5, 1.0) == D.kl_bernoulli(0.0, 1.0)
    assert D.kl_bernoulli(0.0, 0.0) == 0.0 == D.kl_bernoulli(1.0, 1.0)


@pytest.mark.parametrize("p", [0.06479325858871293, 0.9999999462512089, 0.5, 1e-320, 1 - 2**-53, 0.25])
def test_bernoulli_entropy_is_within_an_ulp(p):
    """H(Bern(p)) from two double-double terms x·log x (numerics._double_double.x_log_x): the
    former worst inputs (2.01 and 1.80 ulp with NumPy's log and log1p) within 1 ulp."""
    got, exact, _ = S._bernoulli_sample("entropy_bernoulli", p, 0.5)
    assert S.ulp_spacing_error(got, exact) <= 1.0


def test_a_wrong_bernoulli_entropy_is_caught():
    """The previous form, −p·log p − (1 − p)·log1p(−p) in single precision, misses that bound
    at its worst input."""
    p = 0.06479325858871293
    wrong = float(-(p * np.log(p)) - (1 - p) * np.log1p(-p))
    _, exact, _ = S._bernoulli_sample("entropy_bernoulli", p, 0.5)
    assert S.ulp_spacing_error(wrong, exact) > 1.0
    assert isinstance(D.entropy_bernoulli(p), np.floating) and D.entropy_bernoulli([p, p]).shape == (2,)


def test_the_term_kernel_gives_the_numpy_forms_bits():
    a, b = _probabilities(50_000, 6)
    a_lo, b_lo = a * 2.0**-60, -b * 2.0**-61
    num, num_lo = two_sum(a, -b)
    want = B.kl_terms_numpy(a, a_lo, b, b_lo, num, num_lo)
    got_hi, got_lo = np.empty_like(a), np.empty_like(a)
    J.kl_kappa_terms(a, a_lo, b, b_lo, num, num_lo, got_hi, got_lo)
    assert np.array_equal(want[0].view(np.int64), got_hi.view(np.int64))
    assert np.array_equal(want[1].view(np.int64), got_lo.view(np.int64))


@pytest.mark.parametrize(
    ("p", "q"),
    [  # the pinned 10.15 ulp input (exact-normalisation route), the unnormalised sweeps' worst
        ([0.11948762911963251, 0.08095876424014777, 0.2748979957407372, 0.10547491352753235,
          0.4191809004300313],
         [0.11948762714870247, 0.08095876423171246, 0.2748977926840488, 0.10547491302044743,
          0.4191809004300187]),
        ([2.9301976956992846e-290, 2.545464356571718e-289],
         [3.1907740626684063e+249, 2.7718271919338567e+250]),
        ([0.3237966268993088, 0.03822643831027522, 1.058030122408243],
         [0.44100630300602195, 0.007899319388725025, 0.5265468322447739]),
        ([0.9272464646131218, 0.07275353538687816], [0.9272464646131224, 0.0727535353868782]),
    ],
)
def test_former_worst_normalising_kl_inputs_are_within_an_ulp(p, q):
    got, exact, _ = S._categorical_sample("kl_categorical", np.array(p), np.array(q), True)
    assert S.ulp_spacing_error(got, exact) <= 1.0


def test_a_wrong_normalising_kl_is_caught():
    """Σ p̂ log(p̂/q̂) of the rounded p̂, q̂ with NumPy's log misses the pinned near-proportional
    input by orders of magnitude (the value is 5·10⁻¹⁴, its terms ~0.1)."""
    p = np.array([0.11948762911963251, 0.08095876424014777, 0.2748979957407372, 0.10547491352753235,
                  0.4191809004300313])
    q = np.array([0.11948762714870247, 0.08095876423171246, 0.2748977926840488, 0.10547491302044743,
                  0.4191809004300187])
    _, exact, _ = S._categorical_sample("kl_categorical", p, q, True)
    ph, qh = p / p.sum(), q / q.sum()
    assert S.ulp_spacing_error(float((ph * np.log(ph / qh)).sum()), exact) > 100


def test_normalising_kl_edges():
    assert D.kl_categorical([0.5, 1.5], [0.25, 0.75], normalize=True) == 0.0  # proportional: exactly 0
    assert D.kl_categorical([3e16, 1e16], [0.75, 0.25], normalize=True) == 0.0
    assert D.kl_categorical([0.5, 0.5], [1.0, 0.0], normalize=True) == math.inf
    assert D.kl_categorical([0.0, 1.0], [0.5, 0.5], normalize=True) == math.log(2.0)
    np.testing.assert_array_equal(
        D.kl_categorical([[0.3, 0.7], [1.0, 0.0]], [[0.3, 0.7], [0.0, 1.0]], normalize=True), [0.0, math.inf])
