"""When a loss is not affine in the ELBO's terms and no named convention or likelihood deviation
explains it: which terms agree, and what the other one is.

Works from the loss's gradient with respect to the auditor's inputs (tensors mode; the decoder
output alone in the other modes), on the ordinary draws:

* reconstruction: ∂loss/∂x̂ against ∂R/∂x̂ (R = Σ −log p(x|z), or ‖x − x̂‖² for a fixed-σ²
  Gaussian). Proportional with one constant → the term agrees. Proportional with a coefficient
  that changes between draws as 1/R → the Gaussian variance is set to the batch's own mean squared
  error (the optimal-σ decoder, Rybkin et al. 2021, "σ-VAE").
* KL: ∂loss/∂(μ, s) against ∇KL. One constant → agrees. Proportional per draw with a coefficient
  ±γ → the KL enters as γ·|KL − C| (the capacity objective, Burgess et al. 2018, AntixK
  PyTorch-VAE ``beta_vae.py``); C is read off the values. Per latent coordinate, coefficient 0 on
  some and γ on the others → free bits (Kingma et al. 2016): coordinates below a threshold λ send
  no gradient."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torch_impl.audit.conventions import Convention
from torch_impl.audit.model_spec import ModelSpec
from torch_impl.audit.reference import kl_standard_normal
from torch_impl.audit.replay import Replay

_EPS = 1e-300


def _grads(y: torch.Tensor, ts: list[torch.Tensor]) -> list[torch.Tensor] | None:
    if not y.requires_grad or not all(t.requires_grad for t in ts):
        return None
    gs = torch.autograd.grad(y, ts, retain_graph=True, allow_unused=True)
    return [(g if g is not None else torch.zeros_like(t)).double() for g, t in zip(gs, ts, strict=True)]


def _proportional(g: torch.Tensor, q: torch.Tensor) -> tuple[float, float]:
    """(α, relative residual) of g ≈ α·q."""
    qq = float((q * q).sum())
    alpha = float((g * q).sum()) / qq if qq > 0 else 0.0
    size = float(g.norm())
    return alpha, (float((g - alpha * q).norm()) / size if size > 0 else 0.0)


def recon_term(spec: ModelSpec, rs: list[Replay], draws: int, tol: float) -> tuple[str, list[float]] | None:
    """('agrees' | 'optimal_sigma' | 'differs', the per-draw coefficients) for one configuration."""
    from torch_impl.audit.gradient import _torch_recon_column

    alphas: list[float] = []
    rvals: list[float] = []
    for r in rs[:draws]:
        if r.value is None or r.recon is None or not r.recon.requires_grad:
            return None
        with torch.enable_grad():
            g = _grads(r.value, [r.recon])
            if g is None:
                return None
            col = _torch_recon_column(spec, r, r.recon)
            q = _grads(col, [r.recon])
        assert q is not None
        a, res = _proportional(g[0], q[0])
        if res > tol:
            return "differs", alphas
        alphas.append(a)
        rvals.append(float(col.detach()))
    arr = np.array(alphas)
    if np.all(np.abs(arr - arr[0]) <= 1e-6 * max(abs(arr[0]), _EPS)):
        return "agrees", alphas
    prod = arr * np.array(rvals)
    if spec.gaussian_fixed and np.all(np.abs(prod - prod[0]) <= 1e-6 * abs(prod[0])):
        return "optimal_sigma", alphas
    return "differs", alphas


def kl_term(spec: ModelSpec, rs: list[Replay], draws: int, sampler: Convention, values: np.ndarray,
            recon_coef: float | None, recon_cols: np.ndarray, kl_cols: np.ndarray,
            tol: float) -> dict[str, Any] | None:
    """How the KL enters one configuration's loss (tensors mode): ``agrees`` (γ), ``capacity``
    (γ, C), ``free_bits`` (γ, threshold range) or ``differs``."""
    kappas = []
    per_coord: list[tuple[np.ndarray, np.ndarray]] = []
    whole_ok = True
    for r in rs[:draws]:
        if r.value is None or r.mu is None or r.s is None or not (r.mu.requires_grad and r.s.requires_grad):
            return None
        with torch.enable_grad():
            g = _grads(r.value, [r.mu, r.s])
            mu, s = r.mu, r.s
            lv = sampler.log_var(s.double())
            v = spec.prior_var
            kl_elem = kl_standard_normal(mu.double() / v**0.5, lv - float(np.log(v)))
            q = _grads(kl_elem.sum(), [mu, s])
        if g is None or q is None:
            return None
        gv = torch.cat([g[0].reshape(-1), g[1].reshape(-1)])
        qv = torch.cat([q[0].reshape(-1), q[1].reshape(-1)])
        k, res = _proportional(gv, qv)
        kappas.append(k)
        whole_ok = whole_ok and res <= tol
        # per coordinate: g = κ_ij·q on the pair (∂/∂μ_ij, ∂/∂s_ij)
        num = g[0] * q[0] + g[1] * q[1]
        den = (q[0] * q[0] + q[1] * q[1]).clamp_min(_EPS)
        coef = (num / den).detach().reshape(kl_elem.shape[0], -1).numpy()
        kle = kl_elem.detach().reshape(kl_elem.shape[0], -1).numpy()
        top_c = float(np.max(np.abs(coef))) if coef.size else 0.0
        zero_c = np.abs(coef) <= 1e-6 * max(top_c, _EPS)
        if bool(np.all(zero_c.all(0) | (~zero_c).all(0))):  # a whole latent dimension is on or off:
            coef, kle = coef[:1], kle.mean(0, keepdims=True)  # the threshold is on its batch mean
        per_coord.append((coef.reshape(-1), kle.reshape(-1)))
    kap = np.array(kappas)
    if whole_ok:
        if np.all(np.abs(kap - kap[0]) <= 1e-6 * max(abs(kap[0]), _EPS)):
            return {"kind": "agrees", "gamma": float(kap[0])}
        mags = np.abs(kap)
        if np.all(np.abs(mags - mags[0]) <= 1e-6 * mags[0]) and len(set(np.sign(kap))) == 2 and recon_coef:
            sign = np.sign(kap)
            rest = values[:draws] - recon_coef * recon_cols[:draws]
            design = np.column_stack([sign * kl_cols[:draws], sign, np.ones(draws)])
            sol, *_ = np.linalg.lstsq(design, rest, rcond=None)
            gamma = float(sol[0])
            cap = float(-sol[1] / gamma) if gamma else float("nan")
            return {"kind": "capacity", "gamma": gamma, "C": cap,
                    "batch": int(rs[0].x.shape[0])}
    coefs = np.concatenate([c for c, _ in per_coord])
    kls = np.concatenate([k for _, k in per_coord])
    top = float(np.max(np.abs(coefs)))
    if top > 0:
        zero = np.abs(coefs) <= 1e-6 * top
        active = ~zero
        if zero.any() and active.any() and np.all(np.abs(coefs[active] - coefs[active][0]) <= 1e-6 * top):
            return {"kind": "free_bits", "gamma": float(coefs[active][0]),
                    "below": float(np.max(kls[zero])), "above": float(np.min(kls[active]))}
    return {"kind": "differs"}


def describe(spec: ModelSpec, recon: tuple[str, list[float]] | None, kl: dict[str, Any] | None,
             a: float | None) -> str:
    """One diagnosis line: the difference found and which terms agree, or plainly that the objective
    is not an ELBO of the declared model."""
    parts: list[str] = []
    agree: list[str] = []
    if recon is not None:
        kind, alphas = recon
        if kind == "agrees":
            agree.append("the reconstruction term agrees (∂loss/∂x̂ = a·∂(−log p(x|z))/∂x̂, a = "
                         f"{alphas[0]:.6g}{' on ‖x − x̂‖²' if spec.gaussian_fixed else ''})")
        elif kind == "optimal_sigma":
            parts.append("the reconstruction term is (N/2)·log(‖x − x̂‖²/N) + const: the Gaussian "
                         "likelihood with σ² set to the batch's own mean squared error (the optimal-σ "
                         "decoder of Rybkin et al. 2021, σ-VAE) — an ELBO maximised over a shared σ², not "
                         "the ELBO of the declared fixed-σ² model")
        else:
            parts.append("the reconstruction term's gradient ∂loss/∂x̂ is not proportional to ∂(−log "
                         "p(x|z))/∂x̂ of the declared likelihood")
    if kl is not None:
        kind = kl["kind"]
        beta = f", β_eff = {kl['gamma'] / a:.6g}" if a else ""
        if kind == "agrees":
            agree.append(f"the KL term agrees (∂loss/∂(μ, s) = {kl['gamma']:.6g}·∇KL{beta})")
        elif kind == "capacity":
            b = kl["batch"]
            parts.append(f"the KL enters as γ·|Σ_i KL_i − C| with γ = {kl['gamma']:.6g}, C = {kl['C']:.6g} "
                         f"nats (C = {kl['C'] / b:.6g} per example at B = {b}; a capacity objective, "
                         "Burgess et al. 2018): below C the KL is *rewarded*; not an ELBO for any β")
        elif kind == "free_bits":
            parts.append("free bits: latent coordinates whose KL is below a threshold λ (λ between "
                         f"{kl['below']:.3g} and {kl['above']:.3g} nats here) send no gradient, the others "
                         f"get {kl['gamma']:.6g}·∇KL (Kingma et al. 2016) — the objective max(KL, λ) is not "
                         "an ELBO of the declared model")
        else:
            parts.append("the gradient with respect to (μ, s) is not a multiple of ∇KL(q(z|x) ‖ p(z)) for "
                         "the declared prior and sampler")
    if not parts:
        if len(agree) == 2:
            return ("the loss is not an ELBO of the declared model: each term's gradient has the right "
                    "shape, but their weights change from draw to draw (a term enters non-linearly, or a "
                    "weight depends on the data)")
        parts.append("the loss is not an ELBO of the declared model: it differs from a·(−ELBO) + c in a "
                     "term the auditor cannot separate")
    text = "; ".join(parts)
    if agree:
        text += "; " + " and ".join(agree)
    elif recon is None and kl is None:
        text += " (term-wise comparison unavailable: the loss's inputs carry no gradient)"
    return text
