"""``python -m derivations`` lists the claims; ``python -m derivations verify`` runs them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from derivations.registry import METHODS, all_claims


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m derivations", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("list", help="list the registered claims (the default)")
    v = sub.add_parser("verify", help="run the evidence of the given claims (default: all)")
    v.add_argument("ids", nargs="*", help="claim ids (default: every claim)")
    v.add_argument("--method", action="append", choices=METHODS,
                   help="run only these methods (repeatable; default: all)")
    v.add_argument("--json", type=Path, help="write the JSON report here")
    v.add_argument("--markdown", type=Path, help="write the Markdown report here")
    v.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    args = parser.parse_args(argv)
    if args.command == "verify":
        from derivations.report import verify

        try:
            return verify(args.ids or None, tuple(args.method or METHODS), json_path=args.json,
                          markdown_path=args.markdown, junit_path=args.junit)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    for c in all_claims():
        methods = ",".join(c.evidence_fns) or "-"
        print(f"{c.id:40s} {c.kind:10s} [{methods}] {c.statement}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
