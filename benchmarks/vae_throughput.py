"""Training throughput of torch_impl's VAE vs a plain hand-written PyTorch loop with the same
architecture, batch, optimiser and data, in the same run; and KL-term throughput vs
torch.distributions. Run: ``python -m benchmarks.vae_throughput``."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.distributions import Normal, kl_divergence
from torch.nn import functional as F

from torch_impl.kl import kl_standard_normal, kl_standard_normal_total
from torch_impl.model import Vae, VaeConfig
from torch_impl.train import load_digits_split

OUT = Path(__file__).parent / "results" / "vae_throughput.json"


class PlainVae(nn.Module):
    """pytorch/examples-style VAE: same layers, textbook KL, BCE-with-logits."""

    def __init__(self, d: int = 64, h: int = 256, k: int = 8) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 2 * k))
        self.dec = nn.Sequential(nn.Linear(k, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, d))

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """Batch-mean negative ELBO the textbook way: one reparameterised sample, BCE with logits summed
        over pixels, KL −½ Σ(1 + ℓ − μ² − e^ℓ)."""
        mu, logvar = self.enc(x).chunk(2, -1)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        rec = F.binary_cross_entropy_with_logits(self.dec(z), x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return (rec + kld) / len(x)


def _throughput(step: Callable[[], object], n_samples: int, repeats: int = 5) -> float:
    """Samples per second of ``step`` (processing ``n_samples``), best of ``repeats`` after a warm-up call."""
    step()
    best = float("inf")
    for _ in range(repeats):
        s = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - s)
    return n_samples / best


def _paired_epochs(
    run_a: Callable[[], None], run_b: Callable[[], None], rounds: int
) -> tuple[list[float], list[float]]:
    """Seconds per epoch of a and b, alternating a/b and b/a in successive rounds so that slow
    drifts of a shared machine hit both alike; the ratio is taken per round (paired)."""
    run_a()
    run_b()
    ta: list[float] = []
    tb: list[float] = []
    for r in range(rounds):
        for first in ((run_a, ta), (run_b, tb)) if r % 2 == 0 else ((run_b, tb), (run_a, ta)):
            s = time.perf_counter()
            first[0]()
            first[1].append(time.perf_counter() - s)
    return ta, tb


def main() -> int:
    """Measure training samples/s (paired epochs, this project vs the plain loop) and KL-term throughput
    (vs torch.distributions, forward and forward + backward); write and print
    benchmarks/results/vae_throughput.json."""
    torch.set_num_threads(max(1, torch.get_num_threads()))
    x, _ = load_digits_split("bernoulli")
    x = x.float()
    batch = 128
    rows: dict[str, dict[str, object]] = {}
    torch.manual_seed(0)
    ours = Vae(VaeConfig())
    plain = PlainVae()
    plain.load_state_dict(
        {k.replace("encoder", "enc").replace("decoder", "dec"): v for k, v in ours.state_dict().items()}
    )
    opts = {
        "ours": torch.optim.Adam(ours.parameters(), 1e-3),
        "plain": torch.optim.Adam(plain.parameters(), 1e-3),
    }

    def epoch(model_loss: Callable[[torch.Tensor], torch.Tensor], opt: torch.optim.Optimizer) -> None:
        for i in range(0, len(x), batch):
            loss = model_loss(x[i : i + batch])
            opt.zero_grad()
            loss.backward()
            opt.step()

    rounds = 60
    t_ours, t_plain = _paired_epochs(
        lambda: epoch(lambda b: ours.loss(b)[0], opts["ours"]),
        lambda: epoch(plain.loss, opts["plain"]),
        rounds,
    )
    ratios = sorted(tp / to for to, tp in zip(t_ours, t_plain, strict=True))
    rows["training samples/s (digits, batch 128, Adam)"] = {
        "this project": len(x) / statistics.median(t_ours),
        "plain loop": len(x) / statistics.median(t_plain),
        "ratio": statistics.median(ratios),
        "ratio quartiles": [ratios[rounds // 4], ratios[(3 * rounds) // 4]],
        "rounds": rounds,
    }
    mu = torch.randn(128, 32)
    lv = torch.randn(128, 32) * 0.5
    n = mu.numel()
    std = torch.exp(0.5 * lv)
    label = "KL term elements/s (128 × 32, float32)"
    kl_row = {
        "this project": _throughput(lambda: kl_standard_normal(mu, lv).sum(), n, 200),
        "torch.distributions": _throughput(
            lambda: kl_divergence(Normal(mu, std), Normal(0.0, 1.0)).sum(), n, 200
        ),
    }
    kl_row["ratio"] = kl_row["this project"] / kl_row["torch.distributions"]
    rows[label] = dict(kl_row)
    # the training form: batch total, forward + backward to (μ, ℓ)
    mu_g, lv_g = mu.clone().requires_grad_(), lv.clone().requires_grad_()

    def torch_distributions_total() -> None:
        kl_divergence(Normal(mu_g, torch.exp(0.5 * lv_g)), Normal(0.0, 1.0)).sum().backward()

    label = "KL term forward + backward elements/s (128 × 32, float32, batch total)"
    grad_row = {
        "this project": _throughput(lambda: kl_standard_normal_total(mu_g, lv_g).backward(), n, 200),
        "torch.distributions": _throughput(torch_distributions_total, n, 200),
    }
    grad_row["ratio"] = grad_row["this project"] / grad_row["torch.distributions"]
    rows[label] = dict(grad_row)
    result = {"torch_threads": torch.get_num_threads(), "rows": rows}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
