"""The claim report as one self-contained HTML page (``verify --html FILE``).

The page is rendered from the JSON report's dict (:func:`derivations.runner.report.to_json`), so
a saved ``claims.json`` renders the same page later: ``python -m derivations.runner.html_claims
claims.json claims.html [FIGURE.png …]``. It shows the summary (counts by outcome and by kinds of
supporting evidence, wall time), one row per claim that can be filtered by outcome, method,
topic and seed and sorted by id or time, each statement as maths with its source, each piece of
evidence with its verdict (colour and text), tolerance, error, counterexample (point and both
sides), traceback or skip reason, and the findings about the seeds as their own section; the
figures are embedded. The layout follows coverage.py's HTML report: scan, filter, click.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from derivations.runner.html_page import (
    badge,
    detail_html,
    esc,
    figure,
    filter_buttons,
    page,
    select,
    slug,
    sort_button,
    tone,
)
from derivations.runner.mathml import latex_to_mathml, number_to_mathml

_SEED = re.compile(r"seed\s*0*(\d{1,3})", re.IGNORECASE)
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "kappa", "lambda", "mu", "nu", "xi",
          "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega", "ell", "Sigma", "Phi", "Gamma"}
_POINT_KEY = re.compile(r"^\\?([A-Za-z]+)(?:_\{?([A-Za-z0-9]+)\}?)?(?:\[(\d+)\])?$")
_SIDES = ("lhs", "rhs")
OUTCOME_ORDER = ("supported", "finding", "skipped", "refuted", "undecided", "error", "changed")


def seeds_of(source: str) -> list[str]:
    """The seed documents a source cites (``"seed 004"`` → ``["seed 004"]``)."""
    return sorted({f"seed {int(m):03d}" for m in _SEED.findall(source)})


def topic_of(claim_id: str) -> str:
    """A claim's topic: its id up to the first dot (``kl.pinsker`` → ``kl``; ``seed001.x`` →
    ``seed001``)."""
    return claim_id.split(".", 1)[0]


def symbol_mathml(name: str) -> str:
    """A counterexample coordinate's name (``pi[1]``, ``\\mu_q``, ``sigma``) as maths; other names as text."""
    m = _POINT_KEY.match(name)
    if not m:
        return f"<code>{esc(name)}</code>"
    base, sub, index = m.groups()
    tex = ("\\" + base) if base in _GREEK else base
    subs = [s for s in (sub, index) if s]
    if subs:
        tex += "_{" + ",".join(subs) + "}"
    return latex_to_mathml(tex)


def point_html(counterexample: dict[str, Any]) -> str:
    """A counterexample as a definition list: the point's coordinates, then both sides (``lhs``,
    ``rhs``) and any other recorded values, each rendered as maths."""
    ce = dict(counterexample)
    step = ce.pop("step", None)
    sides = {k: ce.pop(k) for k in _SIDES if k in ce}
    rows = []
    if step is not None:
        rows.append(f"<dt>step</dt><dd>{esc(step)}</dd>")
    for k, v in ce.items():
        value = (number_to_mathml(v) if not isinstance(v, (dict, list))
                 else f"<code>{esc(json.dumps(v))}</code>")
        rows.append(f"<dt>{symbol_mathml(k)}</dt><dd>{value}</dd>")
    for k, label in (("lhs", "left side"), ("rhs", "right side")):
        if k in sides:
            rows.append(f'<dt>{label}</dt><dd class="side-value">{number_to_mathml(sides[k])}</dd>')
    return f'<dl class="kv counterexample">{"".join(rows)}</dl>'


def _number(v: Any) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{v:.3g}"
    return esc(v)


def evidence_html(e: dict[str, Any]) -> str:
    """One piece of evidence: method, verdict badge, seconds, tolerance and error, the detail,
    counterexample, traceback (errors) and the steps of a derivation."""
    parts = [f"<strong>{esc(e.get('method', '?'))}</strong> {badge(str(e.get('verdict', '?')))} "
             f"<span class=\"small\">{float(e.get('seconds', 0.0)):.2f} s</span>"]
    if e.get("error") is not None or e.get("tolerance") is not None:
        parts.append(f"<div>error <code>{_number(e.get('error', '—'))}</code> ≤ tolerance "
                     f"<code>{_number(e.get('tolerance', '—'))}</code></div>")
    label = "reason skipped" if e.get("verdict") == "skipped" else "detail"
    detail, _, read_as = str(e.get("detail", "")).partition("; read as ")
    read = f"; read as {latex_to_mathml(read_as)}" if read_as else ""
    parts.append(f'<div class="detail"><span class="small">{label}:</span> {detail_html(detail)}{read}</div>')
    if e.get("counterexample"):
        parts.append("<div><strong>counterexample</strong>" + point_html(e["counterexample"]) + "</div>")
    extra = e.get("extra") or {}
    if extra.get("traceback"):
        parts.append("<details open><summary>traceback</summary>"
                     f"<pre>{esc(extra['traceback'])}</pre></details>")
    steps = extra.get("steps")
    if isinstance(steps, list) and steps:
        rows = "".join(
            f"<tr><td>{esc(s.get('label', ''))}</td><td>{esc(s.get('relation', ''))}</td>"
            f"<td>{badge(str(s.get('verdict', '?')))}</td><td>{esc(s.get('justification', ''))}</td>"
            f"<td class=\"small\">{detail_html(s.get('detail', ''))}</td></tr>"
            for s in steps if isinstance(s, dict))
        parts.append("<details><summary>steps</summary><table><thead><tr><th>step</th><th>rel.</th>"
                     f"<th>verdict</th><th>justification</th><th>detail</th></tr></thead><tbody>{rows}"
                     "</tbody></table></details>")
    return f'<li class="evidence">{"".join(parts)}</li>'


def _kinds(c: dict[str, Any]) -> str:
    if c.get("kind") == "seed_audit":
        return f"expected finding: {esc(c.get('expected'))}"
    n = int(c.get("evidence_kinds", 0))
    return f"{n} kind{'' if n == 1 else 's'} of supporting evidence"


def claim_row(c: dict[str, Any]) -> str:
    """One claim's table row with its data attributes for the filters and the sort."""
    evidence = [e for e in c.get("evidence", []) if isinstance(e, dict)]
    methods = [str(e.get("method")) for e in evidence]
    seconds = sum(float(e.get("seconds", 0.0)) for e in evidence)
    outcome = str(c.get("outcome", "?"))
    seeds = seeds_of(str(c.get("source", "")))
    cid = str(c.get("id", "?"))
    check = c.get("statement_check")
    items = "".join(evidence_html(e) for e in evidence)
    if isinstance(check, dict):
        items += evidence_html(check)
    statement = latex_to_mathml(str(c["latex"]), display=True) if c.get("latex") else ""
    single = (f'<div class="small">fewer than two kinds of evidence: {esc(c["single_evidence_reason"])}</div>'
              if c.get("single_evidence_reason") else "")
    attrs = {"id": cid, "verdict": slug(outcome), "method": "|".join(slug(m) for m in methods),
             "topic": slug(topic_of(cid)), "seed": "|".join(seeds), "seconds": f"{seconds:.4f}",
             "kind": slug(str(c.get("kind", "")))}
    glance = "".join(f"<div>{esc(e.get('method', '?'))} {badge(str(e.get('verdict', '?')))}</div>"
                     for e in evidence)
    data = " ".join(f'data-{k}="{esc(v)}"' for k, v in attrs.items())
    row_class = ' class="bad-row"' if tone(outcome) == "bad" else ""
    breakable = esc(cid).replace(".", ".<wbr>").replace("_", "_<wbr>")  # long ids wrap at . and _
    return (
        f'<tr{row_class} {data}><td><code id="claim-{esc(cid)}">{breakable}</code><div class="small">'
        f"{esc(c.get('kind', ''))}</div></td>"
        f'<td>{badge(outcome, str(c.get("status", outcome)))}<div class="small">{_kinds(c)}</div></td>'
        f'<td class="statement">{statement}<div>{esc(c.get("statement", ""))}</div>'
        f'<div class="small">source: {esc(c.get("source", ""))}</div>{single}</td>'
        f'<td><details{" open" if tone(outcome) == "bad" else ""}>'
        f"<summary>{seconds:.2f} s{glance}</summary>"
        f"<ul>{items}</ul></details></td></tr>"
    )


def _counts(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    order = {k: i for i, k in enumerate(OUTCOME_ORDER)}
    return dict(sorted(out.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))


def claims_table(table_id: str, claims: Sequence[dict[str, Any]]) -> str:
    """A filterable, sortable table of claims with its controls."""
    methods = {str(e.get("method")) for c in claims for e in c.get("evidence", []) if isinstance(e, dict)}
    controls = (
        filter_buttons(table_id, "verdict", _counts(str(c.get("outcome", "?")) for c in claims))
        + '<div class="controls">'
        + select(table_id, "verdict", "outcome", [str(c.get("outcome", "?")) for c in claims])
        + select(table_id, "method", "method", methods)
        + select(table_id, "topic", "topic", [topic_of(str(c.get("id", "?"))) for c in claims])
        + select(table_id, "seed", "seed", [s for c in claims for s in seeds_of(str(c.get("source", "")))])
        + sort_button(table_id, "id", "id") + sort_button(table_id, "seconds", "time", numeric=True)
        + f'<span class="small">showing <span data-shown="{table_id}">{len(claims)}</span> of '
        f"{len(claims)}</span></div>"
    )
    rows = "".join(claim_row(c) for c in claims)
    return (f'{controls}<table id="{table_id}" class="claims" data-filterable><thead><tr><th>claim</th>'
            "<th>outcome</th>"
            f"<th>statement and source</th><th>evidence</th></tr></thead><tbody>{rows}</tbody></table>")


def kinds_summary(claims: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Toolkit claims by the number of kinds of supporting evidence (``"2 kinds"`` → count)."""
    out: dict[str, int] = {}
    for c in claims:
        if c.get("kind") == "toolkit":
            n = int(c.get("evidence_kinds", 0))
            k = f"{n} kind{'' if n == 1 else 's'}"
            out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items(), reverse=True))


def claims_page(report: dict[str, Any], figures: Sequence[tuple[Path | str, str]] = ()) -> str:
    """The claim report page from the JSON report's dict; ``figures``: ``(path, caption)`` images
    embedded as data URIs. ``ValueError`` naming ``report`` when it has no ``claims`` list."""
    if not isinstance(report, dict) or not isinstance(report.get("claims"), list):
        raise ValueError("report: expected the JSON claim report's dict with a 'claims' list")
    claims = [c for c in report["claims"] if isinstance(c, dict)]
    toolkit = [c for c in claims if c.get("kind") != "seed_audit"]
    audits = [c for c in claims if c.get("kind") == "seed_audit"]
    kinds = "".join(f'<li><span class="n" data-kinds="{esc(k)}">{n}</span> toolkit claims with {esc(k)} of '
                    "supporting evidence</li>" for k, n in kinds_summary(claims).items())
    seconds = float(report.get("seconds", 0.0))
    overall = badge("supported", "OK") if report.get("ok") else badge("error", "NOT OK")
    summary = (
        f'<section id="summary"><p>{esc(report.get("summary", ""))}</p>'
        f'<p><span data-total="claims">{len(claims)}</span> claims, wall time '
        f'<span data-seconds>{seconds:.1f}</span> s; overall {overall}</p>'
        f"<ul>{kinds}</ul>"
        '<p class="small">Verdicts: <b>proved</b> = exact symbolic identity or verified certificate; '
        "<b>numerically consistent</b> = agreement at stated points or Monte Carlo within the stated "
        "tolerance; <b>undecided</b> = time bound hit; <b>refuted</b> = counterexample; <b>error</b> = "
        "the evidence function raised (traceback shown); <b>skipped</b> = an optional dependency is "
        "missing (named).</p></section>"
    )
    body = summary + "<h2>Toolkit claims</h2>" + claims_table("claims", toolkit)
    body += ("<h2 id=\"seed-findings\">Findings about the seeds</h2><p class=\"small\">Each audit re-checks "
             "a seed's derivation; <b>finding</b> = the expected verdict (e.g. a sign error refuted) was "
             "reproduced.</p>" + claims_table("findings", audits))
    if figures:
        body += "<h2 id=\"figures\">Figures</h2>" + "".join(figure(p, cap) for p, cap in figures)
    run = report.get("run_id", "")
    return page("Verification report", body, subtitle=f"run {run}" if run else "")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m derivations.runner.html_claims REPORT.json OUT.html [FIGURE …]``."""
    from derivations.runner.report_io import atomic_write_text

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: python -m derivations.runner.html_claims REPORT.json OUT.html [FIGURE …]",
              file=sys.stderr)
        return 2
    report = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    figures = [(Path(f), Path(f).stem.replace("_", " ")) for f in args[2:]]
    atomic_write_text(args[1], claims_page(report, figures))
    return 0


__all__ = ["claims_page", "point_html", "seeds_of", "symbol_mathml", "topic_of"]

if __name__ == "__main__":
    sys.exit(main())
