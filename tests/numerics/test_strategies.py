"""Strategies: exact normalisation, shapes, and argument validation."""

import math

import numpy as np
import pytest
from hypothesis import given

from numerics import strategies as S


@given(S.probability_vectors(allow_zeros=True, min_size=1, max_size=9))
def test_probability_vectors_sum_exactly_to_one(p):
    assert p.sum() == 1.0 and (p >= 0).all() and (p > 0).any()


@given(S.distribution_pairs(allow_zeros=True))
def test_pairs_share_support(pair):
    p, q = pair
    assert np.array_equal(p > 0, q > 0) and p.sum() == 1.0 and q.sum() == 1.0


@given(S.spd_matrices(dim=4, max_condition=50.0))
def test_spd_condition_bounded(m):
    assert np.allclose(m, m.T) and np.linalg.cond(m) <= 50.0 * (1 + 1e-9)
    np.linalg.cholesky(m)


@given(S.markov_kernels(n_in=3, n_out=4))
def test_kernels_row_stochastic(k):
    assert k.shape == (3, 4) and np.allclose(k.sum(1), 1.0)


@given(S.gaussian_parameters(dim=3))
def test_gaussian_parameters(params):
    mu, sigma = params
    assert mu.shape == sigma.shape == (3,) and (sigma > 0).all()


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: S.probability_vectors(size=0), "size:"),
        (lambda: S.probability_vectors(min_size=5, max_size=2), "min_size, max_size"),
        (lambda: S.probability_vectors(size=4, min_mass=0.3), "min_mass"),
        (lambda: S.near_equal_pairs(min_delta=0.0), "min_delta"),
        (lambda: S.gaussian_parameters(min_scale=-1.0), "min_scale"),
        (lambda: S.spd_matrices(dim=0), "dim:"),
        (lambda: S.spd_matrices(dim=2, max_condition=0.5), "max_condition"),
        (lambda: S.markov_kernels(n_in=0, n_out=2), "n_in, n_out"),
        (lambda: S.latent_models(n_latent=-1), "n_latent"),
        # options that were accepted and produced bad examples
        (lambda: S.gaussian_parameters(max_scale=math.inf), "max_scale: must be finite"),
        (lambda: S.gaussian_parameters(min_scale=math.nan), "min_scale: must be finite"),
        (lambda: S.gaussian_parameters(max_scale=1e305), "min_scale, max_scale"),
        (lambda: S.gaussian_parameters(mean_bound=math.inf), "mean_bound: must be finite"),
        (lambda: S.gaussian_parameters(dim=True), "dim:"),
        (lambda: S.spd_matrices(dim=4, max_condition=1e16), "max_condition: need 1 ≤ max_condition ≤"),
        (lambda: S.spd_matrices(dim=4, max_condition=math.inf), "max_condition: must be finite"),
        (lambda: S.spd_matrices(dim=2, max_condition=1e3, scale=1e299), "scale:"),
        (lambda: S.spd_matrices(dim=2, scale=math.nan), "scale: must be finite"),
        (lambda: S.spd_matrices(dim=True), "dim:"),
        (lambda: S.probability_vectors(size=True), "size:"),
        (lambda: S.probability_vectors(min_size=True, max_size=3), "min_size, max_size"),
        (lambda: S.probability_vectors(allow_zeros=1), "allow_zeros: expected True or False"),
        (lambda: S.distribution_pairs(allow_zeros="yes"), "allow_zeros: expected True or False"),
        (lambda: S.probability_vectors(min_mass=math.nan), "min_mass: must be finite"),
        (lambda: S.distribution_pairs(min_mass=True), "min_mass: expected a real number"),
        (lambda: S.near_equal_pairs(max_delta=math.nan), "max_delta: must be finite"),
        (lambda: S.near_equal_pairs(min_delta=True), "min_delta: expected a real number"),
        (lambda: S.markov_kernels(n_in=True, n_out=2), "n_in, n_out"),
        (lambda: S.latent_models(max_states=True), "max_states"),
        (lambda: S.max_spd_condition(0), "dim:"),
    ],
)
def test_invalid_options_raise_value_error(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_keyword_only():
    with pytest.raises(TypeError):
        S.probability_vectors(3)  # type: ignore[misc]


@given(S.spd_matrices(dim=4, max_condition=S.max_spd_condition(4)))
def test_spd_at_the_largest_accepted_condition_stays_positive_definite(m):
    """At the bound 1/(1000·dim·ε) the rounding keeps λ_min within 0.1 %: Cholesky succeeds and
    the condition number is at most the bound (+1 % for the rounding of λ_min itself)."""
    np.linalg.cholesky(m)
    assert np.linalg.cond(m) <= S.max_spd_condition(4) * 1.01


def test_spd_bound_rejects_what_float64_cannot_keep_positive_definite():
    """The rejected regime is real: at cond 1e17 (> 1/ε) the same construction loses definiteness."""
    rng = np.random.default_rng(0)
    failures = 0
    for _ in range(20):
        q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
        m = (q * np.array([1.0, 1e-5, 1e-11, 1e-17])) @ q.T
        m = (m + m.T) / 2
        failures += bool(np.linalg.eigvalsh(m).min() <= 0)
    assert failures > 0
    assert S.max_spd_condition(4) < 1e17
