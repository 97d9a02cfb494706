"""Check every derivation chain of one document (issue 14): the library entry :func:`check_text`.

Pipeline: :func:`~derivations.latex.extract.extract` → :func:`~derivations.latex.parser.parse_chain`
per fragment → classification (definition, chain, continuation, statement, Lagrangian and its
stated stationary point) → :class:`~derivations.latex.semantics.Semantics` → the step checker
(:class:`derivations.checker.Derivation`) → :class:`~derivations.latex.report.DocumentResult`.

* A display whose body starts with a relation continues the chain of the display before it.
* A display right after prose that introduces a definition (*define*, *recall*, *given by*,
  *let*, …) and whose left side is a name (KL, H, ELBO, a density ``q(z|x)``, ``F(\\theta, q)``,
  ``C_d``) defines that name; the rest of its chain (``= …``), if any, is checked.
* A document's definition of KL, H or ELBO is compared with the standard one; where they
  differ (seed 001: ``H[q] = \\int q \\log q`` is the *negative* entropy) every step using the
  name is checked under both: the verdict is the standard reading's, the other is reported.
* Inequality steps get a Jensen certificate proposal (log of a q-weighted sum against the
  q-weighted sum of logs); the checker verifies it, never trusts it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from derivations.checker import Derivation, Domain, decide_equal
from derivations.checker.lemmas import LOG_RATIO, NonNegativeSum, summed
from derivations.checker.verdicts import Verdict
from derivations.latex.extract import Extracted, Fragment, extract, is_definition_context
from derivations.latex.parser import Chain, LatexParseError, Node, parse_chain, parse_expression, to_latex
from derivations.latex.report import (
    DEFINITION,
    PARSE_ERROR,
    STATEMENT,
    UNSUPPORTED,
    DocumentResult,
    StepReport,
)
from derivations.latex.multivariate_gaussian import named_gaussians
from derivations.latex.notation_steps import (
    check_special_chain,
    likelihood_of_chain,
    needs_special_check,
    statement_reason,
)
from derivations.latex.semantics import (
    STANDARD_FUNCTIONALS,
    Definition,
    SemanticError,
    Semantics,
    base_of,
    canonical,
    functional_key,
)

_REL = {"=": "=", r"\ge": ">=", r"\geq": ">=", ">": ">=", r"\le": "<=", r"\leq": "<=", "<": "<="}
_REL_TEX = {"=": "=", ">=": r"\geq", "<=": r"\leq"}

#: Per-step time bound of the checker (seconds) unless the caller gives one.
DEFAULT_TIME_LIMIT = 10.0


@dataclass
class _ChainItem:
    """A chain being assembled from consecutive fragments."""

    first: Node
    first_fragment: Fragment
    steps: list[tuple[str, Node, Fragment]] = field(default_factory=list)


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
    """``\\mathcal{L}(θ, φ, x)`` without a multiplier is the ELBO (issue 14 notation list)."""
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


class DocumentChecker:
    """Check one document; see the module docstring."""

    def __init__(
        self, text: str, path: str = "<text>", *, time_limit: float = DEFAULT_TIME_LIMIT, points: int = 24
    ) -> None:
        if not isinstance(text, str):
            raise ValueError(f"text: expected a string, got {type(text).__name__}")
        if not time_limit > 0:
            raise ValueError(f"time_limit: must be positive, got {time_limit!r}")
        self.text = text
        self.path = path
        self.time_limit = time_limit
        self.points = points
        self.ex: Extracted = extract(text)
        self.result = DocumentResult(path)
        self.definitions: dict[str, Definition] = {}
        self.differs: dict[str, str] = {}  # functional key -> how the document's definition differs
        self.gaussians = named_gaussians([m.latex for m in self.ex.inline], parse_chain)  # N_0(μ_0, Σ_0)
        self._likelihood: Node | None = None  # p(x|z) as the product of densities the chain writes
        self.sigmoid = bool(re.search(r"\b(sigmoid|logistic)\b", text, re.I))  # σ(·) is the logistic function

    # -------------------------------------------------------------- definitions
    def _collect_inline_definitions(self) -> None:
        for m in self.ex.inline:
            if not m.definition:
                continue
            try:
                chain = parse_chain(m.latex)
            except LatexParseError:
                continue  # inline maths is prose: only well-formed definitions are taken
            if chain.first is None or len(chain.steps) != 1 or chain.steps[0][0] != "=":
                continue
            if not _lhs_is_definable(chain.first) or (
                chain.first.kind == "name" and base_of(str(chain.first.args[0])) in ("p", "q")
            ):
                continue  # "where $q = p$": a statement about densities, not a definition
            d = _definition_from(chain.first, chain.steps[0][1], m.latex)
            self.definitions.setdefault(d.key, d)
            self.result.steps.append(
                StepReport(
                    d.key,
                    m.line,
                    m.latex,
                    f"{to_latex(chain.first)} := {to_latex(chain.steps[0][1])}",
                    ":=",
                    DEFINITION,
                    "inline definition, honoured in the steps that use it",
                    kind="definition",
                )
            )

    def _compare_with_standard(self, d: Definition, report: StepReport) -> None:
        if d.key not in ("KL", "H", "ELBO"):
            report.detail = "definition stated by the document (no standard definition to compare with)"
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
            how = f"the document's {d.key} differs from the standard {what} ({same.verdict.value})"
        self.differs[d.key] = how
        report.detail = how + "; steps using it are checked under both definitions"
        report.counterexample = same.counterexample

    # -------------------------------------------------------------- main loop
    def run(self) -> DocumentResult:
        """Check the whole document: collect its definitions, parse every display fragment, check each
        chain, statement, definition and stationary point in document order, and return the result with
        timings."""
        t_start = time.perf_counter()
        self._collect_inline_definitions()
        parsed: list[tuple[Fragment, Chain | LatexParseError]] = []
        for frag in self.ex.fragments:
            try:
                parsed.append((frag, parse_chain(frag.latex)))
            except LatexParseError as exc:
                parsed.append((frag, exc))
        # first pass: definitions (document-wide, so a step may use a definition stated after it)
        def_context_display = -1
        def_flags: dict[int, bool] = {}
        for frag, chain in parsed:
            if isinstance(chain, Chain):
                for w in chain.where:  # JSD = … \text{with} M = ½(p + q)
                    assert w.first is not None
                    d = _definition_from(w.first, w.steps[0][1], frag.latex)
                    self.definitions.setdefault(d.key, d)
        for idx, (frag, chain) in enumerate(parsed):
            if frag.row:
                ctx: bool | None = False
            elif frag.prose_before.strip():
                ctx = is_definition_context(frag.prose_before)
            else:  # no prose since the previous display: an unlabelled display inherits its status
                ctx = def_context_display == frag.display - 1 and idx > 0 and frag.label is None
            if ctx:
                def_context_display = frag.display
            nxt = parsed[idx + 1][1] if idx + 1 < len(parsed) else None
            continued = isinstance(nxt, Chain) and nxt.first is None
            def_flags[idx] = bool(ctx) and not continued  # a display continued below starts a chain
            if (
                isinstance(chain, Chain)
                and def_flags[idx]
                and chain.first is not None
                and chain.steps
                and chain.steps[0][0] == "="
                and _lhs_is_definable(chain.first)
                and not _has_lambda(chain.steps[0][1])
            ):
                d = _definition_from(chain.first, chain.steps[0][1], frag.latex)
                self.definitions.setdefault(d.key, d)
        items = self._classify(parsed, def_flags)
        for item, line in items:
            try:
                item()
            except Exception as exc:  # one item's failure is reported; the others still run
                self.result.steps.append(
                    StepReport(
                        f"line {line}",
                        line,
                        "",
                        "",
                        "",
                        "error",
                        f"{type(exc).__name__}: {exc}",
                        kind="error",
                    )
                )
        self.result.steps.sort(key=lambda st: st.line)  # document order (stable within a display)
        self.result.seconds = time.perf_counter() - t_start
        self.result.notes = sorted(self._notes)
        return self.result

    _notes: set[str]

    def _classify(
        self, parsed: list[tuple[Fragment, Chain | LatexParseError]], def_flags: dict[int, bool]
    ) -> list[tuple[Callable[[], None], int]]:
        self._notes = set()
        actions: list[tuple[Callable[[], None], int]] = []
        current: _ChainItem | None = None
        broken = False  # the chain being continued could not be parsed
        k = 0
        while k < len(parsed):
            frag, chain = parsed[k]
            if isinstance(chain, LatexParseError):
                if current is not None:
                    actions.append((self._chain_action(current), current.first_fragment.line))
                current = None
                broken = True
                actions.append((self._error_action(frag, PARSE_ERROR, chain.args[0]), frag.line))
                k += 1
                continue
            special = statement_reason(chain)
            if special is not None:
                if current is not None:
                    actions.append((self._chain_action(current), current.first_fragment.line))
                    current = None
                actions.append((self._special_action(frag, chain, *special), frag.line))
                if special[0] == DEFINITION and chain.first is not None and len(chain.steps) > 1:
                    current = _ChainItem(chain.steps[0][1], frag, [(r, e, frag) for r, e in chain.steps[1:]])
                k += 1
                continue
            if chain.first is None:  # a continuation
                if current is None:
                    why = (
                        "continues a display that could not be parsed"
                        if broken
                        else "a display starting with a relation, but there is no chain before it"
                    )
                    actions.append(
                        (self._error_action(frag, UNSUPPORTED if broken else PARSE_ERROR, why), frag.line)
                    )
                else:
                    current.steps.extend((r, e, frag) for r, e in chain.steps)
                k += 1
                continue
            if current is not None:
                actions.append((self._chain_action(current), current.first_fragment.line))
                current = None
            broken = False
            first = chain.first
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
                nfrag, nchain = parsed[k + 1]
                if (
                    isinstance(nchain, Chain)
                    and nchain.first is not None
                    and len(nchain.steps) == 1
                    and nchain.first.kind == "call"
                    and base_of(str(nchain.first.args[0])) == "q"
                ):
                    actions.append((self._stationary_action(frag, lagr, nfrag, nchain), frag.line))
                    k += 2
                    continue
            if not chain.steps:
                actions.append((self._statement_action(frag, first), frag.line))
                k += 1
                continue
            if def_flags.get(k) and chain.steps[0][0] == "=" and _lhs_is_definable(first):
                d = _definition_from(first, chain.steps[0][1], frag.latex)
                actions.append((self._definition_action(frag, d), frag.line))
                if len(chain.steps) > 1:
                    current = _ChainItem(chain.steps[0][1], frag, [(r, e, frag) for r, e in chain.steps[1:]])
                k += 1
                continue
            current = _ChainItem(first, frag, [(r, e, frag) for r, e in chain.steps])
            k += 1
        if current is not None:
            actions.append((self._chain_action(current), current.first_fragment.line))
        return actions

    # -------------------------------------------------------------- actions
    def _error_action(self, frag: Fragment, verdict: str, message: str) -> Callable[[], None]:
        def run() -> None:
            self.result.steps.append(
                StepReport(
                    frag.label or f"line {frag.line}",
                    frag.line,
                    frag.latex.strip(),
                    "",
                    "",
                    verdict,
                    message,
                    kind=verdict,
                )
            )

        return run

    def _special_action(self, frag: Fragment, chain: Chain, verdict: str, why: str) -> Callable[[], None]:
        def run() -> None:
            parsed = to_latex(chain.first) + "".join(f" {r} {to_latex(e)}" for r, e in chain.steps[:1])
            self.result.steps.append(
                StepReport(
                    frag.label or f"line {frag.line}",
                    frag.line,
                    frag.latex.strip(),
                    parsed,
                    "",
                    verdict,
                    why,
                    kind="definition" if verdict == DEFINITION else "statement",
                )
            )

        return run

    def _statement_action(self, frag: Fragment, node: Node) -> Callable[[], None]:
        def run() -> None:
            self.result.steps.append(
                StepReport(
                    frag.label or f"line {frag.line}",
                    frag.line,
                    frag.latex.strip(),
                    to_latex(node),
                    "",
                    STATEMENT,
                    "an expression without a relation: nothing to check",
                    kind="statement",
                )
            )

        return run

    def _definition_action(self, frag: Fragment, d: Definition) -> Callable[[], None]:
        def run() -> None:
            rep = StepReport(
                frag.label or d.key,
                frag.line,
                frag.latex.strip(),
                f"{to_latex(d.lhs)} := {to_latex(d.rhs)}",
                ":=",
                DEFINITION,
                "",
                kind="definition",
            )
            self._compare_with_standard(d, rep)
            self.result.steps.append(rep)

        return run

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

    def _chain_action(self, item: _ChainItem) -> Callable[[], None]:
        def run() -> None:
            self._check_chain(item)

        return run

    # -------------------------------------------------------------- chains
    def _justification(self, frag: Fragment, label: str | None) -> str:
        j = self.ex.justification(label)
        if j:
            return j
        tail = frag.prose_before.strip().split("\n")[-1].strip()
        return tail[-200:] if tail else "as written in the document"

    def _semantics(self, use_document: bool, continuous: bool) -> Semantics:
        defs = dict(self.definitions)
        if not use_document:
            for key in STANDARD_FUNCTIONALS:
                defs.pop(key, None)
        else:
            for key in STANDARD_FUNCTIONALS:
                if key in defs and key not in self.differs:
                    defs.pop(key)  # agrees with the standard: the standard form is used
        return Semantics(
            defs, use_document=use_document, continuous=continuous, sigmoid=self.sigmoid, likelihood=self._likelihood
        )

    def _check_chain(self, item: _ChainItem) -> None:
        nodes = [_alias_lagrangian_free_L(item.first)] + [
            _alias_lagrangian_free_L(e) for _, e, _ in item.steps
        ]
        if needs_special_check(nodes, [r for r, _, _ in item.steps], self.gaussians):
            continuous = _mentions_continuous(nodes, self.definitions)
            self._likelihood = likelihood_of_chain(nodes)
            self.result.steps.extend(
                check_special_chain(
                    nodes,
                    [(r, f) for r, _, f in item.steps],
                    make_semantics=lambda: self._semantics(False, continuous),
                    justification=self._justification,
                    time_limit=self.time_limit,
                    points=self.points,
                    gaussians=self.gaussians,
                )
            )
            return
        rels = []
        for r, _, frag in item.steps:
            rel = _REL.get(r)
            if rel is None:
                self.result.steps.append(
                    StepReport(
                        frag.label or f"line {frag.line}",
                        frag.line,
                        frag.latex.strip(),
                        "",
                        r,
                        UNSUPPORTED,
                        f"relation `{r}` is not checked",
                        kind=UNSUPPORTED,
                    )
                )
                return
            rels.append(rel)
        continuous = _mentions_continuous(nodes, self.definitions)
        self._likelihood = likelihood_of_chain(nodes)
        uses_differing = any(functional_key(sub) in self.differs for n in nodes for sub in n.walk())
        readings = [("standard", False)]
        if uses_differing:
            readings.append(("document", True))
        evaluated: dict[str, list[sp.Expr] | SemanticError] = {}
        domain: Domain | None = None
        for name, use_doc in readings:
            sem = self._semantics(use_doc, continuous)
            try:
                evaluated[name] = [sem.evaluate(n) for n in nodes]
                self._notes |= sem.notes
                domain = sem.domain(self.points)
                simplex = (sem.q, sem.pi)
            except SemanticError as exc:
                evaluated[name] = exc
        assert domain is not None or isinstance(evaluated["standard"], SemanticError)
        results: dict[str, list[StepReport]] = {}
        for name, _ in readings:
            ev = evaluated[name]
            if isinstance(ev, SemanticError):
                results[name] = []
                continue
            results[name] = self._decide_steps(ev, rels, item, domain, simplex)  # type: ignore[arg-type]
        std = evaluated["standard"]
        if isinstance(std, SemanticError):
            frag = item.steps[0][2]
            self.result.steps.append(
                StepReport(
                    frag.label or f"line {frag.line}",
                    item.first_fragment.line,
                    item.first_fragment.latex.strip(),
                    to_latex(item.first),
                    "",
                    UNSUPPORTED,
                    str(std),
                    kind=UNSUPPORTED,
                )
            )
            return
        for k, rep in enumerate(results["standard"]):
            if results.get("document"):
                alt = results["document"][k]
                if alt.verdict != rep.verdict or alt.detail != rep.detail:
                    rep.alternative = {
                        "reading": "the document's own definitions: " + "; ".join(self.differs.values()),
                        "verdict": alt.verdict,
                        "detail": alt.detail,
                        "counterexample": alt.counterexample,
                    }
            self.result.steps.append(rep)

    def _decide_steps(
        self,
        exprs: list[sp.Expr],
        rels: list[str],
        item: _ChainItem,
        domain: Domain,
        simplex: tuple[sp.IndexedBase, ...],
    ) -> list[StepReport]:
        out = []
        nodes = [item.first] + [e for _, e, _ in item.steps]
        for k, rel in enumerate(rels):
            _, _, frag = item.steps[k]
            same = [j for j in range(len(rels)) if item.steps[j][2] is frag]
            last_in_fragment = k == same[-1]
            label = (
                frag.label
                if last_in_fragment and frag.label
                else (f"{frag.label or 'line ' + str(frag.line)}·{same.index(k) + 1}")
            )
            just = self._justification(frag, frag.label)
            prev, cur = exprs[k], exprs[k + 1]
            d = Derivation(prev, domain=domain, title=self.path, time_limit=self.time_limit)
            cert = None
            if rel != "=":
                diff = prev - cur if rel == ">=" else cur - prev
                certs = jensen_certificates(diff, simplex)
                cert = certs[0] if certs else None
            t0 = time.perf_counter()
            try:
                d.step(rel, cur, just or "as written", label=label, certificate=cert)
                sr = d.check().steps[0]
                verdict, detail = sr.verdict.value, sr.detail
                ce, err, tol = sr.counterexample, sr.error, sr.tolerance
                if rel != "=" and cert is not None:
                    detail += " [Jensen certificate proposed by the LaTeX front end]"
            except ValueError as exc:
                verdict, detail, ce, err, tol = "error", f"{type(exc).__name__}: {exc}", None, None, None
            parsed = f"{to_latex(nodes[k])} {_REL_TEX[rel]} {to_latex(nodes[k + 1])}"
            out.append(
                StepReport(
                    label,
                    frag.line,
                    frag.latex.strip(),
                    parsed,
                    rel,
                    verdict,
                    detail,
                    time.perf_counter() - t0,
                    just,
                    ce,
                    err,
                    tol,
                )
            )
        return out


def check_text(
    text: str, path: str = "<text>", *, time_limit: float = DEFAULT_TIME_LIMIT, points: int = 24
) -> DocumentResult:
    """Check every derivation in a Markdown/LaTeX ``text``; one :class:`DocumentResult`."""
    return DocumentChecker(text, path, time_limit=time_limit, points=points).run()


__all__ = ["DocumentChecker", "check_text", "jensen_certificates", "parse_expression"]
