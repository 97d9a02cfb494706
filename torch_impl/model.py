"""A VAE whose loss terms are the verified closed forms (CS 446 HW8 / ECE 544 PS5 1–2;
Kingma & Welling 2014; Higgins et al. 2017 for β; seed 003 Problem 7 for the GM-VAE prior).

Loss per data point (negative ELBO, nats):
  reconstruction  −log p_θ(x|z), z = μ + σ·ε (one or M samples):
      Bernoulli: BCE with logits, summed over pixels (= −Σ log Bern, ``likelihood.bernoulli_bce``);
      Gaussian:  ‖x − x̂‖²/(2σ²) + (D/2) log(2πσ²)   (``likelihood.gaussian_mse``);
  β · KL(q(z|x) ‖ p(z)): the stable closed form (:mod:`torch_impl.kl`) for the N(0, I) prior; for
      the GM-VAE prior the three-term ELBO of seed 003 7.1 (``gm_vae.elbo_three_terms``).

Arguments are checked: every :class:`VaeConfig` field when it is built, and
every public method's tensors (shape (B, D) with B ≥ 1 and D from the config, a floating dtype equal
to the model's, finite) with ``ValueError`` naming the argument. The training hot path
(:meth:`Vae.loss`) only reads metadata, and looks at the data's values only after a non-finite loss.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from torch_impl._validate import (
    require_finite,
    require_float_tensor,
    require_int,
    require_same_kind,
    require_unit_interval,
)
from torch_impl.kl import kl_standard_normal, kl_standard_normal_total_unchecked


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, samples: int | None = None) -> torch.Tensor:
    """z = μ + σ·ε, ε ∼ N(0, I), σ = exp(ℓ/2) (CS 446 HW8 1(g)); ``samples`` (an int ≥ 1) adds a
    leading axis; None or 0 draws one sample without it."""
    for t, name in ((mu, "mu"), (logvar, "logvar")):
        require_float_tensor(t, name)
    require_same_kind((mu, logvar), ("mu", "logvar"))
    if samples is not None:
        require_int(samples, "samples", minimum=0)
    z = _reparameterize(mu, logvar, samples)
    if not math.isfinite(z.detach().sum().item()):  # NaN/inf in μ or ℓ reach z: name which
        require_finite(mu, "mu")
        require_finite(logvar, "logvar")
    return z


def _reparameterize(mu: torch.Tensor, logvar: torch.Tensor, samples: int | None = None) -> torch.Tensor:
    std = torch.exp(0.5 * logvar)
    if samples:
        eps = torch.randn((samples, *mu.shape), dtype=mu.dtype, device=mu.device)
        return mu + std * eps
    return torch.addcmul(mu, std, torch.randn_like(mu))


class BatchTotals(NamedTuple):
    """Batch totals (nats) of the loss's terms: −Σ E_q log p(x|z) (estimate) and Σ KL(q ‖ p)."""

    negative_log_likelihood: torch.Tensor
    kl: torch.Tensor

    @property
    def elbo(self) -> float:
        """Σ_batch ELBO estimate (without β)."""
        return -float((self.negative_log_likelihood + self.kl).detach())


@dataclass(frozen=True)
class VaeConfig:
    """Architecture and loss settings of :class:`Vae`: sizes, likelihood (``bernoulli`` or ``gaussian``
    with variance ``gaussian_var``), KL weight β, prior (``normal`` or ``gmm`` with ``components``).
    Checked when built (``ValueError``)."""
    data_dim: int = 64
    latent_dim: int = 8
    hidden: int = 256
    likelihood: str = "bernoulli"  # or "gaussian"
    gaussian_var: float = 0.05  # decoder variance σ² for the Gaussian likelihood
    beta: float = 1.0
    prior: str = "normal"  # or "gmm"
    components: int = 10

    def __post_init__(self) -> None:
        if self.likelihood not in ("bernoulli", "gaussian"):
            raise ValueError(f"likelihood: expected 'bernoulli' or 'gaussian', got {self.likelihood!r}")
        if self.prior not in ("normal", "gmm"):
            raise ValueError(f"prior: expected 'normal' or 'gmm', got {self.prior!r}")
        for name in ("data_dim", "latent_dim", "hidden", "components"):
            require_int(getattr(self, name), name, minimum=1)
        for name in ("gaussian_var", "beta"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{name}: expected a real number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name}: must be finite, got {value}")
        if not self.gaussian_var > 0:
            raise ValueError(f"gaussian_var: must be positive, got {self.gaussian_var}")
        if not self.beta >= 0:
            raise ValueError(f"beta: must be ≥ 0, got {self.beta}")


class Vae(nn.Module):
    """The VAE of this project: MLP encoder (μ, log σ²) and decoder, with the loss built from the verified
    closed forms (see the module docstring); also the IWAE bound for evaluation."""
    def __init__(self, config: VaeConfig) -> None:
        super().__init__()
        c = self.config = config
        self.encoder = nn.Sequential(
            nn.Linear(c.data_dim, c.hidden),
            nn.ReLU(),
            nn.Linear(c.hidden, c.hidden),
            nn.ReLU(),
            nn.Linear(c.hidden, 2 * c.latent_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(c.latent_dim, c.hidden),
            nn.ReLU(),
            nn.Linear(c.hidden, c.hidden),
            nn.ReLU(),
            nn.Linear(c.hidden, c.data_dim),
        )
        if c.prior == "gmm":
            # GM-VAE prior: π uniform (seed 003, 7), learnable means and log-variances
            self.prior_means = nn.Parameter(torch.randn(c.components, c.latent_dim))
            self.prior_logvars = nn.Parameter(torch.zeros(c.components, c.latent_dim))

    # ------------------------------------------------------------------ argument checks

    def _check(self, t: object, name: str, width: int, *, batch: bool = True, finite: bool = True) -> None:
        """``t``: a tensor of the model's dtype and device with last axis ``width``; with ``batch``
        exactly (B, width), B ≥ 1; with ``finite`` no NaN/inf (a reduction: not on the hot path)."""
        x = require_float_tensor(t, name)
        p = self.encoder[0].weight
        if x.dtype != p.dtype:
            raise ValueError(f"{name}: dtype {x.dtype} differs from the model's {p.dtype}")
        if x.device != p.device:
            raise ValueError(f"{name}: on {x.device}, the model is on {p.device}")
        if x.dim() == 0 or x.shape[-1] != width or (batch and x.dim() != 2):
            want = f"(B, {width})" if batch else f"(..., {width})"
            raise ValueError(f"{name}: expected shape {want}, got {tuple(x.shape)}")
        if batch and x.shape[0] == 0:
            raise ValueError(f"{name}: empty batch (shape {tuple(x.shape)}); the mean over it is undefined")
        if finite:
            require_finite(x, name)

    def _check_data(self, x: object) -> None:
        """``x`` as :meth:`_check` requires, finite, and in [0, 1] under a Bernoulli likelihood (two
        reductions: for the methods outside the training hot path)."""
        self._check(x, "x", self.config.data_dim)
        if self.config.likelihood == "bernoulli":
            require_unit_interval(x, "x")  # type: ignore[arg-type]

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """μ and ℓ = log σ² of q(z|x), each (B, latent_dim), for data ``x`` of shape (B, data_dim)."""
        self._check(x, "x", self.config.data_dim)
        mu, logvar = self._encode(x)
        self._require_finite_output("x", x, "encoder", mu, logvar)
        return mu, logvar

    def _encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits or Gaussian means for latents ``z`` of shape (..., latent_dim)."""
        self._check(z, "z", self.config.latent_dim, batch=False)
        out = self.decoder(z)
        self._require_finite_output("z", z, "decoder", out)
        return out

    def _require_finite_output(self, name: str, t: torch.Tensor, net: str, *outputs: torch.Tensor) -> None:
        """After a network's forward (not on the training hot path): a non-finite output of finite
        input ``t`` is blamed on the weights if they are non-finite, else on the scale of ``t``."""
        if all(math.isfinite(o.detach().sum().item()) for o in outputs):
            return
        for p_name, p in self.named_parameters():
            require_finite(p.detach(), f"model parameter {p_name}")
        top = float(t.detach().abs().max())
        raise ValueError(f"{name}: finite values as large as {top:.3g} make the {net}'s output non-finite "
                         f"in {t.dtype}; rescale them")

    # ------------------------------------------------------------------ log-likelihood terms

    def log_likelihood(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """log p_θ(x|z) summed over pixels (broadcast over leading sample axes): ``x`` (B, D) data,
        ``out`` (..., B, D) decoder outputs."""
        self._check_data(x)
        self._check(out, "out", self.config.data_dim, batch=False)
        if out.shape[-2:] != x.shape:
            raise ValueError(f"x, out: shapes {tuple(x.shape)} and {tuple(out.shape)} do not broadcast")
        return self._log_likelihood(x, out)

    def _log_likelihood(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        if self.config.likelihood == "bernoulli":
            xb = x if x.shape == out.shape else x.expand_as(out)
            return -F.binary_cross_entropy_with_logits(out, xb, reduction="none").sum(-1)
        var = self.config.gaussian_var
        d = x.shape[-1]
        return -((x - out) ** 2).sum(-1) / (2 * var) - d / 2 * math.log(2 * math.pi * var)

    def log_prior(self, z: torch.Tensor) -> torch.Tensor:
        """log p(z) for latents ``z`` of shape (..., latent_dim)."""
        self._check(z, "z", self.config.latent_dim, batch=False)
        return self._log_prior(z)

    def _log_prior(self, z: torch.Tensor) -> torch.Tensor:
        if self.config.prior == "normal":
            return (-0.5 * z * z - 0.5 * math.log(2 * math.pi)).sum(-1)
        return torch.logsumexp(self._log_prior_components(z), dim=-1) - math.log(self.config.components)

    def log_prior_components(self, w: torch.Tensor) -> torch.Tensor:
        """log N(w; μ_k, diag σ_k²) for every component k of the GM-VAE prior: shape (..., K)."""
        if self.config.prior != "gmm":
            raise ValueError("prior: log_prior_components needs the GM-VAE prior (prior='gmm')")
        self._check(w, "w", self.config.latent_dim, batch=False)
        return self._log_prior_components(w)

    def _log_prior_components(self, w: torch.Tensor) -> torch.Tensor:
        m, lv = self.prior_means, self.prior_logvars
        diff = w.unsqueeze(-2) - m
        return (-0.5 * (diff * diff * torch.exp(-lv) + lv + math.log(2 * math.pi))).sum(-1)

    # ------------------------------------------------------------------ ELBO

    def elbo_terms(self, x: torch.Tensor, samples: int = 1) -> dict[str, torch.Tensor]:
        """Per-data-point terms, each of shape (B,): reconstruction E_q[log p(x|z)] (average over
        ``samples`` draws; 0 and 1 both mean one draw) and the KL / prior terms, with their sum
        ``elbo`` (β applied in :meth:`loss`, not here)."""
        self._check_data(x)
        require_int(samples, "samples", minimum=0)
        terms = self._elbo_terms(x, samples)
        if not math.isfinite(terms["elbo"].detach().sum().item()):
            self._blame_data(x, samples)
        return terms

    def _elbo_terms(self, x: torch.Tensor, samples: int) -> dict[str, torch.Tensor]:
        mu, logvar = self._encode(x)
        if self.config.prior == "normal":
            z = _reparameterize(mu, logvar, samples if samples > 1 else None)
            rec = self._log_likelihood(x, self.decoder(z))
            rec = rec.mean(0) if z.dim() > mu.dim() else rec
            kl = kl_standard_normal(mu, logvar).sum(-1)
            return {"reconstruction": rec, "kl": kl, "elbo": rec - kl}
        # GM-VAE, seed 003 7.1 with q(z|w, x) = p(z|w) (the optimal categorical posterior given w).
        # Always with the sample axis M (≥ 1): every term is averaged over M, never over the batch
        z = _reparameterize(mu, logvar, max(samples, 1))  # (M, B, L)
        rec = self._log_likelihood(x, self.decoder(z)).mean(0)
        lpc = self._log_prior_components(z)  # (M, B, K)
        log_pi = -math.log(self.config.components)
        log_r = torch.log_softmax(lpc, dim=-1)
        r = log_r.exp()
        kl_z = (r * (log_r - log_pi)).sum(-1).mean(0)
        log_q_w = (-0.5 * ((z - mu) ** 2 * torch.exp(-logvar) + logvar + math.log(2 * math.pi))).sum(-1)
        conditional = ((r * lpc).sum(-1) - log_q_w).mean(0)
        return {
            "reconstruction": rec,
            "kl_categorical": kl_z,
            "conditional": conditional,
            "kl": kl_z - conditional,
            "elbo": rec - kl_z + conditional,
        }

    def negative_log_likelihood_total(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """−Σ_batch log p_θ(x|z) for one sample per data point, as one reduction (the hot path):
        ``x`` and ``out`` of shape (B, D)."""
        self._check_data(x)
        self._check(out, "out", self.config.data_dim)
        if out.shape != x.shape:
            raise ValueError(f"x, out: shape mismatch {tuple(x.shape)} vs {tuple(out.shape)}")
        return self._negative_log_likelihood_total(x, out)

    def _negative_log_likelihood_total(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        if self.config.likelihood == "bernoulli":
            return F.binary_cross_entropy_with_logits(out, x, reduction="sum")
        var = self.config.gaussian_var
        return F.mse_loss(out, x, reduction="sum") / (2 * var) + x.numel() / 2 * math.log(2 * math.pi * var)

    def loss(self, x: torch.Tensor, samples: int = 1) -> tuple[torch.Tensor, BatchTotals]:
        """Mean over the batch of −(reconstruction − β·KL), and the batch totals of its terms.

        For the N(0, I) prior with one sample (training) the terms are computed as batch totals
        directly (one BCE/MSE reduction, one fused KL node): the same numbers as
        :meth:`elbo_terms` (``tests/torch_impl`` checks it), without its per-point bookkeeping.

        ``x``: (B, data_dim), B ≥ 1 (an empty batch has no mean: ``ValueError``). Only metadata is
        checked up front; under a Bernoulli likelihood whether ``x`` leaves [0, 1] is read together
        with the loss (one host read); the values are examined only when either says so or the
        loss comes out non-finite (NaN/inf data, data outside [0, 1] under a Bernoulli likelihood,
        or data so large that the encoder overflows with finite weights → ``ValueError`` naming
        ``x``; a non-finite loss that
        the data do not explain — diverged weights — is returned as is for the caller to handle,
        as the training loop does)."""
        self._check(x, "x", self.config.data_dim, finite=False)
        require_int(samples, "samples", minimum=0)
        loss, nll, kl = self._loss_terms(x, samples)
        if self.config.likelihood == "bernoulli":
            # the data's range is read with the loss, in one host read (the training loop reads the
            # loss anyway): BCE of data outside [0, 1] is finite but no likelihood. One aminmax
            # (≈ 5 µs at 128 × 64 on one CPU thread, < 1 % of the loss)
            lo, hi = torch.aminmax(x.detach())
            value, low, high = torch.stack([loss.detach(), lo.to(loss.dtype), hi.to(loss.dtype)]).tolist()
            outside = low < 0 or high > 1
        else:
            value, outside = loss.item(), False
        if outside or not math.isfinite(value):
            self._blame_data(x, samples)
        return loss, BatchTotals(nll, kl)

    def _loss_terms(self, x: torch.Tensor, samples: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, Σ −log p(x|z), Σ KL) of :meth:`loss`, unchecked."""
        if samples <= 1 and self.config.prior == "normal":
            mu, logvar = self._encode(x)
            nll = self._negative_log_likelihood_total(x, self.decoder(_reparameterize(mu, logvar)))
            kl = kl_standard_normal_total_unchecked(mu, logvar)
        else:
            t = self._elbo_terms(x, samples)
            nll, kl = -t["reconstruction"].sum(), t["kl"].sum()
        beta = self.config.beta
        return (nll + (kl if beta == 1 else beta * kl)) / len(x), nll, kl

    def _blame_data(self, x: torch.Tensor, samples: int) -> None:
        """After a non-finite loss: ``ValueError`` naming ``x`` if the data are at fault — NaN/inf,
        values outside [0, 1] under a Bernoulli likelihood, or finite values whose scale alone
        makes the loss non-finite (the same batch scaled to max |x| = 1 gives a finite loss).
        Otherwise (the weights diverged) return, and the caller handles the non-finite loss."""
        require_finite(x, "x")
        if self.config.likelihood == "bernoulli" and bool(((x < 0) | (x > 1)).any()):
            raise ValueError(
                f"x: a Bernoulli likelihood needs data in [0, 1], got values from "
                f"{float(x.min()):.3g} to {float(x.max()):.3g}"
            )
        top = float(x.abs().max())
        if top > 1:
            with torch.no_grad():
                scaled = self._loss_terms(x / top, samples)[0]
            if math.isfinite(scaled.item()):
                raise ValueError(
                    f"x: finite data as large as {top:.3g} make the loss non-finite in {x.dtype} "
                    "(the same batch scaled to max |x| = 1 does not); rescale the data"
                )

    @torch.no_grad()
    def iwae(self, x: torch.Tensor, k: int, chunk: int = 500) -> torch.Tensor:
        """IWAE_k = log (1/k) Σ_i p(x, z_i)/q(z_i|x), z_i ∼ q (Burda et al. 2016), per data point;
        ``k`` ≥ 1 samples drawn ``chunk`` (≥ 1) at a time."""
        self._check_data(x)
        require_int(k, "k", minimum=1)
        require_int(chunk, "chunk", minimum=1)
        mu, logvar = self._encode(x)
        logws = []
        done = 0
        while done < k:
            m = min(chunk, k - done)
            z = _reparameterize(mu, logvar, m)
            log_q = (-0.5 * ((z - mu) ** 2 * torch.exp(-logvar) + logvar + math.log(2 * math.pi))).sum(-1)
            logws.append(self._log_likelihood(x, self.decoder(z)) + self._log_prior(z) - log_q)
            done += m
        logw = torch.cat(logws, 0)
        bound = torch.logsumexp(logw, 0) - math.log(k)
        if not math.isfinite(bound.sum().item()):
            self._blame_data(x, 1)
        return bound

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` (≥ 1) draws x̂ = decoder mean (Bernoulli: probabilities) of z ∼ p(z)."""
        require_int(n, "n", minimum=1)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise ValueError(f"generator: expected a torch.Generator or None, got {type(generator).__name__}")
        p = next(self.parameters())
        if self.config.prior == "normal":
            z = torch.randn(n, self.config.latent_dim, dtype=p.dtype, device=p.device, generator=generator)
        else:
            k = torch.randint(self.config.components, (n,), device=p.device, generator=generator)
            eps = torch.randn(n, self.config.latent_dim, dtype=p.dtype, device=p.device, generator=generator)
            z = self.prior_means[k] + torch.exp(0.5 * self.prior_logvars[k]) * eps
        out = self.decoder(z)
        return torch.sigmoid(out) if self.config.likelihood == "bernoulli" else out
