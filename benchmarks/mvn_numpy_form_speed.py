"""Time of the NumPy form of the compiled MVN kernel (``numerics._mvn_numpy.kl_mvn_numpy_bits``)
against the compiled path (``numerics.divergences._kl_mvn_compiled``) on the same rescaled
inputs, one thread (``NUMERICS_THREADS=1``), batches of 1, 10³, 10⁵ and 10⁶ covariance pairs
for d = 2 and 5 (d = 20: 1, 10³, 10⁴). Two regimes: "near" (Σ₁ ≈ Σ₂: every x − log(1 + x) by
the series, no libm call) and "far" (independent A Aᵀ + d·I draws: most terms from libm's log,
called per element). Ratio = NumPy form's time / compiled time (paired, interleaved rounds,
``benchmarks.divergence_speed.paired``). The form exists for first calls on small inputs, where
the compiled path would first cost numba's import and the loading of its machine code.

Run: ``NUMERICS_THREADS=1 python -m benchmarks.mvn_numpy_form_speed`` (``--quick``: fewer rounds)."""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

from benchmarks.divergence_speed import _write_atomic, paired

OUT = Path(__file__).parent / "results" / "mvn_numpy_form_speed.json"
SETTINGS = [(2, (1, 10**3, 10**5, 10**6)), (5, (1, 10**3, 10**5, 10**6)), (20, (1, 10**3, 10**4))]


def _inputs(n: int, d: int, regime: str, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, d, d))
    c2 = a @ np.swapaxes(a, -1, -2) + d * np.eye(d)
    if regime == "near":
        c1 = c2 * (1 + 1e-7)
    else:
        b = rng.standard_normal((n, d, d))
        c1 = b @ np.swapaxes(b, -1, -2) + d * np.eye(d)
    return rng.standard_normal((n, d)), c1, rng.standard_normal((n, d)), c2


def _same_bits(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is b
    return bool(np.array_equal(a.view(np.int64), b.view(np.int64)))


def main() -> int:
    os.environ["NUMERICS_THREADS"] = "1"  # read by numerics._parallel at each call
    from numerics import divergences as D
    from numerics._mvn_numpy import kl_mvn_numpy_bits

    quick = "--quick" in sys.argv
    rows = []
    for d, sizes in SETTINGS:
        for n in sizes:
            for regime in ("near", "far"):
                m1, c1, m2, c2 = _inputs(n, d, regime, n + d)
                args = (m1, c1, m2, c2, (n,))
                same = _same_bits(kl_mvn_numpy_bits(*args), D._kl_mvn_compiled(*args))
                rounds = 3 if n * d * d >= 10**7 else (5 if quick else 15)
                t_form, t_compiled, ratio = paired(functools.partial(kl_mvn_numpy_bits, *args),
                                                   functools.partial(D._kl_mvn_compiled, *args), rounds)
                row = {"d": d, "batch": n, "regime": regime, "numpy_form_s": t_form,
                       "compiled_s": t_compiled, "numpy_over_compiled": 1.0 / ratio, "same_bits": same,
                       "rounds": rounds}
                rows.append(row)
                print(json.dumps(row), flush=True)
    result = {"python": sys.version.split()[0], "numpy": np.__version__, "machine": platform.machine(),
              "threads": 1, "load_average": list(os.getloadavg()), "rows": rows}
    _write_atomic(OUT, json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
