"""Certificates for the standard inequalities of variational learning, found automatically.

A user states ``a ≥ b``; :func:`find_certificate` looks at ``a − b`` and proposes a
:class:`~derivations.checker.lemmas.NonNegativeSum` for it. The proposal is a *guess*:
:func:`prove_inequality` hands it to :func:`~derivations.checker.identities.decide_nonnegative`,
which proves the lemma, checks the side conditions (weights ≥ 0, arguments in the lemma's
domain) and requires the exact identity ``a − b = certificate``. A wrong guess proves nothing.

The patterns recognised (seed 000 (a) and seed 001 steps (6)–(9); CPSC 440 §1.3; Cover &
Thomas, *Elements of Information Theory*, Thm 2.6.3 and 2.7.1):

* **Jensen for the logarithm**: ``log Σ_i w_i r_i − Σ_i w_i log r_i ≥ 0`` for a probability
  vector w (e.g. ``−Σ q log(p/q) ≥ −log Σ q·(p/q)``, seed 001 step (8));
* **Gibbs** (KL ≥ 0): ``Σ_i q_i log(q_i/p_i) ≥ 0`` for probability vectors q, p;
* **the log-sum inequality**: ``Σ a_i log(a_i/b_i) ≥ (Σ a_i) log(Σ a_i / Σ b_i)`` for a, b > 0;
* **φ(t) = t − 1 − log t ≥ 0** for t > 0;
* **squares**: a sum of c·u² with c ≥ 0, and quadratic polynomials whose Gram matrix has a
  non-negative LDLᵀ factorisation (e.g. x² + y² − 2xy = (x − y)²).

All the log patterns are one certificate: for weights w_i ≥ 0 and ratios R_i > 0,

    Σ_i w_i φ(R_i / λ) = Σ w R / λ − Σ w − Σ w log R + (Σ w) log λ ≥ 0,

with λ = 1 (φ itself, Gibbs) or λ = Σ w R / Σ w (Jensen, log-sum). The pieces ``w log L`` of
the difference (inside a ``Sum`` over a latent index, or written out term by term) give
w and R = 1/L; the identity check decides whether the guess is right.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

import sympy as sp

from derivations.checker.identities import Decision, Domain, check_time_limit, decide_nonnegative
from derivations.checker.lemmas import LOG_RATIO, SQUARE, NonNegativeSum, Term, domain_substitution
from derivations.checker.normal_form import substitute_definitions
from derivations.checker.timebound import TimeBoundExceeded, time_bound
from derivations.checker.verdicts import Verdict

#: At most this many candidate certificates are screened per inequality.
MAX_CANDIDATES = 64
#: Share of an inequality's time limit the automatic certificate search may use: the rest is
#: the counterexample search's, so a slow certificate screen cannot leave a false inequality
#: *undecided* (½ Σ_j (s_j² + μ_j² − 1 − log s_j²) ≥ Σ_j μ_j² was, at any limit).
CERTIFICATE_SHARE = 0.4
#: Largest number of written-out log terms considered (each subset of the "outer" ones is tried).
MAX_PIECES = 12


@dataclass(frozen=True)
class _Piece:
    """``weight · log(arg)`` with a weight meant to be ≥ 0 (numeric sign folded into arg)."""

    weight: sp.Expr
    arg: sp.Expr


def _terms(expr: sp.Expr) -> Iterator[sp.Expr]:
    """The additive terms of ``expr``, distributing numeric factors only: −(a + (1 − q)·b)
    gives −a and −(1 − q)·b, keeping the weight (1 − q) whole."""
    for term in sp.Add.make_args(expr):
        coeff, core = term.as_coeff_Mul()
        if isinstance(core, sp.Add):
            yield from (coeff * t for t in _terms(core))
        else:
            yield term


def _log_pieces(expr: sp.Expr) -> tuple[list[_Piece], list[sp.Expr]]:
    """Split ``expr`` (an Add) into pieces w·log(L) and the remaining terms."""
    pieces: list[_Piece] = []
    rest: list[sp.Expr] = []
    for term in _terms(expr):
        coeff, core = term.as_coeff_Mul()
        logs = [f for f in sp.Mul.make_args(core) if isinstance(f, sp.log)]
        if len(logs) != 1:
            rest.append(term)
            continue
        (lg,) = logs
        weight = core / lg
        if coeff == 0:
            continue
        arg = lg.args[0] if coeff > 0 else 1 / lg.args[0]
        pieces.append(_Piece(abs(coeff) * weight, arg))
    return pieces, rest


def _merge(pieces: list[_Piece]) -> list[_Piece]:
    """w log L₁ + w log L₂ = w log(L₁ L₂): pieces with the same weight become one."""
    by_weight: dict[sp.Expr, sp.Expr] = {}
    for p in pieces:
        by_weight[p.weight] = by_weight.get(p.weight, sp.Integer(1)) * p.arg
    return [_Piece(w, a) for w, a in by_weight.items()]


def _is_outer(p: _Piece) -> bool:
    """A piece that may belong to the normaliser λ rather than to the weighted sum."""
    return any(e.has(sp.Sum) or bool(e.atoms(sp.Add)) for e in (p.arg, p.weight))


def _log_certificates(pieces: list[_Piece], index: tuple[sp.Symbol, sp.Expr, sp.Expr] | None
                      ) -> Iterator[NonNegativeSum]:
    """Σ w φ(R/λ) for the given pieces, λ = 1 and λ = Σ w R / Σ w."""
    if not pieces:
        return
    ratios = [(p.weight, 1 / p.arg) for p in pieces]
    if index is None:
        total_w = sp.Add(*(w for w, _ in ratios))
        total_wr = sp.Add(*(w * r for w, r in ratios))
    else:
        i, lo, hi = index
        j = sp.Dummy("j", integer=True)
        total_w = sp.Add(*(sp.Sum(w.xreplace({i: j}), (j, lo, hi)) for w, _ in ratios))
        total_wr = sp.Add(*(sp.Sum((w * r).xreplace({i: j}), (j, lo, hi)) for w, r in ratios))
    for lam in (sp.Integer(1), total_wr / total_w):
        terms = tuple(Term(w, LOG_RATIO, r / lam) for w, r in ratios)
        yield NonNegativeSum(terms, index)


def _log_candidates(diff: sp.Expr) -> Iterator[NonNegativeSum]:
    top_pieces, rest = _log_pieces(diff)
    # Sums over a latent index: the pieces of their bodies, merged per range.
    bodies: dict[tuple[sp.Expr, sp.Expr], tuple[sp.Symbol, sp.Expr]] = {}
    for term in rest:
        coeff, core = term.as_independent(sp.Sum, as_Add=False)
        if isinstance(core, sp.Sum) and len(core.limits) == 1:
            i, lo, hi = core.limits[0]
            if (lo, hi) in bodies:
                i0, body = bodies[(lo, hi)]
                bodies[(lo, hi)] = (i0, body + coeff * core.function.xreplace({i: i0}))
            else:
                bodies[(lo, hi)] = (i, coeff * core.function)
    for (lo, hi), (i, body) in bodies.items():
        inner, _ = _log_pieces(body)
        yield from _log_certificates(_merge(inner), (i, lo, hi))
    # Written-out sums (a tuple simplex, a two-term log-sum): every split into the weighted
    # terms and the "outer" terms that λ absorbs.
    top = _merge(top_pieces)
    if len(top) > MAX_PIECES:
        return
    outer = [p for p in top if _is_outer(p)]
    plain = [p for p in top if not _is_outer(p)]
    for k in range(len(outer) + 1):
        for chosen in itertools.combinations(outer, k):
            yield from _log_certificates(plain + list(chosen), None)


def _square_candidates(diff: sp.Expr) -> Iterator[NonNegativeSum]:
    """c·u² term by term, then an LDLᵀ factorisation of a quadratic's Gram matrix."""
    terms = []
    for term in sp.Add.make_args(diff):
        coeff, core = term.as_independent(sp.Pow, as_Add=False)
        if isinstance(core, sp.Pow) and core.exp == 2:
            terms.append(Term(coeff, SQUARE, core.base))
        else:
            break
    else:
        if terms:
            yield NonNegativeSum(tuple(terms))
    gens = sorted((s for s in diff.free_symbols if s.is_real), key=sp.default_sort_key)
    if not gens or diff.has(sp.Sum, sp.Indexed) or not diff.is_polynomial(*gens):
        return
    try:
        poly = sp.Poly(sp.expand(diff), *gens)
    except sp.PolynomialError:
        return
    if poly.total_degree() != 2:
        return
    z = [*gens, sp.Integer(1)]
    n = len(z)
    gram = sp.zeros(n, n)
    for monom, c in poly.terms():
        idx = [k for k, e in enumerate(monom) for _ in range(e)]
        a, b = [*idx, n - 1, n - 1][:2]
        if a == b:
            gram[a, a] += c
        else:
            gram[a, b] += c / 2
            gram[b, a] += c / 2
    yield from _ldl_certificate(gram, z)


def _ldl_certificate(gram: sp.Matrix, z: list[sp.Expr]) -> Iterator[NonNegativeSum]:
    """zᵀ G z = Σ_k d_k (ℓ_kᵀ z)² by symmetric elimination; a zero pivot needs a zero row."""
    g = gram.copy()
    n = g.shape[0]
    terms = []
    for k in range(n):
        pivot = sp.simplify(g[k, k])
        if pivot == 0:
            if any(sp.simplify(g[k, m]) != 0 for m in range(k, n)):
                return
            continue
        row = [g[k, m] / pivot for m in range(n)]
        terms.append(Term(pivot, SQUARE, sp.Add(*(row[m] * z[m] for m in range(k, n)))))
        for a in range(k + 1, n):
            for b in range(k + 1, n):
                g[a, b] = g[a, b] - g[a, k] * g[k, b] / pivot
    if terms:
        yield NonNegativeSum(tuple(terms))


# --------------------------------------------------------------------------- screening


def _sample_value(sym: sp.Symbol, rng: random.Random, domain: Domain) -> sp.Float:
    if sym in domain.bounds:
        lo, hi = domain.bounds[sym]
        return sp.Float(rng.uniform(lo, hi), 30)
    if sym.is_positive or sym.is_nonnegative:
        return sp.Float(rng.uniform(0.3, 3.0), 30)
    return sp.Float(rng.gauss(0.0, 1.5), 30)


def _small_integer(sym: sp.Symbol) -> sp.Integer | None:
    """A small integer with every assumption of ``sym`` (3 for a size), or None."""
    for v in (3, 4, 2, 5, 1, 0, -3, -4, -1):
        value = sp.Integer(v)
        if all(getattr(value, f"is_{key}") == want for key, want in sym.assumptions0.items()
               if want is not None and hasattr(value, f"is_{key}")):
            return value
    return None


def _instantiate(expr: sp.Expr, domain: Domain, rng: random.Random) -> sp.Expr:
    """``expr`` at one admissible random point: K = 3 for a symbolic size, a small integer
    for every other integer symbol (the limits of a Sum written with N and J beside the
    domain's size: a Sum over a symbolic range is otherwise evaluated by Euler–Maclaurin, for
    minutes)."""
    size = domain.size
    n = 3 if isinstance(size, sp.Symbol) else size
    if isinstance(size, sp.Symbol):
        expr = expr.xreplace({size: n})
    integers = {}
    for sym in expr.free_symbols:
        if isinstance(sym, sp.Symbol) and sym.is_integer and (value := _small_integer(sym)) is not None:
            integers[sym] = value
    expr = expr.xreplace(integers)
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: e.doit())
    values: dict[sp.Basic, sp.Expr] = {}
    for s in domain.simplex:
        if isinstance(s, tuple):
            draws = [rng.uniform(0.2, 1.0) for _ in s]
            probs = [sp.Float(d / sum(draws), 30) for d in draws]
            if all(isinstance(e, sp.Symbol) for e in s):
                values.update(zip(s, probs, strict=True))
            else:
                values.update({e: p for e, p in zip(s[:-1], probs, strict=False)
                               if isinstance(e, sp.Symbol)})
        elif n is not None:
            draws = [rng.uniform(0.2, 1.0) for _ in range(int(n))]
            values.update({s[j + 1]: sp.Float(d / sum(draws), 30) for j, d in enumerate(draws)})
    for atom in expr.atoms(sp.Indexed):
        if atom not in values:
            positive = atom.base.label.is_positive or atom.is_positive
            values[atom] = sp.Float(rng.uniform(0.3, 3.0) if positive else rng.gauss(0, 1.5), 30)
    for sym in expr.free_symbols - set(values):
        if isinstance(sym, sp.Symbol):
            values[sym] = _sample_value(sym, rng, domain)
    return expr.xreplace(values)


def _plausible(diff: sp.Expr, cert: NonNegativeSum, domain: Domain) -> bool:
    """Cheap screen: ``diff − certificate`` vanishes at two random points (15 digits)."""
    rng = random.Random(20261122)
    expr = diff - cert.expression()
    for _ in range(2):
        try:
            v = complex(sp.N(_instantiate(expr, domain, rng), 20))
            scale = abs(complex(sp.N(_instantiate(diff, domain, random.Random(0)), 20))) + 1.0
        except (TypeError, ValueError, ZeroDivisionError):
            return False
        if not math.isfinite(abs(v)) or abs(v) > 1e-9 * scale:
            return False
    return True


def find_certificate(difference: sp.Expr, domain: Domain | None = None) -> NonNegativeSum | None:
    """A certificate for ``difference ≥ 0`` from the patterns of the module docstring, or None.

    The certificate is screened at two random points but **not verified**: pass it to
    :func:`~derivations.checker.identities.decide_nonnegative` (or use
    :func:`prove_inequality`, which does)."""
    if not isinstance(difference, sp.Expr):
        raise ValueError(f"difference: expected a SymPy expression, got {type(difference).__name__}")
    if domain is not None and not isinstance(domain, Domain):
        raise ValueError(f"domain: expected a Domain, got {type(domain).__name__}")
    domain = domain or Domain()
    diff = substitute_definitions(difference, domain)
    logs = _log_candidates(diff) if diff.has(sp.log) else iter(())
    candidates = itertools.chain(logs, _square_candidates(diff))
    for cert in itertools.islice(candidates, MAX_CANDIDATES):
        if not cert.side_condition_problems(domain) and _plausible(diff, cert, domain):
            return cert
    return None


def _side(value: object, name: str) -> sp.Expr:
    """A SymPy expression or a Python number (never a string: no code runs from text)."""
    if isinstance(value, sp.Expr):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
    raise ValueError(f"{name}: expected a SymPy expression or a finite number, got {value!r}")


def prove_inequality(
    lhs: sp.Expr, relation: str, rhs: sp.Expr, domain: Domain | None = None, *,
    time_limit: float = 20.0,
) -> Decision:
    """Decide ``lhs ≥ rhs`` (``relation`` ``">="``/``"≥"``) or ``lhs ≤ rhs`` (``"<="``/``"≤"``),
    trying an automatic certificate first (see :func:`find_certificate`); the certificate is
    verified by :func:`~derivations.checker.identities.decide_nonnegative`, never trusted."""
    lhs, rhs = _side(lhs, "lhs"), _side(rhs, "rhs")
    if relation in (">=", "≥"):
        diff = lhs - rhs
    elif relation in ("<=", "≤"):
        diff = rhs - lhs
    else:
        raise ValueError(f"relation: expected '>=', '<=', '≥' or '≤', got {relation!r}")
    return decide_inequality(diff, domain, time_limit=time_limit)


def _substituted(
    difference: sp.Expr, cert: NonNegativeSum, domain: Domain
) -> tuple[sp.Expr, NonNegativeSum, Domain] | None:
    """The same question through the domain's positive parametrisation (see
    :func:`~derivations.checker.lemmas.domain_substitution`): a tuple simplex (q₁, 1 − q₁) or a
    bounded symbol becomes positive parameters, whose positivity SymPy's normaliser sees. The
    map is onto, so ``difference ≥ 0`` on the domain iff the substituted one is ≥ 0 for all
    positive parameters."""
    reps = domain_substitution(domain)
    difference = substitute_definitions(difference, domain)  # the constrained symbols may hide in them
    labels = {i.base.label for e in (difference, cert.expression()) for i in e.atoms(sp.Indexed)}
    reps = {k: v for k, v in reps.items() if k not in labels}  # bounds of entries: sampled, not substituted
    involved = (difference.free_symbols | cert.expression().free_symbols) & set(reps)
    if not involved:
        return None
    reps = {k: v for k, v in reps.items() if k in involved}
    terms = tuple(
        Term(t.weight.xreplace(reps), t.lemma, t.argument.xreplace(reps)) for t in cert.terms
    )
    simplex = [
        v for v in domain.simplex
        if not (isinstance(v, tuple) and any(e.free_symbols & set(reps) for e in v))
    ]
    bounds = {k: v for k, v in domain.bounds.items() if k not in reps}
    try:
        reduced = dataclasses.replace(domain, simplex=simplex, bounds=bounds)
    except (TypeError, ValueError):
        return None
    return difference.xreplace(reps), NonNegativeSum(terms, cert.index), reduced


def decide_inequality(
    difference: sp.Expr,
    domain: Domain | None = None,
    *,
    certificate: NonNegativeSum | None = None,
    time_limit: float = 20.0,
) -> Decision:
    """Decide ``difference ≥ 0``.

    The certificate (``certificate``, else one found by :func:`find_certificate`) is verified by
    :func:`~derivations.checker.identities.decide_nonnegative`, never trusted; where the domain
    constrains symbols beyond their assumptions (a tuple simplex, bounds) it is verified through
    the domain's positive parametrisation. Without a proof the ordinary decision is returned
    (a counterexample, numerical consistency, or undecided). The whole call, certificate search
    included, runs under one bound of ``time_limit`` seconds."""
    check_time_limit(time_limit)
    if certificate is not None and not isinstance(certificate, NonNegativeSum):
        raise ValueError(f"certificate: expected a NonNegativeSum, got {type(certificate).__name__}")
    if domain is not None and not isinstance(domain, Domain):
        raise ValueError(f"domain: expected a Domain, got {type(domain).__name__}")
    difference = _side(difference, "difference")
    domain = domain or Domain()
    try:
        return time_bound(lambda: _decide_inequality(difference, domain, certificate, time_limit),
                          time_limit)
    except TimeBoundExceeded:
        return Decision(
            Verdict.UNDECIDED,
            f"time bound of {time_limit:g} s hit (certificate search and decision together)",
        )


def _decide_inequality(
    difference: sp.Expr, domain: Domain, certificate: NonNegativeSum | None, time_limit: float
) -> Decision:
    end = time.monotonic() + time_limit
    cert = certificate
    if cert is None:
        try:
            cert = time_bound(lambda: find_certificate(difference, domain), time_limit * CERTIFICATE_SHARE)
        except (ValueError, TypeError, ArithmeticError, NotImplementedError, sp.PolynomialError,
                TimeBoundExceeded):
            cert = None  # no certificate found (in its share of the time): the decision below runs
    time_limit = max(end - time.monotonic(), 0.05)
    origin = "certificate" if certificate is not None else "automatic certificate"
    if cert is not None:
        sub = _substituted(difference, cert, domain)
        if sub is not None:
            d_sub, c_sub, dom_sub = sub
            decision = decide_nonnegative(d_sub, dom_sub, certificate=c_sub, time_limit=time_limit)
            if decision.verdict is Verdict.PROVED:
                names = ", ".join(sorted(str(k) for k in domain_substitution(domain)))
                decision.detail = (
                    f"{origin}, with {names} written through positive parameters: "
                    f"{decision.detail}"
                )
                return decision
            return decide_nonnegative(difference, domain, time_limit=time_limit)
    decision = decide_nonnegative(difference, domain, certificate=cert, time_limit=time_limit)
    if cert is not None and certificate is None and decision.verdict is Verdict.PROVED:
        decision.detail = f"{origin}: {decision.detail}"
    return decision
