"""Likelihoods, estimators and the GM-VAE ELBO: proved, wrong variants refuted."""

import sympy as sp

from derivations import estimators as E
from derivations import gm_vae as G
from derivations import likelihoods as L
from derivations.checker.verdicts import Verdict


def test_bernoulli_bce_and_swapped_roles():
    assert L.verify_bernoulli_nll(L.binary_cross_entropy).verdict is Verdict.PROVED
    swapped = lambda x, g: L.binary_cross_entropy([1 - v for v in x], g)
    assert L.verify_bernoulli_nll(swapped).verdict is Verdict.REFUTED


def test_bernoulli_pmf_rejects_non_binary():
    import pytest

    with pytest.raises(ValueError, match="x:"):
        L.bernoulli_pmf(2, sp.Symbol("g"))


def test_gaussian_mse_and_missing_constant_and_dropped_half():
    assert L.verify_gaussian_nll(L.gaussian_mse_loss).verdict is Verdict.PROVED
    no_const = lambda over, v, n: over(lambda a, b: (a - b) ** 2) / (2 * v)
    assert L.verify_gaussian_nll(no_const).verdict is Verdict.REFUTED
    no_half = lambda over, v, n: over(lambda a, b: (a - b) ** 2) / v + n / 2 * sp.log(2 * sp.pi * v)
    assert L.verify_gaussian_nll(no_half).verdict is Verdict.REFUTED


def test_mc_unbiased_and_wrong_normalisation():
    assert E.verify_mc_unbiased(E.mc_reconstruction).verdict is Verdict.PROVED
    biased = lambda zs: E.mc_reconstruction(zs) * len(zs) / (len(zs) + 1)
    assert E.verify_mc_unbiased(biased, sizes=(2,)).verdict is Verdict.REFUTED


def test_score_function_and_missing_f():
    assert E.verify_score_function(E.score_function_integrand).verdict is Verdict.PROVED
    no_f = lambda f, log_q, p: sp.diff(log_q, p)  # E_q[∇ log q] = 0, not the gradient
    assert E.verify_score_function(no_f).verdict is Verdict.REFUTED


def test_reparameterisation_and_dropped_scale():
    assert E.verify_reparameterisation(E.pathwise_integrand).verdict is Verdict.PROVED
    dropped_s = lambda f, p: sp.diff(f, E.Z).xreplace({E.Z: E.MU + E.EPS}) * sp.diff(E.MU + E.S * E.EPS, p)
    assert E.verify_reparameterisation(dropped_s).verdict is Verdict.REFUTED
    no_eps = lambda f, p: sp.diff(f, E.Z).xreplace({E.Z: E.MU + E.S * E.EPS})  # ∂_s without ε
    assert E.verify_reparameterisation(no_eps).verdict is Verdict.REFUTED


def test_gm_vae_three_terms_and_wrong_variants():
    assert G.verify_gm_vae_elbo(G.seed_three_terms).verdict is Verdict.PROVED
    no_entropy = lambda p: (p.log_px, -p.kl_z(), p.sum(lambda k: p.r[k] * p.log_pw[k]))
    assert G.verify_gm_vae_elbo(no_entropy).verdict is Verdict.REFUTED
    reversed_kl = lambda p: (
        p.log_px,
        -p.sum(lambda k: p.pi[k] * sp.log(p.pi[k] / p.r[k])),
        p.sum(lambda k: p.r[k] * p.log_pw[k]) - p.log_qw,
    )
    assert G.verify_gm_vae_elbo(reversed_kl).verdict is Verdict.REFUTED
