"""A GM-VAE with the learned categorical posterior q_φ(z|w,x) of seed 003, Problem 7.2.

Seed 003, Problem 7 defines p(x, w, z) = p(z) p_{μ,σ}(w|z) p_θ(x|w) (z uniform over K components,
w|z ∼ N(μ_z, σ_z² I)) and the variational model q_{ψ,φ}(w, z|x) = q_ψ(w|x) q_φ(z|w,x). Its
three-term ELBO (Problem 7.1, proved in :mod:`derivations.gm_vae`) is

    E_{q_ψ(w|x)}[log p_θ(x|w)] + E_{q_ψ(w|x)} Σ_z q_φ(z|w,x) log p(w|z) − E[log q_ψ(w|x)]
    − E_{q_ψ(w|x)} KL(q_φ(z|w,x) ‖ p(z)).

:class:`LearnedPosteriorGmVae` adds the network q_φ(z|w,x) = softmax(MLP([w, x])) to the project's
GM-VAE (whose q(z|w,x) is the exact posterior p(z|w)) and trains everything with this ELBO
(Problem 7.2's training procedure). Two checks:

* **the gap is the posterior KL** (an identity): on the same w samples, the ELBO with the exact
  posterior minus the ELBO with q_φ equals E_w KL(q_φ(z|w,x) ‖ p(z|w)) to float64 rounding, so
  maximising the ELBO over φ drives q_φ towards p(z|w);
* **training**: that KL, measured on held-out digits, shrinks during training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from torch_impl.model import Vae, VaeConfig, reparameterize


class LearnedPosteriorGmVae(nn.Module):
    """The project's GM-VAE (encoder q_ψ(w|x), decoder p_θ(x|w), prior means/variances) plus a
    learned q_φ(z|w,x)."""

    def __init__(self, config: VaeConfig) -> None:
        super().__init__()
        if config.prior != "gmm":
            raise ValueError(f"config: prior must be 'gmm' for a GM-VAE, got {config.prior!r}")
        self.vae = Vae(config)
        self.categorical = nn.Sequential(
            nn.Linear(config.latent_dim + config.data_dim, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, config.components),
        )

    def log_q_z(self, w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """log q_φ(z|w,x) for every z: shape (..., K)."""
        xb = x.expand(*w.shape[:-1], x.shape[-1])
        return torch.log_softmax(self.categorical(torch.cat([w, xb], dim=-1)), dim=-1)

    def elbo(self, x: torch.Tensor, w: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
             log_q_z: torch.Tensor, *, categorical_entropy: bool = True) -> torch.Tensor:
        """The three-term ELBO per data point at samples w (shape (S, B, d)) and a categorical
        posterior log_q_z (shape (S, B, K)); the sum over z is exact.
        ``categorical_entropy=False`` drops −Σ q log q from the KL term (a wrong variant)."""
        v = self.vae
        K = v.config.components
        rec = v.log_likelihood(x, v.decode(w))  # log p(x|w)
        log_qw = (-0.5 * ((w - mu) ** 2 * torch.exp(-logvar) + logvar + math.log(2 * math.pi))).sum(-1)
        q = log_q_z.exp()
        cross = (q * v.log_prior_components(w)).sum(-1)  # Σ_z q log p(w|z)
        kl_z = (q * ((log_q_z if categorical_entropy else 0.0) + math.log(K))).sum(-1)  # KL(q ‖ p(z))
        return (rec + cross - log_qw - kl_z).mean(0)

    def exact_log_posterior(self, w: torch.Tensor) -> torch.Tensor:
        """log p(z|w) = log N(w; μ_z, σ_z²) − logsumexp_k (uniform p(z))."""
        return torch.log_softmax(self.vae.log_prior_components(w), dim=-1)

    def posterior_kl(self, x: torch.Tensor, samples: int = 8) -> torch.Tensor:
        """E_{q_ψ(w|x)} KL(q_φ(z|w,x) ‖ p(z|w)), averaged over the batch."""
        mu, logvar = self.vae.encode(x)
        w = reparameterize(mu, logvar, samples)
        lq, lp = self.log_q_z(w, x), self.exact_log_posterior(w)
        return (lq.exp() * (lq - lp)).sum(-1).mean()


@dataclass(frozen=True)
class GapCheck:
    """Result of :func:`gap_equals_posterior_kl`: the worst relative error between the ELBO gap and E_w
    KL(q_φ ‖ p(z|w)), and the mean gap."""
    worst_relative_error: float
    mean_gap: float


def gap_equals_posterior_kl(model: LearnedPosteriorGmVae, x: torch.Tensor, samples: int = 4,
                            seed: int = 0, *, categorical_entropy: bool = True) -> GapCheck:
    """ELBO(exact p(z|w)) − ELBO(q_φ) vs E_w KL(q_φ ‖ p(z|w)) on the same w (float64)."""
    torch.manual_seed(seed)
    mu, logvar = model.vae.encode(x)
    w = reparameterize(mu, logvar, samples)
    lq, lp = model.log_q_z(w, x), model.exact_log_posterior(w)
    kw = {"categorical_entropy": categorical_entropy}
    gap = model.elbo(x, w, mu, logvar, lp, **kw) - model.elbo(x, w, mu, logvar, lq, **kw)
    kl = (lq.exp() * (lq - lp)).sum(-1).mean(0)
    err = ((gap - kl).abs() / kl.abs().clamp_min(1e-300)).max()
    return GapCheck(float(err.detach()), float(gap.mean().detach()))


@dataclass(frozen=True)
class TrainingTrace:
    """E_w KL(q_φ ‖ p(z|w)) and the ELBO on the test data before and after :func:`train_learned_posterior`."""
    kl_start: float
    kl_end: float
    elbo_start: float
    elbo_end: float


def train_learned_posterior(
    x_train: torch.Tensor, x_test: torch.Tensor, *, epochs: int = 40, components: int = 5,
    latent_dim: int = 4, seed: int = 0, lr: float = 3e-3, batch: int = 128,
) -> TrainingTrace:
    """Train encoder, decoder, prior and q_φ(z|w,x) jointly with the three-term ELBO (one w
    sample per point); report E_w KL(q_φ ‖ p(z|w)) and the ELBO on ``x_test`` before and after."""
    for name, value in (("epochs", epochs), ("components", components), ("latent_dim", latent_dim),
                        ("batch", batch)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: expected an int ≥ 1, got {value!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr: must be finite and positive, got {lr!r}")
    for name, t in (("x_train", x_train), ("x_test", x_test)):
        if t.ndim != 2 or t.shape[0] < 1:
            raise ValueError(f"{name}: expected a non-empty (N, D) batch, got shape {tuple(t.shape)}")
    if x_train.shape[1] != x_test.shape[1]:
        raise ValueError("x_train, x_test: the data dimensions differ")
    torch.manual_seed(seed)
    config = VaeConfig(data_dim=x_train.shape[1], latent_dim=latent_dim, hidden=64,
                       prior="gmm", components=components)
    model = LearnedPosteriorGmVae(config).to(x_train.dtype)
    opt = torch.optim.Adam(model.parameters(), lr=lr)

    def evaluate() -> tuple[float, float]:
        with torch.no_grad():
            torch.manual_seed(seed + 1)
            mu, logvar = model.vae.encode(x_test)
            w = reparameterize(mu, logvar, 8)
            elbo = model.elbo(x_test, w, mu, logvar, model.log_q_z(w, x_test)).mean()
            return float(model.posterior_kl(x_test)), float(elbo)

    kl0, elbo0 = evaluate()
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(x_train.shape[0], generator=gen).split(batch):
            xb = x_train[idx]
            mu, logvar = model.vae.encode(xb)
            w = reparameterize(mu, logvar, 1)
            loss = -model.elbo(xb, w, mu, logvar, model.log_q_z(w, xb)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    kl1, elbo1 = evaluate()
    return TrainingTrace(kl0, kl1, elbo0, elbo1)
