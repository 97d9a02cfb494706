"""Parse one display (or one row of an ``align``) of the field's notation into an AST.

The grammar (``grammar.lark``, LALR(1), Lark's contextual lexer) covers the notation listed in
``docs/latex-notation.md``: densities ``p_\\theta(x|z)``, ``\\log``/``\\ln``/``\\exp``, ``\\frac``,
powers, ``\\sum_z``, ``\\int_z … dz``, expectations, KL, entropy, ELBO, ``\\mathcal{N}``, ``\\nabla``.
Spacing and sizing commands (``\\left``, ``\\right``, ``\\,``, ``\\quad`` …) are blanked out
*in place* (same length), so every error position is a column of the user's own LaTeX.

Anything else is a :class:`LatexParseError` quoting the LaTeX and its position, naming the
command that is not supported (``\\arg``, ``\\prod``, ``\\text{tr}`` …) — never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken


class LatexParseError(ValueError):
    """Unsupported or malformed notation: ``latex`` and the 0-based ``column`` where it fails."""

    def __init__(self, message: str, latex: str, column: int) -> None:
        self.latex = latex
        self.column = column
        near = latex[max(0, column - 25) : column + 25].replace("\n", " ")
        super().__init__(f"{message} at column {column + 1} of `{latex.strip()}` (near `{near}`)")
        self.reason = message


@dataclass(frozen=True)
class Node:
    """One node of the parsed expression. ``kind`` names the construct; ``args`` are child
    nodes or strings (names, numbers, relations)."""

    kind: str
    args: tuple[Any, ...] = ()

    def children(self) -> list[Node]:
        """The arguments of this node that are themselves nodes, in order."""
        return [a for a in self.args if isinstance(a, Node)]

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first (pre-order)."""
        yield self
        for c in self.children():
            yield from c.walk()


@dataclass(frozen=True)
class Chain:
    """``first rel₁ e₁ rel₂ e₂ …``; ``first`` is None for a continuation (``= e₁ …``).

    ``condition``: the text of a condition the display states (``\\text{for } k \\le K``, ``\\forall x``,
    ``\\text{s.t.}``): such a display is a statement, never a step. ``where``: local definitions written
    after ``\\text{with}``/``\\text{where}`` (``JSD = … \\quad\\text{with}\\quad M = …``). ``model``: a
    generative statement ``z \\sim \\mathcal{N}(0, 1)`` as (variable, given, distribution)."""

    first: Node | None
    steps: tuple[tuple[str, Node], ...]
    condition: str | None = None
    where: tuple[Chain, ...] = ()
    model: tuple[Node, Node | None, Node] | None = None


# Blanked in place (replaced by spaces of the same length).
_BLANK = re.compile(
    r"\\left(?![a-zA-Z])\.?|\\right(?![a-zA-Z])\.?|\\middle(?![a-zA-Z])|\\[bB]igg?[lrm]?(?![a-zA-Z])|\\displaystyle|\\textstyle|"
    r"\\scriptstyle|\\[,;:! ]|\\q?quad(?![a-zA-Z])|~|\\mathop|\\limits|\\nolimits|&|\\nonumber|\\notag"
)
#: Spellings rewritten in place to the grammar's (same length, padded with spaces).
_SAME_LEN = [
    (re.compile(r"\\mathsf(?![a-zA-Z])"), r"\\mathrm"),
    (re.compile(r"\\textsf(?![a-zA-Z])"), r"\\textrm"),
    (
        re.compile(
            r"\\(mathop|operatorname\*?|mathrm|mathsf|text|textrm)\s*\{\s*(\\mathbb\s*\{E\}|\\mathbb\s*E|E)\s*\}"
        ),
        r"\\mathbb{E}",
    ),
    (re.compile(r"\\(text|mathrm|operatorname)\{\s*(exp|log|ln)\s*\}"), r"\\\2"),
    (
        re.compile(r"\\(lVert|rVert|Vert)(?![a-zA-Z])|\\vert\s*\\vert(?![a-zA-Z])|\\mid\s*\\mid(?![a-zA-Z])"),
        "||",
    ),
    (re.compile(r"\\parallel(?![a-zA-Z])"), "||"),
    (re.compile(r"\\\|"), "||"),
    (re.compile(r"\\mid(?![a-zA-Z])|\\vert(?![a-zA-Z])|\\lvert(?![a-zA-Z])|\\rvert(?![a-zA-Z])"), "|"),
    (
        re.compile(
            r"(\\mathrm\s*\{\s*d\s*\}|\\mathrm\s+d|\\text\s*\{\s*d\s*\}|\\operatorname\s*\{\s*d\s*\}|\\mathit\{d\})"
            r"\s*(\\(mathbf|boldsymbol|bm)\s*\{[a-zA-Z]\}|\\[a-zA-Z]+|[a-zA-Z])"
        ),
        r"d\2",
    ),
    (re.compile(r"\^\{\s*(\\top|T|\\intercal|\\mathsf\{T\}|\\mathrm\{T\})\s*\}"), r"^\1"),
    (re.compile(r"\^\{\s*\\prime\s*\}"), "'"),
    (re.compile(r"\^\\prime(?![a-zA-Z])"), "'"),
    # σ^2_1 (superscript before subscript) is σ_1^2; D^*_G (Goodfellow et al. 2014), \theta^\star_{MLE},
    # q^*_j(z_j), \hat{\theta}^*_{MLE} are D_G^*, \theta_{MLE}^\star, q_j^*(z_j), \hat{\theta}_{MLE}^*
    (
        re.compile(
            r"(\\(?:hat|tilde|bar|mathbf|boldsymbol|bm|mathcal|mathrm)\{[^{}]*\}|\\[a-zA-Z]+|[a-zA-Z])"
            r"\^(\{[^{}]*\}|[0-9a-zA-Z*]|\\(?:star|ast|prime|dagger)(?![a-zA-Z]))"
            r"_(\{[^{}]*\}|\\[a-zA-Z]+|[0-9a-zA-Z])"
        ),
        r"\1_\3^\2",
    ),
]

_UNSUPPORTED_HINT = {
    r"\text": "this \\text{…} word",
    r"\mathbb": "this \\mathbb{…} symbol",
    r"\in": "set membership",
    r"\subset": "set membership",
    r"\forall": "quantifiers",
    r"\neq": "≠ (not a chain relation)",
    r"\mathbb{I}": "indicator functions",
    r"\dots": "ellipses",
    r"\ldots": "ellipses",
    r"\cdots": "ellipses",
    r"\underset": "\\underset (write the subscript form, e.g. \\arg\\max_\\theta)",
}

#: Words of a ``\text{…}`` that are operators, read by the grammar, not annotations.
_OPERATOR_WORDS = re.compile(
    r"^\s*(KL|K\s*L|ELBO|JSD|J\s*S\s*D|JS|tr|Tr|diag|const\.?|constant|cst|C|Bernoulli|Bern|Ber|Cat|"
    r"Categorical|softplus|sigmoid|exp|log|ln|E|d|MLE|MAP|data|old|new|T)\s*$"
)
#: ``\text{…}`` words that state a condition: the rest of the display is the condition.
_CONDITION_WORDS = re.compile(
    r"^\s*,?\s*(for|if|when|whenever|where|with|s\.\s*t\.?|such that|subject to|given|provided|for all|"
    r"otherwise|iff|as)\b",
    re.I,
)
_TEXT_CMD = re.compile(r"\\(text|textrm|textit|textbf|texttt|mbox|textnormal)\s*\{")
_WRAPPER = re.compile(
    r"\\(underbrace|overbrace|boxed|textcolor\{[^{}]*\}|colorbox\{[^{}]*\}|cancel|bcancel)\s*\{"
)


def _same_length(text: str, pattern: re.Pattern[str], repl: str) -> str:
    def sub(m: re.Match[str]) -> str:
        new = m.expand(repl)
        return new + " " * (len(m.group(0)) - len(new))

    return pattern.sub(sub, text)


def _closing(text: str, open_at: int) -> int:
    """Index of the ``}`` matching the ``{`` at ``open_at`` (``len(text)`` when unbalanced)."""
    depth = 0
    for k in range(open_at, len(text)):
        if text[k] == "{" and (k == 0 or text[k - 1] != "\\"):
            depth += 1
        elif text[k] == "}" and (k == 0 or text[k - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return k
    return len(text)


def _depths(text: str) -> list[int]:
    """Grouping depth ({}, (), []) at each position (escaped braces count as groups too)."""
    out, d = [], 0
    for ch in text:
        if ch in "{([":
            d += 1
            out.append(d)
        elif ch in "})]":
            out.append(d)
            d = max(0, d - 1)
        else:
            out.append(d)
    return out


def _in_script(text: str, pos: int) -> bool:
    """Whether ``pos`` lies inside a ``_{…}``/``^{…}`` group or a ``\\operatorname{…}``."""
    depth_stack: list[bool] = []
    k = 0
    while k < pos:
        ch = text[k]
        if ch == "{" and (k == 0 or text[k - 1] != "\\"):
            before = text[max(0, k - 14) : k].rstrip()
            depth_stack.append(before.endswith(("_", "^")) or before.endswith("\\operatorname"))
        elif ch == "}" and (k == 0 or text[k - 1] != "\\") and depth_stack:
            depth_stack.pop()
        k += 1
    return any(depth_stack)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _strip_wrappers(s: str) -> str:
    """``\\underbrace{X}_{\\text{…}}`` → X; ``\\boxed{X}``, ``\\textcolor{red}{X}`` → X; ``\\color{red}``
    blanked."""
    s = re.sub(r"\\color\s*\{[^{}]*\}", lambda m: " " * len(m.group(0)), s)
    while True:
        m = _WRAPPER.search(s)
        if not m:
            return s
        close = _closing(s, m.end() - 1)
        note_end = close + 1
        if m.group(1) in ("underbrace", "overbrace"):
            n = re.match(r"\s*[_^]\s*", s[note_end:])
            if n:
                k = note_end + n.end()
                if k < len(s) and s[k] == "{":
                    note_end = _closing(s, k) + 1
                else:
                    note_end = k + 1
        if close < len(s):
            s = _blank(s, close, note_end)
        s = _blank(s, m.start(), m.end())


_OPERAND_EDGE = (
    r"(=|:=|\\coloneqq|\\equiv|\\triangleq|\\geq?|\\leq?|\\geqslant|\\leqslant|<|>|\\approx|\\propto|\+|-)"
)


def _is_operand(before: str, after: str) -> bool:
    """Whether a ``\\text{…}`` word stands where a quantity stands: between relations or ``+``/``−`` (or the
    row's ends), e.g. ``\\text{evidence} \\coloneqq \\log p(x)``. Such a word is a name, never an annotation
    to blank (blanking it would read ``:= \\log p(x)`` as a continuation)."""
    b, a = before.strip(), after.strip()
    if not b and not a:
        return False
    left = not b or re.search(_OPERAND_EDGE + r"$", b) is not None
    right = not a or re.match(_OPERAND_EDGE, a) is not None
    return left and right


def _text_words(s: str) -> tuple[str, str | None]:
    """Blank annotation words (``\\text{by Jensen}``, ``\\text{(1.1)}``, ``\\text{E step: }``); cut the
    display
    at a condition word (``\\text{for }``, ``\\text{s.t.}``, ``\\forall``) and return the cut text."""
    pos = 0
    while True:
        m = _TEXT_CMD.search(s, pos)
        f = re.search(r"\\forall(?![a-zA-Z])", s[pos:])
        fpos = pos + f.start() if f else None
        if fpos is not None and (m is None or fpos < m.start()) and not _in_script(s, fpos):
            return s[:fpos] + " " * (len(s) - fpos), s[fpos:].strip()
        if not m:
            return s, None
        close = _closing(s, m.end() - 1)
        word = s[m.end() : close]
        if _in_script(s, m.start()) or _OPERATOR_WORDS.match(word):
            pos = close + 1
            continue
        if _CONDITION_WORDS.match(word):
            return s[: m.start()] + " " * (len(s) - m.start()), s[m.start() :].strip()
        start, end = m.start(), min(close + 1, len(s))
        if _is_operand(s[:start], s[end:]):
            raise LatexParseError(
                f"unsupported notation `\\text{{{word}}}`: a word used as a quantity (write a symbol)",
                s,
                start,
            )
        lp = re.search(r"\(\s*$", s[:start])
        rp = re.match(r"\s*\)", s[end:])
        if lp and rp:
            start, end = lp.start(), end + rp.end()
        s = _blank(s, start, end)
        pos = end


_NORM = re.compile(
    r"(\\\||\\[lr]?Vert(?![a-zA-Z])|\|\|)((?:[^|\\]|\\[a-zA-Z]+(?![a-zA-Z])|\\[^|a-zA-Z])*?)"
    r"(\\\||\\[lr]?Vert(?![a-zA-Z])|\|\|)(?=\s*[_^])"
)


def _norms(s: str) -> str:
    """``\\|w\\|_2`` and ``||w||_2`` → ⟪w⟫ (norms are followed by ``_`` or ``^``; KL's ``\\|`` is not)."""

    def sub(m: re.Match[str]) -> str:
        o, body, c = m.group(1), m.group(2), m.group(3)
        return "⟪" + " " * (len(o) - 1) + body + "⟫" + " " * (len(c) - 1)

    return _NORM.sub(sub, s)


def _bare_expectations(s: str) -> str:
    """``\\mathbb{E}_q \\log p`` (no bracket after the subscript) → the ``\\Ebare`` token (same length)."""
    out = s
    for m in re.finditer(r"\\mathbb\s*\{E\}|\\mathbb\s*E(?![a-zA-Z])", s):
        k = m.end()
        while k < len(s) and s[k] == " ":
            k += 1
        if k < len(s) and s[k] == "_":
            k = _after_script(s, k + 1)
        while k < len(s) and s[k] == " ":
            k += 1
        if k >= len(s) or (s[k] not in "[(" and not s.startswith("\\{", k)):
            token = "\\Ebare"
            out = out[: m.start()] + token + " " * (m.end() - m.start() - len(token)) + out[m.end() :]
    return out


def _after_script(s: str, k: int) -> int:
    """The index after the argument of a sub- or superscript whose ``_``/``^`` ends at ``k``: blanks, then
    a group ``{…}``, a command or one character."""
    while k < len(s) and s[k] == " ":
        k += 1
    if k < len(s) and s[k] == "{":
        return _closing(s, k) + 1
    if k < len(s) and s[k] == "\\":
        n = re.match(r"\\[a-zA-Z]+", s[k:])
        return k + (n.end() if n else 1)
    return k + 1


_INT = re.compile(r"\\int(?![a-zA-Z])")
_CLOSING_DIFF = re.compile(
    r"(\\,|\\;|\\!|\s)\s*d(\\(mathbf|boldsymbol|bm)\{[a-zA-Z]\}|\\[a-zA-Z]+|[a-zA-Z])(?![a-zA-Z(])"
)
_TOP_REL = re.compile(r"=|\\geq?(?![a-zA-Z])|\\leq?(?![a-zA-Z])|<|>|\\approx|\\propto|\\\\")


def _integral_spans(s: str) -> str:
    """``\\int_x A + B \\, dx``: the integrand runs to the differential that closes it, so it is wrapped in
    parentheses (the blank after the limits and the ``\\,`` before ``dx`` become ``(`` and ``)``; same
    length).
    Only where a ``+``/``−`` lies between them at the integral's own level and nothing else closes earlier."""
    for m in reversed(list(_INT.finditer(s))):
        k = m.end()
        while True:  # the limits _{…} ^{…}
            while k < len(s) and s[k] == " ":
                k += 1
            if k < len(s) and s[k] in "_^":
                k = _after_script(s, k + 1)
            else:
                break
        if k == 0 or s[k - 1] != " ":
            continue
        open_at = k - 1
        depth, plus, end = 0, False, None
        j = k
        while j < len(s):
            ch = s[j]
            if ch in "{([":
                depth += 1
            elif ch in "})]":
                depth -= 1
                if depth < 0:
                    break
            elif depth == 0:
                if _TOP_REL.match(s, j) or _INT.match(s, j):
                    break
                if ch in "+-":
                    plus = True
                d = _CLOSING_DIFF.match(s, j)
                if d:
                    end = (j, d)
                    break
            j += 1
        if end is None or not plus:
            continue
        j, d = end
        close_at = j + len(d.group(1)) - 1  # the last character of the spacing before d
        s = s[:open_at] + "(" + s[open_at + 1 : close_at] + ")" + s[close_at + 1 :]
    return s


def _relative_entropy(s: str) -> str:
    """``D(q \\| p)``: a bare D whose parentheses hold a ``||`` at their own level is the relative entropy
    (Cover & Thomas, ch. 2), i.e. KL; marked ``Ð`` for the grammar (same length); ``JS(p \\| q)`` likewise
    is the Jensen–Shannon divergence (Goodfellow et al. 2014, Thm 1). ``D(x)`` (a GAN's discriminator) has
    no ``||`` and stays a function."""
    for m in reversed(list(re.finditer(r"(?<![\\a-zA-Z_^{])(D|JS)(?=\s*\()", s))):
        k = s.index("(", m.end())
        depth = 0
        for j in range(k, len(s)):
            depth += s[j] in "([{"
            depth -= s[j] in ")]}"
            if depth == 0:
                break
            if depth == 1 and s.startswith("||", j):
                mark = "Ð" if m.group(1) == "D" else "Ɉ "  # JS(p || q): the Jensen–Shannon divergence
                s = s[: m.start()] + mark + s[m.end() :]
                break
    return s


_LEIBNIZ = re.compile(r"\\([dt]?frac)\s*\{\s*d(?![a-zA-Z]{2})(?=\s*[^\s}])")
_LEIBNIZ_VAR = re.compile(
    r"\{\s*d\s*((?:\\[a-zA-Z]+|[a-zA-Z])(?:_(?:\{[^{}]*\}|\\[a-zA-Z]+|[a-zA-Z0-9]))?)\s*\}"
)


def _leibniz(s: str) -> str:
    """``\\frac{df(x)}{dx}`` (Leibniz's notation with the function in the numerator) → ``\\frac{\\partial
    f(x)}{\\partial x}``: the derivative of an expression written in x, as ``\\frac{d}{dx} f(x)`` is read.
    Without this, ``d`` and ``dx`` would be read as products (d·f(x))/(d·x). The only rewrite that changes the
    length: done last."""
    out, pos = [], 0
    for m in _LEIBNIZ.finditer(s):
        if m.start() < pos:
            continue
        brace = s.index("{", m.start())
        close = _closing(s, brace)
        v = _LEIBNIZ_VAR.match(s, close + 1)
        if close >= len(s) or v is None:
            continue
        num = s[m.end() : close]
        out.append(s[pos : m.start()] + f"\\{m.group(1)}{{\\partial {num}}}{{\\partial {v.group(1)}}}")
        pos = v.end()
    return "".join(out) + s[pos:]


_BARE_KL = re.compile(
    r"D\s*_\s*(\{\s*KL\s*\}|\{\s*\\(text|mathrm|rm|operatorname)\s*\{\s*KL\s*\}\s*\}|\\(text|mathrm)\s*\{\s*KL\s*\})"
    r"(?=\s*(=|\\geq?(?![a-zA-Z])|\\leq?(?![a-zA-Z])|<|>|$))"
)


def _bare_kl(s: str) -> str:
    """``D_{KL} = …`` with no arguments (the divergence the section computes, named by its symbol): a name
    ``D_{kl}``, so that the row is read as that name's definition and its chain continues; ``D_{KL}(q \\| p)``
    with its arguments stays the KL (same length)."""
    return _BARE_KL.sub(lambda m: m.group(0).replace("KL", "kl"), s)


def preprocess(latex: str) -> str:
    """Blank spacing/sizing commands and annotations, normalise spellings, keeping every column in place."""
    s = latex
    for pattern, repl in _SAME_LEN[:3]:  # typefaces and \mathrm{E} before the blanking
        s = _same_length(s, pattern, repl)
    s = _BLANK.sub(lambda m: " " * len(m.group(0)), s)
    s, _ = _text_words(_strip_wrappers(s))
    s = _norms(s)
    for pattern, repl in _SAME_LEN:
        s = _same_length(s, pattern, repl)
    s = _bare_expectations(s)
    s = _relative_entropy(s)
    s = _bare_kl(s)
    s = _integral_spans(s)
    s = re.sub(r"[.,;]\s*$", lambda m: " " * len(m.group(0)), s)  # sentence punctuation
    return _leibniz(s)


#: Where a row's commentary can begin: a spacing (``\\quad``, ``\\qquad``, ``\\hspace{…}``) or an empty
#: align column (``&&``), followed by a ``\\text{…}`` word; ``\\because`` always begins one.
_COMMENT_SPACE = re.compile(r"\\q?quad(?![a-zA-Z])|\\hspace\*?\{[^{}]*\}|&\s*&|\\because(?![a-zA-Z])")
_COMMENT_WORD = re.compile(
    r"(\s|\\q?quad(?![a-zA-Z])|\\[,;:! ]|~|&)*[(\[]?\s*\\(text|textrm|textit|textbf|mbox|textnormal)\s*\{"
)
#: Words that join two relations rather than comment on one (``A = B \\quad\\text{and}\\quad C = D``).
_JOINING_WORDS = re.compile(r"^\s*(and|or|i\.e\.,?|so|thus|hence|then|,)\s*$", re.I)
#: Connectives that open a row (``\\therefore\\ \\text{evidence} \\geq \\text{ELBO}``): blanked.
_CONNECTIVE = re.compile(r"^\s*(\\therefore|\\hence|\\implies|\\Rightarrow|\\Longrightarrow)(?![a-zA-Z])")


def cut_commentary(latex: str) -> str:
    """Blank a row's trailing commentary, keeping every column in place: from a ``\\quad``/``\\qquad``/
    ``&&`` followed by a ``\\text{…}`` remark (``\\qquad \\text{(since } \\textstyle\\sum_z q = 1)``, whose
    parenthesis may close outside the ``\\text``), or from ``\\because``, to the end of the row. A
    remark is a justification, not part of the relation; a condition word (``\\text{for }``,
    ``\\text{where}``) or an operator word (``\\text{KL}``) is not a remark and stays."""
    n = _CONNECTIVE.match(latex)
    if n:
        latex = _blank(latex, n.start(1), n.end(1))
    depth = _depths(latex)
    for m in _COMMENT_SPACE.finditer(latex):
        if depth[m.start()] != 0 or _in_script(latex, m.start()):
            continue
        if m.group(0).startswith("\\because"):
            return _blank(latex, m.start(), len(latex))
        w = _COMMENT_WORD.match(latex, m.end())
        if not w:
            continue
        word = latex[w.end() : _closing(latex, w.end() - 1)]
        if _OPERATOR_WORDS.match(word) or _CONDITION_WORDS.match(word) or _JOINING_WORDS.match(word):
            continue
        return _blank(latex, m.start(), len(latex))
    return latex


def _split_condition(latex: str) -> tuple[str, str | None]:
    """The display without its stated condition, and the condition's text (None when there is none)."""
    latex = cut_commentary(latex)
    s = _BLANK.sub(lambda m: " " * len(m.group(0)), latex)
    s, cond = _text_words(_strip_wrappers(s))
    if cond is None:
        return latex, None
    cut = len(s.rstrip())
    return latex[:cut] + " " * (len(latex) - cut), cond


def _top_level(text: str, pattern: str) -> list[int]:
    """Start positions of ``pattern`` outside every group."""
    depth = _depths(text)
    return [m.start() for m in re.finditer(pattern, text) if depth[m.start()] == 0]


@cache
def _lark() -> Lark:
    grammar = (Path(__file__).with_name("grammar.lark")).read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=False)


def _name(tok: str) -> str:
    """Canonical spelling of a name token: ``\\hat x`` → ``\\hat{x}``, ``\\mathcal L`` → ``\\mathcal{L}``."""
    s = re.sub(
        r"\\(hat|tilde|bar|mathbf|boldsymbol|vec|bm|mathcal|mathbb|mathrm)\s*([a-zA-Z]|\\[a-zA-Z]+)(?![a-zA-Z])",
        r"\\\1{\2}",
        str(tok),
    )
    return re.sub(r"\s+", "", s)


def _upper(x: object) -> object:
    """The upper limit of a sum or product: ``\\sum_{t=1}^T`` has the limit T, never a transpose."""
    if isinstance(x, Node) and x.kind == "transpose_mark":
        return Node("name", ("T",))
    return x


class _ToAst(Transformer):
    def chain(self, items: list[Any]) -> Chain:
        first = items[0]
        rest = items[1:]
        return Chain(first, tuple((str(rest[k]), rest[k + 1]) for k in range(0, len(rest), 2)))

    def continuation(self, items: list[Any]) -> Chain:
        return Chain(None, tuple((str(items[k]), items[k + 1]) for k in range(0, len(items), 2)))

    def start(self, items: list[Any]) -> object:
        return items[0]

    def add(self, it: list[Any]) -> Node:
        return Node("add", (it[0], it[2]))

    def sub(self, it: list[Any]) -> Node:
        return Node("sub", (it[0], it[2]))

    def mul(self, it: list[Any]) -> Node:
        a, b = it[0], it[-1]
        return Node("mul", (a, b))

    def div(self, it: list[Any]) -> Node:
        return Node("div", (it[0], it[1]))

    def neg(self, it: list[Any]) -> Node:
        return Node("neg", (it[1],))

    def pos(self, it: list[Any]) -> object:
        return it[1]

    def log(self, it: list[Any]) -> Node:
        return Node("log", (it[1],))

    def exp(self, it: list[Any]) -> Node:
        return Node("exp", (it[-1],))

    def pow(self, it: list[Any]) -> Node:
        if isinstance(it[1], Node) and it[1].kind == "transpose_mark":
            return Node("transpose", (it[0],))
        return Node("pow", (it[0], it[1]))

    def sup(self, it: list[Any]) -> Node:
        x = it[0]
        if isinstance(x, Token):
            if x.type == "DIGIT":
                return Node("number", (str(x),))
            return Node("name", (_name(x),))
        return x

    def number(self, it: list[Any]) -> Node:
        return Node("number", (str(it[0]),))

    def name(self, it: list[Any]) -> Node:
        return Node("name", (_name(it[0]),))

    def name_arg(self, it: list[Any]) -> str:
        return _name(it[0])

    def call(self, it: list[Any]) -> Node:
        left, right = it[1]
        return Node("call", (_name(it[0]), Node("args", tuple(left)), Node("args", tuple(right))))

    def args(self, it: list[Any]) -> tuple[list[Node], list[Node]]:
        left = it[0]
        right = it[2] if len(it) > 2 else []
        return left, right

    def arglist(self, it: list[Any]) -> list[Node]:
        return [x for x in it if isinstance(x, Node)]

    def frac(self, it: list[Any]) -> Node:
        return Node("div", (it[1], it[2]))

    def sqrt(self, it: list[Any]) -> Node:
        return Node("pow", (it[1], Node("div", (Node("number", ("1",)), Node("number", ("2",))))))

    def root(self, it: list[Any]) -> Node:
        return Node("pow", (it[2], Node("div", (Node("number", ("1",)), it[1]))))

    def sub_var(self, it: list[Any]) -> Node:
        return Node("binder", (_name(it[0]),))

    def sub_range(self, it: list[Any]) -> Node:
        return Node("binder", (_name(it[0]), it[1]))

    def sum(self, it: list[Any]) -> Node:
        binder = it[1]
        upper = _upper(it[2]) if len(it) == 4 else None
        return Node("sum", (binder, upper, it[-1]))

    def integral(self, it: list[Any]) -> Node:
        rest = [x for x in it[1:]]
        diff = rest.pop() if isinstance(rest[-1], Token) and rest[-1].type == "DIFF" else None
        binder = rest[0] if isinstance(rest[0], Node) and rest[0].kind == "binder" else None
        limits = rest[0] if isinstance(rest[0], Node) and rest[0].kind == "limits" else None
        if binder is None and diff is not None:
            binder = Node("binder", (_name(diff)[1:],))
        if binder is None:
            raise LatexParseError("an integral needs its variable (\\int_z … or … dz)", "", 0)
        if limits is not None:
            return Node("int", (binder, rest[-1], limits))
        return Node("int", (binder, rest[-1]))

    def rel(self, it: list[Any]) -> str:
        tok = re.sub(r"\s+", "", str(it[0]))
        return {
            "≥": r"\geq",
            "≤": r"\leq",
            r"\geqslant": r"\geq",
            r"\leqslant": r"\leq",
            "≈": r"\approx",
            r"\simeq": r"\approx",
            "∝": r"\propto",
            r"\coloneqq": ":=",
            r"\triangleq": ":=",
            r"\equiv": ":=",
            r"\doteq": ":=",
        }.get(tok, ":=" if tok.startswith(("\\stackrel", "\\overset")) else tok)

    def sim_statement(self, it: list[Any]) -> Chain:
        return Chain(None, (), model=(it[0], None, it[2]))

    def sim_conditional(self, it: list[Any]) -> Chain:
        return Chain(None, (), model=(it[0], it[2], it[4]))

    def prod(self, it: list[Any]) -> Node:
        binder = it[1]
        upper = _upper(it[2]) if len(it) == 4 else None
        return Node("prod", (binder, upper, it[-1]))

    def sub_set(self, it: list[Any]) -> Node:
        return Node("binder", (_name(it[0]), None, it[2]))

    def int_range(self, it: list[Any]) -> Node:
        return Node("limits", (it[0], it[1]))

    def int_var(self, it: list[Any]) -> Node:
        n = _name(it[0])
        if n in (r"\mathbb{R}", r"\mathcal{X}", r"\mathcal{Z}", r"\Omega"):
            return Node("limits", (Node("space", (n,)),))
        return Node("binder", (n,))

    def int_space(self, it: list[Any]) -> Node:
        return Node("limits", (Node("space", (_name(it[0]), it[1])),))

    def integral_lead(self, it: list[Any]) -> Node:
        return self.integral([it[0], *it[1:-2], it[-1], it[-2]])

    def optvar(self, it: list[Any]) -> tuple[str, ...]:
        return tuple(_name(x) for x in it)

    def optimum(self, it: list[Any]) -> Node:
        op = re.sub(r"[^a-z]", "", str(it[0]).replace("operatorname", ""))
        return Node("opt", (op, it[1], it[2]))

    def espec_sub(self, it: list[Any]) -> object:
        return it[0]

    def espec_name(self, it: list[Any]) -> Node:
        return Node("espec", (None, Node("name", (_name(it[0]),))))

    def espec_none(self, it: list[Any]) -> Node:
        return Node("espec", (None, None))

    def espec_multi(self, it: list[Any]) -> Node:
        return Node("espec", ((_name(it[0]), _name(it[2])), it[4]))

    def expect_bare(self, it: list[Any]) -> Node:
        return Node("expect", (it[1], it[2]))

    def expect_angle(self, it: list[Any]) -> Node:
        return Node("expect", (it[3], it[1]))

    def derivative(self, it: list[Any]) -> Node:
        tok = str(it[0])
        m = re.search(
            r"\{\s*(?:d|\\partial)\s*((?:\\[a-zA-Z]+|[a-zA-Z])(?:_(?:\{[^{}]*\}|\\[a-zA-Z]+|[a-zA-Z0-9]))?)\s*\}\s*$",
            tok,
        )
        assert m is not None, tok
        return Node("deriv", (_name(m.group(1)), it[1]))

    def partial_frac(self, it: list[Any]) -> Node:
        return Node("deriv", (_name(it[4]), it[2]))

    def transpose_sup(self, it: list[Any]) -> Node:
        return Node("transpose_mark", ())

    def inverse_sup(self, it: list[Any]) -> Node:
        return Node("number", ("-1",))

    def infinity(self, it: list[Any]) -> Node:
        return Node("infinity", ())

    def det(self, it: list[Any]) -> Node:
        return Node("det", (it[-1] if not isinstance(it[-1], Token) else it[1],))

    def trace(self, it: list[Any]) -> Node:
        return Node("trace", (it[1],))

    def diag(self, it: list[Any]) -> Node:
        return Node("diag", (it[1],))

    def norm(self, it: list[Any]) -> Node:
        p = str(it[3]) if len(it) > 3 else "2"
        return Node("norm", (it[1], p))

    def const(self, it: list[Any]) -> Node:
        return Node("const", ())

    def jsd(self, it: list[Any]) -> Node:
        dists = [x for x in it if isinstance(x, Node)]
        return Node("jsd", tuple(dists))

    def cross_entropy(self, it: list[Any]) -> Node:
        dists = [x for x in it if isinstance(x, Node)]
        return Node("xent", tuple(dists))

    def func(self, it: list[Any]) -> Node:
        left, right = it[1]
        name = re.sub(r"\\(text|mathrm|operatorname)\{([^{}]*)\}", r"\2", str(it[0])).strip()
        return Node("func", (name, Node("args", tuple(left)), Node("args", tuple(right))))

    def event(self, it: list[Any]) -> Node:
        if str(it[1]).strip() != "=":
            raise LatexParseError(
                f"a relation `{it[1]}` inside an argument (only events y = 1 are read)", "", 0
            )
        return Node("event", (it[0], it[2]))

    def placeholder(self, it: list[Any]) -> Node:
        return Node("placeholder", ())

    def brace_group(self, it: list[Any]) -> object:
        return it[1]

    def frac_over(self, it: list[Any]) -> Node:
        return Node("div", (it[0], it[2]))

    def nabla(self, it: list[Any]) -> Node:
        var = it[1] if len(it) == 3 else None
        return Node("nabla", (var, it[-1]))

    def kl(self, it: list[Any]) -> Node:
        dists = [x for x in it if isinstance(x, Node)]
        return Node("kl", tuple(dists))

    def dist(self, it: list[Any]) -> object:
        return it[0]

    def entropy(self, it: list[Any]) -> Node:
        return Node("entropy", (it[1],))

    def elbo(self, it: list[Any]) -> Node:
        return Node("elbo", ())

    def espec_sim(self, it: list[Any]) -> Node:
        return Node("espec", (_name(it[0]), it[2]))

    def espec_dist(self, it: list[Any]) -> Node:
        return Node("espec", (None, it[0]))

    def expect(self, it: list[Any]) -> Node:
        spec = it[1]
        body = next(x for x in it[2:] if isinstance(x, Node))
        return Node("expect", (spec, body))

    def normal(self, it: list[Any]) -> Node:
        left, right = it[1]
        return Node("normal", tuple(left) + tuple(right))


_COMMAND = re.compile(r"\\[a-zA-Z]+(\{[^{}]*\})?|\\.")


def _explain(latex: str, column: int) -> str:
    m = _COMMAND.match(latex, column)
    if m:
        cmd = m.group(0)
        for key, why in _UNSUPPORTED_HINT.items():
            if cmd.startswith(key):
                return f"unsupported notation `{cmd}`: {why} is not supported"
        return f"unsupported notation `{cmd}`"
    ch = latex[column : column + 1]
    return f"unexpected `{ch}`" if ch else "unexpected end of the expression"


def _uses_index(node: Node, var: str) -> bool:
    """Whether ``node`` uses the index ``var`` free (the name itself, or a name subscripted with it: x_d,
    \\hat{x}_d), outside any sum or product that binds ``var`` again."""
    if (
        node.kind in ("sum", "prod", "int")
        and isinstance(node.args[0], Node)
        and node.args[0].kind == "binder"
    ):
        if re.sub(r"\s+", "", str(node.args[0].args[0])) == var:
            return False
    if node.kind in ("name", "call"):
        n = re.sub(r"\s+", "", str(node.args[0]))
        if n == var or re.search(r"_(\{" + re.escape(var) + r"\}|" + re.escape(var) + r")(?![a-zA-Z])", n):
            return True
    return any(_uses_index(c, var) for c in node.children())


def _trailing_sum(node: Node) -> tuple[Node, list[tuple[str, Node | None]]] | None:
    """The ranged sum at the right end of ``node`` (Σ, −Σ, c·Σ) and the path to it."""
    path: list[tuple[str, Node | None]] = []
    while True:
        if node.kind in ("sum", "prod") and len(node.args[0].args) == 2:
            return node, path
        if node.kind == "neg":
            path.append(("neg", None))
            node = node.args[0]
        elif node.kind == "mul":
            path.append(("mul", node.args[0]))
            node = node.args[1]
        else:
            return None


def extend_sums(node: Node) -> Node:
    """``-\\sum_{d=1}^D x_d \\log \\hat{x}_d + (1 - x_d)\\log(1 - \\hat{x}_d)``: a term after a ranged sum
    that uses
    the sum's index belongs to the sum (the index is never free outside it), as seed 001 (21), (22), (27),
    (28)
    write the binary cross-entropy and the Gaussian log-likelihood."""
    args = tuple(extend_sums(a) if isinstance(a, Node) else a for a in node.args)
    node = Node(node.kind, args)
    if node.kind not in ("add", "sub"):
        return node
    left, right = node.args
    found = _trailing_sum(left)
    if found is None:
        return node
    summ, path = found
    binder = summ.args[0]
    var = re.sub(r"\s+", "", str(binder.args[0]))
    if not _uses_index(right, var):
        return node
    # −Σ A + B → −Σ (A + B): the minus applies to the whole sum, as the author wrote it
    if any(k == "mul" for k, _ in path):
        return node  # c·Σ A + B: the factor makes the reading ambiguous; left as written
    new_sum = Node(summ.kind, (binder, summ.args[1], Node(node.kind, (summ.args[2], right))))
    for _ in path:
        new_sum = Node("neg", (new_sum,))
    return new_sum


def _parse_text(latex: str, text: str) -> Chain:
    """Parse the preprocessed ``text`` (columns are those of ``latex``)."""
    if not text.strip():
        raise LatexParseError("empty expression", latex, 0)
    try:
        tree = _lark().parse(text)
    except UnexpectedCharacters as exc:
        pos = exc.pos_in_stream or 0
        raise LatexParseError(_explain(text, pos), latex, pos) from None
    except UnexpectedToken as exc:
        col = exc.token.start_pos if exc.token.start_pos is not None else len(text)
        if exc.token.type == "$END":
            raise LatexParseError("the expression ends too early", latex, len(text.rstrip())) from None
        tok = str(exc.token)
        if tok.startswith("\\"):
            msg = _explain(text, col)
        elif exc.token.type == "REL":
            msg = f"unexpected relation `{tok}` where an expression is expected"
        else:
            msg = f"unexpected `{tok}`"
        raise LatexParseError(msg, latex, col) from None
    except UnexpectedEOF:
        raise LatexParseError("the expression ends too early", latex, len(text.rstrip())) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark input errors
        raise LatexParseError(
            str(exc).splitlines()[0], latex, getattr(exc, "pos_in_stream", 0) or 0
        ) from None
    try:
        result = _ToAst().transform(tree)
    except Exception as exc:  # lark wraps transformer errors in VisitError
        inner = getattr(exc, "orig_exc", exc)
        if isinstance(inner, LatexParseError):
            raise LatexParseError(inner.reason, latex, 0) from None
        raise
    assert isinstance(result, Chain), type(result)
    return Chain(
        extend_sums(result.first) if result.first is not None else None,
        tuple((r, extend_sums(e)) for r, e in result.steps),
        result.condition,
        result.where,
        result.model,
    )


def _where_clauses(cond: str) -> tuple[Chain, ...] | None:
    """``\\text{with} M = \\frac12(p + q)`` (and ``, N = …``): the local definitions, or None when the
    condition
    is not a list of definitions."""
    m = re.match(r"\\(text|textrm|mbox)\s*\{\s*,?\s*(with|where)\s*,?\s*\}(.*)$", cond, re.S)
    if not m:
        return None
    body = m.group(3)
    out = []
    for piece in re.split(r",|\\text\s*\{\s*and\s*\}", body):
        if not piece.strip():
            continue
        try:
            chain = parse_chain(piece)
        except LatexParseError:
            return None
        if chain.first is None or len(chain.steps) != 1 or chain.steps[0][0] not in ("=", ":="):
            return None
        if chain.first.kind != "name":
            return None
        out.append(chain)
    return tuple(out) or None


def _parse_model(latex: str, text: str, at: int) -> Chain:
    """``z \\sim \\mathcal{N}(0, 1)``, ``x | z \\sim p_\\theta(x|z)`` (``at``: the column of the top-level
    ``\\sim``).
    The distribution is kept as Node('unread', latex) when it does not parse (quoted, never guessed)."""
    left = text[:at]
    bars = _top_level(left, r"\|")
    var_text, given_text = (left[: bars[0]], left[bars[0] + 1 :]) if bars else (left, None)
    var = _parse_text(latex, var_text + " " * (len(text) - len(var_text))).first
    given = None
    if given_text is not None:
        pad = " " * (bars[0] + 1)
        given = _parse_text(latex, pad + given_text + " " * (len(text) - at)).first
    right = " " * (at + 4) + text[at + 4 :]
    commas = [c for c in _top_level(right, ",") if c > at]
    extra = None
    if commas:
        extra = latex[commas[0] + 1 :].strip()
        right = right[: commas[0]] + " " * (len(right) - commas[0])
    try:
        dist = _parse_text(latex, right).first
    except LatexParseError:
        dist = Node("unread", (latex[at + 4 : commas[0] if commas else len(latex)].strip(),))
    if var is None or dist is None:
        raise LatexParseError("a `\\sim` statement needs a variable and a distribution", latex, at)
    return Chain(None, (), condition=extra, model=(var, given, dist))


def parse_chain(latex: str) -> Chain:
    """Parse ``latex`` (one display or align row, labels already removed) into a :class:`Chain`.

    A condition the display states (``\\text{for } …``, ``\\forall …``, ``\\text{s.t.}``) is cut off and
    kept in
    ``Chain.condition``; ``\\text{with } M = …`` becomes ``Chain.where``; a top-level ``\\sim`` makes a
    generative statement (``Chain.model``). Raises :class:`LatexParseError` naming the unsupported notation
    and its column."""
    if not isinstance(latex, str):
        raise ValueError(f"latex: expected a string, got {type(latex).__name__}")
    body, cond = _split_condition(latex)
    where: tuple[Chain, ...] = ()
    if cond is not None:
        clauses = _where_clauses(cond)
        if clauses is not None:
            where, cond = clauses, None
    text = preprocess(body)
    if not text.strip():
        if cond is not None:  # a row that is only a condition (``\text{s.t.} …``)
            return Chain(None, (), condition=cond)
        raise LatexParseError("empty expression", latex, 0)
    sims = _top_level(text, r"\\sim(?![a-zA-Z])")
    if sims:
        model = _parse_model(latex, text, sims[0])
        extra = "; ".join(x for x in (model.condition, cond) if x)
        return Chain(None, (), condition=extra or None, model=model.model)
    result = _parse_text(latex, text)
    if cond is not None or where:
        result = Chain(result.first, result.steps, cond, where, result.model)
    return result


def parse_expression(latex: str) -> Node:
    """Parse a single expression (no relation)."""
    chain = parse_chain(latex)
    if chain.first is None or chain.steps:
        raise LatexParseError("expected an expression without a relation", latex, 0)
    return chain.first


def to_latex(node: Node | None) -> str:
    """LaTeX of what was understood, with every grouping explicit (the reading echoed back)."""
    if node is None:
        return ""
    k, a = node.kind, node.args

    def t(x: object) -> str:
        return to_latex(x) if isinstance(x, Node) else str(x)

    def atom(x: object) -> str:
        s = t(x)
        if isinstance(x, Node) and x.kind in ("add", "sub", "neg", "mul", "div", "log", "sum", "int"):
            return f"\\left({s}\\right)"
        return s

    if k == "number":
        return str(a[0])
    if k == "name":
        return str(a[0])
    if k == "add":
        return f"{t(a[0])} + {t(a[1])}"
    if k == "sub":
        right = a[1]
        r = t(right)
        if isinstance(right, Node) and right.kind in ("add", "sub"):
            r = f"\\left({r}\\right)"
        return f"{t(a[0])} - {r}"
    if k == "neg":
        return f"-{atom(a[0])}" if isinstance(a[0], Node) and a[0].kind in ("add", "sub") else f"-{t(a[0])}"
    if k == "mul":
        left, right = a
        ls = (
            atom(left)
            if isinstance(left, Node) and left.kind in ("add", "sub", "neg", "log", "sum", "int")
            else t(left)
        )
        rs = atom(right) if isinstance(right, Node) and right.kind in ("add", "sub", "neg") else t(right)
        return f"{ls} \\cdot {rs}"
    if k == "div":
        return f"\\frac{{{t(a[0])}}}{{{t(a[1])}}}"
    if k == "pow":
        simple = isinstance(a[0], Node) and a[0].kind in ("name", "number", "call")
        base = t(a[0]) if simple else atom(a[0])
        return f"{{{base}}}^{{{t(a[1])}}}"
    if k == "log":
        return f"\\log\\left({t(a[0])}\\right)"
    if k == "exp":
        return f"\\exp\\left({t(a[0])}\\right)"
    if k == "call":
        left = ", ".join(t(x) for x in a[1].args)
        right = ", ".join(t(x) for x in a[2].args)
        return f"{a[0]}({left}{' | ' + right if right else ''})"
    if k in ("sum", "int", "prod"):
        binder = a[0]
        assert isinstance(binder, Node)
        var = str(binder.args[0])
        if len(binder.args) == 3:
            lim = f"{{{var} \\in {t(binder.args[2])}}}"
        elif len(binder.args) == 2:
            lim = f"{{{var}={t(binder.args[1])}}}^{{{t(a[1])}}}"
        else:
            lim = f"{{{var}}}"
        if k == "int" and len(a) == 3:
            lims = a[2]
            assert isinstance(lims, Node)
            lim = (
                f"{{{t(lims.args[0])}}}^{{{t(lims.args[1])}}}"
                if len(lims.args) == 2
                else f"{{{t(lims.args[0])}}}"
            )
            return f"\\int_{lim} \\left[{t(a[1])}\\right] d{var}"
        op = {"sum": "\\sum", "int": "\\int", "prod": "\\prod"}[k]
        body = a[-1] if k != "int" else a[1]
        return f"{op}_{lim} \\left[{t(body)}\\right]"
    if k == "expect":
        spec, body = a
        assert isinstance(spec, Node)
        var, dist = spec.args
        if isinstance(var, tuple):
            var = ", ".join(var)
        sub = f"{var} \\sim {t(dist)}" if var else t(dist)
        return (
            f"\\mathbb{{E}}_{{{sub}}}\\left[{t(body)}\\right]"
            if sub
            else f"\\mathbb{{E}}\\left[{t(body)}\\right]"
        )
    if k == "kl":
        return f"\\mathrm{{KL}}\\left({t(a[0])} \\,\\|\\, {t(a[1])}\\right)"
    if k == "jsd":
        return f"\\mathrm{{JSD}}\\left({t(a[0])} \\,\\|\\, {t(a[1])}\\right)"
    if k == "entropy":
        return f"H\\left[{t(a[0])}\\right]"
    if k == "xent":
        return f"H\\left({t(a[0])}, {t(a[1])}\\right)"
    if k == "elbo":
        return "\\mathrm{ELBO}"
    if k == "normal":
        return "\\mathcal{N}(" + "; ".join(t(x) for x in a) + ")"
    if k == "nabla":
        return f"\\nabla{'_' + str(a[0]) if a[0] else ''} {atom(a[1])}"
    if k == "opt":
        op = {"argmax": "\\arg\\max", "argmin": "\\arg\\min"}.get(str(a[0]), "\\" + str(a[0]))
        return f"{op}_{{{', '.join(a[1])}}} {atom(a[2])}"
    if k == "deriv":
        return f"\\frac{{\\partial}}{{\\partial {a[0]}}} {atom(a[1])}"
    if k == "transpose":
        return f"{{{atom(a[0])}}}^\\top"
    if k == "det":
        return f"\\det {atom(a[0])}"
    if k == "trace":
        return f"\\operatorname{{tr}}\\left({t(a[0])}\\right)"
    if k == "diag":
        return f"\\operatorname{{diag}}\\left({t(a[0])}\\right)"
    if k == "norm":
        return f"\\left\\|{t(a[0])}\\right\\|_{{{a[1]}}}"
    if k == "const":
        return "\\text{const}"
    if k == "func":
        left = ", ".join(t(x) for x in a[1].args)
        right = ", ".join(t(x) for x in a[2].args)
        return f"\\operatorname{{{a[0]}}}({left}{' | ' + right if right else ''})"
    if k == "event":
        return f"{t(a[0])} = {t(a[1])}"
    if k == "placeholder":
        return "\\cdot"
    if k == "infinity":
        return "\\infty"
    if k == "space":
        return str(a[0]) + (f"^{{{t(a[1])}}}" if len(a) > 1 else "")
    if k == "unread":
        return f"\\text{{(not read: {a[0]})}}"
    return k
