"""``audit_iwae_loss``: is a user's IWAE loss the importance-weighted bound? (Burda et al. 2016:
IWAE_K(x) = log (1/K) Σ_k w_k, w_k = p(x, z_k)/q(z_k|x), z_k ∼ q.)

For each draw the auditor builds K samples z_k = μ + σ(s)·ε_k (or records those the loss draws)
and computes, in float64, log w_k = log p(x|z_k) + log N(z_k; 0, I) − log N(z_k; μ, σ²) and the
bound logsumexp_k log w_k − log K. Three checks:

* value: loss = a·Σ_i −IWAE_K(x_i) + c, with c = 0 (a dropped −log K shows as c = −a·B·log K);
* gradient: ∇loss = a·∇Σ_i −IWAE_K(x_i) with respect to μ, s and the decoder output (autograd on
  both sides); a loss whose value differs but whose gradient is right is a *surrogate*;
* implied weights: ∂loss/∂recon_k = −v_k·∇ log p(x|recon_k) defines the weight v_k the loss gives
  sample k; the IWAE gives a·softmax(log w). The better sample of every pair must get the larger
  positive weight. Recognised deviations: softmax(t·log w) with t ≠ 1 (tempered, a Rényi bound with
  α = 1 − t), t = −1 (the per-sample *loss* used as the log-weight), undetached weights
  s_k(1 + ℓ_k − Σ_j s_j ℓ_j), uniform weights (a K-sample ELBO).

Named gradient estimators (their value is not the bound; their gradient is the estimator's):

* STL, "sticking the landing" (Roeder et al. 2017): log w_k with q's parameters detached, so the
  encoder gradient flows only through z_k; it drops the score term, which lowers the variance as q
  approaches the posterior; for K > 1 its expectation is not ∇IWAE_K (Tucker et al. 2018, §3).
* DReG, doubly reparameterised (Tucker et al. 2018, eq. 8): the encoder gets
  Σ_k w̃_k²·∂log w_k/∂z_k·∂z_k/∂φ (q's parameters detached in log w), the decoder Σ_k w̃_k·∇log p(x|z_k);
  unbiased for ∇IWAE_K, and its encoder gradient's signal-to-noise ratio does not vanish as K grows.

A loss whose gradient equals a·∇ of one of these surrogates (tensors mode: z passed to the loss) is
the verdict *named estimator*, which passes.

The loss may take its sample axes K-first (K, B, …) or batch-first (B, K, …) (``batch_first``).

Tolerances: value 1e-9 and gradient 1e-8 relative for float64 losses (the reference is float64; the
two sides differ only by operation order, ~1e-14), 1e-4 / 1e-3 for float32; weight patterns 1e-6.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from torch_impl._validate import require_int, require_seed
from torch_impl.audit.conventions import Convention
from torch_impl.audit.draws import Config, configurations, draw_tensors
from torch_impl.audit.elbo import _check_sizes, _less_precise, _sizes, tolerance_for
from torch_impl.audit.fit import affine_fit, monomial
from torch_impl.audit.model_spec import ModelSpec
from torch_impl.audit.reference import (
    LikelihoodVariant,
    log_normal_diag,
    log_standard_normal,
    nll_per_example,
)
from torch_impl.audit.replay import Replay, call_loss
from torch_impl.audit.report import IwaeAudit, IwaeVerdict

PATTERN_REL = 1e-6


def _log_weights(spec: ModelSpec, r: Replay, sampler: Convention) -> torch.Tensor:
    """log w (K, B) from the tensors the loss used (in the autograd graph)."""
    assert r.recon is not None and r.z is not None and r.mu is not None and r.s is not None
    x = r.x.double()
    recon = r.recon.double()
    lv = r.recon_logvar.double() if r.recon_logvar is not None else None
    log_px = -nll_per_example(LikelihoodVariant(spec.likelihood), x, recon, sigma2=spec.sigma2,
                              out_logvar=lv, batch_dims=2)
    z = r.z.double()
    log_q = log_normal_diag(z, r.mu.double(), sampler.log_var(r.s.double()))
    return log_px + log_standard_normal(z, spec.prior_var) - log_q


def _estimator_references(spec: ModelSpec, r: Replay, sampler: Convention,
                          lw: torch.Tensor) -> dict[str, torch.Tensor]:
    """The surrogates whose gradients are STL's and DReG's (module docstring), as scalars in the graph
    of the draw's leaves (μ, s through z; the decoder output)."""
    assert r.recon is not None and r.z is not None and r.mu is not None and r.s is not None
    x, recon, z = r.x.double(), r.recon.double(), r.z.double()
    lv = r.recon_logvar.double() if r.recon_logvar is not None else None
    log_px = -nll_per_example(LikelihoodVariant(spec.likelihood), x, recon, sigma2=spec.sigma2, out_logvar=lv,
                              batch_dims=2)
    mu_d, s_d = r.mu.detach().double(), r.s.detach().double()
    log_q_stop = log_normal_diag(z, mu_d, sampler.log_var(s_d))
    lw_stl = log_px + log_standard_normal(z, spec.prior_var) - log_q_stop
    w_tilde = torch.softmax(lw.detach(), 0)
    log_px_no_recon = -nll_per_example(LikelihoodVariant(spec.likelihood), x, recon.detach(),
                                       sigma2=spec.sigma2, out_logvar=lv, batch_dims=2)
    lw_stl_encoder = log_px_no_recon + log_standard_normal(z, spec.prior_var) - log_q_stop
    return {
        "STL": -torch.logsumexp(lw_stl, 0).sum(),
        "DReG": -(w_tilde**2 * lw_stl_encoder).sum() - (w_tilde * log_px).sum(),
    }


ESTIMATORS = {
    "STL": ("STL, sticking the landing (Roeder et al. 2017): q's parameters are detached in log w, so the "
            "encoder's gradient flows only through z; lower variance near the posterior; for K > 1 its "
            "expectation differs from ∇IWAE_K (Tucker et al. 2018, §3)"),
    "DReG": ("DReG, doubly reparameterised (Tucker et al. 2018, eq. 8): encoder weights w̃_k² with q's "
             "parameters detached, decoder weights w̃_k; unbiased for ∇IWAE_K, with an encoder gradient "
             "whose signal-to-noise ratio does not vanish as K grows"),
}


def _flat(grads: tuple[torch.Tensor | None, ...], like: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([(g if g is not None else torch.zeros_like(t)).reshape(-1).double()
                      for g, t in zip(grads, like, strict=True)])


def _pattern(v: np.ndarray, lw: np.ndarray) -> tuple[str | None, float | None]:
    """Name the weight pattern of v (K, B) given log w (K, B); (text, tempering t)."""
    k = v.shape[0]
    sums = v.sum(0)
    if np.any(np.abs(sums) < 1e-12):
        return None, None
    vn = v / sums

    def close(p: np.ndarray) -> bool:
        return bool(np.max(np.abs(vn - p)) <= PATTERN_REL * max(1.0, float(np.max(np.abs(p)))))

    def softmax(t: float) -> np.ndarray:
        e = np.exp(t * lw - np.max(t * lw, 0))
        return e / e.sum(0)

    if close(np.full_like(vn, 1.0 / k)):
        return "uniform 1/K: the gradient of the K-sample average ELBO, not of IWAE_K", 0.0
    for t, who in ((1.0, "log w"), (-1.0, "the per-sample loss −log w")):
        s = softmax(t)
        ell = t * lw
        und = s * (1 + ell - (s * ell).sum(0))
        if close(und / und.sum(0)):
            return (f"undetached self-normalised weights over {who}: v_k = s_k(1 + ℓ_k − Σ_j s_j ℓ_j), s = "
                    f"softmax(ℓ), ℓ = {'log w' if t > 0 else '−log w'}"), t
    if np.all(vn > 0):
        dl = lw - lw.mean(0)
        dv = np.log(vn) - np.log(vn).mean(0)
        denom = float((dl * dl).sum())
        if denom > 0:
            t = float((dl * dv).sum() / denom)
            if close(softmax(t)):
                tr = round(t, 6)
                if abs(tr - 1) <= 1e-6:
                    return "softmax(log w): the IWAE weights", 1.0
                if abs(tr + 1) <= 1e-6:
                    return ("softmax(−log w): the log-weights are the per-sample loss, so the softmax "
                            "favours the worst sample"), -1.0
                return (f"softmax({tr:g}·log w): tempered weights w^{tr:g} (a Rényi bound with α = "
                        f"{1 - tr:g}), not IWAE_K"), tr
    return None, None


def audit_iwae_loss(
    loss_fn: Callable[..., Any],
    model: ModelSpec,
    K: int,
    *,
    batch_sizes: tuple[int, ...] = (3, 7),
    data_shapes: tuple[tuple[int, ...], ...] | None = None,
    latent_dims: tuple[int, ...] | None = None,
    draws: int = 6,
    seed: int = 0,
    batch_first: bool = False,
    dtype: torch.dtype = torch.float64,
) -> IwaeAudit:
    """Audit ``loss_fn`` as −IWAE_K of ``model`` (see the module docstring). ``K`` samples; the loss
    receives ``recon`` (K, B, …), ``z``/``eps`` (K, B, d) — or (B, K, …) with ``batch_first`` — and
    ``k`` through the argument mapping; ``dtype`` is the dtype of the tensors it receives (float64 or
    float32; the reference uses the rounded values)."""
    if not callable(loss_fn):
        raise ValueError(f"loss_fn: expected a callable, got {type(loss_fn).__name__}")
    if not isinstance(model, ModelSpec):
        raise ValueError(f"model: expected a torch_impl.audit.ModelSpec, got {type(model).__name__}")
    if isinstance(K, bool) or not (isinstance(K, int) and K >= 2):
        raise ValueError(f"K: expected an integer ≥ 2 (importance samples), got {K!r}")
    require_int(K, "K", minimum=2)
    if isinstance(draws, bool) or not (isinstance(draws, int) and draws >= 3):
        raise ValueError(f"draws: need at least 3 draws per configuration, got {draws!r}")
    require_int(draws, "draws", minimum=3)
    seed = require_seed(seed)
    if dtype not in (torch.float64, torch.float32):
        raise ValueError(f"dtype: expected torch.float64 or torch.float32, got {dtype!r}")
    if not isinstance(batch_first, bool):
        raise ValueError(f"batch_first: expected True or False, got {batch_first!r}")
    batch_sizes = _check_sizes("batch_sizes", batch_sizes)
    data_shapes, latent_dims, model_dtype = _sizes(model, data_shapes, latent_dims, (((5,), (12,)), (2,)))
    assert isinstance(model.param, Convention)
    configs = configurations(model, batch_sizes, data_shapes, latent_dims)
    audit = IwaeAudit(IwaeVerdict.CRASH, model.describe(), K, configurations=[c.text() for c in configs],
                      draws=draws)
    value_rows: list[tuple[np.ndarray, np.ndarray]] = []
    grad_res: list[float] = []
    grad_scale: list[float] = []
    grad_scale_cfg: list[float] = []
    weights_v: list[np.ndarray] = []
    weights_lw: list[np.ndarray] = []
    projection_res = 0.0
    has_grad = True
    dtype = torch.float64
    probe: dict[str, Any] | None = None
    est_res: dict[str, list[float]] = {"STL": [], "DReG": []}
    for ci, cfg in enumerate(configs):
        ys, vs = [], []
        for j in range(draws):
            g = torch.Generator().manual_seed(seed + 7919 * ci + j)
            latent = cfg.latent if cfg.latent else 1
            t = draw_tensors(model, Config(cfg.batch, cfg.shape, latent, cfg.hyper), False, g, samples=K)
            if model.hooks is not None:
                t["x"] = t["x"].to(model_dtype)
            else:
                t = {k: v.to(dtype) for k, v in t.items()}
                for name in ("mu", "s", "recon"):
                    t[name] = t[name].clone().requires_grad_(True)
            r = call_loss(loss_fn, model, cfg, t, g, extreme=False, samples=K, batch_first=batch_first)
            if r.error is not None:
                bad_return = r.error_kind == "bad return type"
                audit.verdict = IwaeVerdict.BAD_RETURN if bad_return else IwaeVerdict.CRASH
                audit.counterexample = {"configuration": cfg.text(), "draw": j}
                if audit.verdict is IwaeVerdict.CRASH:
                    audit.exception = r.error
                    last = r.error.strip().splitlines()[-1] if r.error.strip() else "an exception"
                    audit.diagnosis.append(
                        f"the loss raised at {cfg.text()}, draw {j}, with its sample axes "
                        f"{'(B, K, …)' if batch_first else '(K, B, …)'}: {last}; if it takes "
                        f"{'(K, B, …)' if batch_first else '(B, K, …)'}, say so "
                        f"(batch_first={not batch_first}, --iwae-layout {'KB' if batch_first else 'BK'})")
                else:
                    audit.diagnosis.append(f"{r.error} (at {cfg.text()}, draw {j})")
                return audit
            if r.hook_problem is not None:
                raise ValueError(f"hooks: {r.hook_problem} (at {cfg.text()})")
            if r.recon is None or r.z is None or r.mu is None or r.s is None or r.recon.dim() < 3:
                audit.exception = "the auditor could not record K samples of z and the decoder output"
                audit.diagnosis.append(audit.exception + f" (at {cfg.text()}; layout "
                                       f"{'(B, K, …)' if batch_first else '(K, B, …)'})")
                audit.counterexample = {"configuration": cfg.text(), "draw": j}
                return audit
            assert r.value is not None
            if not math.isfinite(float(r.value.detach())):
                audit.verdict = IwaeVerdict.NOT_FINITE
                audit.counterexample = {"configuration": cfg.text(), "draw": j,
                                        "loss": float(r.value.detach())}
                audit.diagnosis.append(f"the loss is {float(r.value.detach())} at finite inputs "
                                       f"({cfg.text()}, draw {j}); −IWAE_K is finite there")
                return audit
            dtype = _less_precise(dtype, r.value.dtype, r.compute_dtype)
            sampler = r.sampler or model.param
            lw = _log_weights(model, r, sampler)
            ref = -(torch.logsumexp(lw, 0) - math.log(K)).sum()
            ys.append(float(r.value.detach()))
            vs.append(float(ref.detach()))
            audit.notes += [n for n in r.notes if n not in audit.notes]
            if not r.value.requires_grad:
                has_grad = False
                continue
            leaves = [r.mu, r.s, r.recon]
            g_u = _flat(torch.autograd.grad(r.value, leaves, retain_graph=True, allow_unused=True), leaves)
            g_r = _flat(torch.autograd.grad(ref, leaves, retain_graph=True, allow_unused=True), leaves)
            denom = float(g_r @ g_r)
            a_g = float(g_u @ g_r) / denom if denom > 0 else 0.0
            if model.mode == "tensors" and "z" in model.roles:
                for name, sur in _estimator_references(model, r, sampler, lw).items():
                    g_e = _flat(torch.autograd.grad(sur, leaves, retain_graph=True, allow_unused=True),
                                leaves)
                    de = float(g_e @ g_e)
                    a_e = float(g_u @ g_e) / de if de > 0 else 0.0
                    nu = float(g_u.norm())
                    est_res[name].append(float((g_u - a_e * g_e).norm()) / nu if nu > 0 and a_e > 0 else 1.0)
            norm_u = float(g_u.norm())
            grad_res.append(float((g_u - a_g * g_r).norm()) / norm_u if norm_u > 0 else 1.0)
            grad_scale.append(a_g)
            # implied weights from the gradient with respect to the decoder output
            d_loss = torch.autograd.grad(r.value, r.recon, retain_graph=True, allow_unused=True)[0]
            log_px = -nll_per_example(LikelihoodVariant(model.likelihood), r.x.double(), r.recon.double(),
                                      sigma2=model.sigma2, batch_dims=2)
            g_l = torch.autograd.grad(log_px.sum(), r.recon, retain_graph=True)[0]
            dims = tuple(range(2, g_l.dim()))
            if d_loss is None:
                d_loss = torch.zeros_like(g_l)
            v = -(d_loss.double() * g_l).sum(dims) / (g_l * g_l).sum(dims).clamp_min(1e-300)
            resid = d_loss.double() + v.reshape(*v.shape, *([1] * len(dims))) * g_l
            size = float(d_loss.double().norm())
            if size > 0:
                projection_res = max(projection_res, float(resid.norm()) / size)
            vn, lwn = v.detach().numpy(), lw.detach().numpy()
            weights_v.append(vn)
            weights_lw.append(lwn)
            if probe is None:
                best, worst = lwn.argmax(0), lwn.argmin(0)
                for i in range(lwn.shape[1]):
                    vb, vw = vn[best[i], i], vn[worst[i], i]
                    if best[i] != worst[i] and not (vb > vw and vb > 0):
                        probe = {"configuration": cfg.text(), "draw": j, "data point": i,
                                 "log w (better, worse sample)":
                                     [float(lwn[best[i], i]), float(lwn[worst[i], i])],
                                 "implied weights (better, worse)": [float(vb), float(vw)],
                                 "IWAE weights softmax(log w) (better, worse)":
                                     [float(w) for w in
                                      torch.softmax(lw.detach()[:, i], 0)[[best[i], worst[i]]]]}
                        break
        value_rows.append((np.array(vs), np.array(ys)))
        if grad_scale:
            grad_scale_cfg.append(grad_scale[-1])
    tol, reason = tolerance_for(dtype)
    grad_tol = 1e-8 if dtype == torch.float64 else 1e-3
    audit.tolerance = tol
    audit.tolerance_reason = reason + f"; gradient tolerance {grad_tol:g}"
    variables = [c.variables() for c in configs]
    a_vals, c_vals, worst = [], [], 0.0
    for vs_arr, ys_arr in value_rows:
        fit = affine_fit(vs_arr[:, None], ys_arr)
        worst = max(worst, fit.relative_residual)
        a_vals.append(float(fit.coef[0]))
        c_vals.append(fit.intercept)
    audit.worst_residual = worst
    value_affine = worst <= tol and all(a > 0 for a in a_vals)
    if value_affine:
        audit.a = monomial(a_vals, variables)
        c_scale = [tol * max(1.0, float(np.max(np.abs(y)))) for _, y in value_rows]
        if all(abs(c) <= s for c, s in zip(c_vals, c_scale, strict=True)):
            audit.c = monomial([0.0] * len(c_vals), variables)
            c_kind = "zero"
        else:
            audit.c = monomial(c_vals, variables, extra_constants={"log K": math.log(K)})
            per = [c / (a * cfg.batch) for c, a, cfg in zip(c_vals, a_vals, configs, strict=True)]
            c_kind = "logK" if all(abs(p + math.log(K)) <= 1e-6 * math.log(K) for p in per) else "other"
    else:
        c_kind = "none"
    audit.gradient_checked = has_grad
    grad_ok = False
    if has_grad:
        audit.gradient_residual = max(grad_res)
        grad_ok = audit.gradient_residual <= grad_tol and all(a > 0 for a in grad_scale)
        v_all = np.concatenate(weights_v, axis=1)
        lw_all = np.concatenate(weights_lw, axis=1)
        if projection_res <= 1e-6:
            text, tmp = _pattern(v_all, lw_all)
            audit.weights, audit.tempering = text, tmp
        else:
            audit.weights = ("not identifiable: ∂loss/∂recon is not along ∇log p(x|recon) (relative "
                             f"residual {projection_res:.2g})")
    if has_grad and grad_ok and c_kind != "none" and any(
            abs(ag - a) > 1e-6 * abs(a) for ag, a in zip(grad_scale_cfg, a_vals, strict=True)):
        c_kind = "other"  # value and gradient scale disagree: the value is not a·(−IWAE_K) + c
        audit.notes.append("the value's scale a and the gradient's scale differ")
    if has_grad and grad_ok:
        if c_kind == "zero":
            audit.verdict = IwaeVerdict.EQUALS
        elif c_kind == "logK":
            audit.verdict = IwaeVerdict.MISSING_LOG_K
            assert audit.c is not None
            audit.diagnosis.append("the value misses −log K: loss = a·Σ_i −IWAE_K + c with c = "
                                   f"{audit.c.text} = −a·B·log K (the gradient is right; the value is not "
                                   "the bound)")
            audit.counterexample = {"configuration": configs[0].text(), "c": c_vals[0],
                                    "−a·B·log K": -a_vals[0] * configs[0].batch * math.log(K)}
        else:
            audit.verdict = IwaeVerdict.SURROGATE
            audit.diagnosis.append("the value is not −IWAE_K (do not report it as a bound); its gradient "
                                   f"is a·∇(−IWAE_K) with a = {monomial(grad_scale_cfg, variables).text} to "
                                   f"{audit.gradient_residual:.1e}")
        return audit
    if has_grad and not grad_ok:
        named = [n for n, res in est_res.items() if res and max(res) <= grad_tol]
        if named:
            audit.verdict = IwaeVerdict.ESTIMATOR
            audit.estimator = ESTIMATORS[named[0]]
            audit.gradient_residual = max(est_res[named[0]])
            audit.weights = None
            audit.diagnosis.append(f"the gradient is the {named[0]} estimator's (relative distance "
                                   f"{audit.gradient_residual:.1e}); the value is a surrogate, not the "
                                   "bound — do not report it as IWAE_K")
            return audit
    if has_grad:
        identified_wrong = audit.tempering is not None and not (
            audit.weights is not None and audit.weights.startswith("softmax(log w)"))
        if probe is not None or identified_wrong:
            audit.verdict = IwaeVerdict.WRONG_WEIGHTS
            audit.diagnosis.append("the gradient is not a·∇(−IWAE_K) (relative distance "
                                   f"{audit.gradient_residual:.2g}); implied weights: "
                                   f"{audit.weights or 'not a recognised pattern'}")
            audit.counterexample = probe or {"implied weights": audit.weights or "not a recognised pattern"}
        else:
            audit.verdict = IwaeVerdict.NOT_AFFINE
            audit.diagnosis.append("the gradient is not a·∇(−IWAE_K), nor a named estimator's (DReG, STL) "
                                   f"(relative distance {audit.gradient_residual:.2g}); implied weights: "
                                   f"{audit.weights or 'not a recognised pattern'}")
            audit.counterexample = {"gradient relative distance": audit.gradient_residual}
        return audit
    audit.notes.append("gradient not checked: the loss has no gradient (e.g. computed under no_grad)")
    if c_kind == "zero":
        audit.verdict = IwaeVerdict.EQUALS
    elif c_kind == "logK":
        audit.verdict = IwaeVerdict.MISSING_LOG_K
        audit.diagnosis.append(f"the value misses −log K (c = {audit.c.text if audit.c else '?'})")
        audit.counterexample = {"c": c_vals[0], "−a·B·log K": -a_vals[0] * configs[0].batch * math.log(K)}
    else:
        audit.verdict = IwaeVerdict.NOT_AFFINE
        vs0, ys0 = value_rows[0]
        audit.counterexample = {"configuration": configs[0].text(), "loss": float(ys0[0]),
                                "Σ −IWAE_K (verified)": float(vs0[0]), "relative residual of the fit": worst}
    return audit
