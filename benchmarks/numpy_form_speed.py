"""What the rent-or-buy rule of ``numerics._kernel_tier`` trades: each compiled family's public
function computed by its NumPy form (the compiled kernels' bits, no numba) against the same call
with the compiled kernels loaded, in the same process, one thread, at 10³ and 10⁵ elements
(MVN: batches of 2000 and 10⁴ at d = 8).

Ratio = NumPy form's time / compiled time (> 1: the form is slower), the median of paired,
interleaved rounds (``benchmarks.divergence_speed.paired``). The NumPy forms are reached the way a
fresh process reaches them: ``numerics._jit`` is hidden from ``sys.modules`` and
``NUMERICS_KERNELS=numpy`` for the form's calls (the results are compared bit for bit).

Run: ``python -m benchmarks.numpy_form_speed`` (``--quick``: fewer rounds)."""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.divergence_speed import paired
from derivations.runner.report_io import atomic_write_json

OUT = Path(__file__).parent / "results" / "numpy_form_speed.json"


@contextlib.contextmanager
def _numpy_forms() -> Iterator[None]:
    """The state of a process that has not loaded the compiled kernels."""
    module = sys.modules.pop("numerics._jit")
    old = os.environ.get("NUMERICS_KERNELS")
    os.environ["NUMERICS_KERNELS"] = "numpy"
    try:
        yield
    finally:
        sys.modules["numerics._jit"] = module
        if old is None:
            del os.environ["NUMERICS_KERNELS"]
        else:
            os.environ["NUMERICS_KERNELS"] = old


def _in_numpy_forms(fn: Callable[[], Any]) -> Any:
    with _numpy_forms():
        return fn()


def _cases(n: int) -> list[tuple[str, Callable[[], Any]]]:
    from numerics import divergences as D

    rng = np.random.default_rng(n)
    p, q = rng.dirichlet(np.ones(10), n // 10), rng.dirichlet(np.ones(10), n // 10)
    m1, m2 = rng.normal(size=n), rng.normal(size=n)
    s1, s2 = np.exp(rng.normal(size=n)), np.exp(rng.normal(size=n))
    a, b = rng.normal(size=(n // 10, 10)) * 3, rng.normal(size=(n // 10, 10)) * 3
    batch, d = (2000 if n <= 10**3 else 10**4), 8
    g1, g2 = rng.normal(size=(batch, d, d)), rng.normal(size=(batch, d, d))
    c1, c2 = g1 @ np.swapaxes(g1, -1, -2) + d * np.eye(d), g2 @ np.swapaxes(g2, -1, -2) + d * np.eye(d)
    mu = rng.normal(size=(batch, d))
    return [
        ("categorical KL", functools.partial(D.kl_categorical, p, q)),
        ("Normal KL", functools.partial(D.kl_normal, m1, s1, m2, s2)),
        ("Bernoulli KL from logits", functools.partial(D.kl_bernoulli_logits, a.ravel(), b.ravel())),
        ("categorical KL from logits", functools.partial(D.kl_categorical_logits, a, b)),
        (f"MVN KL (batch {batch}, d = {d})", functools.partial(D.kl_mvn, mu, c1, mu[::-1].copy(), c2)),
    ]


def main() -> int:
    import numerics._jit  # noqa: F401  (the compiled side: loaded)

    os.environ["NUMERICS_THREADS"] = "1"
    rounds = 3 if "--quick" in sys.argv else 9
    rows: list[dict[str, object]] = []
    for n, label in ((10**3, "10³"), (10**5, "10⁵")):
        for name, call in _cases(n):
            form = functools.partial(_in_numpy_forms, call)
            if not np.array_equal(np.asarray(form()), np.asarray(call()), equal_nan=True):
                raise AssertionError(f"{name}: the NumPy form's bits differ from the compiled ones")
            t_form, t_compiled, ratio = paired(form, call, rounds)
            rows.append({"function": name, "elements": label, "NumPy form (ms)": round(t_form * 1e3, 4),
                         "compiled (ms)": round(t_compiled * 1e3, 4), "ratio": round(1 / ratio, 2)})
            print(name, label, rows[-1]["NumPy form (ms)"], rows[-1]["compiled (ms)"], rows[-1]["ratio"])
    result = {
        "description": "ratio = NumPy form's time / compiled time (one thread, median of the per-round "
        f"ratios of {rounds} paired interleaved rounds; the bits compared equal first)",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "load average (1 min)": round(os.getloadavg()[0], 2),
        "rows": rows,
    }
    atomic_write_json(OUT, result, indent=1)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
