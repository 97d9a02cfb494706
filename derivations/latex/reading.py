"""The reading contract's document-level decisions (docs/latex-notation.md, "The reading contract").

Before a relation is checked it is classified from its *structure* (and the prose around it):

* :func:`definition_operator` — ``:=``, ``\\coloneqq``, ``\\equiv``, ``\\triangleq``, ``\\stackrel{…}{=}``,
  ``\\overset{…}{=}``, ``\\doteq``: the left side is defined (rewritten to ``=`` in place);
* :func:`update_rule` — ``\\leftarrow``/``\\gets``/``←``, or ``θ^{(t+1)} = …``: an algorithm's update, a
  statement about iterates, not an identity;
* :func:`read_assumption` — a relation between one of the document's symbols and constants
  (``\\beta \\ge 1``, ``0 < \\pi < 1``, ``x \\in \\{0, 1\\}``, ``\\sigma > 0``): a restriction of the domain;
* :class:`Constraint` — such a restriction, as SymPy assumptions and an interval for the sampler.

Names (:func:`names_used`) tie steps to the definitions they use, so that a step that uses a name
whose definition was not read is *unsupported*, never a free variable (ECE 544 seed 001 reads
``H[q]`` through its own definition; the same mechanism carries "depends on the unread definition").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import sympy as sp

from derivations.latex.parser import Chain, LatexParseError, Node, parse_chain
from derivations.latex.semantics import base_of, canonical

#: Operators that define their left side, rewritten in place to ``=`` (padded to the same length).
_DEF_OPS = re.compile(
    r":=|=:|\\coloneqq|\\eqqcolon|\\triangleq|\\equiv|\\doteq|\\stackrel\{[^{}]*\}\{=\}|"
    r"\\overset\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}\{=\}|\\stackrel\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}\{=\}|"
    r"\\mathrel\{:\}="
)
_UPDATE_ARROW = re.compile(r"\\leftarrow(?![a-zA-Z])|\\gets(?![a-zA-Z])|←|\\longleftarrow(?![a-zA-Z])")
_ITERATE = re.compile(
    r"[\^_]\{?\s*\(\s*[a-zA-Z]\s*\+\s*1\s*\)\s*\}?|[\^_]\s*\{\s*(\\(text|mathrm|rm)\s*\{\s*)?new\s*\}?\s*\}"
)
_SET_IN = re.compile(r"^(?P<lhs>.+?)\\in\s*(?P<set>.+)$", re.S)
_NUMBER = re.compile(r"^\s*-?\s*\d+(\.\d+)?\s*$")
#: A bold capital (``\mathbf{I}``, ``\boldsymbol{\Sigma}``) is a matrix or a vector of vectors; the
#: scalar reading would take it for a number.
_BOLD_CAPITAL = re.compile(r"^\\(mathbf|boldsymbol|bm)\{?(\\[A-Z][a-z]+|[A-Z])\}?")


def _complete(x: object) -> bool:
    if isinstance(x, Node):
        return all(_complete(a) for a in x.args)
    if isinstance(x, (tuple, list)):
        return all(_complete(a) for a in x)
    return isinstance(x, (str, int, float)) or x is None


def read_chain(latex: str) -> Chain:
    """:func:`parse_chain`, and a :class:`LatexParseError` as well when part of the parse has no reading
    (a grouping the parser kept as raw syntax): nothing half-read is used."""
    chain = parse_chain(latex)
    if not _complete(chain.first) or not all(_complete(e) for _, e in chain.steps):
        raise LatexParseError(
            "unsupported notation: a construct without a reading (e.g. a set \\{…\\})", latex, 0
        )
    for root in [chain.first, *(e for _, e in chain.steps)]:
        for n in root.walk() if root is not None else ():
            if n.kind == "mul" and all(isinstance(c, Node) and c.kind == "number" for c in n.args):
                if str(n.args[1].args[0]).startswith("."):
                    # "0.5" lexed as the digit 0 times ".5": a decimal misread as a product is not used
                    raise LatexParseError(
                        f"a decimal number ({n.args[0].args[0]}{n.args[1].args[0]}) is not read", latex, 0
                    )
    return chain


def read_expression(latex: str) -> Node:
    """One expression through :func:`read_chain` (no relation)."""
    chain = read_chain(latex)
    if chain.first is None or chain.steps:
        raise LatexParseError("expected an expression without a relation", latex, 0)
    return chain.first


def definition_operator(latex: str) -> tuple[str, bool]:
    """``latex`` with a defining operator (``:=``, ``\\equiv``, …) rewritten to ``=`` (same length), and
    whether there was one."""
    m = _DEF_OPS.search(latex)
    if m is None:
        return latex, False
    return latex[: m.start()] + "=" + " " * (len(m.group(0)) - 1) + latex[m.end() :], True


#: Operators that define their RIGHT side (``\\mathbb{E}_q[…] =: \\mathcal{F}(q, \\theta)``, Neal & Hinton
#: 1998's free energy as lecture notes name it): ``=:``, ``\\eqqcolon``.
_RIGHT_DEF_OPS = re.compile(r"=:(?!=)|\\eqqcolon(?![a-zA-Z])")
_SWAPPED = {r"\geq": r"\leq", r"\ge": r"\le", ">": "<", r"\leq": r"\geq", r"\le": r"\ge", "<": ">"}


def defined_on_the_right(latex: str, chain: Chain) -> Chain | None:
    """``A = B =: F``: the chain turned around (``F = B = A``, inequalities reversed) so that its first
    relation is the definition of the name on the right, ``F := B``, as ``:=`` with the sides swapped; None
    when ``latex`` has no right-defining operator. A right-defining operator that is not the last relation
    (``A =: F = G``) is a :class:`LatexParseError`: which side it defines is not read."""
    m = _RIGHT_DEF_OPS.search(latex)
    if m is None:
        return None
    if chain.first is None or not chain.steps:
        raise LatexParseError(f"`{m.group(0)}` needs an expression on each side", latex, m.start())
    try:
        rest = read_chain(" " * m.end() + latex[m.end() :])
    except LatexParseError:
        rest = None
    if rest is None or rest.steps or rest.first is None:
        raise LatexParseError(
            f"`{m.group(0)}` before another relation: only a last `=:` (naming its right side) is read",
            latex,
            m.start(),
        )
    nodes = [chain.first, *(e for _, e in chain.steps)]
    rels = [_SWAPPED.get(r, r) for r, _ in chain.steps]
    return Chain(nodes[-1], tuple(zip(reversed(rels), reversed(nodes[:-1]), strict=True)), chain.condition)


def update_rule(latex: str, chain: Chain | None = None) -> str | None:
    """Why ``latex`` is an update rule (an algorithm's assignment), or None."""
    if _UPDATE_ARROW.search(latex):
        return "an update rule (←): an assignment of the algorithm, not an identity"
    if chain is not None and chain.first is not None and chain.first.kind in ("name", "call"):
        name = str(chain.first.args[0])
        if _ITERATE.search(name):
            return f"an update rule ({name} on the left): the next iterate, not an identity"
    head = re.split(r"(?<![<>\\])=", latex, maxsplit=1)
    if len(head) == 2 and _ITERATE.search(head[0]):
        return f"an update rule ({head[0].strip()} on the left): the next iterate, not an identity"
    return None


def density_key(node: Node) -> str:
    """``density:p(x|z)`` for ``p_\\theta(x|z)`` (the parameter subscript dropped): which density of the
    model a call denotes."""
    fam = base_of(canonical(str(node.args[0])))
    if node.kind != "call":
        return f"density:{fam}"

    def side(args: Node) -> str:
        return ",".join(
            canonical(str(a.args[0])) if a.kind == "name" else "?" for a in args.args if isinstance(a, Node)
        )

    right = side(node.args[2])
    return f"density:{fam}({side(node.args[1])}{'|' + right if right else ''})"


def names_used(node: Node) -> set[str]:
    """The document-level names ``node`` uses: canonical names of variables and functions, the
    functionals KL/H/ELBO, ``density:p`` / ``density:q`` for every density of that family and
    ``density:p(x|z)`` for the density itself."""
    out: set[str] = set()
    for n in node.walk():
        if n.kind in ("name", "call"):
            c = canonical(str(n.args[0]))
            if base_of(c) in ("p", "q"):
                out.add(f"density:{base_of(c)}")
                if n.kind == "call":
                    out.add(density_key(n))
                continue
            out.add(c)
            if c == r"\mathcal{L}":
                out.add("ELBO")
        elif n.kind in ("kl", "entropy", "elbo"):
            out.add({"kl": "KL", "entropy": "H", "elbo": "ELBO"}[n.kind])
        elif n.kind in ("expect",):
            out.add("E")
    return out


def bold_capitals(node: Node) -> list[str]:
    """Bold capitals (``\\mathbf{I}``, ``\\boldsymbol{\\Sigma}``) read as names: matrices that the scalar
    reading would take for numbers. The data set and the latents of EM notes (``p(\\mathbf{X}, \\mathbf{Z}
    \\mid \\theta)``, ``\\sum_{\\mathbf{Z}}``, Bishop 2006 §9.4) are not: a bold capital that occurs only as
    a density's argument or as the variable of a sum or integral is a random variable, never multiplied."""
    bold: set[str] = set()
    as_variable: set[str] = set()

    def visit(n: Node, density: bool) -> None:
        if n.kind == "binder" and n.args and _BOLD_CAPITAL.match(str(n.args[0])):
            as_variable.add(str(n.args[0]))
        elif n.kind in ("name", "call") and _BOLD_CAPITAL.match(str(n.args[0])):
            (as_variable if density and n.kind == "name" else bold).add(str(n.args[0]))
        is_density = n.kind == "call" and str(n.args[0]).split("_")[0] in ("p", "q")
        for c in n.children():
            visit(c, is_density or (density and n.kind == "args"))

    visit(node, False)
    return sorted(bold)


def is_single_name(node: Node) -> bool:
    """``β``, ``\\sigma_q``, ``t_1``: a name, not an expression."""
    return isinstance(node, Node) and node.kind == "name"


def is_number(node: Node) -> bool:
    """A numeric literal, possibly negated or a fraction of literals."""
    if not isinstance(node, Node):
        return False
    if node.kind == "number":
        return True
    if node.kind == "neg":
        return is_number(node.args[0])
    if node.kind == "div":
        return is_number(node.args[0]) and is_number(node.args[1])
    return False


def density_formula(lhs: Node, rhs: Node) -> bool:
    """A density given by a formula: ``p(z) = \\mathcal{N}(z; 0, 1)``,
    ``q(z|x) = \\frac{1}{\\sqrt{2\\pi\\sigma^2}}\\exp(…)`` (no density, expectation or functional on the
    right, not a constant, and the density's own variable or a named distribution on the right)."""
    if lhs.kind != "call" or base_of(canonical(str(lhs.args[0]))) not in ("p", "q") or is_number(rhs):
        return False
    for n in rhs.walk():
        if n.kind in ("kl", "entropy", "elbo", "expect"):
            return False
        if n.kind in ("call", "name") and base_of(canonical(str(n.args[0]))) in ("p", "q"):
            if n.kind == "call" or str(n.args[0]) in ("p", "q"):
                return False
    left = [a for a in lhs.args[1].args if isinstance(a, Node) and a.kind == "name"]
    var = canonical(str(left[0].args[0])) if left else None
    return any(
        n.kind in ("normal", "exp") or (n.kind == "name" and canonical(str(n.args[0])) == var)
        for n in rhs.walk()
    )


def is_numeric(node: Node) -> bool:
    """An expression of numbers only (a worked example's arithmetic): no variable, no density."""
    for n in node.walk():
        if n.kind == "name" and canonical(str(n.args[0])) not in (r"\pi", "e"):
            return False
        if n.kind in ("call", "kl", "entropy", "elbo", "expect", "sum", "int", "normal", "nabla"):
            return False
    return True


def _number_value(node: Node) -> float:
    if node.kind == "number":
        return float(node.args[0])
    if node.kind == "neg":
        return -_number_value(node.args[0])
    return _number_value(node.args[0]) / _number_value(node.args[1])


@dataclass(frozen=True)
class Constraint:
    """A restriction of one symbol's domain stated by the document (or implied by its role):
    ``lo ≤/< name ≤/< hi``, possibly an integer, with where it was stated."""

    name: str
    lo: float = -math.inf
    hi: float = math.inf
    integer: bool = False
    line: int = 0
    text: str = ""

    def meet(self, other: Constraint) -> Constraint | None:
        """Both restrictions at once; None when they contradict each other."""
        lo, hi = max(self.lo, other.lo), min(self.hi, other.hi)
        if lo > hi:
            return None
        return Constraint(
            self.name,
            lo,
            hi,
            self.integer or other.integer,
            max(self.line, other.line),
            "; ".join(t for t in (self.text, other.text) if t),
        )

    def symbol(self, real: sp.Symbol) -> sp.Symbol:
        """The document's symbol ``real`` with the SymPy assumptions this restriction gives it."""
        kw: dict[str, bool] = {"integer": True} if self.integer else {"real": True}
        if self.lo > 0 or (self.lo == 0 and not self.integer):
            kw["positive"] = True
        elif self.lo == 0:
            kw["nonnegative"] = True
        return sp.Symbol(real.name, **kw)

    def bounds(self) -> tuple[float, float] | None:
        """The open interval the sampler draws from, when the assumptions alone do not say it: a finite
        interval; an unbounded side is cut at 10⁶ times the other end's scale."""
        if self.integer:
            if math.isinf(self.hi) and self.lo <= 1:
                return None
            lo = self.lo - 0.5
            hi = self.hi + 0.5 if math.isfinite(self.hi) else max(self.lo, 1.0) + 16.5
            return (lo, hi)
        if self.lo <= 0 and math.isinf(self.hi) and self.lo >= 0:
            return None  # positive: the assumption says it
        if math.isinf(self.lo) and math.isinf(self.hi):
            return None
        lo = self.lo if math.isfinite(self.lo) else -max(abs(self.hi), 1.0) * 1e6
        hi = self.hi if math.isfinite(self.hi) else max(abs(self.lo), 1.0) * 1e6
        return (lo, hi)

    def describe(self) -> str:
        """``β ≥ 1``-style text (``1 ≤ β``, ``0 < π < 1``, ``x ∈ {0, 1}``)."""
        if self.integer and self.lo == 0 and self.hi == 1:
            return f"{self.name} \\in \\{{0, 1\\}}"
        # the domain is open (a positive symbol, an open interval), so bounds are shown strict
        rel = "\\le" if self.integer else "<"
        left = "" if math.isinf(self.lo) else f"{self.lo:g} {rel} "
        right = "" if math.isinf(self.hi) else f" {rel} {self.hi:g}"
        kind = " (integer)" if self.integer else ""
        return f"{left}{self.name}{right}{kind}"


_REL_SIDE = {"=": "eq", r"\ge": "ge", r"\geq": "ge", ">": "gt", r"\le": "le", r"\leq": "le", "<": "lt"}
_FLIP = {"ge": "le", "gt": "lt", "le": "ge", "lt": "gt", "eq": "eq"}


def _interval(rel: str, value: float) -> tuple[float, float] | None:
    """The set {s : s REL value} as a closed-hull interval (strictness is irrelevant to sampling)."""
    return {
        "ge": (value, math.inf),
        "gt": (value, math.inf),
        "le": (-math.inf, value),
        "lt": (-math.inf, value),
    }.get(rel)


def _set_constraint(name: str, text: str, line: int, raw: str) -> Constraint | None:
    s = re.sub(r"\\(left|right|big|Big)\b", "", text).strip().rstrip(".,;")
    s = re.sub(r"\s+", "", s)
    if s in (r"\{0,1\}", r"\lbrace0,1\rbrace"):
        return Constraint(name, 0, 1, True, line, raw)
    m = re.fullmatch(r"([\(\[\]])(-?[\d.]+|-\\infty),(-?[\d.]+|\\infty)([\)\]\[])", s)
    if m:
        lo = -math.inf if "infty" in m.group(2) else float(m.group(2))
        hi = math.inf if "infty" in m.group(3) else float(m.group(3))
        return Constraint(name, lo, hi, False, line, raw) if lo < hi else None
    if re.fullmatch(
        r"\\mathbb\{?R\}?_?\{?(\+|>0|\\geq?0|\\ge0)\}?|\\mathbb\{?R\}?\^\{?\+\}?|\(0,\\infty\)", s
    ):
        return Constraint(name, 0, math.inf, False, line, raw)
    if re.fullmatch(r"\\mathbb\{?N\}?(_\{?(\+|>0|\\geq?1)\}?)?", s):
        return Constraint(name, 0 if "_" not in s else 1, math.inf, True, line, raw)
    return None


def read_assumption(latex: str, line: int) -> list[Constraint] | None:
    """The domain restrictions a relation between one symbol and constants states (``\\beta \\ge 1``,
    ``0 < \\pi < 1``, ``\\sigma^2 > 0``, ``x_d \\in \\{0, 1\\}``, ``K \\in \\mathbb{N}``), or None when
    ``latex`` is not such a relation. Several symbols may be listed: ``\\sigma, \\tau > 0``."""
    raw = latex.strip().rstrip(".,;")
    m = _SET_IN.match(raw)
    if m:
        out = []
        for part in m.group("lhs").split(","):
            try:
                node = read_chain(part).first
            except LatexParseError:
                return None
            if node is None or not is_single_name(node):
                return None
            c = _set_constraint(canonical(str(node.args[0])), m.group("set"), line, raw)
            if c is None:
                return None
            out.append(c)
        return out or None
    # several names before the relation: "\sigma, \tau > 0"
    head = re.match(r"^((?:[^,=<>]+,)+)([^,]+?)(\\geq?|\\leq?|>|<)(.+)$", raw)
    if head:
        names = [*head.group(1).split(",")[:-1], head.group(2)]
        out = []
        for nm in names:
            got = read_assumption(f"{nm} {head.group(3)} {head.group(4)}", line)
            if not got:
                return None
            out.extend(got)
        return out
    try:
        chain = read_chain(raw)
    except LatexParseError:
        return None
    return constraint_of_chain(chain, line, raw)


def constraint_of_chain(chain: Chain, line: int, raw: str) -> list[Constraint] | None:
    """The restriction stated by a parsed relation ``s REL c``, ``c REL s`` or ``c₁ REL s REL c₂`` (s a
    symbol or its square, c numbers; not ``=``), or None."""
    if chain.first is None or not chain.steps:
        return None
    nodes = [chain.first, *(e for _, e in chain.steps)]
    rels = [_REL_SIDE.get(r) for r, _ in chain.steps]
    if None in rels or "eq" in rels:
        return None
    symbols = [k for k, n in enumerate(nodes) if not is_number(n)]
    if len(symbols) != 1:
        return None
    k = symbols[0]
    target = nodes[k]
    squared = False
    if target.kind == "pow" and target.args[1] == Node("number", ("2",)) and target.args[0].kind == "name":
        target, squared = target.args[0], True
    if target.kind != "name":
        return None
    name = canonical(str(target.args[0]))
    lo, hi = -math.inf, math.inf
    for j, rel in enumerate(rels):
        if j + 1 == k:  # c REL s  ⇔  s FLIP(REL) c
            iv = _interval(_FLIP[rel], _number_value(nodes[j]))  # type: ignore[index]
        elif j == k:  # s REL c
            iv = _interval(rel, _number_value(nodes[j + 1]))  # type: ignore[arg-type]
        else:
            return None
        if iv is None:
            return None
        lo, hi = max(lo, iv[0]), min(hi, iv[1])
    if squared:  # σ² > 0 says σ ≠ 0; a standard deviation is positive
        if lo < 0:
            return None
        lo, hi = 0.0, math.sqrt(hi) if math.isfinite(hi) else math.inf
    if lo > hi:
        return None
    return [Constraint(name, lo, hi, False, line, raw)]


def role_constraint(name: str) -> Constraint | None:
    """The domain a name's role in the field implies: a normaliser ``Z`` (``Z_\\theta``) is positive, a
    mixture weight ``\\pi_k`` lies in (0, 1), a variance ``\\sigma^2``-style name or a standard deviation
    (σ, τ with any subscript) is positive."""
    base = base_of(name)
    if base in ("Z", r"\sigma", r"\tau"):
        return Constraint(name, 0.0, math.inf, False, 0, f"{base} is positive by its role")
    if base == r"\pi" and name != r"\pi":
        return Constraint(name, 0.0, 1.0, False, 0, "a mixture weight lies in (0, 1)")
    return None


def _real_arguments(e: sp.Expr) -> list[sp.Expr]:
    """The arguments that must be positive (a logarithm's) or non-negative (an even root's) for ``e`` to be
    defined over the reals."""
    out = [lg.args[0] for lg in e.atoms(sp.log)]
    for pw in e.atoms(sp.Pow):
        ex = pw.exp
        if ex.is_Rational and not ex.is_Integer and ex.q % 2 == 0:
            out.append(pw.base)
    return out


def implied_constraints(exprs: list[sp.Expr]) -> dict[str, Constraint]:
    """Where both sides are defined over the reals: every logarithm's argument is positive and every even
    root's is non-negative. An argument linear in one symbol (``\\log \\sigma``, ``\\log(1 - \\hat{x})``,
    ``\\sqrt{a - 1}``) bounds that symbol: with ``\\log \\hat{x}`` and ``\\log(1 - \\hat{x})`` it lies in
    (0, 1), a Bernoulli mean. These restrict only the points where a side would be undefined, which are
    never counterexamples (docs: "Refuted")."""
    lower: dict[str, float] = {}
    upper: dict[str, float] = {}
    for e in exprs:
        for arg in _real_arguments(e):
            if isinstance(arg, sp.Indexed) and not arg.is_positive:
                lower[_sym_name(arg)] = max(lower.get(_sym_name(arg), -math.inf), 0.0)
                continue
            if isinstance(arg, sp.Add) and len(arg.args) == 2:
                const = [t for t in arg.args if t.is_number]
                if len(const) == 1 and isinstance(-(arg - const[0]), sp.Indexed):
                    name = _sym_name(-(arg - const[0]))
                    upper[name] = min(upper.get(name, math.inf), float(const[0]))
                    continue
            free = [x for x in arg.free_symbols if isinstance(x, sp.Symbol)]
            if len(free) != 1 or arg.atoms(sp.Indexed):
                continue
            (x,) = free
            try:
                poly = sp.Poly(arg, x)
            except sp.PolynomialError:
                continue
            if poly.degree() != 1 or not all(c.is_number for c in poly.all_coeffs()):
                continue
            c1, c0 = (float(c) for c in poly.all_coeffs())
            edge = -c0 / c1 + 0.0  # + 0.0: no "-0"
            if c1 > 0:
                lower[x.name] = max(lower.get(x.name, -math.inf), edge)
            elif c1 < 0:
                upper[x.name] = min(upper.get(x.name, math.inf), edge)
    out = {}
    for name in set(lower) | set(upper):
        lo, hi = lower.get(name, -math.inf), upper.get(name, math.inf)
        if lo < hi:
            out[name] = Constraint(name, lo, hi, False, 0, "where the logarithms and roots are defined")
    return out


def _sym_name(e: sp.Expr) -> str:
    return str(e.base.label) if isinstance(e, sp.Indexed) else str(e)


#: Names that notes use for "some constant" (``+ C``, ``+ \text{const}``): a step with one on one side
#: only holds up to that constant, which the document does not give.
CONSTANT_NAMES = frozenset({"C", "c", "const", r"\text{const}", r"\mathrm{const}", r"\text{const.}", "C'"})


def parameter_names(node: Node) -> set[str]:
    """The free names of ``node`` that stand for numbers (parameters, constants): not the arguments of a
    density, not a variable bound by a sum, integral or expectation, not the observation ``x`` or the
    latent ``z``."""
    bound: set[str] = set()
    for n in node.walk():
        if n.kind == "binder":
            bound.add(canonical(str(n.args[0])))
        elif n.kind == "espec" and n.args[0] is not None:
            bound.add(canonical(str(n.args[0])))
    out: set[str] = set()

    def visit(n: Node) -> None:
        if n.kind == "call" and base_of(canonical(str(n.args[0]))) in ("p", "q"):
            return
        if n.kind == "name":
            c = canonical(str(n.args[0]))
            if c not in bound and base_of(c) not in ("x", "z", "p", "q") and c not in (r"\pi", "e"):
                out.add(c)
        for ch in n.children():
            visit(ch)

    visit(node)
    return out
