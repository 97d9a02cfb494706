"""REINFORCE for a VAE with a categorical latent (seed 001 §4.4; Williams 1992; Mnih & Gregor 2014).

The model: z ∈ {1…K} with a uniform prior, q_φ(z|x) = softmax(x W + c) (a linear encoder), and a
Bernoulli decoder p_θ(x|z) with one logit vector per state. The reparameterisation trick does
not apply to a discrete z, so the gradient of E_q[f(z)] (f(z) = log p_θ(x|z)) with respect to the
encoder is estimated by the score function: f(z) ∇ log q_φ(z|x), z ∼ q. Because K is small the
exact gradient is available by enumeration, Σ_z ∇q_φ(z|x) f(z) (autograd through the sum), and
the estimator is checked against it:

* **unbiased**: the mean of R independent estimates is within 5 standard errors of the exact
  gradient in every coordinate (fixed seed);
* **with a baseline** (leave-one-out: b_s = mean of f over the other samples of the same x,
  which does not depend on z_s, so the estimator stays unbiased): still within 5 standard errors,
  and its variance is measured against the plain estimator's;
* **training**: the VAE trained by REINFORCE (with and without the baseline) increases the exact
  ELBO (computed by enumeration), reported with the gradient variances.

Gradients are compared with respect to the encoder's logits (one K-vector per data point); the
gradient with respect to (W, c) is a fixed linear map of it (chain rule).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

ScoreFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def binary_digits(n: int = 64, seed: int = 0) -> torch.Tensor:
    """n images of scikit-learn's digits (8×8), binarised at half intensity, float64."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 1797:
        raise ValueError(f"n: expected an int in 1..1797 (the digits data set), got {n!r}")
    from sklearn.datasets import load_digits

    images = load_digits().data / 16.0
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randperm(images.shape[0], generator=gen)[:n]
    return (torch.as_tensor(images, dtype=torch.float64)[idx] > 0.5).to(torch.float64)


@dataclass
class CategoricalVae:
    """Linear softmax encoder and per-state Bernoulli decoder logits (K states, D pixels)."""

    enc_w: torch.Tensor
    enc_b: torch.Tensor
    dec_logits: torch.Tensor

    @classmethod
    def init(cls, D: int, K: int, seed: int = 0) -> CategoricalVae:
        """A model with K ≥ 2 states and D ≥ 1 pixels: small random encoder weights, zero biases, random
        decoder logits (float64, from ``seed``)."""
        if K < 2 or D < 1:
            raise ValueError(f"K/D: need K ≥ 2 states and D ≥ 1 pixels, got K={K}, D={D}")
        gen = torch.Generator().manual_seed(seed)
        return cls(
            0.1 * torch.randn(D, K, generator=gen, dtype=torch.float64),
            torch.zeros(K, dtype=torch.float64),
            0.5 * torch.randn(K, D, generator=gen, dtype=torch.float64),
        )

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Encoder logits x·W + b of q(z|x), shape (B, K)."""
        return x @ self.enc_w + self.enc_b

    def log_lik_all(self, x: torch.Tensor) -> torch.Tensor:
        """f[b, k] = log p_θ(x_b | z = k), shape (B, K)."""
        return -F.binary_cross_entropy_with_logits(
            self.dec_logits.unsqueeze(0).expand(x.shape[0], -1, -1),
            x.unsqueeze(1).expand(-1, self.dec_logits.shape[0], -1),
            reduction="none",
        ).sum(-1)

    def exact_elbo(self, x: torch.Tensor) -> torch.Tensor:
        """Σ_b E_q[log p(x_b|z) + log(1/K) − log q(z|x_b)], by enumeration over z."""
        logq = torch.log_softmax(self.logits(x), dim=-1)
        K = logq.shape[-1]
        return (logq.exp() * (self.log_lik_all(x) - math.log(K) - logq)).sum()


def exact_logit_gradient(logits: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """∇_logits Σ_b Σ_z q(z|x_b) f[b, z], by autograd through the enumerated expectation."""
    leaf = logits.detach().requires_grad_(True)
    value = (torch.softmax(leaf, dim=-1) * f).sum()
    (grad,) = torch.autograd.grad(value, leaf)
    return grad


def score_function_estimates(
    logits: torch.Tensor, f: torch.Tensor, *, samples: int, repeats: int, baseline: bool,
    seed: int = 0, score: ScoreFn | None = None,
) -> torch.Tensor:
    """``repeats`` independent REINFORCE estimates of ∇_logits Σ_b E_q[f], each averaging
    ``samples`` draws per data point; shape (repeats, B, K).

    The score ∇_logits log q(z_s|x_b) is taken by autograd of log_softmax (``score`` overrides it
    with a function of (logits, one-hot z), a hook for wrong variants). With ``baseline`` each
    sample's f is centred by the mean of f over the other samples of the same data point."""
    if samples < 2 and baseline:
        raise ValueError("samples: the leave-one-out baseline needs at least 2 samples")
    if samples < 1 or repeats < 2:
        raise ValueError(f"samples/repeats: need samples ≥ 1 and repeats ≥ 2, got {samples}, {repeats}")
    gen = torch.Generator().manual_seed(seed)
    B, K = logits.shape
    probs = torch.softmax(logits.detach(), dim=-1)
    z = torch.multinomial(probs.repeat(repeats * samples, 1), 1, replacement=True, generator=gen)
    z = z.view(repeats, samples, B)
    onehot = F.one_hot(z, K).to(logits.dtype)  # (R, S, B, K)
    fz = f.unsqueeze(0).unsqueeze(0).expand(repeats, samples, B, K).gather(-1, z.unsqueeze(-1)).squeeze(-1)
    if baseline:
        fz = fz - (fz.sum(1, keepdim=True) - fz) / (samples - 1)
    if score is None:
        leaf = logits.detach().requires_grad_(True)
        logq = torch.log_softmax(leaf, dim=-1)  # (B, K)
        # ∇_logits log q(z|x) for every z: row k of the Jacobian of log_softmax, by autograd.
        jac = torch.stack([torch.autograd.grad(logq[:, k].sum(), leaf, retain_graph=True)[0]
                           for k in range(K)], dim=1)  # (B, K_z, K_logit)
        s = torch.einsum("rsbz,bzk->rsbk", onehot, jac)
    else:
        s = score(logits.detach(), onehot)
    return (fz.unsqueeze(-1) * s).mean(1)


@dataclass(frozen=True)
class UnbiasednessCheck:
    """Result of :func:`check_unbiased`: largest |mean − exact|/SE over coordinates, the mean variance of
    the estimates, and the norm of the exact gradient."""
    max_z: float
    mean_variance: float
    exact_norm: float


def check_unbiased(estimates: torch.Tensor, exact: torch.Tensor) -> UnbiasednessCheck:
    """Largest |mean − exact| / SE over all coordinates (SE = std/√R), and the mean variance."""
    R = estimates.shape[0]
    mean, std = estimates.mean(0), estimates.std(0)
    se = std / math.sqrt(R)
    degenerate = se <= 0
    z = torch.where(degenerate, torch.where((mean - exact).abs() > 0, torch.inf, 0.0),
                    (mean - exact).abs() / torch.where(degenerate, 1.0, se))
    return UnbiasednessCheck(float(z.max()), float((std**2).mean()), float(exact.norm()))


@dataclass(frozen=True)
class TrainingResult:
    """The exact ELBO per data point before and after :func:`train_reinforce`."""
    elbo_start: float
    elbo_end: float


def train_reinforce(
    x: torch.Tensor, K: int, *, baseline: bool, steps: int = 150, samples: int = 8, lr: float = 0.05,
    seed: int = 0,
) -> TrainingResult:
    """Train the categorical VAE: encoder by REINFORCE (the surrogate Σ f(z_s)·log q(z_s)), decoder
    by the gradient of f at the sampled z, KL to the uniform prior exactly (it is a finite sum)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps: expected an int ≥ 1, got {steps!r}")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < (2 if baseline else 1):
        raise ValueError(f"samples: expected an int ≥ {2 if baseline else 1}, got {samples!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr: must be finite and positive, got {lr!r}")
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"x: expected a non-empty (N, D) batch, got shape {tuple(x.shape)}")
    model = CategoricalVae.init(x.shape[1], K, seed)
    params = [model.enc_w, model.enc_b, model.dec_logits]
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=lr)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        start = float(model.exact_elbo(x)) / x.shape[0]
    for _ in range(steps):
        logq = torch.log_softmax(model.logits(x), dim=-1)
        z = torch.multinomial(logq.exp().detach(), samples, replacement=True, generator=gen)  # (B, S)
        f_all = model.log_lik_all(x)  # (B, K)
        fz = f_all.gather(1, z)  # (B, S)
        centred = fz.detach()
        if baseline:
            centred = centred - (centred.sum(1, keepdim=True) - centred) / (samples - 1)
        surrogate = (centred * logq.gather(1, z)).mean(1).sum() + fz.mean(1).sum()
        q = logq.exp()
        kl = (q * (logq + math.log(K))).sum()
        loss = -(surrogate - kl)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        end = float(model.exact_elbo(x)) / x.shape[0]
    return TrainingResult(start, end)
