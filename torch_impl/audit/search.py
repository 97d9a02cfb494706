"""When a loss is not affine in the verified terms: which standard convention would make it exact?

The KL term and the sampler are searched separately. The sampler's convention is known (declared,
or identified from the recorded z and ε by :func:`~torch_impl.audit.conventions.identify_sampler`).
For the KL term, every family f with an unknown noise scale k is tried at once: for σ = k·f(s),

    Σ KL = ½[k²·A − L + M] + const,   A = Σ f(s)²,  L = Σ log f(s)²,  M = Σ μ²,

so the loss is fitted as w·R + α·A + γ·L + η·M + c (R: the reconstruction column of a likelihood
variant) and accepted when the fit is exact in every configuration and α/η = k² > 0 is the same
everywhere. Against a prior N(0, v·I) the KL is ½[(k²A + M)/v − L] + const, so −γ/η = v (the
prior's variance, the same everywhere; v = 1 for N(0, I)); then β_eff = −2γ/w (Gaussian:
−2γ/(2σ²w) with w on ‖x − x̂‖²)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from torch_impl.audit.conventions import Convention, all_families, nice_number
from torch_impl.audit.fit import affine_fit
from torch_impl.audit.model_spec import ModelSpec
from torch_impl.audit.reference import LikelihoodVariant, nll_per_example, squared_error_per_example
from torch_impl.audit.replay import Replay

CLIPS = (1e-7, 1e-8, 1e-6, 1e-5, 1e-10, 1e-12)


@dataclass(frozen=True)
class Candidate:
    """An explanation of a loss that fits every configuration: a likelihood variant, the KL convention
    (family and noise scale), and per configuration the effective β and the scale a of the loss."""
    variant: LikelihoodVariant
    kl: Convention
    beta_eff: tuple[float, ...]
    a: tuple[float, ...]
    prior_var: float = 1.0


def likelihood_variants(spec: ModelSpec) -> list[LikelihoodVariant]:
    """The declared likelihood first, then the deviations the search can name."""
    out = [LikelihoodVariant(spec.likelihood)]
    if spec.likelihood == "bernoulli":
        out += [LikelihoodVariant("bernoulli", clip=c) for c in CLIPS]
        out.append(LikelihoodVariant("bernoulli", double_sigmoid=True))
    if spec.likelihood == "gaussian_learned":
        out += [LikelihoodVariant("gaussian_learned", logvar_scale=k) for k in (2.0, 0.5)]
    if spec.likelihood.startswith("continuous_bernoulli"):
        out.append(LikelihoodVariant(spec.likelihood, drop_normaliser=True))
    return out


def reconstruction_column(spec: ModelSpec, variant: LikelihoodVariant, r: Replay) -> float:
    """Σ_i −log p(x_i|z_i) (‖x − x̂‖² for the fixed-σ² Gaussian), averaged over leading sample axes."""
    assert r.recon is not None
    recon = r.recon.detach().double()
    x = r.x.double()
    extra = recon.dim() - x.dim()
    if spec.gaussian_fixed:
        per = squared_error_per_example(x, recon, batch_dims=1 + extra)
    else:
        lv = r.recon_logvar.detach().double() if r.recon_logvar is not None else None
        per = nll_per_example(variant, x, recon, sigma2=spec.sigma2, out_logvar=lv, batch_dims=1 + extra)
    for _ in range(extra):
        per = per.mean(0)
    return float(per.sum())


def _kl_columns(family: str, r: Replay) -> tuple[float, float, float]:
    assert r.s is not None and r.mu is not None
    s, mu = r.s.detach().double(), r.mu.detach().double()
    lf = Convention(family).log_f2(s)
    return float(torch.exp(lf).sum()), float(lf.sum()), float((mu * mu).sum())


def search(spec: ModelSpec, replays: list[list[Replay]], values: list[np.ndarray], tol: float,
           sigma2_for_beta: float | None, coef_rel: float = 1e-6) -> list[Candidate]:
    """Every (likelihood variant, KL convention) that makes the loss exact in all configurations."""
    positive = all(bool((r.s > 0).all()) for rs in replays for r in rs if r.s is not None)
    found: list[Candidate] = []
    for variant in likelihood_variants(spec):
        recon_cols = [np.array([reconstruction_column(spec, variant, r) for r in rs]) for rs in replays]
        for family in all_families(positive):
            ks, betas, scales, priors = [], [], [], []
            ok = True
            for rs, y, rc in zip(replays, values, recon_cols, strict=True):
                kl_cols = np.array([_kl_columns(family, r) for r in rs])
                cols = np.column_stack([rc, kl_cols])
                if len(y) <= cols.shape[1] + 1 or not np.all(np.isfinite(y)):
                    ok = False
                    break
                fit = affine_fit(cols, y)
                w, alpha, gamma, eta = (float(v) for v in fit.coef)
                if fit.relative_residual > tol or eta == 0 or gamma == 0 or -gamma / eta <= 0 \
                        or alpha / eta <= 0 or w == 0:
                    ok = False
                    break
                ks.append(math.sqrt(alpha / eta))
                priors.append(-gamma / eta)
                a = w * 2 * sigma2_for_beta if sigma2_for_beta else w
                betas.append(-2 * gamma / a)
                scales.append(a)
            if not ok or not ks or max(ks) - min(ks) > coef_rel * max(ks) \
                    or max(priors) - min(priors) > coef_rel * max(priors):
                continue
            k = nice_number(float(np.mean(ks)), coef_rel)
            v = nice_number(float(np.mean(priors)), coef_rel)
            found.append(Candidate(variant, Convention(family, k), tuple(betas), tuple(scales), v))
    found.sort(key=lambda c: (not c.variant.declared, c.prior_var != spec.prior_var, c.kl.scale != 1.0))
    return found
