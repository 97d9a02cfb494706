"""Random inputs for an audit: configurations (B, data shape, d, hyper-parameters) and the tensors
of one draw, float64, from a seeded generator.

Ordinary draws are moderate (logits ∼ N(0, 2²), μ ∼ N(0, 1), s ∼ N(0, 1)); *extreme* draws put
the decoder in saturation against the data (probabilities down to 1e-13 on the observed value,
|logits| up to 30, Gaussian means 30 away) and widen μ and s, so that clipping, caps and
convention mismatches that are invisible at moderate inputs show."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from torch_impl.audit.conventions import Convention
from torch_impl.audit.model_spec import ModelSpec

F64 = torch.float64


@dataclass(frozen=True)
class Config:
    """One setting of the sizes and hyper-parameters."""

    batch: int
    shape: tuple[int, ...]
    latent: int
    hyper: tuple[tuple[str, float], ...] = ()

    @property
    def data_dim(self) -> int:
        """D, the number of data entries per example (product of ``shape``)."""
        return math.prod(self.shape)

    def variables(self) -> dict[str, float]:
        """The values of the names a coefficient formula may use: B (batch), D (data size), d (latent size)
        and the hyper-parameters."""
        return {"B": float(self.batch), "D": float(self.data_dim), "d": float(self.latent),
                **{k: float(v) for k, v in self.hyper}}

    def text(self) -> str:
        """This configuration as text for reports, e.g. ``B = 3, D = 4 (shape (4,)), d = 2``."""
        h = "".join(f", {k} = {v:g}" for k, v in self.hyper)
        d = self.latent if self.latent else "the model's"
        return f"B = {self.batch}, D = {self.data_dim} (shape {self.shape}), d = {d}{h}"


def configurations(spec: ModelSpec, batch_sizes: tuple[int, ...], data_shapes: tuple[tuple[int, ...], ...],
                   latent_dims: tuple[int, ...]) -> list[Config]:
    """Every (B, shape, d) at the base hyper-parameters, then each other hyper-parameter value at
    two size settings (so every variable varies with the others fixed)."""
    base = tuple((k, v[0]) for k, v in spec.hyper.items())
    out = [Config(b, sh, d, base) for b in batch_sizes for sh in data_shapes for d in latent_dims]
    sizes = [(batch_sizes[0], data_shapes[0], latent_dims[0]),
             (batch_sizes[-1], data_shapes[-1], latent_dims[-1])]
    for name, values in spec.hyper.items():
        for v in values[1:]:
            hyper = tuple((k, v if k == name else b) for k, b in base)
            for b, sh, d in dict.fromkeys(sizes):
                out.append(Config(b, sh, d, hyper))
    return out


def _data(domain: str, shape: tuple[int, ...], g: torch.Generator) -> torch.Tensor:
    if domain == "binary":
        return (torch.rand(shape, dtype=F64, generator=g) < 0.5).to(F64)
    if domain == "unit":
        return torch.rand(shape, dtype=F64, generator=g)
    return torch.randn(shape, dtype=F64, generator=g)


def _recon(spec: ModelSpec, x: torch.Tensor, shape: tuple[int, ...], extreme: bool,
           g: torch.Generator) -> torch.Tensor:
    lik = spec.likelihood
    if lik.startswith("gaussian"):
        scale = 30.0 if extreme else 1.0
        return x + scale * torch.randn(shape, dtype=F64, generator=g)
    if extreme:
        # saturated against the data: the observed value gets probability e^{-20}…e^{-30}
        mag = 20 + 10 * torch.rand(shape, dtype=F64, generator=g)
        sign = torch.where(torch.broadcast_to(x, shape) > 0.5, -1.0, 1.0).to(F64)
        logits = sign * mag
    else:
        logits = 2 * torch.randn(shape, dtype=F64, generator=g)
    return logits if lik.endswith("logits") else torch.sigmoid(logits)


def draw_tensors(spec: ModelSpec, config: Config, extreme: bool, g: torch.Generator,
                 samples: int | None = None) -> dict[str, torch.Tensor]:
    """x (B, *shape); recon ((K,) B, *shape); mu, s (B, d); eps ((K,) B, d); recon_logvar."""
    assert isinstance(spec.param, Convention)
    lead = (samples,) if samples else ()
    b, d = config.batch, config.latent
    x = _data(spec.data or "real", (b, *config.shape), g)
    recon = _recon(spec, x, (*lead, b, *config.shape), extreme, g)
    mu = (4.0 if extreme else 1.0) * torch.randn(b, d, dtype=F64, generator=g)
    if spec.param.positive_parameter:
        s = torch.exp((1.5 if extreme else 0.5) * torch.randn(b, d, dtype=F64, generator=g))
    else:
        s = ((3.0 if extreme else 1.0) * torch.randn(b, d, dtype=F64, generator=g)).clamp(-6, 6)
    eps = torch.randn(*lead, b, d, dtype=F64, generator=g)
    recon_logvar = 0.5 * torch.randn(recon.shape, dtype=F64, generator=g)
    return {"x": x, "recon": recon, "mu": mu, "s": s, "eps": eps, "recon_logvar": recon_logvar}


@dataclass
class LinearDecoder:
    """The auditor's decoder z ↦ output (a fixed random affine map, then sigmoid for probability
    likelihoods, logits clamped to ±30); records every call (z, output)."""

    weight: torch.Tensor
    bias: torch.Tensor
    likelihood: str
    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        self.calls: list[tuple[torch.Tensor, torch.Tensor]] = []

    @classmethod
    def random(cls, spec: ModelSpec, config: Config, extreme: bool, g: torch.Generator) -> LinearDecoder:
        """A random decoder for ``config`` (weights ~ N(0, 1/d), or 15× larger when ``extreme``, to reach
        saturated outputs) drawn from the generator ``g``."""
        scale = (15.0 if extreme else 1.0) / math.sqrt(config.latent)
        w = scale * torch.randn(config.latent, config.data_dim, dtype=F64, generator=g)
        bias = torch.randn(config.data_dim, dtype=F64, generator=g)
        return cls(w, bias, spec.likelihood, config.shape)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder output at z, without recording the call."""
        h = (z.to(F64) @ self.weight + self.bias).clamp(-30, 30)
        out = h if self.likelihood.endswith("logits") or self.likelihood.startswith("gaussian") \
            else torch.sigmoid(h)
        return out.reshape(*z.shape[:-1], *self.shape).to(z.dtype)

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        out = self.forward(z)
        self.calls.append((z, out))
        return out


def generators(seed: int) -> Iterator[torch.Generator]:
    """Fresh seeded generators: seed, seed + 1, …"""
    k = 0
    while True:
        yield torch.Generator().manual_seed(seed + k)
        k += 1
