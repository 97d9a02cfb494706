"""Loss functions written for the audit tests: one per defect class and correct ones in
every reduction convention. Written from descriptions of the defects, not copied from any code base."""

import math

import torch
from torch.nn import functional as F

LOG_2PI = math.log(2 * math.pi)


def kl_logvar(mu, logvar):
    """Σ KL(N(μ, e^ℓ) ‖ N(0, 1)) over everything (the textbook closed form)."""
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def bce_sum(recon, x):
    return F.binary_cross_entropy(recon, x, reduction="sum")


# ----------------------------------------------------------------- correct (Bernoulli)


def sum_reduction(recon, x, mu, logvar):
    return bce_sum(recon, x) + kl_logvar(mu, logvar)


def batch_mean(recon, x, mu, logvar):
    return (bce_sum(recon, x) + kl_logvar(mu, logvar)) / x.shape[0]


def pixel_mean_matching_beta(recon, x, mu, logvar):
    """Mean over batch and pixels, KL divided by B·D as well: β = 1."""
    return F.binary_cross_entropy(recon, x) + kl_logvar(mu, logvar) / x.numel()


def beta_vae(recon, x, mu, logvar, beta=4.0):
    return (bce_sum(recon, x) + beta * kl_logvar(mu, logvar)) / x.shape[0]


def stochastic_with_decoder(x, mu, logvar, decoder):
    """Draws z itself (torch.randn_like) and decodes it: one-sample ELBO estimate."""
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    return (bce_sum(decoder(z), x) + kl_logvar(mu, logvar)) / x.shape[0]


# ----------------------------------------------------------------- defects (Bernoulli)


def fixed_batch_division(recon, x, mu, logvar):
    """Mean BCE, KL divided by a fixed batch size 128 (times the pixel count) instead of B."""
    return F.binary_cross_entropy(recon, x) + kl_logvar(mu, logvar) / (128 * x[0].numel())


def missing_half(recon, x, mu, logvar):
    return bce_sum(recon, x) - torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def kl_sign_flip(recon, x, mu, logvar):
    return bce_sum(recon, x) + 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def whole_sign_flip(recon, x, mu, logvar):
    return -(bce_sum(recon, x) + kl_logvar(mu, logvar))


def log_sigma_confusion(recon, x, mu, logvar):
    """The KL treats the log-variance as a log-standard-deviation: σ² = e^{2s}."""
    return bce_sum(recon, x) - 0.5 * torch.sum(1 + 2 * logvar - mu.pow(2) - torch.exp(2 * logvar))


def kl_for_small_noise_sampler(recon, x, mu, s):
    """KL written for σ = e^{s/2}, used with a sampler that draws σ = 0.01·e^{s}."""
    return bce_sum(recon, x) + kl_logvar(mu, s)


def clipped(recon, x, mu, logvar):
    p = recon.clamp(1e-7, 1 - 1e-7)
    nll = -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum()
    return nll + kl_logvar(mu, logvar)


def softplus_sampler_with_logvar_kl(x, mu, s, decoder):
    z = mu + F.softplus(s) * torch.randn_like(mu)
    return bce_sum(decoder(z), x) + kl_logvar(mu, s)


def flat_784(recon, x, mu, logvar):
    """Assumes 28×28 images: crashes on anything else."""
    return bce_sum(recon.view(-1, 784), x.view(-1, 784)) + kl_logvar(mu, logvar)


# ----------------------------------------------------------------- Gaussian decoder


def gaussian_sum_constant_dropped(recon, x, mu, logvar):
    """½‖x − x̂‖² + KL (σ² = 1, the constant (D/2) log 2π dropped)."""
    return 0.5 * (recon - x).pow(2).sum() + kl_logvar(mu, logvar)


def gaussian_batch_mean_var_half(recon, x, mu, logvar):
    """σ² = ½: ‖x − x̂‖²/(2σ²) = ‖x − x̂‖², mean over the batch, constant kept."""
    d = x[0].numel()
    nll = (recon - x).pow(2).sum() + x.shape[0] * d / 2 * math.log(2 * math.pi * 0.5)
    return (nll + kl_logvar(mu, logvar)) / x.shape[0]


def gaussian_missing_half(recon, x, mu, logvar):
    return (recon - x).pow(2).sum() + kl_logvar(mu, logvar)


def gaussian_mixed_reductions(recon, x, mu, logvar, kld_weight=2.5e-4):
    """MSE averaged over batch and pixels, KL summed over latents and averaged over the batch."""
    rec = F.mse_loss(recon, x)
    kld = torch.mean(-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1))
    return rec + kld_weight * kld


# ----------------------------------------------------------------- continuous Bernoulli


def continuous_bernoulli_correct(recon, x, mu, logvar):
    nll = -torch.distributions.ContinuousBernoulli(probs=recon).log_prob(x).sum()
    return nll + kl_logvar(mu, logvar)


def continuous_bernoulli_plain_bce(recon, x, mu, logvar):
    return bce_sum(recon, x) + kl_logvar(mu, logvar)


# ----------------------------------------------------------------- IWAE (recon: K×B×D logits)


def log_weights(recon, x, mu, logvar, z):
    log_px = -F.binary_cross_entropy_with_logits(recon, x.expand_as(recon), reduction="none").sum(-1)
    log_pz = (-0.5 * z.pow(2) - 0.5 * LOG_2PI).sum(-1)
    log_qz = (-0.5 * (z - mu).pow(2) / logvar.exp() - 0.5 * logvar - 0.5 * LOG_2PI).sum(-1)
    return log_px + log_pz - log_qz


def iwae_correct(recon, x, mu, logvar, z):
    lw = log_weights(recon, x, mu, logvar, z)
    return -(torch.logsumexp(lw, 0) - math.log(lw.shape[0])).mean()


def iwae_missing_log_k(recon, x, mu, logvar, z):
    return -torch.logsumexp(log_weights(recon, x, mu, logvar, z), 0).mean()


def iwae_detached_surrogate(recon, x, mu, logvar, z):
    """−Σ_k w̃_k log w_k with detached normalised weights: value differs, gradient is ∇(−IWAE)."""
    lw = log_weights(recon, x, mu, logvar, z)
    return -(torch.softmax(lw, 0).detach() * lw).sum(0).mean()


def iwae_loss_as_log_weight(recon, x, mu, logvar, z):
    """The per-sample loss −log w used as the log-weight, weights not detached, no −log K."""
    per_sample = -log_weights(recon, x, mu, logvar, z)
    return (torch.softmax(per_sample, 0) * per_sample).sum(0).mean()


def iwae_loss_as_log_weight_detached(recon, x, mu, logvar, z):
    per_sample = -log_weights(recon, x, mu, logvar, z)
    return (torch.softmax(per_sample, 0).detach() * per_sample).sum(0).mean()


def iwae_undetached(recon, x, mu, logvar, z):
    lw = log_weights(recon, x, mu, logvar, z)
    return -(torch.softmax(lw, 0) * lw).sum(0).mean()


def iwae_tempered(recon, x, mu, logvar, z, t=0.5):
    """−(1/t)·log mean_k w_k^t: a Rényi bound with α = 1 − t."""
    lw = log_weights(recon, x, mu, logvar, z)
    return -((torch.logsumexp(t * lw, 0) - math.log(lw.shape[0])) / t).mean()


def iwae_average_elbo(recon, x, mu, logvar, z):
    return -log_weights(recon, x, mu, logvar, z).mean()


def iwae_crashes(recon, x, mu, logvar, z):
    lw = log_weights(recon, x, mu, logvar, z)
    return -torch.logsumexp(lw, 1).mean() @ lw  # shape error


def gaussian_kl_not_averaged(recon, x, mu, logvar):
    """Squared error averaged over the batch, KL summed over it: the implied σ² = B/2 moves with B."""
    return (recon - x).pow(2).sum() / x.shape[0] + kl_logvar(mu, logvar)


def iwae_sampling_itself(x, mu, logvar, decoder, k):
    """Draws its K samples with torch.randn and decodes them (logits)."""
    z = mu + torch.exp(0.5 * logvar) * torch.randn((k, *mu.shape), dtype=mu.dtype)
    return iwae_correct(decoder(z), x, mu, logvar, z)


def monte_carlo_kl(x, mu, logvar, decoder):
    """One-sample ELBO with the KL also estimated at z: log q(z|x) − log p(z) (a valid estimator)."""
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    log_q = (-0.5 * (z - mu).pow(2) / logvar.exp() - 0.5 * logvar - 0.5 * LOG_2PI).sum()
    log_p = (-0.5 * z.pow(2) - 0.5 * LOG_2PI).sum()
    return (bce_sum(decoder(z), x) + log_q - log_p) / x.shape[0]


def monte_carlo_kl_wrong_sign(x, mu, logvar, decoder):
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    log_q = (-0.5 * (z - mu).pow(2) / logvar.exp() - 0.5 * logvar - 0.5 * LOG_2PI).sum()
    log_p = (-0.5 * z.pow(2) - 0.5 * LOG_2PI).sum()
    return (bce_sum(decoder(z), x) + log_q + log_p) / x.shape[0]


def gaussian_learned_variance(recon, x, mu, logvar, recon_logvar):
    """−log N(x; x̂, e^v) per pixel with the decoder's log-variance v, summed; mean over the batch."""
    nll = 0.5 * ((x - recon).pow(2) / recon_logvar.exp() + recon_logvar + LOG_2PI).sum()
    return (nll + kl_logvar(mu, logvar)) / x.shape[0]


def gaussian_learned_variance_without_log_term(recon, x, mu, logvar, recon_logvar):
    """Drops ½·v: the decoder can then inflate its variance for free."""
    nll = 0.5 * ((x - recon).pow(2) / recon_logvar.exp()).sum()
    return (nll + kl_logvar(mu, logvar)) / x.shape[0]
