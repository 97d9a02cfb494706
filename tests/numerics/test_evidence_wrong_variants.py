"""Numeric evidence beside the symbolic proofs: each check supports its claim and refutes the wrong
variants that the symbolic tests refute (dropped ½, swapped arguments, flipped signs, wrong constants)."""

import numpy as np
import pytest
from scipy.special import expit

from derivations.checker.verdicts import Verdict
from numerics.divergences import jsd_categorical, kl_categorical
from numerics.evidence.elbo import check_elbo_form, energy_plus_entropy, reconstruction_minus_kl
from numerics.evidence.em import (
    _posterior,
    check_e_step,
    check_free_energy_bound,
    check_free_energy_decomposition,
    check_gmm_m_step,
    check_m_step_gap,
    free_energy,
    gmm_m_step_closed_form,
)
from numerics.evidence.gan import check_global_minimum, check_optimal_discriminator, check_virtual_criterion
from numerics.evidence.gan_dual import (
    check_conjugate,
    check_cost,
    check_cost_convex,
    check_dual_function,
    check_dual_program,
    check_lagrangian,
    check_quadratic_convex_iff,
    check_quadratic_minimum,
    check_softplus_convex,
    conjugate_formula,
    cost_3e,
)
from numerics.evidence.gaussian_kl import (
    check_equal_variance,
    check_full_covariance,
    check_univariate,
    full_covariance_formula,
    kl_normal_quadrature,
    univariate_formula,
)
from numerics.evidence.kl import check_kl_self_zero
from numerics.evidence.kl_properties import check_data_processing, check_sqrt_jsd_triangle
from numerics.evidence.stable_forms import check_logit_difference
from numerics.evidence.vae import check_iwae_chain, check_linear_vae_ppca, ppca_max_loglik
from numerics.evidence.variational import check_variational_optimum

REFUTED, OK = Verdict.REFUTED, Verdict.NUMERIC


def _univariate_swapped(mq, sq, mp, sp_):
    return univariate_formula(mp, sp_, mq, sq)


def _trace_swapped(mu0, c0, mu1, c1):
    return full_covariance_formula(mu0, c0, mu1, c1) + 0.5 * (
        np.trace(np.linalg.inv(c0) @ c1) - np.trace(np.linalg.inv(c1) @ c0)
    )


def _dropped_d(mu0, c0, mu1, c1):
    return full_covariance_formula(mu0, c0, mu1, c1) + len(mu0) / 2


def _lagrangian_without_one(prob, w, xi, lam):
    return float((lam * xi + np.logaddexp(0, xi)).sum() + prob.c / 2 * w @ w - w @ (prob.points.T @ lam))


def _dual_flipped(prob, lam):
    b = prob.points.T @ (lam + prob.shift)
    return float(b @ b / (2 * prob.c) + sum(conjugate_formula(v) for v in lam))


def _divided_by_n(x, q):
    pi, mu, _ = gmm_m_step_closed_form(x, q)
    return pi, mu, (q * (x[:, None] - mu) ** 2).sum(0) / len(x)


CASES = {
    "univariate": (check_univariate, [_univariate_swapped, lambda *a: univariate_formula(*a) + 0.5]),
    "equal_variance": (check_equal_variance, [lambda mq, mp, s: (mq - mp) ** 2 / s**2]),
    "full_covariance": (check_full_covariance, [_trace_swapped, _dropped_d]),
    "kl_self_zero": (check_kl_self_zero, [lambda q: float(-(q * np.log(q)).sum())]),
    "elbo_rec": (
        lambda c=reconstruction_minus_kl: check_elbo_form(c, "rec − KL"),
        [lambda pr, lik, q: float(q @ np.log(lik) + kl_categorical(q, pr))],
    ),
    "elbo_energy": (
        lambda c=energy_plus_entropy: check_elbo_form(c, "energy + H"),
        [lambda pr, lik, q: float(q @ np.log(lik * pr) + q @ np.log(q))],
    ),
    "free_energy_decomposition": (
        check_free_energy_decomposition,
        [
            lambda x, th, q: free_energy(x, th, q)
            + 2 * sum(kl_categorical(a, b) for a, b in zip(q, _posterior(x, th), strict=True))
        ],
    ),
    "free_energy_bound": (check_free_energy_bound, [lambda x, th: np.tile(th[0], (len(x), 1))]),
    "e_step": (check_e_step, [lambda x, th: np.tile(th[0], (len(x), 1))]),
    "m_step_gap": (check_m_step_gap, [lambda q: float((q * np.log(q)).sum())]),
    "gmm_m_step": (check_gmm_m_step, [_divided_by_n]),
    "optimal_discriminator": (check_optimal_discriminator, [lambda a, b: b / (a + b)]),
    "virtual_criterion": (
        check_virtual_criterion,
        [
            lambda p, g: -np.log(2) + 2 * float(jsd_categorical(p, g)),
            lambda p, g: -np.log(4) + float(jsd_categorical(p, g)),
        ],
    ),
    "global_minimum": (check_global_minimum, [-np.log(2)]),
    "variational": (
        check_variational_optimum,
        [lambda lik, pr: lik * pr, lambda lik, pr: lik / lik.sum()],
    ),
    "cost": (check_cost, [lambda prob, w: cost_3e(prob, w) + (prob.generated @ w).sum()]),
    "quadratic_convex_iff": (check_quadratic_convex_iff, [lambda c: c > 0]),
    "softplus_convex": (check_softplus_convex, [-1.0]),
    "cost_convex": (check_cost_convex, [-5.0]),
    "lagrangian": (check_lagrangian, [_lagrangian_without_one]),
    "quadratic_minimum": (check_quadratic_minimum, [lambda b, c: b @ b / (2 * c), lambda b, c: -b @ b / c]),
    "conjugate": (check_conjugate, [lambda lam: -conjugate_formula(lam)]),
    "dual_function": (check_dual_function, [_dual_flipped]),
    "dual_program": (check_dual_program, [(0.0, 1.0), (-0.5, 0.0)]),
    "logit_difference": (
        check_logit_difference,
        [lambda a, b: float(expit(a) * expit(-b) * -np.expm1(a - b))],
    ),
    "data_processing": (check_data_processing, [-1.0]),
    "sqrt_jsd_triangle": (check_sqrt_jsd_triangle, [1.0]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_claim_supported_and_wrong_variants_refuted(name):
    check, wrong = CASES[name]
    good = check()
    assert good.verdict is OK, good.detail
    assert good.error is not None and good.error <= good.tolerance
    for variant in wrong:
        bad = check(variant)
        assert bad.verdict is REFUTED, (name, bad.detail)
        assert bad.counterexample


def test_quadrature_reference_matches_a_known_value():
    # KL(N(0,1) ‖ N(1,1)) = ½ exactly.
    assert abs(kl_normal_quadrature(0.0, 1.0, 1.0, 1.0) - 0.5) < 1e-15


def test_linear_vae_reaches_ppca_and_wrong_maximum_refuted():
    assert check_linear_vae_ppca().verdict is OK
    assert check_linear_vae_ppca(lambda x, latent: ppca_max_loglik(x, 0)).verdict is REFUTED


def test_iwae_chain_and_reversed_chain_refuted():
    assert check_iwae_chain().verdict is OK
    assert check_iwae_chain(-1.0).verdict is REFUTED
