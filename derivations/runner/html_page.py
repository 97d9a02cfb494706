"""The pieces every HTML report page shares: the self-contained page, verdict badges, data URIs,
and the plain JavaScript that filters and sorts a table from ``file://``.

A page is one file: styles and script inline, images as ``data:`` URIs, formulas as MathML
(:mod:`derivations.runner.mathml`). A Content-Security-Policy forbids every request (no
``connect``/``img``/``font`` source but ``data:``), so a page opened offline looks exactly as it
does online. Verdicts are shown as colour *and* text, never colour alone (the pattern of
coverage.py's and pytest-html's reports).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable
from pathlib import Path

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")

#: verdict or outcome word → CSS class (the colour); the text is always printed beside it.
_TONES = {
    "proved": "good", "supported": "good", "numerically consistent": "good", "finding": "good",
    "definition": "neutral", "statement, not a chain": "neutral", "premise": "neutral",
    "stationary": "neutral", "equals": "good", "surrogate": "good", "no failing step": "good",
    "skipped": "muted", "not run": "muted",
    "undecided": "warn", "unsupported": "warn", "parse error": "warn",
    "refuted": "bad", "error": "bad", "changed": "bad",
}

STYLE = """
:root{--good:#1a7f37;--good-bg:#dafbe1;--bad:#b91c1c;--bad-bg:#fee2e2;--warn:#9a6700;--warn-bg:#fff8c5;
--muted:#57606a;--muted-bg:#eaeef2;--neutral:#0550ae;--neutral-bg:#ddf4ff;--line:#d0d7de}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1400px;
padding:1rem 1.5rem;color:#1f2328}
h1{font-size:1.5rem;margin:.3rem 0}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem}
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;white-space:pre-wrap;max-height:24rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;
text-align:left;vertical-align:top}th{background:#f6f8fa;position:sticky;top:0;z-index:1}
.badge{display:inline-block;border-radius:1em;padding:0 .6em;font-size:.85em;font-weight:600;
white-space:nowrap;border:1px solid currentColor}
.good{color:var(--good);background:var(--good-bg)}.bad{color:var(--bad);background:var(--bad-bg)}
.warn{color:var(--warn);background:var(--warn-bg)}.muted{color:var(--muted);background:var(--muted-bg)}
.neutral{color:var(--neutral);background:var(--neutral-bg)}
tr.bad-row>td:first-child{border-left:4px solid var(--bad)}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}
.counts button{font:inherit;cursor:pointer;border-radius:.4rem;padding:.3rem .7rem}
.counts button .n{font-weight:700;margin-right:.3em}
.counts button[aria-pressed=true]{outline:3px solid #0969da}
.controls{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;margin:.75rem 0}
.controls label{font-size:.9em}.controls select,.controls button{font:inherit}
.hidden{display:none}
.not-rendered{border:1px dashed var(--warn);background:var(--warn-bg);padding:0 .3em}
.not-rendered .label{color:var(--warn);font-weight:700;font-size:.8em;text-transform:uppercase}
.small{font-size:.85em;color:var(--muted)}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem}
.kv dt{font-weight:600}.kv dd{margin:0}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.unsupported-tex{background:var(--warn-bg);border:1px solid var(--warn);padding:0 .2em}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid var(--line)}
math.display{display:block;margin:.3rem 0}
nav a{margin-right:1rem}
table.claims th:nth-child(1){width:17%}table.claims th:nth-child(2){width:13%}
table.claims th:nth-child(4){width:28%}
"""

SCRIPT = r"""
(function(){
  function rows(t){return Array.prototype.slice.call(t.tBodies[0].rows);}
  function apply(t){
    var sel=document.querySelectorAll('[data-filter][data-table="'+t.id+'"]');var shown=0;
    rows(t).forEach(function(r){
      var ok=true;
      sel.forEach(function(s){var v=s.value;if(!v)return;
        var have=(r.getAttribute('data-'+s.getAttribute('data-filter'))||'').split('|');
        if(have.indexOf(v)<0)ok=false;});
      r.classList.toggle('hidden',!ok);if(ok)shown++;});
    var c=document.querySelector('[data-shown="'+t.id+'"]');if(c)c.textContent=shown;
    function filterOf(name){return document.querySelector('[data-filter="'+name+'"][data-table="'+t.id+'"]');}
    document.querySelectorAll('[data-set-filter][data-table="'+t.id+'"]').forEach(function(b){
      var s=filterOf(b.getAttribute('data-set-filter'));
      b.setAttribute('aria-pressed',s&&s.value===b.getAttribute('data-value')?'true':'false');});
  }
  document.querySelectorAll('[data-filter]').forEach(function(s){
    s.addEventListener('change',function(){apply(document.getElementById(s.getAttribute('data-table')));});});
  document.querySelectorAll('[data-set-filter]').forEach(function(b){
    b.addEventListener('click',function(){
      var t=document.getElementById(b.getAttribute('data-table'));
      var s=document.querySelector('[data-filter="'+b.getAttribute('data-set-filter')+'"]'
        +'[data-table="'+t.id+'"]');
      s.value=(s.value===b.getAttribute('data-value'))?'':b.getAttribute('data-value');apply(t);});});
  document.querySelectorAll('[data-sort]').forEach(function(b){
    b.addEventListener('click',function(){
      var t=document.getElementById(b.getAttribute('data-table'));var key=b.getAttribute('data-sort');
      var num=b.getAttribute('data-numeric')==='true';var dir=b.getAttribute('data-dir')==='asc'?-1:1;
      b.setAttribute('data-dir',dir>0?'asc':'desc');
      var rs=rows(t);rs.sort(function(x,y){var a=x.getAttribute('data-'+key),c=y.getAttribute('data-'+key);
        if(num){a=parseFloat(a);c=parseFloat(c);return dir*(a-c);}return dir*(a<c?-1:a>c?1:0);});
      rs.forEach(function(r){t.tBodies[0].appendChild(r);});});});
  document.querySelectorAll('table[data-filterable]').forEach(apply);
})();
"""


def esc(text: object) -> str:
    """HTML-escaped text (quotes included)."""
    return html.escape(str(text), quote=True)


def detail_html(text: object) -> str:
    """A detail message, escaped, with its backtick-quoted parts (quoted LaTeX, code) as ``<code>``;
    a ball-arithmetic certificate (``certified: at …``: the exact point, in the checker's symbol names,
    and both enclosures) is shown as code too."""
    head, sep, certificate = str(text).partition("certified: ")
    if sep:
        return f'{detail_html(head)}certified: <code class="certificate">{esc(certificate)}</code>'
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: plain text
        return esc(text)
    return "".join(f"<code>{esc(p)}</code>" if i % 2 else esc(p) for i, p in enumerate(parts))


def tone(verdict: str) -> str:
    """The colour class of a verdict or outcome word (``bad`` for refuted/error, …)."""
    v = verdict.lower().strip()
    if v in _TONES:
        return _TONES[v]
    for word, t in _TONES.items():
        if v.startswith(word):
            return t
    return "neutral"


def badge(verdict: str, text: str | None = None) -> str:
    """A verdict badge: the verdict's colour and its text (never colour alone)."""
    return f'<span class="badge {tone(verdict)}" data-verdict="{esc(verdict)}">{esc(text or verdict)}</span>'


def slug(text: str) -> str:
    """An attribute-safe token for filter values (``|`` separates several values)."""
    return re.sub(r"\s+", " ", str(text)).strip().replace("|", "/")


def data_uri(path: Path | str) -> str:
    """A PNG/SVG/JPEG file as a ``data:`` URI (``ValueError`` naming ``path`` for other types)."""
    p = Path(path)
    kinds = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
    kind = kinds.get(p.suffix.lower())
    if kind is None:
        raise ValueError(f"path: {str(p)!r} is not a PNG, SVG or JPEG image")
    return f"data:{kind};base64,{base64.b64encode(p.read_bytes()).decode('ascii')}"


def figure(path: Path | str, caption: str) -> str:
    """An embedded figure with its caption."""
    return (f'<figure><img alt="{esc(caption)}" src="{data_uri(path)}"><figcaption class="small">'
            f"{esc(caption)}</figcaption></figure>")


def select(table_id: str, name: str, label: str, values: Iterable[str]) -> str:
    """A ``<select>`` that filters ``table_id``'s rows on their ``data-<name>`` attribute."""
    opts = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in sorted(set(values)))
    return (f'<label>{esc(label)} <select data-filter="{esc(name)}" data-table="{esc(table_id)}">'
            f'<option value="">all</option>{opts}</select></label>')


def sort_button(table_id: str, key: str, label: str, *, numeric: bool = False) -> str:
    """A button that sorts ``table_id``'s rows on ``data-<key>`` (click again: reverse)."""
    return (f'<button type="button" data-sort="{esc(key)}" data-table="{esc(table_id)}" '
            f'data-numeric="{"true" if numeric else "false"}">sort by {esc(label)}</button>')


def filter_buttons(table_id: str, name: str, counts: dict[str, int]) -> str:
    """One button per value with its count; a click shows only the rows with that value (again: all)."""
    buttons = "".join(
        f'<button type="button" class="{tone(v)}" data-set-filter="{esc(name)}" data-table="{esc(table_id)}" '
        f'data-value="{esc(v)}" data-count="{n}" aria-pressed="false"><span class="n">{n}</span>'
        f"{esc(v)}</button>"
        for v, n in counts.items())
    return f'<div class="counts" role="group" aria-label="filter by {esc(name)}">{buttons}</div>'


def page(title: str, body: str, *, subtitle: str = "") -> str:
    """A complete self-contained HTML document (UTF-8, no external resource)."""
    sub = f'<p class="small">{esc(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>{sub}{body}<script>{SCRIPT}</script></body></html>\n"
    )


__all__ = ["badge", "data_uri", "detail_html", "esc", "figure", "filter_buttons", "page", "select", "slug",
           "sort_button", "tone"]
