"""The model a loss claims to train, as the user declares it.

A :class:`ModelSpec` states

* the decoder likelihood p(x|z) (what the decoder output ``recon`` means):
  ``bernoulli`` (probabilities), ``bernoulli_logits``, ``continuous_bernoulli`` (λ),
  ``continuous_bernoulli_logits``, ``gaussian`` (means, fixed σ² = ``sigma2``, or ``sigma2=None`` for a
  fixed σ² the auditor infers), ``gaussian_learned`` (means and a per-pixel log-variance);
* the encoder's parameterisation *as the sampler draws it* (``param``, a
  :class:`~torch_impl.audit.conventions.Convention` or its name: ``logvar``, ``logstd``,
  ``softplus``, ``0.01*logstd``, ``softplus+1e-4`` …) — the prior is N(0, I) unless ``prior_var``;
* the data domain: ``binary`` ({0, 1}), ``unit`` ([0, 1]) or ``real``;
* the argument mapping of the loss: the names of its positional parameters, each one of the
  roles below or an alias of one (``recon_x`` → ``recon``, ``logvar`` → ``s`` …), or the name of a
  hyper-parameter listed in ``hyper``:

  ``x`` data; ``recon`` decoder output at the sample; ``mu``, ``s`` encoder outputs; ``z`` the
  sample; ``eps`` the noise; ``recon_logvar`` the decoder's log-variance (``gaussian_learned``);
  ``decoder`` a callable z ↦ decoder output supplied by the auditor (the loss draws z itself);
  ``k`` the number of importance samples (IWAE).

* ``hyper``: hyper-parameters the loss takes and the values to audit them at (the first value is
  the base); those not named in ``arguments`` are passed as keywords;
* ``hooks``: for a loss that runs a whole model (``loss(x)``), the encoder and decoder modules
  (or bound methods such as ``model.encode``) whose outputs the auditor records: the encoder's
  output is a tuple (μ, s) or a tensor split in halves; separate heads are given as ``mu=`` and
  ``s=`` (``fc_mu``/``fc_var``, pytorch/examples' ``fc21``/``fc22``);
* ``prior_var``: the prior is N(0, prior_var·I) (default 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from torch_impl.audit.conventions import Convention, parse_convention
from torch_impl.audit.vocabulary import DOMAINS, LIKELIHOODS, ROLES

_ALIASES: dict[str, str] = {
    **{r: r for r in ROLES},
    "data": "x",
    "inputs": "x",
    "input": "x",
    "target": "x",
    "recon_x": "recon",
    "x_recon": "recon",
    "x_hat": "recon",
    "xhat": "recon",
    "reconstruction": "recon",
    "out": "recon",
    "output": "recon",
    "logits": "recon",
    "probs": "recon",
    "x_mean": "recon",
    "z_mean": "mu",
    "mean": "mu",
    "mu_z": "mu",
    "logvar": "s",
    "log_var": "s",
    "z_log_var": "s",
    "logstd": "s",
    "log_std": "s",
    "log_sigma": "s",
    "z_log_sigma": "s",
    "std": "s",
    "sigma": "s",
    "var": "s",
    "scale": "s",
    "epsilon": "eps",
    "noise": "eps",
    "x_logvar": "recon_logvar",
    "dec_logvar": "recon_logvar",
    "decode": "decoder",
    "K": "k",
    "num_samples": "k",
}
_DEFAULT_DOMAIN = {
    "bernoulli": "binary",
    "bernoulli_logits": "binary",
    "continuous_bernoulli": "unit",
    "continuous_bernoulli_logits": "unit",
    "gaussian": "real",
    "gaussian_learned": "real",
}


Tap = nn.Module | Callable[..., Any]


def _is_tap(obj: object) -> bool:
    """An nn.Module, or a bound method of one (``model.encode``) that the auditor can wrap."""
    return isinstance(obj, nn.Module) or isinstance(getattr(obj, "__self__", None), nn.Module)


@dataclass(frozen=True)
class Hooks:
    """Where μ, s, z and the decoder output of a model whose loss is ``loss(x)`` are read: the
    ``encoder`` (output (μ, s), or a tensor split in halves along the last axis), or separate ``mu``
    and ``s`` heads; the ``decoder`` (its first input is z, its output the decoder output). Each is
    an ``nn.Module`` (recorded by a forward hook) or a bound method of one (wrapped while the loss
    runs)."""

    encoder: Tap | None = None
    decoder: Tap | None = None
    mu: Tap | None = None
    s: Tap | None = None
    #: the whole model, when known: its parameters are the gradient's leaves
    model: nn.Module | None = None

    def __post_init__(self) -> None:
        if self.model is not None and not isinstance(self.model, nn.Module):
            raise ValueError(f"hooks.model: expected a torch.nn.Module, got {type(self.model).__name__}")
        for name in ("encoder", "decoder", "mu", "s"):
            v = getattr(self, name)
            if v is not None and not _is_tap(v):
                raise ValueError(f"hooks.{name}: expected a torch.nn.Module or a bound method of one, got "
                                 f"{type(v).__name__}")
        if self.decoder is None:
            raise ValueError("hooks.decoder: the module (or method) that receives z is required")
        if (self.mu is None) != (self.s is None):
            raise ValueError("hooks.mu, hooks.s: give both heads (e.g. mu=model.fc_mu, s=model.fc_var) or "
                             "neither")
        if self.encoder is None and self.mu is None:
            raise ValueError("hooks.encoder: give the encoder (output (μ, s) or [μ, s] concatenated) or "
                             "the separate heads mu= and s=")

    def modules(self) -> list[nn.Module]:
        """The modules whose parameters the loss's gradient is checked against (each once)."""
        if self.model is not None:
            return [self.model]
        out: list[nn.Module] = []
        for v in (self.encoder, self.mu, self.s, self.decoder):
            m = v if isinstance(v, nn.Module) else getattr(v, "__self__", None)
            if isinstance(m, nn.Module) and all(m is not o for o in out):
                out.append(m)
        return out


@dataclass(frozen=True)
class ModelSpec:
    """What the loss claims to be the negative ELBO of (see the module docstring)."""

    likelihood: str
    param: Convention | str = "logvar"
    data: str | None = None
    arguments: tuple[str, ...] = ("recon", "x", "mu", "s")
    sigma2: float | None = 1.0
    hyper: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    hooks: Hooks | None = None
    prior_var: float = 1.0

    def __post_init__(self) -> None:
        pv = self.prior_var
        if isinstance(pv, bool) or not (isinstance(pv, int | float) and math.isfinite(pv) and pv > 0):
            raise ValueError("prior_var: the prior variance must be positive and finite, got "
                             f"{self.prior_var!r}")
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood: expected one of {LIKELIHOODS}, got {self.likelihood!r}")
        object.__setattr__(self, "param", parse_convention(self.param))
        data = self.data if self.data is not None else _DEFAULT_DOMAIN[self.likelihood]
        if data not in DOMAINS:
            raise ValueError(f"data: expected one of {DOMAINS}, got {data!r}")
        object.__setattr__(self, "data", data)
        if self.sigma2 is not None and (isinstance(self.sigma2, bool) or not (
                isinstance(self.sigma2, int | float) and self.sigma2 > 0 and math.isfinite(self.sigma2))):
            raise ValueError(f"sigma2: the Gaussian decoder variance must be positive, got {self.sigma2!r}")
        if not isinstance(self.hyper, Mapping):
            raise ValueError(f"hyper: expected a mapping name → values, got {type(self.hyper).__name__}")
        hyper: dict[str, tuple[float, ...]] = {}
        for name, values in dict(self.hyper).items():
            if not isinstance(name, str):
                raise ValueError(f"hyper: names must be strings, got {name!r}")
            try:
                vals = (values,) if isinstance(values, int | float) else tuple(values)
            except TypeError:
                vals = ()
            if not vals or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                                   for v in vals):
                raise ValueError(f"hyper: {name!r} needs one or more finite numbers, got {values!r}")
            if name in ROLES:
                raise ValueError(f"hyper: {name!r} is an argument role ({ROLES}), not a hyper-parameter name")
            hyper[name] = vals
        object.__setattr__(self, "hyper", hyper)
        if isinstance(self.arguments, str | bytes) or not isinstance(self.arguments, Iterable):
            raise ValueError("arguments: expected a sequence of names, e.g. ('recon', 'x', 'mu', 's'), got "
                             f"{self.arguments!r}")
        args = tuple(self.arguments)
        object.__setattr__(self, "arguments", args)
        roles = [self.role_of(a) for a in args]
        real_roles = [r for r in roles if r in ROLES]
        if len(set(real_roles)) != len(real_roles):
            raise ValueError(f"arguments: a role appears twice in {args}")
        if self.hooks is not None:
            bad = [a for a, r in zip(args, roles, strict=True) if r not in ("x", "k") and r not in hyper]
            if bad:
                raise ValueError("arguments: a loss audited through hooks takes x (and hyper-parameters) "
                                 f"only, got {bad}")
        elif "recon" not in roles and "decoder" not in roles:
            raise ValueError("arguments: the loss must receive 'recon' (the decoder output) or 'decoder'")
        if self.likelihood == "gaussian_learned" and self.hooks is None and "recon_logvar" not in roles:
            raise ValueError("arguments: the 'gaussian_learned' likelihood needs a 'recon_logvar' argument")
        if self.likelihood == "gaussian_learned" and ("decoder" in roles or self.hooks is not None):
            raise ValueError("likelihood: 'gaussian_learned' is audited with tensor arguments only")

    def role_of(self, name: str) -> str:
        """The role of an argument name (an alias resolved), or the hyper-parameter name itself."""
        if not isinstance(name, str):
            raise ValueError(f"arguments: names must be strings, got {name!r}")
        if name in self.hyper:
            return name
        role = _ALIASES.get(name)
        if role is None:
            raise ValueError(
                f"arguments: unknown name {name!r}; use one of the roles {ROLES} (or an alias such as "
                "'recon_x', 'logvar'), or list it in hyper"
            )
        return role

    @property
    def roles(self) -> tuple[str, ...]:
        """The role (x, recon, mu, s, …) of each positional argument of the loss, in order."""
        return tuple(self.role_of(a) for a in self.arguments)

    @property
    def mode(self) -> str:
        """``hooks`` (loss(x) runs a model), ``decoder`` (the loss samples z itself) or ``tensors``."""
        if self.hooks is not None:
            return "hooks"
        return "decoder" if "decoder" in self.roles else "tensors"

    @property
    def gaussian_fixed(self) -> bool:
        """Whether the likelihood is the fixed-variance Gaussian (the reconstruction term is ‖x − x̂‖² up
        to 1/(2σ²) and a constant)."""
        return self.likelihood == "gaussian"

    def describe(self) -> str:
        """One line for reports: likelihood (with σ²), data domain, sampler parameterisation and argument
        names."""
        lik = self.likelihood
        if lik == "gaussian":
            lik += f" (σ² = {self.sigma2:g})" if self.sigma2 is not None else " (fixed σ², inferred)"
        assert isinstance(self.param, Convention)
        prior = "" if self.prior_var == 1 else f"; prior N(0, {self.prior_var:g}·I)"
        return (f"likelihood {lik} on {self.data} data{prior}; sampler {self.param.text()} "
                f"({self.param.name()}); arguments ({', '.join(self.arguments)})")
