"""Run claims' evidence and write the report (JSON, Markdown, JUnit XML, HTML).

Each claim × method is one task, run on worker processes by :func:`derivations.runner.executor.run_tasks`
(``jobs``), the slowest first (from the last recorded timings). An evidence function that raises
gives an *error* verdict with its traceback; the run goes on.

Exit status of :func:`verify`: :data:`EXIT_OK` (0) when every toolkit claim is supported (or
skipped for a missing optional dependency) and every seed audit shows its expected finding;
:data:`EXIT_NOT_OK` (1) when a claim is refuted, undecided or errored, or a finding changed. The
command line adds :data:`EXIT_USAGE` (2) and :data:`EXIT_INTERNAL` (3).

Reports are written all-or-nothing (:func:`derivations.runner.report_io.write_all`): every file goes to a
temporary file beside its target, and only when all are written are they renamed over the targets.
"""

from __future__ import annotations

import json
import math
import pickle
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from derivations.checker.verdicts import Evidence, Verdict
from derivations.claims.evidence_coverage import single_evidence_reason
from derivations.runner.executor import run_tasks
from derivations.runner.registry import METHODS, Claim, get_claim, resolve_ids, run_evidence, run_warm_ups
from derivations.runner.report_io import check_writable, write_all

EXIT_OK = 0
EXIT_NOT_OK = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

#: Where the recorded evidence timings live (written by ``benchmarks/report_time.py``); used to
#: start the slowest claims first when no previous JSON report is at hand.
TIMINGS_FILE = Path(__file__).with_name("claim_seconds.json")
_METHOD_ORDER = {"torch": 0, "symbolic": 1, "property": 2, "numeric": 3}


@dataclass
class ClaimResult:
    """The evidence gathered for one claim."""

    claim: Claim
    evidence: list[Evidence]
    #: The comparison of the claim's LaTeX with the relation its verifier checks:
    #: an Evidence whose method is ``statement`` (proved: they match; error: mismatch, parse
    #: error, …), or None where the claim has no checked statement or it was not run.
    statement_check: Evidence | None = None

    def _counted(self) -> list[Evidence]:
        return [e for e in self.evidence if e.verdict not in (Verdict.SKIPPED, Verdict.NOT_RUN)]

    @property
    def outcome(self) -> str:
        """One word: ``supported``, ``refuted``, ``undecided``, ``error``, ``skipped`` (toolkit
        claims) or ``finding`` / ``changed`` / ``error`` (seed audits)."""
        counted = self._counted()
        if any(e.verdict is Verdict.ERROR for e in counted):
            return "error"
        if self.statement_check is not None and not self.statement_check.verdict.supports:
            return "error"  # the statement shown is not the statement checked
        if self.claim.kind == "seed_audit":
            if not counted:
                return "skipped" if self.evidence else "changed"
            return "finding" if all(e.verdict is self.claim.expected for e in counted) else "changed"
        if not counted:
            return "skipped" if self.evidence else "undecided"
        if any(e.verdict is Verdict.REFUTED for e in counted):
            return "refuted"
        if all(e.verdict.supports for e in counted):
            return "supported"
        return "undecided"

    @property
    def ok(self) -> bool:
        """Toolkit claim: all evidence that ran supports it. Seed audit: the expected finding."""
        return self.outcome in ("supported", "finding", "skipped")

    @property
    def status(self) -> str:
        """A short human-readable status."""
        outcome = self.outcome
        if outcome == "skipped":
            reasons = sorted({e.detail for e in self.evidence if e.verdict is Verdict.SKIPPED})
            return f"skipped ({'; '.join(reasons)})"
        if self.claim.kind == "seed_audit" and outcome != "error":
            found = ", ".join(sorted({e.verdict.value for e in self._counted()}))
            return f"finding: {found}" + ("" if self.ok else f" (CHANGED: expected {self.claim.expected})")
        return {"supported": "supported", "refuted": "NOT SUPPORTED (refuted)",
                "undecided": "NOT SUPPORTED (undecided)", "error": "ERROR"}[outcome]

    @property
    def evidence_kinds(self) -> int:
        """How many methods support the claim (proved or numerically consistent)."""
        return len({e.method for e in self.evidence if e.verdict.supports})

    def to_json(self) -> dict[str, Any]:
        """The claim's row of the JSON report."""
        c = self.claim
        return {
            "id": c.id,
            "kind": c.kind,
            "statement": c.statement,
            "latex": c.latex,
            "source": c.source,
            "expected": c.expected.value if c.expected else None,
            "outcome": self.outcome,
            "status": self.status,
            "ok": self.ok,
            "evidence_kinds": self.evidence_kinds,
            "single_evidence_reason": single_evidence_reason(c.id),
            "evidence": [e.to_json() for e in self.evidence],
            "statement_check": self.statement_check.to_json() if self.statement_check else None,
        }


# ---------------------------------------------------------------------------------------------
# Running


STATEMENT = "statement"


def _statement_evidence(claim_id: str) -> Evidence:
    """Compare the claim's LaTeX with the relation its verifier checks
    (:func:`derivations.claims.statements.check_claim_statements`): *proved* when they match,
    *error* otherwise (a mismatch, LaTeX that does not parse, an undecided comparison)."""
    from derivations.claims.statements import check_claim_statements

    start = time.perf_counter()
    try:
        (res,) = check_claim_statements([get_claim(claim_id)])
        ok, detail = res.ok, f"{res.status}: {getattr(res, 'detail', '') or getattr(res, 'reason', '')}"
        counterexample = getattr(res, "counterexample", None)
        parsed = getattr(res, "parsed", "")
    except Exception as exc:  # a failure here is this claim's error, never the run's
        ok, detail, counterexample, parsed = False, f"error: {type(exc).__name__}: {exc}", None, ""
    return Evidence(
        STATEMENT, Verdict.PROVED if ok else Verdict.ERROR,
        f"the claim's LaTeX {'states' if ok else 'does NOT state'} the relation its verifier checks "
        f"({detail}); read as {parsed}" if parsed else detail,
        seconds=time.perf_counter() - start,
        counterexample=None if ok else (counterexample or None),
    )


def _run_task(task: tuple[str, str]) -> Evidence:
    """Run one claim × method (a top-level function: it runs in worker processes)."""
    claim_id, method = task
    ev = _statement_evidence(claim_id) if method == STATEMENT else run_evidence(get_claim(claim_id), method)
    try:
        pickle.dumps(ev)
    except Exception as exc:  # the result must travel back from a worker process
        ev = Evidence(method, Verdict.ERROR, f"the evidence is not picklable: {exc!r}",
                      seconds=ev.seconds)
    return ev


def recorded_seconds(previous_json: Path | None = None) -> dict[str, float]:
    """Recorded seconds per ``"claim_id:method"``: from a previous JSON report if given and
    readable, else from :data:`TIMINGS_FILE`; empty if neither exists."""
    for path in (previous_json, TIMINGS_FILE):
        if path is None or not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "claims" in data:
            return {f"{c['id']}:{e['method']}": float(e["seconds"])
                    for c in data["claims"] for e in c.get("evidence", [])}
        if isinstance(data, dict):
            return {str(k): float(v) for k, v in data.items()}
    return {}


def order_tasks(tasks: list[tuple[str, str]], seconds: dict[str, float]) -> list[tuple[str, str]]:
    """Longest first by recorded seconds; unknown tasks first among equals, then by method kind
    (torch, symbolic, property, numeric)."""
    def key(task: tuple[str, str]) -> tuple[float, int]:
        recorded = seconds.get(f"{task[0]}:{task[1]}", math.inf)
        return (-recorded, _METHOD_ORDER.get(task[1], 9))

    return sorted(tasks, key=key)


def select_claims(claims: list[Claim], methods: tuple[str, ...], *, strict: bool) -> list[tuple[str, str]]:
    """The claim × method tasks; with ``strict``, a requested method a claim lacks is a
    ``ValueError`` naming the claim and the methods it has."""
    tasks = []
    for claim in claims:
        have = [m for m in METHODS if m in claim.evidence_fns]
        chosen = [m for m in have if m in methods]
        if strict and not chosen:
            raise ValueError(
                f"method: claim {claim.id!r} has no {'/'.join(methods)} evidence; its methods: "
                f"{', '.join(have) or 'none'}"
            )
        tasks += [(claim.id, m) for m in chosen]
    return tasks


def run_claims(
    ids: list[str] | None = None,
    methods: tuple[str, ...] = METHODS,
    *,
    jobs: int | None = 1,
    scheduler: str | None = None,
    progress: bool | None = False,
    timings: dict[str, float] | None = None,
    statements: bool = False,
) -> list[ClaimResult]:
    """Run the evidence of the claims (ids, globs or prefixes; default: all) for ``methods``.

    ``jobs``/``scheduler``/``progress`` as in :func:`derivations.runner.executor.run_tasks`
    (default: serially in this process). A requested method a named claim lacks is a
    ``ValueError`` (only when ids were given). ``statements``: also compare each claim's LaTeX
    with the relation its verifier checks (a mismatch is an *error* for that claim)."""
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise ValueError(f"methods: expected a non-empty subset of {METHODS}, got {methods!r}")
    claims = resolve_ids(ids)
    strict = bool(ids) and tuple(methods) != METHODS
    tasks = select_claims(claims, tuple(methods), strict=strict)
    ordered = order_tasks(tasks, timings or {})
    if statements:
        from derivations.claims.statements import CHECKED_STATEMENTS

        ordered += [(c.id, STATEMENT) for c in claims if c.id in CHECKED_STATEMENTS]
    if scheduler is None and (jobs is None or jobs > 1) and len(ordered) > 1:
        run_warm_ups({m for _, m in ordered if m in METHODS})  # once here, inherited by the workers
    evs = run_tasks(_run_task, ordered, jobs=jobs, scheduler=scheduler, progress=progress,
                    desc="claims")
    by_task = dict(zip(ordered, evs, strict=True))
    return [
        ClaimResult(c, [by_task[(c.id, m)] for m in METHODS if (c.id, m) in by_task],
                    by_task.get((c.id, STATEMENT)))
        for c in claims
    ]


# ---------------------------------------------------------------------------------------------
# Formatting


def _fmt_evidence(e: Evidence) -> str:
    out = e.verdict.value
    if e.verdict is Verdict.NUMERIC:
        out += f" (error {e.error:.2g} ≤ tol {e.tolerance:.2g})"
    elif e.verdict is Verdict.SKIPPED:
        out += f" ({e.detail})"
    return out


def table(results: list[ClaimResult]) -> str:
    """A plain-text table: one row per claim × method."""
    rows = [("claim", "method", "verdict", "seconds")]
    for r in results:
        for e in r.evidence or [Evidence("-", Verdict.NOT_RUN, "no evidence")]:
            rows.append((r.claim.id, e.method, _fmt_evidence(e), f"{e.seconds:.2f}"))
    widths = [max(len(row[k]) for row in rows) for k in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_line(results: list[ClaimResult], seconds: float) -> str:
    """``N claims: a supported, b skipped, …; by kinds of supporting evidence: …; t s``."""
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    order = ("supported", "finding", "skipped", "refuted", "undecided", "error", "changed")
    parts = [f"{counts[k]} {'seed findings as expected' if k == 'finding' else k}"
             for k in order if counts.get(k)]
    kinds: dict[int, int] = {}
    for r in results:
        if r.claim.kind == "toolkit":
            kinds[r.evidence_kinds] = kinds.get(r.evidence_kinds, 0) + 1
    by_kinds = ", ".join(f"{kinds[k]} with {k}" for k in sorted(kinds, reverse=True))
    return (f"{len(results)} claims: {', '.join(parts)}; toolkit claims by kinds of supporting "
            f"evidence: {by_kinds or 'none'}; {seconds:.1f} s")


def failure_lines(results: list[ClaimResult]) -> list[str]:
    """For each claim not OK: its status, and for a refuted chain the failing step, its point and
    both sides; for an error the exception."""
    out = []
    for r in results:
        if r.ok:
            continue
        out.append(f"NOT OK: {r.claim.id}: {r.status}")
        for e in r.evidence:
            if e.verdict is Verdict.REFUTED and e.counterexample:
                ce = dict(e.counterexample)
                step = ce.pop("step", None)
                lhs, rhs = ce.pop("lhs", None), ce.pop("rhs", None)
                point = ", ".join(f"{k} = {v}" for k, v in ce.items())
                where = f"step {step} " if step else ""
                out.append(f"  [{e.method}] refuted {where}at {point or '(no point)'}")
                if lhs is not None or rhs is not None:
                    out.append(f"    left side = {lhs}, right side = {rhs}")
            elif e.verdict is not Verdict.SKIPPED and not e.verdict.supports:
                out.append(f"  [{e.method}] {e.verdict.value}: {e.detail}")
    return out


def slowest_lines(results: list[ClaimResult], n: int = 5) -> list[str]:
    """The ``n`` slowest claim × method tasks."""
    evs = sorted(((e.seconds, r.claim.id, e.method) for r in results for e in r.evidence), reverse=True)
    return [f"  {s:6.1f} s  {cid} [{m}]" for s, cid, m in evs[:n]]


# the characters that can start emphasis, code, links, HTML or strikethrough, or end a table cell
# inside a line (list and heading markers only matter at a line's start, which cells never are)
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~"})


def md_text(s: str) -> str:
    """Escape text for a Markdown table cell: no emphasis, links or cell breaks from SymPy text
    such as ``s**2 + w**2``."""
    return " ".join(s.split()).translate(_MD_SPECIAL)


def md_code(s: str) -> str:
    """A Markdown code span holding ``s`` verbatim (fenced with more backticks than it contains);
    ``|`` is escaped, which GitHub tables require even inside code spans."""
    s = " ".join(s.split())
    longest = count = 0
    for ch in s:
        count = count + 1 if ch == "`" else 0
        longest = max(longest, count)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s else ""
    return f"{fence}{pad}{s.replace('|', chr(92) + '|')}{pad}{fence}"


#: the longest line the Markdown report writes (a long detail wraps onto indented lines)
MD_WIDTH = 200
#: a detail longer than this is cut in the Markdown report (the JSON and HTML reports keep it whole)
MD_DETAIL = 400


def _md_wrap(text: str, first: str = "", indent: str = "  ") -> list[str]:
    """``first + text`` wrapped at :data:`MD_WIDTH` characters, continuation lines indented (a list
    item's paragraph goes on); breaks only at spaces, except inside a word longer than a line."""
    import textwrap

    return textwrap.wrap(text, MD_WIDTH, initial_indent=first, subsequent_indent=indent,
                         break_on_hyphens=False) or [first.rstrip()]


def _md_detail(detail: str) -> str:
    detail = " ".join(detail.split())
    if len(detail) > MD_DETAIL:
        detail = detail[:MD_DETAIL].rsplit(" ", 1)[0] + " … (whole in the JSON and HTML reports)"
    return md_text(detail)


def _md_point(ce: dict[str, Any]) -> str:
    ce = dict(ce)
    step = ce.pop("step", None)
    sides = {k: ce.pop(k) for k in ("lhs", "rhs") if k in ce}
    point = ", ".join(f"{k} = {v}" for k, v in ce.items())
    text = (f"step {step} " if step else "") + (f"at {point}" if point else "")
    if sides:
        text += f"; left side = {sides.get('lhs', '?')}, right side = {sides.get('rhs', '?')}"
    return md_text(text.strip())


def _md_section(r: ClaimResult) -> list[str]:
    """One claim: heading, statement, source, outcome, then one item per piece of evidence."""
    c = r.claim
    lines = ["", f"### {md_code(c.id)}", ""]
    lines += _md_wrap(md_text(c.statement), indent="")
    lines.append("")
    lines += _md_wrap(md_text(c.source), "- source: ")
    kinds = f" ({r.evidence_kinds} kinds of supporting evidence)" if c.kind == "toolkit" else ""
    lines += _md_wrap(md_text(r.status) + kinds, "- outcome: ")
    for e in r.evidence + ([r.statement_check] if r.statement_check else []):
        verdict = e.verdict.value if e.verdict is Verdict.SKIPPED else _fmt_evidence(e)
        lines += _md_wrap(f"{md_text(verdict)}: {_md_detail(e.detail)}", f"- {e.method}: ")
        if e.counterexample:
            lines += _md_wrap(_md_point(e.counterexample), "  - counterexample: ", "    ")
        if e.verdict is Verdict.ERROR and e.extra.get("traceback"):
            last = str(e.extra["traceback"]).strip().splitlines()[-1]
            lines += _md_wrap(md_text(last), "  - raised: ", "    ")
    return lines


def to_markdown(results: list[ClaimResult], seconds: float, run_id: str = "") -> str:
    """The Markdown report: a summary table (one row per claim, one column per method, verdicts
    only), then one short section per claim (statement, source, outcome, each evidence with its
    detail, counterexample point and both sides). No line is longer than :data:`MD_WIDTH`; SymPy
    text is escaped or in code spans."""
    toolkit = [r for r in results if r.claim.kind == "toolkit"]
    audits = [r for r in results if r.claim.kind == "seed_audit"]
    lines = ["# Verification report", ""]
    lines += _md_wrap(md_text(summary_line(results, seconds)) + ".", indent="")
    lines.append("")
    lines += _md_wrap(
        "Verdicts: **proved** = exact symbolic identity (or verified non-negativity certificate); "
        "**numerically consistent** = agreement at stated points / Monte Carlo within the stated "
        "tolerance; **undecided** = time bound hit; **refuted** = counterexample; **error** = the "
        "evidence function raised; **skipped** = an optional dependency is missing.", indent="")
    lines += ["", "## Summary", "", "| claim | outcome | " + " | ".join(METHODS) + " |",
              "|---|---|" + "---|" * len(METHODS)]
    for r in results:
        by = {e.method: md_text(e.verdict.value) for e in r.evidence}
        outcome = md_text(r.outcome if r.claim.kind == "toolkit" or r.outcome == "error" else
                          ("finding" if r.ok else "CHANGED"))
        lines.append(f"| {md_code(r.claim.id)} | {outcome} | " + " | ".join(by.get(m, "—") for m in METHODS)
                     + " |")
    lines += ["", "## Toolkit claims"]
    for r in toolkit:
        lines += _md_section(r)
    single = [(r, single_evidence_reason(r.claim.id)) for r in toolkit if r.evidence_kinds < 2]
    if single:
        lines += ["", "### Toolkit claims with fewer than two kinds of supporting evidence", ""]
        for r, why in single:
            reason = md_text(why or "no reason recorded (a gap to close)")
            lines += _md_wrap(reason, f"- {md_code(r.claim.id)}: ")
    lines += ["", "## Findings about the seeds"]
    for r in audits:
        lines += _md_section(r)
    checked = [r for r in results if r.statement_check is not None]
    if checked:
        good = sum(r.statement_check.verdict.supports for r in checked if r.statement_check)
        lines += ["", "## The statement shown is the statement checked", ""]
        lines += _md_wrap(f"{good}/{len(checked)} claims' LaTeX parsed and proved identical to the relation "
                          "their verifier checks (the others have no comparable statement; see "
                          "derivations/claims/statements.py for the reason per claim).", indent="")
        lines.append("")
        for r in checked:
            if r.statement_check and not r.statement_check.verdict.supports:
                lines += _md_wrap(_md_detail(r.statement_check.detail), f"- {md_code(r.claim.id)}: ")
    if run_id:
        lines += ["", f"<!-- run {run_id} -->"]
    return "\n".join(lines) + "\n"


def _strict(value: Any) -> Any:
    """Replace non-finite floats by their names, so the JSON is strict (no bare NaN/Infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value


def to_json(results: list[ClaimResult], seconds: float, run_id: str = "") -> str:
    """The JSON report (strict JSON, UTF-8 text)."""
    return json.dumps(_strict({
        "run_id": run_id,
        "seconds": round(seconds, 3),
        "summary": summary_line(results, seconds),
        "ok": all(r.ok for r in results),
        "claims": [r.to_json() for r in results],
    }), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _junit_good(r: ClaimResult, e: Evidence) -> bool:
    if r.claim.kind == "seed_audit":
        return e.verdict is r.claim.expected
    return e.verdict.supports


def to_junit(results: list[ClaimResult], seconds: float, run_id: str = "",
             timestamp: datetime | None = None) -> str:
    """A JUnit XML report valid against Jenkins' junit-10.xsd: ``<testsuites>`` with one
    ``<testsuite>`` (tests, failures, errors, skipped, timestamp, time); a refuted / undecided /
    changed finding is a ``<failure>`` (with the counterexample), an evidence function that raised
    an ``<error>`` (with the traceback), a missing optional dependency ``<skipped>``."""
    stamp = (timestamp or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites", name="variational-verify claims")
    suite = ET.SubElement(root, "testsuite", name="claims", timestamp=stamp, hostname="localhost",
                          id="0", package="derivations")
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="run_id", value=run_id)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for r in results:
        for e in r.evidence:
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", classname=r.claim.id, name=e.method,
                                 time=f"{e.seconds:.3f}")
            if e.verdict is Verdict.SKIPPED:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=e.detail)
            elif e.verdict is Verdict.ERROR:
                counts["errors"] += 1
                tb = str(e.extra.get("traceback", e.detail))
                ET.SubElement(case, "error", message=e.detail[:500], type="error").text = tb
            elif not _junit_good(r, e):
                counts["failures"] += 1
                text = e.detail
                if e.counterexample:
                    text += "\ncounterexample: " + json.dumps(e.counterexample, ensure_ascii=False)
                expected = f" (expected {r.claim.expected})" if r.claim.kind == "seed_audit" else ""
                ET.SubElement(case, "failure", message=f"{e.verdict.value}{expected}",
                              type=e.verdict.value).text = text
            else:
                ET.SubElement(case, "system-out").text = f"{e.verdict.value}: {e.detail}"
    for k, v in counts.items():
        suite.set(k, str(v))
    suite.set("time", f"{seconds:.3f}")
    for k in ("tests", "failures", "errors"):
        root.set(k, str(counts[k]))
    root.set("time", f"{seconds:.3f}")
    ET.SubElement(suite, "system-out").text = summary_line(results, seconds)
    ET.SubElement(suite, "system-err").text = ""
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


# ---------------------------------------------------------------------------------------------
# The command


def write_reports(results: list[ClaimResult], seconds: float, *, json_path: Path | str | None = None,
                  markdown_path: Path | str | None = None, junit_path: Path | str | None = None,
                  html_path: Path | str | None = None, run_id: str = "",
                  stdout: TextIO | None = None) -> None:
    """Write the requested reports all-or-nothing (``"-"``: standard output)."""
    texts: list[tuple[Path | str, str]] = []
    if html_path is not None:
        from derivations.runner.html_claims import claims_page

        texts.append((html_path, claims_page(json.loads(to_json(results, seconds, run_id)))))
    if json_path is not None:
        texts.append((json_path, to_json(results, seconds, run_id)))
    if markdown_path is not None:
        texts.append((markdown_path, to_markdown(results, seconds, run_id)))
    if junit_path is not None:
        texts.append((junit_path, to_junit(results, seconds, run_id)))
    write_all(texts, stdout=stdout)


def verify(
    ids: list[str] | None,
    methods: tuple[str, ...] = METHODS,
    *,
    json_path: Path | str | None = None,
    markdown_path: Path | str | None = None,
    junit_path: Path | str | None = None,
    html_path: Path | str | None = None,
    quiet: bool = False,
    verbose: bool = False,
    jobs: int | None = 1,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> int:
    """Run the claims and write the reports; return :data:`EXIT_OK` or :data:`EXIT_NOT_OK`.

    The output paths are checked (a writable directory) before any claim runs: ``ValueError``.
    Console output goes to stdout, or to stderr when a report is written to stdout (``"-"``)."""
    paths = {"json": json_path, "markdown": markdown_path, "junit": junit_path, "html": html_path}
    dashes = [k for k, p in paths.items() if p is not None and str(p) == "-"]
    if len(dashes) > 1:
        raise ValueError(f"{'/'.join(dashes)}: only one report can go to standard output ('-')")
    for name, p in paths.items():
        if p is not None and str(p) != "-":
            check_writable(Path(p), name)
    previous = Path(json_path) if json_path is not None and str(json_path) != "-" else None
    timings = recorded_seconds(previous)
    out = sys.stderr if dashes else sys.stdout
    start = time.perf_counter()
    results = run_claims(ids, methods, jobs=jobs, scheduler=scheduler, progress=progress,
                         timings=timings, statements=tuple(methods) == METHODS)
    seconds = time.perf_counter() - start
    write_reports(results, seconds, json_path=json_path, markdown_path=markdown_path,
                  junit_path=junit_path, html_path=html_path, run_id=uuid.uuid4().hex)
    if verbose:
        print(table(results), file=out)
        print(file=out)
    print(summary_line(results, seconds), file=out)
    for line in failure_lines(results):
        print(line, file=out)
    if not quiet:
        print("slowest:", file=out)
        for line in slowest_lines(results):
            print(line, file=out)
    out.flush()
    return EXIT_OK if all(r.ok for r in results) else EXIT_NOT_OK


def default_jobs() -> int:
    """The default ``--jobs``: the CPUs available to this process."""
    from derivations.runner.executor import available_cpus

    return available_cpus()


__all__ = [
    "EXIT_INTERNAL",
    "EXIT_NOT_OK",
    "EXIT_OK",
    "EXIT_USAGE",
    "ClaimResult",
    "run_claims",
    "to_json",
    "to_junit",
    "to_markdown",
    "verify",
    "write_reports",
]
