"""Labels from VAE latents (seed 001 §4.3), measured: logistic regression with 1 %, 5 %, 10 % of the
digits' training labels on the VAE's latent means vs PCA (same dimension) vs raw pixels, five
seeds, the VAE trained as ``make train`` does (100 epochs, latent dimension 8).
Run: ``python -m benchmarks.few_labels`` → benchmarks/results/few_labels.json."""

from __future__ import annotations

import time
from pathlib import Path

from derivations.runner.report_io import atomic_write_json
from torch_impl.few_labels import few_label_accuracies

OUT = Path(__file__).resolve().parent / "results" / "few_labels.json"


def main() -> None:
    """Run the few-label comparison (5 seeds, 100 epochs) and write the accuracies, table and run time to
    benchmarks/results/few_labels.json atomically."""
    start = time.perf_counter()
    result = few_label_accuracies(seeds=5, epochs=100)
    payload = {**result.to_json(), "seconds": round(time.perf_counter() - start, 1),
               "table": result.table()}
    atomic_write_json(OUT, payload, indent=1)
    print(result.table())


if __name__ == "__main__":
    main()
