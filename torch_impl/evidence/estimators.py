"""``torch`` evidence for the gradient and Monte Carlo estimators (reparameterisation, score
function, REINFORCE; seed 001 §4.4)."""

from __future__ import annotations

import math
from functools import cache

import torch
from scipy import stats

from torch_impl import reinforce as rf
from torch_impl.evidence._common import (
    MC_SIGMAS,
    SIGMAS,
    Check,
    _attach,
    _gen,
    _one_thread,
)
from torch_impl.linear import LinearVae
from torch_impl.model import reparameterize


def mc_reconstruction_unbiased(repeats: int = 20000) -> Check:
    """E[(1/M) Σ log p(x|z_m)] = E_q[log p(x|z)] (closed form for the linear-Gaussian decoder)."""
    vae = LinearVae.random(5, 2, generator=_gen(5))
    x = torch.randn(1, 5, dtype=torch.float64, generator=_gen(6))
    s2 = torch.exp(vae.log_sigma2)
    mu = vae.encoder_mean(x)
    exact = float(
        -0.5 * 5 * torch.log(2 * math.pi * s2)
        - (((x - vae.b - mu @ vae.w.T) ** 2).sum() + (vae.w**2 * torch.exp(vae.logvar)).sum()) / (2 * s2)
    )
    worst, detail = 0.0, []
    g = _gen(7)
    for m in (1, 5):
        eps = torch.randn(repeats, m, 2, dtype=torch.float64, generator=g)
        z = mu + torch.exp(0.5 * vae.logvar) * eps
        resid = x - vae.b - z @ vae.w.T
        ll = -0.5 * 5 * torch.log(2 * math.pi * s2) - (resid**2).sum(-1) / (2 * s2)
        est = ll.mean(-1)
        se = float(est.std() / math.sqrt(repeats))
        err = abs(float(est.mean()) - exact)
        worst = max(worst, err / (MC_SIGMAS * se))
        detail.append(f"M={m}: |mean − exact| = {err:.2e}, 5 SE = {MC_SIGMAS * se:.2e}")
    return Check(
        "M-sample reconstruction estimator is unbiased",
        worst,
        1.0,
        "; ".join(detail) + " (error in units of 5 SE)",
    )


# --------------------------------------------------------------------------- reparameterisation


def reparameterisation_law(n: int = 100_000) -> Check:
    """z = μ + σε has the N(μ, σ²) law: KS test p-value and standardised moments."""
    torch.manual_seed(8)
    mu, lv = torch.tensor([1.5], dtype=torch.float64), torch.tensor([-0.4], dtype=torch.float64)
    z = reparameterize(mu.expand(n), lv.expand(n))
    sd = math.exp(-0.2)
    ks = stats.kstest(z.numpy(), "norm", args=(1.5, sd))
    mean_z = abs(float(z.mean()) - 1.5) / (sd / math.sqrt(n))
    var_z = abs(float(z.var()) - sd**2) / (sd**2 * math.sqrt(2 / n))
    worst = max(mean_z, var_z) / MC_SIGMAS
    ok_ks = ks.pvalue > 1e-3
    return Check(
        "reparameterised samples ∼ N(μ, σ²)",
        worst if ok_ks else float("inf"),
        1.0,
        f"KS p = {ks.pvalue:.3f} (> 1e-3 required), mean and variance within "
        f"{max(mean_z, var_z):.2f} SE (5 allowed)",
    )


def pathwise_vs_score(n: int = 200_000) -> tuple[Check, dict[str, float]]:
    """∂_μ E[z²] = 2μ and ∂_σ E[z²] = 2σ: the pathwise (reparameterised) and the score-function
    estimators are both unbiased (5 SE); their per-sample variances are measured and reported."""
    torch.manual_seed(9)
    mu = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    sigma = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    eps = torch.randn(n, dtype=torch.float64)
    z = mu + sigma * eps
    f = z**2
    # pathwise: per-sample gradients 2z·(1, ε)
    pw = torch.stack([2 * z, 2 * z * eps], -1).detach()
    # score function: f · ∇ log N(z; μ, σ²), z treated as a constant sample
    zd = z.detach()
    score = torch.stack([(zd - mu) / sigma**2, ((zd - mu) ** 2 / sigma**3 - 1 / sigma)], -1).detach()
    sf = f.detach()[:, None] * score
    exact = torch.tensor([2 * 0.7, 2 * 1.3], dtype=torch.float64)
    worst = 0.0
    for est in (pw, sf):
        se = est.std(0) / math.sqrt(n)
        worst = max(worst, float(((est.mean(0) - exact).abs() / (MC_SIGMAS * se)).max()))
    variances = {
        "pathwise var ∂μ": float(pw[:, 0].var()),
        "pathwise var ∂σ": float(pw[:, 1].var()),
        "score-function var ∂μ": float(sf[:, 0].var()),
        "score-function var ∂σ": float(sf[:, 1].var()),
    }
    lower = (
        variances["pathwise var ∂μ"] < variances["score-function var ∂μ"]
        and variances["pathwise var ∂σ"] < variances["score-function var ∂σ"]
    )
    return Check(
        "pathwise and score-function gradients unbiased; pathwise variance lower",
        worst if lower else float("inf"),
        1.0,
        ", ".join(f"{k} = {v:.3g}" for k, v in variances.items()),
    ), variances
_attach("estimator.mc_reconstruction_unbiased", mc_reconstruction_unbiased)
_attach("estimator.reparameterisation", reparameterisation_law, lambda: pathwise_vs_score()[0])
_attach("estimator.score_function", lambda: pathwise_vs_score()[0])


@cache
def _reinforce_problem() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    x = rf.binary_digits(16)
    model = rf.CategoricalVae.init(x.shape[1], 10)
    logits, f = model.logits(x), model.log_lik_all(x)
    return logits, f, rf.exact_logit_gradient(logits, f)


def reinforce_unbiased(*, baseline: bool, score: rf.ScoreFn | None = None) -> Check:
    """REINFORCE (optionally with the leave-one-out baseline) vs the exact gradient by
    enumeration: 4000 estimates of 4 samples each, 16 digits, K = 10; max |mean − exact|/SE ≤ 5."""
    logits, f, exact = _reinforce_problem()
    with _one_thread():
        est = rf.score_function_estimates(logits, f, samples=4, repeats=4000, baseline=baseline,
                                          score=score)
        check = rf.check_unbiased(est, exact)
        detail = (f"largest |mean − exact|/SE over {exact.numel()} encoder-logit coordinates: "
                  f"{check.max_z:.2f} (tolerance {SIGMAS:g}); mean estimator variance "
                  f"{check.mean_variance:.4g}")
        if baseline:
            plain = rf.check_unbiased(
                rf.score_function_estimates(logits, f, samples=4, repeats=4000, baseline=False), exact
            )
            runs = {b: rf.train_reinforce(rf.binary_digits(64), 10, baseline=b, steps=100)
                    for b in (False, True)}
            detail += (
                f" vs {plain.mean_variance:.4g} without the baseline "
                f"({plain.mean_variance / check.mean_variance:.0f}× lower); trained 100 Adam steps on "
                f"64 digits: exact ELBO/image {runs[False].elbo_start:.2f} → {runs[False].elbo_end:.2f} "
                f"without, → {runs[True].elbo_end:.2f} with the baseline"
            )
    return Check(f"REINFORCE{' with baseline' if baseline else ''} unbiased", check.max_z, SIGMAS, detail)
_attach("estimator.reinforce_categorical", lambda: reinforce_unbiased(baseline=False))
_attach("estimator.reinforce_baseline", lambda: reinforce_unbiased(baseline=True))
