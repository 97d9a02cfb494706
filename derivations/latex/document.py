"""Check every relation of one document under the reading contract: :func:`check_text`.

Pipeline: :func:`~derivations.latex.extract.extract` → :func:`~derivations.latex.parser.parse_chain`
per fragment → classification (:mod:`derivations.latex.reading`; docs/latex-notation.md, "The reading
contract") → :class:`~derivations.latex.semantics.Semantics` → the step checker
(:class:`derivations.checker.Derivation`) → :class:`~derivations.latex.report.DocumentResult`.

* **Definitions are recorded, never refuted.** A relation that introduces or assigns a name — a
  defining operator (``:=``, ``\\equiv``), prose that defines (*where*, *let*, *recall*, *define*, …), a
  left side that is a name not defined before (``F_\\beta = …``, ``z = \\mu + \\epsilon\\sigma``,
  ``V(\\theta) = …``), or a density given by a formula (``p(z) = \\mathcal{N}(z; 0, 1)``) — is a
  definition; the chain that continues it is checked from its right side. KL, H and ELBO are compared
  with their standard definitions; a document's definition that differs (seed 001: ``H[q] = \\int q \\log
  q`` is the *negative* entropy) is a *non-standard definition*, and the steps using it are checked under
  both readings.
* **What was not read poisons its dependants**: a step that uses a name whose definition did not parse
  or was not understood is *unsupported (depends on the unread definition at line N)*; a density family
  the document gives a formula for is never read through the default discrete model.
* **The text's assumptions are the domain** (``$\\beta \\ge 1$``, ``% assume: …``) together with where the
  logarithms are defined; a point where one side is undefined is never a counterexample.
* **Conditions are not steps**: ``\\beta = 1``, ``t_1 < t_2``, update rules; a worked example's arithmetic
  is checked to the precision it is written with.
* **Nothing vanishes**: every display, row and written relation is an item with a verdict.
* Inequality steps get a Jensen certificate proposal (log of a q-weighted sum against the q-weighted
  sum of logs) or a log-sum one (Σ A log(A/B) with A, B sums of paired terms:
  :mod:`derivations.latex.log_sum`); the checker verifies it, never trusts it.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from derivations.checker import Derivation, Domain, decide_equal
from derivations.checker.domain import DEFAULT_SIZES
from derivations.checker.lemmas import LOG_RATIO, NonNegativeSum, summed
from derivations.checker.verdicts import Verdict
from derivations.latex.conclusions import (
    RowPart,
    conclusion_detail,
    proved_conclusion_note,
    split_at_arrows,
    trailing_arrow,
)
from derivations.latex.extract import Extracted, Fragment, InlineMath, extract, is_definition_context
from derivations.latex.log_sum import log_sum_certificates
from derivations.latex.multivariate_gaussian import factorised_gaussians, factorised_kl_step, named_gaussians
from derivations.latex.notation_steps import (
    check_special_chain,
    likelihood_of_chain,
    needs_special_check,
    relates_likelihood,
    statement_reason,
)
from derivations.latex.parser import Chain, LatexParseError, Node, parse_chain, parse_expression, to_latex
from derivations.latex.reading import (
    CONSTANT_NAMES,
    Constraint,
    bold_capitals,
    constraint_of_chain,
    defined_on_the_right,
    definition_operator,
    density_formula,
    density_key,
    implied_constraints,
    is_number,
    is_numeric,
    is_single_name,
    names_used,
    parameter_names,
    read_assumption,
    read_chain,
    read_expression,
    role_constraint,
    update_rule,
)
from derivations.latex.relations import approximation
from derivations.latex.report import (
    APPROXIMATION,
    ASSUMPTION,
    CONDITION,
    DEFINITION,
    ERROR,
    NONSTANDARD,
    PARSE_ERROR,
    STATEMENT,
    UNSUPPORTED,
    DocumentResult,
    StepReport,
)
from derivations.latex.semantics import (
    STANDARD_FUNCTIONALS,
    Definition,
    Env,
    SemanticError,
    Semantics,
    base_of,
    canonical,
    functional_key,
    is_mixture,
)

_REL = {"=": "=", r"\ge": ">=", r"\geq": ">=", ">": ">=", r"\le": "<=", r"\leq": "<=", "<": "<="}
_REL_TEX = {"=": "=", ">=": r"\geq", "<=": r"\leq"}
_APPROX = (r"\approx", "≈", r"\simeq", r"\sim")

#: Per-step time bound of the checker (seconds) unless the caller gives one.
DEFAULT_TIME_LIMIT = 10.0

#: What a refutation says when one side is undefined at the point rather than different there.
_UNDEFINED_SIDE = re.compile(r"is real there but|is infinite|is undefined|leaves the reals|not real")
_EQUATION_PROSE = re.compile(
    r"\b(set(ting)?|solv\w*|equat\w*|derivative|gradient|stationary|zero|first[- ]order|maximi[sz]\w*|"
    r"minimi[sz]\w*|optim\w*)\b",
    re.I,
)
#: Prose that solves an equation (stricter than _EQUATION_PROSE: "the derivative is" does not solve).
_SOLVING_PROSE = re.compile(
    r"\b(set(ting)?\b[^.]*\b(zero|0)|solv\w*|equat\w*|stationary|first[- ]order condition)",
    re.I,
)
_CERT_MISMATCH = re.compile(r"certificate does not match \([^()]*\)")
_DECIMAL = re.compile(r"(?<![\d.])\d*\.(\d+)")
_DEF_PROSE_END = re.compile(
    r"\b(where|let|define[sd]?|denote[sd]?|recall|write|set|given by|defined (as|by)|is|are|as)\s*:?\s*$",
    re.I,
)


@dataclass
class _ChainItem:
    """A chain being assembled from consecutive fragments."""

    first: Node
    first_fragment: Fragment
    steps: list[tuple[str, Node, Fragment]] = field(default_factory=list)
    #: the arrow that opens the chain (``\\Rightarrow``): a conclusion, proved or a statement (conclusions.py)
    conclusion: str | None = None


def _lhs_is_definable(node: Node) -> bool:
    if functional_key(node):
        return True
    if node.kind == "name":
        return True
    if node.kind == "call":
        return True
    return False


def _definition_from(lhs: Node, rhs: Node, latex: str) -> Definition:
    key = functional_key(lhs)
    if key is not None:
        params = tuple(x for x in lhs.args if isinstance(x, Node))
        return Definition(key, lhs, rhs, latex, params)
    if lhs.kind == "name":
        name = canonical(str(lhs.args[0]))
        if name == r"\mathcal{L}":
            return Definition("ELBO", Node("elbo", ()), rhs, latex)
        return Definition(name, lhs, rhs, latex)
    name = canonical(str(lhs.args[0]))
    left = [x for x in lhs.args[1].args if isinstance(x, Node)]
    if base_of(name) in ("p", "q") and left and left[0].kind == "name":
        return Definition(f"density:{base_of(name)}", lhs, rhs, latex, (), str(left[0].args[0]))
    if name == r"\mathcal{L}":
        return Definition("ELBO", Node("elbo", ()), rhs, latex)
    right = [x for x in lhs.args[2].args if isinstance(x, Node)]
    return Definition(name, lhs, rhs, latex, tuple(left + right))


def _has_lambda(node: Node) -> bool:
    return any(n.kind in ("name", "call") and canonical(str(n.args[0])) == r"\lambda" for n in node.walk())


def _node_key(node: Node) -> str:
    """A density call written canonically, to compare with a definition's left side."""
    if node.kind == "name":
        return canonical(str(node.args[0]))
    left = ",".join(_node_key(x) for x in node.args[1].args if isinstance(x, Node))
    right = ",".join(_node_key(x) for x in node.args[2].args if isinstance(x, Node))
    return f"{canonical(str(node.args[0]))}({left}|{right})"


def _mentions_continuous(nodes: list[Node], defs: dict[str, Definition]) -> bool:
    """A chain uses the Gaussian reading when it has no \\sum over a latent variable and either
    uses \\mathcal{N}, or every density it writes is one the document gave a formula for, written
    exactly as in that definition (``q(z|x)`` defined ⇒ ``q(z|x)``, not ``q_\\phi(z|x_i)``)."""
    walked = [n for node in nodes for n in node.walk()]
    if any(n.kind == "sum" and len(n.args[0].args) == 1 for n in walked):
        return False
    if any(n.kind == "normal" for n in walked):
        return True
    formulas = {_node_key(d.lhs) for k, d in defs.items() if k.startswith("density:")}
    dens = [
        n
        for n in walked
        if n.kind in ("call", "name")
        and base_of(str(n.args[0])) in ("p", "q")
        and (n.kind == "call" or n.args[0] in ("p", "q"))
    ]
    fams = {base_of(str(d.lhs.args[0])) for k, d in defs.items() if k.startswith("density:")}

    def defined(n: Node) -> bool:
        return _node_key(n) in formulas or (n.kind == "name" and str(n.args[0]) in fams)

    return bool(dens) and bool(formulas) and all(defined(n) for n in dens)


def _alias_lagrangian_free_L(node: Node) -> Node:
    """``\\mathcal{L}(θ, φ, x)`` without a multiplier is the ELBO (docs/latex-notation.md)."""
    if node.kind in ("call", "name") and canonical(str(node.args[0])) == r"\mathcal{L}":
        return Node("elbo", ())
    return Node(
        node.kind, tuple(_alias_lagrangian_free_L(x) if isinstance(x, Node) else x for x in node.args)
    )


def jensen_certificates(diff: sp.Expr, simplex: tuple[sp.IndexedBase, ...]) -> list[NonNegativeSum]:
    """Certificates Σ_i w_i φ(X_i / Σ_j w_j X_j), φ(t) = t − 1 − log t, for every sum
    Σ_i w_i log X_i in ``diff`` with w a probability vector: they certify
    log Σ w X − Σ w log X ≥ 0 (Jensen for the logarithm). Proposals only: the checker
    verifies the identity with ``diff`` and the side conditions."""
    out = []
    for s in diff.atoms(sp.Sum):
        if len(s.limits) != 1:
            continue
        i, lo, hi = s.limits[0]
        for term in sp.Add.make_args(sp.expand(s.function, log=False)):
            w = [
                f
                for f in sp.Mul.make_args(term)
                if isinstance(f, sp.Indexed) and f.base in simplex and f.indices == (i,)
            ]
            logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
            if len(w) == 1 and len(logs) == 1:
                x = logs[0].args[0]
                j = sp.Symbol(f"{i.name}_mean", integer=True, positive=True)
                mean = sp.Sum((w[0] * x).xreplace({i: j}), (j, lo, hi))
                out.append(summed(w[0], LOG_RATIO, x / mean, (i, lo, hi)))
    return out


@dataclass
class _Unread:
    """A definition that was not read (did not parse, or parsed but was not understood)."""

    key: str
    line: int
    reason: str


@dataclass
class _Action:
    line: int
    run: Callable[[], None]
    order: int = 0


_HEADING = re.compile(
    r"^(#{1,6}\s|\\(sub)*section\*?\{|\\paragraph\{|\*\*(Problem|Exercise|Question)\b|"
    r"(Problem|Exercise|Question)\s+\d)",
    re.M,
)


def _section_starts(text: str) -> list[int]:
    """The lines where a section starts (Markdown headings, ``\\section``, "Problem 2", "**Exercise")."""
    return [text.count("\n", 0, m.start()) + 1 for m in _HEADING.finditer(text)]


def _independent_of(expr: sp.Expr, sym: sp.Symbol) -> bool:
    """Whether ``expr`` does not depend on ``sym`` (its derivative simplifies to 0)."""
    try:
        d = sp.expand(sp.diff(expr, sym))
        return bool(d == 0 or (d.count_ops() < 200 and sp.simplify(d) == 0))
    except Exception:  # a derivative SymPy cannot take: treat as dependent
        return False


def _unread_key(d: Definition) -> str:
    """The key under which steps find ``d`` when it is not read: the density itself for a density."""
    return density_key(d.lhs) if d.key.startswith("density:") else d.key


def _def_label(d: Definition) -> str:
    """``q(z|x)``, ``KL``, ``F_\\beta``: how a definition is named in the report."""
    return _unread_key(d).removeprefix("density:")


def _oriented(latex: str, chain: Chain) -> Chain:
    """``chain`` turned around when ``latex`` names its right side with ``=:`` (``\\mathbb{E}_q[…] =:
    \\mathcal{F}(q, \\theta)``: reading.defined_on_the_right); a ``=:`` whose right side is not a name
    (``F(q) =: \\sum_z …``, written for ``:=``) keeps the left side as the name defined."""
    right = defined_on_the_right(latex, chain)
    if right is None or right.first is None or not _definable_lhs(right.first):
        return chain
    return right


def _definable_lhs(node: Node) -> bool:
    """A left side that can be defined: a name, an unknown function's application, KL/H/ELBO."""
    return _lhs_is_definable(node) and node.kind in ("name", "call", "kl", "entropy", "elbo")


def _uses_densities(node: Node) -> bool:
    """Whether ``node`` involves a density p/q, a functional or an expectation (a derived quantity)."""
    for n in node.walk():
        if n.kind in ("kl", "entropy", "elbo", "expect"):
            return True
        if n.kind in ("call", "name") and base_of(str(n.args[0])) in ("p", "q"):
            if n.kind == "call" or str(n.args[0]) in ("p", "q"):
                return True
    return False


def _sets_parameters(side: Node, other: Node) -> bool:
    """``\\beta = 1``, ``\\sigma^2 = 1``, ``\\mu_1 - \\mu_2 = 0``: parameters set to a constant (a special
    case), not a step: one side a number, the other an expression of parameters only (no density,
    expectation, functional, sum or integral)."""
    if not is_number(other) or is_numeric(side):
        return False  # a worked example's arithmetic (numbers only) is a step
    return not any(
        n.kind in ("call", "kl", "entropy", "elbo", "expect", "sum", "int", "normal", "log", "exp")
        or (n.kind == "name" and base_of(str(n.args[0])) in ("p", "q"))
        for n in side.walk()
    )


def _is_free_q(node: Node) -> bool:
    """``q(z|x)``, ``q^*(z)``, ``q``: the variational distribution itself (not an expression of it)."""
    return node.kind in ("call", "name") and base_of(str(node.args[0])) == "q"


def _is_density(node: Node) -> bool:
    return node.kind == "call" and base_of(str(node.args[0])) in ("p", "q")


def _split_lhs(latex: str) -> str | None:
    """The text before the first relation at brace depth 0 (for a display that did not parse)."""
    depth = 0
    for k, ch in enumerate(latex):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif depth == 0 and (ch == "=" or latex.startswith(("\\geq", "\\leq", "\\ge ", "\\le "), k)):
            head = latex[:k]
            return head if head.strip() else None
    return None


class DocumentChecker:
    """Check one document; see the module docstring."""

    def __init__(
        self, text: str, path: str = "<text>", *, time_limit: float = DEFAULT_TIME_LIMIT, points: int = 24
    ) -> None:
        if not isinstance(text, str):
            raise ValueError(f"text: expected a string, got {type(text).__name__}")
        if (
            isinstance(time_limit, bool)
            or not isinstance(time_limit, (int, float))
            or not (time_limit > 0 and math.isfinite(time_limit))
        ):
            raise ValueError(f"time_limit: must be a positive number of seconds, got {time_limit!r}")
        if isinstance(points, bool) or not isinstance(points, int) or points < 1:
            raise ValueError(f"points: must be a positive integer, got {points!r}")
        self.text = text
        self.path = path
        self.time_limit = float(time_limit)
        self.points = points
        self.ex: Extracted = extract(text)
        self.result = DocumentResult(path)
        self.definitions: dict[str, Definition] = {}
        self.def_lines: dict[str, int] = {}
        self.history: dict[str, list[tuple[int, Definition]]] = {}
        self.sections: list[int] = _section_starts(text)
        self.differs: dict[str, str] = {}  # functional key -> how the document's definition differs
        self.adopted: set[str] = set()  # differing keys whose document definition is the primary reading
        self.unread: dict[str, _Unread] = {}  # the first unread definition of each key
        self.unread_all: list[_Unread] = []
        self.constraints: list[Constraint] = []
        self.actions: list[_Action] = []
        self._notes: set[str] = set()
        self.mentions: dict[str, int] = {}
        self.gaussians = named_gaussians([m.latex for m in self.ex.inline], parse_chain)  # N_0(μ_0, Σ_0)
        self.factorised = factorised_gaussians(  # q(z|x) = N(z; μ, σ²I), p(z) = N(z; 0, I)
            [m.latex for m in self.ex.inline] + [f.latex for f in self.ex.fragments], parse_chain
        )
        self._likelihood: Node | None = None  # p(x|z) as the product of densities a chain writes
        self.sigmoid = bool(re.search(r"\b(sigmoid|logistic)\b", text, re.I))  # σ(·) is the logistic function

    # -------------------------------------------------------------- reporting helpers
    def _add(self, line: int, report: StepReport) -> None:
        self.actions.append(_Action(line, lambda: self.result.steps.append(report)))

    def _add_inline(self, m: InlineMath, verdict: str, detail: str, kind: str, parsed: str = "") -> None:
        """Report the inline relation ``m`` (labelled by its line) with ``verdict``."""
        self._add(m.line, self._item(f"line {m.line}", m.line, m.latex, verdict, detail, kind, parsed))

    def _item(
        self,
        label: str,
        line: int,
        latex: str,
        verdict: str,
        detail: str,
        kind: str,
        parsed: str = "",
        depends_on: int | None = None,
    ) -> StepReport:
        return StepReport(
            label, line, latex.strip(), parsed, "", verdict, detail, kind=kind, depends_on=depends_on
        )

    def _sampled_variables(self) -> dict[str, str]:
        """``$x \\sim P$`` in the prose ("the expectation with respect to $x \\sim P$"): the variable that a
        distribution named by a capital is written over, when the document says it once and only once."""
        seen: dict[str, set[str]] = {}
        for m in self.ex.inline:
            if "\\sim" not in m.latex:
                continue
            try:
                chain = parse_chain(m.latex)
            except LatexParseError:
                continue
            if chain.model is None:
                continue
            var, given, dist = chain.model
            if given is None and var.kind == "name" and dist.kind == "name":
                name = canonical(str(dist.args[0]))
                if re.fullmatch(r"[A-Z]", name):
                    seen.setdefault(name, set()).add(str(var.args[0]))
        return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}

    def _record_definition(self, d: Definition, line: int) -> None:
        if d.variable is None and d.lhs.kind == "name" and d.rhs.kind == "normal":
            var = self._sampled_variables().get(d.key)
            if var is not None:
                d = dataclasses.replace(d, variable=var)  # P = N(μ₀, σ₀²) and x ∼ P: E_P is over x
        if d.key.startswith("density:") and d.key in self.definitions:
            here = self._section(line)
            clash = [
                (ln, old)
                for ln, old in self.history.get(d.key, [])
                if self._section(ln) == here and density_key(old.lhs) != density_key(d.lhs)
            ]
            if clash:
                # one formula per density family (per section) is represented: a second one is not read
                ln, old = clash[0]
                self._mark_unread(
                    density_key(d.lhs),
                    line,
                    f"a second formula for the density family {d.key[8:]} "
                    f"({to_latex(d.lhs)}; {to_latex(old.lhs)} at line {ln}) is not represented",
                )
                return
        self.history.setdefault(d.key, []).append((line, d))
        if d.key not in self.definitions:
            self.definitions[d.key] = d
            self.def_lines[d.key] = line

    def _section(self, line: int) -> int:
        """Which section of the document ``line`` is in (headings, ``\\section``, "Problem 2")."""
        return bisect.bisect_right(self.sections, line)

    def _applies(self, stated: int, line: int) -> bool:
        """Whether something stated at line ``stated`` is in force at ``line``: anywhere in the same
        section (a definition may follow its use), or in an earlier section; never from a later one."""
        return self._section(stated) <= self._section(line)

    def _defs_at(self, line: int) -> dict[str, Definition]:
        """The definitions in force at ``line``: for each name, in its section the latest stated at or
        before it (else the first after it); without one there, the latest from an earlier section."""
        out: dict[str, Definition] = {}
        here = self._section(line)
        for key, entries in self.history.items():
            if key not in self.definitions:
                continue  # not understood
            same = sorted(((ln, d) for ln, d in entries if self._section(ln) == here), key=lambda e: e[0])
            if same:
                before = [d for ln, d in same if ln <= line]
                out[key] = before[-1] if before else same[0][1]
                continue
            earlier = sorted(((ln, d) for ln, d in entries if self._section(ln) < here), key=lambda e: e[0])
            if earlier:
                out[key] = earlier[-1][1]
        return out

    def _unread_at(self, key: str, line: int) -> _Unread | None:
        """The unread definition of ``key`` in force at ``line`` (same section, or an earlier one with no
        definition of the key read since), or None."""
        here = self._section(line)
        for u in self.unread_all:
            if u.key != key or not self._applies(u.line, line):
                continue
            if self._section(u.line) == here:
                return u
            if not any(
                self._section(u.line) < self._section(ln) <= here for ln, _ in self.history.get(key, [])
            ):
                return u
        return None

    def _mark_unread(self, key: str, line: int, reason: str) -> None:
        u = _Unread(key, line, reason)
        self.unread_all.append(u)
        if key not in self.unread:
            self.unread[key] = u

    def _is_defined(self, node: Node, line: int) -> bool:
        """Whether ``node``'s name is already defined (or its definition not read) in the section of
        ``line``: a name defined in an earlier section may be defined afresh."""
        key = self._key_of(node)
        if key is None:
            return False
        here = self._section(line)
        unread = self.unread.get(key)
        if unread is not None and self._section(unread.line) == here:
            return True
        if _is_density(node):
            return any(
                k.startswith("density:") and density_key(d.lhs) == key and self._section(ln) == here
                for k, entries in self.history.items()
                for ln, d in entries
            )
        return any(self._section(ln) == here for ln, _ in self.history.get(key, []))

    @staticmethod
    def _key_of(node: Node) -> str | None:
        if node.kind in ("kl", "entropy", "elbo"):
            return functional_key(node)
        if node.kind == "name":
            c = canonical(str(node.args[0]))
            return "ELBO" if c == r"\mathcal{L}" else c
        if node.kind == "call":
            c = canonical(str(node.args[0]))
            if base_of(c) in ("p", "q"):
                return density_key(node)
            return "ELBO" if c == r"\mathcal{L}" else c
        return None

    # -------------------------------------------------------------- inline maths and comments
    def _inline(self, m: InlineMath) -> None:
        parts = split_at_arrows(m.latex)
        if not parts:  # "$\Rightarrow$" in the prose: no relation
            return
        if len(parts) > 1 or parts[0].arrow is not None:  # $a = b \Rightarrow c = d$ in the prose
            for part in parts:
                piece = dataclasses.replace(m, latex=part.latex)
                if part.arrow is None:
                    self._inline(piece)
                else:
                    why = conclusion_detail(part.arrow, *self._position(m.offset + part.arrow_column))
                    self._add_inline(piece, STATEMENT, f"inline relation in the prose; {why}", "inline")
            return
        latex, defop = definition_operator(m.latex)
        if update_rule(latex):
            self._add_inline(
                m,
                CONDITION,
                "inline " + str(update_rule(latex)),
                "condition",
            )
            return
        cons = read_assumption(latex, m.line)
        if cons:
            self.constraints.extend(cons)
            self._add_inline(
                m,
                ASSUMPTION,
                "restricts the domain of the steps: " + "; ".join(f"${c.describe()}$" for c in cons),
                "assumption",
            )
            return
        if not re.search(r"=|\\geq?|\\leq?|<|>|\\in(?![a-zA-Z])", latex):
            return  # a name or an expression in prose: no relation to account for
        try:
            chain = _oriented(m.latex, read_chain(latex))
        except LatexParseError as exc:
            lhs = _split_lhs(latex)
            if (m.definition or defop) and lhs is not None:
                try:
                    node = read_expression(lhs)
                except LatexParseError:
                    node = None
                if node is not None and _definable_lhs(node):
                    key = self._key_of(node)
                    assert key is not None
                    self._mark_unread(key, m.line, f"its definition did not parse ({exc.reason})")
                    self._add(
                        m.line,
                        self._item(
                            key.removeprefix("density:"),
                            m.line,
                            m.latex,
                            DEFINITION,
                            f"inline definition of {to_latex(node)} not read (the steps that use it are "
                            f"unsupported): {exc}",
                            "definition",
                        ),
                    )
                    return
            self._add_inline(
                m,
                STATEMENT,
                f"inline relation, not read: {exc}",
                "inline",
            )
            return
        first = chain.first
        if first is None or not chain.steps:
            return
        rel, rhs = chain.steps[0]
        if len(chain.steps) == 1 and rel == "=" and _sets_parameters(first, rhs):
            self._add_inline(
                m,
                CONDITION,
                "a special case (a symbol set to a constant), not a step",
                "condition",
            )
            return
        if (
            len(chain.steps) == 1
            and rel == "="
            and _definable_lhs(first)
            and not is_number(rhs)
            and (m.definition or defop or density_formula(first, rhs))
            and not (first.kind == "name" and base_of(str(first.args[0])) in ("p", "q"))
            and not (_is_density(first) and _uses_densities(rhs))
        ):
            d = _definition_from(first, rhs, m.latex)
            self._record_definition(d, m.line)
            rep = self._item(
                _def_label(d),
                m.line,
                m.latex,
                DEFINITION,
                "inline definition, honoured in the steps that use it",
                "definition",
                f"{to_latex(first)} := {to_latex(rhs)}",
            )
            rep.relation = ":="
            self.actions.append(_Action(m.line, self._definition_action_for(d, rep)))
            return
        if all(_REL.get(r) not in (None, "=") for r, _ in chain.steps) and all(
            is_single_name(n) for n in [first, *(e for _, e in chain.steps)]
        ):
            self._add_inline(
                m,
                CONDITION,
                "an inequality between parameters: a condition, not a step",
                "condition",
            )
            return
        self._add_inline(
            m,
            STATEMENT,
            "inline relation in the prose: not checked as a derivation step",
            "inline",
            " ".join([to_latex(first), *(f"{r} {to_latex(e)}" for r, e in chain.steps)]),
        )

    def _assumption_comment(self, latex: str, line: int) -> None:
        cons = read_assumption(latex, line)
        if cons:
            self.constraints.extend(cons)
            self._add(
                line,
                self._item(
                    f"line {line}",
                    line,
                    latex,
                    ASSUMPTION,
                    "% assume: restricts the domain of the steps: "
                    + "; ".join(f"${c.describe()}$" for c in cons),
                    "assumption",
                ),
            )
        else:
            self._add(
                line,
                self._item(
                    f"line {line}",
                    line,
                    latex,
                    PARSE_ERROR,
                    "% assume: not read (expected a relation between one symbol and constants, e.g. "
                    "\\beta \\ge 1, 0 < \\pi < 1, x \\in \\{0, 1\\})",
                    PARSE_ERROR,
                ),
            )

    # -------------------------------------------------------------- definitions
    def _definition_action_for(self, d: Definition, rep: StepReport) -> Callable[[], None]:
        def run() -> None:
            unread = next(
                (u for u in self.unread_all if u.key == _unread_key(d) and u.line == rep.line), None
            )
            if unread is not None:
                inline = rep.detail.startswith("inline")
                rep.verdict, rep.kind = (DEFINITION if inline else UNSUPPORTED), "definition"
                rep.detail = (
                    f"{'inline ' if inline else ''}definition not understood (the steps that use it are "
                    f"unsupported): {unread.reason}"
                )
            elif d.key in ("KL", "H", "ELBO"):
                self._compare_with_standard(d, rep)
            elif not rep.detail:
                rep.detail = "definition stated by the document, honoured in the steps that use it"
            self.result.steps.append(rep)

        return run

    def _understood(self, d: Definition, line: int) -> str | None:
        """Why the right side of ``d`` is not understood, or None. It is read with the definitions in force
        at ``line``, and failing that without those carried over from earlier sections."""
        bold = bold_capitals(d.rhs)
        if bold:
            return f"{', '.join(bold)} (a matrix or vector) would be read as a number"
        why = None
        for without in (frozenset(), frozenset(self._carried(line))):
            defs = {k: v for k, v in self._defs_at(line).items() if k != d.key and k not in without}
            defs[d.key] = d
            sem = Semantics(defs, use_document=True, continuous=d.key.startswith("density:"))
            env = Env()
            if d.variable:
                env = env.bind_real(d.variable, sp.Symbol(canonical(d.variable), real=True))
            try:
                if is_mixture(d.rhs) and d.lhs.kind == "name":
                    sem.distribution(d.rhs, env)  # M = ½(P + Q): a distribution, read as one
                else:
                    sem.evaluate(d.rhs, env)
            except SemanticError as exc:
                if not d.key.startswith("density:"):
                    # a name's definition is substituted where it is used, so a step using it fails to be
                    # read by itself (unsupported), never a free variable; a density's formula is not
                    # substituted in the discrete reading, so it must be understood on its own
                    return None
                why = why or str(exc)
            except Exception as exc:  # the reading itself failed: not understood
                why = why or f"{type(exc).__name__}: {exc}"
            else:
                return None
        return why

    def _compare_with_standard(self, d: Definition, report: StepReport) -> None:
        absent = _arguments_absent_from_rhs(d)
        if absent:
            report.detail = (
                "definition; not compared with the standard one: its right side does not use "
                f"{', '.join(absent)} (written with densities the mathematics does not tie to them)"
            )
            return
        sem = Semantics(self.definitions, use_document=False)
        try:
            std = sem.evaluate(d.lhs if d.key != "ELBO" else Node("elbo", ()))
            doc = sem.evaluate(d.rhs)
        except SemanticError as exc:
            report.detail = f"definition; not compared with the standard one: {exc}"
            return
        t0 = time.perf_counter()
        dom = sem.domain(self.points)
        same = decide_equal(std, doc, dom, time_limit=self.time_limit)
        report.seconds = time.perf_counter() - t0
        if same.verdict is Verdict.PROVED:
            report.detail = f"agrees with the standard definition of {d.key} (proved)"
            return
        if same.verdict is not Verdict.REFUTED:
            report.detail = (
                f"definition; agreement with the standard {d.key} is {same.verdict.value}: {same.detail}"
            )
            return
        neg = decide_equal(-std, doc, dom, time_limit=self.time_limit)
        what = {
            "H": "entropy H(q) = -E_q[log q]",
            "KL": "KL(a||b) = E_a[log a - log b]",
            "ELBO": "ELBO = E_q[log p(x,z) - log q(z|x)]",
            "JSD": "JSD(a, b) = KL(a||m)/2 + KL(b||m)/2, m = (a + b)/2",
        }[d.key]
        if neg.verdict is Verdict.PROVED:
            how = f"the document's {d.key} is the NEGATIVE of the standard {what}"
        else:
            how = f"the document's {d.key} differs from the standard {what}"
        self.differs[d.key] = how
        report.counterexample = same.counterexample
        if d.key == "ELBO" and "ELBO" not in re.split(r"(?<![<>])=", d.latex, maxsplit=1)[0]:
            # \mathcal{L} names the document's own objective (a β-weighted or tempered bound): adopted
            self.adopted.add(d.key)
            report.detail = (
                "the document's objective "
                f"{re.split(r'(?<![<>])=', d.latex, maxsplit=1)[0].strip()} is its own "
                "(it differs from the "
                f"standard {what}); "
                "steps using it are read with the document's "
                "definition and also checked under the standard one"
            )
            return
        report.verdict = NONSTANDARD
        report.detail = how + "; steps using it are checked under both definitions"

    # -------------------------------------------------------------- main loop
    def run(self) -> DocumentResult:
        """Check the whole document and return the result with timings (see the module docstring)."""
        t_start = time.perf_counter()
        for u in self.ex.unclosed:
            self._add(
                u.line,
                self._item(
                    f"line {u.line}",
                    u.line,
                    u.opener,
                    PARSE_ERROR,
                    f"the display opened with `{u.opener}` at line "
                    f"{u.line} is never closed: its maths is not read",
                    PARSE_ERROR,
                ),
            )
        for a in self.ex.assumptions:
            self._assumption_comment(a.latex, a.line)
        for m in self.ex.inline:
            self._inline(m)
        parsed: list[tuple[Fragment, Chain | LatexParseError, bool]] = []
        for frag in _conclusion_parts(self.ex.fragments):
            latex, defop = definition_operator(frag.latex)
            try:
                parsed.append((frag, _oriented(frag.latex, read_chain(latex)), defop))
            except LatexParseError as exc:
                parsed.append((frag, exc, defop))
        self._count_mentions(parsed)
        self._classify(parsed)
        for key, entries in self.history.items():
            good = []
            for ln, d in sorted(entries, key=lambda e: e[0]):
                why = self._understood(d, ln)
                if why is None:
                    good.append((ln, d))
                else:  # never read with a formula that was not understood
                    self._mark_unread(_unread_key(d), ln, why)
            entries[:] = good
            if good:
                self.definitions[key], self.def_lines[key] = good[0][1], good[0][0]
            else:
                self.definitions.pop(key, None)
        for act in sorted(self.actions, key=lambda a: a.line):
            try:
                act.run()
            except Exception as exc:  # one item's failure is reported; the others still run
                self.result.steps.append(
                    StepReport(
                        f"line {act.line}",
                        act.line,
                        "",
                        "",
                        "",
                        ERROR,
                        f"{type(exc).__name__}: {exc}",
                        kind=ERROR,
                    )
                )
        self.result.steps.sort(key=lambda st: st.line)  # document order (stable within a display)
        self.result.seconds = time.perf_counter() - t_start
        self.result.notes = sorted(self._notes)
        return self.result

    def _count_mentions(self, parsed: list[tuple[Fragment, Chain | LatexParseError, bool]]) -> None:
        """In how many places (display rows, inline maths, assumption comments) each parameter name
        occurs: a name that occurs in one step only, on one side, and is defined nowhere is not read."""
        self.mentions = {}
        texts: list[Chain] = [c for _, c, _ in parsed if isinstance(c, Chain)]
        for m in self.ex.inline:
            try:
                texts.append(read_chain(definition_operator(m.latex)[0]))
            except LatexParseError:
                for name in re.findall(r"\\?[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?", m.latex):
                    self.mentions[canonical(name)] = self.mentions.get(canonical(name), 0) + 1
        for chain in texts:
            names: set[str] = set()
            for n in [chain.first, *(e for _, e in chain.steps)]:
                if n is not None:
                    names |= parameter_names(n)
            for name in names:
                self.mentions[name] = self.mentions.get(name, 0) + 1

    def _one_sided(self, lhs: sp.Expr, rhs: sp.Expr, pair: list[Node]) -> str | None:
        """Why a step cannot be decided because a quantity on one side only (after reading both) is not
        given by the document: an additive constant (``+ C``), or a name that occurs nowhere else and is
        defined nowhere."""

        def names(e: sp.Expr) -> set[str]:  # the document's own parameters, not the model's symbols
            return {x.name for x in e.free_symbols if isinstance(x, sp.Symbol) and x.name in self.mentions}

        left, right = names(lhs), names(rhs)
        stated = {c.name for c in self.constraints}
        written = parameter_names(pair[0]) | parameter_names(pair[1])
        for name in sorted(left ^ right):
            if name in self.definitions or name in self.unread or name in stated or name not in written:
                continue
            side = lhs if name in left else rhs
            sym = next(x for x in side.free_symbols if isinstance(x, sp.Symbol) and x.name == name)
            if _independent_of(side, sym):
                continue  # it cancels (H(N(μ, σ²)) does not depend on μ)
            if name in CONSTANT_NAMES:
                return (
                    f"not checked: {name} on one side only is a constant the document does not give "
                    "(the step would hold up to it)"
                )
            if self.mentions.get(name, 0) <= 1:
                return (
                    f"not checked: {name} occurs only here, on one side, and the document does not define it"
                )
        return None

    def _def_context(self, parsed: list[tuple[Fragment, Chain | LatexParseError, bool]]) -> dict[int, bool]:
        flags: dict[int, bool] = {}
        def_display = -1
        for idx, (frag, _, _) in enumerate(parsed):
            ctx: bool
            if frag.row:
                ctx = False
            elif frag.prose_before.strip():
                tail = frag.prose_before.strip()
                ctx = is_definition_context(frag.prose_before) or bool(_DEF_PROSE_END.search(tail))
            else:  # no prose since the previous display: an unlabelled display inherits its status
                ctx = def_display == frag.display - 1 and idx > 0 and frag.label is None
            if ctx:
                def_display = frag.display
            flags[idx] = bool(ctx)
        return flags

    def _classify(self, parsed: list[tuple[Fragment, Chain | LatexParseError, bool]]) -> None:
        ctx = self._def_context(parsed)
        current: _ChainItem | None = None
        broken: int | None = None  # line of the display that the next continuation would continue

        def close() -> None:
            nonlocal current
            if current is not None:
                item = current
                self.actions.append(_Action(item.first_fragment.line, lambda: self._check_chain(item)))
            current = None

        consumed: set[int] = set()  # displays read as the rest of the one before
        k = 0
        while k < len(parsed):
            if k in consumed:
                k += 1
                continue
            frag, chain, defop = parsed[k]
            label = frag.label or f"line {frag.line}"
            j = k + 1
            while isinstance(chain, Chain) and chain.steps and j < len(parsed):
                # "$$ C = -\\log 4 + \\mathrm{KL}(…)$$" then "$$ + \\mathrm{KL}(…) $$": one expression broken
                # across displays; the next display's terms belong to this chain's last expression
                nfrag, nchain, _ = parsed[j]
                if not (
                    isinstance(nchain, Chain)
                    and nchain.first is not None
                    and _continues_the_expression(nfrag)
                ):
                    break
                rel, last = chain.steps[-1]
                steps = (*chain.steps[:-1], (rel, Node("add", (last, nchain.first))), *nchain.steps)
                chain = dataclasses.replace(chain, steps=steps)
                self._add(
                    nfrag.line,
                    self._item(
                        nfrag.label or f"line {nfrag.line}",
                        nfrag.line,
                        nfrag.latex,
                        STATEMENT,
                        f"the rest of the expression of line {frag.line} "
                        "(a display broken at + or −): read with it",
                        "statement",
                        to_latex(nchain.first),
                    ),
                )
                consumed.add(j)
                j += 1
            if frag.conclusion is not None:
                close()
                broken = frag.line if isinstance(chain, LatexParseError) else None
                current = self._conclusion(frag, chain, label)
                k += 1
                continue
            if isinstance(chain, LatexParseError) and update_rule(frag.latex) is not None:
                close()
                self._add(
                    frag.line,
                    self._item(
                        label, frag.line, frag.latex, CONDITION, str(update_rule(frag.latex)), "condition"
                    ),
                )
                k += 1
                continue
            if isinstance(chain, LatexParseError):
                close()
                broken = frag.line
                self._unparsed(frag, chain, defop or ctx.get(k, False))
                k += 1
                continue
            for w in chain.where:  # JSD = … \text{with} M = ½(p + q): M is defined for the steps
                assert w.first is not None
                self._record_definition(_definition_from(w.first, w.steps[0][1], frag.latex), frag.line)
            special = statement_reason(chain)
            if special is not None:
                close()
                broken = None
                verdict, why = special
                if (
                    chain.condition
                    and chain.first is not None
                    and chain.steps
                    and _definable_lhs(chain.first)
                ):
                    key = self._key_of(
                        chain.first
                    )  # L = … \text{ for all } q: a definition under a condition
                    if key is not None:
                        self._mark_unread(
                            key, frag.line, f"its definition states a condition (`{chain.condition[:60]}`)"
                        )
                parsed_text = to_latex(chain.first) + "".join(
                    f" {r} {to_latex(e)}" for r, e in chain.steps[:1]
                )
                self._add(
                    frag.line,
                    self._item(
                        label,
                        frag.line,
                        frag.latex,
                        verdict,
                        why,
                        "definition" if verdict == DEFINITION else "statement",
                        parsed_text,
                    ),
                )
                if verdict == DEFINITION and chain.first is not None and len(chain.steps) > 1:
                    current = _ChainItem(chain.steps[0][1], frag, [(r, e, frag) for r, e in chain.steps[1:]])
                k += 1
                continue
            if chain.first is None:  # a continuation
                if current is not None and _ends_with_a_bound(current, chain):
                    # "= A ≥ 0" then "= B ≥ 0": the second row continues A, never the bound 0
                    bounded = current.steps[-2][1] if len(current.steps) > 1 else current.first
                    arrow = current.conclusion
                    close()
                    current = _ChainItem(bounded, frag, [(r, e, frag) for r, e in chain.steps], arrow)
                    k += 1
                    continue
                if current is not None:
                    current.steps.extend((r, e, frag) for r, e in chain.steps)
                    k += 1
                    continue
                why = (
                    f"not checked: continues line {broken}, which was not read"
                    if broken is not None
                    else "a display starting with a relation, but there is no chain before it"
                )
                first_rel, first_expr = chain.steps[0]
                self._add(
                    frag.line,
                    self._item(
                        label if len(chain.steps) == 1 else f"{label}·1",
                        frag.line,
                        frag.latex,
                        UNSUPPORTED if broken is not None else PARSE_ERROR,
                        why,
                        UNSUPPORTED if broken is not None else PARSE_ERROR,
                        f"{first_rel} {to_latex(first_expr)}",
                        depends_on=broken,
                    ),
                )
                current = _ChainItem(first_expr, frag, [(r, e, frag) for r, e in chain.steps[1:]])
                k += 1
                continue
            close()
            broken = None
            first = chain.first
            reason = update_rule(frag.latex, chain)
            if reason is None and defop and chain.steps and first.kind in ("name", "call"):
                name = canonical(str(first.args[0]))
                if any(
                    canonical(str(n.args[0])) == name
                    for _, e in chain.steps
                    for n in e.walk()
                    if n.kind in ("name", "call")
                ):
                    reason = f"an update rule ({name} on both sides of :=): an assignment, not an identity"
            if reason is not None:
                self._add(frag.line, self._item(label, frag.line, frag.latex, CONDITION, reason, "condition"))
                k += 1
                continue
            if self._condition(frag, chain, label):
                k += 1
                continue
            # Lagrangian followed by a stated stationary point (seed 000 1(e))
            lagr = None
            if not chain.steps and _has_lambda(first):
                lagr = first
            elif (
                len(chain.steps) == 1
                and chain.steps[0][0] == "="
                and _has_lambda(chain.steps[0][1])
                and first.kind in ("name", "call")
                and canonical(str(first.args[0])) == r"\mathcal{L}"
            ):
                lagr = chain.steps[0][1]
            if lagr is not None and k + 1 < len(parsed):
                nfrag, nchain, _ = parsed[k + 1]
                if (
                    isinstance(nchain, Chain)
                    and nchain.first is not None
                    and len(nchain.steps) == 1
                    and nchain.first.kind == "call"
                    and base_of(str(nchain.first.args[0])) == "q"
                ):
                    self.actions.append(
                        _Action(frag.line, self._stationary_action(frag, lagr, nfrag, nchain))
                    )
                    k += 2
                    continue
            if not chain.steps:
                self._add(
                    frag.line,
                    self._item(
                        label,
                        frag.line,
                        frag.latex,
                        STATEMENT,
                        "an expression without a relation: nothing to check",
                        "statement",
                        to_latex(first),
                    ),
                )
                k += 1
                continue
            if self._is_definition(first, chain, defop, ctx.get(k, False), frag.line):
                d = _definition_from(first, chain.steps[0][1], frag.latex)
                self._record_definition(d, frag.line)
                rep = StepReport(
                    frag.label or _def_label(d),
                    frag.line,
                    frag.latex.strip(),
                    f"{to_latex(d.lhs)} := {to_latex(d.rhs)}",
                    ":=",
                    DEFINITION,
                    "",
                    kind="definition",
                )
                self.actions.append(_Action(frag.line, self._definition_action_for(d, rep)))
                if len(chain.steps) > 1:
                    current = _ChainItem(chain.steps[0][1], frag, [(r, e, frag) for r, e in chain.steps[1:]])
                else:
                    current = _ChainItem(chain.steps[0][1], frag, [])
                k += 1
                continue
            current = _ChainItem(first, frag, [(r, e, frag) for r, e in chain.steps])
            k += 1
        close()

    def _conclusion(self, frag: Fragment, chain: Chain | LatexParseError, label: str) -> _ChainItem | None:
        """A part of a row after an arrow (``\\Rightarrow \\mu = x``): never a definition, a condition or an
        assumption; its relations are checked as identities and reported proved only when they are (the
        chain item returned carries the arrow), else as statements. A part that does not parse is a parse
        error; one with no relation to check is a statement."""
        assert frag.conclusion is not None
        why = conclusion_detail(frag.conclusion, *self._position(frag.offset + frag.arrow_column))
        if isinstance(chain, LatexParseError) and chain.reason == "empty expression":
            self._add(
                frag.line,
                self._item(
                    label,
                    frag.line,
                    frag.latex,
                    STATEMENT,
                    f"{why}; words only: nothing to check",
                    "statement",
                ),
            )
            return None
        if isinstance(chain, LatexParseError):
            self._add(
                frag.line, self._item(label, frag.line, frag.latex, PARSE_ERROR, str(chain), PARSE_ERROR)
            )
            return None
        special = statement_reason(chain)
        if chain.first is None or not chain.steps or special is not None:
            what = (
                special[1]
                if special is not None
                else "it continues with a relation but has nothing before it"
                if chain.first is None
                else "an expression without a relation"
            )
            self._add(
                frag.line,
                self._item(
                    label,
                    frag.line,
                    frag.latex,
                    STATEMENT,
                    f"{why}; {what}",
                    "statement",
                    to_latex(chain.first) + "".join(f" {r} {to_latex(e)}" for r, e in chain.steps),
                ),
            )
            return None
        return _ChainItem(chain.first, frag, [(r, e, frag) for r, e in chain.steps], frag.conclusion)

    def _position(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of ``offset`` in the document."""
        return self.text.count("\n", 0, offset) + 1, offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    def _as_conclusion(self, rep: StepReport, item: _ChainItem) -> StepReport:
        """A conclusion's step: proved stays proved (an identity holds unconditionally, also under the
        hypothesis); anything else — refuted included — is a statement, never a refutation."""
        arrow = item.conclusion
        assert arrow is not None
        start = item.first_fragment
        where = self._position(start.offset + start.arrow_column)
        if rep.verdict == Verdict.PROVED.value:
            rep.detail += proved_conclusion_note(arrow, *where)
            return rep
        rep.verdict, rep.kind = STATEMENT, "statement"
        rep.detail = conclusion_detail(arrow, *where)
        rep.counterexample, rep.alternative, rep.depends_on, rep.certificate = None, None, None, None
        rep.error = rep.tolerance = None
        return rep

    def _is_definition(self, first: Node, chain: Chain, defop: bool, context: bool, line: int) -> bool:
        rel, rhs = chain.steps[0]
        if rel != "=" or not _definable_lhs(first) or _has_lambda(rhs):
            return False
        if first.kind == "name" and base_of(str(first.args[0])) in ("p", "q"):
            return False  # "q = p": a statement about densities
        if _is_density(first):
            if relates_likelihood(first, rhs):
                # p(x|z̃) = −log Π Bern(…): a step under the likelihood the chain writes (seed 001 (20))
                return False
            # p(z) = N(…) gives a formula; p(x) = Σ_z p(x, z) is an identity of the model, checked
            return not _uses_densities(rhs) and not is_number(rhs)
        if first.kind in ("kl", "entropy", "elbo"):
            return defop or context
        if defop or context:
            return True
        # a name (or an unknown function) not defined before, and not defined in terms of itself
        if self._is_defined(first, line):
            return False
        name = canonical(str(first.args[0]))
        return not any(n.kind in ("name", "call") and canonical(str(n.args[0])) == name for n in rhs.walk())

    def _condition(self, frag: Fragment, chain: Chain, label: str) -> bool:
        """Report a display that states a condition (not a step); return whether it was one."""
        first = chain.first
        if first is None or not chain.steps:
            return False
        nodes = [first, *(e for _, e in chain.steps)]
        rels = [r for r, _ in chain.steps]
        cons = constraint_of_chain(chain, frag.line, frag.latex)
        if cons:
            self.constraints.extend(cons)
            self._add(
                frag.line,
                self._item(
                    label,
                    frag.line,
                    frag.latex,
                    ASSUMPTION,
                    "restricts the domain of the steps: " + "; ".join(f"${c.describe()}$" for c in cons),
                    "assumption",
                ),
            )
            return True
        if (
            len(rels) == 1
            and rels[0] == "="
            and "density:q" not in self._defs_at(frag.line)
            and any(
                _is_free_q(n) and _uses_densities(m) for n, m in ((nodes[0], nodes[1]), (nodes[1], nodes[0]))
            )
        ):
            self._add(
                frag.line,
                self._item(
                    label,
                    frag.line,
                    frag.latex,
                    CONDITION,
                    "a choice of the variational distribution q (q is free unless the document gives it a "
                    "formula): "
                    "a condition, not an identity",
                    "condition",
                ),
            )
            return True
        if (
            len(rels) == 1
            and rels[0] == "="
            and (_sets_parameters(first, nodes[1]) or _sets_parameters(nodes[1], first))
        ):
            self._add(
                frag.line,
                self._item(
                    label,
                    frag.line,
                    frag.latex,
                    CONDITION,
                    "a special case (a symbol set to a constant), not a step",
                    "condition",
                ),
            )
            return True
        if all(_REL.get(r) not in (None, "=") for r in rels) and all(is_single_name(n) for n in nodes):
            self._add(
                frag.line,
                self._item(
                    label,
                    frag.line,
                    frag.latex,
                    CONDITION,
                    "an inequality between parameters: a condition, not a step",
                    "condition",
                ),
            )
            return True
        return False

    def _unparsed(self, frag: Fragment, exc: LatexParseError, definition_like: bool) -> None:
        label = frag.label or f"line {frag.line}"
        lhs = _split_lhs(definition_operator(frag.latex)[0])
        node = None
        if lhs is not None:
            try:
                node = read_expression(lhs)
            except LatexParseError:
                node = None
        if node is not None and _definable_lhs(node):
            key = self._key_of(node)
            assert key is not None
            fresh = not self._is_defined(node, frag.line) and node.kind in ("name", "call")
            if definition_like or _is_density(node) or (fresh and node.kind in ("name", "call")):
                self._mark_unread(key, frag.line, f"its definition did not parse ({exc.reason})")
                self._add(
                    frag.line,
                    self._item(
                        label,
                        frag.line,
                        frag.latex,
                        PARSE_ERROR,
                        f"definition of {to_latex(node)} not read: {exc}",
                        PARSE_ERROR,
                    ),
                )
                return
        self._add(frag.line, self._item(label, frag.line, frag.latex, PARSE_ERROR, str(exc), PARSE_ERROR))

    # -------------------------------------------------------------- actions
    def _stationary_action(
        self, frag: Fragment, lagr: Node, pfrag: Fragment, point: Chain
    ) -> Callable[[], None]:
        def run() -> None:
            from derivations.latex.stationary import check_stationary_point

            rep = check_stationary_point(
                lagr, point, definitions=self.definitions, time_limit=self.time_limit, points=self.points
            )
            rep.line = frag.line  # the Lagrangian's display; the point follows on pfrag.line
            rep.label = pfrag.label or frag.label or f"line {frag.line}"
            rep.detail += f" (Lagrangian on line {frag.line}, stated point on line {pfrag.line})"
            rep.latex = f"{frag.latex.strip()}  ;  {pfrag.latex.strip()}"
            rep.justification = "stated stationary point of the stated Lagrangian"
            self.result.steps.append(rep)

        return run

    # -------------------------------------------------------------- chains
    def _justification(self, frag: Fragment, label: str | None) -> str:
        j = self.ex.justification(label)
        if j:
            return j
        tail = frag.prose_before.strip().split("\n")[-1].strip()
        return tail[-200:] if tail else "as written in the document"

    def _carried(self, line: int) -> dict[str, int]:
        """The definitions in force at ``line`` that come from an earlier section: key → their line."""
        here = self._section(line)
        out = {}
        for key, d in self._defs_at(line).items():
            ln = next((ln for ln, e in self.history.get(key, []) if e is d), None)
            if ln is not None and self._section(ln) < here:
                out[key] = ln
        return out

    def _semantics(
        self, use_document: bool, continuous: bool, line: int, without: frozenset[str] = frozenset()
    ) -> Semantics:
        defs = {
            k: v
            for k, v in self._defs_at(line).items()
            if self._unread_at(k, line) is None and k not in without
        }
        if not use_document:
            for key in STANDARD_FUNCTIONALS:
                defs.pop(key, None)
        else:
            for key in STANDARD_FUNCTIONALS:
                if key in defs and key not in self.differs:
                    defs.pop(key)  # agrees with the standard: the standard form is used
        return Semantics(
            defs,
            use_document=use_document,
            continuous=continuous,
            sigmoid=self.sigmoid,
            likelihood=self._likelihood,
        )

    def _poison(self, nodes: list[Node], line: int) -> tuple[str, int] | None:
        """Why the relation between ``nodes`` cannot be read because of something the document did not
        let us read (an unread definition, a matrix read as a number, a density with a formula read
        through the default discrete model), and the line to point at; None when nothing."""
        used: set[str] = set()
        for n in nodes:
            used |= names_used(n)
        for key in sorted(used):
            u = self._unread_at(key, line)
            if u is not None:
                what = key[8:] if key.startswith("density:") else key
                return (f"depends on the unread definition at line {u.line} ({what}: {u.reason})", u.line)
        for n in nodes:
            bold = bold_capitals(n)
            if bold:
                return (f"{', '.join(bold)} (a matrix or vector) would be read as a number", 0)
        both = _capital_and_density(nodes, self._defs_at(line))
        if both:
            return (
                f"{both} both appear: that {both[-1]} is the density of {both[0]} is said in words, "
                "not in the mathematics, so the two are not read as one distribution",
                0,
            )
        return None

    def _carried_refutation(
        self,
        rep: StepReport,
        rel: str,
        pair: list[Node],
        frag: Fragment,
        at: int,
        continuous: bool,
        use_document: bool,
    ) -> None:
        """A refutation that rests on a definition carried over from an earlier section (notes reuse
        letters from problem to problem) stands only if the step is refuted without it as well."""
        used = names_used(pair[0]) | names_used(pair[1])
        carried = {k: ln for k, ln in self._carried(at).items() if k in used}
        if not carried:
            return
        sem = self._semantics(use_document, continuous, at, frozenset(carried))
        probe = StepReport(
            rep.label, frag.line, rep.latex, rep.parsed, rel, "", "", justification=rep.justification
        )
        try:
            lhs, rhs = sem.evaluate(pair[0]), sem.evaluate(pair[1])
        except SemanticError as exc:
            probe.verdict, probe.detail = UNSUPPORTED, str(exc)
        else:
            probe = self._decide(lhs, rhs, rel, probe, sem, frag, pair)
        if probe.verdict == "refuted":
            return
        names = ", ".join(f"{k.removeprefix('density:')} (line {ln})" for k, ln in sorted(carried.items()))
        where = ", ".join(f"{k} = {v}" for k, v in rep.point().items())
        refuted = {
            "reading": f"with the definition of {names} from an earlier section",
            "verdict": "refuted",
            "detail": rep.detail,
            "counterexample": rep.counterexample,
        }
        if probe.verdict in ("proved", "numerically consistent"):
            rep.verdict, rep.detail = (
                probe.verdict,
                (
                    f"{probe.detail} (read without the definition of {names} from an earlier section; "
                    f"with it, refuted at {where})"
                ),
            )
            rep.error, rep.tolerance, rep.assumptions = probe.error, probe.tolerance, probe.assumptions
        else:
            rep.verdict = "undecided"
            rep.detail = (
                f"not decided: refuted (at {where}) only with the definition of {names} from an earlier "
                f"section, which this section may not mean; without it: {probe.verdict}"
            )
        rep.counterexample = rep.certificate = None
        rep.alternative = refuted

    def _discrete_refutation(self, rep: StepReport, pair: list[Node], at: int) -> None:
        """A refutation in the default discrete reading of a density the document gives a formula for is
        not a counterexample to what the document wrote: undecided, with the reason."""
        used = names_used(pair[0]) | names_used(pair[1])
        for fam in ("p", "q"):
            key = f"density:{fam}"
            formula = self._defs_at(at).get(key)
            line = next(
                (ln for ln, d in self.history.get(key, []) if d is formula), self.def_lines.get(key, 0)
            )
            if key in used and formula is not None and self._section(line) == self._section(at):
                where = ", ".join(f"{k} = {v}" for k, v in rep.point().items())
                rep.verdict = "undecided"
                rep.detail = (
                    f"not decided: the sides differ in the default discrete model (at {where}), "
                    "but the document "
                    f"defines {fam} by a formula at line {line}, which this relation was not read with "
                    f"({rep.detail})"
                )
                rep.counterexample = rep.certificate = None
                return

    def _label(self, item: _ChainItem, k: int) -> str:
        frag = item.steps[k][2]
        same = [j for j in range(len(item.steps)) if item.steps[j][2] is frag]
        base = frag.label or f"line {frag.line}"
        if len(same) == 1 or (frag.label and k == same[-1]):
            return base
        return f"{base}·{same.index(k) + 1}"

    def _check_chain(self, item: _ChainItem) -> None:
        if not item.steps:
            return
        nodes = [_alias_lagrangian_free_L(item.first)] + [
            _alias_lagrangian_free_L(e) for _, e, _ in item.steps
        ]
        at = item.first_fragment.line
        continuous = _mentions_continuous(nodes, self._defs_at(at))
        self._likelihood = likelihood_of_chain(nodes)
        uses_differing = any(functional_key(sub) in self.differs for n in nodes for sub in n.walk())
        readings = [("standard", False)] + ([("document", True)] if uses_differing else [])
        primary, secondary = "standard", "document"
        if uses_differing and any(functional_key(sub) in self.adopted for n in nodes for sub in n.walk()):
            primary, secondary = "document", "standard"
        values: dict[str, list[sp.Expr | SemanticError]] = {}
        sems: dict[str, Semantics] = {}
        carried = frozenset(self._carried(at))
        for name, use_doc in readings:
            for without in (frozenset(), carried) if carried else (frozenset(),):
                sem = self._semantics(use_doc, continuous, at, without)
                vals: list[sp.Expr | SemanticError] = []
                for n in nodes:
                    try:
                        vals.append(sem.evaluate(n))
                    except SemanticError as exc:
                        vals.append(exc)
                if without and sum(isinstance(v, SemanticError) for v in vals) >= sum(
                    isinstance(v, SemanticError) for v in values[name]
                ):
                    continue  # the earlier sections' definitions were not what stopped the reading
                sems[name], values[name] = sem, vals
                self._notes |= sem.notes
                if without:
                    self._notes.add(
                        f"line {at}: read without the definitions of {', '.join(sorted(without))} from an "
                        "earlier section (with them it is not understood)"
                    )
        for k, (r, _, frag) in enumerate(item.steps):
            label = self._label(item, k)
            just = self._justification(frag, frag.label)
            rel = _REL.get(r)
            pair = [nodes[k], nodes[k + 1]]
            parsed = f"{to_latex(nodes[k])} {_REL_TEX.get(rel or '', r)} {to_latex(nodes[k + 1])}"
            rep = StepReport(
                label, frag.line, frag.latex.strip(), parsed, rel or r, UNSUPPORTED, "", justification=just
            )
            poison = self._poison(pair, frag.line)
            std = values[primary]
            special = needs_special_check(pair, [r], self.gaussians)
            factorised = (
                factorised_kl_step(
                    pair[0], pair[1], self.factorised, time_limit=self.time_limit, points=self.points
                )
                if self.factorised and rel == "="
                else None
            )
            if factorised is not None:
                rep.verdict, rep.detail, rep.counterexample = factorised
            elif self._equation_to_solve(r, pair, frag, item):
                rep.verdict, rep.kind = CONDITION, "condition"
                rep.detail = (
                    "an equation to solve (an expression set to zero, e.g. a derivative at a stationary "
                    "point), not an identity"
                )
            elif rel is None and r.strip() in _APPROX:
                rep.verdict, rep.kind = APPROXIMATION, "approximation"
                rep.detail = approximation(pair[0], pair[1]).detail
            elif poison is not None and (rel is not None or special):
                rep.detail, rep.depends_on = poison[0], (poison[1] or None)
            elif special:

                def stated(f: object, lab: str | None, just: str = just) -> str:
                    return just

                (special_rep,) = check_special_chain(
                    pair,
                    [(r, frag)],
                    make_semantics=lambda: self._semantics(False, continuous, at),
                    justification=stated,
                    time_limit=self.time_limit,
                    points=self.points,
                    gaussians=self.gaussians,
                )
                special_rep.label = label
                rep = special_rep
            elif rel is None:
                rep.detail = f"relation `{r}` is not checked"
            elif poison is not None:
                rep.detail, rep.depends_on = poison[0], (poison[1] or None)
            elif (
                not isinstance(std[k], SemanticError)
                and not isinstance(std[k + 1], SemanticError)
                and self._one_sided(std[k], std[k + 1], pair) is not None
            ):
                rep.detail = str(self._one_sided(std[k], std[k + 1], pair))
            elif isinstance(std[k], SemanticError) or isinstance(std[k + 1], SemanticError):
                bad = std[k] if isinstance(std[k], SemanticError) else std[k + 1]
                side = "left" if isinstance(std[k], SemanticError) else "right"
                where = ""
                if (side == "left" and k > 0) or (
                    k == 0 and item.first is not None and side == "left" and item.first_fragment is not frag
                ):
                    where = f" (continues line {item.first_fragment.line})"
                rep.detail = f"not checked: its {side} side is not understood{where}: {bad}"
            else:
                rep = self._decide(std[k], std[k + 1], rel, rep, sems[primary], frag, pair)
                if rep.verdict == "refuted" and not continuous:
                    self._discrete_refutation(rep, pair, at)
                if rep.verdict == "refuted":
                    self._carried_refutation(rep, rel, pair, frag, at, continuous, primary == "document")
                doc_vals = values.get(secondary)
                if (
                    doc_vals is not None
                    and not isinstance(doc_vals[k], SemanticError)
                    and not isinstance(doc_vals[k + 1], SemanticError)
                ):
                    alt = self._decide(
                        doc_vals[k],
                        doc_vals[k + 1],
                        rel,
                        StepReport(label, frag.line, "", "", rel, "", ""),
                        sems[secondary],
                        frag,
                        pair,
                    )
                    if alt.verdict != rep.verdict or alt.detail != rep.detail:
                        which = (
                            "the document's own definitions: " + "; ".join(self.differs.values())
                            if secondary == "document"
                            else "the standard definitions (KL, H, ELBO)"
                        )
                        rep.alternative = {
                            "reading": which,
                            "verdict": alt.verdict,
                            "detail": alt.detail,
                            "counterexample": alt.counterexample,
                        }
            if item.conclusion is not None:
                rep = self._as_conclusion(rep, item)
            self.result.steps.append(rep)

    @staticmethod
    def _equation_to_solve(r: str, pair: list[Node], frag: Fragment, item: _ChainItem) -> bool:
        """``\\frac{N}{\\sigma} - \\frac{1}{\\sigma^3}\\sum_n (x_n - \\mu)^2 = 0`` after "setting the
        derivative to zero": a condition on the parameters that the text solves, not an identity."""
        if r != "=" or is_numeric(pair[0]):
            return False
        prose = frag.prose_before.strip() or item.first_fragment.prose_before.strip()
        if not (is_number(pair[1]) and to_latex(pair[1]) in ("0", "-0")):
            # "Solving, $$\frac{N}{\sigma} = \frac{1}{\sigma^3}\sum_n (x_n-\mu)^2 \Rightarrow \hat\sigma^2
            # = …$$": the one relation before the arrow is the equation solved, unless it differentiates
            return (
                frag.hypothesis
                and item.first_fragment is frag
                and len(item.steps) == 1
                and not any(n.kind in ("deriv", "nabla") for side in pair for n in side.walk())
                and bool(_SOLVING_PROSE.search(prose[-300:]))
            )
        if frag.hypothesis:  # "… = 0 \Rightarrow \mu = \bar{x}": the arrow says it is solved
            return True
        return bool(_EQUATION_PROSE.search(prose[-300:]))

    # -------------------------------------------------------------- one step
    def _constraints_at(self, line: int) -> dict[str, Constraint]:
        """The document's assumptions in force at ``line``: those stated before it (or anywhere, for a
        symbol restricted only after), met per symbol; contradictory ones give way to the latest."""
        out: dict[str, Constraint] = {}
        by_name: dict[str, list[Constraint]] = {}
        for c in self.constraints:
            by_name.setdefault(c.name, []).append(c)
        for name, all_cs in by_name.items():
            cs = [c for c in all_cs if self._applies(c.line, line)]
            if not cs:
                continue
            before = [c for c in cs if c.line <= line] or cs
            met: Constraint | None = before[0]
            for c in before[1:]:
                met = met.meet(c) if met is not None else None
            out[name] = met if met is not None else before[-1]
        return out

    def _restrict(
        self, exprs: list[sp.Expr], sem: Semantics, line: int
    ) -> tuple[list[sp.Expr], Domain, list[str]]:
        """The sides with the document's assumptions and the implied domains applied, the domain to
        sample, and the assumptions used (as text)."""
        stated = self._constraints_at(line)
        implied = implied_constraints(exprs)
        base = sem.domain(self.points)  # the reading's own domain (its simplices, sizes and bounds)
        declared = base.declared_symbols()  # restricted by the reading itself: left as they are
        mapping: dict[sp.Basic, sp.Basic] = {}
        bounds: dict[sp.Symbol, tuple[float, float]] = {}
        used: list[str] = []
        sizes = DEFAULT_SIZES
        free = sorted({s for e in exprs for s in e.free_symbols if isinstance(s, sp.Symbol)}, key=str)
        for sym in free:
            c = stated.get(sym.name)
            if sym.name == "K":
                if sym != sem.K:
                    mapping[sym] = sem.K  # the document's K is the number of latent states
                if c is not None:
                    sizes = tuple(k for k in DEFAULT_SIZES if c.lo <= k <= c.hi) or DEFAULT_SIZES
                    used.append(f"${c.describe()}$")
                continue
            ic = implied.get(sym.name)
            rc = role_constraint(sym.name)
            if rc is not None:
                ic = ic.meet(rc) if ic is not None else rc
            cc = c.meet(ic) if (c is not None and ic is not None) else (c or ic)
            if cc is None and c is not None:
                cc = c
            if cc is None or sym == sem.K or sym.name in ("q", "pi", "ell") or sym in declared:
                continue
            if cc.lo >= 0 and math.isinf(cc.hi) and not cc.integer and sym.is_positive:
                continue  # already positive
            new = cc.symbol(sym)
            mapping[sym] = new
            b = cc.bounds()
            if b is not None:
                bounds[new] = b
            if c is not None:
                used.append(f"${c.describe()}$")
            else:
                used.append(f"where defined: ${cc.describe()}$ ({cc.text or 'implied'})")
        for idx in sorted({a for e in exprs for a in e.atoms(sp.Indexed)}, key=str):
            label = idx.base.label
            name = getattr(label, "name", str(label))
            c = stated.get(name) or implied.get(name)
            if (
                c is not None
                and c.lo >= 0
                and not idx.base.label.is_positive
                and name not in ("q", "pi", "ell")
                and label not in declared
            ):
                mapping[idx] = sp.IndexedBase(name, positive=True)[idx.indices]
        if mapping:
            exprs = [e.xreplace(mapping) for e in exprs]
        domain = dataclasses.replace(
            base,
            bounds={**base.bounds, **{s: b for s, b in bounds.items() if s not in base.bounds}},
            sizes=sizes if sizes != DEFAULT_SIZES else base.sizes,
        )
        return exprs, domain, used

    def _decide(
        self,
        prev: sp.Expr,
        cur: sp.Expr,
        rel: str,
        rep: StepReport,
        sem: Semantics,
        frag: Fragment,
        pair: list[Node],
    ) -> StepReport:
        t0 = time.perf_counter()
        try:
            (prev, cur), domain, used = self._restrict([prev, cur], sem, frag.line)
        except ValueError as exc:
            rep.verdict, rep.detail, rep.kind = ERROR, f"the domain could not be built: {exc}", "step"
            return rep
        rep.assumptions = used or None
        rep.symbols = sorted(
            {s.name for e in (prev, cur) for s in e.free_symbols if isinstance(s, sp.Symbol)}
            | {str(a.base.label) for e in (prev, cur) for a in e.atoms(sp.Indexed)}
        )
        d = Derivation(prev, domain=domain, title=self.path, time_limit=self.time_limit)
        cert, proposer = None, ""
        if rel != "=":
            diff = prev - cur if rel == ">=" else cur - prev
            proposals = [("Jensen", c) for c in jensen_certificates(diff, (sem.q, sem.pi))]
            proposals += [("log-sum", c) for c in log_sum_certificates(diff)]
            proposer, cert = proposals[0] if proposals else ("", None)
        try:
            d.step(rel, cur, rep.justification or "as written", label=rep.label, certificate=cert)
            sr = d.check().steps[0]
            rep.verdict, rep.detail = sr.verdict.value, sr.detail
            rep.counterexample, rep.error, rep.tolerance = sr.counterexample, sr.error, sr.tolerance
            cert_of_verdict = getattr(sr, "certificate", None)  # a refutation's ball-arithmetic certificate
            if cert_of_verdict is not None:
                to_json = getattr(cert_of_verdict, "to_json", None)
                rep.certificate = to_json() if callable(to_json) else str(cert_of_verdict)
            if rel != "=" and cert is not None:
                # the checker's "certificate does not match (refuted)" is about the proposal, not the step
                rep.detail = _CERT_MISMATCH.sub(
                    f"the {proposer} certificate proposed by the LaTeX front end does not apply", rep.detail
                )
                if "equals the certificate" in rep.detail:
                    rep.detail += f" [{proposer} certificate proposed by the LaTeX front end]"
        except ValueError as exc:
            rep.verdict, rep.detail = ERROR, f"{type(exc).__name__}: {exc}"
        if rep.verdict == "refuted" and _UNDEFINED_SIDE.search(rep.detail):
            where = ", ".join(f"{k} = {v}" for k, v in rep.point().items())
            rep.verdict = "undecided"
            rep.detail = (
                f"not a counterexample: at {where or 'the point found'} one side is undefined "
                f"({rep.detail}); the step is decided only where both sides are defined"
            )
            rep.counterexample = rep.certificate = None
        if rep.verdict == "refuted" and all(is_numeric(n) for n in pair):
            self._worked_example(prev, cur, frag, rep)
        if used and rep.verdict in ("proved", "numerically consistent"):
            stated = [u for u in used if not u.startswith("where defined: ")]
            implied = [u.removeprefix("where defined: ") for u in used if u.startswith("where defined: ")]
            if stated:
                rep.detail += f" (under {', '.join(stated)})"
            if implied:
                rep.detail += f"; holds where both sides are defined: {', '.join(implied)}"
        rep.seconds = time.perf_counter() - t0
        return rep

    @staticmethod
    def _worked_example(prev: sp.Expr, cur: sp.Expr, frag: Fragment, rep: StepReport) -> None:
        """A worked example's arithmetic holds to the precision its decimals are written with."""
        digits = [len(m.group(1)) for m in _DECIMAL.finditer(frag.latex)]
        if not digits:
            return
        a, b = float(sp.N(prev, 30)), float(sp.N(cur, 30))
        tol = 10.0 ** (-min(digits)) * max(1.0, abs(a), abs(b))
        if abs(a - b) <= tol:
            rep.verdict = "numerically consistent"
            rep.detail = (
                f"worked example: the sides agree to the precision written ({min(digits)} decimals): "
                f"{a:.10g} against {b:.10g}, |difference| {abs(a - b):.3g} ≤ {tol:.3g}"
            )
            rep.counterexample = rep.certificate = None
            rep.error, rep.tolerance = abs(a - b), tol


def check_text(
    text: str, path: str = "<text>", *, time_limit: float = DEFAULT_TIME_LIMIT, points: int = 24
) -> DocumentResult:
    """Check every relation in a Markdown/LaTeX ``text`` under the reading contract; one
    :class:`DocumentResult` (docs/latex-notation.md)."""
    return DocumentChecker(text, path, time_limit=time_limit, points=points).run()


__all__ = ["DocumentChecker", "check_text", "jensen_certificates", "parse_expression"]


def _arguments_absent_from_rhs(d: Definition) -> list[str]:
    """The capital distribution arguments of a functional's definition (``KL(P \\| Q) = ∫ p \\log(p/q)``)
    that its right side never uses: that P has the density p is prose, so the two sides are not compared."""
    if d.lhs.kind not in ("kl", "entropy", "jsd"):
        return []
    args = [a for a in d.lhs.args if isinstance(a, Node) and a.kind == "name"]
    caps = [str(a.args[0]) for a in args if re.fullmatch(r"[A-Z]", canonical(str(a.args[0])))]
    used = {canonical(str(x.args[0])) for x in d.rhs.walk() if x.kind in ("name", "call") and x.args}
    return [c for c in caps if canonical(c) not in used]


def _capital_and_density(nodes: list[Node], defs: dict[str, Definition]) -> str:
    """``P`` and ``p(…)`` in one relation (``KL(P || Q) = Σ_i p(i) log(p(i)/q(i))``), P not defined by the
    document: the text means P has the density p, which the reading cannot know; '' when there is none."""
    names = [x for n in nodes for x in n.walk() if x.kind in ("name", "call") and x.args]
    caps = {canonical(str(x.args[0])) for x in names if x.kind == "name"}
    lows = {base_of(canonical(str(x.args[0]))) for x in names if x.kind == "call"}
    for cap in ("P", "Q"):
        if cap in caps and cap.lower() in lows and cap not in defs:
            return f"{cap} and {cap.lower()}"
    return ""


def _ends_with_a_bound(current: _ChainItem, continuation: Chain) -> bool:
    """Whether the chain so far ends with an inequality to a number (``= A \\geq 0``) and the next row
    continues with ``=``: that row's ``=`` continues A (a bound closes a row, it is not the chain's value;
    "0 = B" is never what is meant)."""
    if not current.steps or not continuation.steps or continuation.steps[0][0] != "=":
        return False
    rel, bound, _ = current.steps[-1]
    if rel not in ("\\geq", "\\leq", ">", "<"):
        return False
    node = bound.args[0] if bound.kind == "neg" and bound.args and isinstance(bound.args[0], Node) else bound
    return node.kind == "number"


def _continues_the_expression(frag: Fragment) -> bool:
    """A display (or the first row of one) that opens with a binary ``+`` or ``−`` and follows the previous
    display with no prose between: the rest of an expression broken across displays (never a conclusion
    after an arrow, ``\\Rightarrow -\\frac{N}{\\sigma} = …``)."""
    if frag.row != 0 or frag.prose_before.strip() or frag.conclusion is not None:
        return False
    return re.match(r"\s*(\\(left|big+|Big+)?\s*)?[+-]", frag.latex) is not None


def _conclusion_parts(fragments: list[Fragment]) -> list[Fragment]:
    """Every fragment cut at its implication arrows (:func:`_row_parts`); a row that ends with an arrow
    (``… = 0 \\Rightarrow \\\\``) makes the next fragment a conclusion of that arrow."""
    out: list[Fragment] = []
    carried: tuple[str, int] | None = None  # the arrow that ended the previous row, at its document offset
    for frag in fragments:
        tail = trailing_arrow(frag.latex)
        out.extend(_row_parts(frag, carried, tail is not None))
        carried = (tail[0], frag.offset + tail[1]) if tail else None
    return out


def _row_parts(
    frag: Fragment, carried: tuple[str, int] | None = None, arrow_ends: bool = False
) -> list[Fragment]:
    """``frag`` cut at its implication arrows (``A = B \\Rightarrow C = D``, conclusions.py): the part before
    the first arrow keeps the row's label and prose (the hypothesis); each part after an arrow is a
    conclusion labelled "line 5 ⇒" ("line 5 ⇒2" for a second one), its columns those of the row. ``carried``:
    the arrow (and its document offset) that ended the row before, whose conclusion this row opens;
    ``arrow_ends``: whether this row ends with an arrow (its last part is a hypothesis)."""
    parts = split_at_arrows(frag.latex)
    if not parts:  # a row that is only an arrow: its conclusion is the next row
        return []
    if carried is not None and parts[0].arrow is None:
        parts[0] = RowPart(parts[0].latex, carried[0], parts[0].column, carried[1] - frag.offset)
    if len(parts) == 1 and parts[0].arrow is None and not arrow_ends:
        return [frag]
    base = frag.label or f"line {frag.line}"
    many = sum(p.arrow is not None for p in parts) > 1
    out = []
    for k, part in enumerate(parts):
        follows = k + 1 < len(parts) or arrow_ends
        if part.arrow is None:
            out.append(dataclasses.replace(frag, latex=part.latex, column=part.column, hypothesis=follows))
            continue
        number = sum(p.arrow is not None for p in parts[: k + 1])
        out.append(
            dataclasses.replace(
                frag,
                latex=part.latex,
                label=f"{base} {part.glyph}{number if many else ''}",
                prose_before="",
                conclusion=part.arrow,
                column=part.column,
                arrow_column=part.arrow_column,
                hypothesis=follows,
            )
        )
    return out
