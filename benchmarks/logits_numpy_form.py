"""Time of the NumPy form of the categorical-logits block (``numerics._logits_numpy``, the compiled
route's bits without numba, for first calls) against the compiled block
(``numerics.divergences._kl_logits_block``, one thread, kernels loaded and warm), in the same
process, at 10³, 10⁵ and 10⁶ elements, K = 2, 10, 100, 1000, for independent N(0, 3²) logit rows
and for near-equal rows (perturbed by 1e-9: every row takes the near-equal redo).

Ratio = NumPy form's time / compiled time (> 1: the form is slower), the median of paired,
interleaved rounds (``benchmarks.divergence_speed.paired``). The machine's load average is
recorded (a shared machine is never idle).

Run: ``python -m benchmarks.logits_numpy_form`` (``--quick``: fewer rounds, no 10⁶)."""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

from benchmarks.divergence_speed import paired

OUT = Path(__file__).parent / "results" / "logits_numpy_form.json"


def _rows(n: int, k: int, near: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n // k, k)) * 3.0
    b = a + rng.normal(size=a.shape) * 1e-9 if near else rng.normal(size=a.shape) * 3.0
    return a, b


def main(quick: bool = False) -> dict[str, object]:
    from numerics import divergences as D
    from numerics._logits_numpy import kl_logits_block_numpy

    sizes = (10**3, 10**5) if quick else (10**3, 10**5, 10**6)
    cases = []
    for n in sizes:
        rounds = 3 if quick else (15 if n <= 10**3 else 5 if n <= 10**5 else 3)
        for k in (2, 10, 100, 1000):
            for near in (False, True):
                a, b = _rows(n, k, near, seed=n + k)
                out_c, out_n = np.empty(a.shape[0]), np.empty(a.shape[0])
                t_form, t_compiled, ratio = paired(
                    functools.partial(kl_logits_block_numpy, a, b, out_n),
                    functools.partial(D._kl_logits_block, a, b, out_c),
                    rounds,
                )
                assert np.array_equal(out_c.view(np.int64), out_n.view(np.int64))  # same bits
                case = {"elements": n, "K": k, "rows": "near-equal (1e-9)" if near else "N(0, 3²)",
                        "numpy form s": t_form, "compiled s": t_compiled,
                        "form / compiled": 1.0 / ratio, "rounds": rounds}
                cases.append(case)
                print(json.dumps(case, ensure_ascii=False), flush=True)
    return {
        "what": __doc__.split("\n\n")[0] if __doc__ else "",
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0],
                    "numpy": np.__version__, "cpus": os.cpu_count(), "load average": os.getloadavg()},
        "cases": cases,
    }


if __name__ == "__main__":
    result = main(quick="--quick" in sys.argv)
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(OUT)
