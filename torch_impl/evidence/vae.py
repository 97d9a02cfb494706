"""``torch`` evidence for the VAE claims: gradients reach the encoder, the linear VAE reaches
PPCA, the IWAE bounds."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch.distributions import Normal

from torch_impl.evidence._common import (
    MC_SIGMAS,
    Check,
    _attach,
    _gen,
)
from torch_impl.linear import LinearVae, fit_linear_vae, ppca_data, ppca_max_log_likelihood
from torch_impl.model import Vae, VaeConfig, reparameterize


def _gradient_mass(params: Iterable[torch.nn.Parameter]) -> float:
    """Σ |∂/∂θ| over ``params``; a parameter the backward pass did not reach (``grad`` None) adds 0."""
    return sum((float(p.grad.abs().sum()) for p in params if p.grad is not None), 0.0)


def gradients_reach_encoder() -> Check:
    """Seed 003 T/F 2: with z = μ + σε the reconstruction term's gradient reaches the encoder; with
    z drawn by ``Normal(μ, σ).sample()`` (no reparameterisation) it does not."""
    torch.manual_seed(10)
    model = Vae(VaeConfig())
    x = (torch.rand(16, 64) < 0.5).float()
    mu, lv = model.encode(x)
    rec = model.log_likelihood(x, model.decode(reparameterize(mu, lv))).sum()
    rec.backward()
    with_reparam = _gradient_mass(model.encoder.parameters())
    model.zero_grad()
    mu, lv = model.encode(x)
    z = Normal(mu, torch.exp(0.5 * lv)).sample()
    rec2 = model.log_likelihood(x, model.decode(z)).sum()
    rec2.backward()
    without = _gradient_mass(model.encoder.parameters())
    ok = with_reparam > 0 and without == 0
    return Check(
        "gradients reach the encoder only through reparameterisation",
        0.0 if ok else 1.0,
        0.5,
        f"Σ|∂rec/∂encoder| = {with_reparam:.3g} with z = μ + σε, {without:.3g} with .sample()",
    )


def linear_vae_reaches_ppca() -> tuple[Check, dict[str, float]]:
    """Trained on pPCA data, the linear VAE's ELBO reaches the pPCA ML value and q = p(z|x)."""
    x = ppca_data(2000, 6, 2)
    ml, _, sigma2 = ppca_max_log_likelihood(x, 2)
    vae = fit_linear_vae(x, 2)
    elbo = float(vae.elbo(x).mean())
    pm, pc = vae.posterior(x)
    enc_mean_err = float((pm - vae.encoder_mean(x)).abs().max())
    enc_var_err = float((torch.diagonal(pc) - torch.exp(vae.logvar)).abs().max() / torch.diagonal(pc).min())
    off = float((pc - torch.diag(torch.diagonal(pc))).abs().max())
    info = {
        "ppca_ml_per_point": ml,
        "elbo_per_point": elbo,
        "sigma2_ml": sigma2,
        "sigma2_fit": float(torch.exp(vae.log_sigma2)),
        "encoder_mean_err": enc_mean_err,
        "encoder_var_rel_err": enc_var_err,
        "posterior_offdiag": off,
    }
    err = max(abs(ml - elbo) / 1e-3, enc_mean_err / 1e-4, enc_var_err / 1e-4)
    return Check(
        "linear VAE ELBO → pPCA max log-likelihood; encoder → exact posterior",
        err,
        1.0,
        f"ML {ml:.8f}, ELBO {elbo:.8f} nats/point (tol 1e-3); encoder mean err {enc_mean_err:.1e}, "
        f"variance rel. err {enc_var_err:.1e} (tol 1e-4)",
    ), info


def iwae_bounds_linear(repeats: int = 400, ks: tuple[int, ...] = (1, 2, 8, 64)) -> Check:
    """ELBO ≤ E IWAE_1 ≤ … ≤ E IWAE_k ≤ log p(x) on the linear model (exact ELBO and log p), means
    over repeats with 5 SE."""
    g = _gen(11)
    vae = LinearVae.random(5, 2, generator=g)
    x = torch.randn(8, 5, dtype=torch.float64, generator=g)
    elbo, logp = vae.elbo(x), vae.log_evidence(x)
    means, ses = [], []
    for k in ks:
        est = torch.stack([vae.iwae(x, k, generator=g) for _ in range(repeats)])
        means.append(est.mean(0))
        ses.append(est.std(0) / math.sqrt(repeats))
    viol = 0.0
    chain = [elbo, *means, logp]
    chain_se = [torch.zeros_like(elbo), *ses, torch.zeros_like(logp)]
    for a, b, sa, sb in zip(chain[:-1], chain[1:], chain_se[:-1], chain_se[1:], strict=True):
        tol = MC_SIGMAS * torch.sqrt(sa**2 + sb**2) + 1e-12
        viol = max(viol, float(((a - b) / tol).max()))
    return Check(
        "ELBO ≤ IWAE_1 ≤ IWAE_2 ≤ IWAE_8 ≤ IWAE_64 ≤ log p(x) (linear model)",
        max(viol, 0.0),
        1.0,
        f"largest step violation in units of 5 SE: {viol:.2f} (≤ 1 required); "
        f"mean gap log p − ELBO = {float((logp - elbo).mean()):.3f}, log p − IWAE_64 = "
        f"{float((logp - means[-1]).mean()):.4f}",
    )


def iwae_monotone_mlp(repeats: int = 100, ks: tuple[int, ...] = (1, 4, 16, 64)) -> Check:
    """IWAE_k is non-decreasing in k (Burda et al. 2016) for the MLP VAE: ``repeats`` Monte-Carlo estimates
    per k in ``ks`` (fixed seed); the largest decrease between successive k in units of 5 combined
    standard errors must be ≤ 1."""
    torch.manual_seed(12)
    model = Vae(VaeConfig()).double()
    x = (torch.rand(8, 64, dtype=torch.float64) < 0.3).double()
    means, ses = [], []
    for k in ks:
        est = torch.stack([model.iwae(x, k) for _ in range(repeats)])
        means.append(est.mean(0))
        ses.append(est.std(0) / math.sqrt(repeats))
    viol = max(
        float(((a - b) / (MC_SIGMAS * torch.sqrt(sa**2 + sb**2) + 1e-12)).max())
        for a, b, sa, sb in zip(means[:-1], means[1:], ses[:-1], ses[1:], strict=True)
    )
    return Check(
        "IWAE_k non-decreasing in k (MLP VAE)",
        max(viol, 0.0),
        1.0,
        f"k = {ks}; largest decrease in units of 5 SE: {viol:.2f}",
    )

_attach("vae.gradients_reach_encoder", gradients_reach_encoder)
_attach("vae.linear_reaches_ppca", lambda: linear_vae_reaches_ppca()[0])
_attach("vae.iwae_bounds", iwae_bounds_linear, iwae_monotone_mlp)
