"""``torch`` evidence for the ELBO claims: the linear model's gap is the KL to the posterior."""

from __future__ import annotations

import torch

from torch_impl.evidence._common import (
    Check,
    _attach,
    _gen,
)
from torch_impl.linear import LinearVae

# --------------------------------------------------------------------------- linear VAE / pPCA


def linear_gap_is_kl(trials: int = 20) -> Check:
    """log p(x) − ELBO = KL(q(z|x) ‖ p(z|x)) for random linear VAEs (float64)."""
    worst = 0.0
    for t in range(trials):
        g = _gen(100 + t)
        vae = LinearVae.random(6, 3, generator=g)
        x = torch.randn(50, 6, dtype=torch.float64, generator=g) * 2
        gap = vae.log_evidence(x) - vae.elbo(x)
        worst = max(worst, float((gap - vae.kl_to_posterior(x)).abs().max()))
    return Check(
        "linear VAE: log p(x) − ELBO = KL(q ‖ p(z|x))", worst, 1e-10, "float64, 20 random models × 50 points"
    )
_attach("elbo.evidence_decomposition", linear_gap_is_kl)
