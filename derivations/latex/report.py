"""Per-document, per-item results and their JSON / Markdown / JUnit renderings.

Verdicts of a step: the checker's (proved, numerically consistent, undecided, refuted) plus
``parse error`` (the LaTeX does not parse: the notation is named), ``unsupported`` (it parses
but its meaning is outside this front end: named), ``definition`` (a definition stated by the
document, compared with the standard one where there is one) and ``statement, not a chain``.
Files are written atomically (temporary file beside the target, then ``os.replace``).
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PARSE_ERROR = "parse error"
UNSUPPORTED = "unsupported"
DEFINITION = "definition"
NONSTANDARD = "non-standard definition"
ASSUMPTION = "assumption"
CONDITION = "condition, not a step"
STATEMENT = "statement, not a chain"
APPROXIMATION = "approximation, not checked"
ERROR = "error"
#: Verdicts that make a document fail: a counterexample, something not read, a definition of a known
#: object that disagrees with its standard meaning, or an internal error.
FAILING = ("refuted", PARSE_ERROR, UNSUPPORTED, NONSTANDARD, ERROR)
#: Verdicts of items that were decided by the checker (the "checked" relations).
DECIDED = ("proved", "numerically consistent", "refuted")
#: Kinds of items that are relations the document asks to be checked.
STEP_KINDS = ("step", "stationary")

#: Counterexample keys that are values of the sides, not coordinates of the point.
SIDE_KEYS = ("lhs", "rhs", "value", "lhs - rhs")


@dataclass
class StepReport:
    """One item of a document: a checked step, a definition, an assumption, a condition, a statement,
    or something that was not read (parse error, unsupported), each with its verdict and why.

    ``symbols``: the names of the quantities the step uses (the console shows a counterexample's
    coordinates for these only); ``assumptions``: the document's assumptions that restricted the
    domain of this step; ``depends_on``: the line of an unread definition this item depends on."""

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
    kind: str = (
        "step"  # step | definition | assumption | condition | statement | stationary | parse error | …
    )
    symbols: list[str] | None = None
    assumptions: list[str] | None = None
    depends_on: int | None = None
    certificate: Any = None  # the checker's certificate of a refutation, when it gives one

    def to_json(self) -> dict[str, Any]:
        """This step as a JSON-ready dict; the optional fields only when set."""
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
        for key in (
            "counterexample",
            "error",
            "tolerance",
            "alternative",
            "assumptions",
            "depends_on",
            "certificate",
        ):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    def point(self) -> dict[str, str]:
        """The counterexample's coordinates for the quantities this step uses (all of them when the
        step's symbols are not known)."""
        if not self.counterexample:
            return {}
        coords = {k: v for k, v in self.counterexample.items() if k not in SIDE_KEYS}
        if self.symbols is None:
            return coords
        used = set(self.symbols)
        return {k: v for k, v in coords.items() if k.split("[")[0] in used}

    def sides(self) -> dict[str, str]:
        """The values of the two sides (or of the difference) at the counterexample."""
        if not self.counterexample:
            return {}
        return {k: self.counterexample[k] for k in SIDE_KEYS if k in self.counterexample}


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 document``, ``2 documents`` (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


@dataclass
class DocumentResult:
    """All items of one document, in document order.

    ``print(result)`` lists every item with its verdict and, for a refuted step, the point (the
    symbols the step uses) and both sides; in a notebook it renders as a table (``_repr_html_``)
    or as LaTeX (``_repr_latex_``)."""

    path: str
    steps: list[StepReport] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def first_failure(self) -> StepReport | None:
        """The first item whose verdict is failing (refuted, parse error, unsupported, non-standard
        definition, error), or None."""
        for s in self.steps:
            if s.verdict in FAILING:
                return s
        return None

    @property
    def first_refuted(self) -> StepReport | None:
        """The first step refuted by a counterexample, or None."""
        return next((s for s in self.steps if s.verdict == "refuted"), None)

    @property
    def nothing_checked(self) -> bool:
        """No relation of the document was checked or failed to be read: an empty or display-free
        document (the CLI's exit status 5, like pytest's "no tests collected")."""
        return not any(s.kind in STEP_KINDS or s.verdict in FAILING for s in self.steps)

    @property
    def ok(self) -> bool:
        """No refuted step, nothing unread, no non-standard definition, no error."""
        return self.first_failure is None

    @property
    def nonstandard(self) -> list[StepReport]:
        """Definitions of known objects (KL, H, ELBO) that disagree with their standard meaning."""
        return [s for s in self.steps if s.verdict == NONSTANDARD]

    def counts(self) -> dict[str, int]:
        """Number of items per verdict (they add up to ``len(self.steps)``)."""
        out: dict[str, int] = {}
        for s in self.steps:
            out[s.verdict] = out.get(s.verdict, 0) + 1
        return out

    def step(self, label: str) -> StepReport:
        """The checked step with ``label`` (e.g. "(19)")."""
        for s in self.steps:
            if s.label == label and s.kind in STEP_KINDS:
                return s
        raise KeyError(f"label: no checked step {label!r} in {self.path}")

    def item(self, label: str) -> StepReport:
        """The item (of any kind) with ``label``."""
        for s in self.steps:
            if s.label == label:
                return s
        raise KeyError(f"label: no item {label!r} in {self.path}")

    def to_json(self) -> dict[str, Any]:
        """This document's result as a JSON-ready dict: path, ok, seconds, counts, first failure and all
        items."""
        fail = self.first_failure
        return {
            "path": self.path,
            "ok": self.ok,
            "nothing_checked": self.nothing_checked,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "items": len(self.steps),
            "notes": self.notes,
            "nonstandard_definitions": [
                {"label": s.label, "line": s.line, "detail": s.detail} for s in self.nonstandard
            ],
            "first_failure": None
            if fail is None
            else {"label": fail.label, "line": fail.line, "verdict": fail.verdict},
            "steps": [s.to_json() for s in self.steps],
        }

    def headline(self) -> str:
        """The document's outcome in words: its first failing item, "nothing checked" or "no failing
        step"."""
        fail = self.first_failure
        if fail is not None:
            return f"first failing item {fail.label} (line {fail.line}, {fail.verdict})"
        if self.nothing_checked:
            return "nothing checked (no derivation step found)"
        return "no failing step"

    def summary(self) -> str:
        """One line for humans: the outcome, the counts per verdict (they add up to the number of items),
        the non-standard definitions, the time."""
        counts = ", ".join(f"{v}: {n}" for v, n in sorted(self.counts().items()))
        flags = ""
        if self.nonstandard:
            flags = (
                " non-standard definitions: "
                + ", ".join(f"{s.label} (line {s.line})" for s in self.nonstandard)
                + ";"
            )
        return (
            f"{self.path}: {self.headline()} [{plural(len(self.steps), 'item')}: {counts or 'none'}]"
            f"{flags} {self.seconds:.1f} s"
        )

    def item_lines(self, *, verbose: bool = True) -> list[str]:
        """One line per item (only the failing ones unless ``verbose``), and for a refuted step the point
        and both sides."""
        lines = []
        for s in self.steps:
            if not verbose and s.verdict not in FAILING:
                continue
            mark = "!!" if s.verdict in FAILING else "  "
            alt = ""
            if s.alternative:
                which = (
                    "standard"
                    if str(s.alternative.get("reading", "")).startswith("the standard")
                    else "document's"
                )
                alt = f"  [{which} definitions: {s.alternative['verdict']}]"
            where = "" if s.label == f"line {s.line}" else f" (line {s.line})"
            lines.append(f"  {mark} {s.label + where:<22} {s.verdict:<24}{alt} {s.detail[:200]}")
            if s.verdict == "refuted":
                pad = " " * 8
                if s.parsed:
                    lines.append(f"{pad}claimed: {s.parsed[:300]}")
                point = s.point()
                if s.counterexample is not None:
                    coords = ", ".join(f"{k} = {v}" for k, v in point.items())
                    lines.append(f"{pad}at:      {coords or '(no free symbols)'}")
                    for k, v in s.sides().items():
                        name = {"lhs": "left side ", "rhs": "right side", "value": "difference"}.get(k, k)
                        lines.append(f"{pad}         {name} = {v}")
        return lines

    def __str__(self) -> str:
        return "\n".join([self.summary(), *self.item_lines()])

    def _repr_html_(self) -> str:
        """The document page's rendering of this document (maths as MathML), for notebooks."""
        from derivations.runner.html_documents import document_fragment

        return document_fragment(self.to_json())

    def _repr_latex_(self) -> str:
        rows = [
            rf"\text{{{_latex_text(s.label)}}} & {s.line} & \text{{{_latex_text(s.verdict)}}} & "
            + (s.parsed if s.parsed and s.kind in STEP_KINDS else rf"\text{{{_latex_text(s.kind)}}}")
            + r" \\"
            for s in self.steps
        ]
        head = _latex_text(f"{self.path}: {self.headline()}")
        return (
            rf"$\begin{{array}}{{llll}}\multicolumn{{4}}{{l}}{{\text{{{head}}}}} \\"
            + "\n"
            + "\n".join(rows)
            + r"\end{array}$"
        )


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}


def _latex_text(text: str) -> str:
    r"""``text`` made safe inside ``\text{…}``."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def _esc(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def batch_line(results: list[DocumentResult], seconds: float) -> str:
    """``3 documents: 1 without a failing step, 1 failing, 1 with nothing checked; 2.0 s``."""
    bad = sum(not r.ok for r in results)
    empty = sum(r.ok and r.nothing_checked for r in results)
    good = len(results) - bad - empty
    parts = [f"{good} without a failing step", f"{bad} failing"]
    if empty:
        parts.append(f"{empty} with nothing checked")
    return f"{plural(len(results), 'document')}: {', '.join(parts)}; {seconds:.1f} s"


def to_markdown(results: list[DocumentResult], seconds: float) -> str:
    """A Markdown report of the checked documents (legend of the verdicts, then one table of items per
    document); ``seconds`` is the total run time."""
    lines = [
        "# LaTeX derivation check",
        "",
        batch_line(results, seconds) + ".",
        "",
        "Verdicts: **proved** = exact symbolic identity or verified certificate; **numerically "
        "consistent** = agreement at random admissible points (stated error and tolerance); "
        "**undecided** = neither shown nor refuted (time bound, or a point where one side is undefined); "
        "**refuted** = both sides defined at a point and different there; **parse error** / "
        "**unsupported** = not read (the notation or the unread definition is named), and so is what "
        "depends on it; **definition** = stated by the document (compared with the standard definition "
        "where there is one); **non-standard definition** = a definition of KL, H or the ELBO that "
        "disagrees with the standard one; **assumption** = restricts the domain of the steps; "
        "**condition, not a step** = a special case, an update rule or a relation between parameters; "
        "**statement, not a chain** = an expression or inline relation without a step to check.",
        "",
    ]
    for r in results:
        lines += [f"## {r.path}", "", _esc(r.summary()), ""]
        for note in r.notes:
            lines.append(f"- note: {_esc(note)}")
        lines += ["", "| item | line | verdict | as understood | detail | s |", "|---|---|---|---|---|---|"]
        for s in r.steps:
            detail = s.detail
            if s.alternative:
                reading = s.alternative.get("reading", "the other reading")
                detail += f" — under {reading}: {s.alternative.get('verdict')}"
            if s.verdict == "refuted" and s.counterexample:
                detail += f" — at {json.dumps(s.point(), ensure_ascii=False)}, {json.dumps(s.sides())}"
            lines.append(
                f"| {_esc(s.label)} | {s.line} | {s.verdict} | `{_esc(s.parsed)[:300]}` | "
                f"{_esc(detail)[:700]} | {s.seconds:.2f} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def to_junit(results: list[DocumentResult], seconds: float) -> str:
    """A JUnit XML report: one testcase per item, failing verdicts as failures with their detail, a
    document with nothing checked as a skipped testcase."""
    suite = ET.Element(
        "testsuite", name="latex-check", tests=str(sum(len(r.steps) for r in results)), time=f"{seconds:.3f}"
    )
    failures = skipped = 0
    for r in results:
        if not r.steps:
            skipped += 1
            case = ET.SubElement(suite, "testcase", classname=r.path, name="document", time="0")
            ET.SubElement(case, "skipped", message="nothing checked")
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
    suite.set("skipped", str(skipped))
    suite.set("tests", str(sum(max(len(r.steps), 1) for r in results)))
    return ET.tostring(suite, encoding="unicode")


def check_output_path(path: Path | str, option: str) -> None:
    """``ValueError`` naming ``option`` unless ``path`` can be written: ``-`` (standard output), or a
    file whose folder exists and is writable and which is not itself a folder. Nothing is created: run
    before any work."""
    if str(path) == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"{option}: {str(target)!r} is a directory, not a file")
    parent = target.parent
    if not parent.is_dir():
        what = "does not exist" if not parent.exists() else "is not a directory"
        raise ValueError(f"{option}: the folder {str(parent)!r} {what}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{option}: the folder {str(parent)!r} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise ValueError(f"{option}: {str(target)!r} is not writable")


def to_json(results: list[DocumentResult], seconds: float) -> str:
    """The JSON report (strict JSON): the batch line, the time and every document."""
    return (
        json.dumps(
            {
                "summary": batch_line(results, seconds),
                "seconds": round(seconds, 3),
                "documents": [r.to_json() for r in results],
            },
            indent=2,
            ensure_ascii=False,
            allow_nan=False,
        )
        + "\n"
    )


def write_reports(
    results: list[DocumentResult],
    seconds: float,
    *,
    json_path: Path | str | None = None,
    markdown_path: Path | str | None = None,
    junit_path: Path | str | None = None,
    html_path: Path | str | None = None,
) -> None:
    """Write the JSON, Markdown, JUnit and HTML reports to the paths given (each optional; ``-`` is
    standard output): all of them or none, each file atomically
    (:func:`derivations.runner.report_io.write_all`)."""
    from derivations.runner.report_io import write_all

    files: list[tuple[Path | str, str]] = []
    if json_path:
        files.append((json_path, to_json(results, seconds)))
    if markdown_path:
        files.append((markdown_path, to_markdown(results, seconds)))
    if junit_path:
        files.append((junit_path, to_junit(results, seconds)))
    if html_path:
        from derivations.runner.html_documents import documents_page

        files.append((html_path, documents_page([r.to_json() for r in results], seconds)))
    write_all(files)
