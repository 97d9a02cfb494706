"""The cancellation-free forms used by ``numerics`` equal the textbook closed forms (Kullback & Leibler 1951).

Each verifier takes the stable form as the code writes it and compares it with the textbook
expression, symbolically; the series coefficients the code uses are generated here from the
function's Taylor expansion so that a test can compare them with the code's tables.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal
from derivations.elbo import combine
from derivations.gaussian_kl import kl_normal_1d_from_densities

_a, _b = sp.Symbol("a", positive=True), sp.Symbol("b", positive=True)
_y, _u, _x = sp.Symbol("y", real=True), sp.Symbol("u", real=True), sp.Symbol("x", real=True)


def series_coefficients(kind: str, n: int) -> list[sp.Rational]:
    """Taylor coefficients c_j (j = 0…n−1) of the series the kernels evaluate:
    ``"kl"``: S(y) = ((1 + y)·atanh(y) − y)/y²; ``"xmlog1p"``: (x − log(1 + x))/x²;
    ``"sinhmx"``: (sinh y − y)/y³ in powers of y²; ``"kl_v"``: V in S(y) = 1 + y(1 + y)V(y²)."""
    if kind == "sinhmx":  # (sinh(y) − y)/y³ = Σ_k c_k y^{2k}
        poly = sp.series((sp.sinh(_y) - _y) / _y**3, _y, 0, 2 * n).removeO()
        return [sp.Rational(poly.coeff(_y, 2 * j)) for j in range(n)]
    if kind == "kl_v":  # V(w) = Σ_k c_k w^k: the even series (atanh(y)/y − 1)/y² in w = y²
        poly = sp.series(kl_series_v(_y), _y, 0, 2 * n).removeO()
        return [sp.Rational(poly.coeff(_y, 2 * j)) for j in range(n)]
    f = {
        "kl": ((1 + _y) * sp.atanh(_y) - _y) / _y**2,
        "xmlog1p": (_y - sp.log(1 + _y)) / _y**2,
    }[kind]
    poly = sp.series(f, _y, 0, n).removeO()
    return [sp.Rational(poly.coeff(_y, j)) for j in range(n)]


def kl_series_v(y: sp.Expr) -> sp.Expr:
    """V(y²) = (atanh(y)/y − 1)/y² = Σ_k y^{2k}/(2k + 3), in closed form."""
    return (sp.atanh(y) / y - 1) / y**2


def kl_series_split(y: sp.Expr) -> sp.Expr:
    """The kernel's evaluation of S(y): 1 + y(1 + y)·V(y²); the kernel puts a polynomial
    (``numerics._kernels._V``, within 0.57 ulp of V: ``derivations.kl_series_fit``) in place of
    the closed form."""
    return 1 + y * (1 + y) * kl_series_v(y)


def verify_kl_series_split(form: Callable[[sp.Expr], sp.Expr] = kl_series_split) -> Decision:
    """y²·form(y) = (1 + y)·atanh(y) − y, i.e. form = S, for 0 < |y| < 1."""
    y = sp.Symbol("y", positive=True)
    domain = Domain(bounds={y: (0.01, 0.99)})
    return decide_equal(y**2 * form(y), (1 + y) * sp.atanh(y) - y, domain)


def far_kl_term(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """The kernel's form for |y| > ¼: d·t + s·(t − y), t = ½ log(a/b) = atanh(y)."""
    d, s_ = a - b, a + b
    t = sp.log(a / b) / 2
    return d * t + s_ * (t - d / s_)


KlTerm = Callable[[sp.Expr, sp.Expr], sp.Expr]


def stable_kl_term(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """The kernel's closed form: (a + b)·[(1 + y)·atanh(y) − y], y = (a − b)/(a + b). The code
    evaluates it as d·y·S(y) (d = a − b, S the series above; |y| ≤ ¼) and as
    d·t + s·(t − y) (:func:`far_kl_term`; |y| > ¼), both this expression regrouped."""
    y = (a - b) / (a + b)
    return (a + b) * ((1 + y) * sp.atanh(y) - y)


def verify_kl_term(stable: KlTerm) -> Decision:
    """stable(a, b) = a log(a/b) − a + b for a, b > 0 (the summand b·φ(a/b) of KL)."""
    lhs = sp.expand_log(sp.simplify(stable(_a, _b).rewrite(sp.log)), force=True)
    return decide_equal(lhs, _a * sp.log(_a / _b) - _a + _b)


def stable_normal_kl(m1: sp.Expr, s1: sp.Expr, m2: sp.Expr, s2: sp.Expr, *, far: bool = False) -> sp.Expr:
    """``numerics.kl_normal``: h + z²/2, z = (μ₁ − μ₂)/σ₂, h = ½(ρ² − 1) − log ρ with ρ = σ₁/σ₂ =
    1 + x, x = (σ₁ − σ₂)/σ₂: for ρ ∈ [⅓, 3] as ½x² + x·s − 2s³V(s²), s = x/(2 + x) (V in closed
    form, :func:`kl_series_v`; the code puts its certified polynomial in its place), beyond
    (``far``) as (x/2)(x + 2) − log(σ₁/σ₂)."""
    x = (s1 - s2) / s2
    z = (m1 - m2) / s2
    if far:
        h = (x / 2) * (x + 2) - sp.log(s1 / s2)
    else:
        s = x / (2 + x)
        h = (x / 2) * x + x * s - 2 * s**3 * kl_series_v(s)
    return h + z**2 / 2


def expm1mx_sinh_split(u: sp.Expr) -> sp.Expr:
    """``numerics._kernels.expm1mx_series``: 2 sinh²(u/2) + (sinh u − u), the second part by the
    series whose coefficients :func:`series_coefficients` ("sinhmx") gives."""
    return 2 * sp.sinh(u / 2) ** 2 + (sp.sinh(u) - u)


def verify_expm1mx_sinh_split(form: Callable[[sp.Expr], sp.Expr] = expm1mx_sinh_split) -> Decision:
    """form(u) = e^u − 1 − u for real u."""
    u = sp.Symbol("u", real=True)
    return decide_equal(sp.simplify(form(u).rewrite(sp.exp)), sp.exp(u) - 1 - u)


def verify_normal_kl_both_branches(
    stable: Callable[..., sp.Expr] = stable_normal_kl,
) -> Decision:
    """Both forms of the code's variance part equal KL by integration (each holds for all σ > 0;
    the code picks the near form for σ₁/σ₂ ∈ [⅓, 3], where it needs no logarithm)."""
    return combine(
        {
            "near form (ρ ∈ [⅓, 3])": verify_normal_kl_stable(stable),
            "far form": verify_normal_kl_stable(lambda m1, s1, m2, s2: stable(m1, s1, m2, s2, far=True)),
        }
    )


def verify_normal_kl_stable(stable: Callable[[sp.Expr, sp.Expr, sp.Expr, sp.Expr], sp.Expr]) -> Decision:
    """The stable 1-D Normal KL equals KL by integration of the densities (atanh written as
    logarithms, which SymPy then combines)."""
    m1, m2 = sp.Symbol("mu1", real=True), sp.Symbol("mu2", real=True)
    s1, s2 = sp.Symbol("sigma1", positive=True), sp.Symbol("sigma2", positive=True)
    derived = kl_normal_1d_from_densities(m1, s1**2, m2, s2**2)
    form = sp.simplify(stable(m1, s1, m2, s2).rewrite(sp.log))
    return decide_equal(sp.expand_log(sp.logcombine(form, force=True), force=True), derived)


def phi1(s: sp.Expr) -> sp.Expr:
    """φ₁(s) = s − 1 − log s: the normalisation correction of ``numerics.kl_categorical``."""
    return s - 1 - sp.log(s)


def verify_normalised_categorical(
    correction: Callable[[sp.Expr], sp.Expr] = phi1, k_values: tuple[int, ...] = (2, 3, 4)
) -> Decision:
    """(1/P) Σ_i [p_i log(p_i/q_i) − p_i + q_i] − correction(Q/P) = KL(p/P ‖ q/Q), P = Σp, Q = Σq,
    for unnormalised positive p, q (K = 2, 3, 4); the code's correction is φ₁."""
    parts: dict[str, Decision] = {}
    for k in k_values:
        p = [sp.Symbol(f"p{i}", positive=True) for i in range(k)]
        q = [sp.Symbol(f"q{i}", positive=True) for i in range(k)]
        big_p, big_q = sp.Add(*p), sp.Add(*q)
        s = big_q / big_p
        stable = sp.Add(*(a * sp.log(a / b) - a + b for a, b in zip(p, q, strict=True))) / big_p - correction(
            s
        )
        textbook = sp.Add(
            *((a / big_p) * sp.log((a / big_p) / (b / big_q)) for a, b in zip(p, q, strict=True))
        )
        parts[f"K={k}"] = decide_equal(sp.expand_log(stable, force=True), sp.expand_log(textbook, force=True))
    return combine(parts)


def _sigmoid(t: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-t))


def logit_difference(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """The code's form of σ(a) − σ(b): σ(a)·σ(−b)·(1 − e^{b−a})."""
    return _sigmoid(a) * _sigmoid(-b) * (1 - sp.exp(b - a))


def verify_bernoulli_logit_difference(
    form: Callable[[sp.Expr, sp.Expr], sp.Expr] = logit_difference,
) -> Decision:
    """form(a, b) = σ(a) − σ(b) (``numerics.kl_bernoulli_logits``)."""
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    residual = form(a, b) - (_sigmoid(a) - _sigmoid(b))
    return decide_equal(sp.simplify(residual), sp.Integer(0))


def whitened_difference(c1: sp.Matrix, c2: sp.Matrix, l2: sp.Matrix) -> sp.Matrix:
    """The code's B = L₂⁻¹(Σ₁ − Σ₂)L₂⁻ᵀ."""
    l2inv = l2.inv()
    return l2inv * (c1 - c2) * l2inv.T


def verify_mvn_trace_logdet(
    form: Callable[[sp.Matrix, sp.Matrix, sp.Matrix], sp.Matrix] = whitened_difference, d: int = 2
) -> Decision:
    """With B = L₂⁻¹(Σ₁ − Σ₂)L₂⁻ᵀ: tr B = tr(Σ₂⁻¹Σ₁) − d and det(I + B) = det(Σ₂⁻¹Σ₁), so
    tr(Σ₂⁻¹Σ₁) − d − log det(Σ₂⁻¹Σ₁) = Σ_i (β_i − log(1 + β_i)) over B's eigenvalues
    (``numerics.kl_mvn``); Σ₁ = L₁L₁ᵀ, Σ₂ = L₂L₂ᵀ fully symbolic."""
    from derivations.gaussian import lower_triangular

    l1, l2 = lower_triangular("L", d), lower_triangular("M", d)
    c1, c2 = l1 * l1.T, l2 * l2.T
    b = form(c1, c2, l2)
    ratio = c2.inv() * c1
    return combine(
        {
            "trace": decide_equal(sp.simplify(b.trace() - (ratio.trace() - d)), sp.Integer(0), Domain()),
            "determinant": decide_equal(sp.simplify((sp.eye(d) + b).det() - ratio.det()), sp.Integer(0)),
        }
    )


def shifted_cholesky_symbolic(b: sp.Matrix) -> tuple[list[sp.Expr], sp.Matrix]:
    """The recurrence of ``numerics._triangular.shifted_cholesky`` on a symbolic symmetric B:
    x_j = B_jj − Σ_{k<j} R_jk², R_jj = √(1 + x_j), R_ij = (B_ij − Σ_{k<j} R_ik R_jk)/R_jj."""
    d = b.shape[0]
    r = sp.zeros(d, d)
    xs: list[sp.Expr] = []
    for j in range(d):
        x = b[j, j] - sum((r[j, k] ** 2 for k in range(j)), sp.Integer(0))
        xs.append(x)
        r[j, j] = sp.sqrt(1 + x)
        for i in range(j + 1, d):
            r[i, j] = (b[i, j] - sum((r[i, k] * r[j, k] for k in range(j)), sp.Integer(0))) / r[j, j]
    return xs, r


def verify_shifted_cholesky(
    factor: Callable[[sp.Matrix], tuple[list[sp.Expr], sp.Matrix]] = shifted_cholesky_symbolic, d: int = 3
) -> Decision:
    """(i) The recurrence's R satisfies RRᵀ = I + B for a fully symbolic symmetric B (d = 3);
    (ii) for any lower-triangular R with R_jj = √(1 + x_j), tr(RRᵀ) − d − log det(RRᵀ) =
    Σ_j (x_j − log(1 + x_j)) + Σ_{i>j} R_ij² (``numerics.kl_mvn``'s trace/log-det part)."""
    b = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"b{min(i, j)}{max(i, j)}", real=True))
    _, r = factor(b)
    residual = (r * r.T - sp.eye(d) - b).applyfunc(sp.simplify)
    parts = {"RRᵀ = I + B": decide_equal(sp.Add(*(e**2 for e in residual)), sp.Integer(0))}
    ones_plus_x = [sp.Symbol(f"p{j}", positive=True) for j in range(d)]  # 1 + x_j > 0
    rg = sp.Matrix(d, d, lambda i, j: sp.sqrt(ones_plus_x[i]) if i == j else
                   (sp.Symbol(f"r{i}{j}", real=True) if i > j else 0))
    m = rg * rg.T
    lhs = sp.expand_log(m.trace() - d - sp.log(sp.factor(m.det())), force=True)
    rhs = sum(((pj - 1) - sp.log(pj) for pj in ones_plus_x), sp.Integer(0)) + sum(
        (rg[i, j] ** 2 for i in range(d) for j in range(i)), sp.Integer(0)
    )
    parts["tr − d − log det"] = decide_equal(lhs, rhs)
    # the pivots the code takes from the Cholesky diagonals: R = L₂⁻¹L₁ (lower triangular,
    # positive diagonal, RRᵀ = I + B for B = L₂⁻¹(Σ₁ − Σ₂)L₂⁻ᵀ: the Cholesky factor, unique), so
    # R_jj = L₁,jj/L₂,jj
    from derivations.gaussian import lower_triangular

    l1, l2 = lower_triangular("L", d), lower_triangular("M", d)
    rr = l2.inv() * l1
    bb = whitened_difference(l1 * l1.T, l2 * l2.T, l2)
    parts["R = L₂⁻¹L₁"] = decide_equal(
        sp.Add(*(e**2 for e in (rr * rr.T - sp.eye(d) - bb).applyfunc(sp.simplify)))
        + sp.Add(*((rr[j, j] - l1[j, j] / l2[j, j]) ** 2 for j in range(d))),
        sp.Integer(0),
    )
    return combine(parts)


# ---------------------------------------------------------------------------- forms for the extreme regimes


def very_far_kl_term(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``numerics._kernels.kl_term`` for y < −⅔ (a < b/5): a·L − d, L = log(a/b), d = a − b."""
    return a * sp.log(a / b) - (a - b)


def log_ratio_terms(p: sp.Expr, q: sp.Expr, ell: sp.Expr, *, low: bool = False) -> sp.Expr:
    """``numerics.divergences._terms_from_log_ratio``: p·(e^{−ℓ} − 1 + ℓ) (ℓ ≥ −2) or
    (q − p) + p·ℓ (ℓ < −2, ``low``), with ℓ = log(p/q)."""
    if low:
        return (q - p) + p * ell
    return p * (sp.exp(-ell) - 1 + ell)


def verify_log_ratio_terms(form: Callable[..., sp.Expr] = log_ratio_terms) -> Decision:
    """Both branches of form(p, q, log(p/q)) equal the KL summand p log(p/q) − p + q."""
    p, q = sp.Symbol("p", positive=True), sp.Symbol("q", positive=True)
    target = p * sp.log(p / q) - p + q
    return combine(
        {
            "ℓ ≥ −2 branch": decide_equal(sp.expand_log(form(p, q, sp.log(p / q)), force=True),
                                          sp.expand_log(target, force=True)),
            "ℓ < −2 branch": decide_equal(
                sp.expand_log(form(p, q, sp.log(p / q), low=True), force=True),
                sp.expand_log(target, force=True),
            ),
        }
    )


def normalised_log_ratio(p: list[sp.Symbol], q: list[sp.Symbol], i: int, r: int) -> sp.Expr:
    """``numerics.divergences._kl_rows_exact``: ℓ_i = c_i − R with c_i = log1p(u_i/(p_r q_i)),
    u_i = p_i q_r − p_r q_i, and R = log1p(Σ_j u_j/(Q p_r)), Q = Σ q."""
    big_q = sp.Add(*q)
    u = [p[j] * q[r] - p[r] * q[j] for j in range(len(p))]
    c_i = sp.log(1 + u[i] / (p[r] * q[i]))
    big_r = sp.log(1 + sp.Add(*u) / (big_q * p[r]))
    return c_i - big_r


def verify_normalised_log_ratio(
    form: Callable[[list[sp.Symbol], list[sp.Symbol], int, int], sp.Expr] = normalised_log_ratio, k: int = 3
) -> Decision:
    """form(p, q, i, r) = log(p̂_i/q̂_i), p̂ = p/Σp, q̂ = q/Σq, for unnormalised positive p, q (K = 3,
    every i and reference r): the log-ratios of the normalised vectors without normalising.
    With :func:`verify_log_ratio_terms`, Σ_i p̂_i(e^{−ℓ_i} − 1 + ℓ_i) = KL(p̂ ‖ q̂) (Σ p̂ = Σ q̂ = 1)."""
    p = [sp.Symbol(f"p{i}", positive=True) for i in range(k)]
    q = [sp.Symbol(f"q{i}", positive=True) for i in range(k)]
    big_p, big_q = sp.Add(*p), sp.Add(*q)
    parts = {}
    for r in range(k):
        for i in range(k):
            lhs = sp.exp(form(p, q, i, r))  # compare ratios: exp of both sides, no branch cuts
            parts[f"i={i}, r={r}"] = decide_equal(sp.simplify(lhs), (p[i] / big_p) / (q[i] / big_q))
    return combine(parts)


def logit_log_ratio(a: list[sp.Symbol], b: list[sp.Symbol], i: int, r: int) -> sp.Expr:
    """``numerics.divergences._kl_logits_rows``: ℓ_i = c_i − R, c_i = (a_i − b_i) − (a_r − b_r),
    R = log1p(X), X = Σ_j (e^{a_j − max a}·q_r − q_j), q = softmax(b); here with max a = a_r (the
    code takes r as the mode of softmax(a), so a_r = max a)."""
    zb = sp.Add(*(sp.exp(x) for x in b))
    q = [sp.exp(x) / zb for x in b]
    c_i = (a[i] - b[i]) - (a[r] - b[r])
    big_x = sp.Add(*(sp.exp(a[j] - a[r]) * q[r] - q[j] for j in range(len(a))))
    return c_i - sp.log(1 + big_x)


def verify_logit_log_ratio(
    form: Callable[[list[sp.Symbol], list[sp.Symbol], int, int], sp.Expr] = logit_log_ratio, k: int = 3
) -> Decision:
    """form(a, b, i, r) = log(softmax(a)_i / softmax(b)_i) for real logits (K = 3, every i, r), and
    the series-side form of X's summands: q_j·expm1(c_j) = e^{a_j − a_r}·q_r − q_j. A Bernoulli
    logit x is the categorical pair (x, 0): softmax((x, 0))₀ = σ(x)."""
    a = [sp.Symbol(f"a{i}", real=True) for i in range(k)]
    b = [sp.Symbol(f"b{i}", real=True) for i in range(k)]
    za, zb = sp.Add(*(sp.exp(x) for x in a)), sp.Add(*(sp.exp(x) for x in b))
    parts = {}
    for r in range(k):
        for i in range(k):
            lhs = sp.exp(form(a, b, i, r))
            parts[f"i={i}, r={r}"] = decide_equal(sp.simplify(lhs), (sp.exp(a[i]) / za) / (sp.exp(b[i]) / zb))
    q = [sp.exp(x) / zb for x in b]
    c1 = (a[1] - b[1]) - (a[0] - b[0])
    parts["q_j expm1(c_j)"] = decide_equal(
        sp.simplify(q[1] * (sp.exp(c1) - 1) - (sp.exp(a[1] - a[0]) * q[0] - q[1])), sp.Integer(0)
    )
    x = sp.Symbol("x", real=True)
    parts["Bernoulli as (x, 0)"] = decide_equal(
        sp.simplify(sp.exp(x) / (sp.exp(x) + 1) - _sigmoid(x)), sp.Integer(0)
    )
    return combine(parts)


def logit_log_ratio_far(a: list[sp.Symbol], b: list[sp.Symbol], i: int, r: int, m: int) -> sp.Expr:
    """``numerics._jit.logits_ratio`` for rows whose KL is at least 2⁻⁴⁴: ℓ_i = c_i − R with
    c_i = (a_i − b_i) − (a_r − b_r) and R = log(q_r/p_r) = (b_r − b_m) + log(S_a/S_b),
    S_a = Σ_j e^{a_j − a_r}, S_b = Σ_j e^{b_j − b_m} (r the mode of a, m the mode of b: the sums the
    kernel has already formed for the softmaxes)."""
    s_a = sp.Add(*(sp.exp(x - a[r]) for x in a))
    s_b = sp.Add(*(sp.exp(x - b[m]) for x in b))
    c_i = (a[i] - b[i]) - (a[r] - b[r])
    return c_i - ((b[r] - b[m]) + sp.log(s_a / s_b))


def verify_logit_log_ratio_far(
    form: Callable[[list[sp.Symbol], list[sp.Symbol], int, int, int], sp.Expr] = logit_log_ratio_far,
    k: int = 3,
) -> Decision:
    """form(a, b, i, r, m) = log(softmax(a)_i / softmax(b)_i) for real logits (K = 3, every i and r,
    m = 0, 1): the identity holds for any shifts r, m, so the modes' property is not needed."""
    a = [sp.Symbol(f"a{i}", real=True) for i in range(k)]
    b = [sp.Symbol(f"b{i}", real=True) for i in range(k)]
    za, zb = sp.Add(*(sp.exp(x) for x in a)), sp.Add(*(sp.exp(x) for x in b))
    parts = {}
    for m in range(min(k, 2)):
        for r in range(k):
            for i in range(k):
                lhs = sp.exp(form(a, b, i, r, m))
                parts[f"i={i}, r={r}, m={m}"] = decide_equal(
                    sp.simplify(lhs), (sp.exp(a[i]) / za) / (sp.exp(b[i]) / zb)
                )
    return combine(parts)


def entropy_terms(p: list[sp.Symbol], i: int) -> sp.Expr:
    """``numerics.divergences._entropy64``: (p_i/P)·log1p(S_i/p_i), S_i = Σ_{j≠i} p_j."""
    big_p = sp.Add(*p)
    s_i = big_p - p[i]
    return (p[i] / big_p) * sp.log(1 + s_i / p[i])


def verify_entropy_terms(
    form: Callable[[list[sp.Symbol], int], sp.Expr] = entropy_terms, k: int = 3
) -> Decision:
    """Σ_i form(p, i) = H(p/Σp) = −Σ p̂ log p̂ for unnormalised positive p (K = 3)."""
    p = [sp.Symbol(f"p{i}", positive=True) for i in range(k)]
    big_p = sp.Add(*p)
    lhs = sp.Add(*(form(p, i) for i in range(k)))
    rhs = -sp.Add(*((x / big_p) * sp.log(x / big_p) for x in p))
    return decide_equal(sp.expand_log(sp.simplify(lhs), force=True), sp.expand_log(rhs, force=True))
