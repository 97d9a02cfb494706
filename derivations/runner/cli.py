"""The command line: ``variational-verify`` = ``python -m derivations``.

* ``variational-verify [list] [IDS…]``: list the claims (ids, globs such as ``'kl.*'``, prefixes);
* ``variational-verify verify [IDS…] [--method M] [--json F] [--markdown F] [--junit F] [--html F]
  [--jobs N]``:
  run the claims' evidence and write the reports (``-`` = standard output);
* ``variational-verify check …``: check LaTeX derivations (:mod:`derivations.latex.cli`).

Exit status: 0 every claim supported (or skipped for a missing optional dependency) and every seed
finding as expected; 1 a claim refuted, undecided or errored, or a finding changed; 2 a usage error
(bad option, unknown claim, a method the claim lacks, an unwritable output path); 3 an internal
failure (a claim module failed to import, a worker process died).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from derivations.runner.registry import METHODS, ClaimLoadError, resolve_ids
from derivations.runner.report import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

PROG = "variational-verify"


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``variational-verify`` (``list``, ``verify``, ``check``)."""
    from derivations import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Verify the claims about variational learning (ELBO, KL, EM, GANs).",
        epilog="exit status: 0 all supported; 1 a claim refuted/undecided/errored or a seed finding "
        "changed; 2 usage error; 3 internal failure",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{list,verify,check}")
    lst = sub.add_parser("list", help="list the registered claims (the default command)")
    lst.add_argument("ids", nargs="*", help="claim ids, globs ('kl.*') or prefixes ('kl')")
    v = sub.add_parser("verify", help="run the evidence of the given claims (default: all)",
                       description="Run the claims' evidence and write the reports.")
    v.add_argument("ids", nargs="*", help="claim ids, globs ('kl.*') or prefixes ('kl'); default: all")
    v.add_argument("--method", action="append", choices=METHODS,
                   help="run only these methods (repeatable; default: all)")
    v.add_argument("--json", metavar="FILE", help="write the JSON report here ('-': stdout)")
    v.add_argument("--markdown", metavar="FILE", help="write the Markdown report here ('-': stdout)")
    v.add_argument("--junit", metavar="FILE", help="write a JUnit XML report here ('-': stdout)")
    v.add_argument("--html", metavar="FILE", help="write the self-contained HTML report here ('-': stdout)")
    v.add_argument("-j", "--jobs", type=_jobs, default=None,
                   help="worker processes (default: the CPUs available; 1: in this process)")
    v.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on this Dask distributed scheduler (e.g. tcp://host:8786; the dask extra)")
    v.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    loud = v.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="only the summary and the failures")
    loud.add_argument("-v", "--verbose", action="store_true", help="also the table of every verdict")
    sub.add_parser("check", help="check LaTeX derivations (see: check --help)", add_help=False)
    return parser


def _check(argv: list[str]) -> int:
    try:
        from derivations.latex.cli import main as latex_main
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("derivations.latex"):
            print(f"error: the 'check' command is not available ({exc})", file=sys.stderr)
            return EXIT_INTERNAL
        raise
    return int(latex_main(argv))


def _list(ids: list[str]) -> int:
    for c in resolve_ids(ids):
        methods = ",".join(c.evidence_fns) or "-"
        print(f"{c.id:40s} {c.kind:10s} [{methods}] {c.statement}")
    return EXIT_OK


def _dispatch(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        return _check(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "verify":
        from derivations.runner.report import verify

        if args.scheduler is not None and args.jobs is not None:
            raise ValueError("jobs: --jobs cannot be combined with --scheduler")
        return verify(
            args.ids or None,
            tuple(args.method or METHODS),
            json_path=args.json,
            markdown_path=args.markdown,
            junit_path=args.junit,
            html_path=args.html,
            quiet=args.quiet,
            verbose=args.verbose,
            jobs=args.jobs,
            scheduler=args.scheduler,
            progress=False if args.no_progress else None,
        )
    return _list(getattr(args, "ids", []) or [])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(argv)
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ClaimLoadError as exc:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
        print(f"{PROG}: internal failure: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
        print(f"{PROG}: internal failure: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
