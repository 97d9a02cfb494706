"""Parameterisation conventions of a Gaussian encoder q(z|x) = N(μ, σ²): how the second encoder
output ``s`` becomes the standard deviation σ (Kingma & Welling 2014, §2.4 and
App. B; CS 446 HW8 1(g) and ECE 544 PS5 1(g) write σ = exp(ℓ/2) for a log-variance ℓ).

A convention is a *family* f and a *noise scale* k with σ = k·f(s):

=========  ==============  ===========================
family     σ               log σ²
=========  ==============  ===========================
logvar     e^{s/2}         s
logstd     e^{s}           2s
softplus   softplus(s)     2 log softplus(s)
std        s   (s > 0)     2 log s
var        √s  (s > 0)     log s
=========  ==============  ===========================

A sampler that draws z = μ + 0.01·e^{s}·ε has the convention ``0.01*logstd``; one that draws
σ = softplus(s) + 10⁻⁴ (a floor on σ, as in many public encoders) has ``softplus+1e-4``
(σ = k·f(s) + δ). The auditor searches
these families separately for the sampler (from recorded z, ε: :func:`identify_sampler`) and for
the KL term (from the fit, :mod:`torch_impl.audit.conventions_search`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

FAMILIES: dict[str, str] = {
    "logvar": "e^{s/2}",
    "logstd": "e^{s}",
    "softplus": "softplus(s)",
    "std": "s",
    "var": "√s",
}
#: families whose parameter must be positive
POSITIVE_FAMILIES = frozenset({"std", "var"})
_ALIASES = {
    "logvar": "logvar",
    "log_var": "logvar",
    "log-var": "logvar",
    "log_variance": "logvar",
    "logstd": "logstd",
    "log_std": "logstd",
    "log-std": "logstd",
    "log_sigma": "logstd",
    "exp": "logstd",
    "softplus": "softplus",
    "std": "std",
    "sigma": "std",
    "var": "var",
    "variance": "var",
}


def nice_number(value: float, rel: float = 1e-9) -> float:
    """``value`` rounded to 6 significant digits when that changes it by at most ``rel`` (relative):
    0.010000000000000002 → 0.01; 0.12345678 stays."""
    if value == 0 or not math.isfinite(value):
        return value
    rounded = float(f"{value:.6g}")
    return rounded if abs(rounded - value) <= rel * abs(value) else value


def format_number(value: float) -> str:
    """Short text for a coefficient: ``0.01``, ``2.5e-04``, ``1.53``."""
    v = nice_number(value)
    return f"{v:.6g}"


@dataclass(frozen=True)
class Convention:
    """σ = scale · f(s) + offset for the family f (see the module table)."""

    family: str
    scale: float = 1.0
    offset: float = 0.0

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family: expected one of {sorted(FAMILIES)}, got {self.family!r}")
        if not (self.scale > 0 and math.isfinite(self.scale)):
            raise ValueError(f"scale: the noise scale must be positive and finite, got {self.scale!r}")
        if not (self.offset >= 0 and math.isfinite(self.offset)):
            raise ValueError(f"offset: the floor added to σ must be finite and ≥ 0, got {self.offset!r}")

    @property
    def positive_parameter(self) -> bool:
        """Whether the family needs s > 0 (σ = s or σ² = s), so the sampler must draw positive s."""
        return self.family in POSITIVE_FAMILIES

    def log_f2(self, s: torch.Tensor) -> torch.Tensor:
        """log f(s)² (without the scale)."""
        if self.family == "logvar":
            return s
        if self.family == "logstd":
            return 2 * s
        if self.family == "softplus":
            # log softplus(s) accurately for s ≪ 0, where softplus(s) = e^s (1 + O(e^s))
            return 2 * torch.where(s < -30, s, torch.log(_softplus64(s)))
        if self.family == "std":
            return 2 * torch.log(s)
        return torch.log(s)

    def f2(self, s: torch.Tensor) -> torch.Tensor:
        """f(s)² (without the scale)."""
        return torch.exp(self.log_f2(s))

    def log_var(self, s: torch.Tensor) -> torch.Tensor:
        """log σ² = 2 log k + log f(s)² (or 2 log(k·f(s) + δ) with a floor δ > 0)."""
        lf = self.log_f2(s)
        if self.offset:
            return 2 * torch.log(self.scale * torch.exp(0.5 * lf) + self.offset)
        return lf if self.scale == 1.0 else lf + 2 * math.log(self.scale)

    def sigma(self, s: torch.Tensor) -> torch.Tensor:
        """σ = exp(½ log σ²(s)) for the encoder output ``s`` under this convention (scale included)."""
        return torch.exp(0.5 * self.log_var(s))

    def text(self) -> str:
        """``σ = 0.01·e^{s}``, ``σ = softplus(s) + 0.0001``."""
        f = FAMILIES[self.family]
        base = f"σ = {f}" if self.scale == 1.0 else f"σ = {format_number(self.scale)}·{f}"
        return base + (f" + {format_number(self.offset)}" if self.offset else "")

    def name(self) -> str:
        """The name :func:`parse_convention` reads back: ``logvar``, ``0.01*logstd``, ``softplus+0.0001``."""
        base = self.family if self.scale == 1.0 else f"{format_number(self.scale)}*{self.family}"
        return base + (f"+{format_number(self.offset)}" if self.offset else "")


def _softplus64(s: torch.Tensor) -> torch.Tensor:
    """softplus(s) = max(s, 0) + log1p(e^{−|s|}) exactly in form (torch's softplus returns s for
    s > 20, an absolute error of e^{−20} ≈ 2e-9)."""
    return torch.clamp(s, min=0) + torch.log1p(torch.exp(-s.abs()))


def parse_convention(param: str | Convention) -> Convention:
    """``"logvar"``, ``"log_std"``, ``"softplus"``, ``"0.01*logstd"`` (also ``0.01·logstd``),
    ``"softplus+1e-4"`` (σ = softplus(s) + 10⁻⁴). Errors name ``param`` (the :class:`ModelSpec` field)."""
    text = param
    if isinstance(text, Convention):
        return text
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"param: expected a convention name such as 'logvar', got {text!r}")
    raw = text.strip().replace("·", "*").replace(" ", "").replace("(s)", "")
    scale = 1.0
    offset = 0.0
    if "+" in raw.lstrip("+"):
        raw, _, tail = raw.rpartition("+")
        if raw.endswith(("e", "E")):  # the '+' of an exponent such as 1e+3
            raise ValueError(f"param: cannot read {text!r}; write the floor as e.g. 'softplus+1e-4'")
        try:
            offset = float(tail)
        except ValueError:
            raise ValueError(f"param: cannot read the floor {tail!r} added to σ in {text!r}") from None
    if "*" in raw:
        head, _, raw = raw.partition("*")
        try:
            scale = float(head)
        except ValueError:
            raise ValueError(f"param: cannot read the noise scale {head!r} in {text!r}") from None
    family = _ALIASES.get(raw.lower())
    if family is None:
        raise ValueError(
            f"param: unknown parameterisation {text!r}; expected one of {sorted(FAMILIES)}, optionally with "
            "a noise scale such as '0.01*logstd'"
        )
    try:
        return Convention(family, scale, offset)
    except ValueError as exc:  # a scale or floor out of range: name the argument it came from
        raise ValueError(f"param: {exc} (in {text!r})") from None


def all_families(positive: bool) -> list[str]:
    """The families that accept the drawn parameter (all of them when it is positive)."""
    return [f for f in FAMILIES if positive or f not in POSITIVE_FAMILIES]


def identify_sampler(
    mu: torch.Tensor, s: torch.Tensor, eps: torch.Tensor, z: torch.Tensor, *, rel: float = 1e-6,
    declared: Convention | None = None,
) -> Convention | None:
    """The convention c with z = μ + σ_c(s)·ε on every coordinate where |ε| > 0.05 (relative
    error ≤ ``rel``), or None. σ is read off as (z − μ)/ε; the ``declared`` convention is tried
    first (it may carry a floor δ), then each family with a fitted scale (median ratio)."""
    if z.shape != eps.shape:
        return None
    try:
        mu_b, s_b = torch.broadcast_to(mu, z.shape), torch.broadcast_to(s, z.shape)
    except RuntimeError:
        return None
    mask = eps.abs() > 0.05
    if not bool(mask.any()):
        return None
    sigma_emp = ((z.double() - mu_b.double()) / eps.double())[mask]
    if declared is not None:
        ratio = sigma_emp / declared.sigma(s_b.double())[mask]
        if bool(torch.isfinite(ratio).all()) and float((ratio - 1).abs().max()) <= rel:
            return declared
    positive = bool((s_b > 0).all())
    for family in all_families(positive):
        f = Convention(family).sigma(s_b.double())[mask]
        ratio = sigma_emp / f
        if not bool(torch.isfinite(ratio).all()) or not bool((ratio > 0).all()):
            continue
        k = float(ratio.median())
        if float((ratio / k - 1).abs().max()) <= rel:
            return Convention(family, nice_number(k, rel))
    return None


__all__ = [
    "FAMILIES",
    "Convention",
    "all_families",
    "format_number",
    "identify_sampler",
    "nice_number",
    "parse_convention",
]
