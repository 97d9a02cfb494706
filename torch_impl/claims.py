"""The claims that carry ``torch`` evidence, importable without torch.

The report runner must list these claims even where torch is not installed, with the verdict
*skipped (torch not installed)*, so their metadata lives here, in a module that never imports
torch; :mod:`torch_impl.evidence` attaches the evidence when torch imports.

* :data:`TORCH_ONLY_CLAIMS`: claims whose only evidence is torch's (registered on import);
* :data:`TORCH_EVIDENCE_IDS`: every claim id that :mod:`torch_impl.evidence` attaches ``torch``
  evidence to. A test checks that this list equals what torch_impl.evidence attaches.
"""

from __future__ import annotations

from derivations.runner.registry import Claim, register

TORCH_ONLY_CLAIMS: tuple[Claim, ...] = (
    Claim(
        "vae.gradients_reach_encoder",
        "With z = μ + σε the decoder term's gradient reaches the encoder; "
        "with z = Normal(μ, σ).sample() it does not",
        r"\partial \mathcal L/\partial\phi \ne 0",
        "seed 003, T/F 2; Kingma & Welling 2014, §2.4",
    ),
    Claim(
        "vae.linear_reaches_ppca",
        "A linear VAE trained on pPCA data reaches the pPCA maximum "
        "log-likelihood (within 1e-3 nats/point) and its encoder the exact posterior",
        r"\max \mathcal L_{linear\,VAE} = \max \log p_{pPCA}",
        "Tipping & Bishop 1999; Lucas et al. 2019",
    ),
    Claim(
        "vae.iwae_bounds",
        "ELBO ≤ IWAE_k ≤ IWAE_{k+1} ≤ log p(x) (in expectation; linear model with exact "
        "log p) and IWAE_k monotone in k on the MLP VAE",
        r"\mathcal L \le \mathcal L_k \le \mathcal L_{k+1} \le \log p(x)",
        "Burda et al. 2016, Thm. 1",
    ),
    Claim(
        "vae.loss_is_neg_elbo",
        "The VAE's training loss (Vae.loss, one reparameterised sample, N(0, I) prior) equals "
        "a·Σ_i[−log p(x_i|z_i) + β·KL_i] with a = 1/B, c = 0 and β_eff = the configured β, audited "
        "through the public auditor like any user's loss",
        r"\mathcal{L}_{train} = \tfrac1B \sum_i \big[-\log p_\theta(x_i|z_i) + \beta\,"
        r"\mathrm{KL}(q_\phi(z|x_i)\,\|\,p(z))\big]",
        "Kingma & Welling 2014; Higgins et al. 2017; seed 004 problem 2",
    ),
    Claim(
        "vae.iwae_estimator",
        "Vae.iwae(x, K) equals log (1/K) Σ_k p(x, z_k)/q(z_k|x) on the samples it draws (logsumexp − log K), "
        "audited through the public auditor",
        r"\mathcal{L}_K = \log \tfrac1K \sum_{k=1}^K \frac{p_\theta(x, z_k)}{q_\phi(z_k|x)}",
        "Burda et al. 2016",
    ),
    Claim(
        "vae.labels_from_latents",
        "Seed 001 §4.3: on scikit-learn's digits, a logistic regression on the latent means of a VAE "
        "trained without labels predicts the missing labels far above chance (1/10) with 1 %, 5 % and "
        "10 % of the labels (measured over seeds, not proved); the report gives the accuracies of VAE "
        "latents, PCA of the same dimension and raw pixels, and which wins",
        r"\mathrm{acc}\big(\mathrm{LogReg}\circ\mu_\phi\big) - \tfrac1{10} \ge 5\,\mathrm{SE}"
        r"\quad\text{at } 1\,\%,\ 5\,\%,\ 10\,\%\text{ labels}",
        "seed 001, 4.3 (HW 4, problem 4.3: a VAE on all the data, a classifier on its latents)",
    ),
)

for _claim in TORCH_ONLY_CLAIMS:
    register(_claim)

TORCH_EVIDENCE_IDS: tuple[str, ...] = (
    "gaussian_kl.diagonal_vs_standard",
    "likelihood.bernoulli_bce",
    "likelihood.gaussian_mse",
    "estimator.mc_reconstruction_unbiased",
    "estimator.reparameterisation",
    "estimator.score_function",
    "elbo.evidence_decomposition",
    "gm_vae.elbo_three_terms",
    "vae.gradients_reach_encoder",
    "vae.linear_reaches_ppca",
    "vae.iwae_bounds",
    "vae.loss_is_neg_elbo",
    "vae.iwae_estimator",
    "gaussian_kl.equal_variance",
    "gaussian_kl.univariate",
    "gaussian_kl.full_covariance",
    "kl_fit.reverse_local_optima",
    "gan_dual.strong_duality",
    "em.f_ascent_equals_em",
    "variational.forward_kl_objective",
    "estimator.reinforce_categorical",
    "estimator.reinforce_baseline",
    "gm_vae.learned_posterior",
    "vae.labels_from_latents",
)


def torch_only_claim(claim_id: str) -> Claim:
    """The :data:`TORCH_ONLY_CLAIMS` entry with this id (``ValueError`` naming it otherwise)."""
    for claim in TORCH_ONLY_CLAIMS:
        if claim.id == claim_id:
            return claim
    raise ValueError(f"claim_id: {claim_id!r} is not one of torch_impl.claims.TORCH_ONLY_CLAIMS")
