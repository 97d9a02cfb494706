"""Mathematics for the HTML reports as MathML generated in Python (no JavaScript, no network).

Chromium, Firefox and Safari render MathML Core natively, so a page carries its formulas as markup
and opens offline from ``file://`` without a vendored KaTeX build (a megabyte of fonts and
JavaScript, and a licence, in every page). Two sources:

* LaTeX as authors wrote it (claim statements, the displays of a checked document, the LaTeX
  front end's re-rendering of what it understood): converted by ``latex2mathml``;
* values the tool computed (a counterexample's coordinates, fitted coefficients): numbers are
  read by a regular expression (never ``sympify``: no code runs from report text) into SymPy
  numbers and written by SymPy's presentation-MathML printer.

A fragment the converter cannot render — it raises, or it leaves a LaTeX command as a token
(``<mi>\\foo</mi>``), an alignment ``&`` or an ``<merror>`` — is never shown as half-rendered
maths: it becomes quoted code with a visible "not rendered" label (:data:`NOT_RENDERED_CLASS`),
which the browser tests count.
"""

from __future__ import annotations

import html
import re
from fractions import Fraction

#: The class of the element that replaces a fragment that could not be rendered.
NOT_RENDERED_CLASS = "not-rendered"

_BAD_TOKEN = re.compile(r"<(?:mi|mo|mn|mtext)[^>]*>\s*(?:\\[A-Za-z]|&amp;\s*<|&\s*<)")
#: a function name written upright (log, exp, …) followed by its argument rather than a bracket:
#: TeX puts a thin space there (``\log p`` is "log p", not "logp"); latex2mathml writes none
_FUNCTION_NAME = re.compile(
    r"<mi>(?:log|ln|exp|sin|cos|tan|sinh|cosh|tanh|det|arg)</mi>(?!\s*<mo|\s*<mrow><mo)")
_NUMBER = re.compile(r"^\s*([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?\s*$")
_RATIO = re.compile(r"^\s*([+-]?\d+)\s*/\s*(\d+)\s*$")


def _clean(latex: str) -> str:
    """Drop what only positions a formula in its document: ``$`` delimiters, ``\\label``,
    alignment ``&`` and the environment wrappers of a display."""
    s = latex.strip()
    for left, right in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if s.startswith(left) and s.endswith(right) and len(s) >= len(left) + len(right):
            s = s[len(left):len(s) - len(right)].strip()
            break
    s = re.sub(r"\\label\{[^{}]*\}", "", s)
    s = re.sub(r"\\(?:begin|end)\{(?:align|aligned|equation|gather|multline|eqnarray|split)\*?\}", "", s)
    s = re.sub(r"(?<!\\)&", " ", s)
    s = re.sub(r"\\\\(\[[^\]]*\])?", r" \\quad ", s)  # a line break inside a display
    s = s.replace("\\nonumber", "").replace("\\notag", "")
    s = re.sub(r"\\arg(?![A-Za-z])", r"\\operatorname{arg}", s)  # the one standard operator name it lacks
    return s.strip()


def not_rendered(latex: str, why: str) -> str:
    """Quoted LaTeX with a visible label, for a fragment the converter cannot render."""
    return (f'<span class="{NOT_RENDERED_CLASS}" title="{html.escape(why)}"><span class="label">'
            f"not rendered</span> <code>{html.escape(latex)}</code></span>")


def latex_to_mathml(latex: str, *, display: bool = False) -> str:
    """``latex`` as a ``<math>`` element, or :func:`not_rendered` quoted code when the converter
    fails or leaves LaTeX unread. ``TypeError`` unless ``latex`` is a string."""
    if not isinstance(latex, str):
        raise TypeError(f"latex: expected a string, got {type(latex).__name__}")
    import latex2mathml.converter

    body = _clean(latex)
    if not body:
        return ""
    try:
        out = latex2mathml.converter.convert(body, display="inline")
    except Exception as exc:  # the converter's own errors: shown, never hidden
        return not_rendered(latex, f"latex2mathml: {type(exc).__name__}: {exc}")
    if "<merror" in out or _BAD_TOKEN.search(out):
        return not_rendered(latex, "latex2mathml left LaTeX commands or alignment marks unread")
    out = _FUNCTION_NAME.sub(r'\g<0><mspace width="0.1667em"/>', out)
    if display:  # display style (full-size fractions, limits below sums), left-aligned in its cell
        out = out.replace('display="inline"', 'display="inline" displaystyle="true" class="display"', 1)
    return out


_INLINE = re.compile(r"(?<!\\)\$([^$]+?)(?<!\\)\$")


def text_with_maths(text: str) -> str:
    """Prose with inline ``$…$`` maths (a justification, a note): the text escaped, each ``$…$``
    as ``<math>`` (or quoted, labelled code when it cannot be rendered)."""
    parts, last = [], 0
    for m in _INLINE.finditer(text):
        parts.append(html.escape(text[last:m.start()]))
        parts.append(latex_to_mathml(m.group(1)))
        last = m.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


def number_to_mathml(value: object) -> str:
    """A computed number (``3``, ``-0.25``, ``1e-9``, ``3/7`` or a Python number) as ``<math>``
    written by SymPy's presentation printer; anything else as escaped text in ``<mtext>``."""
    import sympy as sp
    from sympy.printing.mathml import mathml

    expr: sp.Expr | None = None
    if isinstance(value, bool):
        expr = None
    elif isinstance(value, int):
        expr = sp.Integer(value)
    elif isinstance(value, float):
        expr = sp.Float(value, 6) if value == value and abs(value) != float("inf") else None
    elif isinstance(value, Fraction):
        expr = sp.Rational(value.numerator, value.denominator)
    elif isinstance(value, str):
        m, r = _NUMBER.match(value), _RATIO.match(value)
        if r:
            expr = sp.Rational(int(r.group(1)), int(r.group(2)))
        elif m:
            expr = sp.Integer(value) if re.fullmatch(r"\s*[+-]?\d+\s*", value) else sp.Float(value.strip(), 6)
    body = (mathml(expr, printer="presentation") if expr is not None
            else f"<mtext>{html.escape(str(value))}</mtext>")
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">{body}</math>'


__all__ = ["NOT_RENDERED_CLASS", "latex_to_mathml", "not_rendered", "number_to_mathml", "text_with_maths"]
