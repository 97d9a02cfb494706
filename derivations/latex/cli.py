"""``python -m derivations check FILE… [--json F] [--markdown F] [--junit F] [--jobs N]
[--scheduler ADDRESS]``.

Checks every derivation chain of each Markdown/LaTeX file (issue 14). Documents run in
parallel worker processes (``--jobs``, default: the CPUs available) or on a Dask distributed
cluster (``--scheduler tcp://host:port``), through :func:`derivations.runner.executor.run_tasks`.
Exit status: 0 when no document has a refuted step, a parse error, unsupported notation or an
error; 1 otherwise; 2 for bad arguments (a missing file, a bad option value).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from derivations.latex.document import DEFAULT_TIME_LIMIT, check_text
from derivations.latex.report import FAILING, DocumentResult, write_reports


def check_file(task: tuple[str, float, int]) -> DocumentResult:
    """Worker: check one file (module-level so that process pools and Dask can pickle it)."""
    path, time_limit, points = task
    text = Path(path).read_text(encoding="utf-8")
    return check_text(text, path, time_limit=time_limit, points=points)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m derivations check", description=__doc__.split("\n\n")[1])
    p.add_argument("files", nargs="+", type=Path, help="Markdown or LaTeX documents")
    p.add_argument("--json", type=Path, help="write the JSON report here")
    p.add_argument("--markdown", type=Path, help="write the Markdown report here")
    p.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: the CPUs available)")
    p.add_argument("--scheduler", default=None, help="Dask distributed scheduler address (tcp://host:port)")
    p.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        help=f"seconds per step for the checker (default {DEFAULT_TIME_LIMIT:g})",
    )
    p.add_argument("--points", type=int, default=24, help="random admissible points per step (default 24)")
    p.add_argument("--quiet", action="store_true", help="print only the per-document summaries")
    return p


def print_results(results: list[DocumentResult], seconds: float, *, quiet: bool = False) -> None:
    """Print each document's summary line and (unless ``quiet``) one line per step, failing steps marked
    ``!!``."""
    for r in results:
        print(r.summary())
        if quiet:
            continue
        for s in r.steps:
            mark = "!!" if s.verdict in FAILING else "  "
            alt = f"  [document's definitions: {s.alternative['verdict']}]" if s.alternative else ""
            print(f"  {mark} {s.label:>10} line {s.line:<4} {s.verdict:<24}{alt} {s.detail[:160]}")
    bad = sum(not r.ok for r in results)
    print(f"\n{len(results)} documents, {len(results) - bad} without a failing step; {seconds:.1f} s")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (see the module docstring)."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["check"] and not Path("check").exists():
        args_in = args_in[1:]
    args = _parser().parse_args(args_in)
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"error: files: not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print(f"error: --jobs: expected a positive integer, got {args.jobs}", file=sys.stderr)
        return 2
    if not args.time_limit > 0:
        print(f"error: --time-limit: must be positive, got {args.time_limit}", file=sys.stderr)
        return 2
    from derivations.runner.executor import run_tasks

    tasks = [(str(f), float(args.time_limit), int(args.points)) for f in args.files]
    start = time.perf_counter()
    try:
        results = run_tasks(
            check_file, tasks, jobs=args.jobs, scheduler=args.scheduler, desc="checking documents"
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    write_reports(results, seconds, json_path=args.json, markdown_path=args.markdown, junit_path=args.junit)
    print_results(results, seconds, quiet=args.quiet)
    return 0 if all(r.ok for r in results) else 1
