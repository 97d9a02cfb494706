"""Admissible points for the counterexample search (DESIGN.md, "The step checker").

* Every continuous free symbol is sampled from its declaration: ``positive`` across scales
  (log-uniform magnitudes 1e-8…1e8, mixed with values near 1), ``real`` with both signs at the
  same scales, a ``bounds`` interval uniformly, log-uniformly and near both edges.
* Size symbols — ``Domain.size``, any symbol in a limit of a ``Sum``/``Product`` and any integer
  symbol — take integer values from ``Domain.sizes`` (1, primes and larger values by default;
  negative values too for an integer of unknown sign). Several size symbols (N and K) are
  sampled jointly.
* Probability vectors are Dirichlet draws at several concentrations (near the simplex's
  edges too), normalised exactly (the last entry is 1 − Σ others).
* Indexed entries (x[k] for a sampled size) are drawn lazily, the first time evaluation needs
  them. Bound variables of ``Integral``/``Sum``/``Product`` are never sampled.

A :class:`Point` names only real free quantities: symbols, entries ``q[2]`` and sizes.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from derivations.checker.domain import Domain


@dataclass(frozen=True)
class Kind:
    """How one continuous quantity is sampled: 'positive', 'nonnegative' (0 included),
    'negative', 'nonpositive' (0 included), 'nonzero', 'real' or 'bounded' (the open interval
    (lo, hi)); ``noninteger`` excludes the integers."""

    name: str
    lo: float = -math.inf
    hi: float = math.inf
    noninteger: bool = False

    def admits(self, v: float | Fraction) -> bool:
        """Whether ``v`` is a finite value of this kind."""
        if isinstance(v, float) and not math.isfinite(v):
            return False
        if self.noninteger and v == math.floor(v):
            return False
        checks = {
            "positive": lambda: v > 0,
            "nonnegative": lambda: v >= 0,
            "negative": lambda: v < 0,
            "nonpositive": lambda: v <= 0,
            "nonzero": lambda: v != 0,
            "bounded": lambda: Fraction(self.lo) < Fraction(v) < Fraction(self.hi),
        }
        return bool(checks.get(self.name, lambda: True)())

    def draw(self, rng: random.Random, wide: bool = True) -> float | Fraction:
        """One value, across scales (``wide``: magnitudes log-uniform in 1e-8…1e8 half of the
        time) or near 1; for intervals, near the edges too, down to a quarter of an ulp inside
        an edge (an exact fraction: x = 0.30000000000000004 − ulp/4 lies inside (0, 0.1 + 0.2));
        for the kinds that contain 0, 0 itself one time in eight."""
        v = self._draw(rng, wide)
        if self.admits(v):
            return v
        for _ in range(8):
            v = self._draw(rng, wide)
            if self.admits(v):
                return v
        raise ValueError(f"sampling: no admissible value of kind {self.name} found")

    def _draw(self, rng: random.Random, wide: bool) -> float | Fraction:
        u = rng.random()
        if self.name == "bounded":
            lo, hi = self.lo, self.hi
            if u < 0.45:
                v: float | Fraction = rng.uniform(lo, hi)
            elif u < 0.75:
                gap = (hi - lo) * 10 ** rng.uniform(-9, -1)
                v = lo + gap if rng.random() < 0.5 else hi - gap
            elif u < 0.85:
                v = _just_inside(lo, hi, rng)
            elif lo > 0:
                v = math.exp(rng.uniform(math.log(lo), math.log(hi)))
            else:
                v = rng.uniform(lo, hi)
            if not self.admits(v):
                v = (lo + hi) / 2
            if self.noninteger and v == math.floor(v):
                v = v + (hi - lo) * 1e-3 if v + (hi - lo) * 1e-3 < hi else (lo + v) / 2
            return v
        if self.name in ("nonnegative", "nonpositive") and u > 0.875:
            return 0.0
        magnitude = math.exp(rng.gauss(0.0, 1.0)) if u < 0.5 or not wide else 10 ** rng.uniform(-8, 8)
        if self.noninteger and magnitude == math.floor(magnitude):
            magnitude += 0.5
        if self.name in ("positive", "nonnegative"):
            return magnitude
        if self.name in ("negative", "nonpositive"):
            return -magnitude
        return magnitude if rng.random() < 0.5 else -magnitude

    def to_free(self, v: float | Fraction) -> float:
        """A coordinate on the whole real line (for the local search)."""
        v = float(v)
        if self.name in ("positive", "nonnegative"):
            return math.log(max(v, 1e-300))
        if self.name in ("negative", "nonpositive"):
            return math.log(max(-v, 1e-300))
        if self.name == "bounded":
            t = min(max((v - self.lo) / (self.hi - self.lo), 1e-300), 1 - 1e-16)
            return math.log(t / (1 - t))
        return math.asinh(v)

    def from_free(self, u: float) -> float:
        """The inverse of :meth:`to_free`: a value of this kind from a coordinate on the real line."""
        if self.name in ("positive", "nonnegative"):
            return math.exp(min(u, 700.0))
        if self.name in ("negative", "nonpositive"):
            return -math.exp(min(u, 700.0))
        if self.name == "bounded":
            return self.lo + (self.hi - self.lo) / (1 + math.exp(-max(min(u, 700.0), -700.0)))
        return math.sinh(max(min(u, 700.0), -700.0))


def _just_inside(lo: float, hi: float, rng: random.Random) -> float | Fraction:
    """A point within one ulp of an edge of (lo, hi): the next double inside, or a quarter of an
    ulp inside (an exact fraction between two doubles)."""
    edge, toward = (lo, hi) if rng.random() < 0.5 else (hi, lo)
    step = Fraction(math.nextafter(edge, toward)) - Fraction(edge)
    if rng.random() < 0.5:
        return math.nextafter(edge, toward)
    return Fraction(edge) + step / 4


#: Assumptions the sampler honours (with their implications); a symbol declared with any other
#: assumption that the sampled values cannot satisfy (irrational, transcendental, imaginary,
#: infinite, …) is refused with a ValueError naming it.
_UNSAMPLEABLE = ("irrational", "transcendental", "imaginary", "infinite", "extended_negative_infinite")


def kind_of(sym: sp.Symbol, domain: Domain) -> Kind:
    """The sampling kind of a continuous symbol (or of an IndexedBase label), from its
    assumptions (extended ones too: an ``extended_positive`` symbol is sampled positive) and
    bounds. ``ValueError`` naming the symbol for an assumption the sampler cannot honour."""
    if sym.is_extended_real is False:
        raise ValueError(f"domain: symbol {sym} is not real; cannot sample it")
    for fact in _UNSAMPLEABLE:
        if sym.assumptions0.get(fact) is True:
            raise ValueError(
                f"domain: symbol {sym} is declared {fact}; the sampler draws finite rational "
                "values and cannot honour that assumption"
            )
    noninteger = bool(sym.is_noninteger)
    if sym in domain.bounds:
        lo, hi = domain.bounds[sym]
        return Kind("bounded", float(lo), float(hi), noninteger)
    if sym.is_extended_positive:
        return Kind("positive", noninteger=noninteger)
    if sym.is_extended_negative:
        return Kind("negative", noninteger=noninteger)
    if sym.is_extended_nonnegative:
        return Kind("nonnegative", noninteger=noninteger)
    if sym.is_extended_nonpositive:
        return Kind("nonpositive", noninteger=noninteger)
    if sym.is_zero is False and sym.is_extended_real:
        return Kind("nonzero", noninteger=noninteger)
    return Kind("real", noninteger=noninteger)


def limit_symbols(exprs: Iterable[sp.Basic]) -> set[sp.Symbol]:
    """Free symbols that occur in a limit of a Sum or Product."""
    out: set[sp.Symbol] = set()
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if isinstance(node, (sp.Sum, sp.Product)):
                bound_vars = {lim[0] for lim in node.limits}
                for lim in node.limits:
                    for part in lim[1:]:
                        out |= {s for s in part.free_symbols if s not in bound_vars}
    return {s for s in out if isinstance(s, sp.Symbol)}


def size_symbols(exprs: Iterable[sp.Basic], domain: Domain) -> list[sp.Symbol]:
    """Symbols sampled as integers: the domain's size, symbols in Sum/Product limits, and any
    free symbol declared integer."""
    exprs = list(exprs)
    out: set[sp.Symbol] = limit_symbols(exprs)
    if isinstance(domain.size, sp.Symbol):
        out.add(domain.size)
    for e in exprs:
        out |= {s for s in e.free_symbols if isinstance(s, sp.Symbol) and s.is_integer}
    return sorted((s for s in out if isinstance(s, sp.Symbol)), key=sp.default_sort_key)


def complex_quantities(exprs: Iterable[sp.Basic], domain: Domain) -> list[str]:
    """The free quantities that SymPy's declarations leave complex (a ``Symbol("z")`` or an
    ``IndexedBase("x")`` without ``real``/``positive``/``integer``…) and that the domain does not
    make real (bounds, a simplex, the size, a definition). The sampler draws them on the real
    line only, which is not all of their declared domain: z² = |z|² agrees at every real point
    and is false at z = i."""
    exprs = list(exprs)
    real_by_domain: set[sp.Basic] = set(domain.bounds) | set(domain.definitions)
    for vec in domain.simplex:
        real_by_domain |= set(vec) if isinstance(vec, tuple) else {vec.label}
    sizes = set(size_symbols(exprs, domain))
    out: list[str] = []
    for e in exprs:
        for s in sorted(e.free_symbols, key=sp.default_sort_key):
            if isinstance(s, sp.Symbol) and s not in real_by_domain and s not in sizes \
                    and s.is_extended_real is not True and s.name not in out:
                out.append(s.name)
        for entry in sorted(e.atoms(sp.Indexed), key=sp.default_sort_key):
            name = f"{entry.base.label.name}[…]"
            if entry.base.label not in real_by_domain and entry.is_extended_real is not True \
                    and name not in out:
                out.append(name)
    return out


#: Facts checked against each candidate integer value (the symbol's assumption, when it has
#: one, must hold for the value: even, odd, prime, composite, zero, signs, extended ones).
_INTEGER_FACTS = (
    "positive", "negative", "zero", "nonzero", "nonnegative", "nonpositive", "even", "odd",
    "prime", "composite", "extended_positive", "extended_negative", "extended_nonnegative",
    "extended_nonpositive",
)

#: Largest probability vector drawn (every entry is drawn when the point is made; the evaluator
#: writes out at most this many terms anyway).
MAX_VECTOR_SIZE = 20_000

#: Primes offered to ``prime`` symbols beside the sizes.
_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 61, 101, 1009, 65537)


def integer_admits(sym: sp.Symbol, k: int) -> bool:
    """Whether the integer ``k`` satisfies every assumption of ``sym`` in :data:`_INTEGER_FACTS`."""
    value = sp.Integer(k)
    for fact in _INTEGER_FACTS:
        declared = sym.assumptions0.get(fact)
        if declared is not None and getattr(value, f"is_{fact}") is not declared:
            return False
    return True


def size_values(sym: sp.Symbol, domain: Domain, *, limit: bool = False) -> list[int]:
    """Integer values tried for a size symbol, consistent with **every** assumption it has
    (:func:`integer_admits`) and its bounds: the sizes (0 included where allowed), their
    negatives for a symbol of unknown sign, and primes. A Sum/Product limit of unknown sign is
    a count, ≥ 1 (declare it ``nonnegative=True`` for 0, or give it no role as a limit for
    negative values). The
    vector size of a ``Domain`` is ≥ 0 (≥ 1 with a probability vector). ``ValueError`` naming the
    symbol when no value fits."""
    base = sorted(set(domain.sizes))
    if sym in domain.bounds:
        lo, hi = domain.bounds[sym]
        inside = [k for k in range(math.floor(lo) + 1, math.ceil(hi)) if lo < k < hi]
        if len(inside) > 12:
            step = len(inside) / 12
            inside = sorted({inside[int(i * step)] for i in range(12)} | {inside[0], inside[-1]})
        vals = [k for k in inside if integer_admits(sym, k)]
    else:
        candidates = {*base, *(p for p in _PRIMES if sym.is_prime)}
        if sym == domain.size:  # a size: ≥ 0; 1..MAX_VECTOR_SIZE when a probability vector has it
            if any(isinstance(v, sp.IndexedBase) for v in domain.simplex):
                candidates = {k for k in candidates if 1 <= k <= MAX_VECTOR_SIZE}
            else:
                candidates = {k for k in candidates if k >= 0}
        elif limit and sym.is_extended_nonnegative is None and sym.is_extended_nonpositive is None:
            candidates = {k for k in candidates if k >= 1}  # a limit of unknown sign is a count
        else:
            candidates |= {-k for k in candidates}
        vals = sorted(k for k in candidates if integer_admits(sym, k))
    if not vals:
        raise ValueError(
            f"sizes: no admissible value for {sym} among {domain.sizes} (and primes) that "
            "satisfies its assumptions and bounds; give Domain(sizes=...) values it admits"
        )
    return vals


def size_configs(
    syms: list[sp.Symbol], domain: Domain, rng: random.Random, limits: set[sp.Symbol]
) -> list[dict[sp.Symbol, int]]:
    """Joint values of the size symbols: every value of each one at least once (small
    magnitudes first), in varied combinations (16 configurations, or more when one symbol has
    more values)."""
    if not syms:
        return [{}]
    lists = [
        sorted(size_values(s, domain, limit=s in limits), key=lambda v: (abs(v), v < 0)) for s in syms
    ]
    longest = max(len(v) for v in lists)
    configs = [
        {s: vals[(j * (i + 1) + i) % len(vals)] for i, (s, vals) in enumerate(zip(syms, lists, strict=True))}
        for j in range(longest)
    ]
    while len(configs) < min(16, math.prod(len(v) for v in lists)):
        c = {s: rng.choice(vals) for s, vals in zip(syms, lists, strict=True)}
        if c not in configs:
            configs.append(c)
    return configs[: max(16, longest)]


def index_ranges(exprs: Iterable[sp.Basic], domain: Domain) -> dict[sp.Symbol, list[tuple[sp.Expr, sp.Expr]]]:
    """The ranges of free integer *index* symbols: ``j`` in an entry ``f[j]`` (outside any sum
    over ``j``) ranges over the indices that ``f``'s entries take in the sums of the claim
    (``Σ_{i=lo}^{hi} … f[i] …`` gives lo..hi) and over 1..size for a simplex ``IndexedBase``.

    An entry f[j] next to Σ_{i=1}^K f[i] is one of the K summed entries: drawn independently
    (j = 7 with K = 2) it made ``Σ_i e^{f_i} ≥ e^{f_j}`` *refuted* (redteam corpus). A
    symbol that is also a limit of a Sum/Product is a size, not an index, and is left alone."""
    exprs = list(exprs)
    limits = limit_symbols(exprs)
    used: dict[sp.Symbol, set[sp.Symbol]] = {}
    label_ranges: dict[sp.Symbol, list[tuple[sp.Expr, sp.Expr]]] = {}
    for vec in domain.simplex:
        if isinstance(vec, sp.IndexedBase) and domain.size is not None:
            size = sp.Integer(domain.size) if isinstance(domain.size, int) else domain.size
            label_ranges.setdefault(vec.label, []).append((sp.Integer(1), size))
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if isinstance(node, (sp.Sum, sp.Product)):
                for lim in node.limits:
                    if len(lim) != 3:
                        continue
                    var, lo, hi = lim
                    for entry in node.function.atoms(sp.Indexed):
                        if len(entry.indices) == 1 and entry.indices[0] == var:
                            label_ranges.setdefault(entry.base.label, []).append((lo, hi))
        for entry in e.atoms(sp.Indexed):  # atoms: free occurrences keep j free
            for index in entry.indices:
                if (
                    isinstance(index, sp.Symbol)
                    and index in e.free_symbols
                    and index.is_integer
                    and index not in limits
                    and index not in domain.bounds
                ):
                    used.setdefault(index, set()).add(entry.base.label)
    out: dict[sp.Symbol, list[tuple[sp.Expr, sp.Expr]]] = {}
    for index, labels in used.items():
        ranges = [r for label in labels for r in label_ranges.get(label, [])]
        ranges = [(lo, hi) for lo, hi in ranges if not ((lo.free_symbols | hi.free_symbols) & {index})]
        if ranges:
            out[index] = ranges
    return out


@dataclass
class Point:
    """Values of the free quantities at one admissible point.

    ``values`` maps continuous symbols to floats (exact binary values, so that the point is the
    same at every precision); ``entries`` maps (label, indices) of Indexed entries to floats or
    exact fractions (probability vectors); ``sizes`` maps size symbols to ints.
    """

    values: dict[sp.Symbol, float | Fraction]
    sizes: dict[sp.Symbol, int]
    entries: dict[tuple[sp.Symbol, tuple[int, ...]], float | Fraction] = field(default_factory=dict)
    kinds: dict[sp.Symbol, Kind] = field(default_factory=dict)
    simplex_labels: frozenset[sp.Symbol] = frozenset()
    seed: int = 0

    def value(self, sym: sp.Symbol) -> float | Fraction | int:
        """The size or sampled value of ``sym`` at this point (``ValueError`` when it has none)."""
        if sym in self.sizes:
            return self.sizes[sym]
        if sym in self.values:
            return self.values[sym]
        raise ValueError(f"no value for the symbol {sym}")

    def indexed(self, label: sp.Symbol, indices: tuple[int, ...]) -> float | Fraction:
        """The entry ``label[indices]``: drawn once from the label's kind, reproducibly from the
        point's seed, and remembered; an entry of a probability vector outside it is a ValueError."""
        key = (label, indices)
        if key in self.entries:
            return self.entries[key]
        if label in self.simplex_labels:
            raise ValueError(f"{label}{list(indices)} is outside its probability vector")
        kind = self.kinds.get(label) or Kind("real")
        rng = random.Random(f"{self.seed}:{label.name}:{indices}")
        v = kind.draw(rng)
        self.entries[key] = v
        return v

    def copy(self) -> Point:
        """An independent copy (values, sizes and entries copied; kinds and seed shared)."""
        return Point(
            dict(self.values),
            dict(self.sizes),
            dict(self.entries),
            self.kinds,
            self.simplex_labels,
            self.seed,
        )

    def describe(self) -> dict[str, str]:
        """The point as {name: exact value}: only real free quantities (no bound variables, no
        constants, no bare IndexedBase labels). A float is written as its shortest round-trip
        literal (an exact binary rational), any other fraction as ``p/q``; a symbol whose name is
        one of the report's keys (``lhs``, ``rhs``, ``value``, ``step``) appears as
        ``symbol NAME``."""
        out: dict[str, str] = {}
        for s, size in sorted(self.sizes.items(), key=lambda kv: kv[0].name):
            out[_point_key(s.name)] = str(size)
        for s, v in sorted(self.values.items(), key=lambda kv: kv[0].name):
            out[_point_key(s.name)] = exact_text(v)
        for (label, idx), e in sorted(self.entries.items(), key=lambda kv: (kv[0][0].name, kv[0][1])):
            out[f"{label.name}[{', '.join(map(str, idx))}]"] = exact_text(e)
        return out


#: Keys of a counterexample that hold the sides' values, not coordinates.
RESERVED_KEYS = frozenset({"lhs", "rhs", "value", "step"})


def _point_key(name: str) -> str:
    return f"symbol {name}" if name in RESERVED_KEYS else name


def exact_text(v: float | Fraction | int) -> str:
    """An exact coordinate as text: an int, a float's round-trip literal (its exact binary
    value), or ``p/q``."""
    if isinstance(v, bool):
        raise ValueError("a coordinate cannot be a bool")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    f = Fraction(v)
    if f.denominator == 1:
        return str(f.numerator)
    as_float = float(f)
    if Fraction(as_float) == f:
        return repr(as_float)
    return f"{f.numerator}/{f.denominator}"


def dirichlet(n: int, rng: random.Random, concentration: float) -> list[Fraction]:
    """A probability vector of length ``n``, exactly normalised (entries ≥ ~1e-9)."""
    draws = [max(rng.gammavariate(concentration, 1.0), 1e-300) for _ in range(n)]
    total = sum(draws)
    probs = [max(d / total, 1e-9) for d in draws]
    total = sum(probs)
    head = [Fraction(p / total) for p in probs[:-1]]
    last = 1 - sum(head, Fraction(0))
    if last <= 0:  # rounding pushed the head over 1: fall back to the uniform vector
        return [Fraction(1, n)] * n
    return [*head, last]


@dataclass
class Sampler:
    """Draws admissible points for a fixed set of expressions and a domain."""

    domain: Domain
    continuous: list[sp.Symbol]
    sizes: list[sp.Symbol]
    kinds: dict[sp.Symbol, Kind]
    rng: random.Random
    limits: set[sp.Symbol] = field(default_factory=set)
    #: Free integer index symbols and the index ranges they take (see :func:`index_ranges`).
    index_range: dict[sp.Symbol, list[tuple[sp.Expr, sp.Expr]]] = field(default_factory=dict)
    #: Share of points drawn across scales (1e-8…1e8); the rest near 1. Expressions with
    #: integrals or infinite sums use 0: quadrature and series extrapolation miss a peak of
    #: width 1e-4 or a mass centred at 2.5e5 while reporting a small error (a false refutation).
    wide_share: float = 0.5

    @classmethod
    def for_exprs(cls, exprs: list[sp.Basic], domain: Domain) -> Sampler:
        """A sampler for the free symbols, sizes and indexed labels of ``exprs`` under ``domain``
        (kinds from the assumptions and bounds, simplices, index ranges; scale-wide points only
        when no integral or infinite series is present)."""
        sizes = size_symbols(exprs, domain)
        extra = size_breakpoints(exprs) - set(domain.sizes) if sizes else set()
        if extra:
            domain = dataclasses.replace(domain, sizes=tuple(sorted({*domain.sizes, *extra})))
        simplex_syms = {
            s for vec in domain.simplex if isinstance(vec, tuple) for s in vec if isinstance(s, sp.Symbol)
        }
        free: set[sp.Symbol] = set()
        labels: set[sp.Symbol] = set()
        for e in exprs:
            free |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
            labels |= {i.base.label for i in e.atoms(sp.Indexed)}
        labels |= {vec.label for vec in domain.simplex if isinstance(vec, sp.IndexedBase)}
        free -= labels
        continuous = sorted(free - set(sizes) - simplex_syms, key=sp.default_sort_key)
        kinds = {s: kind_of(s, domain) for s in continuous}
        for label in labels:
            kinds[label] = kind_of(label, domain)
        limited = any(e.has(sp.Integral) or _has_infinite_series(e) for e in exprs)
        return cls(
            domain,
            continuous,
            sizes,
            kinds,
            random.Random(domain.seed),
            limit_symbols(exprs),
            index_range=index_ranges(exprs, domain),
            wide_share=0.0 if limited else 0.5,
        )

    def point(self, sizes: dict[sp.Symbol, int]) -> Point:
        """One sample point at the given ``sizes``: every continuous symbol drawn from its kind,
        every probability vector of the domain drawn from a Dirichlet distribution."""
        rng = self.rng
        wide = rng.random() < self.wide_share  # the other points at moderate scales for every symbol
        values: dict[sp.Symbol, float | Fraction] = {
            s: self.kinds[s].draw(rng, wide) for s in self.continuous
        }
        sizes = self._indices_in_range(sizes, rng)
        p = Point(
            values,
            dict(sizes),
            kinds=self.kinds,
            simplex_labels=frozenset(v.label for v in self.domain.simplex if isinstance(v, sp.IndexedBase)),
            seed=rng.getrandbits(32),
        )
        concentration = rng.choice((1.0, 1.0, 0.2, 5.0))
        for vec in self.domain.simplex:
            if isinstance(vec, tuple):
                for s, v in zip(vec, dirichlet(len(vec), rng, concentration), strict=True):
                    if isinstance(s, sp.Symbol):  # a last entry 1 − Σ others is that value already
                        p.values[s] = v
            else:
                n = self.domain.size if isinstance(self.domain.size, int) else sizes.get(self.domain.size)
                if n is None:
                    continue
                for j, v in enumerate(dirichlet(int(n), rng, concentration), start=1):
                    p.entries[(vec.label, (j,))] = v
        return p

    def _indices_in_range(self, sizes: dict[sp.Symbol, int], rng: random.Random) -> dict[sp.Symbol, int]:
        """``sizes`` with every free index symbol drawn inside the ranges its entries take at
        these sizes (the intersection when there are several); an empty range keeps the value."""
        if not self.index_range:
            return sizes
        out = dict(sizes)
        exact = {k: sp.Integer(v) for k, v in sizes.items()}
        for index, ranges in self.index_range.items():
            lo, hi = -math.inf, math.inf
            for r_lo, r_hi in ranges:
                vals = [sp.Integer(v) if isinstance(v, int) else v.xreplace(exact) for v in (r_lo, r_hi)]
                if not all(v.is_Integer for v in vals):
                    break
                lo, hi = max(lo, int(vals[0])), min(hi, int(vals[1]))
            else:
                if lo <= hi:
                    out[index] = rng.randint(int(lo), int(hi))
        return out

    def random_points(self, count: int) -> Iterator[Point]:
        """``count`` random points, the size configurations cycling."""
        configs = size_configs(self.sizes, self.domain, self.rng, self.limits)
        for n in range(count):
            yield self.point(configs[n % len(configs)])


#: Integer constants in conditions further than this from 0 do not become sizes.
MAX_BREAKPOINT_SIZE = 64


def size_breakpoints(exprs: Iterable[sp.Basic]) -> set[int]:
    """Sizes next to the integer constants of conditions: of Piecewise conditions, relations,
    Min/Max, KroneckerDelta and Heaviside (c − 1, c, c + 1 for each constant c, 0 ≤ … ≤ 64).
    A statement false only for K > 20 (``Piecewise((1, K > 20), (0, True)) = 0``,
    ``Min(K, 20) = K``) or only where an index reaches 17 (``Σ_k δ(k, 17) = 0``) was
    *numerically consistent* with sizes up to 13 (redteam corpus)."""
    out: set[int] = set()
    kinds = (sp.Min, sp.Max, sp.KroneckerDelta, sp.Heaviside, sp.Rel)
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if isinstance(node, sp.Piecewise):
                parts = [c for _, c in node.args]
            elif isinstance(node, kinds):
                parts = [node]
            else:
                continue
            for part in parts:
                if not isinstance(part, sp.Basic):
                    continue
                for c in part.atoms(sp.Rational):
                    base = math.floor(c)
                    for v in (base - 1, base, base + 1, base + 2):
                        if 0 <= v <= MAX_BREAKPOINT_SIZE:
                            out.add(int(v))
    return out


def _has_infinite_series(e: sp.Basic) -> bool:
    return any(
        any(lim[-1] in (sp.oo, -sp.oo) or lim[1] in (sp.oo, -sp.oo) for lim in node.limits)
        for node in e.atoms(sp.Sum, sp.Product)
    )


def breakpoint_conditions(expr: sp.Basic) -> list[sp.Expr]:
    """Expressions g whose zero set is a breakpoint: Piecewise conditions, Max/Min arguments,
    Abs/sign/Heaviside arguments, and floor/ceiling/frac arguments minus the integers 0, ±1, 2
    (``ceiling(x) = floor(x) + 1`` fails only at integers)."""
    out: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                for rel in cond.atoms(sp.core.relational.Relational):
                    out.append(rel.lhs - rel.rhs)
        elif isinstance(node, (sp.Max, sp.Min)):
            args = node.args
            out.extend(a - b for i, a in enumerate(args) for b in args[i + 1 :])
        elif isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            out.append(node.args[0])
        elif isinstance(node, (sp.floor, sp.ceiling, sp.frac)):
            # jumps where the argument is an integer: the nearest few integers
            out.extend(node.args[0] - n for n in (0, 1, -1, 2))
    unique: list[sp.Expr] = []
    for g in out:
        if g.free_symbols and g not in unique:
            unique.append(g)
    return unique[:24]


def sample_symbol_value(sym: sp.Symbol, domain: Domain, rng: random.Random) -> float | Fraction:
    """One admissible value for a continuous symbol (used by callers outside the search)."""
    return kind_of(sym, domain).draw(rng)
