"""Gaussian densities and expectations, from the density by exact integration.

The moments E[z^k] of N(m, v) are obtained by integrating z^k times the density over ℝ
(never quoted); expectations of polynomials in z then follow by linearity. A d-dimensional
Gaussian N(μ, L Lᵀ) is handled through the change of variables z = μ + L ε with ε having
the product density of d standard normals, whose validity (the density of μ + Lε is the
N(μ, LLᵀ) density) is itself checked symbolically by :func:`affine_density_identity`.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

_z = sp.Symbol("z", real=True)
_m = sp.Symbol("m", real=True)
_v = sp.Symbol("v", positive=True)


def normal_density(z: sp.Expr, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    """N(z; mean, var) = (2π var)^{-1/2} exp(−(z − mean)² / (2 var))."""
    return sp.exp(-((z - mean) ** 2) / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def normal_log_density(z: sp.Expr, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    """log N(z; mean, var), the logarithm of :func:`normal_density` expanded (var > 0)."""
    return sp.expand(sp.expand_log(sp.log(normal_density(z, mean, var)), force=True))


@cache
def _standard_moment(j: int) -> sp.Expr:
    """E[u^j] for u ∼ N(0, 1), by integrating u^j times the standard density."""
    return sp.integrate(_z**j * normal_density(_z, 0, 1), (_z, -sp.oo, sp.oo), conds="none")


@cache
def _moment(k: int) -> sp.Expr:
    # z = m + √v·u with u standard normal (the affine change of variables in the integral):
    # E[z^k] = Σ_j C(k, j) m^{k−j} v^{j/2} E[u^j], each E[u^j] integrated from the density.
    value = sp.Add(*(sp.binomial(k, j) * _m ** (k - j) * sp.sqrt(_v) ** j * _standard_moment(j)
                     for j in range(k + 1)))
    return sp.expand(value)


def normal_moment(k: int, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    """E[z^k] for z ∼ N(mean, var), by integrating the standard density (cached per k) after
    the change of variables z = mean + √var·u."""
    if k < 0:
        raise ValueError(f"k: moments are defined for k ≥ 0, got {k}")
    return _moment(k).xreplace({_m: mean, _v: var})


def expect_polynomial(
    expr: sp.Expr, variables: dict[sp.Expr, tuple[sp.Expr, sp.Expr]]
) -> sp.Expr:
    """E[expr] where ``expr`` is a polynomial in independent Gaussian ``variables``
    ({symbol: (mean, var)}): expand, then replace each monomial Π z_j^{k_j} by
    Π E[z_j^{k_j}] (independence: the product density factorises, Fubini)."""
    syms = list(variables)
    poly = sp.Poly(sp.expand(expr), *syms)
    if poly.is_zero:
        return sp.Integer(0)
    out = sp.Integer(0)
    for powers, coeff in poly.terms():
        term = coeff
        for sym, k in zip(syms, powers, strict=True):
            if k:
                term *= normal_moment(k, *variables[sym])
        out += term
    return out


def _check_integrand(h: object, var: object, name: str = "h") -> None:
    if not isinstance(h, sp.Expr):
        raise ValueError(f"{name}: expected a SymPy expression, got {type(h).__name__}")
    if not isinstance(var, sp.Symbol):
        raise ValueError(f"var: expected a SymPy symbol, got {type(var).__name__}")


def integrate_exponential_quadratic(h: sp.Expr, var: sp.Symbol) -> sp.Expr | None:
    """∫_ℝ h d(var), exactly, when h is a sum of terms c·var^k·exp(q(var)) with q a polynomial of
    degree 2 whose leading coefficient is provably negative (several exponential factors are
    added up); None when h is not of that shape (the caller integrates another way).

    By completing the square: −a u² + b u + c = −(u − m)²/(2w) + c + b²/(4a) with m = b/(2a),
    w = 1/(2a), so ∫ u^k e^{−a u² + b u + c} du = e^{c + b²/(4a)}·√(2πw)·E[Y^k], Y ∼ N(m, w), whose
    moments :func:`normal_moment` integrates from the density (Kingma & Welling 2014, App. B, the
    Gaussian integrals of the ELBO, done in general).

    Raises ``ValueError`` unless ``h`` is a SymPy expression and ``var`` a SymPy symbol."""
    _check_integrand(h, var)
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(sp.powsimp(sp.expand(h)))):
        exponent: sp.Expr = sp.Integer(0)
        power = 0
        const: list[sp.Expr] = []
        for factor in sp.Mul.make_args(term):
            if isinstance(factor, sp.exp):  # all exponentials, so the result has a single one
                exponent += factor.args[0]
            elif not factor.has(var):
                const.append(factor)
            elif factor == var:
                power += 1
            elif (isinstance(factor, sp.Pow) and factor.base == var and factor.exp.is_Integer
                  and factor.exp > 0):
                power += int(factor.exp)
            else:
                return None
        exponent = sp.expand(exponent)
        if not exponent.is_polynomial(var):
            return None
        q = sp.Poly(exponent, var)
        if q.degree() != 2:
            return None
        a = sp.simplify(-q.coeff_monomial(var**2))
        b, c = q.coeff_monomial(var), q.coeff_monomial(1)
        if a.is_positive is not True:
            return None
        shift = sp.factor(sp.together(c + b**2 / (4 * a)))
        total += (sp.Mul(*const) * sp.exp(shift) * sp.sqrt(sp.pi / a)
                  * normal_moment(power, b / (2 * a), 1 / (2 * a)))
    return total


def integrate_over_reals(h: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """∫_ℝ h d(var): exactly by :func:`integrate_exponential_quadratic` when h has its shape
    (polynomial × Gaussian terms: fast), else by SymPy's ``integrate``. ``ValueError`` as there."""
    exact = integrate_exponential_quadratic(h, var)
    if exact is not None:
        return exact
    return sp.integrate(sp.expand(h), (var, -sp.oo, sp.oo), conds="none")


def gaussian_exponential_expectation(g: sp.Expr, var: sp.Symbol, mean: sp.Expr,
                                     variance: sp.Expr) -> sp.Expr | None:
    """E[g(var)] for var ∼ N(mean, variance) when g is a sum of terms c·var^k·exp(q(var)), q a
    polynomial of degree ≤ 2, with the total exponent's leading coefficient provably negative;
    None when g is not of that shape (the caller integrates another way).

    The change of variables var = mean + √variance·u turns it into ∫ g(mean + √variance·u)·N(u; 0, 1) du,
    integrated by :func:`integrate_exponential_quadratic`. Raises ``ValueError`` unless ``g`` is a
    SymPy expression and ``var`` a SymPy symbol."""
    _check_integrand(g, var, "g")
    u = sp.Dummy("u", real=True)
    return integrate_exponential_quadratic(
        g.xreplace({var: mean + sp.sqrt(variance) * u}) * normal_density(u, 0, 1), u)


def mvn_log_density(z: sp.Matrix, mean: sp.Matrix, cov: sp.Matrix, cov_inv: sp.Matrix,
                    log_det_cov: sp.Expr) -> sp.Expr:
    """log N(z; μ, Σ) = −½ (d log 2π + log|Σ| + (z−μ)ᵀ Σ⁻¹ (z−μ)) (log of the density)."""
    d = cov.shape[0]
    r = z - mean
    return -(d * sp.log(2 * sp.pi) + log_det_cov + (r.T * cov_inv * r)[0, 0]) / 2


def lower_triangular(name: str, d: int) -> sp.Matrix:
    """A d×d lower-triangular matrix of symbols with a positive diagonal: every SPD matrix is
    L Lᵀ for exactly one such L (Cholesky), so Σ = L Lᵀ has fully general symbolic entries."""
    return sp.Matrix(
        d,
        d,
        lambda r, c: sp.Symbol(f"{name}{r + 1}{c + 1}", positive=True)
        if r == c
        else (sp.Symbol(f"{name}{r + 1}{c + 1}", real=True) if r > c else sp.Integer(0)),
    )


def affine_density_identity(mean: sp.Matrix, chol: sp.Matrix) -> sp.Expr:
    """log-density of z = μ + Lε (ε ∼ N(0, I), change of variables: p_ε(L⁻¹(z − μ)) / |det L|)
    minus log N(z; μ, LLᵀ) at a symbolic z; 0 iff the change of variables is valid."""
    d = chol.shape[0]
    z = sp.Matrix(d, 1, lambda r, _: sp.Symbol(f"zeta{r + 1}", real=True))
    eps = chol.inv() * (z - mean)
    log_p_eps = sum(normal_log_density(eps[k], 0, 1) for k in range(d))
    log_jac = sp.log(sp.Abs(chol.det()))
    cov = chol * chol.T
    target = mvn_log_density(z, mean, cov, cov.inv(), sp.log(cov.det()))
    return sp.expand_log(log_p_eps - log_jac - target, force=True)
