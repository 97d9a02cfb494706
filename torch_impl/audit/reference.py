"""The verified per-example terms of the negative ELBO, in float64.

* −log p(x|z) per pixel: the binary cross-entropy and the Gaussian negative log-density are the
  expressions :mod:`derivations.likelihoods` proves equal to −log Π Bern and −log Π N
  (``likelihood.bernoulli_bce``, ``likelihood.gaussian_mse``; seed 001 §3, ECE 544 PS5 2(d)–(e)),
  turned into torch functions by ``sympy.lambdify`` — not re-typed. Logits use the same BCE at
  g = sigmoid(l) in the stable form softplus(l) − x·l. The continuous Bernoulli (Loaiza-Ganem &
  Cunningham 2019) adds −log C(λ), C(λ) = 2 artanh(1 − 2λ)/(1 − 2λ); :func:`normalisation` checks
  by quadrature that e^{−ℓ} integrates to 1 over the likelihood's support.
* KL(N(μ, σ²) ‖ N(0, I)) per example: :func:`torch_impl.kl.kl_standard_normal`, the closed form of
  ``gaussian_kl.diagonal_vs_standard`` (Kingma & Welling 2014, App. B) in its cancellation-free form
  (``torch_impl.evidence.gaussian_kl`` checks it against the lambdified proved closed form to 16 ulp).
* log q(z|x) and log p(z) for the IWAE weights (Burda et al. 2016).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import torch

from torch_impl.audit.conventions import Convention
from torch_impl.kl import kl_standard_normal

LOG_2PI = math.log(2 * math.pi)


@cache
def _lambdified_bce() -> Any:
    """Per-pixel BCE(x, g) = −[x log g + (1 − x) log(1 − g)] from ``derivations.likelihoods``."""
    import sympy as sp  # imported on first use: the command line starts without it

    from derivations.likelihoods import binary_cross_entropy

    x, g = sp.symbols("x g", real=True)
    return sp.lambdify((x, g), binary_cross_entropy([x], [g]), modules="torch")


@cache
def _lambdified_bce_numpy() -> Any:
    """The same verified BCE form, lambdified for NumPy: values without a gradient (the fit's columns)
    are computed through it, several times faster than torch's float64 log on this kind of machine."""
    import sympy as sp

    from derivations.likelihoods import binary_cross_entropy

    x, g = sp.symbols("x g", real=True)
    return sp.lambdify((x, g), binary_cross_entropy([x], [g]), modules="numpy")


@cache
def _lambdified_gaussian() -> Any:
    """Per-pixel (x − x̂)²/(2σ²) + ½ log(2πσ²) from ``derivations.likelihoods.gaussian_mse_loss``."""
    import sympy as sp

    from derivations.likelihoods import gaussian_mse_loss

    x, xh, v = sp.symbols("x xhat v", real=True)
    return sp.lambdify((x, xh, v), gaussian_mse_loss(lambda f: f(x, xh), v, 1), modules="torch")


def softplus64(t: torch.Tensor) -> torch.Tensor:
    """log(1 + e^t) = max(t, 0) + log1p(e^{−|t|}), accurate for every t."""
    return torch.clamp(t, min=0) + torch.log1p(torch.exp(-t.abs()))


def bce(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Per-entry binary cross-entropy −[x log g + (1 − x) log(1 − g)], lambdified from
    ``derivations.likelihoods.binary_cross_entropy`` (through NumPy when no gradient is needed)."""
    if not (x.requires_grad or g.requires_grad) and x.dtype == g.dtype == torch.float64:
        xb, gb = torch.broadcast_tensors(x, g)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = _lambdified_bce_numpy()(xb.numpy(), gb.numpy())
            return torch.from_numpy(np.asarray(values, dtype=np.float64))
    return _lambdified_bce()(x, g)


def bce_logits(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """BCE(x, sigmoid(l)) = softplus(l) − x·l."""
    return softplus64(logits) - x * logits


def _artanh_ratio(u: torch.Tensor) -> torch.Tensor:
    """artanh(u)/u, by its series Σ u^{2n}/(2n+1) for |u| < 0.05 (10 terms: error < 1e-27)."""
    small = u.abs() < 0.05
    us = torch.where(small, u, torch.zeros_like(u))
    series = torch.zeros_like(u)
    for n in reversed(range(10)):
        series = series * us * us + 1.0 / (2 * n + 1)
    ul = torch.where(small, torch.full_like(u, 0.5), u)
    return torch.where(small, series, torch.atanh(ul) / ul)


def cb_log_normaliser(lam: torch.Tensor) -> torch.Tensor:
    """log C(λ), C(λ) = 2 artanh(1 − 2λ)/(1 − 2λ), C(½) = 2; artanh(1 − 2λ) = ½ log((1 − λ)/λ) is
    used away from ½ (exact where 1 − 2λ rounds). Without a gradient, float64 values go through
    :func:`_cb_log_normaliser_numpy` (the same formula; torch's float64 log is slow here)."""
    if not lam.requires_grad and lam.dtype == torch.float64:
        return torch.from_numpy(np.asarray(_cb_log_normaliser_numpy(lam.numpy()), dtype=np.float64))
    u = 1 - 2 * lam
    far = u.abs() >= 0.05
    lam_f = torch.where(far, lam, torch.full_like(lam, 0.25))
    far_val = torch.log(0.5 * (torch.log1p(-lam_f) - torch.log(lam_f)) / (1 - 2 * lam_f))
    return math.log(2) + torch.where(far, far_val, torch.log(_artanh_ratio(u)))


def _cb_log_normaliser_numpy(lam: Any) -> Any:
    """:func:`cb_log_normaliser` in NumPy, float64 (same branches and series)."""
    lam = np.asarray(lam, dtype=np.float64)
    u = 1 - 2 * lam
    far = np.abs(u) >= 0.05
    lam_f = np.where(far, lam, 0.25)
    far_val = np.log(0.5 * (np.log1p(-lam_f) - np.log(lam_f)) / (1 - 2 * lam_f))
    us = np.where(far, 0.0, u)
    series = np.zeros_like(u)
    for n in reversed(range(10)):
        series = series * us * us + 1.0 / (2 * n + 1)
    return math.log(2) + np.where(far, far_val, np.log(series))


def cb_log_normaliser_logits(logits: torch.Tensor) -> torch.Tensor:
    """log C(sigmoid(l)) = log 2 + log((l/2)/tanh(l/2))."""
    h = logits / 2
    small = h.abs() < 0.05
    hs = torch.where(small, torch.ones_like(h), h)
    # (l/2)/tanh(l/2) = 1/(tanh(h)/h); tanh(h)/h near 0 by artanh_ratio's inverse is not needed:
    # h/tanh(h) = 1 + h²/3 − h⁴/45 + 2h⁶/945 − h⁸/4725 (error < 1e-13 for |h| < 0.05)
    h2 = h * h
    series = 1 + h2 / 3 - h2 * h2 / 45 + 2 * h2**3 / 945 - h2**4 / 4725
    return math.log(2) + torch.log(torch.where(small, series, hs / torch.tanh(hs)))


@dataclass(frozen=True)
class LikelihoodVariant:
    """A likelihood as a loss writes it: the declared one, or a deviation the search names
    (probabilities clipped to [ε, 1 − ε]; the continuous-Bernoulli normaliser left out)."""

    likelihood: str
    clip: float | None = None
    drop_normaliser: bool = False
    #: the loss applies a sigmoid to a decoder output that already is a probability
    double_sigmoid: bool = False
    #: the loss reads the decoder's log-variance output v as log σ² = ``logvar_scale``·v
    logvar_scale: float = 1.0

    @property
    def declared(self) -> bool:
        """Whether this is the declared likelihood itself (no deviation)."""
        return (self.clip is None and not self.drop_normaliser and not self.double_sigmoid
                and self.logvar_scale == 1.0)

    def describe(self) -> str:
        """What this variant means for a loss, in one sentence (the clip cap in nats, the missing
        normaliser, or the declared likelihood)."""
        if self.double_sigmoid:
            return ("the loss applies a sigmoid to the decoder output, which the model declares as "
                    "probabilities already (a double sigmoid: p = σ(σ(h)) lies in (0.27, 0.73)); fix: "
                    "remove one sigmoid, or declare --likelihood bernoulli_logits")
        if self.logvar_scale != 1.0:
            read = "log σ" if self.logvar_scale == 2.0 else f"{self.logvar_scale:g}·log σ²"
            return (f"the loss reads the decoder's log-variance output v as {read} (σ² = "
                    f"e^({self.logvar_scale:g}·v)), the model declares log σ² = v; fix: use the same "
                    "parameterisation in the decoder and the loss")
        if self.clip is not None:
            cap = -math.log(self.clip)
            return (f"the loss clips probabilities to [{self.clip:g}, 1 − {self.clip:g}]: each pixel term "
                    f"is capped at −log {self.clip:g} = {cap:.1f} nats")
        if self.drop_normaliser:
            return "the loss omits the continuous-Bernoulli normaliser log C(λ) (plain BCE on [0, 1] data)"
        return f"the declared {self.likelihood} likelihood"


def nll_per_pixel(
    variant: LikelihoodVariant,
    x: torch.Tensor,
    out: torch.Tensor,
    *,
    sigma2: float | None = None,
    out_logvar: torch.Tensor | None = None,
) -> torch.Tensor:
    """−log p(x_d | out_d) elementwise (broadcast), float64."""
    lik = variant.likelihood
    if variant.double_sigmoid:
        out = torch.sigmoid(out)
    if out_logvar is not None and variant.logvar_scale != 1.0:
        out_logvar = variant.logvar_scale * out_logvar
    if lik == "bernoulli":
        g = out if variant.clip is None else out.clamp(variant.clip, 1 - variant.clip)
        return bce(x, g)
    if lik == "bernoulli_logits":
        return bce_logits(x, out)
    if lik == "continuous_bernoulli":
        base = bce(x, out)
        return base if variant.drop_normaliser else base - cb_log_normaliser(out)
    if lik == "continuous_bernoulli_logits":
        base = bce_logits(x, out)
        return base if variant.drop_normaliser else base - cb_log_normaliser_logits(out)
    if lik == "gaussian":
        if sigma2 is None:
            raise ValueError("sigma2: the Gaussian reference needs a variance")
        return _lambdified_gaussian()(x, out, torch.as_tensor(sigma2, dtype=out.dtype))
    if lik == "gaussian_learned":
        if out_logvar is None:
            raise ValueError("out_logvar: the learned-variance Gaussian needs the decoder's log-variance")
        return 0.5 * ((x - out) ** 2 * torch.exp(-out_logvar) + out_logvar + LOG_2PI)
    raise ValueError(f"likelihood: unknown {lik!r}")


def nll_per_example(variant: LikelihoodVariant, x: torch.Tensor, out: torch.Tensor, *,
                    sigma2: float | None = None, out_logvar: torch.Tensor | None = None,
                    batch_dims: int = 1) -> torch.Tensor:
    """Σ over the data dimensions of :func:`nll_per_pixel`: shape = the first ``batch_dims`` axes of
    ``out`` (x broadcasts against out's trailing axes)."""
    per = nll_per_pixel(variant, x, out, sigma2=sigma2, out_logvar=out_logvar)
    return per.reshape(*per.shape[:batch_dims], -1).sum(-1)


def squared_error_per_example(x: torch.Tensor, out: torch.Tensor, batch_dims: int = 1) -> torch.Tensor:
    """‖x − x̂‖² per example (the Gaussian term's data-dependent part)."""
    d = (x - out) ** 2
    return d.reshape(*d.shape[:batch_dims], -1).sum(-1)


def kl_per_example(mu: torch.Tensor, s: torch.Tensor, convention: Convention,
                   prior_var: float = 1.0) -> torch.Tensor:
    """Σ_j KL(N(μ_j, σ_j²) ‖ N(0, v)) with σ = σ_c(s), per example; KL(N(μ, σ²) ‖ N(0, v)) =
    KL(N(μ/√v, σ²/v) ‖ N(0, 1)) (the divergence is invariant under the common rescaling)."""
    if prior_var == 1.0:
        return kl_standard_normal(mu, convention.log_var(s)).sum(-1)
    return kl_standard_normal(mu / math.sqrt(prior_var), convention.log_var(s) - math.log(prior_var)).sum(-1)


def log_normal_diag(z: torch.Tensor, mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """log N(z; μ, diag e^{log_var}) summed over the last axis."""
    return (-0.5 * ((z - mu) ** 2 * torch.exp(-log_var) + log_var + LOG_2PI)).sum(-1)


def log_standard_normal(z: torch.Tensor, prior_var: float = 1.0) -> torch.Tensor:
    """log N(z; 0, v·I) summed over the last axis (v = ``prior_var``, 1 by default)."""
    if prior_var == 1.0:
        return (-0.5 * (z * z + LOG_2PI)).sum(-1)
    return (-0.5 * (z * z / prior_var + LOG_2PI + math.log(prior_var))).sum(-1)


# --------------------------------------------------------------------------- normalisation

SUPPORT = {
    "bernoulli": "binary",
    "bernoulli_logits": "binary",
    "continuous_bernoulli": "unit",
    "continuous_bernoulli_logits": "unit",
    "gaussian": "real",
    "gaussian_learned": "real",
}
_CONTAINS = {"binary": {"binary"}, "unit": {"binary", "unit"}, "real": {"binary", "unit", "real"}}
#: quadrature tolerance: scipy's ``quad`` reaches ~1e-12 on these smooth integrands; 1e-8 is
#: far above its error estimate and far below the smallest defect (a missing normaliser ≥ 0.3)
NORMALISATION_TOL = 1e-8


@dataclass(frozen=True)
class Normalisation:
    """∫ e^{−ℓ(x; θ)} dx over the data domain (sum over {0, 1} for binary data) at test parameters."""

    domain: str
    support: str
    masses: tuple[tuple[str, float], ...]
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; non-finite masses become strings (strict JSON)."""
        return {"domain": self.domain, "support": self.support, "ok": self.ok, "detail": self.detail,
                "masses": {k: (v if math.isfinite(v) else str(v)) for k, v in self.masses}}


def _mass(fn: Any, domain: str, centre: float = 0.0, width: float = 1.0) -> float:
    from scipy import integrate

    if domain == "binary":
        return float(fn(0.0) + fn(1.0))
    if domain == "unit":
        return float(integrate.quad(fn, 0.0, 1.0, epsabs=1e-14, epsrel=1e-12, limit=200)[0])
    total = 0.0
    lo_c, hi_c = centre - 60 * width, centre + 60 * width
    for lo, hi in ((-math.inf, lo_c), (lo_c, centre), (centre, hi_c), (hi_c, math.inf)):
        total += float(integrate.quad(fn, lo, hi, epsabs=1e-14, epsrel=1e-12, limit=200)[0])
    return total


def normalisation(likelihood: str, domain: str, sigma2: float | None = 1.0) -> Normalisation:
    """Is e^{−ℓ} a probability (mass or density) on the declared data domain? The mass is computed
    by summation (binary) or adaptive quadrature (scipy, numeric) from :func:`nll_per_pixel` at a few
    parameters; a mass ≠ 1 beyond :data:`NORMALISATION_TOL` is a finding. A Bernoulli on [0, 1] data
    gives ∫₀¹ p^x (1 − p)^{1−x} dx = (2p − 1)/logit(p) (0.5 at p = ½); on real data it diverges."""
    support = SUPPORT[likelihood]
    variant = LikelihoodVariant(likelihood)
    params: list[tuple[str, float]]
    if likelihood.endswith("logits"):
        params = [("logit 0", 0.0), ("logit 2.2", 2.2), ("logit −4", -4.0)]
    elif likelihood.startswith(("bernoulli", "continuous")):
        params = [("p 0.5", 0.5), ("p 0.1", 0.1), ("p 0.97", 0.97)]
    else:
        params = [("mean 0", 0.0), ("mean 0.7", 0.7)]
    masses = []
    for label, theta in params:
        out = torch.tensor(theta, dtype=torch.float64)
        lv = torch.tensor(math.log(sigma2 if sigma2 else 1.0), dtype=torch.float64)

        def density(xv: float, out: torch.Tensor = out, lv: torch.Tensor = lv) -> float:
            xt = torch.tensor(xv, dtype=torch.float64)
            ell = nll_per_pixel(variant, xt, out, sigma2=sigma2 or 1.0, out_logvar=lv)
            return math.exp(-float(ell))

        if domain in _CONTAINS[support]:
            # the domain lies in the support: the mass over the support must be 1
            mass = _mass(density, support, theta, math.sqrt(sigma2 or 1.0))
        elif support == "binary" and domain == "real":
            mass = math.inf  # ∫_ℝ p^x (1 − p)^{1−x} dx diverges
        else:
            mass = _mass(density, domain)
        masses.append((label, mass))
    worst = max(abs(m - 1) if math.isfinite(m) else math.inf for _, m in masses)
    ok = worst <= NORMALISATION_TOL
    listed = ", ".join(f"{k}: {m:.6g}" for k, m in masses)
    if ok:
        note = "" if support == domain else f" (its support, {support}, contains the {domain} domain)"
        detail = f"e^(−ℓ) sums/integrates to 1 within {NORMALISATION_TOL:g} on {support}{note} ({listed})"
    else:
        detail = (f"e^(−ℓ) is not normalised on the declared {domain} data: mass {listed}; the {likelihood} "
                  f"likelihood is a distribution on {support} data, so this loss is not the −ELBO of any "
                  "model of the declared data")
        if likelihood.startswith("bernoulli") and domain == "unit":
            detail += " (the continuous Bernoulli adds the normaliser log C(λ))"
    return Normalisation(domain, support, tuple(masses), ok, detail)
