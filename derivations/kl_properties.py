"""Symbolic proofs of the properties of KL and JSD (Cover & Thomas 2006, ch. 2), for a general size n.

Everything starts from the definitions KL(p ‖ q) = Σ_i p_i log(p_i/q_i) and
JSD(p, q) = ½KL(p ‖ M) + ½KL(q ‖ M), M = ½(p + q), over vectors of a *general* size n (SymPy
``IndexedBase`` and ``Sum``), and every inequality is reduced to a certificate Σ w·φ(t) with
φ(t) = t − 1 − log t ≥ 0 (or u² ≥ 0) that the checker verifies, never trusts:

* log-sum inequality (Cover & Thomas 2006, Thm 2.7.1; CPSC 440 1.3, seed 002):
  Σ a_i log(a_i/b_i) − A log(A/B) = Σ a_i φ(b_i A/(a_i B)), A = Σ a, B = Σ b;
* joint convexity (seed 003, Problem 6.2; Cover & Thomas Thm 2.7.2): per component the log-sum
  inequality with the two terms (αp₁ᵢ, βp₂ᵢ), (αq₁ᵢ, βq₂ᵢ), i.e. the perspective of the convex
  function u log u; summed over the components;
* chain rule (Cover & Thomas Thm 2.5.3): an exact identity for arbitrary positive joint arrays
  p_ij, q_ij (n × m, general n and m), marginals Σ_j and conditionals p_ij / Σ_j p_ij;
* data processing (Cover & Thomas Thm 2.8.1): the gap KL(p ‖ q) − KL(pK ‖ qK) is the doubly
  indexed certificate Σ_j Σ_i p_i K_ij φ(q_i (pK)_j / (p_i (qK)_j)), with the Markov kernel written
  K_ij = k_ij / Σ_l k_il for arbitrary positive k (so its rows sum to one identically);
* Pinsker (Cover & Thomas Lemma 11.6.1): the two-point reduction (the log-sum inequality on the
  blocks A = {p ≥ q} and its complement, and TV = p(A) − q(A)) plus the one-variable inequality
  kl(P ‖ Q) − 2(P − Q)² = ∫_Q^P (P − s)(1 − 2s)²/(s(1 − s)) ds ≥ 0, proved from the antiderivative
  and the substitution s = (1 − τ)Q + τP that makes the integrand a weighted square;
* JSD bounds (ECE 544 PS5 4(e), seed 004; Lin 1991): JSD = Σ [½p φ(M/p) + ½q φ(M/q)] ≥ 0 and
  log 2 − JSD = Σ [½p φ(p/(p+q)) + ½q φ(q/(p+q)) + pq/(p+q)·1²] ≥ 0; JSD(p, p) = 0 and symmetry
  are exact identities;
* zero iff equal: KL(p ‖ q) = Σ p_i φ(q_i/p_i) exactly on the simplex, and φ vanishes only at 1;
* asymmetry: an exact example, KL − KL' = ¼ log(256/243) ≠ 0.

Where a proof needs two independent sizes (n and m) the identity is first decided at concrete
m (n still general, so the checker's counterexample search can run), then for symbolic m; only
the latter makes the verdict *proved* for general sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from derivations.checker import (
    LOG_RATIO,
    SQUARE,
    Decision,
    Domain,
    NonNegativeSum,
    Term,
    TimeBoundExceeded,
    Verdict,
    decide_equal,
    decide_nonnegative,
    single,
    summed,
    time_bound,
)
from derivations.elbo import combine

N = sp.Symbol("n", integer=True, positive=True)
M_SIZE = sp.Symbol("m", integer=True, positive=True)
IX = sp.Symbol("i", integer=True, positive=True)
J = sp.Symbol("j", integer=True, positive=True)
L = sp.Symbol("l", integer=True, positive=True)
ALPHA, BETA = sp.symbols("alpha beta", positive=True)
PINSKER_CONSTANT = sp.Integer(2)
LOG2 = sp.log(2)

#: Bound for the general-size attempt, which only runs after the concrete sizes agree.
GENERAL_TIME_S = 15.0
#: Bound on SymPy's full simplification once a certificate has failed to match: the
#: counterexample search that follows decides wrong variants; a proof never needs this stage.
FALLBACK_TIME_S = 3.0


def _vec(name: str) -> sp.IndexedBase:
    return sp.IndexedBase(name, positive=True)


def kl_sum(p: sp.Expr, q: sp.Expr, index: sp.Symbol = IX, size: sp.Expr = N) -> sp.Expr:
    """Σ_index p log(p/q), with ``p``, ``q`` the summands (expressions in ``index``)."""
    return sp.Sum(p * sp.log(p / q), (index, 1, size))


def _outer_sum(body: sp.Expr, index: sp.Symbol, size: sp.Expr) -> sp.Expr:
    """Σ_index body, where body is a sum of inner ``Sum`` terms: kept as an ``Add`` under the outer
    sum so that SymPy does not merge the limits (the checker linearises single-limit sums)."""
    return sp.Sum(sp.Add(*sp.Add.make_args(body), evaluate=False), (index, 1, size))


# --------------------------------------------------------------------------- helpers


def decide_for_sizes(
    decide: Callable[[dict[sp.Symbol, sp.Expr]], Decision], second: sp.Symbol = M_SIZE
) -> Decision:
    """Decide a two-size statement: first with ``second`` = n (so that the checker's counterexample
    search, which samples n, can run), then with ``second`` an independent symbol. *proved* needs
    the latter; a refutation at m = n refutes the general statement."""
    same = decide({second: N})
    if same.verdict is Verdict.REFUTED:
        same.detail = f"at {second} = {N}: {same.detail}"
        return same
    try:
        general = time_bound(lambda: decide({}), GENERAL_TIME_S)
    except TimeBoundExceeded:
        general = Decision(Verdict.UNDECIDED, f"general {second}: bound of {GENERAL_TIME_S:g} s hit")
    if general.verdict is Verdict.PROVED:
        return Decision(
            Verdict.PROVED,
            f"independent sizes {N}, {second}: {general.detail} (at {second} = {N}: {same.verdict.value})",
        )
    return combine({f"{second} = {N}": same, f"independent {second}": general})


def decide_by_certificates(
    expr: sp.Expr,
    certificates: Sequence[tuple[NonNegativeSum, tuple[tuple[sp.Symbol, sp.Expr, sp.Expr], ...]]],
    domain: Domain,
) -> Decision:
    """``expr ≥ 0`` from several certificates, each optionally wrapped in further outer sums
    (a doubly indexed Σ_j Σ_i w·φ(t)). Verified, never trusted: every certificate's side conditions
    (proved lemma, weight ≥ 0, argument in the lemma's domain) are checked, and ``expr`` must equal
    the total exactly; otherwise the checker's counterexample search decides."""
    problems = [p for cert, _ in certificates for p in cert.side_condition_problems(domain)]
    total = sp.Integer(0)
    for cert, outer in certificates:
        term = cert.expression()
        for limits in outer:  # an unevaluated Add keeps SymPy from merging the limits
            term = sp.Sum(sp.Add(term, sp.Integer(0), evaluate=False), limits)
        total += term
    described = " + ".join(
        cert.describe() + "".join(f" over {lim[0]}" for lim in outer) for cert, outer in certificates
    )
    if problems:
        d = decide_nonnegative(expr, domain, time_limit=FALLBACK_TIME_S)
        d.detail = "certificate rejected: " + "; ".join(problems) + "; " + d.detail
        return d
    match = decide_equal(expr, total, domain)
    if match.verdict is Verdict.PROVED:
        return Decision(
            Verdict.PROVED,
            f"equals the certificate {described} (exact identity); each term is non-negative",
        )
    if match.verdict is Verdict.REFUTED:
        d = decide_nonnegative(expr, domain, time_limit=FALLBACK_TIME_S)
        d.detail = f"certificate does not match ({match.detail}); " + d.detail
        return d
    return Decision(
        Verdict.UNDECIDED if match.verdict is Verdict.UNDECIDED else match.verdict,
        f"certificate identity not proved: {match.detail}",
        error=match.error,
        tolerance=match.tolerance,
    )


# --------------------------------------------------------------------------- log-sum inequality

LogSumRhs = Callable[[sp.Expr, sp.Expr], sp.Expr]


def log_sum_rhs(a_total: sp.Expr, b_total: sp.Expr) -> sp.Expr:
    """The log-sum inequality's right-hand side A log(A/B)."""
    return a_total * sp.log(a_total / b_total)


def verify_log_sum_inequality(rhs: LogSumRhs = log_sum_rhs) -> Decision:
    """Σ_i a_i log(a_i/b_i) ≥ rhs(Σa, Σb) for positive a, b of general size n (Cover & Thomas
    Thm 2.7.1), with the certificate Σ a_i φ(b_i A/(a_i B))."""
    a, b = _vec("a"), _vec("b")
    total_a, total_b = sp.Sum(a[IX], (IX, 1, N)), sp.Sum(b[IX], (IX, 1, N))
    gap = kl_sum(a[IX], b[IX]) - rhs(total_a, total_b)
    cert = summed(a[IX], LOG_RATIO, b[IX] * total_a / (a[IX] * total_b), (IX, 1, N))
    return decide_nonnegative(gap, Domain(size=N), certificate=cert, time_limit=FALLBACK_TIME_S)


# --------------------------------------------------------------------------- joint convexity

MixtureKl = Callable[[sp.IndexedBase, sp.IndexedBase, sp.IndexedBase, sp.IndexedBase], sp.Expr]


def mixture_kl(p1: sp.IndexedBase, p2: sp.IndexedBase, q1: sp.IndexedBase, q2: sp.IndexedBase) -> sp.Expr:
    """KL(αp₁ + βp₂ ‖ αq₁ + βq₂), α + β = 1."""
    return kl_sum(ALPHA * p1[IX] + BETA * p2[IX], ALPHA * q1[IX] + BETA * q2[IX])


def verify_joint_convexity(left: MixtureKl = mixture_kl) -> Decision:
    """left ≤ αKL(p₁‖q₁) + βKL(p₂‖q₂) for probability vectors of general size n and α, β > 0,
    α + β = 1 (seed 003, Problem 6.2), per component:

    1. for one component (scalars u₁, u₂, v₁, v₂ > 0), αu₁ log(u₁/v₁) + βu₂ log(u₂/v₂) −
       m log(m/m') = αu₁ φ(v₁m/(u₁m')) + βu₂ φ(v₂m/(u₂m')) ≥ 0, m = αu₁ + βu₂, m' = αv₁ + βv₂:
       the log-sum inequality with two terms, i.e. the perspective (u, v) ↦ u log(u/v) of the
       convex function u log u is jointly convex (certificate verified by the checker);
    2. the n-component gap is exactly Σ_i of the component gap at (p₁ᵢ, p₂ᵢ, q₁ᵢ, q₂ᵢ), and a sum
       of non-negative terms is non-negative.

    The identities hold for all α, β > 0, so α + β = 1 is not needed; α ∈ {0, 1} are equalities."""
    u1, u2, v1, v2 = sp.symbols("u1 u2 v1 v2", positive=True)

    def component_gap(a1: sp.Expr, a2: sp.Expr, b1: sp.Expr, b2: sp.Expr) -> sp.Expr:
        m, mq = ALPHA * a1 + BETA * a2, ALPHA * b1 + BETA * b2
        return ALPHA * a1 * sp.log(a1 / b1) + BETA * a2 * sp.log(a2 / b2) - m * sp.log(m / mq)

    m, mq = ALPHA * u1 + BETA * u2, ALPHA * v1 + BETA * v2
    cert = NonNegativeSum(
        (Term(ALPHA * u1, LOG_RATIO, v1 * m / (u1 * mq)), Term(BETA * u2, LOG_RATIO, v2 * m / (u2 * mq)))
    )
    component = decide_nonnegative(component_gap(u1, u2, v1, v2), Domain(), certificate=cert)
    p1, p2, q1, q2 = (_vec(s) for s in ("p1", "p2", "q1", "q2"))
    domain = Domain(simplex=(p1, p2, q1, q2), size=N)
    gap = ALPHA * kl_sum(p1[IX], q1[IX]) + BETA * kl_sum(p2[IX], q2[IX]) - left(p1, p2, q1, q2)
    summed_gap = sp.Sum(component_gap(p1[IX], p2[IX], q1[IX], q2[IX]), (IX, 1, N))
    split = decide_equal(gap, summed_gap, domain)
    if split.verdict is Verdict.REFUTED:
        # the counterexample search on the claim itself
        return decide_nonnegative(gap, domain, time_limit=FALLBACK_TIME_S)
    return combine(
        {"one component (log-sum, two terms)": component, "n-vector gap = Σ_i component gap": split}
    )


# --------------------------------------------------------------------------- chain rule

ChainRhs = Callable[[sp.IndexedBase, sp.IndexedBase, sp.Symbol], sp.Expr]


def _row(p: sp.IndexedBase, i: sp.Expr, m: sp.Expr) -> sp.Expr:
    return sp.Sum(p[i, L], (L, 1, m))


def joint_kl(p: sp.IndexedBase, q: sp.IndexedBase, m: sp.Expr) -> sp.Expr:
    """KL(p(x,y) ‖ q(x,y)) = Σ_i Σ_j p_ij log(p_ij/q_ij)."""
    return _outer_sum(
        sp.Sum(p[IX, J] * sp.log(p[IX, J]), (J, 1, m)) - sp.Sum(p[IX, J] * sp.log(q[IX, J]), (J, 1, m)), IX, N
    )


def chain_rule_rhs(p: sp.IndexedBase, q: sp.IndexedBase, m: sp.Expr) -> sp.Expr:
    """KL(p(x) ‖ q(x)) + E_p(x) KL(p(y|x) ‖ q(y|x)), marginals p(x_i) = Σ_j p_ij, conditionals
    p(y_j|x_i) = p_ij / p(x_i)."""
    px, qx = _row(p, IX, m), _row(q, IX, m)
    conditional_kl = sp.Sum((p[IX, J] / px) * sp.log((p[IX, J] / px) / (q[IX, J] / qx)), (J, 1, m))
    return sp.Sum(px * sp.log(px / qx), (IX, 1, N)) + sp.Sum(px * conditional_kl, (IX, 1, N))


def verify_chain_rule(rhs: ChainRhs = chain_rule_rhs) -> Decision:
    """KL of the joint = rhs, for positive n × m arrays (general n and m; Cover & Thomas 2.5.3).
    No normalisation is needed: the identity holds for any positive arrays."""
    p, q = _vec("p"), _vec("q")

    def decide(sub: dict[sp.Symbol, sp.Expr]) -> Decision:
        m = sub.get(M_SIZE, M_SIZE)
        return decide_equal(joint_kl(p, q, m), rhs(p, q, m), Domain(size=N))

    return decide_for_sizes(decide)


# --------------------------------------------------------------------------- data processing

R = sp.Symbol("r", integer=True, positive=True)

KernelKl = Callable[[sp.IndexedBase, sp.IndexedBase, Callable[[sp.Expr, sp.Expr], sp.Expr], sp.Expr], sp.Expr]


def _kernel(k: sp.IndexedBase, m: sp.Expr) -> Callable[[sp.Expr, sp.Expr], sp.Expr]:
    """K_ij = k_ij / Σ_r k_ir: a Markov kernel (rows sum to one) for any positive k."""
    return lambda i, j: k[i, j] / sp.Sum(k[i, R], (R, 1, m))


def pushed_kl(
    p: sp.IndexedBase, q: sp.IndexedBase, kern: Callable[[sp.Expr, sp.Expr], sp.Expr], m: sp.Expr
) -> sp.Expr:
    """KL(pK ‖ qK) = Σ_j (pK)_j log((pK)_j/(qK)_j), (pK)_j = Σ_i p_i K_ij."""
    pk = sp.Sum(p[L] * kern(L, J), (L, 1, N))
    qk = sp.Sum(q[L] * kern(L, J), (L, 1, N))
    return sp.Sum(pk * sp.log(pk / qk), (J, 1, m))


def verify_data_processing(left: KernelKl = pushed_kl) -> Decision:
    """left ≤ KL(p ‖ q) for every Markov kernel K (n inputs, m outputs, both general; Cover &
    Thomas 2.8.1), per output j, with K_ij = k_ij / Σ_r k_ir for arbitrary positive k:

    1. gap_j = Σ_i p_i K_ij log(p_i K_ij/(q_i K_ij)) − (pK)_j log((pK)_j/(qK)_j) ≥ 0: the log-sum
       inequality on (p_i K_ij)_i, (q_i K_ij)_i, certificate Σ_i p_i K_ij φ(q_i (pK)_j/(p_i (qK)_j))
       with j a free index (checker);
    2a. Σ_i Σ_j p_i K_ij log(p_i/q_i) = KL(p ‖ q) (rows of K sum to one; checker);
    2b. Σ_j Σ_i p_i K_ij log(p_i/q_i) − left = Σ_j gap_j (checker);
    2c. the double sums of 2a and 2b are the same finite sum in the two orders (limits independent
        of each other): the exchange is SymPy's ``Sum.reorder``, the one step not decided by the
        checker.

    Hence KL(p ‖ q) − left = Σ_j gap_j ≥ 0. A candidate ``left`` for which 2b fails is handed to the
    checker's counterexample search."""
    p, q, k = _vec("p"), _vec("q"), _vec("k")
    domain = Domain(simplex=(p, q), size=N)

    def decide(sub: dict[sp.Symbol, sp.Expr]) -> Decision:
        m = sub.get(M_SIZE, M_SIZE)
        kern = _kernel(k, m)
        pk = sp.Sum(p[L] * kern(L, J), (L, 1, N))
        qk = sp.Sum(q[L] * kern(L, J), (L, 1, N))
        a, b = p[IX] * kern(IX, J), q[IX] * kern(IX, J)
        gap_j = kl_sum(a, b) - pk * sp.log(pk / qk)
        per_output = decide_nonnegative(
            gap_j,
            domain,
            certificate=summed(a, LOG_RATIO, q[IX] * pk / (p[IX] * qk), (IX, 1, N)),
            time_limit=FALLBACK_TIME_S,
        )

        def weighted(log_of: sp.IndexedBase, index: sp.Symbol, size: sp.Expr) -> sp.Expr:
            return sp.Sum(p[IX] * kern(IX, J) * sp.log(log_of[IX]), (index, 1, size))

        rows = decide_equal(
            _outer_sum(weighted(p, J, m) - weighted(q, J, m), IX, N), kl_sum(p[IX], q[IX]), domain
        )
        split = decide_equal(
            _outer_sum(weighted(p, IX, N) - weighted(q, IX, N), J, m) - left(p, q, kern, m),
            sp.Sum(gap_j, (J, 1, m)),
            domain,
        )
        body = p[IX] * kern(IX, J) * sp.log(p[IX] / q[IX])
        exchanged = sp.Sum(body, (J, 1, m), (IX, 1, N)).reorder((0, 1)) == sp.Sum(body, (IX, 1, N), (J, 1, m))
        if split.verdict is not Verdict.PROVED:
            d = decide_nonnegative(
                kl_sum(p[IX], q[IX]) - left(p, q, kern, m), domain, time_limit=FALLBACK_TIME_S
            )
            d.detail = f"KL(p‖q) − left is not Σ_j gap_j ({split.verdict.value}); " + d.detail
            return d
        fubini = Decision(
            Verdict.PROVED if exchanged else Verdict.UNDECIDED,
            "Σ_i Σ_j = Σ_j Σ_i for constant limits (SymPy Sum.reorder)",
        )
        return combine(
            {
                "(1) per output j: log-sum": per_output,
                "(2a) rows of K sum to one": rows,
                "(2b) split into Σ_j gap_j": split,
                "(2c) exchange of finite sums": fubini,
            }
        )

    return decide_for_sizes(decide)


# --------------------------------------------------------------------------- Pinsker

P_, Q_, P_C, Q_C = sp.symbols("P Q Pbar Qbar", positive=True)
TAU, TAU_C, S_ = sp.symbols("tau taubar s", positive=True)


def binary_kl(p: sp.Expr, q: sp.Expr, pc: sp.Expr, qc: sp.Expr) -> sp.Expr:
    """kl(P ‖ Q) = P log(P/Q) + (1 − P) log((1 − P)/(1 − Q)), with 1 − P written ``pc``."""
    return p * sp.log(p / q) + pc * sp.log(pc / qc)


def verify_binary_pinsker(constant: sp.Expr = PINSKER_CONSTANT) -> Decision:
    """kl(P ‖ Q) ≥ constant·(P − Q)² for P, Q ∈ (0, 1); Pinsker's constant is 2.

    Proof (constant 2): with f(s) = (P − s)(1 − 2s)²/(s(1 − s)) and the antiderivative
    G(s) = P log s + (1 − P) log(1 − s) + 2(P − s)², (a) G' = f, (b) G(P) − G(Q) = kl − 2(P − Q)²,
    (c) with s = (1 − τ)Q + τP, ds = (P − Q)dτ, the integrand (P − Q)f(s) is the weighted square
    (1 − τ)/(s(1 − s))·((P − Q)(1 − 2s))² ≥ 0 for τ ∈ (0, 1), so ∫_Q^P f = ∫_0^1 (…) dτ ≥ 0.
    For another constant, (b) fails and the checker searches for a counterexample."""
    domain = Domain(simplex=((P_, P_C), (Q_, Q_C), (TAU, TAU_C)))
    kl = binary_kl(P_, Q_, P_C, Q_C)
    gap = kl - constant * (P_ - Q_) ** 2

    def antiderivative(s: sp.Expr, sc: sp.Expr) -> sp.Expr:
        return P_ * sp.log(s) + P_C * sp.log(sc) + 2 * (P_ - s) ** 2

    ftc = decide_equal(gap, antiderivative(P_, P_C) - antiderivative(Q_, Q_C), domain)
    if ftc.verdict is not Verdict.PROVED:
        d = decide_nonnegative(gap, domain, time_limit=FALLBACK_TIME_S)
        d.detail = f"kl − {constant}(P − Q)² is not G(P) − G(Q) ({ftc.verdict.value}); " + d.detail
        return d
    s_free = sp.Symbol("s", real=True)
    f = (P_ - s_free) * (1 - 2 * s_free) ** 2 / (s_free * (1 - s_free))
    g_prime = decide_equal(
        sp.diff(antiderivative(s_free, 1 - s_free), s_free),
        f,
        Domain(simplex=((P_, P_C),), bounds={s_free: (0.01, 0.99)}),
    )
    s_tau, sc_tau = TAU_C * Q_ + TAU * P_, TAU_C * Q_C + TAU * P_C  # s and 1 − s (τ + τ̄ = 1)
    integrand = (P_ - Q_) * (P_ - s_tau) * (1 - 2 * s_tau) ** 2 / (s_tau * sc_tau)
    substituted = decide_equal(integrand, (P_ - Q_) * f.xreplace({s_free: s_tau}), domain)
    square = decide_nonnegative(
        integrand, domain, certificate=single(TAU_C / (s_tau * sc_tau), SQUARE, (P_ - Q_) * (1 - 2 * s_tau))
    )
    return combine(
        {
            "(b) kl − 2(P−Q)² = G(P) − G(Q)": ftc,
            "(a) G′(s) = (P − s)(1 − 2s)²/(s(1 − s))": g_prime,
            "(c) s = (1−τ)Q + τP, ds = (P−Q)dτ": substituted,
            "(c) integrand = (1−τ)/(s(1−s))·((P−Q)(1−2s))² ≥ 0": square,
        }
    )


def verify_two_point_reduction() -> Decision:
    """KL(p ‖ q) ≥ kl(p(A) ‖ q(A)) for any split of the support into blocks A (size n) and Aᶜ (size
    m), general n, m: the log-sum inequality on each block; and TV(p, q) = p(A) − q(A) when
    A = {p ≥ q} (with p = q + e on A, q = p + f on Aᶜ, e, f ≥ 0, and Σe = Σf since both sum to 1)."""
    a, b, c, d = (_vec(s) for s in ("a", "b", "c", "d"))

    def decide(sub: dict[sp.Symbol, sp.Expr]) -> Decision:
        m = sub.get(M_SIZE, M_SIZE)
        pa, qa = sp.Sum(a[IX], (IX, 1, N)), sp.Sum(b[IX], (IX, 1, N))
        pc, qc = sp.Sum(c[J], (J, 1, m)), sp.Sum(d[J], (J, 1, m))
        gap = kl_sum(a[IX], b[IX]) + kl_sum(c[J], d[J], J, m) - binary_kl(pa, qa, pc, qc)
        certs = [
            (summed(a[IX], LOG_RATIO, b[IX] * pa / (a[IX] * qa), (IX, 1, N)), ()),
            (summed(c[J], LOG_RATIO, d[J] * pc / (c[J] * qc), (J, 1, m)), ()),
        ]
        return decide_by_certificates(gap, certs, Domain(size=N))

    blocks = decide_for_sizes(decide)
    e, f = _vec("e"), _vec("f")
    # TV = ½(Σ_A |p − q| + Σ_Aᶜ |p − q|) with p − q = e on A and q − p = f on Aᶜ.
    sum_e, sum_f = sp.Sum(e[IX], (IX, 1, N)), sp.Sum(f[J], (J, 1, N))
    tv = (sp.Sum(sp.Abs(e[IX]), (IX, 1, N)) + sp.Sum(sp.Abs(-f[J]), (J, 1, N))) / 2
    # Σ_A p + Σ_Aᶜ p = Σ_A q + Σ_Aᶜ q = 1 gives Σe = Σf: P − Q = Σe = ½(Σe + Σf).
    tv_identity = decide_equal(tv, (sum_e + sum_f) / 2, Domain(size=N))
    return combine(
        {
            "KL ≥ kl(p(A) ‖ q(A)) (log-sum on both blocks)": blocks,
            "TV = ½(Σe + Σf) = p(A) − q(A)": tv_identity,
        }
    )


def verify_pinsker(constant: sp.Expr = PINSKER_CONSTANT) -> Decision:
    """TV(p, q)² ≤ KL(p ‖ q)/constant (Pinsker: constant 2, i.e. TV ≤ √(KL/2)), for distributions
    of general size: KL(p ‖ q) ≥ kl(P ‖ Q) ≥ constant·(P − Q)² = constant·TV², P = p(A), Q = q(A),
    A = {p ≥ q}."""
    return combine(
        {
            "two-point reduction": verify_two_point_reduction(),
            "one-variable inequality": verify_binary_pinsker(constant),
        }
    )


# --------------------------------------------------------------------------- JSD bounds


def jsd_sum(p: sp.Expr, q: sp.Expr, index: sp.Symbol = IX) -> sp.Expr:
    """JSD(p, q) = ½KL(p ‖ M) + ½KL(q ‖ M), M = ½(p + q) (ECE 544 PS5 4(e))."""
    mid = (p + q) / 2
    return kl_sum(p, mid, index) / 2 + kl_sum(q, mid, index) / 2


def verify_jsd_bounds(upper: sp.Expr = LOG2) -> Decision:
    """0 ≤ JSD(p, q) ≤ upper (= log 2), JSD(p, p) = 0 and JSD(p, q) = JSD(q, p), general n."""
    p, q = _vec("p"), _vec("q")
    domain = Domain(simplex=(p, q), size=N)
    jsd = jsd_sum(p[IX], q[IX])
    mid = (p[IX] + q[IX]) / 2
    lower = NonNegativeSum(
        (Term(p[IX] / 2, LOG_RATIO, mid / p[IX]), Term(q[IX] / 2, LOG_RATIO, mid / q[IX])), (IX, 1, N)
    )
    # log 2 − JSD = ½ Σ [p log(1 + q/p) + q log(1 + p/q)] (Σ ½(p + q) = 1): an exact identity, and
    # each summand is a positive weight times log(1 + positive) > 0.
    summand = (p[IX] * sp.log(1 + q[IX] / p[IX]) + q[IX] * sp.log(1 + p[IX] / q[IX])) / 2
    identity = decide_equal(upper - jsd, sp.Sum(summand, (IX, 1, N)), domain)
    upper_bound = (
        Decision(
            Verdict.PROVED,
            f"{identity.detail}; each summand ½[p log(1 + q/p) + q log(1 + p/q)] "
            "is non-negative (positive weights, log of a number > 1: SymPy's assumptions)",
        )
        if identity.verdict is Verdict.PROVED and summand.is_nonnegative is True
        else identity
        if identity.verdict is Verdict.REFUTED
        else decide_nonnegative(upper - jsd, domain, time_limit=FALLBACK_TIME_S)
    )
    return combine(
        {
            "JSD ≥ 0": decide_nonnegative(jsd, domain, certificate=lower),
            f"JSD ≤ {upper}": upper_bound,
            "JSD(p, p) = 0": decide_equal(jsd_sum(p[IX], p[IX]), sp.Integer(0), domain),
            "JSD(p, q) = JSD(q, p)": decide_equal(jsd, jsd_sum(q[IX], p[IX]), domain),
        }
    )


# --------------------------------------------------------------------------- zero iff equal, asymmetry


def verify_kl_zero_iff_equal() -> Decision:
    """KL(p ‖ q) = Σ p_i φ(q_i/p_i) exactly on the simplex (general n); φ ≥ 0 with φ(t) = 0 only at
    t = 1 (φ'' = 1/t² > 0, a single stationary point: the lemma's proof), and p_i > 0, so KL = 0
    iff q_i = p_i for every i; KL(p ‖ p) = 0 exactly."""
    p, q = _vec("p"), _vec("q")
    domain = Domain(simplex=(p, q), size=N)
    lemma_verdict, lemma_detail = LOG_RATIO.prove()
    lemma = Decision(lemma_verdict, lemma_detail)
    return combine(
        {
            "KL = Σ p φ(q/p)": decide_equal(
                kl_sum(p[IX], q[IX]), sp.Sum(p[IX] * LOG_RATIO(q[IX] / p[IX]), (IX, 1, N)), domain
            ),
            "φ(t) ≥ 0, = 0 only at t = 1": lemma,
            "KL(p ‖ p) = 0": decide_equal(kl_sum(p[IX], p[IX]), sp.Integer(0), domain),
        }
    )


def verify_kl_asymmetric(
    p: tuple[sp.Rational, ...] = (sp.Rational(1, 2), sp.Rational(1, 2)),
    q: tuple[sp.Rational, ...] = (sp.Rational(1, 4), sp.Rational(3, 4)),
) -> Decision:
    """An exact example with KL(p ‖ q) ≠ KL(q ‖ p): the difference is evaluated in exact arithmetic
    and its sign decided exactly (for the default example 4·(KL − KL') = log(256/243) > 0)."""
    if len(p) != len(q) or not all(x > 0 for x in (*p, *q)) or sum(p) != 1 or sum(q) != 1:
        raise ValueError("p, q: expected two exact probability vectors of the same size, positive entries")
    kl = lambda u, v: sum(a * sp.log(a / b) for a, b in zip(u, v, strict=True))
    diff = sp.logcombine(sp.expand_log(kl(p, q) - kl(q, p), force=True), force=True)
    diff = sp.nsimplify(sp.simplify(diff))
    sign = diff.is_zero
    if sign is False:
        return Decision(Verdict.PROVED, f"p = {p}, q = {q}: KL(p‖q) − KL(q‖p) = {diff} ≠ 0 (exact)")
    if sign is True:
        return Decision(
            Verdict.REFUTED,
            f"p = {p}, q = {q}: the two KLs are equal",
            counterexample={"p": str(p), "q": str(q), "difference": "0"},
        )
    return Decision(Verdict.UNDECIDED, f"could not decide whether {diff} is zero")
