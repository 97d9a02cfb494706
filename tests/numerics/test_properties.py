"""Property suite (Cover & Thomas 2006, ch. 2), under the active Hypothesis profile; the same
functions are the report's property evidence (numerics.evidence)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics import properties as P
from numerics import strategies as S

pairs = S.distribution_pairs()


@given(S.distribution_pairs(allow_zeros=True))
def test_kl_nonnegative(pair):
    P.prop_kl_nonnegative(pair)


@given(st.one_of(S.near_equal_pairs(), pairs))
def test_kl_zero_iff_equal(pair):
    P.prop_kl_zero_iff_equal(pair)


@given(
    st.integers(2, 6).flatmap(
        lambda n: st.tuples(S.distribution_pairs(size=n), S.distribution_pairs(size=n))
    ),
    st.floats(0, 1),
)
def test_joint_convexity(two_pairs, lam):
    P.prop_joint_convexity(two_pairs, lam)


@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(1e-6, 1e3), min_size=n, max_size=n).map(np.array),
            st.lists(st.floats(1e-6, 1e3), min_size=n, max_size=n).map(np.array),
        )
    )
)
def test_log_sum_inequality(ab):
    P.prop_log_sum_inequality(*ab)


@given(
    st.tuples(st.integers(1, 4), st.integers(2, 4)).flatmap(
        lambda s: st.tuples(
            S.latent_models(n_observed=s[0], n_latent=s[1]), S.latent_models(n_observed=s[0], n_latent=s[1])
        )
    )
)
def test_chain_rule(joints):
    P.prop_chain_rule(*joints)


@given(
    st.tuples(st.integers(2, 5), st.integers(1, 5)).flatmap(
        lambda s: st.tuples(S.distribution_pairs(size=s[0]), S.markov_kernels(n_in=s[0], n_out=s[1]))
    )
)
def test_data_processing(args):
    P.prop_data_processing(*args)


@given(st.one_of(pairs, S.near_equal_pairs()))
def test_pinsker(pair):
    P.prop_pinsker(pair)


@given(S.distribution_pairs(allow_zeros=True))
def test_jsd_bounds(pair):
    P.prop_jsd_bounds(pair)


@given(
    st.integers(2, 6).flatmap(
        lambda n: st.tuples(*(S.probability_vectors(size=n, allow_zeros=True) for _ in range(3)))
    )
)
def test_jsd_sqrt_triangle(triple):
    P.prop_jsd_sqrt_triangle(triple)


@given(
    S.latent_models().flatmap(
        lambda j: st.tuples(
            st.just(j), st.integers(0, 100), S.probability_vectors(size=j.shape[1], allow_zeros=True)
        )
    )
)
def test_elbo_bound_tight_at_posterior(args):
    P.prop_elbo_bound(*args)


def test_asymmetry_example():
    from numerics.divergences import kl_categorical

    p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    assert abs(kl_categorical(p, q) - kl_categorical(q, p)) > 0.1


def test_properties_catch_broken_implementations(monkeypatch):
    # the textbook Σ p log(p/q) goes negative on near-equal pairs whose sums are not exactly 1;
    # a KL with a dropped term breaks Pinsker: the properties must notice both
    from numerics import properties

    textbook = lambda p, q, normalize=False: float(np.sum(p * np.log(p / q))) - 1e-18
    monkeypatch.setattr(properties, "kl_categorical", textbook)
    with pytest.raises(AssertionError):
        P.prop_kl_nonnegative((np.array([0.5, 0.5]), np.array([0.5, 0.5])))
    half = lambda p, q, normalize=False: 0.25 * float(np.sum(p * np.log(p / q)))
    monkeypatch.setattr(properties, "kl_categorical", half)
    with pytest.raises(AssertionError):
        P.prop_pinsker((np.array([0.5, 0.5]), np.array([0.9, 0.1])))



def test_log_sum_inequality_allows_the_rounding_of_the_ratios():
    """Regression: a ≈ b to the last bits gave lhs −1.1e-13 < rhs 0.0, both within the ratios'
    rounding (Σa·ε ≈ 1.1e-13), and was reported as a counterexample."""
    a = np.array([12.0, 1.0, 12.0, 1000.0])
    b = a * (1 + np.array([1, -1, 1, 1]) * np.finfo(float).eps)
    P.prop_log_sum_inequality(a, b)
