"""A held-out corpus for the step checker.

Statements from variational learning (ELBO and KL decompositions, Gaussians, EM, softplus /
logsumexp, sums and products over K states, Bernoulli and Poisson masses), half of them true and
half with a planted error of the usual kinds: an error confined to a region, a tiny but
real discrepancy, an error only for K ≥ 3, a sign inside a logarithm, an assumption slip (an
index's range, a symbol's sign). Used by ``tests/derivations/test_checker_corpus.py`` (soundness
asserted: no false *proved*, no false *numerically consistent*, no false *refuted*) and by
``benchmarks/checker_corpus.py`` (counts and times written to
``benchmarks/results/checker_corpus.json``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal, decide_nonnegative

#: Per-case time limit (seconds); integral cases get :data:`SLOW_TIME_LIMIT`.
TIME_LIMIT = 5.0
SLOW_TIME_LIMIT = 6.0


@dataclass(frozen=True)
class Case:
    """One statement: ``lhs = rhs`` (relation "=") or ``lhs ≥ 0`` (relation ">=")."""

    name: str
    true: bool
    category: str
    build: Callable[[], tuple[sp.Expr, sp.Expr, Domain]]
    relation: str = "="
    slow: bool = False

    def decide(self) -> Decision:
        lhs, rhs, domain = self.build()
        limit = SLOW_TIME_LIMIT if self.slow else TIME_LIMIT
        if self.relation == "=":
            return decide_equal(lhs, rhs, domain, time_limit=limit)
        return decide_nonnegative(lhs - rhs, domain, time_limit=limit)


x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", real=True)
a, b, m = sp.symbols("a b m", real=True)
s = sp.Symbol("s", positive=True)
t = sp.Symbol("t", positive=True)
u, v = sp.symbols("u v", positive=True)
p, q = sp.symbols("p q", positive=True)
lam = sp.Symbol("lambda", positive=True)
pi0 = sp.Symbol("pi0", positive=True)
beta, e0, eps = sp.symbols("beta E0 epsilon", positive=True)
K = sp.Symbol("K", integer=True, positive=True)
N = sp.Symbol("N", integer=True, positive=True)
k = sp.Symbol("k", integer=True)
j = sp.Symbol("j", integer=True)
n = sp.Symbol("n", integer=True)
X = sp.IndexedBase("X", real=True)
Q = sp.IndexedBase("q", positive=True)
q1, q2, q3 = sp.symbols("q1 q2 q3", positive=True)
a1, a2, a3 = sp.symbols("a1 a2 a3", positive=True)
r1, r2, r3 = sp.symbols("r1 r2 r3", positive=True)

UNIT = Domain()
PQ_UNIT = Domain(bounds={p: (0.0, 1.0), q: (0.0, 1.0)})
P_UNIT = Domain(bounds={p: (0.0, 1.0)})
SIMPLEX3 = Domain(simplex=((q1, q2, q3),))
TWO_SIMPLICES = Domain(simplex=((q1, q2, q3), (r1, r2, r3)))
SIMPLEX_K = Domain(simplex=(Q,), size=K)
TAIL = Domain(bounds={t: (10.0, 30.0)})


def softplus(z: sp.Expr) -> sp.Expr:
    return sp.log(1 + sp.exp(z))


def sigmoid(z: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-z))


def kl_bernoulli(pp: sp.Expr, qq: sp.Expr) -> sp.Expr:
    return pp * sp.log(pp / qq) + (1 - pp) * sp.log((1 - pp) / (1 - qq))


def gauss_kl(mq: sp.Expr, sq: sp.Expr, mp: sp.Expr, sp_: sp.Expr) -> sp.Expr:
    """KL(N(mq, sq²) ‖ N(mp, sp²)) in closed form."""
    return sp.log(sp_ / sq) + (sq**2 + (mq - mp) ** 2) / (2 * sp_**2) - sp.Rational(1, 2)


def poisson(kk: sp.Expr) -> sp.Expr:
    return lam**kk * sp.exp(-lam) / sp.factorial(kk)


def normal_pdf(z: sp.Expr, mean: sp.Expr, sd: sp.Expr) -> sp.Expr:
    return sp.exp(-((z - mean) ** 2) / (2 * sd**2)) / (sd * sp.sqrt(2 * sp.pi))


def elbo3() -> tuple[sp.Expr, sp.Expr]:
    """log p(x) and ELBO + KL for a latent with three states, joint a_i = p(x, z=i)."""
    evidence = a1 + a2 + a3
    qs, joints = (q1, q2, q3), (a1, a2, a3)
    elbo = sum(qi * sp.log(ai / qi) for qi, ai in zip(qs, joints, strict=True))
    kl = sum(qi * sp.log(qi / (ai / evidence)) for qi, ai in zip(qs, joints, strict=True))
    return sp.log(evidence), elbo + kl


def _log_z() -> sp.Expr:
    return sp.log(sp.exp(-e0 * beta) + sp.exp(-(e0 + 1000 * eps) * beta))


def _zip(kk: sp.Expr) -> sp.Expr:
    return pi0 * sp.KroneckerDelta(kk, 0) + (1 - pi0) * poisson(kk)


def _gamma_density(alpha: sp.Expr) -> sp.Expr:
    return beta**alpha * t ** (alpha - 1) * sp.exp(-beta * t) / sp.gamma(alpha)


ZIP_DOMAIN = Domain(bounds={pi0: (0.0, 1.0)})
ALPHA = sp.Rational(175, 1000)

TRUE_CASES: list[Case] = [
    Case("elbo_plus_kl_is_log_evidence", True, "identity", lambda: (*elbo3(), SIMPLEX3)),
    Case(
        "gauss_kl_equal_variance",
        True,
        "identity",
        lambda: (gauss_kl(mu, s, m, s), (mu - m) ** 2 / (2 * s**2), UNIT),
    ),
    Case("softplus_symmetry", True, "identity", lambda: (softplus(x), x + softplus(-x), UNIT)),
    Case(
        "logsumexp_shift",
        True,
        "identity",
        lambda: (sp.log(sp.exp(a) + sp.exp(b)), m + sp.log(sp.exp(a - m) + sp.exp(b - m)), UNIT),
    ),
    Case(
        "sigmoid_derivative",
        True,
        "identity",
        lambda: (sp.diff(sigmoid(x), x), sigmoid(x) * (1 - sigmoid(x)), UNIT),
    ),
    Case("log_sigmoid", True, "identity", lambda: (sp.log(sigmoid(x)), -softplus(-x), UNIT)),
    Case(
        "bernoulli_entropy_nonnegative",
        True,
        "inequality",
        lambda: (-p * sp.log(p) - (1 - p) * sp.log(1 - p), sp.Integer(0), P_UNIT),
        ">=",
    ),
    Case(
        "bernoulli_kl_nonnegative",
        True,
        "inequality",
        lambda: (kl_bernoulli(p, q), sp.Integer(0), PQ_UNIT),
        ">=",
    ),
    Case("pinsker_binary", True, "inequality", lambda: (kl_bernoulli(p, q), 2 * (p - q) ** 2, PQ_UNIT), ">="),
    Case(
        "softmax_sums_to_one",
        True,
        "sum over K",
        lambda: (sp.Sum(sp.exp(X[k]) / sp.Sum(sp.exp(X[j]), (j, 1, K)), (k, 1, K)), sp.Integer(1), UNIT),
    ),
    Case("gauss_sum_of_indices", True, "sum over K", lambda: (sp.Sum(k, (k, 1, K)), K * (K + 1) / 2, UNIT)),
    Case(
        "binomial_mass_sums_to_one",
        True,
        "sum over K",
        lambda: (sp.Sum(sp.binomial(K, k) * p**k * (1 - p) ** (K - k), (k, 0, K)), sp.Integer(1), P_UNIT),
    ),
    Case("poisson_mean", True, "sum over K", lambda: (sp.Sum(k * poisson(k), (k, 0, sp.oo)), lam, UNIT)),
    Case(
        "zero_inflated_poisson_mass",
        True,
        "sum over K",
        lambda: (sp.Sum(_zip(k), (k, 0, K)), pi0 + sp.Sum((1 - pi0) * poisson(k), (k, 0, K)), ZIP_DOMAIN),
    ),
    Case(
        "symmetric_laplace_sum",
        True,
        "sum over K",
        lambda: (sp.Sum(sp.exp(-sp.Abs(k) / s), (k, -K, K)), 1 + 2 * sp.Sum(sp.exp(-k / s), (k, 1, K)), UNIT),
    ),
    Case(
        "iid_normal_likelihood",
        True,
        "product over K",
        lambda: (
            sp.Product(normal_pdf(X[k], 0, 1), (k, 1, K)),
            (2 * sp.pi) ** (-K / 2) * sp.exp(-sp.Sum(X[k] ** 2, (k, 1, K)) / 2),
            UNIT,
        ),
    ),
    Case(
        "product_of_exponentials",
        True,
        "product over K",
        lambda: (sp.Product(sp.exp(X[k]), (k, 1, K)), sp.exp(sp.Sum(X[k], (k, 1, K))), UNIT),
    ),
    Case(
        "em_free_energy_two_states",
        True,
        "identity",
        lambda: (
            sp.log(a1 + a2),
            q1 * sp.log(a1 / q1)
            + q2 * sp.log(a2 / q2)
            + q1 * sp.log(q1 * (a1 + a2) / a1)
            + q2 * sp.log(q2 * (a1 + a2) / a2),
            Domain(simplex=((q1, q2),)),
        ),
    ),
    Case(
        "jensen_log",
        True,
        "inequality",
        lambda: (
            sp.log(q1 * a1 + q2 * a2 + q3 * a3),
            q1 * sp.log(a1) + q2 * sp.log(a2) + q3 * sp.log(a3),
            SIMPLEX3,
        ),
        ">=",
    ),
    Case(
        "gibbs",
        True,
        "inequality",
        lambda: (
            q1 * sp.log(q1 / r1) + q2 * sp.log(q2 / r2) + q3 * sp.log(q3 / r3),
            sp.Integer(0),
            TWO_SIMPLICES,
        ),
        ">=",
    ),
    Case("log_ratio_lemma", True, "inequality", lambda: (t - 1 - sp.log(t), sp.Integer(0), UNIT), ">="),
    Case("am_gm", True, "inequality", lambda: ((u + v) / 2, sp.sqrt(u * v), UNIT), ">="),
    Case(
        "gaussian_log_density",
        True,
        "identity",
        lambda: (
            sp.log(normal_pdf(x, mu, s)),
            -sp.log(s) - sp.log(2 * sp.pi) / 2 - (x - mu) ** 2 / (2 * s**2),
            UNIT,
        ),
    ),
    Case(
        "diagonal_log_determinant",
        True,
        "product over K",
        lambda: (sp.log(sp.Product(Q[k] ** 2, (k, 1, K))), 2 * sp.Sum(sp.log(Q[k]), (k, 1, K)), UNIT),
    ),
    Case(
        "two_state_partition_function",
        True,
        "identity",
        lambda: (_log_z(), -e0 * beta + sp.log(1 + sp.exp(-1000 * eps * beta)), UNIT),
    ),
    Case(
        "gaussian_tail_density",
        True,
        "identity",
        lambda: (normal_pdf(t, 0, 1), sp.exp(-(t**2) / 2 - sp.log(2 * sp.pi) / 2), TAIL),
    ),
    Case("max_plus_min", True, "identity", lambda: (sp.Max(x, 0) + sp.Min(x, 0), x, UNIT)),
    Case("abs_is_max", True, "identity", lambda: (sp.Abs(x), sp.Max(x, -x), UNIT)),
    Case("softplus_above_relu", True, "inequality", lambda: (softplus(x), sp.Max(x, 0), UNIT), ">="),
    Case(
        "softplus_within_log2_of_relu",
        True,
        "inequality",
        lambda: (sp.Max(x, 0) + sp.log(2), softplus(x), UNIT),
        ">=",
    ),
    Case(
        "logsumexp_above_max",
        True,
        "inequality",
        lambda: (sp.log(sp.exp(a) + sp.exp(b)), sp.Max(a, b), UNIT),
        ">=",
    ),
    Case(
        "double_sum_factorises",
        True,
        "sum over K",
        lambda: (
            sp.Sum(sp.Sum(X[n] * Q[k], (k, 1, K)), (n, 1, N)),
            sp.Sum(X[n], (n, 1, N)) * sp.Sum(Q[k], (k, 1, K)),
            UNIT,
        ),
    ),
    Case(
        "entropy_at_most_log_k",
        True,
        "sum over K",
        lambda: (sp.log(K), -sp.Sum(Q[k] * sp.log(Q[k]), (k, 1, K)), SIMPLEX_K),
        ">=",
    ),
    Case(
        "gaussian_normaliser_integral",
        True,
        "integral",
        lambda: (
            sp.Integral(sp.exp(-((x - mu) ** 2) / (2 * s**2)), (x, -sp.oo, sp.oo)),
            s * sp.sqrt(2 * sp.pi),
            UNIT,
        ),
        slow=True,
    ),
    Case(
        "gamma_log_moment",
        True,
        "integral",
        lambda: (
            sp.Integral(_gamma_density(ALPHA) * sp.log(t), (t, 0, sp.oo)),
            sp.digamma(ALPHA) - sp.log(beta),
            UNIT,
        ),
        slow=True,
    ),
    Case(
        "beta_integral",
        True,
        "integral",
        lambda: (
            sp.Integral(t ** (u - 1) * (1 - t) ** (v - 1), (t, 0, 1)),
            sp.gamma(u) * sp.gamma(v) / sp.gamma(u + v),
            UNIT,
        ),
        slow=True,
    ),
]

FALSE_CASES: list[Case] = [
    Case("log_of_square_real_mu", False, "sign inside a log", lambda: (sp.log(mu**2), 2 * sp.log(mu), UNIT)),
    Case(
        "half_log_variance_real_sigma",
        False,
        "sign inside a log",
        lambda: (sp.log(sigma**2) / 2, sp.log(sigma), UNIT),
    ),
    Case(
        "log_of_squared_difference",
        False,
        "sign inside a log",
        lambda: (2 * sp.log(mu - x), sp.log((x - mu) ** 2), UNIT),
    ),
    Case(
        "log_of_product_real",
        False,
        "sign inside a log",
        lambda: (sp.log(x * y), sp.log(x) + sp.log(y), UNIT),
    ),
    Case(
        "bce_with_sign_flipped_in_log",
        False,
        "sign inside a log",
        lambda: (p * sp.log(q) + (1 - p) * sp.log(1 - q), p * sp.log(q) + (1 - p) * sp.log(q - 1), PQ_UNIT),
    ),
    Case("one_in_1e30", False, "tiny but real", lambda: (10**30 * x, 10**30 * x + 1, UNIT)),
    Case("offset_1e_minus_21", False, "tiny but real", lambda: (x, x + sp.Rational(1, 10**21), UNIT)),
    Case(
        "tiny_negative_value",
        False,
        "tiny but real",
        lambda: (-sp.Rational(325, 10**28) * sp.exp(-(x**2)), sp.Integer(0), UNIT),
        ">=",
    ),
    Case(
        "minus_exp_minus_1000t",
        False,
        "tiny but real",
        lambda: (-sp.exp(-1000 * t), sp.Integer(0), UNIT),
        ">=",
    ),
    Case(
        "log1p_of_tiny_is_not_tiny",
        False,
        "tiny but real",
        lambda: (sp.log(1 + sp.exp(-40 * s)), sp.exp(-40 * s), UNIT),
    ),
    Case(
        "softplus_wrong_branch_above_4_9",
        False,
        "region",
        lambda: (sp.Piecewise((x, x > sp.Rational(49, 10)), (softplus(x), True)), softplus(x), UNIT),
    ),
    Case(
        "refined_pinsker_d4_over_2",
        False,
        "region",
        lambda: (kl_bernoulli(p, q), 2 * (p - q) ** 2 + (p - q) ** 4 / 2, PQ_UNIT),
        ">=",
    ),
    Case(
        "gaussian_tail_one_over_sqrt_pi",
        False,
        "region",
        lambda: (normal_pdf(t, 0, 1), sp.exp(-(t**2) / 2) / sp.sqrt(sp.pi), TAIL),
    ),
    Case(
        "partition_function_dropped_1000",
        False,
        "region",
        lambda: (_log_z(), -e0 * beta + sp.log(1 + sp.exp(-eps * beta)), UNIT),
    ),
    Case(
        "square_with_wrong_tail_above_7",
        False,
        "region",
        lambda: (t**2, sp.Piecewise((t**2, t < 7), (t**2 + t / 10**12, True)), UNIT),
    ),
    Case("relu_is_identity", False, "region", lambda: (sp.Max(x, 0), x, UNIT)),
    Case(
        "abs_over_symmetric_range",
        False,
        "assumption slip",
        lambda: (sp.Sum(sp.exp(-sp.Abs(k) / s), (k, -K, K)), sp.Sum(sp.exp(-k / s), (k, -K, K)), UNIT),
    ),
    Case(
        "zero_inflation_term_forgotten",
        False,
        "assumption slip",
        lambda: (sp.Sum(_zip(k), (k, 0, K)), sp.Sum((1 - pi0) * poisson(k), (k, 0, K)), ZIP_DOMAIN),
    ),
    Case(
        "sum_of_min_k_0",
        False,
        "assumption slip",
        lambda: (sp.Sum(sp.Min(k, 0), (k, -K, K)), sp.Integer(0), UNIT),
        ">=",
    ),
    Case(
        "sum_of_k_to_k_minus_1",
        False,
        "assumption slip",
        lambda: (sp.Sum(k, (k, -K, K - 1)), sp.Integer(0), UNIT),
        ">=",
    ),
    Case("sqrt_of_square_real", False, "assumption slip", lambda: (sp.sqrt(x**2), x, UNIT)),
    Case("abs_is_identity_real", False, "assumption slip", lambda: (sp.Abs(x), x, UNIT)),
    Case(
        "cubic_in_k_vanishes_at_2_3_5",
        False,
        "wrong for K ≥ 3",
        lambda: ((K - 2) * (K - 3) * (K - 5), sp.Integer(0), UNIT),
    ),
    Case(
        "sum_of_squares_wrong_from_3",
        False,
        "wrong for K ≥ 3",
        lambda: (sp.Sum(k**2, (k, 1, K)), K * (K + 1) * (2 * K + 1) / 6 + (K - 1) * (K - 2) / 2, UNIT),
    ),
    Case(
        "entropy_at_most_log_2",
        False,
        "wrong for K ≥ 3",
        lambda: (sp.log(2), -sp.Sum(Q[k] * sp.log(Q[k]), (k, 1, K)), SIMPLEX_K),
        ">=",
    ),
    Case(
        "product_of_exponentials_short_sum",
        False,
        "sum over K",
        lambda: (sp.Product(sp.exp(X[k]), (k, 1, K)), sp.exp(sp.Sum(X[k], (k, 1, K - 1))), UNIT),
    ),
    Case(
        "iid_normal_likelihood_missing_half",
        False,
        "product over K",
        lambda: (
            sp.Product(normal_pdf(X[k], 0, 1), (k, 1, K)),
            (2 * sp.pi) ** (-K / 2) * sp.exp(-sp.Sum(X[k] ** 2, (k, 1, K))),
            UNIT,
        ),
    ),
    Case(
        "double_sum_wrong_size",
        False,
        "sum over K",
        lambda: (
            sp.Sum(sp.Sum(X[n] * Q[k], (k, 1, K)), (n, 1, N)),
            sp.Sum(X[n], (n, 1, N)) * sp.Sum(Q[k], (k, 1, N)),
            UNIT,
        ),
    ),
    Case(
        "gauss_kl_missing_half",
        False,
        "identity",
        lambda: (gauss_kl(mu, s, m, s), (mu - m) ** 2 / s**2, UNIT),
    ),
    Case(
        "logsumexp_shift_sign_slip",
        False,
        "identity",
        lambda: (sp.log(sp.exp(a) + sp.exp(b)), m + sp.log(sp.exp(a - m) + sp.exp(b + m)), UNIT),
    ),
    Case(
        "elbo_with_kl_sign_flipped",
        False,
        "identity",
        lambda: (
            elbo3()[0],
            2 * sum(qi * sp.log(ai / qi) for qi, ai in zip((q1, q2, q3), (a1, a2, a3), strict=True))
            - elbo3()[1],
            SIMPLEX3,
        ),
    ),
    Case(
        "jensen_reversed",
        False,
        "inequality",
        lambda: (
            q1 * sp.log(a1) + q2 * sp.log(a2) + q3 * sp.log(a3),
            sp.log(q1 * a1 + q2 * a2 + q3 * a3),
            SIMPLEX3,
        ),
        ">=",
    ),
    Case("am_gm_reversed", False, "inequality", lambda: (sp.sqrt(u * v), (u + v) / 2, UNIT), ">="),
    Case(
        "sigmoid_derivative_wrong",
        False,
        "identity",
        lambda: (sp.diff(sigmoid(x), x), sigmoid(x) * (1 - sigmoid(-x)) ** 2, UNIT),
    ),
    Case(
        "gaussian_normaliser_sqrt_pi",
        False,
        "integral",
        lambda: (
            sp.Integral(sp.exp(-((x - mu) ** 2) / (2 * s**2)), (x, -sp.oo, sp.oo)),
            s * sp.sqrt(sp.pi),
            UNIT,
        ),
        slow=True,
    ),
    Case(
        "gamma_log_moment_sign",
        False,
        "integral",
        lambda: (
            sp.Integral(_gamma_density(ALPHA) * sp.log(t), (t, 0, sp.oo)),
            sp.digamma(ALPHA) + sp.log(beta),
            UNIT,
        ),
        slow=True,
    ),
]

CASES: list[Case] = TRUE_CASES + FALSE_CASES
