"""``torch`` evidence for the reconstruction terms (Bernoulli BCE, Gaussian MSE)."""

from __future__ import annotations

import math

import torch
from torch.distributions import Bernoulli, Normal
from torch.nn import functional as F

from torch_impl.evidence._common import (
    Check,
    _attach,
    _gen,
)
from torch_impl.model import Vae, VaeConfig

# --------------------------------------------------------------------------- reconstruction


def bernoulli_reconstruction() -> Check:
    """binary_cross_entropy(reduction='sum') = −Σ log Bern(x; p), and the model's BCE-with-logits."""
    g = _gen(3)
    logits = torch.randn(64, 64, dtype=torch.float64, generator=g) * 3
    x = (torch.rand(64, 64, dtype=torch.float64, generator=g) < 0.5).double()
    bce = F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="sum")
    nll = -Bernoulli(logits=logits).log_prob(x).sum()
    model = Vae(VaeConfig(likelihood="bernoulli")).double()
    ours = -model.log_likelihood(x, logits).sum()
    err = max(float(abs(bce - nll) / nll), float(abs(ours - nll) / nll))
    return Check("BCE(sum) = −Σ log Bernoulli", err, 1e-12, "float64; sigmoid then log vs log-sigmoid")


def gaussian_reconstruction() -> Check:
    """The Gaussian decoder's loss = −log N(x; x̂, σ²I) = ‖x − x̂‖²/(2σ²) + (D/2) log 2πσ²."""
    g = _gen(4)
    cfg = VaeConfig(likelihood="gaussian", gaussian_var=0.3)
    model = Vae(cfg).double()
    x, xh = (
        torch.randn(32, 64, dtype=torch.float64, generator=g),
        torch.randn(32, 64, dtype=torch.float64, generator=g),
    )
    ours = -model.log_likelihood(x, xh)
    nll = -Normal(xh, math.sqrt(cfg.gaussian_var)).log_prob(x).sum(-1)
    mse = ((x - xh) ** 2).sum(-1) / (2 * cfg.gaussian_var) + 64 / 2 * math.log(2 * math.pi * cfg.gaussian_var)
    err = max(float(((ours - nll).abs() / nll.abs()).max()), float(((ours - mse).abs() / mse.abs()).max()))
    return Check("Gaussian loss = −log N = MSE/(2σ²) + (D/2) log 2πσ²", err, 1e-13, "float64 rounding")
_attach("likelihood.bernoulli_bce", bernoulli_reconstruction)
_attach("likelihood.gaussian_mse", gaussian_reconstruction)
