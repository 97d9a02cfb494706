"""``audit_model``: audit a whole VAE ``nn.Module`` — its own loss, run the way it trains — against
the negative ELBO of the declared model.

What computes the loss from a batch x (the first that applies, unless ``loss`` is given):

1. a Lightning-style ``training_step(batch, batch_idx)`` with ``batch = make_batch(x)`` (default
   ``(x, zeros)``, an image batch with dummy labels);
2. ``forward(x)`` when it returns the loss: a scalar, ``(loss, parts…)``, a dict with ``loss``
   (pythae's ``ModelOutput``), or an object with ``.loss``;
3. ``forward(x)`` followed by ``loss_function(*outputs, **loss_kwargs)`` (AntixK PyTorch-VAE:
   ``forward`` returns ``[recons, input, mu, log_var]``, ``loss_function`` a dict with ``loss``).

Where μ, s, z and the decoder output are read (unless ``hooks`` is given): an ``encode`` method
returning (μ, s) — pytorch/examples ``vae/main.py``, AntixK — or an ``encoder`` submodule; separate
heads ``fc_mu``/``fc_var``, ``fc21``/``fc22``, ``mu``/``logvar`` …; a ``decode`` method or a
``decoder`` submodule. The gradient is checked with respect to the model's parameters."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from torch_impl.audit.elbo import DEFAULT_BATCH_SIZES, _check_sizes, audit_elbo_loss, validate_settings
from torch_impl.audit.model_spec import Hooks, ModelSpec
from torch_impl.audit.report import LossAudit

_HEADS = (("fc_mu", "fc_var"), ("fc_mu", "fc_logvar"), ("fc21", "fc22"), ("fc_mean", "fc_logvar"),
          ("mu", "logvar"), ("mu", "log_var"), ("mu_head", "logvar_head"), ("z_mean", "z_log_var"))


def _own_method(model: nn.Module, name: str) -> Callable[..., Any] | None:
    """``model.name`` when the model's class defines it (not nn.Module's own attributes)."""
    if any(name in vars(c) for c in type(model).__mro__ if c not in (nn.Module, object)):
        m = getattr(model, name, None)
        return m if callable(m) else None
    return None


def find_hooks(model: nn.Module) -> Hooks:
    """Hooks for μ, s, z and the decoder output of ``model`` (module docstring); ValueError naming what
    is missing."""
    modules = dict(model.named_children())
    encode = _own_method(model, "encode")
    decoder: Any = _own_method(model, "decode") or modules.get("decoder")
    if decoder is None:
        raise ValueError("model: no decode() method and no 'decoder' submodule; pass hooks=Hooks(decoder=…)")
    if encode is not None:
        return Hooks(encoder=encode, decoder=decoder)
    for mu_name, s_name in _HEADS:
        if isinstance(modules.get(mu_name), nn.Module) and isinstance(modules.get(s_name), nn.Module):
            return Hooks(mu=modules[mu_name], s=modules[s_name], decoder=decoder)
    if isinstance(modules.get("encoder"), nn.Module):
        return Hooks(encoder=modules["encoder"], decoder=decoder)
    raise ValueError("model: no encode() method, no μ/log-variance heads (fc_mu/fc_var, fc21/fc22, …) and "
                     "no 'encoder' submodule; pass hooks=Hooks(encoder=…, decoder=…)")


def _scalar_like(out: Any) -> bool:
    if isinstance(out, torch.Tensor):
        return out.numel() == 1
    if isinstance(out, Mapping):
        return "loss" in out
    if isinstance(out, tuple | list):
        return bool(out) and isinstance(out[0], torch.Tensor) and out[0].numel() == 1
    return hasattr(out, "loss")


def loss_runner(model: nn.Module, *, make_batch: Callable[[torch.Tensor], Any] | None = None,
                loss_kwargs: Mapping[str, Any] | None = None) -> Callable[[torch.Tensor], Any]:
    """x ↦ what the model's own training code returns as its loss (module docstring)."""
    step = _own_method(model, "training_step")
    if step is not None:
        batch = make_batch or (lambda x: (x, torch.zeros(x.shape[0], dtype=torch.long)))
        return lambda x: step(batch(x), 0)
    loss_function = _own_method(model, "loss_function")
    kwargs = dict(loss_kwargs or {})

    def run(x: torch.Tensor) -> Any:
        out = model(x)
        if _scalar_like(out):
            return out
        if loss_function is None:
            raise TypeError("the model's forward returns its outputs, not a loss, and the model has no "
                            "loss_function or training_step: pass audit_model(..., loss=lambda x: "
                            "your_loss(*model(x), x))")
        if isinstance(out, tuple | list):
            return loss_function(*out, **kwargs)
        return loss_function(out, **kwargs)

    return run


def audit_model(
    model: nn.Module,
    spec: ModelSpec,
    *,
    beta: float | str = 1.0,
    loss: Callable[[torch.Tensor], Any] | None = None,
    hooks: Hooks | None = None,
    make_batch: Callable[[torch.Tensor], Any] | None = None,
    loss_kwargs: Mapping[str, Any] | None = None,
    batch_sizes: tuple[int, ...] = DEFAULT_BATCH_SIZES,
    data_shapes: tuple[tuple[int, ...], ...] | None = None,
    draws: int = 10,
    extreme_draws: int = 0,
    seed: int = 0,
) -> LossAudit:
    """Audit ``model``'s own loss (``loss(x)`` if given, else found as in the module docstring) as
    a·(−ELBO_β) + c of ``spec`` (likelihood, sampler parameterisation, σ², prior; its argument list is
    replaced by ``("x",)``). ``data_shapes`` defaults to the input size of the first Linear layer
    (give it for convolutional models, e.g. ``((3, 64, 64),)``). The model's parameters are the
    gradient's leaves. Saturated draws are off by default (the model's own decoder decides its
    outputs; ``extreme_draws`` feeds it larger inputs). The model's state (parameters, BatchNorm running
    statistics) is restored afterwards."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(spec, ModelSpec):
        raise ValueError(f"spec: expected a torch_impl.audit.ModelSpec, got {type(spec).__name__}")
    if loss is not None and not callable(loss):
        raise ValueError(f"loss: expected a callable x ↦ loss, got {type(loss).__name__}")
    validate_settings(spec, beta, draws, extreme_draws, seed)
    _check_sizes("batch_sizes", batch_sizes)
    if data_shapes is not None:
        _check_sizes("data_shapes", data_shapes, nested=True)
    taps = dataclasses.replace(hooks if hooks is not None else find_hooks(model), model=model)
    spec = dataclasses.replace(spec, arguments=("x",), hooks=taps,
                               hyper={k: v for k, v in spec.hyper.items()})
    runner = loss if loss is not None else loss_runner(model, make_batch=make_batch, loss_kwargs=loss_kwargs)
    state = copy.deepcopy(model.state_dict())  # running statistics (BatchNorm) move while the loss runs
    try:
        return audit_elbo_loss(runner, spec, beta=beta, batch_sizes=batch_sizes, data_shapes=data_shapes,
                               draws=draws, extreme_draws=extreme_draws, seed=seed)
    finally:
        model.load_state_dict(state)
