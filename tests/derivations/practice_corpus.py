"""A held-out corpus written the way the field writes its mathematics, as true/false twins.

Statements as they appear in lecture notes, blog posts and homework on variational learning
(Bishop, *PRML* §1.6, §2.3, §9.2–9.4; Murphy, *Probabilistic Machine Learning* §6; Cover & Thomas,
Ch. 2): Gaussian integrals and moments, exponential-family normalisers, KL and cross-entropy
sums over K outcomes, Jensen and AM–GM, the ELBO and the EM bound, softmax and log-sum-exp,
harmonic and Basel partial sums, sums over an index that may be empty, floor/ceiling/Heaviside
jumps, floats typed as decimals. Each *true* statement has a *false* twin that differs by one
slip of the kind people make (a dropped ½, a reversed inequality, an off-by-one range, a wrong
constant). Written fresh against the certified checker (not derived from the examples of the
review that asked for it), never tuned to the checker's verdicts.

Each case runs twice: through the decision procedure (``decide_equal`` / ``prove_inequality``)
and as a one-step :class:`~derivations.checker.steps.Derivation`. Soundness: a true case is
never *refuted*, a false one never *proved* nor *numerically consistent*; *undecided* is allowed
and counted. ``RAISES``: inputs that must raise ``ValueError``.
Used by ``tests/derivations/test_checker_practice.py`` and ``benchmarks/checker_practice.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal
from derivations.checker.inequalities import prove_inequality
from derivations.checker.steps import Derivation
from derivations.checker.verdicts import Verdict

#: Per-case time limit (seconds) and the limit for cases with integrals.
TIME_LIMIT = 2.0
SLOW_TIME_LIMIT = 4.0

Built = tuple[sp.Expr, sp.Expr, Domain]


@dataclass(frozen=True)
class Case:
    """``lhs relation rhs`` on a domain; ``relation`` is ``=``, ``>=`` or ``<=``."""

    name: str
    true: bool
    category: str
    relation: str
    build: Callable[[], Built]
    slow: bool = False

    @property
    def limit(self) -> float:
        return SLOW_TIME_LIMIT if self.slow else TIME_LIMIT

    def decide(self) -> Decision:
        """Through ``decide_equal`` (for ``=``) or ``prove_inequality``."""
        lhs, rhs, domain = self.build()
        if self.relation == "=":
            return decide_equal(lhs, rhs, domain, time_limit=self.limit)
        return prove_inequality(lhs, self.relation, rhs, domain, time_limit=self.limit)

    def step(self) -> Verdict:
        """As a one-step :class:`Derivation`."""
        lhs, rhs, domain = self.build()
        chain = Derivation(lhs, domain=domain, time_limit=self.limit, title=self.name)
        chain.step(self.relation, rhs, "as written")
        return chain.check().verdict


def is_sound(true: bool, verdict: Verdict) -> bool:
    """A true case is never refuted; a false one never proved nor numerically consistent."""
    if true:
        return verdict is not Verdict.REFUTED
    return verdict not in (Verdict.PROVED, Verdict.NUMERIC)


CASES: list[Case] = []


def twin(name: str, category: str, relation: str, true: Callable[[], Built],
         false: Callable[[], Built], *, slow: bool = False,
         false_relation: str | None = None) -> None:
    """Register a true statement and its false twin."""
    CASES.append(Case(f"{name}", True, category, relation, true, slow))
    CASES.append(Case(f"{name}__slip", False, category, false_relation or relation, false, slow))


# ------------------------------------------------------------------------------ symbols

x = sp.Symbol("x", real=True)
a, b = sp.Symbol("a", positive=True), sp.Symbol("b", positive=True)
mu, m2 = sp.Symbol("mu", real=True), sp.Symbol("m2", real=True)
sigma, s2 = sp.Symbol("sigma", positive=True), sp.Symbol("s2", positive=True)
lam = sp.Symbol("lambda", positive=True)
t = sp.Symbol("t", positive=True)
u = sp.Symbol("u", real=True)
w = sp.Symbol("w", positive=True)
p, q = sp.Symbol("p", positive=True), sp.Symbol("q", positive=True)
K = sp.Symbol("K", integer=True, positive=True)
n = sp.Symbol("n", integer=True)
k, i, j = (sp.Symbol(s, integer=True) for s in "kij")
P = sp.IndexedBase("p", positive=True)
Q = sp.IndexedBase("q", positive=True)
X = sp.IndexedBase("x", real=True)
W = sp.IndexedBase("w", positive=True)
R = sp.IndexedBase("r", positive=True)


def normal_pdf(v: sp.Expr, mean: sp.Expr, sd: sp.Expr) -> sp.Expr:
    return sp.exp(-((v - mean) ** 2) / (2 * sd**2)) / (sd * sp.sqrt(2 * sp.pi))


NONE = Domain()
GAUSS = Domain(bounds={mu: (-3, 3), sigma: (0.2, 4)})
UNIT = Domain(bounds={p: (0, 1), q: (0, 1)})
SIMPLEX_PQ = Domain(simplex=[P, Q], size=K)
SIMPLEX_P = Domain(simplex=[P], size=K)
SIMPLEX_R = Domain(simplex=[R], size=K)

# ------------------------------------------------------------------ Gaussian integrals (PRML §2.3)

twin("gaussian_normaliser", "gaussian integral", "=",
     lambda: (sp.Integral(normal_pdf(x, mu, sigma), (x, -sp.oo, sp.oo)), sp.Integer(1), GAUSS),
     lambda: (sp.Integral(normal_pdf(x, mu, sigma), (x, -sp.oo, sp.oo)), sigma, GAUSS), slow=True)
twin("gaussian_mean", "gaussian integral", "=",
     lambda: (sp.Integral(x * normal_pdf(x, mu, sigma), (x, -sp.oo, sp.oo)), mu, GAUSS),
     lambda: (sp.Integral(x * normal_pdf(x, mu, sigma), (x, -sp.oo, sp.oo)), mu + sigma, GAUSS),
     slow=True)
twin("gaussian_second_moment", "gaussian integral", "=",
     lambda: (sp.Integral(x**2 * normal_pdf(x, mu, sigma), (x, -sp.oo, sp.oo)), mu**2 + sigma**2, GAUSS),
     lambda: (sp.Integral(x**2 * normal_pdf(x, mu, sigma), (x, -sp.oo, sp.oo)), mu**2 + sigma, GAUSS),
     slow=True)
twin("gaussian_one_sigma_mass", "gaussian integral", "=",
     lambda: (sp.Integral(normal_pdf(x, 0, sigma), (x, -sigma, sigma)), sp.erf(1 / sp.sqrt(2)), NONE),
     lambda: (sp.Integral(normal_pdf(x, 0, sigma), (x, -sigma, sigma)), sp.Rational(68, 100), NONE),
     slow=True)
twin("exponential_mean", "exponential family", "=",
     lambda: (sp.Integral(t * lam * sp.exp(-lam * t), (t, 0, sp.oo)), 1 / lam, NONE),
     lambda: (sp.Integral(t * lam * sp.exp(-lam * t), (t, 0, sp.oo)), lam, NONE), slow=True)
twin("gamma_function", "exponential family", "=",
     lambda: (sp.Integral(t ** (a - 1) * sp.exp(-t), (t, 0, sp.oo)), sp.gamma(a),
              Domain(bounds={a: (1, 6)})),
     lambda: (sp.Integral(t ** (a - 1) * sp.exp(-t), (t, 0, sp.oo)), sp.gamma(a + 1),
              Domain(bounds={a: (1, 6)})), slow=True)
twin("beta_integral_finite_range", "exponential family", "=",
     lambda: (sp.Integral(u * (1 - u) ** 2, (u, 0, 1)), sp.beta(2, 3), NONE),
     lambda: (sp.Integral(u * (1 - u) ** 2, (u, 0, 1)), sp.Rational(1, 10), NONE))
twin("gaussian_log_density", "gaussian algebra", "=",
     lambda: (sp.log(normal_pdf(x, mu, sigma)),
              -sp.log(sigma) - sp.log(2 * sp.pi) / 2 - (x - mu) ** 2 / (2 * sigma**2), NONE),
     lambda: (sp.log(normal_pdf(x, mu, sigma)),
              -sp.log(sigma) - sp.log(2 * sp.pi) - (x - mu) ** 2 / (2 * sigma**2), NONE))
twin("completing_the_square", "gaussian algebra", "=",
     lambda: (-((x - mu) ** 2) / 2 - (x - m2) ** 2 / 2,
              -((x - (mu + m2) / 2) ** 2) - (mu - m2) ** 2 / 4, NONE),
     lambda: (-((x - mu) ** 2) / 2 - (x - m2) ** 2 / 2,
              -((x - (mu + m2) / 2) ** 2) - (mu - m2) ** 2 / 2, NONE))
twin("gaussian_kl_closed_form_nonnegative", "gaussian algebra", ">=",
     lambda: (sp.log(s2 / sigma) + (sigma**2 + (mu - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2),
              sp.Integer(0), NONE),
     lambda: (sp.log(s2 / sigma) + (sigma**2 + (mu - m2) ** 2) / (2 * s2**2) - 1, sp.Integer(0), NONE))

# ------------------------------------------------------------------ KL and cross-entropy sums

twin("kl_split", "kl sum", "=",
     lambda: (sp.Sum(P[k] * sp.log(P[k] / Q[k]), (k, 1, K)),
              sp.Sum(P[k] * sp.log(P[k]), (k, 1, K)) - sp.Sum(P[k] * sp.log(Q[k]), (k, 1, K)), SIMPLEX_PQ),
     lambda: (sp.Sum(P[k] * sp.log(P[k] / Q[k]), (k, 1, K)),
              sp.Sum(P[k] * sp.log(P[k]), (k, 1, K)) + sp.Sum(P[k] * sp.log(Q[k]), (k, 1, K)), SIMPLEX_PQ))
twin("gibbs_inequality", "kl sum", ">=",
     lambda: (sp.Sum(P[k] * sp.log(P[k] / Q[k]), (k, 1, K)), sp.Integer(0), SIMPLEX_PQ),
     lambda: (sp.Sum(Q[k] * sp.log(P[k] / Q[k]), (k, 1, K)), sp.Integer(0), SIMPLEX_PQ))
twin("cross_entropy_exceeds_entropy", "kl sum", ">=",
     lambda: (-sp.Sum(P[k] * sp.log(Q[k]), (k, 1, K)), -sp.Sum(P[k] * sp.log(P[k]), (k, 1, K)), SIMPLEX_PQ),
     lambda: (-sp.Sum(P[k] * sp.log(Q[k]), (k, 1, K)), -sp.Sum(P[k] * sp.log(P[k]), (k, 1, K)), SIMPLEX_PQ),
     false_relation="<=")
twin("kl_to_uniform", "kl sum", "=",
     lambda: (sp.Sum(P[k] * sp.log(K * P[k]), (k, 1, K)), sp.log(K) + sp.Sum(P[k] * sp.log(P[k]), (k, 1, K)),
              SIMPLEX_P),
     lambda: (sp.Sum(P[k] * sp.log(K * P[k]), (k, 1, K)), sp.log(K) - sp.Sum(P[k] * sp.log(P[k]), (k, 1, K)),
              SIMPLEX_P))
twin("bernoulli_pinsker", "kl sum", ">=",
     lambda: (p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q)), 2 * (p - q) ** 2, UNIT),
     lambda: (p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q)), 4 * (p - q) ** 2, UNIT))
twin("two_term_log_sum", "kl sum", ">=",
     lambda: (a * sp.log(a / p) + b * sp.log(b / q), (a + b) * sp.log((a + b) / (p + q)), NONE),
     lambda: (a * sp.log(a / p) + b * sp.log(b / q), (a + b) * sp.log((a + b) / (p + q)), NONE),
     false_relation="<=")

# ------------------------------------------------------------------ Jensen, AM-GM, tangent lines

twin("jensen_log_midpoint", "jensen", ">=",
     lambda: (sp.log((a + b) / 2), (sp.log(a) + sp.log(b)) / 2, NONE),
     lambda: (sp.log((a + b) / 2), (sp.log(a) + sp.log(b)) / 2, NONE), false_relation="<=")
twin("jensen_log_weighted", "jensen", ">=",
     lambda: (sp.log(w * a + (1 - w) * b), w * sp.log(a) + (1 - w) * sp.log(b), Domain(bounds={w: (0, 1)})),
     lambda: (sp.log(w * a + (1 - w) * b), w * sp.log(a) + (1 - w) * sp.log(b), Domain(bounds={w: (0, 1)})),
     false_relation="<=")
twin("jensen_exp", "jensen", "<=",
     lambda: (sp.exp((x + u) / 2), (sp.exp(x) + sp.exp(u)) / 2, NONE),
     lambda: (sp.exp((x + u) / 2), (sp.exp(x) + sp.exp(u)) / 2, NONE), false_relation=">=")
twin("am_gm", "jensen", ">=",
     lambda: ((a + b) / 2, sp.sqrt(a * b), NONE),
     lambda: ((a + b) / 2, sp.sqrt(a * b), NONE), false_relation="<=")
twin("log_below_tangent", "jensen", "<=",
     lambda: (sp.log(t), t - 1, NONE),
     lambda: (sp.log(t), t - 1, NONE), false_relation=">=")
twin("log_above_chord", "jensen", "<=",
     lambda: (1 - 1 / t, sp.log(t), NONE),
     lambda: (1 - 1 / t, sp.log(t) - sp.Rational(1, 10**6), NONE))
twin("jensen_lse_mean", "jensen", ">=",
     lambda: (sp.log(sp.Sum(sp.exp(X[k]), (k, 1, K))), sp.Sum(X[k], (k, 1, K)) / K, NONE),
     lambda: (sp.log(sp.Sum(sp.exp(X[k]), (k, 1, K))), sp.Sum(X[k], (k, 1, K)) / K + sp.log(K) + 1, NONE))

# ------------------------------------------------------------------ ELBO and EM (PRML §9.4)

_post = p / (p + q)  # posterior of a two-state latent with joint weights p, q


def _elbo(r: sp.Expr) -> sp.Expr:
    return r * sp.log(p / r) + (1 - r) * sp.log(q / (1 - r))


def _kl_post(r: sp.Expr) -> sp.Expr:
    return r * sp.log(r / _post) + (1 - r) * sp.log((1 - r) / (1 - _post))


RDOM = Domain(bounds={w: (0, 1)})
twin("elbo_plus_kl_is_evidence", "elbo/em", "=",
     lambda: (_elbo(w) + _kl_post(w), sp.log(p + q), RDOM),
     lambda: (_elbo(w) - _kl_post(w), sp.log(p + q), RDOM))
twin("elbo_below_evidence", "elbo/em", "<=",
     lambda: (_elbo(w), sp.log(p + q), RDOM),
     lambda: (_elbo(w), sp.log(p + q), RDOM), false_relation=">=")
twin("elbo_tight_at_posterior", "elbo/em", "=",
     lambda: (_elbo(_post), sp.log(p + q), NONE),
     lambda: (_elbo(_post), sp.log(p + q) + sp.log(2), NONE))
twin("mixture_elbo_indexed", "elbo/em", ">=",
     lambda: (sp.log(sp.Sum(W[k], (k, 1, K))), sp.Sum(R[k] * sp.log(W[k] / R[k]), (k, 1, K)), SIMPLEX_R),
     lambda: (sp.log(sp.Sum(W[k], (k, 1, K))), sp.Sum(R[k] * sp.log(W[k] / R[k]), (k, 1, K)), SIMPLEX_R),
     false_relation="<=")
twin("responsibilities_sum_to_one", "elbo/em", "=",
     lambda: (w * normal_pdf(x, mu, 1) / (w * normal_pdf(x, mu, 1) + (1 - w) * normal_pdf(x, m2, 1))
              + (1 - w) * normal_pdf(x, m2, 1) / (w * normal_pdf(x, mu, 1) + (1 - w) * normal_pdf(x, m2, 1)),
              sp.Integer(1), RDOM),
     lambda: (w * normal_pdf(x, mu, 1) / (w * normal_pdf(x, mu, 1) + (1 - w) * normal_pdf(x, m2, 1))
              + (1 - w) * normal_pdf(x, m2, 1) / (w * normal_pdf(x, mu, 1) + (1 - w) * normal_pdf(x, m2, 1)),
              w, RDOM))
twin("softmax_normalised", "elbo/em", "=",
     lambda: (sp.Sum(sp.exp(X[i]) / sp.Sum(sp.exp(X[j]), (j, 1, K)), (i, 1, K)), sp.Integer(1), NONE),
     lambda: (sp.Sum(sp.exp(X[i]) / sp.Sum(sp.exp(X[j]), (j, 1, K - 1)), (i, 1, K)), sp.Integer(1), NONE))

# ------------------------------------------------------------------ indexed sums and sizes

twin("gauss_sum", "finite sum", "=",
     lambda: (sp.Sum(k, (k, 1, K)), K * (K + 1) / 2, NONE),
     lambda: (sp.Sum(k, (k, 1, K)), K * (K - 1) / 2, NONE))
twin("odd_numbers", "finite sum", "=",
     lambda: (sp.Sum(2 * k - 1, (k, 1, K)), K**2, NONE),
     lambda: (sp.Sum(2 * k + 1, (k, 1, K)), K**2, NONE))
twin("binomial_row", "finite sum", "=",
     lambda: (sp.Sum(sp.binomial(K, k), (k, 0, K)), 2**K, NONE),
     lambda: (sp.Sum(sp.binomial(K, k), (k, 1, K)), 2**K, NONE))
twin("telescoping", "finite sum", "=",
     lambda: (sp.Sum(1 / (k * (k + 1)), (k, 1, K)), K / (K + 1), NONE),
     lambda: (sp.Sum(1 / (k * (k + 1)), (k, 1, K)), (K + 1) / (K + 2), NONE))
twin("telescoping_product", "finite sum", "=",
     lambda: (sp.Product(1 + sp.Integer(1) / k, (k, 1, K)), K + 1, NONE),
     lambda: (sp.Product(1 + sp.Integer(1) / k, (k, 1, K)), K, NONE))
twin("alternating_signs", "finite sum", "=",
     lambda: (sp.Sum((-1) ** k, (k, 1, K)), ((-1) ** K - 1) / 2, NONE),
     lambda: (sp.Sum((-1) ** k, (k, 1, K)), sp.Integer(0), NONE))
twin("harmonic_log_bound", "finite sum", "<=",
     lambda: (sp.Sum(1 / k, (k, 1, K)), 1 + sp.log(K), NONE),
     lambda: (sp.Sum(1 / k, (k, 1, K)), sp.log(K) + sp.Rational(1, 2), NONE))
twin("basel_partial_sum", "finite sum", "<=",
     lambda: (sp.Sum(1 / k**2, (k, 1, K)), 2 - sp.Integer(1) / K, NONE),
     lambda: (sp.Sum(1 / k**2, (k, 1, K)), sp.Rational(8, 5), NONE))
twin("double_sum_square", "finite sum", "=",
     lambda: (sp.Sum(sp.Sum(X[i] * X[j], (j, 1, K)), (i, 1, K)), sp.Sum(X[i], (i, 1, K)) ** 2, NONE),
     lambda: (sp.Sum(sp.Sum(X[i] * X[j], (j, 1, K)), (i, 1, K)), sp.Sum(X[i] ** 2, (i, 1, K)), NONE))
twin("sample_variance_nonnegative", "finite sum", ">=",
     lambda: (sp.Sum(X[i] ** 2, (i, 1, K)) / K, (sp.Sum(X[i], (i, 1, K)) / K) ** 2, NONE),
     lambda: (sp.Sum(X[i] ** 2, (i, 1, K)) / K, (sp.Sum(X[i], (i, 1, K)) / K) ** 2, NONE),
     false_relation="<=")
twin("sum_from_two_may_be_empty", "finite sum", "=",
     lambda: (sp.Sum(1, (k, 2, K)), K - 1, NONE),
     lambda: (sp.Sum(1, (k, 3, K)), K - 2, NONE))
twin("factorial_growth", "finite sum", ">=",
     lambda: (sp.factorial(K), 2 ** (K - 1), NONE),
     lambda: (sp.Integer(10) ** 12, sp.factorial(K), NONE))
twin("square_below_power_of_two", "finite sum", "<=",
     lambda: (K**2, 2**K + 1, NONE),
     lambda: (K**2, 2**K, NONE))

# ------------------------------------------------------------------ jumps and exact zeros

twin("abs_as_sqrt", "piecewise", "=",
     lambda: (sp.Abs(x), sp.sqrt(x**2), NONE),
     lambda: (sp.Abs(x), x, NONE))
twin("max_plus_min", "piecewise", "=",
     lambda: (sp.Max(x, u) + sp.Min(x, u), x + u, NONE),
     lambda: (sp.Max(x, u) - sp.Min(x, u), x - u, NONE))
twin("heaviside_pair", "piecewise", "=",
     lambda: (sp.Heaviside(x) + sp.Heaviside(-x), sp.Integer(1), NONE),
     lambda: (sp.Heaviside(x, 1) + sp.Heaviside(-x, 1), sp.Integer(1), NONE))
twin("relu_as_heaviside", "piecewise", "=",
     lambda: (x * sp.Heaviside(x), sp.Max(x, 0), NONE),
     lambda: (x * sp.Heaviside(x), sp.Max(x, 1), NONE))
twin("floor_below", "piecewise", "<=",
     lambda: (sp.floor(x), x, NONE),
     lambda: (sp.ceiling(x), x, NONE))
twin("halves_of_an_integer", "piecewise", "=",
     lambda: (sp.floor(K / sp.Integer(2)) + sp.ceiling(K / sp.Integer(2)), K, NONE),
     lambda: (2 * sp.floor(K / sp.Integer(2)), K, NONE))
twin("even_power_of_minus_one", "piecewise", "=",
     lambda: ((-1) ** (2 * n), sp.Integer(1), NONE),
     lambda: ((-1) ** n, sp.Integer(1), NONE))

# ------------------------------------------------------------------ floats and tiny residuals

twin("decimal_floats", "floats", "=",
     lambda: (sp.Float(0.5) + sp.Float(0.25), sp.Float(0.75), NONE),
     lambda: (sp.Float(0.1) + sp.Float(0.2), sp.Float(0.3), NONE))
twin("log_ratio_expansion", "floats", "=",
     lambda: (sp.log(1 + t) - sp.log(t), sp.log(1 + 1 / t), NONE),
     lambda: (sp.log(t + 1e-30), sp.log(t), NONE))
twin("root_two_squared", "floats", "=",
     lambda: (sp.sqrt(2) * sp.sqrt(2), sp.Integer(2), NONE),
     lambda: (sp.Float(1.4142135623730951) ** 2, sp.Integer(2), NONE))
twin("narrow_square", "floats", ">=",
     lambda: ((x - sp.Rational(1, 3)) ** 2, sp.Integer(0), NONE),
     lambda: ((x - sp.Rational(1, 3)) ** 2, sp.Rational(1, 10**20), NONE))

# ------------------------------------------------------------------ bounded domains, definitions

twin("square_below_identity_on_unit", "domain", "<=",
     lambda: (p**2, p, UNIT),
     lambda: (p**2, p, UNIT), false_relation=">=")
twin("cubic_on_interval", "domain", "<=",
     lambda: (x**3, x**2, Domain(bounds={x: (-1, 0.5)})),
     lambda: (x**3, x**2, Domain(bounds={x: (-1, 0.5)})), false_relation=">=")
_v = sp.Symbol("v", positive=True)
twin("variance_definition", "domain", "=",
     lambda: (sp.sqrt(_v), sigma, Domain(definitions={_v: sigma**2})),
     lambda: (sp.sqrt(_v), sigma**2, Domain(definitions={_v: sigma**2})))


# ------------------------------------------------------------------ bad input

def _raises(build: Callable[[], Any]) -> Callable[[], Any]:
    return build


RAISES: list[tuple[str, Callable[[], Any]]] = [
    ("text_instead_of_expression", lambda: decide_equal("x**2", x**2)),
    ("matrix_side", lambda: decide_equal(sp.Matrix([[x, 0], [0, x]]), x)),
    ("circular_definitions", lambda: Domain(definitions={a: b + 1, b: 2 * a})),
    ("zero_time_limit", lambda: decide_equal(x, x, time_limit=0)),
    ("time_limit_over_a_day", lambda: decide_equal(x, x, time_limit=1e9)),
    ("irrational_symbol", lambda: decide_equal(sp.Symbol("c", irrational=True), 1)),
    ("negative_bound_for_positive", lambda: Domain(bounds={sigma: (-1, 2)})),
    ("symbol_printing_as_an_entry", lambda: decide_equal(sp.Symbol("x[2]") - X[2], 0)),
    ("empty_interval", lambda: Domain(bounds={x: (1, 1)})),
]

TRUE_CASES = [c for c in CASES if c.true]
FALSE_CASES = [c for c in CASES if not c.true]
