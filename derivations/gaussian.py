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
def _moment(k: int) -> sp.Expr:
    value = sp.integrate(_z**k * normal_density(_z, _m, _v), (_z, -sp.oo, sp.oo), conds="none")
    return sp.expand(sp.simplify(value))


def normal_moment(k: int, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    """E[z^k] for z ∼ N(mean, var), by integrating the density (cached per k)."""
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
