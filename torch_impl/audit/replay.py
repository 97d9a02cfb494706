"""Calling a user's loss with the auditor's inputs, and recording what it did (issue 11, item 1:
"stochastic losses are replayed at a given z (the auditor controls the noise)").

Three mechanisms, chosen by the argument mapping of the :class:`ModelSpec`:

* ``tensors``: the loss receives the auditor's tensors (``recon``, ``mu``, ``s``, and ``z`` /
  ``eps`` when it asks for them, z = μ + σ(s)·ε with the declared sampler convention).
* ``decoder``: the loss receives a callable decoder and draws z itself. While it runs,
  ``torch.randn`` and ``torch.randn_like`` are replaced by functions that return the auditor's
  seeded standard normals (recorded); the decoder records every z it is called with and its output.
  The sampler's convention is then *identified* from the recorded (μ, s, ε, z). Noise drawn any
  other way (``Tensor.normal_``, ``torch.distributions.Normal.rsample``, a name bound with
  ``from torch import randn`` at import time) is not controlled: the sampler is then reported
  unidentified, and the reference still uses the z the decoder actually received.
* ``hooks``: the loss is ``loss(x)`` over a whole model; forward hooks record the encoder output
  (split in halves into μ and s), the decoder's input z and output, under the same noise control.

The patch is process-global while the loss runs (not thread-safe); it is always undone.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch

from torch_impl.audit.conventions import Convention, identify_sampler
from torch_impl.audit.draws import Config, LinearDecoder
from torch_impl.audit.model_spec import ModelSpec

_randn = torch.randn
_randn_like = torch.randn_like


@contextmanager
def controlled_noise(g: torch.Generator) -> Iterator[list[torch.Tensor]]:
    """Within the block, ``torch.randn`` / ``torch.randn_like`` return standard normals from ``g``
    (drawn in float64, then cast to the requested dtype); every draw is appended to the list."""
    drawn: list[torch.Tensor] = []

    def randn(*size: Any, dtype: torch.dtype | None = None, device: Any = None,
              requires_grad: bool = False, **_: Any) -> torch.Tensor:
        if len(size) == 1 and isinstance(size[0], tuple | list | torch.Size):
            size = tuple(size[0])
        t = _randn(*size, generator=g, dtype=torch.float64).to(dtype or torch.get_default_dtype())
        if device is not None:
            t = t.to(device)
        drawn.append(t.detach())
        return t.requires_grad_(requires_grad)

    def randn_like(a: torch.Tensor, *, dtype: torch.dtype | None = None, **_: Any) -> torch.Tensor:
        t = _randn(tuple(a.shape), generator=g, dtype=torch.float64).to(dtype or a.dtype).to(a.device)
        drawn.append(t.detach())
        return t

    torch.randn, torch.randn_like = randn, randn_like  # type: ignore[assignment]
    try:
        yield drawn
    finally:
        torch.randn, torch.randn_like = _randn, _randn_like


@dataclass
class Replay:
    """One call of the loss: its value (or the exception) and the tensors the reference needs."""

    value: torch.Tensor | None
    error: str | None
    x: torch.Tensor
    mu: torch.Tensor | None
    s: torch.Tensor | None
    z: torch.Tensor | None
    recon: torch.Tensor | None
    recon_logvar: torch.Tensor | None
    eps: torch.Tensor | None
    sampler: Convention | None
    notes: list[str] = field(default_factory=list)


def _stack(tensors: list[torch.Tensor]) -> torch.Tensor | None:
    if not tensors:
        return None
    if len(tensors) == 1:
        return tensors[0]
    if all(t.dim() >= 3 for t in tensors):  # chunks of samples (K_chunk, B, …)
        return torch.cat(tensors, 0)
    if all(t.shape == tensors[0].shape for t in tensors):
        return torch.stack(tensors, 0)
    return None


def _match_noise(drawn: list[torch.Tensor], z: torch.Tensor | None) -> torch.Tensor | None:
    """The recorded noise that has z's shape (draws of the same shape stacked / concatenated)."""
    if z is None:
        return None
    same = [t for t in drawn if t.shape == z.shape]
    if len(same) == 1:
        return same[0]
    if z.dim() >= 3:
        chunks = [t for t in drawn if t.dim() == z.dim() and t.shape[1:] == z.shape[1:]]
        if chunks and sum(t.shape[0] for t in chunks) == z.shape[0]:
            return torch.cat(chunks, 0)
        rows = [t for t in drawn if t.shape == z.shape[1:]]
        if len(rows) == z.shape[0]:
            return torch.stack(rows, 0)
    return None


def _error_text(exc: BaseException) -> str:
    tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "".join(tb[-6:]).strip()


def call_loss(loss_fn: Callable[..., Any], spec: ModelSpec, config: Config, tensors: dict[str, torch.Tensor],
              g: torch.Generator, *, extreme: bool, samples: int | None = None) -> Replay:
    """Build the arguments for ``loss_fn`` from ``tensors`` by the spec's mapping, run it under noise
    control (and hooks), and record μ, s, z, ε and the decoder output the loss used."""
    assert isinstance(spec.param, Convention)
    x, mu, s, eps = tensors["x"], tensors["mu"], tensors["s"], tensors["eps"]
    hyper = dict(config.hyper)
    mode = spec.mode
    decoder = LinearDecoder.random(spec, config, extreme, g) if mode == "decoder" else None
    z_given = mu + spec.param.sigma(s) * eps if "z" in spec.roles else None
    values = {"x": x, "recon": tensors["recon"], "mu": mu, "s": s, "z": z_given, "eps": eps,
              "recon_logvar": tensors["recon_logvar"], "decoder": decoder, "k": samples}
    args = []
    for role in spec.roles:
        args.append(hyper[role] if role in hyper else values[role])
    kwargs = {k: v for k, v in hyper.items() if k not in spec.roles}
    rec: dict[str, list[torch.Tensor]] = {"enc": [], "z": [], "out": []}
    handles = []
    if spec.hooks is not None:

        def on_encoder(module: Any, inputs: Any, output: torch.Tensor) -> None:
            rec["enc"].append(output)

        def on_decoder(module: Any, inputs: Any, output: torch.Tensor) -> None:
            rec["z"].append(inputs[0])
            rec["out"].append(output)

        handles.append(spec.hooks.encoder.register_forward_hook(on_encoder))
        handles.append(spec.hooks.decoder.register_forward_hook(on_decoder))
    value: torch.Tensor | None = None
    error = None
    try:
        with controlled_noise(g) as drawn:
            out = loss_fn(*args, **kwargs)
        if not isinstance(out, torch.Tensor):
            out = torch.as_tensor(out, dtype=torch.float64)
        if out.numel() != 1:
            error = (f"the loss returned a tensor of shape {tuple(out.shape)}; the auditor expects a scalar "
                     "(reduce it the way you train with it)")
        else:
            value = out.reshape(())
    except Exception as exc:  # the user's code: any exception is the finding
        error = _error_text(exc)
        drawn = []
    finally:
        for h in handles:
            h.remove()
    replay = Replay(value, error, x, mu, s, None, tensors["recon"], tensors["recon_logvar"], eps, None)
    if mode == "tensors":
        replay.z = z_given if z_given is not None else mu + spec.param.sigma(s) * eps
        replay.sampler = spec.param
        return replay
    if mode == "decoder":
        assert decoder is not None
        replay.z = _stack([c[0] for c in decoder.calls])
        replay.recon = _stack([c[1] for c in decoder.calls])
        if not decoder.calls:
            replay.notes.append("the loss never called the decoder")
    else:
        if rec["enc"]:
            m, sv = rec["enc"][-1].chunk(2, dim=-1)
            replay.mu, replay.s = m, sv
        replay.z = _stack(rec["z"])
        replay.recon = _stack(rec["out"])
        replay.x = x
    replay.eps = _match_noise(drawn, replay.z)
    if replay.z is not None and replay.eps is not None and replay.mu is not None and replay.s is not None:
        replay.sampler = identify_sampler(replay.mu.detach(), replay.s.detach(), replay.eps,
                                          replay.z.detach())
    if replay.sampler is None and replay.error is None:
        replay.notes.append("sampler unidentified: the z the decoder received is not μ + σ(s)·ε for any "
                            "standard convention and the auditor's ε (noise drawn outside "
                            "torch.randn/randn_like?)")
    return replay
