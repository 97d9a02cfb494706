"""Implication arrows inside a display row: ``A = B \\Rightarrow C = D``.

Lecture notes and blog posts write the last line of a maximum-likelihood derivation as
``\\frac{\\partial}{\\partial \\mu} \\frac{(x-\\mu)^2}{2\\sigma^2} = -\\frac{x-\\mu}{\\sigma^2}
\\Rightarrow \\mu = x`` (Bishop 2006 §2.3.4, the Gaussian mean), and the optimal discriminator as
"setting the derivative to zero \\implies D^*_G(x) = …" (Goodfellow et al. 2014, Prop. 1). What precedes
the arrow is read and checked as usual; what follows it is a *conclusion drawn under a hypothesis* (a
derivative set to zero, an equation solved for a parameter), not an identity. A conclusion is checked as an
identity and reported *proved* only when it is one (an identity holds unconditionally); otherwise it is a
statement, never refuted.

:func:`split_at_arrows` cuts a row at its top-level arrows (``\\Rightarrow``, ``\\implies``,
``\\Longrightarrow``, ``\\iff``, ``\\Leftrightarrow``, ``\\therefore``, ``⇒``, ``⇔``, ``∴``, also at the
row's start and between align columns ``&\\Rightarrow&``); every part keeps the columns of the row (the
rest is blanked), so that a parse error in a part quotes the user's own column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derivations.latex.parser import _depths, _in_script

#: Arrows that draw a conclusion from what precedes them.
_ARROW = re.compile(
    r"\\(Rightarrow|implies|Longrightarrow|iff|Leftrightarrow|Longleftrightarrow|therefore|hence)"
    r"(?![a-zA-Z])|⇒|⟹|⇔|⟺|∴"
)
#: What is left of a part with no maths in it: align columns and spacing.
_EMPTY = re.compile(r"^(\s|&|\\q?quad(?![a-zA-Z])|\\[,;:! ]|~|\\hspace\*?\{[^{}]*\})*$")
#: Align columns and spacing around an arrow (``\\quad\\Longrightarrow\\quad``, ``&\\Rightarrow&``): not the
#: part's.
_SPACING = r"(?:\s|&|\\q?quad(?![a-zA-Z])|\\[,;:! ]|~|\\hspace\*?\{[^{}]*\})"
_SPACING_LEAD = re.compile(_SPACING + "+")
_SPACING_TRAIL = re.compile(_SPACING + "+$")
_GLYPH = {
    "Rightarrow": "⇒",
    "implies": "⇒",
    "Longrightarrow": "⇒",
    "iff": "⇔",
    "Leftrightarrow": "⇔",
    "Longleftrightarrow": "⇔",
    "therefore": "∴",
    "hence": "∴",
    "⟹": "⇒",
    "⟺": "⇔",
}


@dataclass(frozen=True)
class RowPart:
    """One part of a row cut at its arrows. ``latex``: the row with everything outside the part blanked
    (same length); ``arrow``: the arrow before the part as written (``\\Rightarrow``), None for the part
    before the first arrow; ``column``: the 0-based column where the part starts in the row."""

    latex: str
    arrow: str | None
    column: int
    arrow_column: int = 0

    @property
    def glyph(self) -> str:
        """The arrow as one character (⇒, ⇔, ∴); '' for the part before the first arrow."""
        if self.arrow is None:
            return ""
        word = self.arrow.lstrip("\\")
        return _GLYPH.get(word, self.arrow)


def split_at_arrows(latex: str) -> list[RowPart]:
    """The parts of ``latex`` between its top-level implication arrows (outside every group, sub- and
    superscript and ``\\text{…}``), in order; parts with no maths (an arrow that opens the row, ``&`` and
    spacing only) are left out. A row without an arrow is one part with ``arrow`` None."""
    cuts = _cuts(latex)
    if not cuts:
        return [RowPart(latex, None, 0)]
    bounds: list[tuple[int, int, str | None, int]] = [(0, cuts[0].start(), None, 0)]
    for k, m in enumerate(cuts):
        end = cuts[k + 1].start() if k + 1 < len(cuts) else len(latex)
        bounds.append((m.end(), end, m.group(0), m.start()))
    parts = []
    for start, end, arrow, at in bounds:
        body = latex[start:end]
        if _EMPTY.match(body):
            continue
        lead = _SPACING_LEAD.match(body)
        trail = _SPACING_TRAIL.search(body)
        a = start + (lead.end() if lead else 0)
        b = start + (trail.start() if trail else len(body))
        parts.append(RowPart(" " * a + latex[a:b] + " " * (len(latex) - b), arrow, a, at))
    return parts


def trailing_arrow(latex: str) -> tuple[str, int] | None:
    """The arrow that ends ``latex`` (``… = 0 \\quad\\Rightarrow \\\\``, the conclusion on the next row) and
    its 0-based column; None when the row does not end with one."""
    cuts = _cuts(latex)
    if cuts and _EMPTY.match(latex[cuts[-1].end() :]):
        return cuts[-1].group(0), cuts[-1].start()
    return None


def _cuts(latex: str) -> list[re.Match[str]]:
    """The top-level arrows of ``latex`` (outside every group, script and ``\\text{…}``)."""
    if not isinstance(latex, str):
        raise ValueError(f"latex: expected a string, got {type(latex).__name__}")
    depth = _depths(latex)
    return [m for m in _ARROW.finditer(latex) if depth[m.start()] == 0 and not _in_script(latex, m.start())]


def conclusion_detail(arrow: str, line: int, column: int) -> str:
    """The detail of a conclusion that is not proved as an identity (``line``, ``column``: where its arrow
    stands in the document, 1-based)."""
    return (
        f"a conclusion after `{arrow}` (line {line}, column {column}), drawn under the hypothesis before the "
        "arrow (a derivative set to zero, an equation solved): not checked as an identity (it is reported "
        "proved only when it holds unconditionally)"
    )


def proved_conclusion_note(arrow: str, line: int, column: int) -> str:
    """What is added to the detail of a conclusion that is proved as an identity."""
    return f" (a conclusion after `{arrow}` at line {line}, column {column}: it holds unconditionally)"
