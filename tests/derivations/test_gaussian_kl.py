"""Gaussian KL verifiers: derived from the densities; wrong closed forms refuted."""

import sympy as sp

from derivations.checker.verdicts import Verdict
from derivations.gaussian_kl import (
    MU_P,
    MU_Q,
    SIGMA,
    SIGMA_P,
    SIGMA_Q,
    kingma_welling_closed_form,
    seed_mvn_closed_form,
    verify_kl_diagonal_standard,
    verify_kl_equal_variance,
    verify_kl_full_covariance,
    verify_kl_self,
    verify_kl_univariate,
)

UNIVARIATE = sp.log(SIGMA_P / SIGMA_Q) + (SIGMA_Q**2 + (MU_Q - MU_P) ** 2) / (2 * SIGMA_P**2) - sp.S.Half


def test_equal_variance():
    assert verify_kl_equal_variance((MU_Q - MU_P) ** 2 / (2 * SIGMA**2)).verdict is Verdict.PROVED
    assert verify_kl_equal_variance((MU_Q - MU_P) ** 2 / SIGMA**2).verdict is Verdict.REFUTED  # dropped ½
    assert verify_kl_equal_variance((MU_Q - MU_P) / (2 * SIGMA**2)).verdict is Verdict.REFUTED


def test_univariate():
    assert verify_kl_univariate(UNIVARIATE).verdict is Verdict.PROVED
    swapped = UNIVARIATE.xreplace({SIGMA_P: SIGMA_Q, SIGMA_Q: SIGMA_P})
    assert verify_kl_univariate(swapped).verdict is Verdict.REFUTED  # swapped arguments
    assert verify_kl_univariate(UNIVARIATE + sp.S.Half).verdict is Verdict.REFUTED  # dropped −½


def test_self_zero():
    assert verify_kl_self(sp.Integer(0)).verdict is Verdict.PROVED
    assert verify_kl_self(sp.log(2)).verdict is Verdict.REFUTED


def test_diagonal_vs_standard_normal():
    d = verify_kl_diagonal_standard(kingma_welling_closed_form)
    assert d.verdict is Verdict.PROVED
    assert "general d: proved" in d.detail and "d=3: proved" in d.detail


def test_diagonal_flipped_sign_refuted():
    def flipped(mu, s, j, d):
        return sp.Sum(1 + sp.log(s[j] ** 2) - mu[j] ** 2 - s[j] ** 2, (j, 1, d)) / 2

    assert verify_kl_diagonal_standard(flipped, dims=(1,)).verdict is Verdict.REFUTED


def test_full_covariance():
    d = verify_kl_full_covariance(seed_mvn_closed_form, dims=(1, 2))
    assert d.verdict is Verdict.PROVED


def test_full_covariance_wrong_variants_refuted():
    def swapped_trace(mu0, c0, mu1, c1):
        r = mu1 - mu0
        inv1 = c1.inv()
        return (
            (c0.inv() * c1).trace() + (r.T * inv1 * r)[0, 0] - c0.shape[0] + sp.log(c1.det() / c0.det())
        ) / 2

    def dropped_d(mu0, c0, mu1, c1):
        return seed_mvn_closed_form(mu0, c0, mu1, c1) + sp.Rational(c0.shape[0], 2)

    assert verify_kl_full_covariance(swapped_trace, dims=(2,)).verdict is Verdict.REFUTED
    assert verify_kl_full_covariance(dropped_d, dims=(2,)).verdict is Verdict.REFUTED
