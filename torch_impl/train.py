"""Train the VAE on scikit-learn's shipped digits (8×8, 1,797 images).

    python -m torch_impl.train --epochs 100 --latent-dim 8 --likelihood bernoulli --out runs/digits

Writes to ``--out``: ``checkpoint.pt`` (after every epoch), ``metrics.json`` (train/test ELBO per
epoch, the test IWAE-k estimate of log p(x)) and ``figure.png`` (test reconstructions and prior
samples), each atomically (a temporary file beside it, then a rename). Re-running with the same
``--out`` resumes from the last checkpoint and produces the same result as an uninterrupted run
(model, optimiser and RNG states are checkpointed).

Failing loudly: every argument is checked before any work (exit 2, argparse's
usage error), including that ``--out`` is writable and ``--device`` exists. The checkpoint is read
with ``torch.load(weights_only=True)`` (tensors and plain Python values only: a pickle payload is
refused, never run); a checkpoint that cannot be read or does not fit the model is one error naming
the file and offering ``--restart`` (exit 2); resuming with different hyper-parameters is an error
listing them, unless ``--override`` (exit 2). A NaN or inf in any metric — a step's loss, an epoch's
train or test ELBO, the parameters after an epoch, the test IWAE — stops the run (exit 3) naming
what and where; no checkpoint with a non-finite value is ever written, and the message names the
last checkpoint actually written, if any. ``metrics.json`` is strict JSON (no NaN).

Exit codes: 0 trained and written; 2 usage (bad argument, unwritable ``--out``, unknown device,
unusable or mismatched checkpoint) — nothing trained; 3 a non-finite metric.

Data: pixel values / 16; the Bernoulli likelihood uses them binarised at ½, the Gaussian one as is.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from derivations.runner.help_text import plain_help
from torch_impl._validate import require_int
from torch_impl.model import Vae, VaeConfig

CHECKPOINT_FORMAT = 2
# resumable only with the same values (or --override); the rest of the arguments may change freely
MAX_SEED = 2**63 - 2
HYPERPARAMETERS = ("lr", "batch_size", "beta", "likelihood", "latent_dim", "prior", "dtype", "seed")
# these fix the weights' shapes or the train/test split: not even --override can change them
NOT_OVERRIDABLE = {
    "latent_dim": "the weights have another shape",
    "prior": "the prior's parameters differ",
    "seed": "it fixes the train/test split the model has already seen",
}
EXIT_USAGE, EXIT_NON_FINITE = 2, 3


class NonFiniteMetric(RuntimeError):
    """A loss, ELBO, IWAE or parameter became NaN or inf (exit code 3)."""


class CheckpointError(ValueError):
    """The checkpoint in ``--out`` cannot be resumed: unreadable, malformed, or from other
    hyper-parameters (exit code 2)."""


def load_digits_split(
    likelihood: str, seed: int = 0, test_fraction: float = 0.2
) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, test) float64 tensors of shape (N, 64) from scikit-learn's digits, split by ``seed``;
    ``likelihood`` 'bernoulli' (pixels binarised) or 'gaussian'; both parts non-empty."""
    from sklearn.datasets import load_digits

    if likelihood not in ("bernoulli", "gaussian"):
        raise ValueError(f"likelihood: expected 'bernoulli' or 'gaussian', got {likelihood!r}")
    seed = require_int(seed, "seed", minimum=0, maximum=MAX_SEED)
    fraction_ok = isinstance(test_fraction, int | float) and not isinstance(test_fraction, bool)
    if not (fraction_ok and 0 < test_fraction < 1):
        raise ValueError(f"test_fraction: expected a number in (0, 1), got {test_fraction!r}")
    x = load_digits().data.astype(np.float64) / 16.0
    if likelihood == "bernoulli":
        x = (x >= 0.5).astype(np.float64)
    perm = np.random.default_rng(seed).permutation(len(x))
    n_test = round(test_fraction * len(x))
    if not 0 < n_test < len(x):
        raise ValueError(f"test_fraction: {test_fraction!r} leaves an empty part of the {len(x)} digits")
    return torch.tensor(x[perm[n_test:]]), torch.tensor(x[perm[:n_test]])


# --------------------------------------------------------------------------- arguments


def _int_at_least(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be ≥ {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be ≤ {maximum}, got {value}")
        return value

    return parse


def _finite_float(*, positive: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be finite, got {text}")
        if positive and not value > 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
        if not positive and value < 0:
            raise argparse.ArgumentTypeError(f"must be ≥ 0, got {value}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m torch_impl.train``."""
    p = argparse.ArgumentParser(
        prog="python -m torch_impl.train",
        description=plain_help(__doc__.split("\n\n")[0]),
        epilog="Exit codes: 0 done; 2 usage or unusable checkpoint (nothing trained); 3 NaN/inf metric.",
    )
    p.add_argument("--epochs", type=_int_at_least(1), default=100, help="total epochs (≥ 1)")
    p.add_argument("--latent-dim", type=_int_at_least(1), default=8)
    p.add_argument("--beta", type=_finite_float(positive=False), default=1.0, help="KL weight, finite ≥ 0")
    p.add_argument("--likelihood", choices=("bernoulli", "gaussian"), default="bernoulli")
    p.add_argument("--prior", choices=("normal", "gmm"), default="normal")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or mps")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    # torch.manual_seed takes seeds below 2**64, and the IWAE estimate seeds its own stream with seed + 1
    p.add_argument("--seed", type=_int_at_least(0, MAX_SEED), default=0, help=f"0 … {MAX_SEED}")
    p.add_argument("--batch-size", type=_int_at_least(1), default=128)
    p.add_argument("--lr", type=_finite_float(positive=True), default=1e-3, help="Adam step size, > 0")
    p.add_argument("--iwae-samples", type=_int_at_least(1), default=5000)
    p.add_argument("--out", type=Path, default=Path("runs/digits"))
    p.add_argument("--restart", action="store_true", help="ignore the checkpoint in --out and overwrite it")
    p.add_argument(
        "--override",
        action="store_true",
        help="resume even if --lr/--batch-size/--beta/--likelihood/--dtype differ from the "
        "checkpoint's (the new values win)",
    )
    p.add_argument("--no-progress", action="store_true")
    return p


def _device_problem(name: str) -> str | None:
    """Why ``--device name`` cannot be used, or None."""
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError) as exc:
        return f"not a device name ({exc})"
    if device.type == "cpu":
        return None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            return "CUDA is not available on this machine"
        if device.index is not None and device.index >= torch.cuda.device_count():
            return f"there are {torch.cuda.device_count()} CUDA device(s), no index {device.index}"
        return None
    if device.type == "mps":
        return None if torch.backends.mps.is_available() else "MPS is not available on this machine"
    return f"device type {device.type!r} is not supported (cpu, cuda or mps)"


def _out_problem(out: Path) -> str | None:
    """Why ``--out`` cannot take the run's files, or None (creates the folder; probes a write)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-probe-"):
            pass
    except OSError as exc:
        return f"cannot write there ({exc.strerror or exc})"
    return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse and check every argument; any problem is argparse's usage error (exit 2)."""
    p = build_parser()
    a = p.parse_args(argv)
    problem = _device_problem(a.device)
    if problem:
        p.error(f"argument --device: {a.device!r}: {problem}")
    problem = _out_problem(a.out)
    if problem:
        p.error(f"argument --out: {str(a.out)!r}: {problem}")
    if a.restart and a.override:
        p.error("arguments --restart and --override: choose one (--restart ignores the checkpoint)")
    return a


# --------------------------------------------------------------------------- files

T = TypeVar("T")


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """``write`` a temporary file beside ``path``, then rename it over ``path``: an interruption
    or a full disk leaves the previous file untouched."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _hyperparameters(a: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(a, name) for name in HYPERPARAMETERS}


def _load_checkpoint(path: Path, device: torch.device) -> dict[str, Any]:
    """Read ``path`` safely (``weights_only=True``) and check its structure; CheckpointError else."""
    try:
        ck = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # any reason a file cannot be read: one clear message
        raise _unusable(path, f"cannot be read ({type(exc).__name__}: {_first_line(exc)})") from exc
    if not isinstance(ck, dict):
        raise _unusable(path, f"holds a {type(ck).__name__}, not a checkpoint dictionary")
    required = {
        "format": int,
        "model": dict,
        "optimizer": dict,
        "epoch": int,
        "history": list,
        "hyperparameters": dict,
        "rng_cpu": torch.Tensor,
    }
    missing = sorted(set(required) - set(ck))
    if missing:
        raise _unusable(path, f"lacks the key(s) {', '.join(missing)}")
    for key, kind in required.items():
        if not isinstance(ck[key], kind):
            raise _unusable(path, f"{key!r} is a {type(ck[key]).__name__}, expected {kind.__name__}")
    if ck["format"] != CHECKPOINT_FORMAT:
        raise _unusable(path, f"has format {ck['format']}, this version reads {CHECKPOINT_FORMAT}")
    if ck["epoch"] < 1 or len(ck["history"]) != ck["epoch"]:
        raise _unusable(path, f"epoch {ck['epoch']} does not match its {len(ck['history'])} history entries")
    for entry in ck["history"]:
        values = [entry.get(k) for k in ("train_elbo", "test_elbo")] if isinstance(entry, dict) else [None]
        if not all(isinstance(v, float) and math.isfinite(v) for v in values):
            raise _unusable(path, f"has a malformed or non-finite history entry {entry!r}")
    return ck


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no message"


def _unusable(path: Path, why: str) -> CheckpointError:
    return CheckpointError(
        f"checkpoint {path} {why}; run with --restart to ignore it and train from scratch "
        "(it is overwritten), or choose another --out"
    )


def _resume_differences(saved: dict[str, Any], wanted: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (saved.get(k), wanted[k]) for k in HYPERPARAMETERS if saved.get(k) != wanted[k]}


def _restore(
    ck: dict[str, Any], path: Path, model: Vae, opt: torch.optim.Optimizer, device: torch.device
) -> None:
    """Load the checkpoint's states into ``model`` and ``opt`` (shapes checked first)."""
    expected = model.state_dict()
    saved = ck["model"]
    if set(saved) != set(expected):
        diff = sorted(set(saved) ^ set(expected))
        raise _unusable(path, f"has other model parameters than this model ({', '.join(diff[:4])})")
    for name, tensor in expected.items():
        got = saved[name]
        if not isinstance(got, torch.Tensor) or got.shape != tensor.shape:
            shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
            raise _unusable(
                path, f"parameter {name!r} has shape {shape}, the model needs {tuple(tensor.shape)}"
            )
        if got.is_floating_point() and not bool(torch.isfinite(got).all()):
            raise _unusable(path, f"parameter {name!r} contains NaN or inf")
    try:
        model.load_state_dict(saved)
        opt.load_state_dict(ck["optimizer"])
        torch.set_rng_state(ck["rng_cpu"].cpu())
        if device.type == "cuda" and isinstance(ck.get("rng_cuda"), torch.Tensor):
            torch.cuda.set_rng_state(ck["rng_cuda"].cpu())
    except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise _unusable(path, f"does not fit ({type(exc).__name__}: {_first_line(exc)})") from exc


# --------------------------------------------------------------------------- metrics


def _progress(iterable: Iterable[T], total: int, desc: str, disable: bool) -> Iterable[T]:
    try:
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=desc, disable=disable or None, leave=False)
    except ImportError:  # pragma: no cover
        return iterable


@torch.no_grad()
def _evaluation_arguments(model: object, x: object, batch: object) -> None:
    if not isinstance(model, Vae):
        raise ValueError(f"model: expected a torch_impl.model.Vae, got {type(model).__name__}")
    model._check_data(x)
    require_int(batch, "batch", minimum=1)


def evaluate_elbo(model: Vae, x: torch.Tensor, batch: int = 512) -> float:
    """Mean ELBO (nats per data point) of ``x`` under ``model``, one sample per point; ``batch`` ≥ 1
    points at a time."""
    _evaluation_arguments(model, x, batch)
    total = 0.0
    for i in range(0, len(x), batch):
        total += float(model.elbo_terms(x[i : i + batch])["elbo"].detach().sum())
    return total / len(x)


@torch.no_grad()
def evaluate_iwae(model: Vae, x: torch.Tensor, k: int, batch: int = 64) -> tuple[float, float]:
    """Mean IWAE-k estimate of log p(x) over ``x`` (≥ 2 points) and its standard error."""
    _evaluation_arguments(model, x, batch)
    if len(x) < 2:
        raise ValueError(f"x: a standard error needs at least 2 data points, got {len(x)}")
    vals = torch.cat([model.iwae(x[i : i + batch], k) for i in range(0, len(x), batch)])
    return float(vals.mean()), float(vals.std() / math.sqrt(len(vals)))


def read_elbo_history(metrics_path: Path) -> list[tuple[int, float, float]]:
    """(epoch, train ELBO, test ELBO) per epoch from a ``metrics.json`` written by :func:`train`;
    empty when the file is missing. ``ValueError`` naming the file when it is not such a file."""
    if not metrics_path.is_file():
        return []
    try:
        history = json.loads(metrics_path.read_text(encoding="utf-8"))["history"]
        return [(int(h["epoch"]), float(h["train_elbo"]), float(h["test_elbo"])) for h in history]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"metrics_path: {metrics_path} has no readable per-epoch history: {exc!r}") from None


def write_figure(model: Vae, x_test: torch.Tensor, path: Path, seed: int) -> None:
    """Test images, their reconstructions and prior samples (3 × 10 panel), and below them the
    train and test ELBO per epoch from the ``metrics.json`` beside ``path`` (when written);
    written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with torch.no_grad():
        x = x_test[:10]
        mu, _ = model.encode(x)
        rec = model.decode(mu)
        rec = torch.sigmoid(rec) if model.config.likelihood == "bernoulli" else rec
        g = torch.Generator(device=x.device).manual_seed(seed)
        samples = model.sample(10, generator=g)
    history = read_elbo_history(path.parent / "metrics.json")
    fig = plt.figure(figsize=(10, 3.3 + (2.6 if history else 0)))
    grid = fig.add_gridspec(4 if history else 3, 10, height_ratios=[1, 1, 1, 2.4] if history else [1, 1, 1])
    for j in range(10):
        for row, img in enumerate((x[j], rec[j], samples[j])):
            ax = fig.add_subplot(grid[row, j])
            if j < len(x):
                ax.imshow(img.detach().cpu().float().reshape(8, 8).numpy(), cmap="gray_r", vmin=0, vmax=1)
            ax.axis("off")
            if j == 0:
                ax.set_title(("test", "reconstruction", "sample")[row], fontsize=8, loc="left")
    if history:
        ax = fig.add_subplot(grid[3, :])
        epochs = [h[0] for h in history]
        ax.plot(epochs, [h[1] for h in history], "C0-", marker="." if len(epochs) < 30 else None,
                label="train ELBO")
        ax.plot(epochs, [h[2] for h in history], "C1-", marker="." if len(epochs) < 30 else None,
                label="test ELBO")
        ax.set_xlabel("epoch")
        ax.set_ylabel("ELBO (nats per image)")
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    _write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


class _Run:
    """Where the run stands, for honest messages: the last checkpoint this ``--out`` holds from
    this run or the one it resumes (0: none written)."""

    def __init__(self, ckpt_path: Path, saved_epoch: int) -> None:
        self.ckpt_path, self.saved_epoch = ckpt_path, saved_epoch

    def kept(self) -> str:
        if self.saved_epoch:
            return f"the checkpoint {self.ckpt_path} (epoch {self.saved_epoch}, all metrics finite) is kept"
        return "no checkpoint was written by this run"

    def fail(self, what: str) -> NonFiniteMetric:
        return NonFiniteMetric(f"{what}; {self.kept()}")


def _require_finite_params(model: Vae, run: _Run, epoch: int) -> None:
    for name, p in model.named_parameters():
        if not bool(torch.isfinite(p).all()):
            raise run.fail(f"parameter {name} is NaN or inf after epoch {epoch}")


# --------------------------------------------------------------------------- the run


def train(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse ``argv``, train (or resume), evaluate, write the files; return the metrics.
    Raises SystemExit(2) for bad arguments, CheckpointError, NonFiniteMetric (see :func:`main`)."""
    a = parse_args(argv)
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    device = torch.device(a.device)
    ckpt_path, metrics_path = a.out / "checkpoint.pt", a.out / "metrics.json"
    config = VaeConfig(
        data_dim=64, latent_dim=a.latent_dim, likelihood=a.likelihood, beta=a.beta, prior=a.prior
    )
    wanted = _hyperparameters(a)

    ck: dict[str, Any] | None = None
    if ckpt_path.exists() and not a.restart:
        ck = _load_checkpoint(ckpt_path, device)
        diff = _resume_differences(ck["hyperparameters"], wanted)
        listed = ", ".join(f"--{k.replace('_', '-')} {old!r} → {new!r}" for k, (old, new) in diff.items())
        fixed = {k: why for k, why in NOT_OVERRIDABLE.items() if k in diff}
        if fixed:
            reasons = "; ".join(f"--{k.replace('_', '-')}: {why}" for k, why in fixed.items())
            raise CheckpointError(
                f"checkpoint {ckpt_path} was trained with other hyper-parameters ({listed}); "
                f"not resumable even with --override ({reasons}); use --restart or another --out"
            )
        if diff and not a.override:
            raise CheckpointError(
                f"checkpoint {ckpt_path} was trained with other hyper-parameters: {listed}; "
                "pass the checkpoint's values, --override to resume with the new ones, "
                "--restart to train from scratch, or another --out"
            )
        if ck["epoch"] > a.epochs:
            raise CheckpointError(
                f"checkpoint {ckpt_path} has already trained {ck['epoch']} epochs, more than "
                f"--epochs {a.epochs}; pass --epochs ≥ {ck['epoch']}, --restart, or another --out"
            )
        if diff:
            print(f"--override: resuming {ckpt_path} with the new values {listed}", file=sys.stderr)

    x_train, x_test = (t.to(device=device, dtype=dtype) for t in load_digits_split(a.likelihood, a.seed))
    torch.manual_seed(a.seed)
    model = Vae(config).to(device=device, dtype=dtype)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    history: list[dict[str, Any]] = []
    start_epoch = 0
    if ck is not None:
        _restore(ck, ckpt_path, model, opt, device)
        for group in opt.param_groups:  # the checkpoint's lr unless --override changed it: a.lr either way
            group["lr"] = a.lr
        history, start_epoch = list(ck["history"]), ck["epoch"]
        print(f"resuming from {ckpt_path} after epoch {start_epoch}", file=sys.stderr)
    run = _Run(ckpt_path, start_epoch)

    shuffle = torch.Generator().manual_seed(a.seed)
    for _ in range(start_epoch):  # replay the shuffles of the finished epochs: same order as uninterrupted
        torch.randperm(len(x_train), generator=shuffle)
    t0 = time.perf_counter()
    for epoch in range(start_epoch, a.epochs):
        model.train()
        perm = torch.randperm(len(x_train), generator=shuffle).to(device)
        steps = range(0, len(x_train), a.batch_size)
        total = 0.0
        for step, i in enumerate(
            _progress(steps, len(steps), f"epoch {epoch + 1}/{a.epochs}", a.no_progress)
        ):
            xb = x_train[perm[i : i + a.batch_size]]
            loss, totals = model.loss(xb)
            value = loss.item()
            if not math.isfinite(value):
                raise run.fail(f"non-finite loss {value} at epoch {epoch + 1}, step {step + 1}")
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += totals.elbo
        model.eval()
        entry = {
            "epoch": epoch + 1,
            "train_elbo": total / len(x_train),
            "test_elbo": evaluate_elbo(model, x_test),
        }
        for key in ("train_elbo", "test_elbo"):
            if not math.isfinite(entry[key]):
                raise run.fail(f"{key.replace('_elbo', ' ELBO')} is {entry[key]} after epoch {epoch + 1}")
        _require_finite_params(model, run, epoch + 1)
        history.append(entry)
        state = {
            "format": CHECKPOINT_FORMAT,
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "epoch": epoch + 1,
            "history": history,
            "hyperparameters": wanted,
            "config": asdict(config),
            "rng_cpu": torch.get_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state() if device.type == "cuda" else None,
        }
        _write_atomically(ckpt_path, partial(torch.save, state))
        run.saved_epoch = epoch + 1
        if not a.no_progress:
            print(
                f"epoch {epoch + 1}: train ELBO {entry['train_elbo']:.3f}, "
                f"test ELBO {entry['test_elbo']:.3f} nats",
                file=sys.stderr,
            )
    model.eval()
    g_state = torch.get_rng_state()
    torch.manual_seed(a.seed + 1)  # the IWAE estimate uses its own fixed stream
    iwae, iwae_se = evaluate_iwae(model, x_test, a.iwae_samples)
    torch.set_rng_state(g_state)
    if not (math.isfinite(iwae) and math.isfinite(iwae_se)):
        raise run.fail(f"test IWAE-{a.iwae_samples} is {iwae} ± {iwae_se}; metrics.json not written")
    metrics = {
        "config": asdict(config),
        "hyperparameters": wanted,
        "seed": a.seed,
        "dtype": a.dtype,
        "device": str(device),
        "train_size": len(x_train),
        "test_size": len(x_test),
        "history": history,
        "final_test_elbo": history[-1]["test_elbo"],
        f"test_iwae_{a.iwae_samples}": iwae,
        "test_iwae_standard_error": iwae_se,
        "seconds_this_invocation": round(time.perf_counter() - t0, 2),
    }
    text = json.dumps(metrics, indent=1, allow_nan=False)
    _write_atomically(metrics_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    write_figure(model, x_test, a.out / "figure.png", a.seed)
    print(
        f"test ELBO {metrics['final_test_elbo']:.3f} nats, "
        f"test IWAE-{a.iwae_samples} {iwae:.3f} ± {iwae_se:.3f}; "
        f"wrote {metrics_path} and {a.out / 'figure.png'}",
        file=sys.stderr,
    )
    return metrics


def main(argv: list[str] | None = None) -> int:
    """Run :func:`train`; print one ``error:`` line and return the exit code on failure."""
    try:
        train(argv)
    except NonFiniteMetric as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NON_FINITE
    except CheckpointError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
