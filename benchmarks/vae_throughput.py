"""Training throughput of torch_impl's VAE vs a plain hand-written PyTorch loop with the same
architecture, batch, optimiser and data, in the same run; and KL-term throughput vs
torch.distributions (issue 5). Run: ``python -m benchmarks.vae_throughput``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from torch import nn
from torch.distributions import Normal, kl_divergence
from torch.nn import functional as F

from torch_impl.kl import kl_standard_normal
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
        mu, logvar = self.enc(x).chunk(2, -1)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        rec = F.binary_cross_entropy_with_logits(self.dec(z), x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return (rec + kld) / len(x)


def _throughput(step, n_samples: int, repeats: int = 5) -> float:  # type: ignore[no-untyped-def]
    step()
    best = float("inf")
    for _ in range(repeats):
        s = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - s)
    return n_samples / best


def main() -> int:
    torch.set_num_threads(max(1, torch.get_num_threads()))
    x, _ = load_digits_split("bernoulli")
    x = x.float()
    batch = 128
    rows = {}
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

    def epoch(model_loss, opt) -> None:  # type: ignore[no-untyped-def]
        for i in range(0, len(x), batch):
            loss = model_loss(x[i : i + batch])
            opt.zero_grad()
            loss.backward()
            opt.step()

    # interleave the two to share machine state; report the best of 5 epochs each, 3 rounds
    tp_ours, tp_plain = [], []
    for _ in range(3):
        tp_ours.append(_throughput(lambda: epoch(lambda b: ours.loss(b)[0], opts["ours"]), len(x)))
        tp_plain.append(_throughput(lambda: epoch(plain.loss, opts["plain"]), len(x)))
    rows["training samples/s (digits, batch 128, Adam)"] = {
        "this project": max(tp_ours),
        "plain loop": max(tp_plain),
        "ratio": max(tp_ours) / max(tp_plain),
    }
    mu = torch.randn(128, 32)
    lv = torch.randn(128, 32) * 0.5
    n = mu.numel()
    std = torch.exp(0.5 * lv)
    rows["KL term elements/s (128 × 32, float32)"] = {
        "this project": _throughput(lambda: kl_standard_normal(mu, lv).sum(), n, 200),
        "torch.distributions": _throughput(
            lambda: kl_divergence(Normal(mu, std), Normal(0.0, 1.0)).sum(), n, 200
        ),
    }
    k = rows["KL term elements/s (128 × 32, float32)"]
    k["ratio"] = k["this project"] / k["torch.distributions"]
    result = {"torch_threads": torch.get_num_threads(), "rows": rows}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
