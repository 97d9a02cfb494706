"""``audit_elbo_loss``: is a user's VAE loss the negative ELBO it claims to be? (issue 11, item 1;
seed 001 §3 and ECE 544 PS5 2 for the per-example terms; Kingma & Welling 2014; Higgins et al.
2017 for β.)

At every configuration (B, D, d, hyper-parameters) the loss is evaluated on seeded random inputs
(ordinary and saturated, :mod:`~torch_impl.audit.draws`) and compared with the verified terms
(:mod:`~torch_impl.audit.reference`, float64) by the fit

    loss = a·Σ_i[−log p(x_i|z_i) + β_eff·KL_i] + c

(fixed-σ² Gaussian: loss = w·Σ_i‖x_i − x̂_i‖² + b·Σ_i KL_i + c, a = 2σ²w, β_eff = b/a). The fit
is made on the ordinary draws; the saturated draws must then lie on it too. a, β_eff and c are
written as formulas in B, D, d and the hyper-parameters (:mod:`~torch_impl.audit.fit`).

Tolerance (relative to the size of the terms): 1e-9 for a float64 loss — the reference is float64
and a loss over N ≤ 2000 terms rounds by at most N·ε₆₄ ≈ 4e-13, so 1e-9 keeps a 2000× margin;
1e-4 for float32 (N·ε₃₂ ≈ 2.4e-4 worst case, √N·ε₃₂ ≈ 5e-6 typical); 1e-2 for 16-bit floats.
A deviation below the tolerance (e.g. β off by 1e-10) is not detected; every defect class of
issue 11 is many orders above it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from torch_impl.audit.conventions import Convention, format_number
from torch_impl.audit.draws import Config, configurations, draw_tensors
from torch_impl.audit.fit import Formula, additive, affine_fit, monomial
from torch_impl.audit.model_spec import ModelSpec
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

DEFAULT_BATCH_SIZES = (3, 10, 96)
DEFAULT_DATA_SHAPES: tuple[tuple[int, ...], ...] = ((4,), (9,), (20,))
DEFAULT_LATENT_DIMS = (2, 5)
#: fitted coefficients (a, β_eff, the noise scale k) are compared across configurations and with the
#: expected β to max(1e-6, 10·tolerance): least-squares coefficients carry the rounding noise of the
#: loss amplified by the conditioning of the draws (≤ 10 here for float32: measured worst 2e-6)
RATIO_REL = 1e-6


def coefficient_tolerance(tol: float) -> float:
    """Relative tolerance for comparing fitted coefficients across configurations: max(``RATIO_REL``,
    10·``tol``) with ``tol`` the fit tolerance of the loss's dtype (reason beside ``RATIO_REL``)."""
    return max(RATIO_REL, 10 * tol)


def tolerance_for(dtype: torch.dtype) -> tuple[float, str]:
    """The fit tolerance for a loss computed in ``dtype`` and its reason (module docstring)."""
    if dtype == torch.float64:
        return 1e-9, "float64 loss vs float64 reference: summation rounding ≤ N·ε₆₄ ≈ 4e-13 for N ≤ 2000"
    if dtype == torch.float32:
        return 1e-4, "float32 loss: summation rounding ≤ N·ε₃₂ ≈ 2.4e-4 worst case, ≈ 5e-6 typical"
    return 1e-2, f"{dtype} loss: 16-bit rounding"


def _check_sizes(name: str, values: Any, *, nested: bool = False) -> tuple[Any, ...]:
    try:
        vals = tuple(tuple(v) for v in values) if nested else tuple(values)
    except TypeError:
        raise ValueError(f"{name}: expected a sequence, got {values!r}") from None
    flat = [x for v in vals for x in v] if nested else list(vals)
    if not vals or not all(isinstance(x, int) and x >= 1 for x in flat):
        raise ValueError(f"{name}: expected positive integers, got {values!r}")
    return vals


def _validate(loss_fn: Any, model: Any, beta: Any, draws: int, extreme_draws: int) -> None:
    if not callable(loss_fn):
        raise ValueError(f"loss_fn: expected a callable, got {type(loss_fn).__name__}")
    if not isinstance(model, ModelSpec):
        raise ValueError(f"model: expected a torch_impl.audit.ModelSpec, got {type(model).__name__}")
    if isinstance(beta, str):
        if beta not in model.hyper:
            raise ValueError(f"beta: {beta!r} names no hyper-parameter of the model ({list(model.hyper)})")
    elif not (isinstance(beta, int | float) and math.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta: expected a finite number ≥ 0 or a hyper-parameter name, got {beta!r}")
    if not (isinstance(draws, int) and draws >= 6):
        raise ValueError(f"draws: need at least 6 ordinary draws per configuration, got {draws!r}")
    if not (isinstance(extreme_draws, int) and extreme_draws >= 0):
        raise ValueError(f"extreme_draws: expected an integer ≥ 0, got {extreme_draws!r}")


def _sizes(
    model: ModelSpec, data_shapes: Any, latent_dims: Any,
    defaults: tuple[tuple[tuple[int, ...], ...], tuple[int, ...]],
) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...], torch.dtype]:
    """(data shapes, latent sizes, the model's dtype) the audit draws for: from the user's
    modules when the model has hooks (the input size read off the encoder's first Linear unless
    given; latent size 0: the encoder decides), else the given sizes or ``defaults`` for the
    generated float64 model."""
    if model.hooks is None:
        return (_check_sizes("data_shapes", data_shapes or defaults[0], nested=True),
                _check_sizes("latent_dims", latent_dims or defaults[1]), torch.float64)
    if data_shapes is None:
        first = next((m for m in model.hooks.encoder.modules() if isinstance(m, torch.nn.Linear)), None)
        if first is None:
            raise ValueError("data_shapes: give the model's input shape, e.g. ((64,),)")
        data_shapes = ((first.in_features,),)
    return (_check_sizes("data_shapes", data_shapes, nested=True), (0,),
            next(model.hooks.encoder.parameters()).dtype)


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
            on_obs = torch.where(torch.broadcast_to(x, rec.shape) > 0.5, rec, 1 - rec)
            parts.append(f"smallest probability of an observed pixel {float(on_obs.min()):.3g}")
    if r.s is not None:
        parts.append(f"s in [{float(r.s.min()):.3g}, {float(r.s.max()):.3g}]")
    if r.mu is not None:
        parts.append(f"|μ| ≤ {float(r.mu.abs().max()):.3g}")
    return ", ".join(parts)


def _rounded(tensors: dict[str, torch.Tensor], model: ModelSpec,
             dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """The draw in ``dtype``; probabilities clamped to [tiny, 1 − 4ε] first (representable 1 − p)."""
    out = dict(tensors)
    if model.likelihood in ("bernoulli", "continuous_bernoulli"):
        eps = torch.finfo(dtype).eps
        out["recon"] = out["recon"].clamp(1e-30, 1 - 4 * eps)
    return {k: v.to(dtype) for k, v in out.items()}


def _kl_column(r: Replay, sampler: Convention, form: str) -> float:
    """Σ_i KL_i in closed form, or Σ_i [log q(z_i|x_i) − log p(z_i)] at the loss's z (``sample``,
    averaged over leading sample axes)."""
    assert r.mu is not None and r.s is not None
    mu, s = r.mu.detach().double(), r.s.detach().double()
    if form == "closed":
        return float(kl_per_example(mu, s, sampler).sum())
    assert r.z is not None
    z = r.z.detach().double()
    per = log_normal_diag(z, mu, sampler.log_var(s)) - log_standard_normal(z)
    while per.dim() > 1:
        per = per.mean(0)
    return float(per.sum())


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
    from ``seed``. Returns a :class:`LossAudit`; see the module docstring for the fit and the
    tolerance. A loss that raises is a ``crash`` verdict, not an exception here.

    ``dtype`` (float64 or float32) is the dtype of the tensors given to the loss: inputs are drawn
    in float64 and rounded to it (probabilities kept ≤ 1 − 4ε so that 1 − p stays representable);
    the reference is computed from the rounded values the loss actually received."""
    _validate(loss_fn, model, beta, draws, extreme_draws)
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
            r = call_loss(loss_fn, model, cfg, tensors, g, extreme=extreme)
            if r.error is not None:
                audit.verdict = LossVerdict.CRASH
                audit.exception = r.error
                audit.counterexample = {"configuration": cfg.text(), "draw": j, "extreme": extreme}
                return audit
            if r.recon is None or r.mu is None or r.s is None:
                audit.verdict = LossVerdict.CRASH
                audit.exception = "the auditor could not record " + ", ".join(
                    n for n, v in (("the decoder output", r.recon), ("μ", r.mu), ("s", r.s)) if v is None)
                return audit
            assert r.value is not None
            out_dtype = r.value.dtype
            audit.notes += [n for n in r.notes if n not in audit.notes]
            if r.sampler is not None:
                samplers.add(r.sampler.text())
            rs.append(r)
        replays.append(rs)
        values.append(np.array([float(r.value.detach()) for r in rs if r.value is not None]))
    tol, reason = tolerance_for(out_dtype)
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
    FitResult = tuple[list[float], list[float], list[float], float, dict[str, Any] | None]

    def fit_configs(form: str) -> FitResult:
        """Fit every configuration with the KL column in ``form``; the first failure, if any."""
        a_vals: list[float] = []
        b_vals: list[float] = []
        c_vals: list[float] = []
        worst = 0.0
        failure: dict[str, Any] | None = None
        for cfg, rs, y in zip(configs, replays, values, strict=True):
            rc = np.array([reconstruction_column(model, variant, r) for r in rs])
            kc = np.array([_kl_column(r, sampler, form) for r in rs])
            cols = np.column_stack([rc, kc])
            finite = np.isfinite(y)
            if not finite.all():
                j = int(np.argmin(finite))
                worst = math.inf
                if failure is None:
                    exp_beta = _expected_beta(beta, cfg)
                    failure = {"configuration": cfg.text(), "draw": j, "extreme": j >= draws,
                               "inputs": _summary(rs[j], model), "loss": float(y[j]),
                               "−ELBO (verified terms, before constants)": float(rc[j] + exp_beta * kc[j]),
                               "problem": "the loss is not finite at finite inputs"}
                    inputs_out["inputs"] = {"x": rs[j].x, "recon": rs[j].recon, "mu": rs[j].mu,
                                            "s": rs[j].s, "z": rs[j].z}
                a_vals.append(math.nan)
                b_vals.append(math.nan)
                c_vals.append(math.nan)
                continue
            fit = affine_fit(cols[:draws], y[:draws])
            s2 = (model.sigma2 or 1.0) if model.gaussian_fixed else None  # −ELBO's σ² for the plot
            neg_elbo = (rc / (2 * s2) + cfg.data_dim * cfg.batch / 2 * math.log(2 * math.pi * s2)
                        if s2 else rc) + _expected_beta(beta, cfg) * kc
            points_by_form.setdefault(form, []).extend(
                {"configuration": cfg.text(), "neg_elbo": float(ne), "loss": float(v)}
                for ne, v in zip(neg_elbo, y, strict=True))
            pred = fit.predict(cols)
            size = np.maximum(np.abs(y) + np.abs(cols * fit.coef).sum(axis=1) + abs(fit.intercept), fit.scale)
            rel = np.where(finite, np.abs(y - pred) / size, np.inf)
            worst = max(worst, float(np.max(rel)))
            if float(np.max(rel)) > tol and failure is None:
                j = int(np.argmax(rel))
                w, b = float(fit.coef[0]), float(fit.coef[1])
                a = 2 * model.sigma2 * w if model.gaussian_fixed and model.sigma2 else w
                exp_beta = _expected_beta(beta, cfg)
                sig2 = model.sigma2 or 1.0
                const = (0.5 * math.log(2 * math.pi * sig2) * cfg.data_dim * cfg.batch
                         if model.gaussian_fixed else 0.0)
                recon_term = rc[j] / (2 * sig2) + const if model.gaussian_fixed else rc[j]
                failure = {
                    "configuration": cfg.text(), "draw": j, "extreme": j >= draws,
                    "inputs": _summary(rs[j], model),
                    "loss": float(y[j]),
                    "a·(−ELBO)+c (fit on the ordinary draws)": float(pred[j]),
                    f"−ELBO (β = {exp_beta:g}, verified terms)": float(recon_term + exp_beta * kc[j]),
                    "relative deviation": float(rel[j]),
                    "fit": f"a = {a:.6g}, β = {b / a if a else math.nan:.6g}, c = {fit.intercept:.6g}",
                }
                inputs_out["inputs"] = {"x": rs[j].x, "recon": rs[j].recon, "mu": rs[j].mu,
                                        "s": rs[j].s, "z": rs[j].z}
            w, b = float(fit.coef[0]), float(fit.coef[1])
            a_vals.append(2 * model.sigma2 * w if model.gaussian_fixed and model.sigma2 else w)
            b_vals.append(b)
            # the fixed-σ² Gaussian fit is on ‖x − x̂‖²: move its constant B·(D/2)·log(2πσ²) into c
            gauss_const = (cfg.batch * cfg.data_dim / 2 * math.log(2 * math.pi * model.sigma2)
                           if model.gaussian_fixed and model.sigma2 else 0.0)
            c_vals.append(fit.intercept - a_vals[-1] * gauss_const)
        return a_vals, b_vals, c_vals, worst, failure

    inputs_out: dict[str, Any] = {}
    points_by_form: dict[str, list[dict[str, Any]]] = {}
    a_vals, b_vals, c_vals, worst, failure = fit_configs("closed")
    audit.points = points_by_form.get("closed", [])
    observed_z = all(r.z is not None for rs in replays for r in rs) and (
        model.mode != "tensors" or "z" in model.roles)
    if failure is not None and observed_z:
        first_inputs = inputs_out.get("inputs")
        alt = fit_configs("sample")
        if alt[4] is None:
            a_vals, b_vals, c_vals, worst, failure = alt
            audit.points = points_by_form.get("sample", [])
            audit.notes.append("the KL term is the single-sample estimate log q(z|x) − log p(z) at the "
                               "loss's z: an unbiased estimate of the KL (lower variance in closed form)")
        else:
            inputs_out["inputs"] = first_inputs
    audit.counterexample_inputs = inputs_out.get("inputs")
    audit.worst_residual = worst
    variables = [c.variables() for c in configs]
    extra = ({"log(2πσ²)": math.log(2 * math.pi * model.sigma2)}
             if model.gaussian_fixed and model.sigma2 and model.sigma2 != 1 else {})
    if failure is not None:
        audit.verdict = LossVerdict.NOT_AFFINE
        audit.counterexample = failure
        _diagnose(audit, model, replays, values, tol, sampler, variables, coef_rel)
        return audit
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
    if any(a <= 0 for a in a_vals):
        audit.verdict = LossVerdict.WRONG_SIGN
        audit.diagnosis.append(f"a = {a_f.text} ≤ 0: the loss is a negative multiple of −ELBO (a sign flip)")
        audit.counterexample = {"configuration": configs[0].text(), "a": a_vals[0]}
        return audit
    if model.gaussian_fixed and model.sigma2 is None:
        assert audit.implied_sigma2 is not None
        if "B" in audit.implied_sigma2.text or not audit.implied_sigma2.exact:
            audit.verdict = LossVerdict.BETA_MISMATCH
            audit.diagnosis.append(f"the implied decoder variance σ² = {audit.implied_sigma2.text} changes "
                                   "with "
                                   "the batch size: no fixed σ² makes this loss an ELBO")
            audit.counterexample = {"configurations": [c.text() for c in configs[:2]],
                                    "σ²": list(audit.implied_sigma2.values[:2])}
            return audit
    mismatch = [(c, bv, _expected_beta(beta, c)) for c, bv in zip(configs, beta_vals, strict=True)
                if abs(bv - _expected_beta(beta, c)) > coef_rel * max(1.0, abs(_expected_beta(beta, c)))]
    if mismatch:
        cfg, got, want = max(mismatch, key=lambda m: (m[0].batch, abs(m[1] - m[2])))
        audit.verdict = LossVerdict.BETA_MISMATCH
        audit.diagnosis.append(f"β_eff = {audit.beta_eff.text}, expected β = {audit.expected_beta}")
        audit.counterexample = {"configuration": cfg.text(), "β_eff": got, "expected β": want}
        return audit
    if not audit.normalisation.ok:
        audit.verdict = LossVerdict.UNNORMALISED
        audit.diagnosis.append(audit.normalisation.detail)
        audit.counterexample = {k: v for k, v in audit.normalisation.masses}
        return audit
    audit.verdict = LossVerdict.EQUALS
    return audit


def _diagnose(audit: LossAudit, model: ModelSpec, replays: list[list[Replay]], values: list[np.ndarray],
              tol: float, sampler: Convention, variables: list[dict[str, float]], coef_rel: float) -> None:
    """Name the convention / likelihood deviation that makes the loss exact, if any."""
    sigma2 = (model.sigma2 or 1.0) if model.gaussian_fixed else None
    found = search(model, replays, values, tol, sigma2, coef_rel)
    if not found:
        audit.diagnosis.append(
            "no standard KL convention (logvar, logstd, softplus, std, var, each with any noise scale) "
            "and no named likelihood deviation makes the loss affine in the verified terms")
        return
    best = found[0]
    audit.kl_convention = best.kl.text()
    parts = []
    if best.kl != sampler:
        parts.append(f"the KL assumes {best.kl.text()}; the sampler uses {sampler.text()}")
    if best.variant.clip is not None or best.variant.drop_normaliser:
        parts.append(best.variant.describe())
    beta_f = monomial(list(best.beta_eff), variables, rel=coef_rel)
    a_f = monomial(list(best.a), variables, rel=coef_rel)
    audit.diagnosis.append("; ".join(parts) + f" (with that reading the loss is exact: a = {a_f.text}, "
                           f"β_eff = {beta_f.text})")
