"""Calling a user's loss with the auditor's inputs, and recording what it did: stochastic
losses are replayed at a given z (the auditor controls the noise).

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
* ``hooks``: the loss is ``loss(x)`` over a whole model; forward hooks (or wrappers of bound
  methods such as ``model.encode``) record μ and s (the encoder's output (μ, s), its halves, or
  separate heads), the decoder's input z and output, under the same noise control.

What the loss returns is read by :func:`loss_value`: a scalar tensor, a dict with a ``loss`` entry
(AntixK PyTorch-VAE, pythae's ``ModelOutput``, Lightning's ``training_step``), a tuple whose first
element is the loss, or an object with a ``.loss`` attribute. ``None`` or anything else is a *bad
return type*; an exception is a *crash*.

The patch is process-global while the loss runs (not thread-safe); it is always undone.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from torch_impl.audit.conventions import Convention, identify_sampler
from torch_impl.audit.draws import Config, LinearDecoder
from torch_impl.audit.model_spec import Hooks, ModelSpec

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
    """One call of the loss: its value (or the problem) and the tensors the reference needs.

    ``leaves`` are the tensors the gradient check differentiates with respect to (the auditor's
    inputs, the auditor's decoder weights, or the model's parameters); ``decode`` recomputes the
    decoder output at a given z (decoder and hooks modes), so that a z the loss detached before
    decoding can be told from one it did not."""

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
    error_kind: str | None = None  # "crash" or "bad return type"
    leaves: list[torch.Tensor] = field(default_factory=list)
    decode: Callable[[torch.Tensor], torch.Tensor] | None = None
    parts: dict[str, float] = field(default_factory=dict)
    hook_problem: str | None = None
    compute_dtype: torch.dtype | None = None  # the least precise floating dtype the loss computed in


LOSS_KEYS = ("loss", "Loss", "total_loss", "train_loss")


def loss_value(out: Any) -> tuple[torch.Tensor | None, str | None, dict[str, float]]:
    """(the scalar loss, the problem if it is not one, the other named parts) of what a loss
    returned (module docstring)."""
    parts: dict[str, float] = {}
    what = out
    if isinstance(out, Mapping):
        key = next((k for k in LOSS_KEYS if k in out), None)
        if key is None:
            return None, (f"the loss returned a dict without a 'loss' entry (keys {sorted(map(str, out))}); "
                          "return the scalar, or a dict {'loss': …}"), parts
        for k, v in out.items():
            if k != key and isinstance(v, torch.Tensor) and v.numel() == 1:
                parts[str(k)] = float(v.detach())
        what = out[key]
    elif isinstance(out, tuple | list):
        if not out:
            return None, "the loss returned an empty sequence; expected a scalar tensor", parts
        what = out[0]
        for i, v in enumerate(out[1:], start=1):
            named = v.items() if isinstance(v, Mapping) else [(f"element {i}", v)]
            for k, t in named:
                if isinstance(t, torch.Tensor) and t.numel() == 1:
                    parts[str(k)] = float(t.detach())
    elif out is not None and not isinstance(out, torch.Tensor | int | float) and hasattr(out, "loss"):
        what = out.loss
    if what is None:
        return None, ("the loss returned None, not a scalar tensor (a missing `return`?)"
                      if out is None else "the loss's first/'loss' element is None"), parts
    if isinstance(what, bool) or not isinstance(what, torch.Tensor | int | float):
        return None, (f"the loss returned {type(what).__name__}; expected a scalar tensor (or a dict "
                      "{'loss': …} / a tuple (loss, …))"), parts
    if not isinstance(what, torch.Tensor):
        what = torch.as_tensor(float(what), dtype=torch.float64)
    if what.numel() != 1:
        return None, (f"the loss returned a tensor of shape {tuple(what.shape)}; the auditor expects a "
                      "scalar (reduce it the way you train with it)"), parts
    if not (what.dtype.is_floating_point or what.dtype.is_complex):
        return None, f"the loss returned a {what.dtype} tensor; expected a floating-point scalar", parts
    return what.reshape(()), None, parts


def _first_tensor(v: Any) -> torch.Tensor | None:
    if isinstance(v, torch.Tensor):
        return v
    if isinstance(v, tuple | list) and v and isinstance(v[0], torch.Tensor):
        return v[0]
    return None


def _encoder_pair(v: Any) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(μ, s) from an encoder's output: a tuple/list (μ, s, …) or a tensor split in halves."""
    if isinstance(v, tuple | list) and len(v) >= 2 and all(isinstance(t, torch.Tensor) for t in v[:2]):
        return v[0], v[1]
    if isinstance(v, torch.Tensor) and v.shape[-1] % 2 == 0 and v.shape[-1] > 0:
        m, sv = v.chunk(2, dim=-1)
        return m, sv
    return None


class Taps:
    """Records what a model's parts compute while the loss runs: forward hooks on modules,
    wrappers on bound methods (set on the instance, removed afterwards)."""

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks
        self.rec: dict[str, list[Any]] = {"enc": [], "mu": [], "s": [], "z": [], "out": []}
        self._undo: list[Callable[[], None]] = []
        self.originals: dict[str, Callable[..., Any]] = {}

    def _tap(self, role: str, target: Any) -> None:
        if isinstance(target, torch.nn.Module):
            def hook(module: Any, inputs: Any, output: Any) -> None:
                self._record(role, inputs, output)

            h = target.register_forward_hook(hook)
            self._undo.append(h.remove)
            return
        owner, name = target.__self__, target.__name__
        original = getattr(owner, name)
        self.originals[role] = original
        had = name in owner.__dict__

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            out = original(*args, **kwargs)
            self._record(role, args, out)
            return out

        owner.__dict__[name] = wrapped

        def undo() -> None:
            if had:
                owner.__dict__[name] = original
            else:
                owner.__dict__.pop(name, None)

        self._undo.append(undo)

    def _record(self, role: str, inputs: Any, output: Any) -> None:
        if role == "dec":
            self.rec["z"].append(inputs[0] if inputs else None)
            self.rec["out"].append(output)
        else:
            self.rec[role].append(output)

    def __enter__(self) -> Taps:
        h = self.hooks
        for role, target in (("enc", h.encoder), ("mu", h.mu), ("s", h.s), ("dec", h.decoder)):
            if target is not None:
                self._tap(role, target)
        return self

    def __exit__(self, *exc: object) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def decoder_fn(self) -> Callable[[torch.Tensor], torch.Tensor]:
        """The decoder as a plain function z ↦ output (after the taps are removed)."""
        target = self.hooks.decoder
        fn = self.originals.get("dec", target)
        assert fn is not None

        def decode(z: torch.Tensor) -> torch.Tensor:
            out = _first_tensor(fn(z))
            if out is None:
                raise ValueError("hooks.decoder: its output is not a tensor")
            return out

        return decode


def _hook_problem(x: torch.Tensor, mu: torch.Tensor | None, s: torch.Tensor | None, z: torch.Tensor | None,
                  recon: torch.Tensor | None, samples: int | None, calls: int = 1) -> str | None:
    """Why the recorded tensors cannot be μ, s, z and the decoder output of this data, or None."""
    if mu is None or s is None:
        return ("the encoder tap recorded no (μ, s): its output must be a tuple (μ, s) or one tensor [μ, "
                "s] to split in halves; give separate heads as Hooks(mu=…, s=…, decoder=…)")
    if mu.shape != s.shape:
        return f"μ has shape {tuple(mu.shape)} but s has {tuple(s.shape)}"
    if z is None or recon is None:
        return "the decoder tap was never called with z"
    if z.shape[-1] != mu.shape[-1]:
        hint = (" (an encoder tap on a hidden layer splits its features in halves: use the layer that "
                "outputs μ and s, or Hooks(mu=…, s=…, decoder=…) for separate heads)")
        return (f"the decoder's input has {z.shape[-1]} features but μ has {mu.shape[-1]}: the decoder tap "
                f"must be the module that receives z{hint}")
    per = x[0].numel() * (samples or 1)
    n = recon.numel() // max(1, x.shape[0])
    if n != per and not (calls > 1 and n == per * calls):  # several decoder calls: several samples
        return (f"the decoder's output has {n} entries per example but the data has "
                f"{x[0].numel()}{f' × {samples} samples' if samples else ''}: the decoder tap must return "
                "the decoder output the likelihood reads (e.g. the last layer or model.decode)")
    return None


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


class LowestPrecision(TorchFunctionMode):
    """Records the least precise floating dtype among the tensors with more than one entry that the
    loss's torch operations return: the precision the loss computes in (a float64 loss that casts to
    float32 inside computes in float32; a 0-dimensional float32 constant such as ``Normal(0., 1.)``'s
    parameters does not lower a float64 computation and is not counted)."""

    def __init__(self) -> None:
        super().__init__()
        self.dtype: torch.dtype | None = None

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        if isinstance(out, torch.Tensor) and out.dtype.is_floating_point and out.numel() > 1:
            if self.dtype is None or torch.finfo(out.dtype).eps > torch.finfo(self.dtype).eps:
                self.dtype = out.dtype
        return out


def _error_text(exc: BaseException) -> str:
    tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "".join(tb[-6:]).strip()


def _run(loss_fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any], g: torch.Generator,
         taps: Taps | None, precision: LowestPrecision) -> tuple[Any, str | None, list[torch.Tensor]]:
    drawn: list[torch.Tensor] = []
    try:
        with controlled_noise(g) as drawn, precision:
            if taps is not None:
                with taps:
                    out = loss_fn(*args, **kwargs)
            else:
                out = loss_fn(*args, **kwargs)
        return out, None, drawn
    except Exception as exc:  # the user's code: any exception is the finding
        return None, _error_text(exc), drawn


def call_loss(loss_fn: Callable[..., Any], spec: ModelSpec, config: Config, tensors: dict[str, torch.Tensor],
              g: torch.Generator, *, extreme: bool, samples: int | None = None, grad: bool = False,
              batch_first: bool = False) -> Replay:
    """Build the arguments for ``loss_fn`` from ``tensors`` by the spec's mapping, run it under noise
    control (and taps), and record μ, s, z, ε and the decoder output the loss used (K-first; with
    ``batch_first`` the loss receives and returns sample axes as (B, K, …)). With ``grad``
    the auditor's inputs (tensors mode) or decoder weights (decoder mode) require gradients; a loss
    that then fails (an in-place operation on an input, say) is run again without them, noted."""
    assert isinstance(spec.param, Convention)
    mode = spec.mode
    state = g.get_state()
    replay = _call(loss_fn, spec, config, tensors, g, extreme=extreme, samples=samples,
                   grad=grad and mode != "hooks", batch_first=batch_first)
    if replay.error is not None and grad and mode != "hooks":
        g.set_state(state)
        retry = _call(loss_fn, spec, config, tensors, g, extreme=extreme, samples=samples, grad=False,
                      batch_first=batch_first)
        if retry.error is None:
            retry.notes.append("the loss fails when its inputs require gradients (an in-place operation on "
                               "an input?): the gradient is not checked")
            return retry
    return replay


def _call(loss_fn: Callable[..., Any], spec: ModelSpec, config: Config, tensors: dict[str, torch.Tensor],
          g: torch.Generator, *, extreme: bool, samples: int | None, grad: bool,
          batch_first: bool = False) -> Replay:
    assert isinstance(spec.param, Convention)
    t = {k: (v.detach().clone().requires_grad_(True) if grad and k in ("recon", "mu", "s", "recon_logvar")
             else v) for k, v in tensors.items()}
    x, mu, s, eps = t["x"], t["mu"], t["s"], t["eps"]
    hyper = dict(config.hyper)
    mode = spec.mode
    decoder = LinearDecoder.random(spec, config, extreme, g) if mode == "decoder" else None
    leaves: list[torch.Tensor] = []
    if grad and mode == "tensors":
        leaves = [t["recon"], mu, s] + ([t["recon_logvar"]] if "recon_logvar" in spec.roles else [])
    elif grad and decoder is not None:
        decoder.weight.requires_grad_(True)
        decoder.bias.requires_grad_(True)
        leaves = [mu, s, decoder.weight, decoder.bias]
    z_given = mu + spec.param.sigma(s) * eps if "z" in spec.roles else None
    swap = bool(samples) and batch_first

    def lay(v: torch.Tensor | None) -> torch.Tensor | None:
        return v.transpose(0, 1) if swap and v is not None and v.dim() >= 2 else v

    values = {"x": x, "recon": lay(t["recon"]), "mu": mu, "s": s, "z": lay(z_given), "eps": lay(eps),
              "recon_logvar": lay(t["recon_logvar"]), "decoder": decoder, "k": samples}
    args = [hyper[role] if role in hyper else values[role] for role in spec.roles]
    kwargs = {k: v for k, v in hyper.items() if k not in spec.roles}
    taps = Taps(spec.hooks) if spec.hooks is not None else None
    precision = LowestPrecision()
    out, error, drawn = _run(loss_fn, args, kwargs, g, taps, precision)
    value: torch.Tensor | None = None
    kind = None
    parts: dict[str, float] = {}
    if error is not None:
        kind = "crash"
    else:
        value, error, parts = loss_value(out)
        kind = None if error is None else "bad return type"
    replay = Replay(value, error, x, mu, s, None, t["recon"], t["recon_logvar"], eps, None,
                    error_kind=kind, leaves=leaves, parts=parts, compute_dtype=precision.dtype)
    if mode == "tensors":
        replay.z = z_given if z_given is not None else mu + spec.param.sigma(s) * eps
        replay.sampler = spec.param
        return replay
    if mode == "decoder":
        assert decoder is not None
        replay.z = lay(_stack([c[0] for c in decoder.calls]))
        replay.recon = lay(_stack([c[1] for c in decoder.calls]))
        replay.decode = decoder.forward
        if not decoder.calls:
            replay.notes.append("the loss never called the decoder")
    else:
        assert taps is not None and spec.hooks is not None
        rec = taps.rec
        pair = _encoder_pair(rec["enc"][-1]) if rec["enc"] else None
        if rec["mu"] and rec["s"]:
            pair = (_first_tensor(rec["mu"][-1]), _first_tensor(rec["s"][-1]))  # type: ignore[assignment]
        if pair is not None:
            replay.mu, replay.s = pair
        outs = [_first_tensor(o) for o in rec["out"]]
        if spec.likelihood == "gaussian_learned" and rec["out"] and isinstance(rec["out"][-1], tuple | list):
            replay.recon_logvar = rec["out"][-1][1]
        zs = [z for z in rec["z"] if isinstance(z, torch.Tensor)]
        replay.z = lay(_stack(zs))
        replay.recon = lay(_stack([o for o in outs if o is not None]))
        replay.decode = taps.decoder_fn()
        replay.leaves = [p for m in spec.hooks.modules() for p in m.parameters() if p.requires_grad]
        if replay.error is None:
            replay.hook_problem = _hook_problem(x, replay.mu, replay.s, replay.z, replay.recon, samples,
                                                len(outs))
    replay.eps = _match_noise([lay(d) for d in drawn] if swap else drawn, replay.z)  # type: ignore[misc]
    if replay.z is not None and replay.eps is not None and replay.mu is not None and replay.s is not None:
        rel = 1e-6 if replay.z.dtype == torch.float64 else 1e-3
        replay.sampler = identify_sampler(replay.mu.detach(), replay.s.detach(), replay.eps,
                                          replay.z.detach(), rel=rel, declared=spec.param)
    if replay.sampler is None and replay.error is None:
        replay.notes.append("sampler unidentified: the z the decoder received is not μ + σ(s)·ε for any "
                            "standard convention and the auditor's ε (noise drawn outside "
                            "torch.randn/randn_like?)")
    return replay


def finite(value: torch.Tensor | None) -> bool:
    """Whether a recorded loss value is a finite number."""
    return value is not None and math.isfinite(float(value.detach()))
