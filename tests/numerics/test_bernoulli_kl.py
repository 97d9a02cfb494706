"""KL(Bern(p) ‖ Bern(q)) as two terms (s/2)·κ(y) (numerics._bernoulli_kl): the compiled pass's
bits against the NumPy form, each term against mpmath, a wrong variant caught, and the inputs
where the previous form (kl_term of the rounded complements, NumPy's log of the rounded ratio)
was worst."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from numerics import _bernoulli_kl as B
from numerics import _jit as J
from numerics import accuracy_sweep as S
from numerics import divergences as D
from numerics._kernels import kl_term, two_sum

EPS = 2.0**-52


def _probabilities(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """p, q ∈ [0, 1]: random, near-equal (to a few ulp), near 0 and 1, subnormal, 0 and 1."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=n)
    q = np.where(rng.uniform(size=n) < 0.3, p * (1 + rng.normal(size=n) * 10.0 ** rng.uniform(-16, -1, n)),
                 rng.uniform(size=n))
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
    hi, lo = B.kl_terms(a, zeros, b, zeros, d, d_lo)
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
    [(0.03787363554060686, 0.14381553971730565, 5.86), (0.07501818957934912, 0.25594902300681766, 5.54),
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
