"""Variational optimum (Lagrangian) and KL properties; wrong variants refuted."""

import pytest
import sympy as sp

from derivations.checker.verdicts import Verdict
from derivations.variational import (
    seed_optimum,
    verify_kl_nonnegative,
    verify_kl_of_identical,
    verify_optimum_is_posterior,
    verify_variational_optimum,
)


def test_optimum_general_k_proved_with_multiplier_eliminated():
    d = verify_variational_optimum(seed_optimum)
    assert d.verdict is Verdict.PROVED
    assert "λ = 1 - log(" in d.detail and "strictly concave" in d.detail


@pytest.mark.parametrize("K", [2, 3, 6])
def test_optimum_small_k(K):
    assert verify_variational_optimum(seed_optimum, K=K).verdict is Verdict.PROVED


def _lik_only(m, j):
    k = sp.Symbol("k", integer=True, positive=True)
    return m.lik[j] / sp.Sum(m.lik[k], (k, 1, m.K))


def test_wrong_optima_refuted():
    assert verify_variational_optimum(_lik_only).verdict is Verdict.REFUTED  # prior dropped
    unnormalised = verify_variational_optimum(lambda m, j: m.lik[j] * m.prior[j])
    assert unnormalised.verdict is Verdict.REFUTED


def test_optimum_is_posterior():
    assert verify_optimum_is_posterior(seed_optimum).verdict is Verdict.PROVED
    assert verify_optimum_is_posterior(_lik_only).verdict is Verdict.REFUTED


def test_kl_nonnegative_and_wrong_sign_refuted():
    assert verify_kl_nonnegative(lambda m, a, b: m.kl(a, b)).verdict is Verdict.PROVED
    assert verify_kl_nonnegative(lambda m, a, b: -m.kl(a, b)).verdict is Verdict.REFUTED
    # a "divergence" missing its weights: Σ log(a/b) can be negative
    bad = verify_kl_nonnegative(lambda m, a, b: m.sum(lambda i: sp.log(a[i] / b[i])))
    assert bad.verdict is Verdict.REFUTED


def test_kl_of_identical():
    assert verify_kl_of_identical(sp.Integer(0)).verdict is Verdict.PROVED
    assert verify_kl_of_identical(sp.Integer(1)).verdict is Verdict.REFUTED
