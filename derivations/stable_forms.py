"""The cancellation-free forms used by ``numerics`` equal the textbook closed forms (issue 4, §1).

Each verifier takes the stable form as the code writes it and compares it with the textbook
expression, symbolically; the series coefficients the code uses are generated here from the
function's Taylor expansion so that a test can compare them with the code's tables.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.elbo import combine
from derivations.gaussian_kl import kl_normal_1d_from_densities
from derivations.identities import Decision, Domain, decide_equal

_a, _b = sp.Symbol("a", positive=True), sp.Symbol("b", positive=True)
_y, _u, _x = sp.Symbol("y", real=True), sp.Symbol("u", real=True), sp.Symbol("x", real=True)


def series_coefficients(kind: str, n: int) -> list[sp.Rational]:
    """Taylor coefficients c_j (j = 0…n−1) of the series the kernels evaluate:
    ``"kl"``: S(y) = ((1 + y)·atanh(y) − y)/y²; ``"expm1mx"``: (e^u − 1 − u)/u²;
    ``"xmlog1p"``: (x − log(1 + x))/x²."""
    f = {
        "kl": ((1 + _y) * sp.atanh(_y) - _y) / _y**2,
        "expm1mx": (sp.exp(_y) - 1 - _y) / _y**2,
        "xmlog1p": (_y - sp.log(1 + _y)) / _y**2,
    }[kind]
    poly = sp.series(f, _y, 0, n).removeO()
    return [sp.Rational(poly.coeff(_y, j)) for j in range(n)]


KlTerm = Callable[[sp.Expr, sp.Expr], sp.Expr]


def stable_kl_term(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """The kernel's closed form: (a + b)·[(1 + y)·atanh(y) − y], y = (a − b)/(a + b). The code
    evaluates it as d·y·S(y) (d = a − b, S the series above; |y| ≤ ¼) and as
    d·atanh(y) + s·(atanh(y) − y) (s = a + b; ¼ < |y| ≤ ½), both this expression regrouped."""
    y = (a - b) / (a + b)
    return (a + b) * ((1 + y) * sp.atanh(y) - y)


def verify_kl_term(stable: KlTerm) -> Decision:
    """stable(a, b) = a log(a/b) − a + b for a, b > 0 (the summand b·φ(a/b) of KL)."""
    lhs = sp.expand_log(sp.simplify(stable(_a, _b).rewrite(sp.log)), force=True)
    return decide_equal(lhs, _a * sp.log(_a / _b) - _a + _b)


def stable_normal_kl(m1: sp.Expr, s1: sp.Expr, m2: sp.Expr, s2: sp.Expr) -> sp.Expr:
    """``numerics.kl_normal``: ½(e^u − 1 − u) + z²/2, u = 2 log(1 + (σ₁ − σ₂)/σ₂), z = (μ₁ − μ₂)/σ₂."""
    u = 2 * sp.log(1 + (s1 - s2) / s2)
    z = (m1 - m2) / s2
    return (sp.exp(u) - 1 - u) / 2 + z**2 / 2


def verify_normal_kl_stable(stable: Callable[[sp.Expr, sp.Expr, sp.Expr, sp.Expr], sp.Expr]) -> Decision:
    """The stable 1-D Normal KL equals KL by integration of the densities."""
    m1, m2 = sp.Symbol("mu1", real=True), sp.Symbol("mu2", real=True)
    s1, s2 = sp.Symbol("sigma1", positive=True), sp.Symbol("sigma2", positive=True)
    derived = kl_normal_1d_from_densities(m1, s1**2, m2, s2**2)
    return decide_equal(sp.expand_log(stable(m1, s1, m2, s2), force=True), derived)


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
