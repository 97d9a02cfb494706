"""Every VAE loss term validated against the verified closed forms, plus wrong variants."""

import math

import pytest
import torch

from torch_impl.evidence.elbo import linear_gap_is_kl
from torch_impl.evidence.estimators import (
    mc_reconstruction_unbiased,
    pathwise_vs_score,
    reparameterisation_law,
)
from torch_impl.evidence.gaussian_kl import (
    kl_term_accuracy,
    kl_term_matches_where_accurate,
    kl_term_monte_carlo,
    training_loss_matches_elbo_terms,
)
from torch_impl.evidence.gm_vae import gm_vae_generic_elbo, gm_vae_three_terms
from torch_impl.evidence.likelihoods import bernoulli_reconstruction, gaussian_reconstruction
from torch_impl.evidence.vae import (
    gradients_reach_encoder,
    iwae_bounds_linear,
    iwae_monotone_mlp,
    linear_vae_reaches_ppca,
)
from torch_impl.kl import (
    expm1mx,
    kl_diagonal_normals,
    kl_standard_normal,
    kl_standard_normal_textbook,
    kl_standard_normal_total,
)
from torch_impl.model import Vae, VaeConfig

CHECKS = [
    kl_term_matches_where_accurate,
    kl_term_monte_carlo,
    bernoulli_reconstruction,
    gaussian_reconstruction,
    mc_reconstruction_unbiased,
    reparameterisation_law,
    lambda: pathwise_vs_score()[0],
    gradients_reach_encoder,
    linear_gap_is_kl,
    lambda: linear_vae_reaches_ppca()[0],
    iwae_bounds_linear,
    iwae_monotone_mlp,
    gm_vae_three_terms,
    training_loss_matches_elbo_terms,
]


@pytest.mark.parametrize("check", CHECKS)
def test_validation_passes(check):
    c = check()
    assert c.ok, (c.name, c.error, c.tolerance, c.detail)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_kl_term_within_16_ulp_where_torch_distributions_is_not(dtype):
    worst = kl_term_accuracy(dtype)
    assert worst["this project"] <= 16
    assert worst["torch.distributions"] > 1e4  # the reference loses its digits near collapse


def test_kl_textbook_variant_would_fail_the_accuracy_check():
    mu = torch.tensor([1e-4], dtype=torch.float32)
    lv = torch.tensor([1e-4], dtype=torch.float32)
    exact = (math.expm1(1e-4) - 1e-4 + 1e-8) / 2
    assert abs(float(kl_standard_normal(mu, lv)) - exact) / exact < 16 * 1.2e-7
    assert abs(float(kl_standard_normal_textbook(mu, lv)) - exact) / exact > 1e-3


def test_expm1mx_gradient_matches_analytic():
    u = torch.tensor([-2.0, -0.3, 1e-6, 0.4, 3.0], dtype=torch.float64, requires_grad=True)
    expm1mx(u).sum().backward()
    assert torch.allclose(u.grad, torch.expm1(u.detach()), rtol=1e-12, atol=1e-15)


def test_diagonal_kl_reduces_to_standard():
    mu, lv = torch.randn(5, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    z = torch.zeros(5, dtype=torch.float64)
    assert torch.allclose(kl_diagonal_normals(mu, lv, z, z), kl_standard_normal(mu, lv), rtol=1e-14)


def test_gm_vae_check_refutes_a_generic_elbo_without_the_categorical_entropy():
    torch.manual_seed(0)
    model = Vae(VaeConfig(prior="gmm", components=3)).double()
    x = (torch.rand(4, 64, dtype=torch.float64) < 0.3).double()
    state = torch.random.get_rng_state()
    t = model.elbo_terms(x, samples=2)
    torch.random.set_rng_state(state)
    wrong = gm_vae_generic_elbo(model, x, 2, with_categorical_entropy=False)
    torch.random.set_rng_state(state)
    right = gm_vae_generic_elbo(model, x, 2)
    assert ((t["elbo"] - right).abs() / right.abs()).max() < 1e-12
    assert ((t["elbo"] - wrong).abs() / wrong.abs()).max() > 1e-6  # far above the 1e-12 tolerance


def test_wrong_reconstruction_constant_is_caught():
    cfg = VaeConfig(likelihood="gaussian", gaussian_var=0.3)
    model = Vae(cfg).double()
    x, xh = torch.zeros(1, 64, dtype=torch.float64), torch.ones(1, 64, dtype=torch.float64)
    plain_mse = ((x - xh) ** 2).sum() / (2 * cfg.gaussian_var)  # the constant dropped
    assert abs(float(-model.log_likelihood(x, xh)) - float(plain_mse)) == pytest.approx(
        32 * math.log(2 * math.pi * 0.3), rel=1e-12
    )


def test_config_validation():
    with pytest.raises(ValueError, match="likelihood"):
        VaeConfig(likelihood="poisson")
    with pytest.raises(ValueError, match="beta"):
        VaeConfig(beta=-1.0)
    with pytest.raises(ValueError, match="latent_dim"):
        VaeConfig(latent_dim=0)


def test_training_loss_check_refutes_a_dropped_half_and_a_wrong_gradient():
    def dropped_half(mu, lv):  # Σ (e^ℓ − 1 − ℓ + μ²): the ½ dropped
        return (expm1mx(lv) + mu * mu).sum()

    class WrongGradient(torch.autograd.Function):  # right value, ∂/∂ℓ = expm1(ℓ) (½ dropped)
        @staticmethod
        def forward(ctx, mu, lv):
            ctx.save_for_backward(mu, lv)
            return kl_standard_normal(mu, lv).sum()

        @staticmethod
        def backward(ctx, g):
            mu, lv = ctx.saved_tensors
            return g * mu, g * torch.expm1(lv)

    for wrong in (dropped_half, WrongGradient.apply):
        c = training_loss_matches_elbo_terms(kl_total=wrong)
        assert not c.ok and c.error > 1e-3, (c.error, c.detail)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fused_kl_total_is_accurate_near_collapse(dtype):
    """Σ KL over a batch of near-collapsed units (|ℓ|, |μ| down to 1e-9) vs mpmath: ≤ 2 ulp."""
    import mpmath as mp

    g = torch.Generator().manual_seed(5)
    scale = 10.0 ** -(torch.rand(64, 8, generator=g, dtype=torch.float64) * 9)
    mu = (torch.randn(64, 8, generator=g, dtype=torch.float64) * scale).to(dtype)
    lv = (torch.randn(64, 8, generator=g, dtype=torch.float64) * scale).to(dtype)
    with mp.workdps(50):
        exact = sum(
            (mp.expm1(mp.mpf(float(v))) - mp.mpf(float(v)) + mp.mpf(float(m)) ** 2) / 2
            for m, v in zip(mu.flatten().tolist(), lv.flatten().tolist(), strict=True)
        )
    got = kl_standard_normal_total(mu, lv)
    assert got.dtype == dtype
    assert abs(float(got) - float(exact)) / float(exact) <= 2 * torch.finfo(dtype).eps


def test_fused_kl_total_gradient_and_shape_check():
    mu = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    lv = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(kl_standard_normal_total, (mu, lv))
    with pytest.raises(ValueError, match="mu, logvar"):
        kl_standard_normal_total(mu, lv[:, :2])
