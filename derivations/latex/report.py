"""Per-document, per-step results and their JSON / Markdown / JUnit renderings (issue 14, "Report").

Verdicts of a step: the checker's (proved, numerically consistent, undecided, refuted) plus
``parse error`` (the LaTeX does not parse: the notation is named), ``unsupported`` (it parses
but its meaning is outside this front end: named), ``definition`` (a definition stated by the
document, compared with the standard one where there is one) and ``statement, not a chain``.
Files are written atomically (temporary file beside the target, then ``os.replace``).
"""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PARSE_ERROR = "parse error"
UNSUPPORTED = "unsupported"
DEFINITION = "definition"
STATEMENT = "statement, not a chain"
FAILING = ("refuted", PARSE_ERROR, UNSUPPORTED, "error")


@dataclass
class StepReport:
    """One checked step (or one non-chain item) of a document."""

    label: str
    line: int
    latex: str
    parsed: str
    relation: str
    verdict: str
    detail: str
    seconds: float = 0.0
    justification: str = ""
    counterexample: dict[str, str] | None = None
    error: float | None = None
    tolerance: float | None = None
    alternative: dict[str, Any] | None = None  # the verdict under the document's own definitions
    kind: str = "step"  # step | definition | statement | stationary | parse error | unsupported

    def to_json(self) -> dict[str, Any]:
        """This step as a JSON-ready dict; counterexample, error, tolerance and alternative only when set."""
        out: dict[str, Any] = {
            "label": self.label,
            "line": self.line,
            "kind": self.kind,
            "latex": self.latex,
            "parsed": self.parsed,
            "relation": self.relation,
            "verdict": self.verdict,
            "detail": self.detail,
            "seconds": round(self.seconds, 4),
            "justification": self.justification,
        }
        for key in ("counterexample", "error", "tolerance", "alternative"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass
class DocumentResult:
    """All items of one document, in document order."""

    path: str
    steps: list[StepReport] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def first_failure(self) -> StepReport | None:
        """The first step whose verdict is failing (refuted, parse error, unsupported, error), or None."""
        for s in self.steps:
            if s.verdict in FAILING:
                return s
        return None

    @property
    def first_refuted(self) -> StepReport | None:
        """The first step refuted by a counterexample, or None."""
        return next((s for s in self.steps if s.verdict == "refuted"), None)

    @property
    def ok(self) -> bool:
        """No refuted step, no parse error, no unsupported notation, no error."""
        return self.first_failure is None

    def counts(self) -> dict[str, int]:
        """Number of steps per verdict."""
        out: dict[str, int] = {}
        for s in self.steps:
            out[s.verdict] = out.get(s.verdict, 0) + 1
        return out

    def step(self, label: str) -> StepReport:
        """The checked step with ``label`` (e.g. "(19)")."""
        for s in self.steps:
            if s.label == label and s.kind in ("step", "stationary"):
                return s
        raise KeyError(f"label: no checked step {label!r} in {self.path}")

    def to_json(self) -> dict[str, Any]:
        """This document's result as a JSON-ready dict: path, ok, seconds, counts, first failure and all
        steps."""
        fail = self.first_failure
        return {
            "path": self.path,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "notes": self.notes,
            "first_failure": None
            if fail is None
            else {"label": fail.label, "line": fail.line, "verdict": fail.verdict},
            "steps": [s.to_json() for s in self.steps],
        }

    def summary(self) -> str:
        """One line for humans: the first failing step (label, line, verdict) or "no failing step", and the
        counts per verdict."""
        fail = self.first_failure
        counts = ", ".join(f"{v}: {n}" for v, n in sorted(self.counts().items()))
        head = (
            f"first failing step {fail.label} (line {fail.line}, {fail.verdict})"
            if fail
            else "no failing step"
        )
        return f"{self.path}: {head} [{counts}] {self.seconds:.1f} s"


def _esc(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def to_markdown(results: list[DocumentResult], seconds: float) -> str:
    """A Markdown report of the checked documents (legend of the verdicts, then one table of steps per
    document); ``seconds`` is the total run time."""
    lines = [
        "# LaTeX derivation check",
        "",
        f"{len(results)} documents, {sum(r.ok for r in results)} without a failing step; "
        f"{seconds:.1f} s in all.",
        "",
        "Verdicts: **proved** = exact symbolic identity or verified certificate; **numerically "
        "consistent** = agreement at random admissible points (stated error and tolerance); "
        "**undecided** = time bound hit; **refuted** = counterexample; **parse error** / "
        "**unsupported** = the notation named is not read; **definition** = stated by the "
        "document (compared with the standard definition); **statement, not a chain**.",
        "",
    ]
    for r in results:
        lines += [f"## {r.path}", "", r.summary(), ""]
        for note in r.notes:
            lines.append(f"- note: {_esc(note)}")
        lines += ["", "| step | line | verdict | as understood | detail | s |", "|---|---|---|---|---|---|"]
        for s in r.steps:
            detail = s.detail
            if s.alternative:
                detail += f" — under the document's definitions: {s.alternative.get('verdict')}"
            if s.counterexample:
                detail += f" — counterexample: {json.dumps(s.counterexample, ensure_ascii=False)}"
            lines.append(
                f"| {s.label} | {s.line} | {s.verdict} | `{_esc(s.parsed)[:300]}` | "
                f"{_esc(detail)[:600]} | {s.seconds:.2f} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def to_junit(results: list[DocumentResult], seconds: float) -> str:
    """A JUnit XML report: one testcase per step, failing verdicts as failures with their detail."""
    suite = ET.Element(
        "testsuite", name="latex-check", tests=str(sum(len(r.steps) for r in results)), time=f"{seconds:.3f}"
    )
    failures = 0
    for r in results:
        for s in r.steps:
            case = ET.SubElement(
                suite, "testcase", classname=r.path, name=f"{s.label} line {s.line}", time=f"{s.seconds:.3f}"
            )
            if s.verdict in FAILING:
                failures += 1
                ET.SubElement(case, "failure", message=s.verdict).text = s.detail
            else:
                ET.SubElement(case, "system-out").text = f"{s.verdict}: {s.detail}"
    suite.set("failures", str(failures))
    return ET.tostring(suite, encoding="unicode")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file beside it and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reports(
    results: list[DocumentResult],
    seconds: float,
    *,
    json_path: Path | None = None,
    markdown_path: Path | None = None,
    junit_path: Path | None = None,
) -> None:
    """Write the JSON, Markdown and JUnit reports to the paths given (each optional), each file
    atomically."""
    if json_path:
        write_atomic(
            json_path,
            json.dumps(
                {"seconds": round(seconds, 3), "documents": [r.to_json() for r in results]},
                indent=2,
                ensure_ascii=False,
                allow_nan=False,
            ),
        )
    if markdown_path:
        write_atomic(markdown_path, to_markdown(results, seconds))
    if junit_path:
        write_atomic(junit_path, to_junit(results, seconds))
