"""Train the VAE on scikit-learn's shipped digits (8×8, 1,797 images) — issue 5's entry point.

    python -m torch_impl.train --epochs 100 --latent-dim 8 --likelihood bernoulli --out runs/digits

Writes to ``--out``: ``checkpoint.pt`` (after every epoch), ``metrics.json`` (train/test ELBO per
epoch, the test IWAE-k estimate of log p(x)) and ``figure.png`` (test reconstructions and prior
samples). Re-running with the same ``--out`` resumes from the last checkpoint and produces the
same result as an uninterrupted run (model, optimiser and RNG states are checkpointed). A NaN or
inf loss stops the run with an error naming the epoch and step; the last good checkpoint is kept.
Data: pixel values / 16; the Bernoulli likelihood uses them binarised at ½, the Gaussian one as is.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from torch_impl.model import Vae, VaeConfig


class NonFiniteLoss(RuntimeError):
    pass


def load_digits_split(
    likelihood: str, seed: int = 0, test_fraction: float = 0.2
) -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    x = load_digits().data.astype(np.float64) / 16.0
    if likelihood == "bernoulli":
        x = (x >= 0.5).astype(np.float64)
    perm = np.random.default_rng(seed).permutation(len(x))
    n_test = round(test_fraction * len(x))
    return torch.tensor(x[perm[n_test:]]), torch.tensor(x[perm[:n_test]])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m torch_impl.train", description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--latent-dim", type=int, default=8)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--likelihood", choices=("bernoulli", "gaussian"), default="bernoulli")
    p.add_argument("--prior", choices=("normal", "gmm"), default="normal")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--iwae-samples", type=int, default=5000)
    p.add_argument("--out", type=Path, default=Path("runs/digits"))
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(argv)
    for name in ("epochs", "latent_dim", "batch_size", "iwae_samples"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')}: must be ≥ 1, got {getattr(a, name)}")
    if a.beta < 0 or a.lr <= 0:
        p.error("--beta must be ≥ 0 and --lr > 0")
    if a.device.startswith("cuda") and not torch.cuda.is_available():
        p.error("--device cuda: CUDA is not available on this machine")
    return a


def _progress(iterable, total: int, desc: str, disable: bool):  # type: ignore[no-untyped-def]
    try:
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=desc, disable=disable or None, leave=False)
    except ImportError:  # pragma: no cover
        return iterable


@torch.no_grad()
def evaluate_elbo(model: Vae, x: torch.Tensor, batch: int = 512) -> float:
    total = 0.0
    for i in range(0, len(x), batch):
        total += float(model.elbo_terms(x[i : i + batch])["elbo"].sum())
    return total / len(x)


@torch.no_grad()
def evaluate_iwae(model: Vae, x: torch.Tensor, k: int, batch: int = 64) -> tuple[float, float]:
    vals = torch.cat([model.iwae(x[i : i + batch], k) for i in range(0, len(x), batch)])
    return float(vals.mean()), float(vals.std() / math.sqrt(len(vals)))


def write_figure(model: Vae, x_test: torch.Tensor, path: Path, seed: int) -> None:
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
    fig, axes = plt.subplots(3, 10, figsize=(10, 3.3))
    for j in range(10):
        for row, img in enumerate((x[j], rec[j], samples[j])):
            axes[row, j].imshow(img.detach().cpu().reshape(8, 8).numpy(), cmap="gray_r", vmin=0, vmax=1)
            axes[row, j].axis("off")
    for row, name in enumerate(("test", "reconstruction", "sample")):
        axes[row, 0].set_title(name, fontsize=8, loc="left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def train(argv: list[str] | None = None) -> dict:
    a = parse_args(argv)
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    device = torch.device(a.device)
    a.out.mkdir(parents=True, exist_ok=True)
    ckpt_path, metrics_path = a.out / "checkpoint.pt", a.out / "metrics.json"
    x_train, x_test = (t.to(device=device, dtype=dtype) for t in load_digits_split(a.likelihood, a.seed))
    config = VaeConfig(
        data_dim=64, latent_dim=a.latent_dim, likelihood=a.likelihood, beta=a.beta, prior=a.prior
    )
    torch.manual_seed(a.seed)
    model = Vae(config).to(device=device, dtype=dtype)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    history: list[dict] = []
    start_epoch = 0
    if ckpt_path.exists():
        ck = torch.load(ckpt_path, map_location=device, weights_only=False)
        if ck["config"] != asdict(config) or ck["seed"] != a.seed or ck["dtype"] != a.dtype:
            raise ValueError(
                f"--out: {ckpt_path} belongs to a different run (config/seed/dtype differ); "
                "choose another --out"
            )
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        torch.set_rng_state(ck["rng_cpu"])
        if device.type == "cuda" and ck.get("rng_cuda") is not None:
            torch.cuda.set_rng_state(ck["rng_cuda"])
        history, start_epoch = ck["history"], ck["epoch"]
        print(f"resuming from {ckpt_path} after epoch {start_epoch}", file=sys.stderr)
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
            if not torch.isfinite(loss):
                raise NonFiniteLoss(
                    f"non-finite loss {float(loss.detach())} at epoch {epoch + 1}, step {step + 1}; "
                    f"the last good checkpoint ({ckpt_path}, epoch {epoch}) is kept"
                )
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += totals.elbo
        model.eval()
        history.append(
            {
                "epoch": epoch + 1,
                "train_elbo": total / len(x_train),
                "test_elbo": evaluate_elbo(model, x_test),
            }
        )
        ck = {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "epoch": epoch + 1,
            "history": history,
            "config": asdict(config),
            "seed": a.seed,
            "dtype": a.dtype,
            "rng_cpu": torch.get_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state() if device.type == "cuda" else None,
        }
        torch.save(ck, ckpt_path.with_suffix(".tmp"))
        ckpt_path.with_suffix(".tmp").replace(ckpt_path)  # atomic: an interruption never corrupts it
        if not a.no_progress:
            print(
                f"epoch {epoch + 1}: train ELBO {history[-1]['train_elbo']:.3f}, "
                f"test ELBO {history[-1]['test_elbo']:.3f} nats",
                file=sys.stderr,
            )
    model.eval()
    g_state = torch.get_rng_state()
    torch.manual_seed(a.seed + 1)  # the IWAE estimate uses its own fixed stream
    iwae, iwae_se = evaluate_iwae(model, x_test, a.iwae_samples)
    torch.set_rng_state(g_state)
    metrics = {
        "config": asdict(config),
        "seed": a.seed,
        "dtype": a.dtype,
        "device": str(device),
        "train_size": len(x_train),
        "test_size": len(x_test),
        "history": history,
        "final_test_elbo": history[-1]["test_elbo"] if history else None,
        f"test_iwae_{a.iwae_samples}": iwae,
        "test_iwae_standard_error": iwae_se,
        "seconds_this_invocation": round(time.perf_counter() - t0, 2),
    }
    metrics_path.write_text(json.dumps(metrics, indent=1))
    write_figure(model, x_test, a.out / "figure.png", a.seed)
    print(
        f"test ELBO {metrics['final_test_elbo']:.3f} nats, "
        f"test IWAE-{a.iwae_samples} {iwae:.3f} ± {iwae_se:.3f}; "
        f"wrote {metrics_path} and {a.out / 'figure.png'}",
        file=sys.stderr,
    )
    return metrics


def main(argv: list[str] | None = None) -> int:
    try:
        train(argv)
    except NonFiniteLoss as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
