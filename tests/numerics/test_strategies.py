"""Strategies: exact normalisation, shapes, and argument validation."""

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
    ],
)
def test_invalid_options_raise_value_error(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_keyword_only():
    with pytest.raises(TypeError):
        S.probability_vectors(3)  # type: ignore[misc]
