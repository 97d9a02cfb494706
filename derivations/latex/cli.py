"""``python -m derivations check FILE… [--json F] [--markdown F] [--junit F] [--jobs N]
[--scheduler ADDRESS] [--time-limit S] [--points N] [-q | -v]``.

Checks every relation of each Markdown/LaTeX file under the reading contract
(docs/latex-notation.md). Documents run in parallel worker processes (``--jobs``, default: the CPUs
available) or on a Dask distributed cluster (``--scheduler tcp://host:port``), through
:func:`derivations.runner.executor.run_tasks`. Reports: ``-`` is standard output (the console lines then go
to standard error), as for ``verify``; the output paths are checked before any work and no folder is
ever created. Exit status: 0 every document checked without a failing item; 1 a document has a
refuted step, something not read (parse error, unsupported), a non-standard definition, an error, or
could not be read; 2 bad arguments (a missing file, a bad option value, an unwritable output path);
5 nothing checked in a document (empty, or without a derivation step; like pytest's "no tests
collected"), when no document fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from derivations.latex.document import DEFAULT_TIME_LIMIT, check_text
from derivations.latex.report import (
    ERROR,
    DocumentResult,
    StepReport,
    batch_line,
    check_output_path,
    write_reports,
)

EXIT_OK = 0
EXIT_FAILING = 1
EXIT_USAGE = 2
EXIT_NOTHING_CHECKED = 5


def read_document(path: str) -> str:
    """The text of ``path`` as UTF-8; ``ValueError`` naming the file when it cannot be read or decoded."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValueError(
            f"{path}: not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}) "
            f"cannot be decoded ({exc.reason})"
        ) from None


def check_file(task: tuple[str, float, int]) -> DocumentResult:
    """Worker: check one file (module-level so that process pools and Dask can pickle it). A file that
    cannot be read or decoded gives a result with one error item naming the file."""
    path, time_limit, points = task
    try:
        text = read_document(path)
    except ValueError as exc:
        return DocumentResult(path, [StepReport("file", 0, "", "", "", ERROR, str(exc), kind=ERROR)])
    return check_text(text, path, time_limit=time_limit, points=points)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m derivations check",
        description="Check the derivations of Markdown/LaTeX documents step by step.",
        epilog="exit status: 0 no failing item; 1 a failing item; 2 usage error; 5 nothing checked",
    )
    p.add_argument("files", nargs="+", type=Path, help="Markdown or LaTeX documents")
    p.add_argument("--json", metavar="FILE", help="write the JSON report here ('-': stdout)")
    p.add_argument("--markdown", metavar="FILE", help="write the Markdown report here ('-': stdout)")
    p.add_argument("--junit", metavar="FILE", help="write a JUnit XML report here ('-': stdout)")
    p.add_argument("--html", metavar="FILE", help="write the self-contained HTML report here ('-': stdout)")
    p.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        default=None,
        help="worker processes (default: the CPUs available)",
    )
    p.add_argument("--scheduler", default=None, help="Dask distributed scheduler address (tcp://host:port)")
    p.add_argument(
        "--time-limit",
        type=_seconds,
        default=DEFAULT_TIME_LIMIT,
        help=f"seconds per step for the checker (default {DEFAULT_TIME_LIMIT:g})",
    )
    p.add_argument(
        "--points", type=_positive_int, default=24, help="random admissible points per step (default 24)"
    )
    loud = p.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="only the summaries and the failing items")
    loud.add_argument("-v", "--verbose", action="store_true", help="every item, with its reading")
    return p


def print_results(
    results: list[DocumentResult],
    seconds: float,
    *,
    quiet: bool = False,
    verbose: bool = False,
    out: TextIO | None = None,
) -> None:
    """Each document's summary line, then its items (only the failing ones with ``quiet``; with
    ``verbose`` also the reading of each step), a refuted step with its point and both sides."""
    stream = out if out is not None else sys.stdout
    for r in results:
        print(r.summary(), file=stream)
        for line in r.item_lines(verbose=not quiet):
            print(line, file=stream)
        if verbose:
            for s in r.steps:
                if s.parsed:
                    print(f"      {s.label}: {s.parsed[:300]}", file=stream)
    print(f"\n{batch_line(results, seconds)}", file=stream)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (see the module docstring)."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["check"] and not Path("check").exists():
        args_in = args_in[1:]
    try:
        args = _parser().parse_args(args_in)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"error: files: not found: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    outputs = {"--json": args.json, "--markdown": args.markdown, "--junit": args.junit, "--html": args.html}
    dashes = [k for k, v in outputs.items() if v == "-"]
    try:
        if len(dashes) > 1:
            raise ValueError(f"{'/'.join(dashes)}: only one report can go to standard output ('-')")
        for option, path in outputs.items():
            if path is not None:
                check_output_path(path, option)
        if args.scheduler is not None and args.jobs is not None:
            raise ValueError("--jobs: cannot be combined with --scheduler")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from derivations.runner.executor import run_tasks

    tasks = [(str(f), float(args.time_limit), int(args.points)) for f in args.files]
    start = time.perf_counter()
    try:
        results = run_tasks(
            check_file, tasks, jobs=args.jobs, scheduler=args.scheduler, desc="checking documents"
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    seconds = time.perf_counter() - start
    console = sys.stderr if dashes else sys.stdout
    write_reports(results, seconds, json_path=args.json, markdown_path=args.markdown, junit_path=args.junit,
                  html_path=args.html)
    print_results(results, seconds, quiet=args.quiet, verbose=args.verbose, out=console)
    if not all(r.ok for r in results):
        return EXIT_FAILING
    if any(r.nothing_checked for r in results):
        return EXIT_NOTHING_CHECKED
    return EXIT_OK
