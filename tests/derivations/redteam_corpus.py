"""An adversarial held-out corpus for the step checker.

Written against the weak spots of the rebuilt checker, none of them in
:mod:`tests.derivations.checker_corpus`: free integer index symbols next to sums over K (an entry
``f[j]`` must be the same number as the ``j``-th term of the sum), IndexedBase entries inside and
outside sums (``X[K + 1]``), automatic certificates offered for *wrong* inequalities, breakpoints
of Piecewise/Max/Min/Abs in small regions, magnitudes near 1e±300 and exp(±1000), cancellation-heavy
true identities, integrals (Gaussian moments, entropies) true and wrong by a small factor, nested
sums with two size symbols, products, assumption tricks, ``Derivation`` chains with mixed steps, and
strings where an expression belongs.

Each case is ``true`` (must never be *refuted*), ``false`` (must never be *proved* or *numerically
consistent*) or ``raises`` (must raise ``ValueError``). *Undecided* is allowed and counted.
Used by ``tests/derivations/test_checker_redteam.py`` and ``benchmarks/checker_redteam.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal, decide_nonnegative
from derivations.checker.inequalities import decide_inequality, find_certificate
from derivations.checker.steps import Derivation
from derivations.checker.verdicts import Verdict

#: Per-case time limit (seconds): small, so that the whole corpus stays within its test budget.
TIME_LIMIT = 1.5
#: Integral cases.
SLOW_TIME_LIMIT = 3.0


@dataclass(frozen=True)
class Case:
    """One adversarial statement.

    ``relation``: ``"="`` (``build`` gives lhs, rhs, domain), ``">="`` (lhs − rhs ≥ 0 through
    :func:`decide_inequality`, automatic certificates included), ``"cert"`` (``build`` gives a
    difference, a *donor* difference and a domain: the certificate found for the donor is offered
    for the difference), ``"chain"`` (``build`` gives a :class:`Derivation`) or ``"raises"``
    (``build`` must raise ``ValueError``; ``true`` is ignored)."""

    name: str
    true: bool
    category: str
    build: Callable[[], Any]
    relation: str = "="
    slow: bool = False

    @property
    def limit(self) -> float:
        return SLOW_TIME_LIMIT if self.slow else TIME_LIMIT

    def decide(self) -> Decision:
        built = self.build()
        if self.relation == "=":
            lhs, rhs, domain = built
            return decide_equal(lhs, rhs, domain, time_limit=self.limit)
        if self.relation == ">=":
            lhs, rhs, domain = built
            return decide_inequality(lhs - rhs, domain, time_limit=self.limit)
        if self.relation == "cert":
            diff, donor, domain = built
            cert = find_certificate(donor, domain)
            if cert is None:
                return decide_nonnegative(diff, domain, time_limit=self.limit)
            return decide_nonnegative(diff, domain, certificate=cert, time_limit=self.limit)
        if self.relation == "chain":
            result = built.check()
            return Decision(result.verdict, result.summary())
        raise ValueError(f"relation: unknown {self.relation!r}")


# ------------------------------------------------------------------------------------ symbols

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
z = sp.Symbol("z", real=True)
m = sp.Symbol("m", real=True)
s = sp.Symbol("s", positive=True)
t = sp.Symbol("t", positive=True)
w = sp.Symbol("w", negative=True)
lam = sp.Symbol("lambda", positive=True)
u1, u2 = sp.symbols("u1 u2", positive=True)
c1, c2 = sp.symbols("c1 c2", positive=True)
K = sp.Symbol("K", integer=True, positive=True)
N = sp.Symbol("N", integer=True, positive=True)
i = sp.Symbol("i", integer=True)
k = sp.Symbol("k", integer=True)
n = sp.Symbol("n", integer=True)
jj = sp.Symbol("j", integer=True, positive=True)
F = sp.IndexedBase("f", real=True)
X = sp.IndexedBase("X", real=True)
Y = sp.IndexedBase("Y", real=True)
PHI = sp.IndexedBase("phi", positive=True)
R = sp.IndexedBase("r", positive=True)

UNIT = Domain()
SIMPLEX_PHI = Domain(simplex=(PHI,), size=K)
X_UNIT = Domain(bounds={x: (0.0, 1.0)})
XY_UNIT = Domain(bounds={x: (0.0, 1.0), y: (0.0, 1.0)})
X_0_5 = Domain(bounds={x: (0.0, 5.0)})
Q1 = sp.Symbol("q1", positive=True)
R1 = sp.Symbol("r1", positive=True)
BERNOULLI_PAIR = Domain(bounds={Q1: (0.0, 1.0), R1: (0.0, 1.0)})
TUPLE_SIMPLEX = Domain(simplex=((u1, u2),))


ONE = sp.Integer(1)


def _sum(body: sp.Expr, index: sp.Symbol = i, lo: sp.Expr = ONE, hi: sp.Expr = K) -> sp.Sum:
    return sp.Sum(body, (index, lo, hi))


def _normal_pdf(v: sp.Expr, sd: sp.Expr) -> sp.Expr:
    return sp.exp(-(v**2) / (2 * sd**2)) / (sd * sp.sqrt(2 * sp.pi))


def _gauss_moment4() -> sp.Integral:
    return sp.Integral(z**4 * _normal_pdf(z, s), (z, -sp.oo, sp.oo))


def _gauss_entropy() -> sp.Integral:
    return sp.Integral(-_normal_pdf(z, s) * sp.log(_normal_pdf(z, s)), (z, -sp.oo, sp.oo))


def _exp_entropy() -> sp.Integral:
    zp = sp.Symbol("zp", positive=True)
    density = lam * sp.exp(-lam * zp)
    return sp.Integral(-density * sp.log(density), (zp, 0, sp.oo))


def _kl_q_r(q: sp.Expr, r: sp.Expr) -> sp.Expr:
    return q * sp.log(q / r) + (1 - q) * sp.log((1 - q) / (1 - r))


# ------------------------------------------------------------------------------- chains


def _elbo_chain(wrong: bool) -> Derivation:
    """log(c1 + c2) ≥ u1 log(c1/u1) + u2 log(c2/u2) on the simplex (u1, u2): Jensen, one step
    rewritten first. The wrong chain drops the entropy of q in the rewriting step."""
    d = Derivation(sp.log(c1 + c2), domain=TUPLE_SIMPLEX, time_limit=TIME_LIMIT, title="elbo")
    d.eq(sp.log(u1 * (c1 / u1) + u2 * (c2 / u2)), "multiply and divide by q")
    d.ge(u1 * sp.log(c1 / u1) + u2 * sp.log(c2 / u2), "Jensen (log concave)")
    rhs = (
        u1 * sp.log(c1) + u2 * sp.log(c2)
        if wrong
        else u1 * sp.log(c1) + u2 * sp.log(c2) - (u1 * sp.log(u1) + u2 * sp.log(u2))
    )
    d.eq(rhs, "expand the logarithms")
    return d


def _telescoping_chain(wrong: bool) -> Derivation:
    d = Derivation(_sum(1 / (i * (i + 1))), time_limit=TIME_LIMIT, title="telescoping")
    d.eq(_sum(1 / i - 1 / (i + 1)), "partial fractions")
    d.eq(1 - 1 / (K + 2) if wrong else 1 - 1 / (K + 1), "telescoping")
    d.le(sp.Integer(1), "1/(K+1) > 0")
    return d


def _squares_chain(wrong: bool) -> Derivation:
    d = Derivation(x**2 + y**2, time_limit=TIME_LIMIT, title="squares")
    d.ge(2 * x * y if not wrong else 3 * x * y, "(x − y)² ≥ 0")
    return d


# ------------------------------------------------------------------------------- raises


def _two_x() -> Decision:
    return decide_equal(sp.Symbol("x") + 1, sp.Symbol("x", positive=True) + 1, UNIT, time_limit=TIME_LIMIT)


def _positive_bound_negative() -> Domain:
    return Domain(bounds={s: (-1.0, 1.0)})


def _string_definition() -> Decision:
    return decide_equal(t, t, Domain(definitions={t: "exp(1)"}), time_limit=TIME_LIMIT)


def _string_bound() -> Decision:
    return decide_equal(x, x, Domain(bounds={x: ("0", "1")}), time_limit=TIME_LIMIT)  # type: ignore[dict-item]  # a str bound on purpose


RAISES: list[Case] = [
    Case("same_name_two_assumptions", False, "assumption trick", _two_x, "raises"),
    Case("positive_symbol_negative_bound", False, "assumption trick", _positive_bound_negative, "raises"),
    Case("string_lhs", False, "string", lambda: decide_equal("x", x, UNIT), "raises"),
    Case("string_expr_nonneg", False, "string", lambda: decide_nonnegative("x**2", UNIT), "raises"),
    Case("string_derivation_start", False, "string", lambda: Derivation("x"), "raises"),
    Case("string_step", False, "string", lambda: Derivation(x).eq("x", "same"), "raises"),
    Case("string_certificate_search", False, "string", lambda: find_certificate("x**2"), "raises"),
    Case("string_inequality", False, "string", lambda: decide_inequality("x**2"), "raises"),
    Case("string_definition", False, "string", _string_definition, "raises"),
    Case("string_bound", False, "string", _string_bound, "raises"),
    Case("string_simplex", False, "string", lambda: Domain(simplex=("q",)), "raises"),
    Case(
        "bound_narrower_than_simplex",
        False,
        "assumption trick",
        lambda: Domain(simplex=((u1, u2),), bounds={u1: (0.0, 0.1)}),
        "raises",
    ),
    Case(
        "definition_contradicts_positive",
        False,
        "assumption trick",
        lambda: Domain(definitions={sp.Symbol("y", positive=True): -t}),
        "raises",
    ),
    Case(
        "tuple_simplex_not_summing_to_one",
        False,
        "assumption trick",
        lambda: Domain(simplex=((u1, 2 - u1),)),
        "raises",
    ),
]


TRUE_CASES: list[Case] = [
    # (a) free integer index j next to a sum over i = 1..K: j ranges over 1..K, f[j] is a term
    Case(
        "entry_below_sum_of_exps", True, "free index", lambda: (_sum(sp.exp(F[i])), sp.exp(F[jj]), UNIT), ">="
    ),
    Case(
        "logsumexp_above_entry", True, "free index", lambda: (sp.log(_sum(sp.exp(F[i]))), F[jj], UNIT), ">="
    ),
    Case(
        "simplex_entry_at_most_one", True, "free index", lambda: (sp.Integer(1), PHI[jj], SIMPLEX_PHI), ">="
    ),
    Case(
        "softmax_entry_identity",
        True,
        "free index",
        lambda: (sp.exp(F[jj]) / _sum(sp.exp(F[i])), sp.exp(F[jj] - sp.log(_sum(sp.exp(F[i])))), UNIT),
    ),
    # (b) IndexedBase entries inside and outside sums
    Case("telescoping_entries", True, "indexed", lambda: (_sum(X[i + 1] - X[i]), X[K + 1] - X[1], UNIT)),
    Case(
        "centred_sum_of_squares",
        True,
        "indexed",
        lambda: (_sum((X[i] - m) ** 2), _sum(X[i] ** 2) - 2 * m * _sum(X[i]) + K * m**2, UNIT),
    ),
    Case(
        "difference_of_entries_squared",
        True,
        "indexed",
        lambda: ((X[1] - X[2]) ** 2, sp.Integer(0), UNIT),
        ">=",
    ),
    # (c) certificates: true inequalities through tuple simplices and bounded symbols
    Case(
        "bernoulli_kl_bounded",
        True,
        "certificate",
        lambda: (_kl_q_r(Q1, R1), sp.Integer(0), BERNOULLI_PAIR),
        ">=",
    ),
    Case(
        "two_point_jensen_tuple_simplex",
        True,
        "certificate",
        lambda: (
            sp.log(Q1 * c1 + (1 - Q1) * c2),
            Q1 * sp.log(c1) + (1 - Q1) * sp.log(c2),
            Domain(simplex=((Q1, 1 - Q1),), bounds={Q1: (0.0, 1.0)}),
        ),
        ">=",
    ),
    Case(
        "sum_of_two_squares_gram",
        True,
        "certificate",
        lambda: ((x - y) ** 2 + (x + y) ** 2, 2 * x**2, UNIT),
        ">=",
    ),
    # (d) Piecewise/Max/Min/Abs
    Case("min_plus_max", True, "breakpoint", lambda: (sp.Min(x, y) + sp.Max(x, y), x + y, UNIT)),
    Case("abs_of_product", True, "breakpoint", lambda: (sp.Abs(x * y), sp.Abs(x) * sp.Abs(y), UNIT)),
    Case(
        "piecewise_relu_as_max",
        True,
        "breakpoint",
        lambda: (
            sp.Piecewise((x - sp.Rational(1, 10**6), x > sp.Rational(1, 10**6)), (0, True)),
            sp.Max(x - sp.Rational(1, 10**6), 0),
            UNIT,
        ),
    ),
    # (e) magnitudes and cancellation
    Case(
        "exp_1000_cancels",
        True,
        "magnitude",
        lambda: (sp.exp(1000 * x) * sp.exp(-1000 * x), sp.Integer(1), UNIT),
    ),
    Case(
        "binomial_expansion_tiny_x",
        True,
        "cancellation",
        lambda: ((1 + t) ** 5 - 1, 5 * t + 10 * t**2 + 10 * t**3 + 5 * t**4 + t**5, UNIT),
    ),
    Case(
        "softplus_difference_is_x",
        True,
        "cancellation",
        lambda: (sp.log(1 + sp.exp(x)) - sp.log(1 + sp.exp(-x)), x, UNIT),
    ),
    Case(
        "scaled_by_1e300",
        True,
        "magnitude",
        lambda: (sp.Integer(10) ** 300 * t / sp.Integer(10) ** 300, t, UNIT),
    ),
    Case(
        "telescoping_fractions",
        True,
        "cancellation",
        lambda: (_sum(1 / (i * (i + 1))), 1 - 1 / (K + 1), UNIT),
    ),
    Case("telescoping_logs", True, "cancellation", lambda: (_sum(sp.log((i + 1) / i)), sp.log(K + 1), UNIT)),
    # (f) integrals
    Case("gauss_fourth_moment", True, "integral", lambda: (_gauss_moment4(), 3 * s**4, UNIT), slow=True),
    Case(
        "gauss_entropy",
        True,
        "integral",
        lambda: (_gauss_entropy(), sp.log(2 * sp.pi * sp.E * s**2) / 2, UNIT),
        slow=True,
    ),
    Case("exponential_entropy", True, "integral", lambda: (_exp_entropy(), 1 - sp.log(lam), UNIT), slow=True),
    # (g) nested sums with two sizes, products
    Case(
        "double_sum_of_index_products",
        True,
        "two sizes",
        lambda: (sp.Sum(n * k, (k, 1, K), (n, 1, N)), N * (N + 1) * K * (K + 1) / 4, UNIT),
    ),
    Case(
        "triangular_double_sum",
        True,
        "two sizes",
        lambda: (sp.Sum(1, (k, 1, n), (n, 1, N)), N * (N + 1) / 2, UNIT),
    ),
    Case(
        "indicator_above_20_true",
        True,
        "two sizes",
        lambda: (
            sp.Piecewise((1, K > 20), (0, True)) + sp.Piecewise((1, K <= 20), (0, True)),
            sp.Integer(1),
            UNIT,
        ),
    ),
    Case("product_is_factorial", True, "product", lambda: (sp.Product(k, (k, 1, K)), sp.factorial(K), UNIT)),
    Case(
        "product_exp_cancels",
        True,
        "product",
        lambda: (
            sp.Product(sp.exp(X[k]), (k, 1, K)) * sp.Product(sp.exp(-X[k]), (k, 1, K)),
            sp.Integer(1),
            UNIT,
        ),
    ),
    # (h) assumptions
    Case("sqrt_square_positive", True, "assumption trick", lambda: (sp.sqrt(s**2), s, UNIT)),
    Case("abs_of_negative", True, "assumption trick", lambda: (sp.Abs(w), -w, UNIT)),
    # (j) chains
    Case("elbo_chain", True, "chain", lambda: _elbo_chain(False), "chain"),
    Case("telescoping_chain", True, "chain", lambda: _telescoping_chain(False), "chain"),
    Case("squares_chain", True, "chain", lambda: _squares_chain(False), "chain"),
]

FALSE_CASES: list[Case] = [
    # (a)
    Case(
        "entry_times_k_below_sum",
        False,
        "free index",
        lambda: (_sum(sp.exp(F[i])), K * sp.exp(F[jj]), UNIT),
        ">=",
    ),
    Case("simplex_entry_above_uniform", False, "free index", lambda: (PHI[jj], 1 / K, SIMPLEX_PHI), ">="),
    Case("entry_equals_mean", False, "free index", lambda: (F[jj], _sum(F[i]) / K, UNIT)),
    # (b)
    Case(
        "telescoping_entries_off_by_one", False, "indexed", lambda: (_sum(X[i + 1] - X[i]), X[K] - X[1], UNIT)
    ),
    Case(
        "centred_sum_of_squares_m2",
        False,
        "indexed",
        lambda: (_sum((X[i] - m) ** 2), _sum(X[i] ** 2) - 2 * m * _sum(X[i]) + m**2, UNIT),
    ),
    Case("difference_of_squares_entries", False, "indexed", lambda: (X[1] ** 2, X[2] ** 2, UNIT), ">="),
    # (c) wrong inequalities offered certificates
    Case(
        "kl_against_unnormalised_r",
        False,
        "certificate",
        lambda: (u1 * sp.log(u1 / c1) + u2 * sp.log(u2 / c2), sp.Integer(0), TUPLE_SIMPLEX),
        ">=",
    ),
    Case(
        "jensen_unnormalised_weights",
        False,
        "certificate",
        lambda: (sp.log(c1 * u1 + c2 * u2), c1 * sp.log(u1) + c2 * sp.log(u2), UNIT),
        ">=",
    ),
    Case(
        "two_point_jensen_reversed_tuple_simplex",
        False,
        "certificate",
        lambda: (
            Q1 * sp.log(c1) + (1 - Q1) * sp.log(c2),
            sp.log(Q1 * c1 + (1 - Q1) * c2),
            Domain(simplex=((Q1, 1 - Q1),), bounds={Q1: (0.0, 1.0)}),
        ),
        ">=",
    ),
    Case("phi_with_2_log", False, "certificate", lambda: (2 * t - 2, sp.log(t) * 3, UNIT), ">="),
    Case(
        "half_bernoulli_kl",
        False,
        "certificate",
        lambda: (Q1 * sp.log(Q1 / R1), sp.Integer(0), BERNOULLI_PAIR),
        ">=",
    ),
    Case(
        "square_minus_tiny", False, "certificate", lambda: ((x - y) ** 2, sp.Rational(1, 10**9), UNIT), ">="
    ),
    Case(
        "donated_kl_certificate",
        False,
        "certificate",
        lambda: (_kl_q_r(Q1, R1) - sp.Rational(1, 100), _kl_q_r(Q1, R1), BERNOULLI_PAIR),
        "cert",
    ),
    Case(
        "donated_square_certificate",
        False,
        "certificate",
        lambda: (x**2 - 2 * x * y + y**2 - x, x**2 - 2 * x * y + y**2, UNIT),
        "cert",
    ),
    # (d)
    Case("max_floor_2_percent", False, "breakpoint", lambda: (sp.Max(x, sp.Rational(2, 100)), x, X_UNIT)),
    Case(
        "abs_shift_near_edge",
        False,
        "breakpoint",
        lambda: (sp.Abs(x - sp.Rational(3, 100)), x - sp.Rational(3, 100), X_UNIT),
    ),
    Case(
        "piecewise_bump_at_3_7",
        False,
        "breakpoint",
        lambda: (
            sp.Piecewise((x**2, (x > sp.Rational(37, 10)) & (x < sp.Rational(376, 100))), (x, True)),
            x,
            X_0_5,
        ),
    ),
    Case(
        "diagonal_strip",
        False,
        "breakpoint",
        lambda: (
            sp.Max(x, y) - sp.Min(x, y),
            sp.Abs(x - y)
            + sp.Piecewise((sp.Rational(1, 1000), sp.Abs(x - y) < sp.Rational(1, 100)), (0, True)),
            XY_UNIT,
        ),
    ),
    # (e)
    Case("exp_minus_1000_is_zero", False, "magnitude", lambda: (sp.exp(-1000 * t), sp.Integer(0), UNIT)),
    Case(
        "1e300_plus_1e_minus_300",
        False,
        "magnitude",
        lambda: (sp.Integer(10) ** 300 * t + sp.Rational(1, 10**300), sp.Integer(10) ** 300 * t, UNIT),
    ),
    Case(
        "binomial_expansion_missing_t5",
        False,
        "cancellation",
        lambda: ((1 + t) ** 5 - 1, 5 * t + 10 * t**2 + 10 * t**3 + 5 * t**4, UNIT),
    ),
    Case(
        "telescoping_logs_wrong", False, "cancellation", lambda: (_sum(sp.log((i + 1) / i)), sp.log(K), UNIT)
    ),
    # (f)
    Case(
        "gauss_fourth_moment_1e_minus_6",
        False,
        "integral",
        lambda: (_gauss_moment4(), 3 * s**4 * (1 + sp.Rational(1, 10**6)), UNIT),
        slow=True,
    ),
    Case(
        "gauss_entropy_missing_e",
        False,
        "integral",
        lambda: (_gauss_entropy(), sp.log(2 * sp.pi * s**2) / 2, UNIT),
        slow=True,
    ),
    Case(
        "exponential_entropy_sign",
        False,
        "integral",
        lambda: (_exp_entropy(), 1 + sp.log(lam), UNIT),
        slow=True,
    ),
    # (g)
    Case(
        "double_sum_wrong_unless_n_eq_k",
        False,
        "two sizes",
        lambda: (
            sp.Sum(n * k, (k, 1, K), (n, 1, N)),
            N * (N + 1) * K * (K + 1) / 4 + (N - 1) * (K - 1) * (N - K),
            UNIT,
        ),
    ),
    Case(
        "triangular_double_sum_n2",
        False,
        "two sizes",
        lambda: (sp.Sum(1, (k, 1, n), (n, 1, N)), N**2 / 2 + N / 2 + (N - 1) * (N - 2), UNIT),
    ),
    Case("product_ratio_is_k", False, "product", lambda: (sp.Product((k + 1) / k, (k, 1, K)), K, UNIT)),
    Case(
        "indicator_above_20",
        False,
        "two sizes",
        lambda: (sp.Piecewise((1, K > 20), (0, True)), sp.Integer(0), UNIT),
    ),
    Case("min_k_20_is_k", False, "two sizes", lambda: (sp.Min(K, 20), K, UNIT)),
    Case(
        "delta_at_17_never_hit",
        False,
        "two sizes",
        lambda: (_sum(sp.KroneckerDelta(i, 17)), sp.Integer(0), UNIT),
    ),
    Case(
        "vanishes_at_all_small_sizes",
        False,
        "two sizes",
        lambda: (sp.Mul(*(K - c for c in (1, 2, 3, 4, 5, 7, 11, 13))), sp.Integer(0), UNIT),
    ),
    # (h)
    Case(
        "sqrt_square_real_bounded",
        False,
        "assumption trick",
        lambda: (sp.sqrt(z**2), z, Domain(bounds={z: (-1.0, 1.0)})),
    ),
    Case("abs_of_negative_is_itself", False, "assumption trick", lambda: (sp.Abs(w), w, UNIT)),
    # (j)
    Case("elbo_chain_entropy_dropped", False, "chain", lambda: _elbo_chain(True), "chain"),
    Case("telescoping_chain_wrong", False, "chain", lambda: _telescoping_chain(True), "chain"),
    Case("squares_chain_3xy", False, "chain", lambda: _squares_chain(True), "chain"),
]

CASES: list[Case] = TRUE_CASES + FALSE_CASES


def is_sound(case: Case, verdict: Verdict) -> bool:
    """A true case is never refuted; a false one never proved nor numerically consistent."""
    if case.true:
        return verdict is not Verdict.REFUTED
    return verdict not in (Verdict.PROVED, Verdict.NUMERIC)
