"""A loss audit as one self-contained HTML page (the auditor's ``--html FILE``).

Rendered from the audit's JSON dict (``LossAudit.to_dict()`` / ``IwaeAudit.to_dict()`` of
:mod:`torch_impl.audit.report`), so this module imports no torch. The page shows the verdict
(colour and text), the fitted a, β_eff and c as formulas (loss = a·Σ_i[−log p(x_i|z_i) +
β_eff·KL_i] + c, Kingma & Welling 2014, eq. 3 and App. B), the KL and sampler conventions, the
counterexample configuration, and a small inline-SVG plot of the loss against −ELBO over the
audited configurations (one colour per configuration; log axes when every value is positive).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from derivations.runner.html_page import badge, esc, page
from derivations.runner.mathml import latex_to_mathml, number_to_mathml

_PALETTE = ("#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#1b7c83", "#57606a")
_UNICODE_TEX = (("·", r"\cdot "), ("π", r"\pi "), ("σ", r"\sigma "), ("β", r"\beta "), ("κ", r"\kappa "),
                ("²", "^{2}"), ("−", "-"), ("ε", r"\varepsilon "), ("μ", r"\mu "), ("√", r"\sqrt "))


def formula_latex(text: str) -> str:
    """The auditor's formula text (``1/(B·D)``, ``-log(2π)/2``, ``a·(B·D·log 2)``,
    ``σ = e^{s/2}``) as LaTeX."""
    s = str(text)
    for u, tex in _UNICODE_TEX:
        s = s.replace(u, tex)
    s = re.sub(r"([A-Za-z0-9]+)/\(([^()]*)\)", r"\\frac{\1}{\2}", s)  # 1/(B·D) → \frac{1}{B·D}
    s = re.sub(r"(?<![\\A-Za-z])([A-Za-z0-9]+)/([A-Za-z0-9]+)", r"\\frac{\1}{\2}", s)  # B/128
    s = re.sub(r"\blog\b", r"\\log ", s)
    s = re.sub(r"\bexp\b", r"\\exp ", s)
    return s


def formula_html(value: Any) -> str:
    """A fitted coefficient (a ``{"formula", "exact", "values"}`` dict or text) as maths, with its
    values across configurations when the formula is not exact."""
    if isinstance(value, dict):
        text = str(value.get("formula", ""))
        out = latex_to_mathml(formula_latex(text), display=True)
        if not value.get("exact", True):
            vals = ", ".join(f"{v:.6g}" if isinstance(v, float) else esc(v)
                             for v in value.get("values", [])[:8])
            out += f' <span class="small">(no exact formula found; values {vals})</span>'
        return out
    return latex_to_mathml(formula_latex(str(value)))


def _short(configuration: str) -> str:
    """A configuration's legend label: ``B = 3, D = 4 (shape (4,)), d = 2`` → ``B = 3, D = 4, d = 2``."""
    return re.sub(r"\s*\(shape \([^)]*\)\)", "", configuration)


def scatter_svg(points: Sequence[dict[str, Any]], *, width: int = 600, height: int = 340) -> str:
    """Inline SVG: loss (y) against −ELBO (x), one colour per configuration, with its legend."""
    raw = [(str(p.get("configuration", "")), p.get("neg_elbo"), p.get("loss")) for p in points]
    pts: list[tuple[str, float, float]] = [
        (c, float(x), float(y)) for c, x, y in raw
        if isinstance(x, (int, float)) and isinstance(y, (int, float))
        and math.isfinite(x) and math.isfinite(y)]
    if not pts:
        return '<p class="small">no finite (−ELBO, loss) pairs were recorded for this audit.</p>'
    log = all(x > 0 and y > 0 for _, x, y in pts)
    tx = (lambda v: math.log10(v)) if log else (lambda v: v)
    xs, ys = [tx(x) for _, x, _ in pts], [tx(y) for _, _, y in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    left, right, top, bottom = 70, 200, 10, 45
    pw, ph = width - left - right, height - top - bottom

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * pw

    def sy(v: float) -> float:
        return top + ph - (v - y0) / (y1 - y0) * ph

    configs = list(dict.fromkeys(c for c, _, _ in pts))
    colour = {c: _PALETTE[i % len(_PALETTE)] for i, c in enumerate(configs)}
    dots = "".join(f'<circle cx="{sx(a):.1f}" cy="{sy(b):.1f}" r="3" fill="{colour[c]}" fill-opacity="0.75">'
                   f"<title>{esc(c)}: −ELBO {x:.6g}, loss {y:.6g}</title></circle>"
                   for (c, x, y), a, b in zip(pts, xs, ys, strict=True))

    def tick(v: float) -> str:
        return f"{10 ** v:.3g}" if log else f"{v:.3g}"

    axes = (f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#57606a"/>'
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#57606a"/>'
            f'<text x="{left}" y="{top + ph + 16}" font-size="11">{tick(x0)}</text>'
            f'<text x="{left + pw}" y="{top + ph + 16}" font-size="11" text-anchor="end">{tick(x1)}</text>'
            f'<text x="{left - 4}" y="{top + ph}" font-size="11" text-anchor="end">{tick(y0)}</text>'
            f'<text x="{left - 4}" y="{top + 10}" font-size="11" text-anchor="end">{tick(y1)}</text>'
            f'<text x="{left + pw / 2}" y="{height - 8}" font-size="12" text-anchor="middle">'
            f"−ELBO (expected β, verified terms){' — log scale' if log else ''}</text>"
            f'<text x="14" y="{top + ph / 2}" font-size="12" text-anchor="middle" '
            f'transform="rotate(-90 14 {top + ph / 2})">loss</text>')
    legend = "".join(f'<circle cx="{left + pw + 14}" cy="{top + 8 + 16 * i}" r="4" fill="{colour[c]}"/>'
                     f'<text x="{left + pw + 22}" y="{top + 12 + 16 * i}" font-size="10">{esc(_short(c))}'
                     "</text>" for i, c in enumerate(configs[:16]))
    return (f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'role="img" aria-label="loss against −ELBO, {len(pts)} draws">{axes}{dots}{legend}</svg>')


def audit_section(audit: dict[str, Any], title: str = "") -> str:
    """One audit: verdict, formulas, conventions, counterexample, plot, diagnosis and checks."""
    refuted = bool(audit.get("refuted"))
    verdict = str(audit.get("verdict", "?"))
    rows = [f"<dt>verdict</dt><dd>{badge('refuted' if refuted else 'proved', verdict)}"
            f"{' (refuted)' if refuted else ''}</dd>",
            f"<dt>model</dt><dd>{esc(audit.get('model', ''))}</dd>"]
    if audit.get("kind") == "iwae":
        rows.append(f"<dt>K</dt><dd>{esc(audit.get('K', ''))}</dd>")
        fit = r"\text{loss} = a\cdot\sum_i -\mathrm{IWAE}_K(x_i) + c"
    else:
        fit = (r"\text{loss} = a\cdot\sum_i\left[-\log p(x_i\mid z_i)"
               r" + \beta_{\mathrm{eff}}\,\mathrm{KL}_i\right] + c")
    rows.append(f"<dt>fit</dt><dd>{latex_to_mathml(fit)}</dd>")
    for key, tex in (("a", "a"), ("beta_eff", r"\beta_{\mathrm{eff}}"), ("c", "c"),
                     ("implied_sigma2", r"\sigma^2")):
        if key in audit:
            rows.append(f"<dt>{latex_to_mathml(tex)}</dt><dd>{formula_html(audit[key])}</dd>")
    if "expected_beta" in audit:
        beta = latex_to_mathml(r"\beta")
        rows.append(f"<dt>expected {beta}</dt><dd>{formula_html(audit['expected_beta'])}</dd>")
    for key, label in (("kl_convention", "KL term's convention"),
                       ("sampler_convention", "sampler's convention"), ("weights", "implied weights")):
        if audit.get(key):
            rows.append(f"<dt>{label}</dt><dd>{formula_html(audit[key])} "
                        f"<code class=\"small\">{esc(audit[key])}</code></dd>")
    ce = audit.get("counterexample")
    if isinstance(ce, dict) and ce:
        items = "".join(
            f"<dt>{esc(k)}</dt><dd>{number_to_mathml(v) if isinstance(v, (int, float)) else esc(v)}</dd>"
            for k, v in ce.items())
        rows.append(f'<dt>counterexample</dt><dd><dl class="kv counterexample">{items}</dl></dd>')
    diag = "".join(f"<li>{esc(d)}</li>" for d in audit.get("diagnosis", []))
    notes = "".join(f"<li>{esc(n)}</li>" for n in audit.get("notes", []))
    configs = audit.get("configurations", [])
    residual = float(audit.get("worst_residual", 0.0) or 0.0)
    checked = (f"{len(configs)} configurations × {esc(audit.get('draws', '?'))} draws; worst relative "
               f"residual {residual:.2e} (tolerance {esc(audit.get('tolerance', '?'))}: "
               f"{esc(audit.get('tolerance_reason', ''))})")
    exception = (f"<details open><summary>exception</summary><pre>{esc(audit['exception'])}</pre></details>"
                 if audit.get("exception") else "")
    head = f"<h2>{esc(title)}</h2>" if title else ""
    return (f'<section class="audit" data-refuted="{"true" if refuted else "false"}">{head}'
            f'<dl class="kv">{"".join(rows)}</dl>'
            + (f"<h3>Diagnosis</h3><ul>{diag}</ul>" if diag else "") + exception
            + "<h3>Loss against −ELBO over the audited configurations</h3>"
            + scatter_svg(audit.get("points", []))
            + f'<p class="small">checked: {checked}</p>'
            + (f"<h3>Notes</h3><ul>{notes}</ul>" if notes else "")
            + "<details><summary>configurations</summary><ul>"
            + "".join(f"<li>{esc(c)}</li>" for c in configs) + "</ul></details></section>")


def audit_page(audit: dict[str, Any], *, title: str = "Loss audit") -> str:
    """The page for one audit's JSON dict; ``ValueError`` naming ``audit`` without a verdict."""
    if not isinstance(audit, dict) or "verdict" not in audit:
        raise ValueError("audit: expected an audit's to_dict() with a 'verdict'")
    return page(title, audit_section(audit))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m derivations.runner.html_audit AUDIT.json OUT.html`` (the auditor's ``--json`` output)."""
    from derivations.runner.report_io import atomic_write_text

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m derivations.runner.html_audit AUDIT.json OUT.html", file=sys.stderr)
        return 2
    atomic_write_text(args[1], audit_page(json.loads(Path(args[0]).read_text(encoding="utf-8"))))
    return 0


__all__ = ["audit_page", "audit_section", "formula_html", "formula_latex", "scatter_svg"]

if __name__ == "__main__":
    sys.exit(main())
