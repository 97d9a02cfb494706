"""``audit_elbo_loss``: is a user's VAE loss the negative ELBO it claims to be? (seed 001 §3 and
ECE 544 PS5 2 for the per-example terms; Kingma & Welling 2014; Higgins et al. 2017 for β.)

At every configuration (B, D, d, hyper-parameters) the loss is evaluated on seeded random inputs
(ordinary and saturated, :mod:`~torch_impl.audit.draws`) and compared with the verified terms
(:mod:`~torch_impl.audit.reference`, float64) by the fit

    loss = a·Σ_i[−log p(x_i|z_i) + β_eff·KL_i] + c

(fixed-σ² Gaussian: loss = w·Σ_i‖x_i − x̂_i‖² + b·Σ_i KL_i + c, a = 2σ²w, β_eff = b/a). The fit
is made on the ordinary draws; the saturated draws must then lie on it too. a, β_eff and c are
written as formulas in B, D, d and the hyper-parameters (:mod:`~torch_impl.audit.fit`).

Then the gradient: ∇loss must be a·∇(−ELBO_β) at the fitted a and β_eff with respect to the
decoder output, μ and s (or the auditor's decoder weights, or the model's parameters), which
catches a detached KL term or a decoder fed a detached z (:mod:`~torch_impl.audit.gradient`).

Tolerances (:mod:`~torch_impl.audit.tolerance`) come from the dtype the loss computes in and the
conditioning of the likelihood's standard formula: 1e-9 relative for float64, 1e-4 for float32,
plus the stated rounding allowance of the continuous-Bernoulli normaliser at saturated λ. A
deviation below the tolerance (e.g. β off by 1e-10) is not detected; every defect class the
auditor names is many orders above it.

Verdicts that are not about the mathematics: *not finite* (NaN/inf at finite inputs), *bad return
type* (None, a non-scalar, a dict without ``loss``) and *crash* (the loss raised), each with the
configuration that produced it."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from torch_impl._validate import require_int, require_seed
from torch_impl.audit import explain
from torch_impl.audit.conventions import Convention, format_number
from torch_impl.audit.draws import Config, configurations, draw_tensors
from torch_impl.audit.fit import Formula, additive, affine_fit, monomial
from torch_impl.audit.gradient import check_gradients
from torch_impl.audit.model_spec import ModelSpec
from torch_impl.audit.parts import describe_parts
from torch_impl.audit.reference import (
    LikelihoodVariant,
    kl_per_example,
    log_normal_diag,
    log_standard_normal,
    normalisation,
)
from torch_impl.audit.replay import Replay, call_loss
from torch_impl.audit.report import LossAudit, LossVerdict
from torch_impl.audit.search import reconstruction_column, search
from torch_impl.audit.tolerance import (
    CONDITION_FACTOR,
    condition_allowance,
    gradient_tolerance,
    value_tolerance,
)

DEFAULT_BATCH_SIZES = (3, 10, 96)
#: flat vectors and image layouts (C, H, W): a loss that reduces over the wrong axes of an image
#: (only the channels, say) is exact on flat data and shows its H·W factor on images
DEFAULT_DATA_SHAPES: tuple[tuple[int, ...], ...] = ((4,), (9,), (1, 4, 4), (3, 2, 5))
DEFAULT_LATENT_DIMS = (2, 5)
#: fitted coefficients (a, β_eff, the noise scale k) are compared across configurations and with the
#: expected β to max(1e-6, 10·tolerance): least-squares coefficients carry the rounding noise of the
#: loss amplified by the conditioning of the draws (≤ 10 here for float32: measured worst 2e-6)
RATIO_REL = 1e-6
#: the name the IWAE audit imports (the value tolerance of a dtype and its reason)
tolerance_for = value_tolerance


def coefficient_tolerance(tol: float) -> float:
    """Relative tolerance for comparing fitted coefficients across configurations: max(``RATIO_REL``,
    10·``tol``) with ``tol`` the fit tolerance of the loss's dtype (reason beside ``RATIO_REL``)."""
    return max(RATIO_REL, 10 * tol)


def _check_sizes(name: str, values: Any, *, nested: bool = False) -> tuple[Any, ...]:
    try:
        vals = tuple(tuple(v) for v in values) if nested else tuple(values)
    except TypeError:
        raise ValueError(f"{name}: expected a sequence, got {values!r}") from None
    flat = [x for v in vals for x in v] if nested else list(vals)
    if not vals or (nested and not all(vals)):
        raise ValueError(f"{name}: expected a non-empty sequence of positive integers, got {values!r}")
    for x in flat:
        require_int(x, name, minimum=1)
    return vals


def _validate(loss_fn: Any, model: Any, beta: Any, draws: int, extreme_draws: int, seed: int) -> None:
    if not callable(loss_fn):
        raise ValueError(f"loss_fn: expected a callable, got {type(loss_fn).__name__}")
    if not isinstance(model, ModelSpec):
        raise ValueError(f"model: expected a torch_impl.audit.ModelSpec, got {type(model).__name__}")
    validate_settings(model, beta, draws, extreme_draws, seed)


def validate_settings(model: ModelSpec, beta: Any, draws: int, extreme_draws: int, seed: int) -> None:
    """β (a finite number ≥ 0 or a hyper-parameter name of ``model``), the draw counts and the seed."""
    if isinstance(beta, str):
        if beta not in model.hyper:
            raise ValueError(f"beta: {beta!r} names no hyper-parameter of the model ({list(model.hyper)})")
    elif isinstance(beta, bool) or not (isinstance(beta, int | float) and math.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta: expected a finite number ≥ 0 or a hyper-parameter name, got {beta!r}")
    if isinstance(draws, bool) or not (isinstance(draws, int) and draws >= 6):
        raise ValueError(f"draws: need at least 6 ordinary draws per configuration, got {draws!r}")
    require_int(draws, "draws", minimum=6)
    require_int(extreme_draws, "extreme_draws", minimum=0)
    require_seed(seed)


def _sizes(
    model: ModelSpec, data_shapes: Any, latent_dims: Any,
    defaults: tuple[tuple[tuple[int, ...], ...], tuple[int, ...]],
) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...], torch.dtype]:
    """(data shapes, latent sizes, the model's dtype) the audit draws for: from the user's
    modules when the model has hooks (the input size read off the first Linear layer unless
    given; latent size 0: the encoder decides), else the given sizes or ``defaults`` for the
    generated float64 model."""
    if model.hooks is None:
        shapes = defaults[0] if data_shapes is None else data_shapes
        dims = defaults[1] if latent_dims is None else latent_dims
        return (_check_sizes("data_shapes", shapes, nested=True), _check_sizes("latent_dims", dims),
                torch.float64)
    modules = model.hooks.modules()
    params = [p for m in modules for p in m.parameters()]
    if data_shapes is None:
        first = next((m for mod in modules for m in mod.modules()
                      if isinstance(m, torch.nn.Linear | torch.nn.Conv1d | torch.nn.Conv2d)), None)
        if not isinstance(first, torch.nn.Linear):
            raise ValueError("data_shapes: give the model's input shape, e.g. ((1, 28, 28),) — it cannot "
                             "be read off a model whose first layer is not Linear")
        data_shapes = ((first.in_features,),)
    return (_check_sizes("data_shapes", data_shapes, nested=True), (0,),
            params[0].dtype if params else torch.float64)


def _expected_beta(beta: float | str, cfg: Config) -> float:
    return float(dict(cfg.hyper)[beta]) if isinstance(beta, str) else float(beta)


def _summary(r: Replay, spec: ModelSpec) -> str:
    parts = []
    if r.recon is not None and not spec.likelihood.startswith("gaussian"):
        rec = r.recon.detach().double()
        if spec.likelihood.endswith("logits"):
            parts.append(f"|logits| up to {float(rec.abs().max()):.3g}")
        else:
            x = r.x.double()
            try:
                on_obs = torch.where(torch.broadcast_to(x, rec.shape) > 0.5, rec, 1 - rec)
                parts.append(f"smallest probability of an observed pixel {float(on_obs.min()):.3g}")
            except RuntimeError:
                parts.append(f"decoder output in [{float(rec.min()):.3g}, {float(rec.max()):.3g}]")
    if r.s is not None:
        parts.append(f"s in [{float(r.s.detach().min()):.3g}, {float(r.s.detach().max()):.3g}]")
    if r.mu is not None:
        parts.append(f"|μ| ≤ {float(r.mu.detach().abs().max()):.3g}")
    return ", ".join(parts)


def _rounded(tensors: dict[str, torch.Tensor], model: ModelSpec, dtype: torch.dtype,
             keep: torch.dtype | None = None) -> dict[str, torch.Tensor]:
    """The draw in ``dtype`` (rounded to it, then held in ``keep`` if given); probabilities clamped to
    [tiny, 1 − 4ε] first (representable 1 − p)."""
    out = dict(tensors)
    if model.likelihood in ("bernoulli", "continuous_bernoulli"):
        eps = torch.finfo(dtype).eps
        out["recon"] = out["recon"].clamp(1e-30, 1 - 4 * eps)
    return {k: (v.to(dtype).to(keep) if keep is not None else v.to(dtype)) for k, v in out.items()}


def _compute_dtype(loss_fn: Callable[..., Any], model: ModelSpec, cfg: Config,
                   seed: int) -> torch.dtype | None:
    """The least precise dtype the loss computes in, from one trial call (None if it fails)."""
    g = torch.Generator().manual_seed(seed + 104729)
    latent = cfg.latent if cfg.latent else 1
    tensors = draw_tensors(model, Config(cfg.batch, cfg.shape, latent, cfg.hyper), False, g)
    r = call_loss(loss_fn, model, cfg, tensors, g, extreme=False)
    return None if r.error is not None else r.compute_dtype


def _kl_column(r: Replay, sampler: Convention, form: str, prior_var: float = 1.0) -> float:
    """Σ_i KL_i in closed form, or Σ_i [log q(z_i|x_i) − log p(z_i)] at the loss's z (``sample``,
    averaged over leading sample axes)."""
    assert r.mu is not None and r.s is not None
    mu, s = r.mu.detach().double(), r.s.detach().double()
    if form == "closed":
        return float(kl_per_example(mu, s, sampler, prior_var).sum())
    assert r.z is not None
    z = r.z.detach().double()
    per = log_normal_diag(z, mu, sampler.log_var(s)) - log_standard_normal(z, prior_var)
    while per.dim() > 1:
        per = per.mean(0)
    return float(per.sum())


def _problem(audit: LossAudit, r: Replay, cfg: Config, j: int, draws: int) -> LossAudit:
    """A crash or a bad return type at configuration ``cfg``, draw ``j``."""
    crash = r.error_kind != "bad return type"
    audit.verdict = LossVerdict.CRASH if crash else LossVerdict.BAD_RETURN
    where = f"at {cfg.text()}, draw {j}" + (" (saturated)" if j >= draws else "")
    audit.counterexample = {"configuration": cfg.text(), "draw": j, "extreme": j >= draws}
    assert r.error is not None
    if crash:
        audit.exception = r.error
        last = r.error.strip().splitlines()[-1] if r.error.strip() else "an exception"
        audit.diagnosis.append(f"the loss raised {where}: {last}; if it only accepts one input shape, "
                               "declare it (data_shapes=((1, 28, 28),) in the API, --data-shape 1,28,28 on "
                               "the command line)")
    else:
        audit.diagnosis.append(f"{r.error} ({where})")
    return audit


def audit_elbo_loss(
    loss_fn: Callable[..., Any],
    model: ModelSpec,
    *,
    beta: float | str = 1.0,
    batch_sizes: tuple[int, ...] = DEFAULT_BATCH_SIZES,
    data_shapes: tuple[tuple[int, ...], ...] | None = None,
    latent_dims: tuple[int, ...] | None = None,
    draws: int = 10,
    extreme_draws: int = 3,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> LossAudit:
    """Audit ``loss_fn`` against the negative ELBO of ``model`` (a :class:`ModelSpec`) with the
    expected KL weight ``beta`` (a number, or the name of a hyper-parameter that carries it).

    ``draws`` ordinary and ``extreme_draws`` saturated input sets per configuration, all seeded
    from ``seed``; ``data_shapes`` defaults to flat and image layouts (:data:`DEFAULT_DATA_SHAPES`).
    Returns a :class:`LossAudit`; see the module docstring for the fit, the gradient check and the
    tolerances. A loss that raises is a ``crash`` verdict, not an exception here; a hook that records
    the wrong module (shapes that cannot be μ, s, z and the decoder output) is a ValueError.

    ``dtype`` (float64 or float32) is the dtype of the tensors given to the loss: inputs are drawn
    in float64 and rounded to it (probabilities kept ≤ 1 − 4ε so that 1 − p stays representable);
    the reference is computed from the rounded values the loss actually received."""
    _validate(loss_fn, model, beta, draws, extreme_draws, seed)
    seed = int(seed)  # a NumPy integer is a valid seed; torch's generators take Python ints
    if dtype not in (torch.float64, torch.float32):
        raise ValueError(f"dtype: expected torch.float64 or torch.float32, got {dtype!r}")
    batch_sizes = _check_sizes("batch_sizes", batch_sizes)
    data_shapes, latent_dims, model_dtype = _sizes(
        model, data_shapes, latent_dims, (DEFAULT_DATA_SHAPES, DEFAULT_LATENT_DIMS))
    assert isinstance(model.param, Convention)
    configs = configurations(model, batch_sizes, data_shapes, latent_dims)
    audit = LossAudit(LossVerdict.CRASH, model.describe(),
                      expected_beta=beta if isinstance(beta, str) else format_number(float(beta)),
                      configurations=[c.text() for c in configs], draws=draws + extreme_draws)
    audit.normalisation = normalisation(model.likelihood, model.data or "real", model.sigma2)
    replays: list[list[Replay]] = []
    values: list[np.ndarray] = []
    out_dtype = torch.float64
    samplers: set[str] = set()
    compute = _compute_dtype(loss_fn, model, configs[0], seed) if model.hooks is None else None
    if compute is not None and torch.finfo(compute).eps > torch.finfo(dtype).eps:
        audit.notes.append(f"the loss computes in {compute} although it receives {dtype}: its inputs are "
                           f"drawn as for a {compute} loss (probabilities ≤ 1 − 4ε, representable)")
        dtype_inputs = compute
    else:
        dtype_inputs = dtype
    for ci, cfg in enumerate(configs):
        rs: list[Replay] = []
        for j in range(draws + extreme_draws):
            g = torch.Generator().manual_seed(seed + 7919 * ci + j)
            extreme = j >= draws
            latent = cfg.latent if cfg.latent else 1
            tensors = draw_tensors(model, Config(cfg.batch, cfg.shape, latent, cfg.hyper), extreme, g)
            if model.hooks is not None:
                tensors["x"] = tensors["x"].to(model_dtype)
            elif dtype != torch.float64:
                tensors = _rounded(tensors, model, dtype)
            elif dtype_inputs != torch.float64:
                tensors = _rounded(tensors, model, dtype_inputs, keep=torch.float64)
            r = call_loss(loss_fn, model, cfg, tensors, g, extreme=extreme, grad=True)
            if r.error is not None:
                return _problem(audit, r, cfg, j, draws)
            if r.hook_problem is not None:
                raise ValueError(f"hooks: {r.hook_problem} (at {cfg.text()})")
            if r.recon is None or r.mu is None or r.s is None:
                audit.verdict = LossVerdict.CRASH
                audit.exception = "the auditor could not record " + ", ".join(
                    n for n, v in (("the decoder output", r.recon), ("μ", r.mu), ("s", r.s)) if v is None)
                audit.diagnosis.append(audit.exception + f" (at {cfg.text()})")
                audit.counterexample = {"configuration": cfg.text(), "draw": j}
                return audit
            assert r.value is not None
            if not math.isfinite(float(r.value.detach())):
                audit.verdict = LossVerdict.NOT_FINITE
                audit.counterexample = {"configuration": cfg.text(), "draw": j, "extreme": extreme,
                                        "inputs": _summary(r, model), "loss": float(r.value.detach())}
                audit.counterexample_inputs = {"x": r.x, "recon": r.recon, "mu": r.mu, "s": r.s, "z": r.z}
                audit.diagnosis.append(
                    f"the loss is {float(r.value.detach())} at finite inputs ({cfg.text()}, draw "
                    f"{j}{', saturated' if extreme else ''}: {_summary(r, model)}); −ELBO is finite there")
                return audit
            out_dtype = _less_precise(out_dtype, r.value.dtype, r.compute_dtype)
            audit.notes += [n for n in r.notes if n not in audit.notes]
            if r.sampler is not None:
                samplers.add(r.sampler.text())
            rs.append(r)
        replays.append(rs)
        values.append(np.array([float(r.value.detach()) for r in rs if r.value is not None]))
    parts = sorted({k for rs in replays for r in rs for k in r.parts})
    if parts:
        audit.notes.append("the loss returned several values; the auditor judged its 'loss' (other "
                           f"entries: {', '.join(parts)})")
    tol, reason = value_tolerance(out_dtype)
    if out_dtype != torch.float64 and all(r.value is not None and r.value.dtype == torch.float64
                                          for rs in replays for r in rs):
        reason = f"the loss returns float64 but computes in {out_dtype}; " + reason
    coef_rel = coefficient_tolerance(tol)
    audit.tolerance = tol
    audit.tolerance_reason = reason + f"; coefficients compared to {coef_rel:g}"
    declared = model.param
    sampler = declared
    if len(samplers) == 1:
        identified = replays[0][0].sampler
        assert identified is not None
        sampler = identified
        if identified != declared:
            audit.notes.append(f"the sampler draws {identified.text()}, not the declared {declared.text()}; "
                               "the sampler's convention is used")
    elif len(samplers) > 1:
        audit.notes.append(f"the sampler's convention changes between draws: {sorted(samplers)}")
    audit.sampler_convention = sampler.text()
    variant = LikelihoodVariant(model.likelihood)
    allowances = [np.array([condition_allowance(model.likelihood, r.recon, out_dtype)
                            if r.recon is not None else 0.0 for r in rs]) for rs in replays]
    if max(float(a.max()) for a in allowances) > 0:
        most = max(float(a.max()) for a in allowances)
        audit.tolerance_reason += (f"; plus {CONDITION_FACTOR:g}·ε·Σ|∂log C/∂λ|·max(λ, 1 − λ) for the "
                                   "continuous-Bernoulli normaliser's standard formula (it rounds 1 − 2λ), "
                                   f"up to {most:.2g} nats on these draws")
    recon_cols = [np.array([reconstruction_column(model, variant, r) for r in rs]) for rs in replays]
    fits: dict[str, _Fits] = {}

    def fit_configs(form: str) -> _Fits:
        """Fit every configuration with the KL column in ``form``; the first failure, if any."""
        out = _Fits()
        for ci, (cfg, rs, y, rc) in enumerate(zip(configs, replays, values, recon_cols, strict=True)):
            kc = np.array([_kl_column(r, sampler, form, model.prior_var) for r in rs])
            out.kl_cols.append(kc)
            cols = np.column_stack([rc, kc])
            fit = affine_fit(cols[:draws], y[:draws])
            s2 = (model.sigma2 or 1.0) if model.gaussian_fixed else None  # −ELBO's σ² for the plot
            with np.errstate(over="ignore"):  # β·KL beyond the float range (β ~ 1e308) is inf
                neg_elbo = (rc / (2 * s2) + cfg.data_dim * cfg.batch / 2 * math.log(2 * math.pi * s2)
                            if s2 else rc) + _expected_beta(beta, cfg) * kc
            out.points.extend(
                {"configuration": cfg.text(), "neg_elbo": float(ne), "loss": float(v)}
                for ne, v in zip(neg_elbo, y, strict=True))
            pred = fit.predict(cols)
            size = np.maximum(np.abs(y) + np.abs(cols * fit.coef).sum(axis=1) + abs(fit.intercept), fit.scale)
            excess = np.maximum(np.abs(y - pred) - abs(float(fit.coef[0])) * allowances[ci], 0.0)
            rel = excess / size
            out.worst = max(out.worst, float(np.max(rel)))
            w, b = float(fit.coef[0]), float(fit.coef[1])
            out.coefs.append((w, b))
            if float(np.max(rel)) > tol and out.failure is None:
                j = int(np.argmax(rel))
                a = 2 * model.sigma2 * w if model.gaussian_fixed and model.sigma2 else w
                exp_beta = _expected_beta(beta, cfg)
                sig2 = model.sigma2 or 1.0
                const = (0.5 * math.log(2 * math.pi * sig2) * cfg.data_dim * cfg.batch
                         if model.gaussian_fixed else 0.0)
                recon_term = rc[j] / (2 * sig2) + const if model.gaussian_fixed else rc[j]
                out.failure_index = ci
                out.failure = {
                    "configuration": cfg.text(), "draw": j, "extreme": j >= draws,
                    "inputs": _summary(rs[j], model),
                    "loss": float(y[j]),
                    "a·(−ELBO)+c (fit on the ordinary draws)": float(pred[j]),
                    f"−ELBO (β = {exp_beta:g}, verified terms)": float(recon_term + exp_beta * kc[j]),
                    "relative deviation": float(np.abs(y - pred)[j] / size[j]),
                    "fit": f"a = {a:.6g}, β = {b / a if a else math.nan:.6g}, c = {fit.intercept:.6g}",
                }
                out.inputs = {"x": rs[j].x, "recon": rs[j].recon, "mu": rs[j].mu, "s": rs[j].s, "z": rs[j].z}
            out.a.append(2 * model.sigma2 * w if model.gaussian_fixed and model.sigma2 else w)
            out.b.append(b)
            # the fixed-σ² Gaussian fit is on ‖x − x̂‖²: move its constant B·(D/2)·log(2πσ²) into c
            gauss_const = (cfg.batch * cfg.data_dim / 2 * math.log(2 * math.pi * model.sigma2)
                           if model.gaussian_fixed and model.sigma2 else 0.0)
            out.c.append(fit.intercept - out.a[-1] * gauss_const)
        return out

    form = "closed"
    fits[form] = fit_configs(form)
    observed_z = all(r.z is not None for rs in replays for r in rs) and (
        model.mode != "tensors" or "z" in model.roles)
    if fits[form].failure is not None and observed_z:
        alt = fit_configs("sample")
        if alt.failure is None:
            form = "sample"
            fits[form] = alt
            audit.notes.append("the KL term is the single-sample estimate log q(z|x) − log p(z) at the "
                               "loss's z: an unbiased estimate of the KL (lower variance in closed form)")
    fit = fits[form]
    audit.points = fit.points
    if parts:
        audit.notes += describe_parts(replays, recon_cols, fit.kl_cols, [c.variables() for c in configs], tol,
                                      coef_rel, "‖x − x̂‖²" if model.gaussian_fixed else "(−log p(x|z))")
    audit.counterexample_inputs = fit.inputs
    audit.worst_residual = fit.worst
    variables = [c.variables() for c in configs]
    if fit.failure is not None:
        audit.verdict = LossVerdict.NOT_AFFINE
        audit.counterexample = fit.failure
        _diagnose(audit, model, replays, values, tol, sampler, variables, coef_rel, draws, fit, recon_cols)
        return audit
    _conclude(audit, model, beta, configs, replays, values, fit, variables, tol, coef_rel, sampler, form,
              draws, out_dtype)
    return audit


def _less_precise(*dtypes: torch.dtype | None) -> torch.dtype:
    """The least precise of the floating dtypes given (None ignored)."""
    known = [d for d in dtypes if d is not None and d.is_floating_point]
    return max(known, key=lambda d: torch.finfo(d).eps) if known else torch.float64


class _Fits:
    """Per-configuration fit results with one KL form."""

    def __init__(self) -> None:
        self.a: list[float] = []
        self.b: list[float] = []
        self.c: list[float] = []
        self.coefs: list[tuple[float, float]] = []
        self.kl_cols: list[np.ndarray] = []
        self.worst = 0.0
        self.failure: dict[str, Any] | None = None
        self.failure_index = 0
        self.inputs: dict[str, Any] | None = None
        #: (configuration, −ELBO with the expected β from the verified terms, loss) per audited draw
        self.points: list[dict[str, Any]] = []


def _conclude(audit: LossAudit, model: ModelSpec, beta: float | str, configs: list[Config],
              replays: list[list[Replay]], values: list[np.ndarray], fit: _Fits,
              variables: list[dict[str, float]], tol: float, coef_rel: float, sampler: Convention, form: str,
              draws: int, out_dtype: torch.dtype) -> None:
    """The verdict of a loss that is affine in the terms: gradient, sign, σ², β, normalisation."""
    a_vals, b_vals, c_vals = list(fit.a), list(fit.b), list(fit.c)
    extra = ({"log(2πσ²)": math.log(2 * math.pi * model.sigma2)}
             if model.gaussian_fixed and model.sigma2 and model.sigma2 != 1 else {})
    audit.kl_convention = sampler.text()  # the fit with the sampler's KL is exact
    a_f = monomial(a_vals, variables, rel=coef_rel)
    beta_vals = [b / a for a, b in zip(a_vals, b_vals, strict=True)]
    if model.gaussian_fixed and model.sigma2 is None:
        # free σ²: β is the expected one; σ² = a/(2w) with a = b/β
        exp = [_expected_beta(beta, c) for c in configs]
        w_vals = a_vals
        a_vals = [b / e if e else math.nan for b, e in zip(b_vals, exp, strict=True)]
        a_f = monomial(a_vals, variables, rel=coef_rel)
        beta_vals = exp
        audit.implied_sigma2 = monomial([a / (2 * w) for a, w in zip(a_vals, w_vals, strict=True)], variables,
                                        rel=coef_rel)
    elif model.gaussian_fixed:
        w_vals = [a / (2 * (model.sigma2 or 1.0)) for a in a_vals]
        audit.implied_sigma2 = monomial([b / (2 * w) for b, w in zip(b_vals, w_vals, strict=True)], variables,
                                        rel=coef_rel)
    audit.a = a_f
    audit.beta_eff = monomial(beta_vals, variables, rel=coef_rel)
    c_over_a = [c / a for c, a in zip(c_vals, a_vals, strict=True)]
    c_abs = max(tol * max(1.0, max(abs(v) for v in values[i])) / abs(a_vals[i]) for i in range(len(values)))
    c_add = additive(c_over_a, variables, abs_tol=c_abs, extra_constants=extra)
    if c_add is not None and c_add.text == "0":
        audit.c = Formula("0", True, tuple(c_vals))
    else:
        c_mono = monomial(c_vals, variables, extra_constants=extra, rel=coef_rel)
        audit.c = (c_mono if c_mono.exact or c_add is None
                   else Formula(f"a·({c_add.text})", True, tuple(c_vals)))
    grad_tol = gradient_tolerance(out_dtype)
    gc = check_gradients(model, replays, draws, fit.coefs, sampler, form, [c.text() for c in configs],
                         grad_tol, coef_rel)
    audit.gradient_checked = gc.checked
    audit.gradient_residual = gc.residual
    audit.tolerance_reason += f"; gradient compared on the ordinary draws to {grad_tol:g}"
    if gc.checked == 0:
        audit.notes.append("gradient not checked: no draw had inputs or parameters to differentiate")
    if not gc.ok:
        audit.verdict = LossVerdict.GRADIENT
        assert gc.blocked is not None
        audit.diagnosis.append(gc.blocked)
        audit.counterexample = gc.counterexample
        return
    exp0 = _expected_beta(beta, configs[0])
    if any(a <= 0 for a in a_vals):
        audit.verdict = LossVerdict.WRONG_SIGN
        if all(bv < 0 for bv in beta_vals):
            audit.diagnosis.append(
                f"only the reconstruction term has the wrong sign (a = {a_f.text} < 0 with β_eff = "
                f"{audit.beta_eff.text}: the KL term enters with the right sign): the loss adds the "
                "log-likelihood log p(x|z) instead of subtracting it, so minimising it makes "
                "reconstructions worse; fix: use −log p(x|z) (e.g. the BCE or NLL, not Σ x·log x̂ + (1 − "
                "x)·log(1 − x̂))")
        else:
            audit.diagnosis.append(
                f"a = {a_f.text} < 0 with β_eff = {audit.beta_eff.text}: the loss is a positive multiple of "
                "+ELBO (both terms flipped), the objective to maximise; minimising it maximises −ELBO. "
                "Fix: return −ELBO (negate it)")
        audit.counterexample = {"configuration": configs[0].text(), "a": a_vals[0], "β_eff": beta_vals[0],
                                "expected β": exp0}
        return
    if model.gaussian_fixed and model.sigma2 is None:
        assert audit.implied_sigma2 is not None
        sig_all = audit.implied_sigma2.values
        groups: dict[tuple[tuple[str, float], ...], list[float]] = {}
        for c, v in zip(configs, sig_all, strict=True):
            groups.setdefault(c.hyper, []).append(v)
        moves = any(max(g) - min(g) > coef_rel * max(abs(x) for x in g) for g in groups.values())
        if moves:
            audit.verdict = LossVerdict.BETA_MISMATCH
            audit.diagnosis.append(f"the implied decoder variance σ² = {audit.implied_sigma2.text} changes "
                                   "with the batch or data size: no fixed σ² makes this loss an ELBO")
            sig = audit.implied_sigma2.values
            pair = next(((i, j) for i in range(len(configs)) for j in range(len(configs))
                         if configs[i].batch != configs[j].batch and configs[i].shape == configs[j].shape
                         and configs[i].latent == configs[j].latent and configs[i].hyper == configs[j].hyper
                         and abs(sig[i] - sig[j]) > coef_rel * max(abs(sig[i]), abs(sig[j]))), None)
            if pair is None:
                pair = max(((i, j) for i in range(len(configs)) for j in range(len(configs))),
                           key=lambda p: abs(sig[p[0]] - sig[p[1]]))
            audit.counterexample = {"configurations": [configs[pair[0]].text(), configs[pair[1]].text()],
                                    "σ²": [sig[pair[0]], sig[pair[1]]]}
            return
    mismatch = [(c, bv, _expected_beta(beta, c)) for c, bv in zip(configs, beta_vals, strict=True)
                if abs(bv - _expected_beta(beta, c)) > coef_rel * max(1.0, abs(_expected_beta(beta, c)))]
    if mismatch:
        cfg, got, want = max(mismatch, key=lambda m: (m[0].batch, abs(m[1] - m[2])))
        audit.verdict = LossVerdict.BETA_MISMATCH
        text = f"β_eff = {audit.beta_eff.text}, expected β = {audit.expected_beta}"
        if not audit.beta_eff.exact:
            by_shape = _by_layout(configs, beta_vals, coef_rel)
            if by_shape:
                text = f"β_eff depends on the data layout ({by_shape}), expected β = {audit.expected_beta}"
        if all(bv < 0 for bv in beta_vals):
            text += ("; the KL term has the wrong sign: the loss *rewards* KL(q(z|x) ‖ p(z)), so "
                     "minimising it pushes q(z|x) away from the prior; fix: add KL = −½Σ(1 + log σ² − μ² − "
                     "σ²) ≥ 0")
        elif audit.beta_eff.exact and {"B", "D", "d"} & set(re.split(r"[()·/^ ]+", audit.beta_eff.text)):
            text += ("; the reconstruction and KL terms are reduced over different axes (β_eff moves with "
                     "the batch, data or latent size); fix: reduce both the same way (sum over pixels and "
                     "latents, then the same mean over the batch)")
        audit.diagnosis.append(text)
        audit.counterexample = {"configuration": cfg.text(), "β_eff": got, "expected β": want}
        return
    if not audit.normalisation.ok:
        audit.verdict = LossVerdict.UNNORMALISED
        audit.diagnosis.append(audit.normalisation.detail)
        audit.counterexample = {k: v for k, v in audit.normalisation.masses}
        return
    audit.verdict = LossVerdict.EQUALS


def _layout_factor(shape: tuple[int, ...], value: float, rel: float) -> str:
    """The name of a size of ``shape`` equal to ``value`` (H·W, C, W, …), or ''."""
    if len(shape) != 3:
        return ""
    c, h, w = shape
    for name, size in (("H·W", h * w), ("C", c), ("W", w), ("H", h), ("C·H", c * h), ("D", c * h * w)):
        if abs(value - size) <= rel * size:
            return f" = {name}"
    return ""


def _by_layout(configs: list[Config], values: list[float], rel: float) -> str:
    """'(4,): 1, (1, 4, 4): 16 = H·W' when a coefficient is constant within each data shape and
    differs between shapes; '' otherwise."""
    per: dict[tuple[int, ...], list[float]] = {}
    for c, v in zip(configs, values, strict=True):
        per.setdefault(c.shape, []).append(v)
    if len(per) < 2 or any(max(v) - min(v) > rel * max(abs(x) for x in v) for v in per.values()):
        return ""
    if len({round(v[0], 9) for v in per.values()}) < 2:
        return ""
    return ", ".join(f"{shape}: {format_number(v[0])}{_layout_factor(shape, v[0], rel)}"
                     for shape, v in per.items()) + ("; on images the loss reduces over other axes than on "
                                                     "flat data (e.g. sums over the channels only)")


def _diagnose(audit: LossAudit, model: ModelSpec, replays: list[list[Replay]], values: list[np.ndarray],
              tol: float, sampler: Convention, variables: list[dict[str, float]], coef_rel: float, draws: int,
              fit: _Fits, recon_cols: list[np.ndarray]) -> None:
    """Name the convention / likelihood deviation that makes the loss exact, if any; else say which
    terms agree and what the other one is (:mod:`~torch_impl.audit.explain`)."""
    sigma2 = (model.sigma2 or 1.0) if model.gaussian_fixed else None
    found = search(model, replays, values, tol, sigma2, coef_rel)
    if found:
        best = found[0]
        audit.kl_convention = best.kl.text()
        parts = []
        if best.kl != sampler:
            parts.append(f"the KL assumes {best.kl.text()}; the sampler uses {sampler.text()}")
        if best.prior_var != model.prior_var:
            parts.append(f"the KL is computed against the prior N(0, {best.prior_var:g}·I); the declared "
                         f"prior is N(0, {model.prior_var:g}·I) (fix: use the declared prior's variance in "
                         "the KL, or declare the prior the loss uses)")
        if not best.variant.declared:
            parts.append(best.variant.describe())
        beta_f = monomial(list(best.beta_eff), variables, rel=coef_rel)
        a_f = monomial(list(best.a), variables, rel=coef_rel)
        audit.diagnosis.append("; ".join(parts) + f" (with that reading the loss is exact: a = {a_f.text}, "
                               f"β_eff = {beta_f.text})")
        return
    ci = fit.failure_index
    g_tol = 1e-6 if tol < 1e-6 else 1e-2
    with torch.enable_grad():
        recon = explain.recon_term(model, replays[ci], draws, g_tol)
        a = None
        if recon is not None and recon[0] == "agrees" and recon[1]:
            a = recon[1][0] * (2 * (model.sigma2 or 1.0) if model.gaussian_fixed else 1.0)
        recon_coef = recon[1][0] if recon and recon[0] == "agrees" else None
        kl = (explain.kl_term(model, replays[ci], len(replays[ci]), sampler, values[ci], recon_coef,
                              recon_cols[ci], fit.kl_cols[ci], g_tol)
              if model.mode == "tensors" else None)
    audit.diagnosis.append(explain.describe(model, recon, kl, a))
