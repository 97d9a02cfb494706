"""The seed table of docs/seed-documents.md, generated from the checker's own output.

``python -m derivations.latex.seed_table [SEEDS_DIR]`` checks every raw seed file (``*.txt``; default
``../shared/seeds``) and prints a Markdown table of its displays (the items on a display's line; inline maths
in the prose is left out) with one row per run of consecutive items of a seed that share their verdict and
reason: seed, the items (labels and lines), the verdict, the reason. Nothing in the table is typed by hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from derivations.latex.document import check_text
from derivations.latex.extract import extract
from derivations.latex.report import StepReport

_CHECKED = ("proved", "numerically consistent")


def _reason(step: StepReport) -> str:
    """A short reason: empty for plain proofs, else the first clause of the detail."""
    d = step.detail
    if step.verdict == "proved" and d.startswith("exact symbolic identity"):
        return ""
    if step.verdict == "refuted":
        m = re.search(r"differ by (-?[0-9.e+-]+)", d)
        return f"counterexample (the sides differ by {float(m.group(1)):.3g})" if m else d.split(";")[0][:110]
    if "certificate" in d and step.verdict == "proved":
        m = re.search(r"\[(\S+) certificate proposed by the LaTeX front end\]", d)
        return f"verified certificate ({m.group(1) if m else 'found by the checker'})"
    d = re.sub(r"\s+", " ", d)
    return d.split(" (counterexample")[0].split("; ")[0][:110].replace("|", "\\|")


def _item(step: StepReport) -> str:
    label = step.label.replace("|", "\\|") if not step.label.startswith("line ") else ""
    return f"{label} (line {step.line})".strip() if label else f"line {step.line}"


def _row(seed: str, run: list[StepReport]) -> tuple[str, str, str, str]:
    items = _item(run[0]) if len(run) == 1 else f"{_item(run[0])} … {_item(run[-1])} ({len(run)} items)"
    verdict = run[0].verdict
    if run[0].alternative:
        verdict += f" (document's definitions: {run[0].alternative['verdict']})"
    return seed, items, verdict, _reason(run[0])


def rows(seed_dir: Path) -> list[tuple[str, str, str, str]]:
    """(seed, items, verdict, reason) for every raw seed file in ``seed_dir``, runs merged."""
    if not seed_dir.is_dir():
        raise ValueError(f"seed_dir: {seed_dir} is not a folder")
    out: list[tuple[str, str, str, str]] = []
    for path in sorted(seed_dir.glob("*.txt")):
        seed = path.name[:3]
        text = path.read_text(encoding="utf-8")
        displays = {f.line for f in extract(text).fragments}
        result = check_text(text, path.name)
        run: list[StepReport] = []
        for step in (s for s in result.steps if s.line in displays):
            if run and (
                step.verdict != run[-1].verdict
                or _reason(step) != _reason(run[-1])
                or step.alternative
                or run[-1].alternative
            ):
                out.append(_row(seed, run))
                run = []
            run.append(step)
        if run:
            out.append(_row(seed, run))
    return out


def markdown(seed_dir: Path) -> str:
    """The table as Markdown."""
    lines = ["| seed | display (line) | result | why |", "|---|---|---|---|"]
    lines += [f"| {s} | {i} | {v} | {r} |" for s, i, v, r in rows(seed_dir)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the table for the folder given (default ``../shared/seeds``)."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path("..") / "shared" / "seeds"
    try:
        sys.stdout.write(markdown(folder))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
