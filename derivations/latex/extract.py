"""Find the mathematics in a Markdown or LaTeX document (issue 14, "Extraction").

* Display maths: ``$$…$$``, ``\\[…\\]``, ``equation``/``align``/``gather`` (starred or not),
  with ``aligned`` inside ``$$``; an align's rows (split at ``\\\\``, ``&`` dropped) are
  fragments of their own, so that each row keeps its ``\\tag``.
* Labels: ``\\tag{n}`` or a trailing ``(n)`` / ``\\quad (n)``; the label is removed from the
  maths and kept as ``"(n)"``.
* Inline definitions: ``$…=…$`` right after *let*, *define*, *with*, *where*, *and*, *set*
  (``Let $q(z) = \\mathcal{N}(z; \\mu, \\sigma^2)$``).
* Prose is kept: the text before each display (to recognise definitions: *define*, *recall*,
  *given by*, *let*, *denote*) and the document's sentences starting with a step's label,
  which become that step's justification ("(14) is Bayes theorem.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DISPLAY = re.compile(
    r"\$\$(?P<dollar>.+?)\$\$|\\\[(?P<bracket>.+?)\\\]|"
    r"\\begin\{(?P<env>equation|align|gather|multline|eqnarray)(?P<star>\*?)\}(?P<body>.+?)\\end\{(?P=env)(?P=star)\}",
    re.DOTALL,
)
_INLINE = re.compile(r"(?<![\$\\])\$(?!\$)(?P<m>[^$]+?)(?<!\\)\$")
_TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")
_TRAILING = re.compile(r"(?<!\\log)(?<!\\ln)(?<!\\exp)(?:\\q?quad|\\,|\s)\s*\((\d{1,3}[a-z]?)\)\s*[.,]?\s*$")
_JUNK = re.compile(r"\\label\{[^{}]*\}|\\nonumber|\\notag")
_DEF_WORDS = re.compile(r"\b(define[sd]?|definition|recall|given by|let|denote[sd]?|is defined)\b", re.I)
_INLINE_DEF_WORDS = re.compile(r"\b(let|define|with|where)\s*$", re.I)
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


@dataclass(frozen=True)
class InlineMath:
    """An inline ``$…$`` fragment: its LaTeX, offset and line in the document, and whether it reads as a
    definition (preceded by let/define/with/where/and)."""
    latex: str
    offset: int
    line: int
    definition: bool  # preceded by let/define/with/where/and


@dataclass(frozen=True)
class Extracted:
    """What :func:`extract` finds in a document: the display-math fragments (one per row), the inline math,
    and the prose between the displays."""
    fragments: list[Fragment]
    inline: list[InlineMath]
    prose: str

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
        label = f"({m.group(1).strip()})"
        latex = latex[: m.start()] + " " * (m.end() - m.start()) + latex[m.end() :]
    else:
        m = _TRAILING.search(latex)
        if m:
            label = f"({m.group(1)})"
            latex = latex[: m.start()] + " " * (m.end() - m.start()) + latex[m.end() :]
    latex = _JUNK.sub(lambda x: " " * len(x.group(0)), latex)
    return latex, label


def extract(text: str) -> Extracted:
    """Split ``text`` into display fragments, inline maths and prose."""
    if not isinstance(text, str):
        raise ValueError(f"text: expected a string, got {type(text).__name__}")
    fragments: list[Fragment] = []
    prose_parts: list[str] = []
    last = 0
    for k, m in enumerate(_DISPLAY.finditer(text)):
        before = text[last : m.start()]
        prose_parts.append(before)
        last = m.end()
        if m.group("dollar") is not None:
            body, boff = m.group("dollar"), m.start("dollar")
            inner = re.search(
                r"\\begin\{(aligned|align\*?|gathered|split)\}(.+?)\\end\{\1\}", body, re.DOTALL
            )
            is_align = inner is not None
            if inner:
                body, boff = inner.group(2), boff + inner.start(2)
            elif re.search(r"\\\\(?!\S)", body) and "\\begin{cases}" not in body:
                is_align = True  # a \\ chain written without an align environment
        elif m.group("bracket") is not None:
            body, boff, is_align = m.group("bracket"), m.start("bracket"), False
            inner = re.search(r"\\begin\{(aligned|split)\}(.+?)\\end\{\1\}", body, re.DOTALL)
            if inner:
                body, boff, is_align = inner.group(2), boff + inner.start(2), True
        else:
            body, boff = m.group("body"), m.start("body")
            is_align = m.group("env") != "equation"
        rows = _split_rows(body) if is_align else [(body, 0)]
        for r, (row, roff) in enumerate(rows):
            latex, label = _label(row)
            fragments.append(
                Fragment(latex, boff + roff, _line(text, boff + roff), label, before if r == 0 else "", k, r)
            )
    prose_parts.append(text[last:])
    prose = "\n".join(prose_parts)
    inline: list[InlineMath] = []
    for p_start, part in _prose_spans(text):
        prev_end, prev_def = -1, False
        for m in _INLINE.finditer(part):
            pre = part[max(0, m.start() - 30) : m.start()]
            between = part[prev_end : m.start()] if prev_end >= 0 else ""
            is_def = "=" in m.group("m") and (
                bool(_INLINE_DEF_WORDS.search(pre)) or (prev_def and bool(_AND.match(between.rstrip("$"))))
            )
            inline.append(
                InlineMath(m.group("m"), p_start + m.start("m"), _line(text, p_start + m.start("m")), is_def)
            )
            prev_end, prev_def = m.end(), is_def
    return Extracted(fragments, inline, prose)


def _prose_spans(text: str) -> list[tuple[int, str]]:
    spans = []
    last = 0
    for m in _DISPLAY.finditer(text):
        spans.append((last, text[last : m.start()]))
        last = m.end()
    spans.append((last, text[last:]))
    return spans


def is_definition_context(prose_before: str) -> bool:
    """Whether the prose just before a display introduces a definition (last sentence)."""
    tail = prose_before.strip()[-160:]
    sentences = re.split(r"(?<=[.!?])\s+", tail)
    return bool(_DEF_WORDS.search(sentences[-1] if sentences else ""))
