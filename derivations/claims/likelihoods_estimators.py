"""Decoder likelihoods, Monte-Carlo and gradient estimators, and the GM-VAE ELBO."""

from __future__ import annotations

from derivations.claims.helpers import symbolic_claim
from derivations.estimators import (
    mc_reconstruction,
    pathwise_integrand,
    score_function_integrand,
    verify_mc_unbiased,
    verify_reparameterisation,
    verify_score_function,
)
from derivations.gm_vae import seed_three_terms, verify_gm_vae_elbo
from derivations.likelihoods import (
    binary_cross_entropy,
    gaussian_mse_loss,
    verify_bernoulli_nll,
    verify_gaussian_nll,
)
from derivations.runner.registry import Claim

PS5 = "ECE 544 PS5, Problem 2 (seed 004)"

symbolic_claim(Claim("likelihood.bernoulli_bce", "−log Π_d Bern(x_d; g_d) = binary cross-entropy, every "
                     "x ∈ {0,1}^D, D = 1…4",
                     r"-\log\prod_d g_d^{x_d}(1-g_d)^{1-x_d} = \mathrm{BCE}(x, g)",
                     f"{PS5}, 2(e); seed 001, Problem 3"),
               lambda: verify_bernoulli_nll(binary_cross_entropy))
symbolic_claim(Claim("likelihood.gaussian_mse",
                     "−log Π_d N(x_d; x̂_d, σ²) = ‖x − x̂‖²/(2σ²) + (D/2) log(2πσ²), "
                     "D = 1…4 and general D",
                     r"-\log\mathcal N(x;\hat x,\sigma^2 I) = "
                     r"\frac{\|x-\hat x\|^2}{2\sigma^2}+\frac D2\log 2\pi\sigma^2",
                     f"{PS5}, 2(d); seed 001, Problem 3"), lambda: verify_gaussian_nll(gaussian_mse_loss))
symbolic_claim(Claim("estimator.mc_reconstruction_unbiased",
                     "E[(1/M) Σ_m log p(x|z_m)] = E_q[log p(x|z)] "
                     "for a Gaussian decoder and q = N(μ, s²), M = 1, 2, 3 (iterated integrals)",
                     r"\mathbb E\Big[\tfrac1M\sum_m \log p_\theta(x|z_m)\Big] = "
                     r"\mathbb E_q[\log p_\theta(x|z)]",
                     f"{PS5}, 2(c)"), lambda: verify_mc_unbiased(mc_reconstruction))
symbolic_claim(Claim("estimator.score_function",
                     "∇_φ E_q[f] = E_q[f ∇_φ log q], q = N(μ, s²), φ = μ, s; "
                     "f cubic, exp(βz), Gaussian bump (exact integration)",
                     r"\nabla_\phi \mathbb E_q[f] = \mathbb E_q[f\,\nabla_\phi\log q]",
                     "Williams 1992 (REINFORCE)"),
               lambda: verify_score_function(score_function_integrand))
symbolic_claim(Claim("estimator.reparameterisation",
                     "∂_μ E_{N(μ,s²)}[f] = E[f'(μ+sε)], ∂_s = E[f'(μ+sε)ε]; "
                     "same test functions (exact integration)",
                     r"\nabla_\mu \mathbb E_{\mathcal N(\mu,s^2)}[f] = "
                     r"\mathbb E_\varepsilon[f'(\mu+s\varepsilon)]",
                     "Kingma & Welling 2014, §2.4; CS 446 HW8 1(g)"),
               lambda: verify_reparameterisation(pathwise_integrand))
symbolic_claim(Claim("gm_vae.elbo_three_terms",
                     "GM-VAE ELBO = E_q(w|x)[log p(x|w)] − E_q(w|x)[KL(q(z|w,x) ‖ p(z))] "
                     "+ E_q[log p(w|z) − log q(w|x)], general K (pointwise in w, then linearity of ∫)",
                     r"\mathcal L = \mathbb E[\log p(x|w)] - \mathbb E[\mathrm{KL}(q(z|w,x)\|p(z))] "
                     r"+ \mathbb E[\log p(w|z) - \log q(w|x)]",
                     "seed 003, Problem 7.1"), lambda: verify_gm_vae_elbo(seed_three_terms))
