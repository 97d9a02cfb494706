"""Speed of the step checker: a set of
integral-heavy steps, each with ``time_limit = 5 s``, and the symbolic part of the report
(every claim's ``symbolic`` evidence), before/after a change of the checker.

Each case runs in a fresh child process (imports and caches not shared; a case that runs past
``--cap`` seconds is killed and recorded as such). Wall and CPU seconds of the child's check
are recorded with the verdict, so that "stopped at the bound" is visible as CPU ≈ wall ≤ limit.

Run against the code on ``PYTHONPATH`` (the script itself may come from another checkout)::

    PYTHONPATH=/path/to/old/checkout python benchmarks/checker_speed.py --label before
    PYTHONPATH=. python benchmarks/checker_speed.py --label after

Results are merged into ``benchmarks/results/checker_speed.json`` under the label (written
atomically)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from derivations.runner.report_io import atomic_write_json

OUT = Path(__file__).parent / "results" / "checker_speed.json"
TIME_LIMIT_S = 5.0


def _cases() -> dict[str, Callable[[], Any]]:
    import sympy as sp

    from derivations.checker import Derivation, Domain

    z = sp.Symbol("z", real=True)
    t = sp.Symbol("t", positive=True)
    lam, sigma, alpha, beta = sp.symbols("lambda sigma alpha beta", positive=True)
    mu, theta = sp.symbols("mu theta", real=True)
    expo = lam * sp.exp(-lam * z)
    normal = sp.exp(-((z - mu) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
    gamma = beta**alpha * t ** (alpha - 1) * sp.exp(-beta * t) / sp.gamma(alpha)
    tilted = 1 + theta * (z - sp.Rational(1, 2))

    def step(lhs: sp.Expr, rhs: sp.Expr, domain: Any = None) -> Callable[[], Any]:
        return lambda: Derivation(lhs, domain=domain, time_limit=TIME_LIMIT_S).eq(rhs, "step").check()

    return {
        "exponential total probability": step(sp.Integral(expo, (z, 0, sp.oo)), sp.Integer(1)),
        "exponential mean": step(sp.Integral(z * expo, (z, 0, sp.oo)), 1 / lam),
        "exponential second moment (wrong: 1/λ²)": step(sp.Integral(z**2 * expo, (z, 0, sp.oo)), 1 / lam**2),
        "Gaussian entropy": step(
            -sp.Integral(normal * sp.log(normal), (z, -sp.oo, sp.oo)),
            sp.log(2 * sp.pi * sp.E * sigma**2) / 2,
        ),
        "Gamma log-moment ψ(α) − log β": step(
            sp.Integral(gamma * sp.log(t), (t, 0, sp.oo)), sp.digamma(alpha) - sp.log(beta)
        ),
        "tilted density mean": step(
            sp.Integral(z * tilted, (z, 0, 1)), sp.Rational(1, 2) + theta / 12,
            Domain(bounds={theta: (-2, 2)}),
        ),
    }


def _run_case(name: str) -> dict[str, Any]:
    """In the child: one case, timed (wall and process CPU)."""
    fn = _cases()[name]
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return {
        "wall_s": round(time.perf_counter() - w0, 3),
        "cpu_s": round(time.process_time() - c0, 3),
        "verdict": result.verdict.value,
        "steps": [s.verdict.value for s in result.steps],
    }


def _run_report() -> dict[str, Any]:
    """In the child: the symbolic evidence of every claim, as the report runs it."""
    from derivations.runner.report import run_claims

    w0, c0 = time.perf_counter(), time.process_time()
    results = run_claims(None, ("symbolic",))
    verdicts: dict[str, int] = {}
    slowest = []
    for r in results:
        for e in r.evidence:
            verdicts[e.verdict.value] = verdicts.get(e.verdict.value, 0) + 1
            slowest.append((round(e.seconds, 2), r.claim.id))
    return {
        "wall_s": round(time.perf_counter() - w0, 3),
        "cpu_s": round(time.process_time() - c0, 3),
        "claims": len(results),
        "verdicts": verdicts,
        "slowest": sorted(slowest, reverse=True)[:5],
    }


def _child(kind: str, cap: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=cap, env=os.environ.copy())
    except subprocess.TimeoutExpired:
        return {"wall_s": round(time.perf_counter() - start, 3), "verdict": f"killed after {cap:g} s"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Command line: run every case (and, unless ``--no-report``, the symbolic report) in a child process
    each and record wall/CPU seconds and verdicts under ``--label`` in
    benchmarks/results/checker_speed.json; with ``--child`` run one case and print its JSON (used
    internally)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", help="name of this run in the results file (e.g. before, after)")
    ap.add_argument("--cap", type=float, default=300.0, help="kill a case after this many seconds")
    ap.add_argument("--no-report", action="store_true", help="skip the symbolic report")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        out = _run_report() if args.child == "report" else _run_case(args.child)
        print(json.dumps(out, ensure_ascii=False))
        return 0
    if not args.label:
        ap.error("--label is required")
    if not (args.cap > 0):
        ap.error("--cap must be positive")
    cases: dict[str, Any] = {}
    for name in _cases():
        cases[name] = _child(name, args.cap)
        print(f"{name}: {cases[name]}", flush=True)
    run: dict[str, Any] = {
        "time_limit_s": TIME_LIMIT_S,
        "cases": cases,
        "pythonpath": os.environ.get("PYTHONPATH", ""),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_at_start": os.getloadavg()[0],
    }
    if not args.no_report:
        run["symbolic report"] = _child("report", max(args.cap, 1800.0))
        print(f"symbolic report: {run['symbolic report']}", flush=True)
    data: dict[str, Any] = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
    data["machine"] = {"platform": platform.platform(), "python": platform.python_version(),
                       "cpus": os.cpu_count()}
    data["caveat"] = (
        "measured on a 2-core machine shared with several other jobs (load average recorded per "
        "run): absolute times are inflated and noisy; compare runs only in order of magnitude"
    )
    data.setdefault("runs", {})[args.label] = run
    atomic_write_json(OUT, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
