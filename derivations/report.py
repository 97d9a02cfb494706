"""Run claims' evidence and write the report (JSON, Markdown, JUnit XML).

Exit status of :func:`main`: 0 when every toolkit claim's evidence supports it (proved or
numerically consistent) and every seed audit shows its expected finding; 1 otherwise.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from derivations.checker.verdicts import Evidence, Verdict
from derivations.registry import METHODS, Claim, all_claims, get_claim, run_evidence


@dataclass
class ClaimResult:
    claim: Claim
    evidence: list[Evidence]

    @property
    def ok(self) -> bool:
        """Toolkit claim: all evidence supports it. Seed audit: the finding is the expected one."""
        if self.claim.kind == "seed_audit":
            return all(e.verdict is self.claim.expected for e in self.evidence)
        return bool(self.evidence) and all(
            e.verdict.supports or e.verdict is Verdict.NOT_RUN for e in self.evidence
        ) and any(e.verdict.supports for e in self.evidence)

    @property
    def status(self) -> str:
        if self.claim.kind == "seed_audit":
            found = ", ".join(sorted({e.verdict.value for e in self.evidence}))
            return f"finding: {found}" + ("" if self.ok else f" (expected {self.claim.expected})")
        return "supported" if self.ok else "NOT SUPPORTED"

    def to_json(self) -> dict[str, Any]:
        c = self.claim
        return {
            "id": c.id,
            "kind": c.kind,
            "statement": c.statement,
            "latex": c.latex,
            "source": c.source,
            "expected": c.expected.value if c.expected else None,
            "status": self.status,
            "ok": self.ok,
            "evidence": [e.to_json() for e in self.evidence],
        }


def run_claims(ids: list[str] | None = None, methods: tuple[str, ...] = METHODS) -> list[ClaimResult]:
    claims = [get_claim(i) for i in ids] if ids else all_claims()
    results = []
    for claim in claims:
        evs = []
        for method in METHODS:
            if method not in methods:
                continue
            if method in claim.evidence_fns:
                evs.append(run_evidence(claim, method))
        results.append(ClaimResult(claim, evs))
    return results


def _fmt_evidence(e: Evidence) -> str:
    out = e.verdict.value
    if e.verdict is Verdict.NUMERIC:
        out += f" (error {e.error:.2g} ≤ tol {e.tolerance:.2g})"
    return out


def table(results: list[ClaimResult]) -> str:
    rows = [("claim", "method", "verdict", "seconds")]
    for r in results:
        for e in r.evidence or [Evidence("-", Verdict.NOT_RUN, "no evidence")]:
            rows.append((r.claim.id, e.method, _fmt_evidence(e), f"{e.seconds:.2f}"))
    widths = [max(len(row[k]) for row in rows) for k in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_markdown(results: list[ClaimResult], seconds: float) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    toolkit = [r for r in results if r.claim.kind == "toolkit"]
    audits = [r for r in results if r.claim.kind == "seed_audit"]
    ok = sum(r.ok for r in toolkit)
    lines = [
        "# Verification report",
        "",
        f"{ok}/{len(toolkit)} toolkit claims supported; {len(audits)} seed audits; "
        f"{seconds:.1f} s in all.",
        "",
        "Verdicts: **proved** = exact symbolic identity (or verified non-negativity certificate); "
        "**numerically consistent** = agreement at random points / Monte Carlo within the stated "
        "tolerance; **undecided** = time bound hit; **refuted** = counterexample.",
        "",
        "## Toolkit claims",
        "",
        "| claim | statement | source | " + " | ".join(METHODS) + " |",
        "|---|---|---|" + "---|" * len(METHODS),
    ]
    for r in toolkit:
        by = {e.method: _fmt_evidence(e) for e in r.evidence}
        cells = [by.get(m, "—") for m in METHODS]
        lines.append(
            f"| `{r.claim.id}` | {esc(r.claim.statement)} | {esc(r.claim.source)} | "
            + " | ".join(cells) + " |"
        )
    lines += ["", "## Findings about the seeds", "",
              "| audit | statement | source | finding | first failing step |", "|---|---|---|---|---|"]
    for r in audits:
        first = next((e.counterexample.get("step", "") for e in r.evidence if e.counterexample), "")
        finding = ", ".join(e.verdict.value for e in r.evidence)
        lines.append(
            f"| `{r.claim.id}` | {esc(r.claim.statement)} | {esc(r.claim.source)} | "
            f"{finding}{'' if r.ok else ' (CHANGED)'} | {first} |"
        )
    lines += ["", "## Details", ""]
    for r in results:
        for e in r.evidence:
            lines.append(f"- `{r.claim.id}` [{e.method}] {e.verdict.value}: {esc(e.detail)}")
            if e.counterexample:
                lines.append(f"  - counterexample: `{json.dumps(e.counterexample, ensure_ascii=False)}`")
    return "\n".join(lines) + "\n"


def to_junit(results: list[ClaimResult], seconds: float) -> str:
    suite = ET.Element("testsuite", name="claims", tests=str(sum(len(r.evidence) for r in results)),
                       time=f"{seconds:.3f}")
    failures = 0
    for r in results:
        for e in r.evidence:
            case = ET.SubElement(suite, "testcase", classname=r.claim.id, name=e.method,
                                 time=f"{e.seconds:.3f}")
            good = (e.verdict is r.claim.expected) if r.claim.kind == "seed_audit" else (
                e.verdict.supports or e.verdict is Verdict.NOT_RUN)
            if not good:
                failures += 1
                ET.SubElement(case, "failure", message=e.verdict.value).text = e.detail
            else:
                ET.SubElement(case, "system-out").text = f"{e.verdict.value}: {e.detail}"
    suite.set("failures", str(failures))
    return ET.tostring(suite, encoding="unicode")


def write_reports(results: list[ClaimResult], seconds: float, *, json_path: Path | None,
                  markdown_path: Path | None, junit_path: Path | None) -> None:
    for path in (json_path, markdown_path, junit_path):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    if json_path:
        json_path.write_text(json.dumps(
            {"seconds": round(seconds, 3), "claims": [r.to_json() for r in results]},
            indent=2, ensure_ascii=False))
    if markdown_path:
        markdown_path.write_text(to_markdown(results, seconds))
    if junit_path:
        junit_path.write_text(to_junit(results, seconds))


def verify(ids: list[str] | None, methods: tuple[str, ...], *, json_path: Path | None = None,
           markdown_path: Path | None = None, junit_path: Path | None = None,
           quiet: bool = False) -> int:
    start = time.perf_counter()
    results = run_claims(ids, methods)
    seconds = time.perf_counter() - start
    write_reports(results, seconds, json_path=json_path, markdown_path=markdown_path,
                  junit_path=junit_path)
    if not quiet:
        print(table(results))
        bad = [r for r in results if not r.ok]
        print(f"\n{len(results)} claims, {len(results) - len(bad)} ok, {len(bad)} not ok; "
              f"{seconds:.1f} s")
        for r in bad:
            print(f"  NOT OK: {r.claim.id}: {r.status}")
    return 0 if all(r.ok for r in results) else 1
