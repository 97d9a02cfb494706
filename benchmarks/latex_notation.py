"""The LaTeX front end on the notation people write: decided fraction, soundness and the time of one long
document.

* **Corpus** (``tests/derivations/latex_notation_corpus``, one document per notation family, planted errors
  listed in its manifest): per document the written steps, how many were decided (proved, refuted or
  numerically consistent), planted errors refuted, true steps refuted (must be 0), parse errors.
* **Seeds** (``SEEDS_DIR`` or ``../shared/seeds``, raw): the verdict counts over every display.
* **One long document**: the corpus documents concatenated until the document has at least 300 displays,
  checked by ``python -m derivations check`` in a fresh process with the default time limit and points; the
  wall time includes the interpreter's start and imports; the process's CPU time and the machine's load
  average are recorded beside it (the wall time on a shared machine grows with the load).

Writes ``benchmarks/results/latex_notation.json``. Run: ``python -m benchmarks.latex_notation``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from derivations.runner.report_io import atomic_write_json

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).parent / "results" / "latex_notation.json"
CORPUS = ROOT / "tests" / "derivations" / "latex_notation_corpus"
DECIDED = ("proved", "refuted", "numerically consistent")
_DISPLAY = re.compile(r"\$\$.+?\$\$|\\begin\{align\*?\}.+?\\end\{align\*?\}", re.S)


def corpus() -> dict[str, object]:
    """Per-document and total counts on the notation corpus (time limit 5 s, 12 points, as the tests)."""
    from derivations.latex import check_text

    manifest = {
        k: v for k, v in json.loads((CORPUS / "manifest.json").read_text()).items() if not k.startswith("_")
    }
    rows = []
    for name, entry in sorted(manifest.items()):
        start = time.perf_counter()
        r = check_text((CORPUS / name).read_text(encoding="utf-8"), name, time_limit=5.0, points=12)
        steps = [s for s in r.steps if s.kind in ("step", "approximation")]
        planted = set(entry["planted"])
        refuted = {s.label for s in r.steps if s.verdict == "refuted"}
        rows.append(
            {
                "document": name,
                "steps": len(steps),
                "decided": sum(s.verdict in DECIDED for s in steps),
                "planted": len(planted),
                "planted_refuted": len(planted & refuted),
                "true_refuted": len(refuted - planted),
                "parse_errors": sum(s.verdict == "parse error" for s in r.steps),
                "unread_definitions": sum(
                    s.kind == "definition" and "not understood" in s.detail for s in r.steps
                ),
                "seconds": round(time.perf_counter() - start, 3),
            }
        )
    total = {
        k: sum(int(row[k]) for row in rows)
        for k in ("steps", "decided", "planted", "planted_refuted", "true_refuted", "parse_errors")
    }
    total["decided_fraction"] = round(total["decided"] / total["steps"], 4)  # type: ignore[assignment]
    return {"documents": rows, "total": total}


def seeds() -> dict[str, object]:
    """Verdict counts per raw seed file."""
    from derivations.latex import check_text

    folder = Path(os.environ.get("SEEDS_DIR", ROOT.parent / "shared" / "seeds"))
    out: dict[str, object] = {}
    for path in sorted(folder.glob("*.txt")):
        r = check_text(path.read_text(encoding="utf-8"), path.name)
        out[path.name[:3]] = dict(Counter(s.verdict for s in r.steps))
    return out


def long_document(min_displays: int = 300, skip: frozenset[str] = frozenset()) -> dict[str, object]:
    """Time ``python -m derivations check`` on the corpus documents concatenated to ≥ ``min_displays``
    displays. Documents in ``skip`` (with a definition that is not understood) are left out: an unread
    definition stays in force in the later sections, so it would make the next copies' steps unsupported
    (cheap) and the time unrepresentative."""
    parts: list[str] = []
    displays = 0
    files = sorted(p for p in CORPUS.iterdir() if p.suffix in (".md", ".tex") and p.name not in skip)
    while displays < min_displays:
        for p in files:
            text = p.read_text(encoding="utf-8")
            parts.append(f"\n\n## {p.stem}\n\n{text}")
            displays += len(_DISPLAY.findall(text))
            if displays >= min_displays:
                break
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "long.md"
        doc.write_text("".join(parts), encoding="utf-8")
        report = Path(tmp) / "long.json"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "derivations", "check", str(doc), "--json", str(report), "--jobs", "1"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        data = json.loads(report.read_text()) if report.exists() else {}
    steps = [s for d in data.get("documents", []) for s in d.get("steps", [])]
    return {
        "displays": displays,
        "items_reported": len(steps),
        "verdicts": dict(Counter(s.get("verdict") for s in steps)),
        "exit_status": proc.returncode,
        "wall_seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "limit_seconds": 30,
    }


def run() -> dict[str, object]:
    """All three measurements, with the machine they ran on."""
    sys.path.insert(0, str(ROOT))
    checked = corpus()
    rows: list[dict[str, object]] = checked["documents"]  # type: ignore[assignment]
    skip = frozenset(str(row["document"]) for row in rows if row["unread_definitions"])
    return {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "corpus": checked,
        "seeds": seeds(),
        "long_document": {**long_document(skip=skip), "left_out": sorted(skip)},
    }


def main() -> None:
    """Run and write ``benchmarks/results/latex_notation.json`` atomically."""
    result = run()
    atomic_write_json(OUT, result, indent=1)
    corpus_total = result["corpus"]["total"]  # type: ignore[index]
    print(json.dumps({"corpus": corpus_total, "long_document": result["long_document"]}, indent=1))


if __name__ == "__main__":
    main()
