"""The gradient half of the ELBO audit: is ∇loss = a·∇(−ELBO_β) at the fitted a and β_eff, and if
not, which path is blocked? (Kingma & Welling 2014 §2.3: the reparameterised estimator sends the
reconstruction term's gradient to the encoder through z = μ + σ·ε; seed 001 §3 for the terms.)

A loss can have the right *value* and the wrong gradient: a ``.detach()`` on the KL term, or a
decoder fed ``z.detach()``, leaves every value unchanged. On each ordinary draw the auditor
differentiates, with respect to the leaves of the draw (the decoder output, μ and s it passed;
the weights of its own decoder; or the model's parameters),

* the loss,
* R — the reconstruction column Σ_i −log p(x_i|z_i) (‖x − x̂‖² for a fixed-σ² Gaussian), with the
  decoder output recomputed at z = μ + σ(s)·ε so that the path through z is present,
* R_blocked — the same with z detached before the decoder,
* K — the KL column (closed form, or log q(z|x) − log p(z) at the loss's z),

and compares ∇loss with w·∇R + b·∇K (w, b: the value fit's coefficients). A mismatch is
explained by refitting ∇loss on (∇R, ∇K) and (∇R_blocked, ∇K): a KL coefficient of 0 means the
KL term is detached; an exact fit on ∇R_blocked means the decoder receives a detached z."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from torch_impl.audit.conventions import Convention
from torch_impl.audit.model_spec import ModelSpec
from torch_impl.audit.reference import (
    LikelihoodVariant,
    kl_per_example,
    log_normal_diag,
    log_standard_normal,
    nll_per_example,
    squared_error_per_example,
)
from torch_impl.audit.replay import Replay


@dataclass
class GradientCheck:
    """Outcome of the gradient comparison over all ordinary draws."""

    checked: int = 0  # draws whose gradient was compared
    residual: float = 0.0  # worst ‖∇loss − (w∇R + b∇K)‖ / ‖∇loss‖ (or the reference's norm)
    tolerance: float = 0.0
    blocked: str | None = None  # the named blocked path, or a description of the mismatch
    counterexample: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every compared gradient matched (vacuously true when none was compared)."""
        return self.blocked is None


def _torch_recon_column(spec: ModelSpec, r: Replay, recon: torch.Tensor) -> torch.Tensor:
    """R as a differentiable scalar (averaged over leading sample axes)."""
    x = r.x.double()
    rec = recon.double()
    extra = rec.dim() - x.dim()
    if spec.gaussian_fixed:
        per = squared_error_per_example(x, rec, batch_dims=1 + extra)
    else:
        lv = r.recon_logvar.double() if r.recon_logvar is not None else None
        per = nll_per_example(LikelihoodVariant(spec.likelihood), x, rec, sigma2=spec.sigma2, out_logvar=lv,
                              batch_dims=1 + extra)
    for _ in range(extra):
        per = per.mean(0)
    return per.sum()


def _torch_kl_column(spec: ModelSpec, r: Replay, sampler: Convention, form: str,
                     z: torch.Tensor | None) -> torch.Tensor:
    assert r.mu is not None and r.s is not None
    mu, s = r.mu.double(), r.s.double()
    if form == "closed" or z is None:
        return kl_per_example(mu, s, sampler, spec.prior_var).sum()
    zz = z.double()
    per = log_normal_diag(zz, mu, sampler.log_var(s)) - log_standard_normal(zz, spec.prior_var)
    while per.dim() > 1:
        per = per.mean(0)
    return per.sum()


def _grad(y: torch.Tensor, leaves: list[torch.Tensor]) -> torch.Tensor:
    if not y.requires_grad:
        return torch.cat([torch.zeros(t.numel(), dtype=torch.float64) for t in leaves])
    gs = torch.autograd.grad(y, leaves, retain_graph=True, allow_unused=True)
    return torch.cat([(g if g is not None else torch.zeros_like(t)).reshape(-1).double()
                      for g, t in zip(gs, leaves, strict=True)])


def _lsq(target: torch.Tensor, cols: list[torch.Tensor]) -> tuple[np.ndarray, float]:
    """Least squares target ≈ Σ c_j cols_j; (coefficients, relative residual)."""
    a = torch.stack(cols, 1).numpy()
    t = target.numpy()
    norms = np.linalg.norm(a, axis=0)
    norms[norms == 0] = 1.0
    sol, *_ = np.linalg.lstsq(a / norms, t, rcond=None)
    coef = sol / norms
    res = float(np.linalg.norm(t - a @ coef))
    size = float(np.linalg.norm(t))
    return coef, (res / size if size > 0 else 0.0)


def _z_reference(r: Replay, sampler: Convention) -> torch.Tensor | None:
    """z = μ + σ(s)·ε rebuilt from the recorded encoder outputs and the auditor's noise (in the
    graph), when the sampler was identified; else None."""
    if r.eps is None or r.mu is None or r.s is None or r.sampler is None:
        return None
    mu, s = r.mu, r.s
    eps = r.eps.to(mu.dtype)
    return mu + sampler.sigma(s.double()).to(mu.dtype) * eps


#: ordinary draws per configuration whose gradient is compared: a blocked path is structural (it shows
#: on every draw), so a few draws in every configuration suffice
GRADIENT_DRAWS = 3


def check_gradients(spec: ModelSpec, replays: list[list[Replay]], draws: int,
                    coefs: list[tuple[float, float]], sampler: Convention, form: str, configs_text: list[str],
                    tol: float, coef_rel: float) -> GradientCheck:
    """Compare ∇loss with w·∇R + b·∇K on the first :data:`GRADIENT_DRAWS` ordinary draws of every
    configuration (module docstring); ``coefs`` are the value fit's (w, b) per configuration."""
    out = GradientCheck(tolerance=tol)
    for rs, (w, b), cfg in zip(replays, coefs, configs_text, strict=True):
        for j, r in enumerate(rs[:min(draws, GRADIENT_DRAWS)]):
            if not r.leaves or r.value is None or r.recon is None or r.mu is None or r.s is None:
                continue
            with torch.enable_grad():
                found = _check_one(spec, r, w, b, sampler, form, tol, coef_rel)
            out.checked += 1
            residual, message = found
            out.residual = max(out.residual, residual)
            if message is not None and out.blocked is None:
                out.blocked = message
                out.counterexample = {"configuration": cfg, "draw": j,
                                      "relative distance of ∇loss to a·∇(−ELBO)": residual}
    return out


def _check_one(spec: ModelSpec, r: Replay, w: float, b: float, sampler: Convention, form: str, tol: float,
               coef_rel: float) -> tuple[float, str | None]:
    """(relative distance of ∇loss to w∇R + b∇K on this draw, the explanation of a mismatch or None)."""
    assert r.value is not None and r.recon is not None
    leaves = r.leaves
    if not r.value.requires_grad:
        return 1.0, ("the loss has no gradient at all (computed under torch.no_grad, detached, or "
                     "converted to a number): it cannot train the model")
    z_ref = _z_reference(r, sampler) if r.decode is not None else None
    if (r.decode is not None and z_ref is None and r.z is not None and r.mu is not None
            and r.mu.requires_grad and not r.z.requires_grad):
        # the noise was drawn outside the auditor's control, so z cannot be rebuilt; but the z the
        # decoder received carries no graph at all while μ does
        return 1.0, ("blocked path: the decoder is fed a z without gradient (z.detach(), z.data or a sample "
                     "drawn without rsample): the reconstruction term sends no gradient to the encoder; fix: "
                     "decode a reparameterised z")
    if r.decode is not None and z_ref is not None:
        recon_full = r.decode(z_ref)
        recon_blocked = r.decode(z_ref.detach())
    else:
        recon_full, recon_blocked = r.recon, None
    z_kl = z_ref if z_ref is not None else r.z
    g_u = _grad(r.value, leaves)
    g_r = _grad(_torch_recon_column(spec, r, recon_full), leaves)
    g_k = _grad(_torch_kl_column(spec, r, sampler, form, z_kl), leaves)
    expected = w * g_r + b * g_k
    size = max(float(g_u.norm()), float(expected.norm()))
    if size == 0:
        return 0.0, None
    residual = float((g_u - expected).norm()) / size
    if residual <= tol:
        return residual, None
    if float(g_u.norm()) == 0:
        return residual, ("the loss sends no gradient to the model (every term detached): its value "
                          "matches −ELBO but it cannot train")
    coef, fit_res = _lsq(g_u, [g_r, g_k])
    agree_r = abs(coef[0] - w) <= 10 * coef_rel * abs(w)
    agree_k = abs(coef[1] - b) <= 10 * coef_rel * max(abs(b), 1e-300)
    if fit_res <= tol:
        if agree_r and abs(coef[1]) <= 10 * coef_rel * abs(b):
            return residual, ("blocked path: the KL term sends no gradient (it is detached, e.g. "
                              "`kld.detach()` or `.item()`), so its value is counted but the encoder is "
                              "never pulled towards the prior; fix: remove the detach on the KL")
        if agree_k and abs(coef[0]) <= 10 * coef_rel * abs(w):
            return residual, ("blocked path: the reconstruction term sends no gradient (it is detached); "
                              "fix: remove the detach on the reconstruction term")
        return residual, ("the gradient weights the terms differently from the value: ∇loss = "
                          f"{coef[0]:.6g}·∇R + {coef[1]:.6g}·∇KL, the value has {w:.6g}·R + {b:.6g}·KL")
    if recon_blocked is not None and r.decode is not None and z_ref is not None:
        assert r.mu is not None and r.s is not None and r.eps is not None
        eps = r.eps.to(r.mu.dtype)
        sigma = sampler.sigma(r.s.double()).to(r.mu.dtype)
        candidates = [
            (recon_blocked, "the decoder is fed a detached z (z.detach() or z.data): the reconstruction "
                            "term sends no gradient to the encoder through z = μ + σ·ε, so the encoder "
                            "learns from the KL alone; fix: decode z itself"),
            (r.decode(r.mu.detach() + sigma * eps), "μ is detached where z = μ + σ·ε is formed: the "
                                                    "reconstruction term sends no gradient to μ; fix: use "
                                                    "μ itself in the sample"),
            (r.decode(r.mu + sigma.detach() * eps), "σ is detached where z = μ + σ·ε is formed: the "
                                                    "reconstruction term sends no gradient to s; fix: use "
                                                    "σ itself in the sample"),
        ]
        for recon_c, text in candidates:
            g_c = _grad(_torch_recon_column(spec, r, recon_c), leaves)
            coef_c, fit_c = _lsq(g_u, [g_c, g_k])
            if fit_c <= tol and abs(coef_c[0] - w) <= 10 * coef_rel * abs(w):
                return residual, "blocked path: " + text
    return residual, ("∇loss is not a·∇(−ELBO_β) at the fitted a and β_eff (relative distance "
                      f"{residual:.2g}); the closest combination w·∇R + b·∇KL leaves {fit_res:.2g}")
