"""GAN logistic dual (ECE 544 PS5, 3): claims proved, wrong variants refuted, convexity as a
Hypothesis property."""

import math

import numpy as np
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derivations import gan_dual as g
from derivations.checker.verdicts import Verdict


def test_cost_matches_3e_and_missing_linear_term_refuted():
    assert g.verify_cost(g.seed_cost_3e).verdict is Verdict.PROVED
    no_linear = lambda w, ds: g.seed_cost_3e(w, ds) + sp.Add(*(g.dot(w, x) for x in ds.generated))
    assert g.verify_cost(no_linear).verdict is Verdict.REFUTED


def test_quadratic_convex_iff_c_nonnegative_and_strict_variant_refuted():
    assert g.verify_quadratic_convex_iff(sp.Interval(0, sp.oo)).verdict is Verdict.PROVED
    strict = g.verify_quadratic_convex_iff(sp.Interval.open(0, sp.oo))
    assert strict.verdict is Verdict.REFUTED and strict.counterexample["C"] == "0"
    assert g.verify_quadratic_convex_iff(sp.S.Reals).verdict is Verdict.REFUTED


def test_softplus_convex_and_negated_softplus_refuted():
    assert g.verify_softplus_convex().verdict is Verdict.PROVED
    a, b = g.vector("a", 3), g.vector("b", 3)
    flipped = g.verify_convex(-g.softplus_of_dot(a, b), a, g.softplus_certificate(a, b))
    assert flipped.verdict is Verdict.REFUTED


def test_cost_convex_and_negative_c_refuted():
    assert g.verify_cost_convex().verdict is Verdict.PROVED
    ds, w = g.DataSet.symbolic(), g.vector("w")
    c = sp.Symbol("C", real=True)  # C < 0 allowed: the certificate's weight C is not ≥ 0
    bad = g.verify_convex(
        g.seed_cost_3e(w, ds, -sp.Symbol("c", positive=True) * 10),
        w,
        g.cost_certificate(w, ds, c),
        time_limit=2,
    )
    assert bad.verdict is Verdict.REFUTED


def test_lagrangian_and_wrong_direction_refuted():
    assert g.verify_lagrangian(g.separable_lagrangian).verdict is Verdict.PROVED

    def lambda_z_without_one(w, ds):  # b(λ) = Σ λ_x x + Σ λ_z G: drops the −Σ wᵀG term
        lx, lz = g.multipliers(ds)
        b = sum((lam * x for lam, x in zip(lx + lz, ds.data + ds.generated, strict=True)), sp.zeros(2, 1))
        sx, sz = g.slack_variables(ds)
        pieces = sp.Add(*(lam * s + sp.log(1 + sp.exp(s)) for lam, s in zip(lx + lz, sx + sz, strict=True)))
        return pieces + g.quadratic(w, b, g.C)

    assert g.verify_lagrangian(lambda_z_without_one).verdict is Verdict.REFUTED


def test_quadratic_minimum_and_flipped_sign_and_dropped_half():
    assert g.verify_quadratic_minimum(lambda b: -g.dot(b, b) / (2 * g.C)).verdict is Verdict.PROVED
    assert g.verify_quadratic_minimum(lambda b: g.dot(b, b) / (2 * g.C)).verdict is Verdict.REFUTED
    assert g.verify_quadratic_minimum(lambda b: -g.dot(b, b) / g.C).verdict is Verdict.REFUTED


def test_conjugate_value_domain_and_boundary():
    ok = g.verify_conjugate(g.seed_conjugate, sp.Interval(-1, 0), {-1: 0, 0: 0})
    assert ok.verdict is Verdict.PROVED
    # wrong λ domains: the positive interval, or the open interval (boundary values are finite)
    assert g.verify_conjugate(g.seed_conjugate, sp.Interval(0, 1)).verdict is Verdict.REFUTED
    assert g.verify_conjugate(g.seed_conjugate, sp.Interval.open(-1, 0)).verdict is Verdict.REFUTED
    # flipped sign of the value, and a wrong boundary value
    flipped = lambda lam: -g.seed_conjugate(lam)
    assert g.verify_conjugate(flipped, sp.Interval(-1, 0)).verdict is Verdict.REFUTED
    assert g.verify_conjugate(g.seed_conjugate, sp.Interval(-1, 0), {0: -sp.oo}).verdict is Verdict.REFUTED


def test_conjugate_regions():
    h = g.derive_conjugate()
    assert h.domain == sp.Interval(-1, 0)
    assert h.boundary == {-1: 0, 0: 0}


def test_dual_function_and_flipped_quadratic_sign():
    assert g.verify_dual_function(g.assembled_dual_function).verdict is Verdict.PROVED
    bb = lambda ds: g.dot(g.dual_direction(ds), g.dual_direction(ds))
    flipped = lambda ds: g.assembled_dual_function(ds) + bb(ds) / g.C
    assert g.verify_dual_function(flipped).verdict is Verdict.REFUTED


def test_dual_program_box_and_wrong_box():
    assert g.verify_dual_program([sp.Interval(-1, 0)] * 4).verdict is Verdict.PROVED
    assert g.verify_dual_program([sp.Interval(0, 1)] * 4).verdict is Verdict.REFUTED


# --------------------------------------------------------------------------- Hypothesis properties

finite = st.floats(-4, 4, allow_nan=False)
vec3 = st.lists(finite, min_size=3, max_size=3).map(np.array)
lam01 = st.floats(0, 1)


def _convexity_gap(f, a1, a2, t):
    """t f(a1) + (1−t) f(a2) − f(t a1 + (1−t) a2), ≥ 0 for convex f; with a rounding allowance of
    a few ulp of the magnitudes involved (float64 evaluation of well-conditioned expressions)."""
    lhs = t * f(a1) + (1 - t) * f(a2)
    rhs = f(t * a1 + (1 - t) * a2)
    slack = 64 * np.finfo(float).eps * (abs(t * f(a1)) + abs((1 - t) * f(a2)) + abs(rhs) + 1)
    return lhs - rhs + slack


@given(vec3, vec3, vec3, lam01, st.floats(0, 10))
def test_quadratic_convex_for_nonnegative_c(a1, a2, b, t, c):
    f = lambda a: c / 2 * a @ a - a @ b
    assert _convexity_gap(f, a1, a2, t) >= 0


def test_quadratic_not_convex_for_negative_c():
    f = lambda a: -0.5 / 2 * a @ a
    a1, a2 = np.array([1.0, 0, 0]), np.array([-1.0, 0, 0])
    assert 0.5 * f(a1) + 0.5 * f(a2) < f(0.5 * a1 + 0.5 * a2)


@given(vec3, vec3, vec3, lam01)
def test_softplus_of_dot_convex(a1, a2, b, t):
    f = lambda a: np.logaddexp(0.0, a @ b)
    assert _convexity_gap(f, a1, a2, t) >= 0


@given(
    st.lists(st.lists(finite, min_size=2, max_size=2), min_size=4, max_size=4),
    st.lists(finite, min_size=2, max_size=2),
    st.lists(finite, min_size=2, max_size=2),
    lam01,
    st.floats(0, 5),
)
def test_3e_cost_convex(points, w1, w2, t, c):
    pts = np.array(points)
    data, gen = pts[:2], pts[2:]

    def f(w):
        return (
            np.logaddexp(0, data @ w).sum() + np.logaddexp(0, gen @ w).sum() - (gen @ w).sum() + c / 2 * w @ w
        )

    assert _convexity_gap(f, np.array(w1), np.array(w2), t) >= 0


@given(st.floats(-0.999, -0.001))
def test_conjugate_closed_form_matches_numeric_minimum(lam):
    from scipy.optimize import minimize_scalar

    h = sp.lambdify(g.LAM, g.seed_conjugate(g.LAM))
    res = minimize_scalar(
        lambda xi: lam * xi + np.logaddexp(0, xi),
        bounds=(-60, 60),
        method="bounded",
        options={"xatol": 1e-10},
    )
    # bounded Brent: value error is O(xatol² · f'') ≪ 1e-9
    assert math.isclose(res.fun, h(lam), rel_tol=0, abs_tol=1e-8)
