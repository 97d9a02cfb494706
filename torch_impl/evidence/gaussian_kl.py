"""``torch`` evidence for the Gaussian KL claims: the VAE's KL term against the verified closed forms
and ``torch.distributions`` (seed 000 CS 446 HW8 1(b); Kingma & Welling 2014, App. B)."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import mpmath as mp
import numpy as np
import sympy as sp
import torch
from torch.distributions import MultivariateNormal, Normal, kl_divergence

from derivations.checker.verdicts import Evidence
from derivations.runner.registry import evidence
from torch_impl.evidence._common import (
    DT,
    MC_SIGMAS,
    REL_TOL,
    SEED,
    Check,
    _attach,
    _gen,
    _rel,
    _result,
)
from torch_impl.kl import kl_standard_normal, kl_standard_normal_textbook
from torch_impl.model import Vae, VaeConfig, reparameterize

# --------------------------------------------------------------------------- KL term


@cache
def symbolic_kl_as_torch() -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The per-coordinate closed form of ``gaussian_kl.diagonal_vs_standard`` (Kingma & Welling,
    App. B), taken from ``derivations`` and turned into a torch function by ``sympy.lambdify``."""
    from derivations.gaussian_kl import kingma_welling_closed_form

    mu, sig = sp.IndexedBase("mu", real=True), sp.IndexedBase("sigma", positive=True)
    j = sp.Symbol("j", integer=True, positive=True)
    expr = kingma_welling_closed_form(mu, sig, j, 1).doit()
    m, lv = sp.symbols("m lv", real=True)
    per_coord = expr.xreplace({mu[1]: m, sig[1]: sp.exp(lv / 2)})
    return sp.lambdify((m, lv), sp.expand_log(per_coord, force=True), modules="torch")


def _ref_kl(mu: float, logvar: float) -> mp.mpf:
    with mp.workdps(50):
        m, lv = mp.mpf(mu), mp.mpf(logvar)
        return (mp.exp(lv) - 1 - lv + m * m) / 2


def kl_term_accuracy(dtype: torch.dtype, *, samples: int = 200, seed: int = 0) -> dict[str, float]:
    """Worst relative error (ulp of ``dtype``) against mpmath of: this project's KL term, the
    symbolic closed form (lambdified), torch.distributions, and the textbook form, over
    near-collapsed units (|ℓ|, |μ| from 1 down to 1e-7) and ordinary ones."""
    rng = np.random.default_rng(seed)
    sym = symbolic_kl_as_torch()
    eps = float(torch.finfo(dtype).eps)
    scales = 10.0 ** -rng.uniform(0, 7, samples)
    mu = torch.tensor(rng.normal(size=samples) * scales, dtype=dtype)
    lv = torch.tensor(rng.normal(size=samples) * scales, dtype=dtype)
    ours = kl_standard_normal(mu, lv)
    symbolic = sym(mu, lv)
    dist = kl_divergence(Normal(mu, torch.exp(0.5 * lv)), Normal(torch.zeros_like(mu), torch.ones_like(mu)))
    textbook = kl_standard_normal_textbook(mu, lv)
    worst = {"this project": 0.0, "symbolic closed form": 0.0, "torch.distributions": 0.0, "textbook": 0.0}
    for i in range(samples):
        ref = _ref_kl(float(mu[i]), float(lv[i]))
        for name, t in (
            ("this project", ours),
            ("symbolic closed form", symbolic),
            ("torch.distributions", dist),
            ("textbook", textbook),
        ):
            err = float(abs((mp.mpf(float(t[i])) - ref) / ref)) / eps
            worst[name] = max(worst[name], err)
    return worst


def kl_term_matches_where_accurate() -> Check:
    """At ordinary parameters (|ℓ| ≥ 1, where no form cancels), float64: ours vs the symbolic closed
    form and torch.distributions, relative difference in ulp."""
    g = _gen(1)
    mu = torch.randn(1000, dtype=torch.float64, generator=g) * 2
    lv = torch.sign(torch.randn(1000, dtype=torch.float64, generator=g)) * (
        1 + torch.rand(1000, dtype=torch.float64, generator=g)
    )
    ours = kl_standard_normal(mu, lv)
    sym = symbolic_kl_as_torch()(mu, lv)
    dist = kl_divergence(Normal(mu, torch.exp(0.5 * lv)), Normal(0.0, 1.0))
    eps = torch.finfo(torch.float64).eps
    err = max(
        float(((ours - sym).abs() / sym.abs()).max() / eps),
        float(((ours - dist).abs() / dist.abs()).max() / eps),
    )
    return Check(
        "KL term = symbolic closed form = torch.distributions (|ℓ| ≥ 1)",
        err,
        16.0,
        "≤ 16 ulp where all three forms are accurate",
    )


def kl_term_monte_carlo(n: int = 200_000) -> Check:
    """KL(q ‖ N(0,I)) = E_q[log q − log p], Monte Carlo with 5 standard errors."""
    g = _gen(2)
    mu = torch.tensor([0.3, -1.0, 0.0], dtype=torch.float64)
    lv = torch.tensor([0.2, -0.7, 1e-3], dtype=torch.float64)
    z = mu + torch.exp(0.5 * lv) * torch.randn(n, 3, dtype=torch.float64, generator=g)
    log_q = Normal(mu, torch.exp(0.5 * lv)).log_prob(z).sum(-1)
    log_p = Normal(0.0, 1.0).log_prob(z).sum(-1)
    d = log_q - log_p
    se = float(d.std() / math.sqrt(n))
    exact = float(kl_standard_normal(mu, lv).sum())
    err = abs(float(d.mean()) - exact)
    return Check(
        "KL term = Monte-Carlo E_q[log q − log p]",
        err,
        MC_SIGMAS * se,
        f"n = {n}, standard error {se:.2e}, tolerance 5 SE",
    )


def training_loss_matches_elbo_terms(
    kl_total: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None, beta: float = 2.0
) -> Check:
    """The training hot path (:meth:`Vae.loss`: one BCE/MSE reduction and the fused KL node
    :func:`kl_standard_normal_total`) against the per-point verified terms on the same ε (float64,
    Bernoulli and Gaussian decoders): −mean(log p(x|z) − β Σ_j KL_j) from
    :meth:`Vae.log_likelihood` and :func:`kl_standard_normal`, and every parameter gradient
    against autograd through those terms. ``kl_total`` swaps in another fused KL (a wrong variant
    must be refuted)."""
    err, n_grads = 0.0, 0
    for likelihood in ("bernoulli", "gaussian"):
        torch.manual_seed(11)
        model = Vae(VaeConfig(beta=beta, likelihood=likelihood)).double()
        x = torch.rand(32, 64, dtype=torch.float64)
        x = (x < 0.4).double() if likelihood == "bernoulli" else x
        state = torch.random.get_rng_state()
        if kl_total is None:
            fast, _ = model.loss(x)
        else:  # the same hot path with the substitute KL node
            mu, lv = model.encode(x)
            nll = model.negative_log_likelihood_total(x, model.decode(reparameterize(mu, lv)))
            fast = (nll + beta * kl_total(mu, lv)) / len(x)
        g_fast = torch.autograd.grad(fast, list(model.parameters()))
        torch.random.set_rng_state(state)
        mu, lv = model.encode(x)
        rec = model.log_likelihood(x, model.decode(reparameterize(mu, lv)))
        ref = -(rec - beta * kl_standard_normal(mu, lv).sum(-1)).mean()
        g_ref = torch.autograd.grad(ref, list(model.parameters()))
        err = max(err, abs(float((fast - ref).detach())) / abs(float(ref.detach())))
        for a, b in zip(g_fast, g_ref, strict=True):
            err = max(err, float((a - b).abs().max() / b.abs().max().clamp_min(1e-300)))
        n_grads += len(g_ref)
    return Check(
        "training loss (fused KL node, one BCE/MSE reduction) = −ELBO from the verified per-point terms",
        err,
        1e-12,
        f"float64, β = {beta}, batch 32, Bernoulli and Gaussian decoders: loss and all {n_grads} "
        "parameter gradients, worst relative difference (summation order only)",
    )


ULP = 16.0


def _kl_accuracy() -> Check:
    worst = {str(dt): kl_term_accuracy(dt) for dt in (torch.float32, torch.float64)}
    ours = max(w["this project"] for w in worst.values())
    others = ", ".join(
        f"{dt} {k}: {v:.2g}" for dt, w in worst.items() for k, v in w.items() if k != "this project"
    )
    return Check(
        "KL term accuracy near collapse (|ℓ|, |μ| down to 1e-7)",
        ours,
        ULP,
        f"this project ≤ {ours:.2f} ulp in float32 and float64 vs mpmath; for comparison {others} ulp",
    )


_attach(
    "gaussian_kl.diagonal_vs_standard",
    kl_term_matches_where_accurate,
    _kl_accuracy,
    kl_term_monte_carlo,
    training_loss_matches_elbo_terms,
)


# =========================================================================== Gaussian KL

Univariate = Callable[[float, float, float, float], float]


def univariate_formula(mq: float, sq: float, mp: float, sp_: float) -> float:
    """The claimed KL(N(mq, sq²) ‖ N(mp, sp_²)) = log(sp/sq) + (sq² + (mq − mp)²)/(2 sp²) − ½ (standard
    deviations)."""
    return math.log(sp_ / sq) + (sq**2 + (mq - mp) ** 2) / (2 * sp_**2) - 0.5


def _univariate_points() -> list[tuple[float, float, float, float]]:
    g = torch.Generator().manual_seed(SEED)
    mu = torch.randn(8, 2, generator=g, dtype=DT) * 2
    sig = torch.exp(torch.randn(8, 2, generator=g, dtype=DT) * 0.7)
    return [(float(m[0]), float(s[0]), float(m[1]), float(s[1])) for m, s in zip(mu, sig, strict=True)]


def check_univariate(candidate: Univariate = univariate_formula, equal_variance: bool = False) -> Evidence:
    """Univariate Gaussian KL: ``candidate(mq, sq, mp, sp)`` vs ``torch.distributions.kl_divergence`` of
    two ``Normal`` at 8 random points in float64 (with ``equal_variance`` σp is set to σq); relative
    error against ``REL_TOL``."""
    worst, where = 0.0, {}
    for mq, sq, mp, sp_ in _univariate_points():  # noqa: F402  (mp: the prior mean, not mpmath)
        if equal_variance:
            sp_ = sq
        ref = float(
            kl_divergence(
                Normal(torch.tensor(mq, dtype=DT), torch.tensor(sq, dtype=DT)),
                Normal(torch.tensor(mp, dtype=DT), torch.tensor(sp_, dtype=DT)),
            )
        )
        got = candidate(mq, sq, mp, sp_)
        if not _rel(ref, got) <= worst:
            worst, where = (
                _rel(ref, got),
                {"point": str((mq, sq, mp, sp_)), "torch": repr(ref), "claimed": repr(got)},
            )
    kind = "equal variances" if equal_variance else "general"
    return _result(
        f"KL(N(μq,σq²) ‖ N(μp,σp²)) ({kind}) by torch.distributions.kl_divergence vs the formula at 8 "
        f"random points; worst relative error {worst:.2e}",
        worst,
        REL_TOL,
        where,
    )


def check_equal_variance(candidate: Callable[[float, float, float], float] | None = None) -> Evidence:
    """Equal-variance Gaussian KL ``candidate(mq, mp, s)`` (default (mq − mp)²/(2s²)) vs
    ``torch.distributions.kl_divergence``, through :func:`check_univariate` with σp = σq."""
    fn = candidate or (lambda mq, mp, s: (mq - mp) ** 2 / (2 * s**2))
    return check_univariate(lambda mq, sq, mp, sp_: fn(mq, mp, sq), equal_variance=True)


def full_covariance_formula(
    mu0: torch.Tensor, c0: torch.Tensor, mu1: torch.Tensor, c1: torch.Tensor
) -> float:
    """The claimed KL(N(μ₀, Σ₀) ‖ N(μ₁, Σ₁)) = ½(tr(Σ₁⁻¹Σ₀) + (μ₁ − μ₀)ᵀΣ₁⁻¹(μ₁ − μ₀) − d + log det Σ₁ −
    log det Σ₀) in torch (float64)."""
    inv1 = torch.linalg.inv(c1)
    diff = mu1 - mu0
    d = mu0.shape[0]
    return float(
        0.5 * (torch.trace(inv1 @ c0) + diff @ inv1 @ diff - d + torch.logdet(c1) - torch.logdet(c0))
    )


def check_full_covariance(
    candidate: Callable[
        [torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], float
    ] = full_covariance_formula,
) -> Evidence:
    """Full-covariance Gaussian KL: ``candidate(μ₀, Σ₀, μ₁, Σ₁)`` vs ``torch.distributions.kl_divergence``
    of two ``MultivariateNormal`` (Cholesky-based) for two random SPD pairs in each of d = 1, 2, 3, 5;
    tolerance 1e-9 relative."""
    g = torch.Generator().manual_seed(SEED)
    worst, where = 0.0, {}
    for d in (1, 2, 3, 5):
        for _ in range(2):
            a0, a1 = (torch.randn(d, d, generator=g, dtype=DT) for _ in range(2))
            c0, c1 = a0 @ a0.T + 0.5 * torch.eye(d, dtype=DT), a1 @ a1.T + 0.5 * torch.eye(d, dtype=DT)
            mu0, mu1 = torch.randn(d, generator=g, dtype=DT), torch.randn(d, generator=g, dtype=DT)
            ref = float(kl_divergence(MultivariateNormal(mu0, c0), MultivariateNormal(mu1, c1)))
            got = candidate(mu0, c0, mu1, c1)
            if not _rel(ref, got) <= worst:
                worst, where = _rel(ref, got), {"d": str(d), "torch": repr(ref), "claimed": repr(got)}
    # Tolerance: random SPD matrices with condition numbers < 1e3 lose ≤ 3 digits in inv / logdet.
    return _result(
        f"KL of full-covariance Gaussians, d = 1, 2, 3, 5 (2 random SPD pairs each), by "
        f"torch.distributions (Cholesky-based) vs the formula; worst relative error {worst:.2e}",
        worst,
        1e-9,
        where,
    )


# =========================================================================== registration

evidence("gaussian_kl.equal_variance", "torch")(check_equal_variance)
evidence("gaussian_kl.univariate", "torch")(check_univariate)
evidence("gaussian_kl.full_covariance", "torch")(check_full_covariance)
