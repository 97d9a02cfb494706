"""The compiled logits paths agree with their NumPy reference forms and with mpmath, and the
other fast paths added for speed (small categorical inputs, scalar Normal parameters) give the
same bits as the general path. Wrong variants (a perturbed term, a swapped argument) are caught."""

from __future__ import annotations

import numpy as np
import pytest

from numerics import accuracy as A
from numerics import divergences as D
from numerics.accuracy_sweep import ulp_spacing_error


def _logit_rows(seed: int, scale: float, k: int = 6, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(n, k)) * scale, rng.normal(size=(n, k)) * scale
    masked = rng.uniform(size=a.shape) < 0.2
    a[masked] = -np.inf
    b[masked & (rng.uniform(size=a.shape) < 0.5)] = -np.inf
    a[:, 0], b[:, 0] = np.where(np.isinf(a[:, 0]), 0.0, a[:, 0]), np.where(np.isinf(b[:, 0]), 0.0, b[:, 0])
    return a, b


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e3, 1e4])
def test_compiled_categorical_logits_agree_with_the_numpy_form(scale):
    a, b = _logit_rows(int(scale), scale)
    with np.errstate(all="ignore"):  # the reference form warns on masked rows (its own business)
        ref = D._kl_logits_rows(a, b)
    got = D._kl_logits_rows_compiled(a, b)
    finite = np.isfinite(ref)
    assert np.array_equal(np.isfinite(got), finite)
    assert np.array_equal(got[~finite], ref[~finite])
    # the two differ only in the order and compensation of the row sums
    assert np.all(np.abs(got[finite] - ref[finite]) <= 4 * np.spacing(np.abs(ref[finite])) + 1e-300)


def test_compiled_categorical_logits_against_mpmath_near_equal():
    rng = np.random.default_rng(3)
    for _ in range(40):
        a = rng.normal(size=5) * 20
        b = a + 10.0 ** rng.uniform(-12, -2) * rng.normal(size=5) + rng.normal()
        assert ulp_spacing_error(float(D.kl_categorical_logits(a, b)), A.ref_kl_categorical_logits(a, b)) <= 6


def test_a_perturbed_term_would_be_caught():
    a, b = _logit_rows(5, 3.0)
    got = D._kl_logits_rows_compiled(a, b)
    wrong = got * (1 + 64 * np.finfo(float).eps)
    with np.errstate(all="ignore"):
        ref = D._kl_logits_rows(a, b)
    finite = np.isfinite(ref) & (ref > 0)
    assert not np.all(np.abs(wrong[finite] - ref[finite]) <= 4 * np.spacing(ref[finite]))


@pytest.mark.parametrize("scale", [0.1, 3.0, 60.0, 600.0])
def test_bernoulli_logits_fast_path_agrees_with_the_categorical_route(scale):
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=2000) * scale, rng.normal(size=2000) * scale
    got = D.kl_bernoulli_logits(a, b)
    ref = D._kl_logits_rows_compiled(D._bernoulli_logit_pair(a), D._bernoulli_logit_pair(b))
    assert np.all(np.abs(got - ref) <= 12 * np.spacing(np.abs(ref)) + 1e-300)
    swapped = D.kl_bernoulli_logits(b, a)  # KL is not symmetric: a swapped argument is caught
    assert not np.all(np.abs(swapped - ref) <= 12 * np.spacing(np.abs(ref)) + 1e-300)


def test_bernoulli_logits_against_mpmath():
    rng = np.random.default_rng(11)
    for _ in range(60):
        a = float(rng.normal() * 10.0 ** rng.uniform(-1, 2.5))
        b = a + float(10.0 ** rng.uniform(-12, 1) * rng.normal())
        assert ulp_spacing_error(float(D.kl_bernoulli_logits(a, b)), A.ref_kl_bernoulli_logits(a, b)) <= 9


def test_infinite_bernoulli_logits_take_the_general_route():
    got = D.kl_bernoulli_logits(np.array([np.inf, -np.inf, 2.0, 800.0]), np.array([0.0, 3.0, np.inf, -800.0]))
    assert got[0] == pytest.approx(np.log(2), rel=1e-15)
    assert got[2] == np.inf  # σ(b) = 1 where σ(a) < 1: support mismatch
    assert got[3] == pytest.approx(800.0, rel=1e-15)  # log(1/σ(−800)) = 800 + log1p(e^{−800})


def test_small_categorical_inputs_give_the_large_path_bits():
    rng = np.random.default_rng(2)
    p, q = rng.dirichlet(np.ones(10), 20_000), rng.dirichlet(np.ones(10), 20_000)
    whole = D.kl_categorical(p, q)  # 2·10⁵ elements: the threaded, chunked path
    small = np.concatenate([D.kl_categorical(p[i : i + 100], q[i : i + 100]) for i in range(0, 20_000, 100)])
    assert np.array_equal(whole, small)


def test_scalar_normal_parameters_give_the_full_array_bits():
    rng = np.random.default_rng(4)
    for n in (1, 7, 4096, 70_000):
        m, s = rng.normal(size=n), np.exp(rng.normal(size=n))
        assert np.array_equal(D.kl_normal(m, s, 0.0, 1.0), D.kl_normal(m, s, np.zeros(n), np.ones(n)))
        full = D.kl_normal(np.full(n, 0.5), np.full(n, 2.0), m, s)
        assert np.array_equal(D.kl_normal(0.5, 2.0, m, s), full)
