"""Find the mathematics in a Markdown or LaTeX document.

* Display maths: ``$$…$$``, ``\\[…\\]``, ``equation``/``align``/``gather`` (starred or not), and an
  inline ``$…$`` that is a whole line of its own (as blog posts write derivations),
  with ``aligned`` inside ``$$``; an align's rows (split at ``\\\\``, ``&`` dropped) are
  fragments of their own, so that each row keeps its ``\\tag``.
* Labels: ``\\tag{n}`` or a trailing ``(n)`` / ``\\quad (n)``; the label is removed from the
  maths and kept as ``"(n)"``.
* Inline definitions: ``$…=…$`` right after *let*, *define*, *with*, *where*, *and*, *set*
  (``Let $q(z) = \\mathcal{N}(z; \\mu, \\sigma^2)$``).
* Unclosed displays (a ``$$`` or ``\\begin{align}`` never closed) are reported with their line;
  ``% …`` comments are blanked; ``% assume: …`` (or ``<!-- assume: … -->``) states an assumption.
* Prose is kept: the text before each display (to recognise definitions: *define*, *recall*,
  *given by*, *let*, *denote*) and the document's sentences starting with a step's label,
  which become that step's justification ("(14) is Bayes theorem.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_OPENER = re.compile(
    r"\$\$|\\\[|\\begin\{(?P<env>equation|align|alignat|gather|multline|eqnarray|flalign)(?P<star>\*?)\}"
)
#: Inline maths that is a whole line of its own (blog posts write derivations this way): a display.
_OWN_LINE_INLINE = re.compile(r"^[ \t]*\$(?!\$)(?P<m>[^$\n]+?)(?<!\\)\$[ \t]*[.,;:]?[ \t]*$", re.M)
#: ``\( … \)`` alone on its line: written as inline maths, set apart as a display (blog posts).
_OWN_LINE_PAREN = re.compile(r"^[ \t]*(?<!\\)\\\((?P<m>[^\n]+?)\\\)[ \t]*[.,;:]?[ \t]*$", re.M)
_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_ASSUME = re.compile(
    r"^[ \t]*%+[ \t]*assume[ \t]*:[ \t]*(?P<a>[^\n]+)$|<!--\s*assume\s*:(?P<b>.*?)-->", re.M | re.S
)
#: Prose inside a ``$$`` pair (a blank line, then three words of four letters or more outside
#: commands): the first ``$$`` was never closed.
_PROSE_INSIDE = re.compile(r"\n[ \t]*\n(?:[^\\$\n]*?(?<![\\a-zA-Z])[A-Za-z]{4,}\b){3}")
_INLINE = re.compile(r"(?<![\$\\])\$(?!\$)(?P<m>[^$]+?)(?<!\\)\$")
_TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")
_TRAILING = re.compile(r"(?<!\\log)(?<!\\ln)(?<!\\exp)(?:\\q?quad|\\,|\s)\s*\((\d{1,3}[a-z]?)\)\s*[.,]?\s*$")
_JUNK = re.compile(r"\\label\{[^{}]*\}|\\nonumber|\\notag")
_DEF_WORDS = re.compile(r"\b(define[sd]?|definition|recall|given by|let|denote[sd]?|is defined)\b", re.I)
_INLINE_DEF_WORDS = re.compile(r"\b(let|define|with|where|write|denote|set|put|recall)\s*$", re.I)
_AND = re.compile(r"^\s*,?\s*and\s*$", re.I)


@dataclass(frozen=True)
class Fragment:
    """One display, or one row of an align. ``offset``: where its maths starts in the document."""

    latex: str
    offset: int
    line: int
    label: str | None
    prose_before: str
    display: int  # index of the display it belongs to (align rows share one)
    row: int
    #: the arrow (``\\Rightarrow``, ``\\iff`` …) this part of a row follows: a conclusion (conclusions.py)
    conclusion: str | None = None
    #: where the part starts in its row (0-based; 0 for a whole row), and where its arrow starts
    column: int = 0
    arrow_column: int = 0
    #: whether an arrow follows this part: it is the hypothesis of a conclusion
    hypothesis: bool = False


@dataclass(frozen=True)
class InlineMath:
    """An inline ``$…$`` fragment: its LaTeX, offset and line in the document, whether it reads as a
    definition (preceded by let/define/with/where/and), and the sentence before it (``context``)."""

    latex: str
    offset: int
    line: int
    definition: bool  # preceded by let/define/with/where/and
    context: str = ""


@dataclass(frozen=True)
class Unclosed:
    """A display opened (``$$``, ``\\[``, ``\\begin{align}`` …) and never closed: by what, and where."""

    opener: str
    offset: int
    line: int


@dataclass(frozen=True)
class Assumption:
    """An explicit assumption comment, ``% assume: \\beta \\ge 1`` (LaTeX) or
    ``<!-- assume: \\beta \\ge 1 -->`` (Markdown): its LaTeX and line."""

    latex: str
    line: int


@dataclass(frozen=True)
class Extracted:
    """What :func:`extract` finds in a document: the display-math fragments (one per row), the inline math,
    and the prose between the displays."""

    fragments: list[Fragment]
    inline: list[InlineMath]
    prose: str
    unclosed: list[Unclosed] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)

    def justification(self, label: str | None) -> str | None:
        """The sentence of the document that starts with ``label``, e.g. "(14) is Bayes theorem"."""
        if not label:
            return None
        pat = re.compile(r"(?:^|\n)\s*" + re.escape(label) + r"\s+([^\n]*?)(?:\.(?=\s)|\n|$)")
        m = pat.search(self.prose)
        if m:
            return f"{label} {m.group(1).strip()}"
        return None


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _split_rows(body: str) -> list[tuple[str, int]]:
    """Rows of an align body with their offsets inside ``body``."""
    rows = []
    start = 0
    for m in re.finditer(r"\\\\(\[[^\]]*\])?", body):
        rows.append((body[start : m.start()], start))
        start = m.end()
    rows.append((body[start:], start))
    return [(r, o) for r, o in rows if r.strip()]


def _label(latex: str) -> tuple[str, str | None]:
    """Remove ``\\tag{n}`` / a trailing ``(n)``; the same length is kept (blanked)."""
    label = None
    m = _TAG.search(latex)
    if m:
        text = m.group(1).strip()
        # \tag*{(a)} prints its text as written: the parentheses are already there
        label = text if m.group(0).startswith("\\tag*") and re.fullmatch(r"\(.*\)", text) else f"({text})"
        latex = latex[: m.start()] + " " * (m.end() - m.start()) + latex[m.end() :]
    else:
        m = _TRAILING.search(latex)
        if m:
            label = f"({m.group(1)})"
            latex = latex[: m.start()] + " " * (m.end() - m.start()) + latex[m.end() :]
    latex = _JUNK.sub(lambda x: " " * len(x.group(0)), latex)
    return latex, label


def _blank_comments(text: str) -> str:
    """``% …`` comments blanked in place (same length), so that columns stay the user's."""
    return _COMMENT.sub(lambda m: " " * len(m.group(0)), text)


def _closer(m: re.Match[str]) -> str:
    if m.group(0) == "$$":
        return "$$"
    if m.group(0) == "\\[":
        return "\\]"
    return f"\\end{{{m.group('env')}{m.group('star')}}}"


def find_displays(text: str) -> tuple[list[tuple[int, int, int, int, str]], list[Unclosed]]:
    """The displays of ``text`` as (start, end, body start, body end, opener), and the displays opened
    but never closed (an opener without its closer, or a ``$$`` whose "body" runs on into prose)."""
    found: list[tuple[int, int, int, int, str]] = []
    unclosed: list[Unclosed] = []
    scan = _blank_comments(text)
    pos = 0
    while True:
        m = _OPENER.search(scan, pos)
        if m is None:
            break
        if m.start() > 0 and scan[m.start() - 1] == "\\" and m.group(0) == "$$":
            pos = m.end()  # an escaped dollar
            continue
        close = _closer(m)
        end = scan.find(close, m.end())
        if end < 0 or (close == "$$" and _PROSE_INSIDE.search(scan[m.end() : end])):
            unclosed.append(Unclosed(m.group(0), m.start(), _line(text, m.start())))
            pos = m.end()
            continue
        found.append((m.start(), end + len(close), m.end(), end, m.group(0)))
        pos = end + len(close)
    for m in [*_OWN_LINE_INLINE.finditer(scan), *_OWN_LINE_PAREN.finditer(scan)]:
        if not any(a <= m.start() < b for a, b, *_ in found):
            found.append((m.start(), m.end(), m.start("m"), m.end("m"), "$"))
    found.sort()
    return found, unclosed


def _body(body: str, boff: int, opener: str) -> tuple[str, int, bool]:
    """The maths of a display (inside an ``aligned``/``split`` if there is one) and whether its rows are
    separate fragments."""
    inner = re.search(
        r"\\begin\{(aligned|align\*?|gathered|split|alignedat)\}(?:\{[^{}]*\})?(.+?)\\end\{\1\}",
        body,
        re.DOTALL,
    )
    if inner:
        return inner.group(2), boff + inner.start(2), True
    is_align = opener not in ("$$", "\\[") and "equation" not in opener
    # a \\ chain written without an align environment (not the rows of a cases block)
    chain = bool(re.search(r"\\\\(?!\S)", body)) and "\\begin{cases}" not in body
    return body, boff, is_align or chain


def extract(text: str) -> Extracted:
    """Split ``text`` into display fragments, inline maths, prose, unclosed displays and assumption
    comments."""
    if not isinstance(text, str):
        raise ValueError(f"text: expected a string, got {type(text).__name__}")
    fragments: list[Fragment] = []
    prose_parts: list[str] = []
    spans: list[tuple[int, str]] = []
    displays, unclosed = find_displays(text)
    clean = _blank_comments(text)
    last = 0
    for k, (start, end, bstart, bend, opener) in enumerate(displays):
        before = text[last:start]
        prose_parts.append(before)
        spans.append((last, before))
        last = end
        body, boff, is_align = _body(clean[bstart:bend], bstart, opener)
        rows = _split_rows(body) if is_align else [(body, 0)]
        for r, (row, roff) in enumerate(rows):
            latex, label = _label(row)
            fragments.append(
                Fragment(latex, boff + roff, _line(text, boff + roff), label, before if r == 0 else "", k, r)
            )
    prose_parts.append(text[last:])
    spans.append((last, text[last:]))
    prose = "\n".join(prose_parts)
    inline: list[InlineMath] = []
    for p_start, part in spans:
        prev_end, prev_def = -1, False
        for m in _INLINE.finditer(_blank_comments(part)):
            pre = part[max(0, m.start() - 30) : m.start()]
            between = part[prev_end : m.start()] if prev_end >= 0 else ""
            is_def = "=" in m.group("m") and (
                bool(_INLINE_DEF_WORDS.search(pre)) or (prev_def and bool(_AND.match(between.rstrip("$"))))
            )
            sentence = re.split(r"(?<=[.!?])\s+|\n\s*\n", part[max(0, m.start() - 240) : m.start()])[-1]
            inline.append(
                InlineMath(
                    m.group("m"),
                    p_start + m.start("m"),
                    _line(text, p_start + m.start("m")),
                    is_def,
                    sentence,
                )
            )
            named = _named_distribution(inline, part[prev_end : m.start()] if prev_end >= 0 else "", pre)
            if named is not None:
                inline[-2:] = [named]
            prev_end, prev_def = m.end(), is_def
    assumptions = [
        Assumption((m.group("a") or m.group("b") or "").strip(), _line(text, m.start()))
        for m in _ASSUME.finditer(text)
    ]
    return Extracted(fragments, inline, prose, unclosed, assumptions)


#: "Let $P$ be the true distribution $\mathcal{N}(\mu_0, \sigma_0^2)$": a name, then "be" and a few
#: words (no sentence end, no other maths), then a Gaussian.
_BE_WORDS = re.compile(r"^\s*(be|is|denote|denotes)\b[^.;:$]{0,50}$", re.I)
_LET_BEFORE = re.compile(r"\b(let|and|where|with)\s*$", re.I)


def _named_distribution(inline: list[InlineMath], between: str, pre_first: str) -> InlineMath | None:
    r"""The two last inline maths as one definition ``P = \mathcal{N}(…)`` when the prose says so in words
    ("let $P$ be the distribution $\mathcal{N}(\mu_0, \sigma_0^2)$"); None otherwise."""
    if len(inline) < 2:
        return None
    first, second = inline[-2], inline[-1]
    name = first.latex.strip()
    if not re.fullmatch(r"[A-Z]|[pq](_\{?[A-Za-z0-9]+\}?)?", name):
        return None
    if not re.match(r"\s*\\mathcal\s*\{N\}\s*\(", second.latex) or "=" in second.latex:
        return None
    if not _BE_WORDS.match(between.lstrip("$")) or not _LET_BEFORE.search(first.context[-40:] or pre_first):
        return None
    return InlineMath(f"{name} = {second.latex.strip()}", first.offset, first.line, True, first.context)


def is_definition_context(prose_before: str) -> bool:
    """Whether the prose just before a display introduces a definition (last sentence)."""
    tail = prose_before.strip()[-160:]
    sentences = re.split(r"(?<=[.!?])\s+", tail)
    return bool(_DEF_WORDS.search(sentences[-1] if sentences else ""))
