"""Where the free symbols of a claim live, and the checks that keep that consistent.

A :class:`Domain` declares probability vectors (``simplex``), sizes of latent index sets
(``size``, ``sizes``), open intervals (``bounds``) and abbreviations (``definitions``). The
declarations may never contradict the symbols' SymPy assumptions: a
``positive`` symbol bounded to (−5, −0.1) would let SymPy "prove" ``sqrt(x**2) = x`` while the
sampler draws negative values, so such a domain is rejected with a ``ValueError`` naming the
symbol. :func:`check_symbols` rejects two different free symbols with the same name (e.g.
``Symbol('x')`` and ``Symbol('x', positive=True)``) and summation indices declared with a sign
that their range does not have.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

#: Sizes tried for size symbols (K, N, …): 0 (an empty range, where the declaration allows it),
#: 1, small values and primes, so that statements true only for K ∈ {2, 3, 5} do not pass
#: ((K−2)(K−3)(K−5) = 0); 17 so that a product (K − 1)…(K − 13) vanishing at all the smaller
#: ones does not either; then 20, 32, 64, 100, 1000 and 2²⁰ (factorial(K) ≤ 2⁶³ − 1 fails at 20,
#: ceiling(K/20) = 1 at 32). A point whose sums would have more terms than the evaluator writes
#: out is skipped, not counted.
DEFAULT_SIZES: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 7, 11, 13, 17, 20, 32, 64, 100, 1000, 2**20)


@dataclass
class Domain:
    """Where the free symbols of a claim live.

    * Symbols are sampled from their SymPy assumptions: ``positive`` → magnitudes spread
      log-uniformly over 1e-8…1e8 and around 1, ``real`` → both signs at the same scales,
      ``integer`` → integers (a positive integer, e.g. a size K, from ``sizes``).
    * ``simplex``: probability vectors. An ``IndexedBase`` is indexed 1..``size`` (``size``
      a symbol or an int); a tuple of symbols is a vector of that length. Entries are
      positive and sum to one; symbolically, Σ q_i is replaced by 1.
    * ``bounds``: an open interval (lo, hi) for a symbol; it must lie inside the set the
      symbol's assumptions allow (a ``positive`` symbol needs lo ≥ 0).
    * ``definitions``: symbols that stand for expressions (substituted before evaluation).
    * ``sizes``: values tried for every size symbol (``size`` and any integer symbol used as
      a limit of a ``Sum``/``Product``).
    * ``points``: random points per search (edge, breakpoint and local-search points come
      on top of these).
    """

    simplex: Sequence[sp.IndexedBase | tuple[sp.Symbol, ...]] = ()
    size: sp.Symbol | int | None = None
    bounds: dict[sp.Symbol, tuple[float, float]] = field(default_factory=dict)
    definitions: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    sizes: tuple[int, ...] = DEFAULT_SIZES
    points: int = 32
    seed: int = 20261121

    def __post_init__(self) -> None:
        for s in self.simplex:
            if not isinstance(s, (sp.IndexedBase, tuple)):
                raise ValueError(f"simplex: expected IndexedBase or tuple of symbols, got {s!r}")
            if isinstance(s, tuple) and not _tuple_simplex_ok(s):
                raise ValueError(
                    "simplex: a tuple simplex must hold symbols, the last entry optionally "
                    f"written 1 − (sum of the others), got {s!r}"
                )
            if isinstance(s, sp.IndexedBase) and self.size is None:
                raise ValueError("size: an IndexedBase simplex needs the vector size")
        if isinstance(self.size, bool) or not (self.size is None or isinstance(self.size, (int, sp.Symbol))):
            raise ValueError(f"size: expected a symbol or an int, got {self.size!r}")
        if isinstance(self.size, int) and self.size < 1:
            raise ValueError(f"size: a vector size must be ≥ 1, got {self.size}")
        if isinstance(self.size, sp.Symbol) and self.size.is_integer is False:
            raise ValueError(f"size: the size symbol {self.size} is declared non-integer")
        self.sizes = tuple(self.sizes)
        if not self.sizes or not all(
            isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in self.sizes
        ):
            raise ValueError(f"sizes: expected non-negative ints, got {self.sizes!r}")
        for sym, interval in self.bounds.items():
            _check_bound(sym, interval)
        entries = {e for vec in self.simplex if isinstance(vec, tuple) for e in vec}
        for sym, (lo, hi) in self.bounds.items():
            if sym in entries and (float(lo) > 0 or float(hi) < 1):
                # the sampler draws simplex entries from the whole simplex: a narrower bound
                # would be ignored and a point outside it offered as a counterexample
                raise ValueError(
                    f"bounds: ({float(lo):g}, {float(hi):g}) for {sym} is narrower than the simplex "
                    f"it belongs to allows (0, 1); a bound on a probability-vector entry is not supported"
                )
        self.definitions = {
            name: (sp.Integer(v) if isinstance(v, int) else sp.Float(v))
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            else v
            for name, v in self.definitions.items()
        }
        for name, value in self.definitions.items():
            if not isinstance(name, sp.Symbol):
                raise ValueError(f"definitions: keys must be symbols, got {name!r}")
            _check_definition(name, value)
        cycle = definition_cycle(self.definitions)
        if cycle:
            raise ValueError(
                "definitions: circular definitions " + " → ".join(str(s) for s in cycle)
                + "; a defined symbol may not depend on itself"
            )
        if isinstance(self.points, bool) or not isinstance(self.points, int) or self.points < 1:
            raise ValueError(f"points: need at least one point, got {self.points!r}")

    def declared_symbols(self) -> set[sp.Symbol]:
        """Every symbol named by the declarations (checked for name clashes with the claim)."""
        out: set[sp.Symbol] = set(self.bounds) | set(self.definitions)
        for value in self.definitions.values():
            out |= {s for s in value.free_symbols if isinstance(s, sp.Symbol)}
        for s in self.simplex:
            if isinstance(s, tuple):
                for entry in s:
                    out |= {v for v in entry.free_symbols if isinstance(v, sp.Symbol)}
            else:
                out.add(s.label)
        if isinstance(self.size, sp.Symbol):
            out.add(self.size)
        return out


def definition_cycle(definitions: dict[sp.Symbol, sp.Expr]) -> list[sp.Symbol]:
    """A cycle a → b → … → a among the definitions (each arrow: "is defined using"), or []."""
    graph = {
        name: [s for s in value.free_symbols if s in definitions] if isinstance(value, sp.Basic) else []
        for name, value in definitions.items()
    }
    state: dict[sp.Symbol, int] = {}  # 1 = on the current path, 2 = done
    path: list[sp.Symbol] = []

    def visit(node: sp.Symbol) -> list[sp.Symbol]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node], key=sp.default_sort_key):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph, key=sp.default_sort_key):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return []


#: Assumptions a defined symbol may carry only when SymPy proves its definition has them.
_DEFINITION_FACTS = ("positive", "negative", "nonnegative", "nonpositive", "integer", "nonzero")


def _check_definition(name: sp.Symbol, value: object) -> None:
    """A definition is a SymPy expression (text is never parsed) whose value has
    every sign/integer assumption the defined symbol declares. SymPy uses the declaration
    before the definition is substituted: with y positive, sqrt(y²) is y at construction, so
    sqrt(y²) = y was *proved* with y := −x (redteam corpus)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, sp.Expr):
        raise ValueError(
            f"definitions: the definition of {name} must be a SymPy expression, got "
            f"{type(value).__name__} {value!r} (text is not parsed)"
        )
    for fact in _DEFINITION_FACTS:
        if getattr(name, f"is_{fact}") and getattr(value, f"is_{fact}") is not True:
            raise ValueError(
                f"definitions: {name} is declared {fact} but its definition {sp.sstr(value)[:80]} "
                f"is not provably {fact}; declare {name} with fewer assumptions (e.g. real=True)"
            )
    if name.is_real and getattr(value, "is_real", None) is False:
        raise ValueError(f"definitions: {name} is declared real but its definition is not real")


def _tuple_simplex_ok(vec: tuple[object, ...]) -> bool:
    """(q₁, …, qₙ) of distinct symbols, or (q₁, …, qₙ₋₁, 1 − Σ qⱼ) (a simplex
    written (q₁, 1 − q₁)); the last entry is then determined by the others."""
    if not vec or not all(isinstance(v, sp.Symbol) for v in vec[:-1]):
        return False
    if len(set(vec)) != len(vec):
        return False
    last = vec[-1]
    if isinstance(last, sp.Symbol):
        return True
    return (
        isinstance(last, sp.Expr)
        and len(vec) >= 2
        and sp.expand(last - (1 - sp.Add(*vec[:-1]))) == 0
    )


def _check_bound(sym: object, interval: object) -> None:
    """A bound is a finite open interval inside the set that ``sym``'s assumptions allow."""
    if not isinstance(sym, sp.Symbol):
        raise ValueError(f"bounds: keys must be symbols, got {sym!r}")
    if not (isinstance(interval, tuple) and len(interval) == 2):
        raise ValueError(f"bounds: expected (lo, hi) for {sym}, got {interval!r}")
    for v in interval:
        if isinstance(v, bool) or not isinstance(v, (int, float, Fraction, sp.Number)):
            # no float("1e-3") of text either: strings are never parsed
            raise ValueError(f"bounds: the interval for {sym} must hold numbers, got {v!r}")
    lo, hi = (float(v) for v in interval)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"bounds: the interval for {sym} must be finite, got ({lo}, {hi})")
    if not lo < hi:
        raise ValueError(f"bounds: empty interval ({lo}, {hi}) for {sym}")
    if sym.is_real is False:
        raise ValueError(f"bounds: {sym} is declared non-real; it cannot have real bounds")
    problems = []
    if (sym.is_extended_positive or sym.is_extended_nonnegative) and lo < 0:
        problems.append("non-negative" if not sym.is_extended_positive else "positive")
    if (sym.is_extended_negative or sym.is_extended_nonpositive) and hi > 0:
        problems.append("negative" if sym.is_extended_negative else "non-positive")
    if sym.is_zero and not lo < 0 < hi:
        problems.append("zero")
    if sym.is_integer and not math.floor(lo) + 1 < hi:
        problems.append("integer (the interval holds no integer)")
    if problems:
        raise ValueError(
            f"bounds: ({lo:g}, {hi:g}) for {sym} contradicts its assumption "
            f"{', '.join(problems)}; change the bound or the symbol's declaration"
        )


def _index_problem(index: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> str | None:
    """Why the declared assumptions of a bound index contradict its range, or None."""
    if index.is_integer is False:
        return "is declared non-integer"
    if index.is_positive and (lo - 1).is_nonnegative is not True:
        return f"is declared positive but its range starts at {lo}"
    if index.is_nonnegative and lo.is_nonnegative is not True:
        return f"is declared non-negative but its range starts at {lo}"
    if index.is_negative and (hi + 1).is_nonpositive is not True:
        return f"is declared negative but its range ends at {hi}"
    if index.is_nonpositive and hi.is_nonpositive is not True:
        return f"is declared non-positive but its range ends at {hi}"
    return None


def _check_limit(limit: sp.Expr, what: str, index: sp.Symbol) -> None:
    """A numeric limit of a Sum/Product must be an integer (or ±∞): Σ_{k=1}^{5/2} 1 is 5/2 for
    SymPy and 2 for a reader. (A limit *symbol* is a size, sampled as an integer: see
    :mod:`derivations.checker.sampling`.)"""
    if limit in (sp.oo, -sp.oo) or limit.free_symbols or limit.is_integer:
        return
    raise ValueError(f"the limit {sp.sstr(limit)} of the {what} over {index} is not an integer")


def check_symbols(exprs: Iterable[sp.Basic], domain: Domain) -> None:
    """Raise ``ValueError`` for symbol declarations that would make a verdict meaningless.

    * two different free symbols with the same name (``Symbol('x')`` and
      ``Symbol('x', positive=True)`` are different to SymPy, but a reader sees one ``x``);
    * a ``Sum``/``Product`` index whose declared sign its range does not have (SymPy would use
      the declaration to rewrite |k| → k, δ(k, 0) → 0 before the checker sees the sum).
    """
    seen: dict[str, sp.Symbol] = {}
    symbols: set[sp.Symbol] = set(domain.declared_symbols())
    entries: set[str] = set()
    for e in exprs:
        symbols |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
        entries |= {f"{i.base.label.name}[{', '.join(map(str, i.indices))}]" for i in e.atoms(sp.Indexed)}
        entries |= {str(i) for i in e.atoms(sp.Indexed)}
        for node in sp.preorder_traversal(e):
            if isinstance(node, (sp.Sum, sp.Product)):
                for index, lo, hi in node.limits:
                    why = _index_problem(index, lo, hi)
                    if why is not None:
                        raise ValueError(
                            f"the bound index {index} of {type(node).__name__} {why}; "
                            f"declare it Symbol({str(index)!r}, integer=True)"
                        )
                    for limit in (lo, hi):
                        _check_limit(limit, type(node).__name__, index)
            if isinstance(node, sp.Indexed):
                symbols.add(node.base.label)
    for s in sorted(symbols, key=sp.default_sort_key):
        if s.name in entries:
            raise ValueError(
                f"symbol {s.name!r} prints like an indexed entry of the claim; a counterexample "
                "could not say which is which: rename the symbol"
            )
        other = seen.setdefault(s.name, s)
        if other != s and (isinstance(s, sp.Dummy) or isinstance(other, sp.Dummy)):
            raise ValueError(
                f"two different symbols print as {s.name!r} (a Dummy among them); a "
                "counterexample could not say which is which: give them different names"
            )
        if other != s:
            raise ValueError(
                f"symbol {s.name!r} appears with two different sets of assumptions "
                f"({_assumption_text(other)} and {_assumption_text(s)}); use one Symbol object"
            )


def _assumption_text(s: sp.Symbol) -> str:
    facts = {k: v for k, v in s.assumptions0.items() if v is not None}
    keys = ("positive", "negative", "nonnegative", "integer", "real")
    shown = [k for k in keys if facts.get(k)]
    return "Symbol(" + repr(s.name) + "".join(f", {k}=True" for k in shown[:2]) + ")"
