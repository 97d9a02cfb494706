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

from lark import Lark, Token, Transformer, Tree
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
    """``first rel₁ e₁ rel₂ e₂ …``; ``first`` is None for a continuation (``= e₁ …``)."""

    first: Node | None
    steps: tuple[tuple[str, Node], ...]


# Blanked in place (replaced by spaces of the same length).
_BLANK = re.compile(
    r"\\left(?![a-zA-Z])\.?|\\right(?![a-zA-Z])\.?|\\[bB]igg?[lr]?(?![a-zA-Z])|\\displaystyle|"
    r"\\[,;:! ]|\\q?quad(?![a-zA-Z])|~|\\mathop|\\limits|\\nolimits|&"
)
_SAME_LEN = [
    (re.compile(r"\\mid\s*\\mid"), "||"),
    (re.compile(r"\\parallel(?![a-zA-Z])"), "||"),
    (re.compile(r"\\\|"), "||"),
    (re.compile(r"\\mid(?![a-zA-Z])|\\vert(?![a-zA-Z])"), "|"),
    (re.compile(r"\\mathrm\{d\}\s*([a-z])"), r"d\1"),
]

_UNSUPPORTED_HINT = {
    r"\arg": "arg max / arg min (an optimisation statement, not an identity)",
    r"\max": "max/min (an optimisation statement)",
    r"\min": "max/min (an optimisation statement)",
    r"\prod": "products over an index (Π)",
    r"\Pi": "products over an index (Π)",
    r"\text": "this \\text{…} word",
    r"\mathbb": "this \\mathbb{…} symbol",
    r"\top": "transposes (vectors and matrices)",
    r"\in": "set membership",
    r"\subset": "set membership",
    r"\forall": "quantifiers",
    r"\sim": "'distributed as' outside an expectation's subscript",
    r"\|": "norms",
    r"\partial": "partial derivatives",
    r"\propto": "proportionality",
    r"\approx": "approximate equality",
    r"\neq": "≠ (not a chain relation)",
    r"\mathbb{I}": "indicator functions",
    r"\dots": "ellipses",
    r"\ldots": "ellipses",
    r"\cdots": "ellipses",
}


def _same_length(text: str, pattern: re.Pattern[str], repl: str) -> str:
    def sub(m: re.Match[str]) -> str:
        new = m.expand(repl)
        return new + " " * (len(m.group(0)) - len(new))

    return pattern.sub(sub, text)


def preprocess(latex: str) -> str:
    """Blank spacing/sizing commands and normalise bars, keeping every column in place."""
    s = _BLANK.sub(lambda m: " " * len(m.group(0)), latex)
    for pattern, repl in _SAME_LEN:
        s = _same_length(s, pattern, repl)
    s = re.sub(r"[.,;]\s*$", lambda m: " " * len(m.group(0)), s)  # sentence punctuation
    return s


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
        upper = it[2] if len(it) == 4 else None
        return Node("sum", (binder, upper, it[-1]))

    def integral(self, it: list[Any]) -> Node:
        rest = [x for x in it[1:]]
        diff = rest.pop() if isinstance(rest[-1], Token) and rest[-1].type == "DIFF" else None
        binder = rest[0] if isinstance(rest[0], Node) and rest[0].kind == "binder" else None
        if binder is None and diff is not None:
            binder = Node("binder", (_name(diff)[1:],))
        if binder is None:
            raise LatexParseError("an integral needs its variable (\\int_z … or … dz)", "", 0)
        return Node("int", (binder, rest[-1]))

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
        if isinstance(spec, Token):  # E_q[...]
            spec = Node("espec", (None, Node("name", (_name(spec),))))
        return Node("expect", (spec, it[2]))

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


def parse_chain(latex: str) -> Chain:
    """Parse ``latex`` (one display or align row, labels already removed) into a :class:`Chain`.

    Raises :class:`LatexParseError` naming the unsupported notation and its column."""
    if not isinstance(latex, str):
        raise ValueError(f"latex: expected a string, got {type(latex).__name__}")
    text = preprocess(latex)
    if not text.strip():
        raise LatexParseError("empty expression", latex, 0)
    for m in re.finditer(r"\^\s*(\\top|T(?![a-zA-Z])|\\intercal)", text):
        raise LatexParseError(
            "unsupported notation: transposes (vectors and matrices) are not supported", latex, m.start()
        )
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
            msg = (
                f"unexpected relation `{tok}` where an expression is expected (events such as "
                "p(y = 1|x) and relations inside arguments are not supported)"
            )
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
    if isinstance(tree, Tree) and result.first is None and not result.steps:  # pragma: no cover
        raise LatexParseError("empty expression", latex, 0)
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
    if k in ("sum", "int"):
        binder = a[0]
        assert isinstance(binder, Node)
        var = str(binder.args[0])
        lim = f"{{{var}={t(binder.args[1])}}}^{{{t(a[1])}}}" if len(binder.args) == 2 else f"{{{var}}}"
        op = "\\sum" if k == "sum" else "\\int"
        return f"{op}_{lim} \\left[{t(a[-1])}\\right]"
    if k == "expect":
        spec, body = a
        assert isinstance(spec, Node)
        var, dist = spec.args
        sub = f"{var} \\sim {t(dist)}" if var else t(dist)
        return f"\\mathbb{{E}}_{{{sub}}}\\left[{t(body)}\\right]"
    if k == "kl":
        return f"\\mathrm{{KL}}\\left({t(a[0])} \\,\\|\\, {t(a[1])}\\right)"
    if k == "entropy":
        return f"H\\left[{t(a[0])}\\right]"
    if k == "elbo":
        return "\\mathrm{ELBO}"
    if k == "normal":
        return "\\mathcal{N}(" + "; ".join(t(x) for x in a) + ")"
    if k == "nabla":
        return f"\\nabla{'_' + str(a[0]) if a[0] else ''} {atom(a[1])}"
    return k
