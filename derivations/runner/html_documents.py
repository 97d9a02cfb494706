"""Checked LaTeX documents as one self-contained HTML page (``check --html FILE``).

Rendered from the JSON-able dicts of :meth:`derivations.latex.report.DocumentResult.to_json`
(one per document), so it needs nothing but those dicts. For a class's submissions a TA sees the
batch summary first (documents with and without a failing step, counts per verdict), then per
document: its summary, the definitions and assumptions it states, and each display as the
author wrote it beside what the tool understood, with the step's verdict (colour and text);
a refuted step shows its point (only the symbols the step uses) and both sides; unsupported
notation is highlighted and quoted as written.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from derivations.runner.html_claims import point_html
from derivations.runner.html_page import (
    STYLE,
    badge,
    detail_html,
    esc,
    filter_buttons,
    page,
    select,
    slug,
    sort_button,
    tone,
)
from derivations.runner.mathml import latex_to_mathml, text_with_maths

_NOT_STEPS = ("definition", "statement, not a chain")
_UNREAD = ("unsupported", "parse error")
_WORD = re.compile(r"\\?[A-Za-z]+")


def _symbols_used(step: dict[str, Any]) -> set[str]:
    """The names written in a step (letters and LaTeX commands), for trimming its point."""
    text = f"{step.get('latex', '')} {step.get('parsed', '')}"
    names = set(_WORD.findall(text))
    return names | {n.lstrip("\\") for n in names}


def trimmed_point(step: dict[str, Any]) -> dict[str, Any]:
    """The counterexample of a step with only the coordinates of symbols the step uses (plus
    ``lhs``/``rhs``/``value``): ``pi[1]`` is kept when ``\\pi`` (or ``pi``) appears, ``\\mu_q`` when
    ``\\mu`` does."""
    ce = step.get("counterexample") or {}
    used = _symbols_used(step)
    out: dict[str, Any] = {}
    for k, v in ce.items():
        base = re.split(r"[\[_{]", str(k).lstrip("\\"), maxsplit=1)[0]
        if k in ("lhs", "rhs", "value", "step") or base in used or f"\\{base}" in used:
            out[k] = v
    return out or dict(ce)


def step_row(step: dict[str, Any]) -> str:
    """One display: as written (rendered, or quoted and highlighted when not read) beside what the
    tool understood, its verdict, detail, justification, counterexample."""
    verdict = str(step.get("verdict", "?"))
    latex = str(step.get("latex", ""))
    if verdict in _UNREAD or step.get("kind") in _UNREAD:
        written = (f'<div class="unsupported-tex"><span class="small">not read — quoted as written:</span> '
                   f"<code>{esc(latex)}</code></div>" + latex_to_mathml(latex, display=True))
    else:
        written = latex_to_mathml(latex, display=True)
    parsed = str(step.get("parsed", ""))
    understood = latex_to_mathml(parsed, display=True) if parsed else '<span class="small">—</span>'
    extra = []
    if step.get("justification"):
        extra.append(f'<div class="small">justification: {text_with_maths(str(step["justification"]))}</div>')
    if step.get("error") is not None and step.get("tolerance") is not None:
        extra.append(f'<div class="small">error {esc(step["error"])} ≤ tolerance '
                     f'{esc(step["tolerance"])}</div>')
    if step.get("counterexample"):
        extra.append("<div><strong>counterexample</strong> (the symbols this step uses, then both sides)"
                     + point_html(trimmed_point(step)) + "</div>")
    alt = step.get("alternative")
    if isinstance(alt, dict):
        extra.append(f'<div class="small">under {esc(alt.get("reading", "the document’s definitions"))}: '
                     f'{badge(str(alt.get("verdict", "?")))} {detail_html(alt.get("detail", ""))}</div>')
    row_class = ' class="bad-row"' if tone(verdict) == "bad" else ""
    return (f'<tr{row_class} data-verdict="{esc(slug(verdict))}"><td>{esc(step.get("label", ""))}'
            f'<div class="small">line {esc(step.get("line", ""))}</div></td><td>{written}</td>'
            f"<td>{understood}</td><td>{badge(verdict)}<div class=\"small detail\">"
            f"{detail_html(step.get('detail', ''))}</div>{''.join(extra)}"
            "</td></tr>")


def _counts(doc: dict[str, Any]) -> dict[str, int]:
    counts = doc.get("counts")
    if isinstance(counts, dict):
        return {str(k): int(v) for k, v in counts.items()}
    out: dict[str, int] = {}
    for s in doc.get("steps", []):
        out[str(s.get("verdict"))] = out.get(str(s.get("verdict")), 0) + 1
    return out


def document_section(doc: dict[str, Any], index: int) -> str:
    """One document: summary, definitions and assumptions, then every display."""
    steps = [s for s in doc.get("steps", []) if isinstance(s, dict)]
    counts = _counts(doc)
    fail = doc.get("first_failure")
    head = (f"first failing step {esc(fail.get('label'))} (line {esc(fail.get('line'))}, "
            f"{badge(str(fail.get('verdict')))})" if isinstance(fail, dict)
            else badge("proved", "no failing step"))
    defs = [s for s in steps if s.get("kind") == "definition" or s.get("verdict") == "definition"]
    def_items = "".join(f"<li>{latex_to_mathml(str(s.get('latex', '')))} {badge(str(s.get('verdict', '?')))} "
                        f"<span class=\"small\">(line {esc(s.get('line', ''))}) "
                        f"{detail_html(s.get('detail', ''))}</span></li>" for s in defs)
    assumptions = doc.get("assumptions") or []
    assume_items = "".join(
        f"<li>{latex_to_mathml(str(a.get('latex', a))) if isinstance(a, dict) else esc(a)}</li>"
        for a in assumptions)
    notes = "".join(f"<li>{text_with_maths(str(n))}</li>" for n in doc.get("notes", []))
    top = ""
    if def_items:
        top += f"<h4>Definitions</h4><ul>{def_items}</ul>"
    if assume_items:
        top += f"<h4>Assumptions</h4><ul>{assume_items}</ul>"
    if notes:
        top += f"<h4>Notes</h4><ul>{notes}</ul>"
    rows = "".join(step_row(s) for s in steps if s.get("kind") != "definition")
    count_text = ", ".join(f"{badge(k, f'{n} {k}')}" for k, n in sorted(counts.items()))
    path = str(doc.get("path", f"document {index}"))
    return (f'<section class="document" id="doc-{index}" data-ok="{"true" if doc.get("ok") else "false"}">'
            f"<h3>{esc(path)}</h3><p>{head} · {count_text} · {float(doc.get('seconds', 0.0)):.2f} s</p>"
            f"{top}"
            f"<table><thead><tr><th>step</th><th>as written</th><th>as understood</th><th>verdict</th></tr>"
            f"</thead><tbody>{rows}</tbody></table></section>")


def _status(doc: dict[str, Any]) -> str:
    """A document's status word: ``no failing step`` or its first failing step's verdict."""
    fail = doc.get("first_failure")
    if doc.get("ok"):
        return "no failing step"
    return str(fail.get("verdict", "failing")) if isinstance(fail, dict) else "failing"


def _batch_row(doc: dict[str, Any], index: int) -> str:
    counts = _counts(doc)
    fail = doc.get("first_failure")
    ok = bool(doc.get("ok"))
    verdict = _status(doc)
    where = f"{esc(fail.get('label'))} (line {esc(fail.get('line'))})" if isinstance(fail, dict) else "—"
    path = str(doc.get("path", f"document {index}"))
    seconds = float(doc.get("seconds", 0.0))
    return (f'<tr data-id="{esc(path)}" data-verdict="{esc(slug(verdict))}" data-seconds="{seconds:.4f}">'
            f'<td><a href="#doc-{index}">{esc(path)}</a></td>'
            f'<td>{badge("proved" if ok else verdict, verdict)}</td>'
            f"<td>{where}</td><td>{esc(', '.join(f'{k}: {n}' for k, n in sorted(counts.items())))}</td>"
            f"<td>{seconds:.2f}</td></tr>")


def documents_page(documents: Sequence[dict[str, Any]], seconds: float = 0.0, *,
                   title: str = "LaTeX derivation check") -> str:
    """The page for a batch of checked documents (``DocumentResult.to_json()`` dicts); ``seconds`` is
    the batch's wall time. ``ValueError`` naming ``documents`` unless it is a list of dicts."""
    if not isinstance(documents, (list, tuple)) or not all(isinstance(d, dict) for d in documents):
        raise ValueError("documents: expected a list of DocumentResult.to_json() dicts")
    ok = sum(bool(d.get("ok")) for d in documents)
    totals: dict[str, int] = {}
    for d in documents:
        for k, n in _counts(d).items():
            totals[k] = totals.get(k, 0) + n
    status: dict[str, int] = {}
    for d in documents:
        key = _status(d)
        status[key] = status.get(key, 0) + 1
    verdict_line = ", ".join(badge(k, f"{n} {k}") for k, n in sorted(totals.items()))
    summary = (f'<section id="summary"><p><span data-total="documents">{len(documents)}</span> documents, '
               f'<span data-ok-documents>{ok}</span> without a failing step; {seconds:.1f} s in all.</p>'
               f"<p>steps by verdict: {verdict_line}</p>"
               '<p class="small">Verdicts: <b>proved</b> = exact identity or verified certificate; '
               "<b>numerically consistent</b> = agreement at random admissible points (error and tolerance "
               "stated); <b>undecided</b> = time bound hit; <b>refuted</b> = counterexample at a point where "
               "both sides are defined; <b>parse error</b> / <b>unsupported</b> = the notation quoted is not "
               "read (never guessed); <b>definition</b> = stated by the document.</p></section>")
    table_id = "documents"
    batch = (filter_buttons(table_id, "verdict", status) + '<div class="controls">'
             + select(table_id, "verdict", "status", list(status)) + sort_button(table_id, "id", "path")
             + sort_button(table_id, "seconds", "time", numeric=True)
             + f'<span class="small">showing <span data-shown="{table_id}">{len(documents)}</span> of '
             f"{len(documents)}</span></div>"
             f'<table id="{table_id}" data-filterable><thead><tr><th>document</th><th>status</th>'
             "<th>first failing step</th><th>steps by verdict</th><th>s</th></tr></thead><tbody>"
             + "".join(_batch_row(d, i) for i, d in enumerate(documents)) + "</tbody></table>")
    body = summary + "<h2>Batch</h2>" + batch + "<h2>Documents</h2>" + "".join(
        document_section(d, i) for i, d in enumerate(documents))
    return page(title, body)


def _scoped(css: str, scope: str = ".vv-document") -> str:
    """``css`` with every selector inside ``scope`` (``:root`` and ``body`` become ``scope``), so a
    fragment in a notebook styles only itself."""
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    out = []
    for selectors, body in rules:
        parts = []
        for sel in selectors.split(","):
            sel = " ".join(sel.split())
            parts.append(scope if sel in (":root", "body") else f"{scope} {sel}")
        out.append(f"{','.join(parts)}{{{body}}}")
    return "\n".join(out)


def document_fragment(doc: dict[str, Any]) -> str:
    """One document as an HTML fragment for a notebook (``DocumentResult._repr_html_`` can return
    ``document_fragment(self.to_json())``): the page's styles scoped to a ``<div>``, no script.
    ``ValueError`` naming ``doc`` unless it is a ``DocumentResult.to_json()`` dict."""
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        raise ValueError("doc: expected a DocumentResult.to_json() dict with a 'steps' list")
    return f'<div class="vv-document"><style>{_scoped(STYLE)}</style>{document_section(doc, 0)}</div>'


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m derivations.runner.html_documents REPORT.json OUT.html`` (the JSON of ``check --json``)."""
    from derivations.runner.report_io import atomic_write_text

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m derivations.runner.html_documents REPORT.json OUT.html", file=sys.stderr)
        return 2
    data = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    atomic_write_text(args[1], documents_page(data.get("documents", []), float(data.get("seconds", 0.0))))
    return 0


__all__ = ["document_fragment", "document_section", "documents_page", "step_row", "trimmed_point"]

if __name__ == "__main__":
    sys.exit(main())
