"""The benchmark tables of the documentation, generated from ``benchmarks/results/*.json``.

A page marks each generated table with a pair of HTML comments (invisible in the rendered page)::

    <!-- table: report_time -->
    …generated, never edited by hand…
    <!-- end table -->

``python -m benchmarks.tables`` rewrites every marked region of the pages (default:
``docs/benchmarks.md``) from the results, atomically; ``--check`` rewrites nothing and exits 1 if a
region differs from what the results give (a stale table), 2 for an unknown table name, an
unmatched marker or a missing result file. Each table is a function of one results file in
:data:`TABLES`; a number is never typed into a page.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from derivations.runner.report_io import atomic_write_text

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
PAGES = (REPO / "docs" / "benchmarks.md",)

START = re.compile(r"^<!-- table: (?P<name>[a-z0-9_]+) -->$")
END = "<!-- end table -->"


class TableError(ValueError):
    """A page or a results file that the tables cannot be generated for (named in the message)."""


def _load(name: str, results: Path) -> Any:
    path = results / f"{name}.json"
    if not path.is_file():
        raise TableError(f"{path}: no such results file (run `python -m benchmarks.{name}`)")
    return json.loads(path.read_text(encoding="utf-8"))


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _g(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits, without an exponent for ordinary magnitudes."""
    return f"{x:.{digits}g}" if 1e-3 <= abs(x) < 10**digits or x == 0 else f"{x:.{digits - 1}e}"


def report_time(results: Path) -> str:
    """Wall time of ``python -m derivations verify``, one row per recorded run."""
    data = _load("report_time", results)
    lines = [
        _row("run", "worker processes", "claims", "exit status", "wall time (s)",
             "sum of task times (s)", "CPU calibration loop (s)", "1-min load before"),
        _row(*["---"] * 8),
    ]
    for i, run in enumerate(data["runs"], 1):
        lines.append(_row(i, run["jobs"], run["claims"], run["exit_status"], f"{run['wall_seconds']:.1f}",
                          f"{run['sum_of_task_seconds']:.1f}", f"{run['cpu_calibration_seconds_before']:.2f}",
                          f"{run['load_average_1min_before']:.2f}"))
    slowest = data["runs"][0]["slowest_tasks"][:5]
    lines.append("")
    tasks = ", ".join(f"`{t['task']}` {t['seconds']:.1f} s" for t in slowest)
    machine = data["machine"]
    lines.append(f"Slowest tasks of run 1: {tasks}. "
                 f"Machine: {machine['cpu_count']} CPUs, Python {machine['python']}.")
    return "\n".join(lines)


def vae_throughput(results: Path) -> str:
    """The VAE's training and KL-term throughput against plain PyTorch and torch.distributions."""
    data = _load("vae_throughput", results)
    lines = [_row("measurement", "this project", "reference", "ratio"), _row(*["---"] * 4)]
    for what, row in data["rows"].items():
        reference = next(k for k in row if k not in ("this project", "ratio", "ratio quartiles", "rounds"))
        ratio = f"{row['ratio']:.3g}"
        if "ratio quartiles" in row:
            lo, hi = row["ratio quartiles"]
            ratio += f" (quartiles {lo:.2f}–{hi:.2f}, {row['rounds']} paired rounds)"
        lines.append(_row(what, _g(row["this project"]), f"{reference}: {_g(row[reference])}", ratio))
    lines.append("")
    lines.append(f"torch intra-op threads: {data['torch_threads']}.")
    return "\n".join(lines)


def few_labels(results: Path) -> str:
    """Test accuracy of a logistic regression on VAE latents, PCA and raw pixels (seed 001 §4.3)."""
    data = _load("few_labels", results)
    acc = data["accuracy"]
    names = {"vae": "VAE latents", "pca": "PCA (same dimension)", "pixels": "raw pixels"}
    fractions = sorted(acc["vae"], key=float)
    lines = [
        _row("labels", *(names[k] for k in acc), "highest mean"),
        _row(*["---"] * (len(acc) + 2)),
    ]
    for f in fractions:
        cells = [f"{acc[k][f]['mean']:.3f} ± {acc[k][f]['std']:.3f}" for k in acc]
        lines.append(_row(f"{float(f) * 100:g} %", *cells, names[data["winner"][f]]))
    lines.append("")
    lines.append(f"Mean ± sample standard deviation over {data['seeds']} seeds; latent dimension "
                 f"{data['latent_dim']}, {data['epochs']} epochs; {data['seconds']:.0f} s in all.")
    return "\n".join(lines)


def audit_speed(results: Path) -> str:
    """Wall time of one audit by the loss auditor."""
    data = _load("audit_speed", results)
    lines = [_row("audit", "median (s)", "min (s)", "runs"), _row(*["---"] * 4)]
    for what, row in data["results"].items():
        lines.append(_row(what, f"{row['median_s']:.2f}", f"{row['min_s']:.2f}", len(row["runs_s"])))
    lines.append("")
    note = _sentence(data["machine"].get("note", ""))
    lines.append(f"The first audit in a process (imports, first compilation) took "
                 f"{data['first_audit_in_process_s']:.1f} s. {note}".rstrip())
    return "\n".join(lines)


def _sentence(text: str) -> str:
    """``text`` as a sentence: capitalised, ending with a full stop ("" stays "")."""
    text = text.strip()
    if not text:
        return ""
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _corpus_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def checker_corpus(results: Path) -> str:
    """The step checker on the held-out corpus: outcomes, verdicts, time."""
    data = _load("checker_corpus", results)
    lines = [_row("cases", "true / planted errors", "outcomes", "verdicts", "worst case (s)", "total (s)"),
             _row(*["---"] * 6)]
    lines.append(_row(data["cases"], f"{data['true cases']} / {data['planted errors']}",
                      _corpus_counts(data["counts"]), _corpus_counts(data["verdicts"]),
                      f"{data['worst wall time per case (s)']:.1f}", f"{data['total wall time (s)']:.1f}"))
    return "\n".join(lines)


def checker_redteam(results: Path) -> str:
    """The step checker on the adversarial corpus, one row per recorded run."""
    data = _load("checker_redteam", results)
    lines = [_row("run", "cases (decided / bad input)", "outcomes", "worst case (s)",
                  "pathological step, 1 s limit: wall (s)"), _row(*["---"] * 5)]
    for label, run in data["runs"].items():
        patho = run["pathological step, time_limit 1 s, wall (s)"]
        walls = ", ".join(f"{k} {v}" for k, v in patho.items() if not k.endswith("verdict"))
        lines.append(_row(label, f"{run['cases']} ({run['decided cases']} / {run['bad-input cases']})",
                          _corpus_counts(run["counts"]), f"{run['worst wall time per case (s)']:.1f}", walls))
    return "\n".join(lines)


def checker_practice(results: Path) -> str:
    """The step checker on the practice corpus: outcomes per entry point, certificates, time."""
    data = _load("checker_practice", results)
    lines = [_row("entry point", "cases (true / false twins)", "outcomes", "refutations re-checked",
                  "worst case (s)"), _row(*["---"] * 5)]
    entries = (("decision", "decide_equal / prove_inequality"), ("derivation", "one-step Derivation"))
    for entry, name in entries:
        lines.append(_row(name, f"{data['cases']} ({data['true cases']} / {data['false cases']})",
                          _corpus_counts(data["counts"][entry]),
                          data["refutations whose certificate re-checks"] if entry == "decision" else "—",
                          f"{data['worst wall time per case (s)']:.1f}"))
    bad = data["bad inputs"]
    lines.append("")
    lines.append(f"Bad inputs: {bad['ValueError']} of {bad['cases']} raise ValueError.")
    return "\n".join(lines)


def checker_heldout_style(results: Path) -> str:
    """The step checker on the held-out-style corpus: outcomes per entry point and for the chains."""
    data = _load("checker_heldout_style", results)
    lines = [_row("entry point", "cases (true / false twins)", "outcomes", "refutations re-checked",
                  "worst case (s)"), _row(*["---"] * 5)]
    cases = f"{data['cases']} ({data['true cases']} / {data['false cases']})"
    worst = f"{data['worst wall time per case (s)']:.1f}"
    lines.append(_row("decide_equal / prove_inequality", cases, _corpus_counts(data["counts"]["decision"]),
                      data["refutations whose certificate re-checks"], worst))
    lines.append(_row("one-step Derivation", cases, _corpus_counts(data["counts"]["derivation"]), "—", worst))
    chains = data["counts"]["chains"]
    elsewhere = f"; refuted at another step than the planted one {chains['wrong step named']}"
    lines.append(_row("multi-step Derivation (a wrong middle step)", str(data["chains"]),
                      _corpus_counts({k: v for k, v in chains.items() if k != "wrong step named"})
                      + elsewhere,
                      "—", worst))
    bad = data["bad inputs"]
    lines.append("")
    lines.append(f"Bad inputs: {bad['ValueError']} of {bad['cases']} raise ValueError. Total wall time "
                 f"{data['total wall time (s)']:.0f} s ({data['machine'].get('note', '')}).")
    return "\n".join(lines)


def checker_speed(results: Path) -> str:
    """Wall and CPU time of slow steps under a time limit, one column per recorded run."""
    data = _load("checker_speed", results)
    runs = data["runs"]
    cases = list(next(iter(runs.values()))["cases"])
    lines = [_row("case", *(f"{label}: wall / CPU (s), verdict" for label in runs)),
             _row(*["---"] * (len(runs) + 1))]
    for case in cases:
        cells = []
        for run in runs.values():
            c = run["cases"].get(case)
            cpu = "—" if c is None or "cpu_s" not in c else f"{c['cpu_s']:.2f}"
            cells.append("—" if c is None else f"{c['wall_s']:.2f} / {cpu}, {c['verdict']}")
        lines.append(_row(case, *cells))
    limits = {run["time_limit_s"] for run in runs.values()}
    loads = ", ".join(f"{label} {run['load_average_at_start']:.1f}" for label, run in runs.items())
    lines.append("")
    lines.append(f"Time limit per step: {', '.join(f'{t:g} s' for t in sorted(limits))}; load average at "
                 f"the start: {loads}. {_sentence(data.get('caveat', ''))}".rstrip())
    return "\n".join(lines)


#: table name (as written in a page's marker) → the function generating it from the results.
TABLES: dict[str, Callable[[Path], str]] = {
    "report_time": report_time,
    "vae_throughput": vae_throughput,
    "few_labels": few_labels,
    "audit_speed": audit_speed,
    "checker_corpus": checker_corpus,
    "checker_redteam": checker_redteam,
    "checker_practice": checker_practice,
    "checker_heldout_style": checker_heldout_style,
    "checker_speed": checker_speed,
}


def render(text: str, results: Path = RESULTS, *, page: str = "page") -> str:
    """``text`` with every marked region replaced by its generated table (``TableError`` naming the
    page and line for an unknown table, a marker without its end, or a missing results file)."""
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        match = START.match(lines[i])
        out.append(lines[i])
        i += 1
        if match is None:
            if lines[i - 1].strip() == END:
                raise TableError(f"{page}:{i}: {END} without a table marker before it")
            continue
        name = match["name"]
        if name not in TABLES:
            raise TableError(f"{page}:{i}: unknown table {name!r} (known: {', '.join(TABLES)})")
        end = next((j for j in range(i, len(lines)) if lines[j].strip() == END), None)
        if end is None or any(START.match(lines[j]) for j in range(i, end)):
            raise TableError(f"{page}:{i}: table {name!r} has no {END} before the next marker")
        try:
            table = TABLES[name](results)
        except (KeyError, TypeError, ValueError, StopIteration) as exc:
            if isinstance(exc, TableError):
                raise
            raise TableError(f"{page}:{i}: table {name!r}: the results file does not have the expected "
                             f"layout ({type(exc).__name__}: {exc}); update benchmarks/tables.py") from exc
        out.extend(["", table, "", END])
        i = end + 1
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.tables [--check] [PAGE…]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tables", description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", type=Path, default=list(PAGES), metavar="PAGE",
                        help="Markdown pages with marked tables (default: docs/benchmarks.md)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a table is stale")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the results folder")
    args = parser.parse_args(argv)
    stale: list[str] = []
    try:
        rendered = {}
        for page in args.pages:
            text = page.read_text(encoding="utf-8")
            rendered[page] = (text, render(text, args.results, page=str(page)))
    except (TableError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for page, (old, new) in rendered.items():
        if old == new:
            continue
        stale.append(str(page))
        if not args.check:
            atomic_write_text(page, new)
    if args.check and stale:
        print("stale tables (run `python -m benchmarks.tables`): " + ", ".join(stale), file=sys.stderr)
        return 1
    if stale:
        print("rewrote: " + ", ".join(stale))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
