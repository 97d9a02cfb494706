"""Speed of the divergences against the fastest references we know, in the same process.

Ratio = reference time / this project's time (> 1: this project is faster). Every case is timed,
after up to 100 untimed calls of each side (0.25 s at most), in paired, interleaved rounds (the
two sides alternate which runs first, each timed call follows an untimed call of the same
side), and the ratio of a run is the median of its per-round ratios; each setting is measured
in two independent runs and the JSON keeps every run's ratio, their median and their range.
Settings: 1 and 2 threads on both sides (torch's intra-op threads, this project's
``NUMERICS_THREADS``), "idle" (nothing started by the benchmark; the machine's load average is
recorded, a shared machine is never idle) and "loaded" (one CPU-bound competitor process that
the benchmark starts and stops). Sizes 10³, 10⁵ and 10⁶ elements.

References: ``scipy.special.rel_entr(p, q).sum(-1)`` (categorical, the cheapest SciPy idiom);
``torch.distributions`` ``kl_divergence`` of ``Normal`` (``.sum(-1)`` for a diagonal Normal),
``Independent(Normal, 1)``, ``Bernoulli(logits=…)``, ``Categorical(probs=…/logits=…)`` and
``MultivariateNormal``; and the hand-written torch expression
``(-0.5 * (1 + ℓ - μ² - exp ℓ)).sum()`` for the VAE batch (128 × 32), the fastest idiom.

Also the first call in a fresh process (import + first call, per family, on a small input and, for
categorical KL, on 10⁵ elements, where the compiled kernels are loaded), with the compile cache warm
and cold, against scipy's and torch's first call.

Run: ``python -m benchmarks.divergence_speed`` (``--quick``: fewer rounds and runs)."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np

OUT = Path(__file__).parent / "results" / "divergence_speed.json"
ROOT = Path(__file__).resolve().parent.parent

Timed = Callable[[], object]
Case = tuple[str, str, Timed, str, Timed]  # (family, case, ours, reference name, reference)


def paired(ours: Timed, ref: Timed, rounds: int) -> tuple[float, float, float]:
    """Median seconds of ``ours`` and ``ref`` and the median of the per-round ratios ref/ours,
    alternating which side runs first; each timed call directly follows an untimed call of the
    same side (torch's OpenMP workers spin on after a parallel region and would slow ours)."""
    t_ours: list[float] = []
    t_ref: list[float] = []
    for r in range(rounds):
        order = ((ours, t_ours), (ref, t_ref)) if r % 2 == 0 else ((ref, t_ref), (ours, t_ours))
        for fn, acc in order:
            fn()
            s = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - s)
    ratios = [b / a for a, b in zip(t_ours, t_ref, strict=True)]
    return float(np.median(t_ours)), float(np.median(t_ref)), float(np.median(ratios))


#: untimed calls of each side before a case is timed: at most this many, at most this long
_WARM_CALLS, _WARM_SECONDS = 100, 0.25


def _warm(fn: Timed) -> None:
    """Untimed calls until :data:`_WARM_CALLS` calls or :data:`_WARM_SECONDS` have passed: the
    first few dozen calls of a small case run measurably slower (interpreter specialisation,
    caches), on both sides; the first call in a fresh process is measured on its own."""
    end = time.perf_counter() + _WARM_SECONDS
    for _ in range(_WARM_CALLS):
        fn()
        if time.perf_counter() > end:
            return


def _after(ours: Timed, ref: Timed, rounds: int) -> tuple[float, float]:
    """Median seconds of ``ours`` timed right after an untimed call of the reference, and right
    after an untimed call of its own: the difference is what the reference's leftovers (torch's
    OpenMP workers spinning on a core for milliseconds after its call) cost this project's second
    thread in the paired rounds."""
    after_ref: list[float] = []
    after_ours: list[float] = []
    for _ in range(rounds):
        ref()
        s = time.perf_counter()
        ours()
        after_ref.append(time.perf_counter() - s)
        ours()
        s = time.perf_counter()
        ours()
        after_ours.append(time.perf_counter() - s)
    return float(np.median(after_ref)), float(np.median(after_ours))


def _categorical_rows(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.ones(k), size=n // k)


def _rel_entr_sum(rel_entr: Callable[..., Any], p: np.ndarray, q: np.ndarray) -> object:
    return rel_entr(p, q).sum(-1)


def _torch_kl(first: Callable[[], Any], second: Callable[[], Any], total: str = "") -> object:
    """kl_divergence of the two distributions made now (their construction is part of the idiom's
    cost), summed over the last axis (``total="last"``), over everything ("all") or not ("")."""
    from torch.distributions import kl_divergence

    value = kl_divergence(first(), second())
    if total == "last":
        return value.sum(-1)
    return value.sum() if total == "all" else value


def _independent(independent: Any, normal: Any, mu: Any, sigma: Any) -> object:
    return independent(normal(mu, sigma), 1)


def _hand_written(mu: Any, logvar: Any) -> object:
    """The fastest torch idiom for the VAE's KL: −½ Σ(1 + ℓ − μ² − e^ℓ) (Kingma & Welling, App. B)."""
    return (-0.5 * (1 + logvar - mu * mu - logvar.exp())).sum()


def _normal_pair(rng: np.random.Generator, n: int) -> tuple[Timed, Timed]:
    """(this project's kl_normal, torch's kl_divergence of Normals) on the same n random
    parameter sets: μ ~ N(0, 1), σ = e^{N(0, 1)}."""
    import torch
    from torch.distributions import Normal

    from numerics import divergences as D

    m1, m2 = rng.normal(size=n), rng.normal(size=n)
    s1, s2 = np.exp(rng.normal(size=n)), np.exp(rng.normal(size=n))
    tm = [torch.from_numpy(v) for v in (m1, s1, m2, s2)]
    return (functools.partial(D.kl_normal, m1, s1, m2, s2),
            functools.partial(_torch_kl, functools.partial(Normal, tm[0], tm[1]),
                              functools.partial(Normal, tm[2], tm[3])))


def cases(threads: int) -> list[Case]:
    """Every case with ``threads`` threads on both sides; the inputs are the same at every
    setting (fixed seeds)."""
    import torch
    from scipy.special import rel_entr
    from torch.distributions import Bernoulli, Categorical, Independent, MultivariateNormal, Normal

    import numerics._jit  # noqa: F401  (steady state: the compiled kernels loaded, as numerics._kernel_tier
    from numerics import divergences as D  # loads them once the NumPy forms have spent ~0.3 s)
    from torch_impl import kl as TK

    torch.set_num_threads(threads)
    os.environ["NUMERICS_THREADS"] = str(threads)
    out: list[Case] = []
    rng = np.random.default_rng(0)
    for n, label in ((10**3, "10³"), (10**5, "10⁵"), (10**6, "10⁶")):
        p, q = _categorical_rows(n, 10, 1), _categorical_rows(n, 10, 2)
        out.append(("categorical", f"KL, rows of 10, {label} elements",
                    functools.partial(D.kl_categorical, p, q),
                    "scipy.special.rel_entr(p, q).sum(-1)", functools.partial(_rel_entr_sum, rel_entr, p, q)))
    p, q = _categorical_rows(10**6, 1000, 3), _categorical_rows(10**6, 1000, 4)
    tp, tq = torch.from_numpy(p), torch.from_numpy(q)
    out.append(("categorical", "KL, rows of 1000, 10⁶ elements", functools.partial(D.kl_categorical, p, q),
                "torch kl_divergence(Categorical(probs))",
                functools.partial(_torch_kl, functools.partial(Categorical, probs=tp),
                                  functools.partial(Categorical, probs=tq))))
    for n, label in ((10**3, "10³"), (10**5, "10⁵"), (10**6, "10⁶")):
        a, b = rng.normal(size=(n // 10, 10)) * 3, rng.normal(size=(n // 10, 10)) * 3
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        out.append(("categorical logits", f"KL, rows of 10, {label} elements",
                    functools.partial(D.kl_categorical_logits, a, b),
                    "torch kl_divergence(Categorical(logits))",
                    functools.partial(_torch_kl, functools.partial(Categorical, logits=ta),
                                      functools.partial(Categorical, logits=tb))))
        x, y = a.reshape(-1), b.reshape(-1)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        out.append(("Bernoulli logits", f"KL, {label} elements",
                    functools.partial(D.kl_bernoulli_logits, x, y),
                    "torch kl_divergence(Bernoulli(logits))",
                    functools.partial(_torch_kl, functools.partial(Bernoulli, logits=tx),
                                      functools.partial(Bernoulli, logits=ty))))
        ours, ref = _normal_pair(rng, n)
        out.append(("Normal", f"KL float64, {label} elements", ours,
                    "torch kl_divergence(Normal, Normal)", ref))
    # the VAE batch: KL(N(μ, diag σ²) ‖ N(0, I)) over 128 × 32
    mu, logvar = rng.normal(size=(128, 32)), 0.5 * rng.normal(size=(128, 32))
    sigma = np.exp(0.5 * logvar)
    zeros, ones = np.zeros_like(mu), np.ones_like(mu)
    for dt, name in ((torch.float64, "float64"), (torch.float32, "float32")):
        np_dt = np.float64 if dt == torch.float64 else np.float32
        m_np, s_np = mu.astype(np_dt), sigma.astype(np_dt)
        z_np, o_np = zeros.astype(np_dt), ones.astype(np_dt)
        t_mu, t_lv = torch.from_numpy(mu).to(dt), torch.from_numpy(logvar).to(dt)
        t_s = torch.exp(0.5 * t_lv)
        t_z, t_o = torch.zeros_like(t_mu), torch.ones_like(t_mu)
        ours_np = functools.partial(D.kl_normal_diag, m_np, s_np, z_np, o_np)
        out.append(("VAE batch (NumPy)", f"diagonal Normal KL {name}, 128 × 32", ours_np,
                    "torch Normal(…).sum(-1)",
                    functools.partial(_torch_kl, functools.partial(Normal, t_mu, t_s),
                                      functools.partial(Normal, t_z, t_o), "last")))
        out.append(("VAE batch (NumPy)", f"diagonal Normal KL {name}, 128 × 32", ours_np,
                    "torch Independent(Normal, 1)",
                    functools.partial(_torch_kl,
                                      functools.partial(_independent, Independent, Normal, t_mu, t_s),
                                      functools.partial(_independent, Independent, Normal, t_z, t_o))))
        out.append(("VAE batch (NumPy)", f"scalar prior (0, 1) {name}, 128 × 32",
                    functools.partial(D.kl_normal, m_np, s_np, 0.0, 1.0), "the same with full prior arrays",
                    functools.partial(D.kl_normal, m_np, s_np, z_np, o_np)))
        out.append(("VAE batch (torch_impl.kl)", f"Σ KL {name}, 128 × 32",
                    functools.partial(TK.kl_standard_normal_total, t_mu, t_lv),
                    "hand-written (-0.5 * (1 + ℓ - μ² - exp ℓ)).sum()",
                    functools.partial(_hand_written, t_mu, t_lv)))
        out.append(("VAE batch (torch_impl.kl)", f"Σ KL {name}, 128 × 32",
                    functools.partial(TK.kl_standard_normal_total, t_mu, t_lv), "torch Normal(…).sum()",
                    functools.partial(_torch_kl, functools.partial(Normal, t_mu, t_s),
                                      functools.partial(Normal, t_z, t_o), "all")))
    batch, d = 2000, 8
    a1, a2 = rng.normal(size=(batch, d, d)), rng.normal(size=(batch, d, d))
    c1 = a1 @ np.swapaxes(a1, -1, -2) + d * np.eye(d)
    c2 = a2 @ np.swapaxes(a2, -1, -2) + d * np.eye(d)
    mu1, mu2 = rng.normal(size=(batch, d)), rng.normal(size=(batch, d))
    t1, t2, tm1, tm2 = (torch.from_numpy(v) for v in (c1, c2, mu1, mu2))
    out.append(("MVN", f"KL float64, batch {batch}, d = {d}", functools.partial(D.kl_mvn, mu1, c1, mu2, c2),
                "torch kl_divergence(MultivariateNormal)",
                functools.partial(_torch_kl, functools.partial(MultivariateNormal, tm1, t1),
                                  functools.partial(MultivariateNormal, tm2, t2))))
    return out


def rows_at(threads: int, *, rounds: int, runs: int) -> list[dict[str, object]]:
    """Every case at ``threads`` threads in ``runs`` independent paired runs of ``rounds``
    rounds each."""
    rows: list[dict[str, object]] = []
    for family, case, ours, ref_name, ref in cases(threads):
        _warm(ours)
        _warm(ref)
        after_ref, after_ours = _after(ours, ref, rounds)
        per_run = [paired(ours, ref, rounds) for _ in range(runs)]
        ratios = sorted(r[2] for r in per_run)
        rows.append({
            "family": family,
            "case": case,
            "this project (ms)": round(float(np.median([r[0] for r in per_run])) * 1e3, 4),
            "this project after the reference's call (ms)": round(after_ref * 1e3, 4),
            "this project after its own call (ms)": round(after_ours * 1e3, 4),
            "reference": ref_name,
            "reference (ms)": round(float(np.median([r[1] for r in per_run])) * 1e3, 4),
            "ratio": round(float(np.median(ratios)), 2),
            "range": [round(ratios[0], 2), round(ratios[-1], 2)],
            "per-run ratios": [round(x, 2) for x in ratios],
        })
    return rows


@contextlib.contextmanager
def competitor(limit_s: float) -> Iterator[None]:
    """One CPU-bound process (a pure-Python loop) for the duration of the block, at most
    ``limit_s`` seconds (it stops itself; the block's end terminates it sooner)."""
    code = (f"import time\nend = time.monotonic() + {limit_s}\nx = 0\n"
            "while time.monotonic() < end:\n    x += 1\n")
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        time.sleep(0.5)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _busy(seconds: float) -> None:
    """Keep this thread on its core for ``seconds`` (a pause that does not let the machine idle)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


#: milliseconds between torch's call and this project's in :func:`second_thread`
_GAPS_MS = (0, 1, 3, 10, 30)


def second_thread(rounds: int = 40) -> dict[str, object]:
    """This project's Normal KL on 10⁵ elements at 1 and 2 threads, timed after an untimed call of
    its own that follows torch's 2-thread call of the same case by 0…30 ms (this thread kept busy
    in between), and alone (no torch call for the whole loop): how long torch's OpenMP workers,
    spinning after its call, keep this project's second thread from a core of its own."""
    import torch

    ours, ref = _normal_pair(np.random.default_rng(5), 10**5)
    torch.set_num_threads(2)
    out: dict[str, object] = {"case": "Normal KL float64, 10⁵ elements", "rounds": rounds}
    for threads in (1, 2):
        os.environ["NUMERICS_THREADS"] = str(threads)
        _warm(ours)
        _warm(ref)
        times: dict[str, float] = {}
        for gap in (None, *_GAPS_MS):
            taken: list[float] = []
            for _ in range(rounds):
                if gap is None:
                    ours()
                else:
                    ref()
                    _busy(gap / 1e3)
                ours()
                s = time.perf_counter()
                ours()
                taken.append(time.perf_counter() - s)
            label = "alone (no torch call)" if gap is None else f"{gap} ms after torch's call"
            times[label] = round(float(np.median(taken)) * 1e3, 4)
        out[f"this project, {threads} thread{'s' if threads > 1 else ''} (ms, median)"] = times
    return out


#: 10⁴ rows of 10 probabilities (a first call beyond the small inputs that NumPy forms serve)
_ROWS_OF_TEN = "p = np.full((10**4, 10), 0.1); q = p.copy(); q[:, 0] = 0.05; q[:, 1] = 0.15; "

_FIRST_CALL = {
    "categorical (numerics)": "import numpy as np; from numerics import divergences as D; "
    "D.kl_categorical(np.array([0.3, 0.7]), np.array([0.5, 0.5]))",
    "Normal (numerics)": "from numerics import divergences as D; D.kl_normal(0.0, 1.0, 1.0, 2.0)",
    "Bernoulli logits (numerics)": "from numerics import divergences as D; D.kl_bernoulli_logits(0.5, -0.5)",
    "MVN (numerics)": "import numpy as np; from numerics import divergences as D; "
    "D.kl_mvn(np.zeros(2), np.eye(2), np.ones(2), 2 * np.eye(2))",
    "all five compiled families (numerics)": "import numpy as np; from numerics import divergences as D; "
    "p = np.array([0.3, 0.7]); D.kl_categorical(p, p[::-1].copy()); D.kl_normal(0.0, 1.0, 1.0, 2.0); "
    "D.kl_bernoulli(0.2, 0.3); D.jsd_categorical(p, p[::-1].copy()); "
    "D.kl_mvn(np.zeros(2), np.eye(2), np.ones(2), 2 * np.eye(2)); D.kl_bernoulli_logits(0.5, -0.5)",
    "categorical, 10⁵ elements (numerics)": "import numpy as np; from numerics import divergences as D; "
    + _ROWS_OF_TEN + "D.kl_categorical(p, q)",
    "Normal, 10⁵ elements (numerics)": "import numpy as np; from numerics import divergences as D; "
    "x = np.linspace(-3, 3, 10**5); D.kl_normal(x, np.exp(x / 3), x[::-1].copy(), 1.5)",
    "Bernoulli logits, 10⁵ elements (numerics)": "import numpy as np; from numerics import divergences as D; "
    "x = np.linspace(-8, 8, 10**5); D.kl_bernoulli_logits(x, x[::-1].copy())",
    "categorical logits, 10⁵ elements (numerics)": "import numpy as np; "
    "from numerics import divergences as D; x = np.linspace(-8, 8, 10**5).reshape(-1, 10); "
    "D.kl_categorical_logits(x, x[::-1].copy())",
    "MVN, batch 2000, d = 8 (numerics)": "import numpy as np; from numerics import divergences as D; "
    "c = np.eye(8) + 0.5 * np.ones((8, 8)); D.kl_mvn(np.zeros((2000, 8)), c, np.ones(8), 2 * c)",
    "scipy.special.rel_entr": "import numpy as np; from scipy.special import rel_entr; "
    "rel_entr(np.array([0.3, 0.7]), np.array([0.5, 0.5])).sum()",
    "scipy.special.rel_entr, 10⁵ elements": "import numpy as np; from scipy.special import rel_entr; "
    + _ROWS_OF_TEN + "rel_entr(p, q).sum(-1)",
    "torch kl_divergence(Normal)": "import torch; from torch.distributions import Normal, kl_divergence; "
    "kl_divergence(Normal(torch.tensor(0.0), torch.tensor(1.0)), "
    "Normal(torch.tensor(1.0), torch.tensor(2.0)))",
}


def first_calls(cache_dir: str | None) -> dict[str, dict[str, object]]:
    """Seconds of import + first call in a fresh process (median of 3 processes), with
    ``NUMBA_CACHE_DIR`` a fresh empty folder under ``cache_dir`` (cold), or, for None, the
    default locations (warm after the benchmark's own runs)."""
    out: dict[str, dict[str, object]] = {}
    for name, stmt in _FIRST_CALL.items():
        totals: list[float] = []
        for _ in range(3):
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            if cache_dir is not None:
                env["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(dir=cache_dir)  # empty: cold
            code = f"import time\nt = time.perf_counter()\n{stmt}\nprint(time.perf_counter() - t)"
            proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                  timeout=600, check=True, cwd=ROOT)
            totals.append(float(proc.stdout.strip().splitlines()[-1]))
        out[name] = {"seconds (median of 3 processes)": round(float(np.median(totals)), 3),
                     "range": [round(min(totals), 3), round(max(totals), 3)]}
    return out


def main() -> int:
    import torch

    from derivations.runner.report_io import atomic_write_json

    quick = "--quick" in sys.argv
    rounds, runs = (9, 1) if quick else (9, 2)
    default = torch.get_num_threads()
    result: dict[str, object] = {
        "description": "ratio = reference time / this project's time, median of per-round ratios of "
        f"{rounds} paired interleaved rounds per run, {runs} runs per setting (median and range of runs)",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
        "(shared with other work: see the load averages)",
        "rounds per run": rounds,
        "runs": runs,
        "phases": [],
    }
    phases = cast(list[dict[str, Any]], result["phases"])
    for load in ("idle", "loaded"):
        ctx = competitor(3600.0) if load == "loaded" else contextlib.nullcontext()
        with ctx:
            before = os.getloadavg()
            start = time.perf_counter()
            phase: dict[str, Any] = {
                "load": load,
                "competitor": "one CPU-bound Python process started by the benchmark"
                if load == "loaded" else None,
                "settings": [],
            }
            phases.append(phase)
            for t in (1, 2):
                phase["settings"].append({"threads": t, "rows": rows_at(t, rounds=rounds, runs=runs)})
                after = os.getloadavg()[0]
                phase["load average (1 min) before, after"] = [round(before[0], 2), round(after, 2)]
                phase["seconds"] = round(time.perf_counter() - start, 1)
                atomic_write_json(OUT, result, indent=1)  # partial
    result["second thread after torch's call"] = second_thread()
    torch.set_num_threads(default)
    with tempfile.TemporaryDirectory() as cold:
        result["first call in a fresh process"] = {
            "warm cache": first_calls(None),
            "cold cache (empty NUMBA_CACHE_DIR)": first_calls(cold),
        }
    atomic_write_json(OUT, result, indent=1)
    for phase in phases:
        for setting in phase["settings"]:
            for r in setting["rows"]:
                print(phase["load"], setting["threads"], r["family"], "|", r["case"], "|", r["reference"],
                      r["ratio"], r["range"])
    print(json.dumps(result["first call in a fresh process"], indent=1, ensure_ascii=False))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
