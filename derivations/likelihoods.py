"""Decoder likelihoods as losses (ECE 544 PS5, 2(d)–(e), seed 004; seed 001, Problem 3).

* Bernoulli: the pmf is defined case by case, P(x = 1) = g, P(x = 0) = 1 − g. The negative
  log-likelihood −log Π_d Bern(x_d; g_d) is computed from that definition for every binary vector
  x ∈ {0, 1}^D (exhaustively, D = 1…4, g symbolic in (0, 1)^D) and compared with the claimed loss
  (binary cross-entropy −Σ_d [x_d log g_d + (1 − x_d) log(1 − g_d)]).
* Gaussian: −log Π_d N(x_d; x̂_d, σ²) from the density, for D = 1…4 written out and for general D
  as a ``Sum``, compared with the claimed (1/2σ²)‖x − x̂‖² + (D/2) log(2πσ²).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal
from derivations.checker.verdicts import Verdict
from derivations.elbo import combine
from derivations.gaussian import normal_density

SIGMA2 = sp.Symbol("sigma2", positive=True)
DIM = sp.Symbol("D", integer=True, positive=True)
_d = sp.Symbol("d", integer=True, positive=True)
XV, XHAT = sp.IndexedBase("x", real=True), sp.IndexedBase("xhat", real=True)

VectorLoss = Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr]


def bernoulli_pmf(x: int, g: sp.Expr) -> sp.Expr:
    """P(x) for x ∈ {0, 1}: g if x = 1, 1 − g if x = 0 (the definition, not the x^g form)."""
    if x not in (0, 1):
        raise ValueError(f"x: a Bernoulli variable takes values 0 or 1, got {x!r}")
    return g if x == 1 else 1 - g


def _probabilities(n: int) -> list[sp.Symbol]:
    return [sp.Symbol(f"g{k}", positive=True) for k in range(1, n + 1)]


def binary_cross_entropy(x: Sequence[sp.Expr], g: Sequence[sp.Expr]) -> sp.Expr:
    """BCE(x, g) = −Σ_d [x_d log g_d + (1 − x_d) log(1 − g_d)] (PS5 2(e))."""
    return -sp.Add(*(xd * sp.log(gd) + (1 - xd) * sp.log(1 - gd) for xd, gd in zip(x, g, strict=True)))


def verify_bernoulli_nll(claimed: VectorLoss, dims: tuple[int, ...] = (1, 2, 3, 4)) -> Decision:
    """−log Π_d Bern(x_d; g_d) = claimed(x, g) for every x ∈ {0, 1}^D, D in ``dims``."""
    parts: dict[str, Decision] = {}
    for n in dims:
        g = _probabilities(n)
        domain = Domain(bounds={gd: (0.0, 1.0) for gd in g}, points=6)
        for x in itertools.product((0, 1), repeat=n):
            # every factor is in (0, 1), so log Π = Σ log (expand_log with force is valid)
            nll = -sp.expand_log(
                sp.log(sp.Mul(*(bernoulli_pmf(xd, gd) for xd, gd in zip(x, g, strict=True)))), force=True
            )
            decision = decide_equal(nll, claimed([sp.Integer(v) for v in x], g), domain)
            if decision.verdict is not Verdict.PROVED:
                parts[f"D={n}, x={x}"] = decision
                return combine(parts)
        parts[f"D={n}"] = Decision(Verdict.PROVED, f"all {2**n} binary vectors")
    return combine(parts)


#: Σ over coordinates: ``over(f)`` = Σ_d f(x_d, x̂_d), for a fixed D or for symbolic D.
CoordinateSum = Callable[[Callable[[sp.Expr, sp.Expr], sp.Expr]], sp.Expr]
GaussianLoss = Callable[[CoordinateSum, sp.Expr, sp.Expr], sp.Expr]


def gaussian_mse_loss(over: CoordinateSum, var: sp.Expr, n: sp.Expr) -> sp.Expr:
    """(1/2σ²)‖x − x̂‖² + (D/2) log(2πσ²) (PS5 2(d))."""
    return over(lambda a, b: (a - b) ** 2) / (2 * var) + n / 2 * sp.log(2 * sp.pi * var)


def _finite_coordinate_sum(x: list[sp.Symbol], xh: list[sp.Symbol]) -> CoordinateSum:
    """``over(f)`` = Σ_d f(x_d, x̂_d) over the given (equally long) coordinate lists."""

    def over(f: Callable[[sp.Expr, sp.Expr], sp.Expr]) -> sp.Expr:
        return sp.Add(*(f(a, b) for a, b in zip(x, xh, strict=True)))

    return over


def verify_gaussian_nll(claimed: GaussianLoss, dims: tuple[int, ...] = (1, 2, 3, 4)) -> Decision:
    """−log Π_d N(x_d; x̂_d, σ²) = claimed(Σ_d, σ², D): D in ``dims`` from the product of the
    densities, and general D as the Sum of the per-coordinate negative log-densities."""
    parts: dict[str, Decision] = {}
    for n in dims:
        x = [sp.Symbol(f"x{k}", real=True) for k in range(1, n + 1)]
        xh = [sp.Symbol(f"xhat{k}", real=True) for k in range(1, n + 1)]
        nll = -sp.log(sp.Mul(*(normal_density(a, b, SIGMA2) for a, b in zip(x, xh, strict=True))))
        over_n = _finite_coordinate_sum(x, xh)
        parts[f"D={n}"] = decide_equal(sp.expand_log(nll, force=True), claimed(over_n, SIGMA2, n))
    per_coordinate = -sp.expand_log(sp.log(normal_density(XV[_d], XHAT[_d], SIGMA2)), force=True)
    general = sp.Sum(sp.expand(per_coordinate), (_d, 1, DIM))
    over_d: CoordinateSum = lambda f: sp.Sum(f(XV[_d], XHAT[_d]), (_d, 1, DIM))
    parts["general D"] = decide_equal(general, claimed(over_d, SIGMA2, DIM), Domain(size=DIM))
    return combine(parts)
