"""One test per defect the bad-input fuzzer (tests/bad_input_fuzz.py) found in ``numerics``, each
quoting the input that showed it and what happened before."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from numerics import accuracy, accuracy_sweep, em, gan_dual, kl_fit, kl_fit_separated
from numerics import divergences as D
from numerics import forward_kl as fkl
from numerics import properties as P

X = np.array([-2.1, -1.9, -2.0, 0.1, 2.0, 2.2, 1.8, 1.95])
THETA = em.Gmm(np.array([0.5, 0.5]), np.array([[-2.0], [2.0]]), np.array([[[1.0]], [[1.0]]]))


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_string_arrays_are_not_parsed_as_probabilities() -> None:
    # kl_categorical(np.array(['0.2', '0.3', '0.5']), q) returned 0.0305 (NumPy parsed the strings)
    with pytest.raises(ValueError, match=r"^p: expected real numbers, got dtype <U"):
        D.kl_categorical(np.array(["0.2", "0.3", "0.5"]), [0.3, 0.3, 0.4])


def test_a_string_scalar_is_not_a_probability() -> None:
    # kl_bernoulli('0.5', [0.6, 0.2]) returned [0.0823, 0.0823]
    with pytest.raises(ValueError, match=r"^p: expected real numbers"):
        D.kl_bernoulli("0.5", [0.6, 0.2])


def test_bool_arrays_are_not_probabilities() -> None:
    # kl_categorical([True, True, False], q, normalize=True) returned 0.0095
    with pytest.raises(ValueError, match=r"^p: expected real numbers, got dtype bool"):
        D.kl_categorical(np.array([True, True, False]), [0.3, 0.3, 0.4], normalize=True)


def test_object_arrays_of_numbers_are_still_accepted() -> None:
    assert D.kl_categorical(np.array([0.2, 0.3, 0.5], dtype=object), [0.2, 0.3, 0.5]) == 0.0


def test_a_tensor_that_requires_grad_is_named() -> None:
    # Gmm(weights=torch.tensor([0.5, 0.5], requires_grad=True), …) raised torch's RuntimeError
    with pytest.raises(ValueError, match=r"^weights: cannot be converted"):
        em.Gmm(torch.tensor([0.5, 0.5], requires_grad=True), THETA.means, THETA.covs)


def test_ragged_data_is_named() -> None:
    # em.log_joint([[0.5], [0.2, 0.3]], theta) raised NumPy's inhomogeneous-shape ValueError
    with pytest.raises(ValueError, match=r"^x: cannot be converted"):
        em.log_joint([[0.5], [0.2, 0.3]], THETA)


def test_separated_fit_checks_its_parameters() -> None:
    # kl_fit_separated.forward_kl(None, 1.2) raised TypeError; reverse_kl(nan, 1.2) returned nan
    with pytest.raises(ValueError, match=r"^mu: expected a real number"):
        kl_fit_separated.forward_kl(None, 1.2)
    with pytest.raises(ValueError, match=r"^mu: must be finite"):
        kl_fit_separated.reverse_kl(math.nan, 1.2)
    with pytest.raises(ValueError, match=r"^sigma: the standard deviation must be > 0"):
        kl_fit_separated.forward_kl(0.5, -1.0)
    # log_p(nan) returned nan
    with pytest.raises(ValueError, match=r"^x: contains NaN"):
        kl_fit_separated.log_p(math.nan)


def test_separated_reverse_kl_at_a_tiny_sigma() -> None:
    # kl_fit_separated.reverse_kl(0.5, 1e-300) returned 0.0: the nodes μ ± 38σ all rounded to μ
    # and every panel had width 0. KL(q ‖ p) = −H(q) − E_q log p ≈ −½log(2πe) − log σ − log p(μ)
    sigma = 1e-300
    expected = -0.5 * math.log(2 * math.pi * math.e) - math.log(sigma) - float(kl_fit_separated.log_p(0.5))
    assert kl_fit_separated.reverse_kl(0.5, sigma) == pytest.approx(expected, rel=1e-12)


def test_kl_fit_refuses_a_sigma_whose_integrand_overflows() -> None:
    # kl_fit.reverse_kl(0.5, 1e-310) returned inf (exact ≈ 712.3); 5e-324 leaked a RuntimeWarning
    for sigma in (1e-310, 5e-324):
        with pytest.raises(ValueError, match=r"^sigma: must be ≥ 1e-300"):
            kl_fit.reverse_kl(0.5, sigma)


def test_adaptive_forward_kl_overflow_is_named() -> None:
    # kl_fit.forward_kl_adaptive(1e308, 1.2) raised OverflowError from inside scipy's quad
    with pytest.raises(ValueError, match=r"^mu, sigma:"):
        kl_fit.forward_kl_adaptive(1e308, 1.2)


def test_fit_forward_refuses_a_start_it_cannot_leave() -> None:
    # fit_forward((0, 800)) leaked overflow warnings; fit_forward((1e308, 0)) invalid-value warnings
    with pytest.raises(ValueError, match=r"^start: log sigma must be within ±700"):
        kl_fit.fit_forward((0.0, 800.0))
    with pytest.raises(ValueError, match=r"^start: the KL is not finite at the start"):
        kl_fit.fit_forward((1e308, 0.0))


def test_fixed4_takes_a_real_number() -> None:
    # kl_fit.fixed4(None) raised TypeError; fixed4(0.5 + 1j) returned '0.5000+1.0000j'
    for bad in (None, 0.5 + 1j, math.nan):
        with pytest.raises(ValueError, match=r"^value:"):
            kl_fit.fixed4(bad)


def test_em_data_beyond_the_float_range_is_named() -> None:
    # e_step_posterior(np.full(8, 1e308), theta) leaked an overflow warning, its posterior was NaN
    with pytest.raises(ValueError, match=r"^x: point"):
        em.e_step_posterior(np.full(8, 1e308), THETA)
    # initial_gmm(np.full(8, 1e308) * signs, 2) said "covs: contains NaN or inf"
    with pytest.raises(ValueError, match=r"^x: the data covariance overflows"):
        em.initial_gmm(np.array([1e308, -1e308] * 4), 2)
    # log_likelihood: −inf is the rounded value, without a warning
    assert em.log_likelihood(np.full(8, 1e308), THETA) == -math.inf


def test_em_run_names_theta0() -> None:
    # run(x, None, 2) said "theta: expected a Gmm"
    with pytest.raises(ValueError, match=r"^theta0: expected a Gmm"):
        em.run(X, None, 2)


def test_primal_objective_overflow_is_named() -> None:
    # primal_objective(prob, w * 1e308) leaked overflow warnings (and computed inf − inf)
    prob = gan_dual.example_problem(6, 5, seed=1)
    with pytest.raises(ValueError, match=r"^w: f\(w\) cannot be evaluated in float64"):
        gan_dual.primal_objective(prob, np.full(prob.data.shape[1], 1e308))


def test_discrete_target_checks_types_and_sums() -> None:
    t = fkl.example_target()
    # DiscreteTarget(prior=np.array(['0.1', …]), …) was accepted
    with pytest.raises(ValueError, match=r"^prior: expected real numbers"):
        fkl.DiscreteTarget(t.prior.astype(str), t.lik, t.proposal, t.g)
    # correct_weight(None, lik, proposal) raised TypeError; a prior summing to 2 was accepted
    with pytest.raises(ValueError, match=r"^prior: expected real numbers, got None"):
        fkl.correct_weight(None, t.lik, t.proposal)
    with pytest.raises(ValueError, match=r"^prior: must sum to 1"):
        fkl.correct_weight(t.prior * 2, t.lik, t.proposal)
    # expected_snis(None, 2) raised AttributeError; snis_estimate(t, 50, seed='3') TypeError
    with pytest.raises(ValueError, match=r"^target: expected a DiscreteTarget"):
        fkl.expected_snis(None, 2)
    with pytest.raises(ValueError, match=r"^seed: expected an int"):
        fkl.snis_estimate(t, 50, seed="3")
    with pytest.raises(ValueError, match=r"^weight: expected 4 positive weights"):
        fkl.expected_snis(t, 2, weight=lambda prior, lik, q: -prior)


def test_properties_check_their_arguments() -> None:
    # prop_kl_nonnegative(None) raised TypeError; prop_pinsker((p[None], q[None])) TypeError
    with pytest.raises(ValueError, match=r"^pair: expected a tuple of 2"):
        P.prop_kl_nonnegative(None)
    p, q = np.array([0.2, 0.3, 0.5]), np.array([0.3, 0.3, 0.4])
    with pytest.raises(ValueError, match=r"^pair: expected two vectors"):
        P.prop_pinsker((p[None], q[None]))
    # prop_log_sum_inequality([5e-324, 5e-324], [2.0, 0.5]) raised PropertyFailure (a/b underflows)
    with pytest.raises(ValueError, match=r"^a, b: the ratios a/b leave the float range"):
        P.prop_log_sum_inequality(np.array([5e-324, 5e-324]), np.array([2.0, 0.5]))


def test_chain_rule_and_elbo_bound_read_float32_tables_as_normalised() -> None:
    # prop_chain_rule(joint.astype(float32), …) raised PropertyFailure: the float32 table sums to 1
    # only within 1e-7, and the property weighed by its unnormalised marginal
    joint = np.array([[0.1, 0.2], [0.3, 0.4]])
    P.prop_chain_rule(joint.astype(np.float32), joint[::-1].copy())
    P.prop_elbo_bound(joint, 1, np.array([0.4, 0.6], dtype=np.float32))


def test_reference_kl_bernoulli_support_mismatch_is_inf() -> None:
    # ref_kl_bernoulli(0.3, 0.0) raised ZeroDivisionError; the exact value is +inf
    assert accuracy.ref_kl_bernoulli(0.3, 0.0) == math.inf
    assert accuracy.ref_kl_bernoulli(0.3, 1.0) == math.inf
    assert accuracy.ref_kl_bernoulli(0.0, 0.0) == 0


def test_references_and_sweeps_check_their_arguments() -> None:
    # ref_kl_categorical(None, q) raised TypeError; sweep({}) TypeError: unhashable type
    with pytest.raises(ValueError, match=r"^p: expected real numbers, got None"):
        accuracy.ref_kl_categorical(None, [0.5, 0.5])
    with pytest.raises(ValueError, match=r"^distribution: expected one of"):
        accuracy.sweep({})
    with pytest.raises(ValueError, match=r"^key: expected one of the"):
        accuracy_sweep.sweep(["kl_normal", "random"], 3)
    # ref_kl_mvn with a negated covariance returned −2.15
    with pytest.raises(ValueError, match=r"^c1: not positive definite"):
        accuracy.ref_kl_mvn(np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2))


def test_strategy_builders_check_their_arguments() -> None:
    from numerics import strategies as S

    # exactly_normalised(None) raised TypeError; exactly_normalised([nan, 1]) returned [nan, nan];
    # exactly_normalised(-w) returned w (the sign cancelled)
    for bad in (None, np.array([math.nan, 1.0]), -np.array([0.2, 0.3, 0.5]), np.zeros(3)):
        with pytest.raises(ValueError, match=r"^w:"):
            S.exactly_normalised(bad)
    # gaussian_parameters(max_scale=np.float32(1e3)) leaked "overflow encountered in cast" (1e300 → float32)
    S.gaussian_parameters(max_scale=np.float32(1e3))
    S.spd_matrices(dim=3, scale=np.float32(1.0))
