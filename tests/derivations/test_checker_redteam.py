"""The step checker against an adversarial held-out corpus (DESIGN.md, "The step checker").

Every case of :mod:`tests.derivations.redteam_corpus`: a true statement is never *refuted*, a
planted error is never *proved* nor *numerically consistent*, a bad input raises ``ValueError``
(strings are never parsed). *Undecided* is allowed (counted by ``benchmarks/checker_redteam.py``).
Below the corpus: regression tests for the defects this corpus found, and the wall-time bound of
a step from a worker thread and from asyncio.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import sympy as sp

from derivations.checker.evaluation import compile_expr, evaluate, new_context
from derivations.checker.identities import Domain, decide_equal
from derivations.checker.sampling import Sampler
from derivations.checker.steps import Derivation
from derivations.checker.verdicts import Verdict
from tests.derivations.redteam_corpus import CASES, FALSE_CASES, RAISES, TRUE_CASES, Case, is_sound


def test_the_corpus_is_large_and_covers_both_kinds() -> None:
    assert len(CASES) + len(RAISES) >= 40
    assert len(TRUE_CASES) >= 20 and len(FALSE_CASES) >= 20
    assert len({c.name for c in CASES + RAISES}) == len(CASES) + len(RAISES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_is_decided_soundly(case: Case) -> None:
    d = case.decide()
    assert is_sound(case, d.verdict), (
        f"{d.verdict.value} for a {'true' if case.true else 'false'} case: {d.detail}"
    )


@pytest.mark.parametrize("case", RAISES, ids=[c.name for c in RAISES])
def test_bad_input_raises_value_error(case: Case) -> None:
    with pytest.raises(ValueError):
        case.build()


# ------------------------------------------------------------------ regressions (defects found)

K = sp.Symbol("K", integer=True, positive=True)
i = sp.Symbol("i", integer=True)


def test_negative_integer_power_of_an_index_is_exact() -> None:
    """1/(i(i+1)) with an integer index was a Python float: Σ_{i=1}^K 1/(i(i+1)) = 1 − 1/(K+1)
    was *refuted* by a float rounding of 4e-17, "stable at 80 and 160 digits"."""
    lhs = sp.Sum(1 / (i * (i + 1)), (i, 1, K))
    fn = compile_expr(lhs)
    point = next(Sampler.for_exprs([lhs], Domain(sizes=(3,))).random_points(1))
    ctx = new_context()
    out = evaluate(fn, point, ctx, 60)
    assert out.value == ctx.mpf(3) / 4
    assert decide_equal(lhs, 1 - 1 / (K + 1), time_limit=3).verdict is not Verdict.REFUTED
    assert decide_equal(lhs, 1 - 1 / (K + 2), time_limit=3).verdict is Verdict.REFUTED


# ------------------------------------------------------------------ time bound from threads / asyncio


#: A pathological step: an oscillatory integral split in two; SymPy cannot integrate it and each
#: quadrature at the confirming precision takes seconds, so the 1 s bound is always hit.
def _slow_step(shift: int = 0) -> Derivation:
    """Different ``shift``s give different expressions (no SymPy cache shared between runs)."""
    x = sp.Symbol("x", real=True)
    t = sp.Symbol("t", positive=True)

    def part(lo: int, hi: int) -> sp.Integral:
        return sp.Integral(sp.sin(t * x**2 + shift) * sp.log(1 + x**2) / (1 + x**4), (x, lo, hi))

    d = Derivation(part(0, 200), time_limit=1.0)
    d.eq(part(0, 100) + part(100, 200), "split the range")
    return d


def test_step_wall_time_from_a_thread_and_asyncio() -> None:
    times: list[float] = []
    verdicts: list[Verdict] = []

    first, second = _slow_step(0), _slow_step(1)  # built outside the measured time

    def run() -> None:
        t0 = time.perf_counter()
        result = first.check()
        times.append(time.perf_counter() - t0)
        verdicts.append(result.verdict)

    th = threading.Thread(target=run)
    th.start()
    th.join(10)
    assert not th.is_alive()

    async def main() -> None:
        t0 = time.perf_counter()
        result = await asyncio.to_thread(second.check)
        times.append(time.perf_counter() - t0)
        verdicts.append(result.verdict)

    asyncio.run(main())
    assert len(times) == 2
    assert max(times) <= 1.0 + 1.0, times  # one step: time_limit + 1 s
    assert verdicts == [Verdict.UNDECIDED, Verdict.UNDECIDED], verdicts  # the bound was hit


def test_free_index_is_one_of_the_summed_entries() -> None:
    """f[j] next to Σ_{i=1}^K f[i]: j was drawn from the sizes independently of K (j = 7 with
    K = 2, f[7] a fresh number), so Σ_i e^{f_i} ≥ e^{f_j} was *refuted*. Now j ∈ 1..K."""
    from derivations.checker.inequalities import decide_inequality

    j = sp.Symbol("j", integer=True, positive=True)
    f = sp.IndexedBase("f", real=True)
    total = sp.Sum(sp.exp(f[i]), (i, 1, K))
    right = decide_inequality(total - sp.exp(f[j]), time_limit=3)
    assert right.verdict is not Verdict.REFUTED, right.detail
    assert "free index j" in right.detail or right.verdict is Verdict.PROVED
    assert decide_inequality(total - K * sp.exp(f[j]), time_limit=3).verdict is Verdict.REFUTED
    sampler = Sampler.for_exprs([total - sp.exp(f[j])], Domain())
    for p in sampler.random_points(40):
        assert 1 <= p.sizes[j] <= p.sizes[K]


def test_simplex_entry_bounds_and_tuple_forms() -> None:
    """A bound narrower than (0, 1) on a simplex entry was ignored by the sampler, so
    0.1 − q₁ ≥ 0 with q₁ ∈ (0, 0.1) was *refuted* at q₁ = 0.54; now a ValueError. A tuple
    simplex (q₁, 1 − q₁) is accepted (it was rejected although the certificates support it);
    (q₁, 2 − q₁) is not a probability vector. Bounds made of text are rejected."""
    q1, q2 = sp.symbols("q1 q2", positive=True)
    with pytest.raises(ValueError, match="narrower"):
        Domain(simplex=((q1, q2),), bounds={q1: (0, 0.1)})
    with pytest.raises(ValueError, match="tuple simplex"):
        Domain(simplex=((q1, 2 - q1),))
    with pytest.raises(ValueError, match="numbers"):
        Domain(bounds={q1: ("0", "1")})  # type: ignore[dict-item]
    dom = Domain(simplex=((q1, 1 - q1),))
    for p in Sampler.for_exprs([q1], dom).random_points(10):
        assert 0 < p.values[q1] < 1


def test_narrow_minimum_is_found_and_constant_difference_refuted() -> None:
    """(x − y)² − 10⁻⁹ ≥ 0 was *numerically consistent* (the coordinate search stops at steps of
    1e-3; a parabolic step now reaches the minimum); 10³⁰⁰t + 10⁻³⁰⁰ = 10³⁰⁰t was *numerically
    consistent* (no evaluation sees 10⁻⁶⁰⁰ relative; the normal form is an exact constant)."""
    from derivations.checker.identities import decide_nonnegative

    x, y = sp.symbols("x y", real=True)
    t = sp.Symbol("t", positive=True)
    assert decide_nonnegative((x - y) ** 2 - sp.Rational(1, 10**9), time_limit=3).verdict is Verdict.REFUTED
    big = sp.Integer(10) ** 300 * t
    assert decide_equal(big + sp.Rational(1, 10**300), big, time_limit=3).verdict is Verdict.REFUTED
    assert decide_equal(big / sp.Integer(10) ** 300, t, time_limit=3).verdict is Verdict.PROVED


def test_sizes_reach_the_constants_of_conditions_and_definitions_keep_assumptions() -> None:
    """Statements false only for K > 20, or where an index reaches 17, were *numerically
    consistent* with sizes up to 13; sqrt(y²) = y was *proved* with y positive defined as −x;
    a definition given as text was parsed by sympify before being rejected."""
    k = sp.Symbol("k", integer=True)
    x = sp.Symbol("x", positive=True)
    assert decide_equal(sp.Piecewise((1, K > 20), (0, True)), 0, time_limit=3).verdict is Verdict.REFUTED
    assert decide_equal(sp.Min(K, 20), K, time_limit=3).verdict is Verdict.REFUTED
    assert (
        decide_equal(sp.Sum(sp.KroneckerDelta(k, 17), (k, 1, K)), 0, time_limit=3).verdict is Verdict.REFUTED
    )
    y = sp.Symbol("y", positive=True)
    with pytest.raises(ValueError, match="not provably positive"):
        Domain(definitions={y: -x})
    with pytest.raises(ValueError, match="text is not parsed"):
        Domain(definitions={y: "exp(1)"})
    assert Domain(definitions={y: x + 1}).definitions[y] == x + 1


def test_far_gaussian_peak_is_not_a_counterexample() -> None:
    """mpmath's quadrature on (−∞, ∞) misses a Gaussian at μ = 53.7, σ = 0.86 (3e-53 for 2.16,
    tiny error estimate): the true normaliser integral was *refuted* there. The confirming
    evaluation now splits the range (QUAD_SPLITS) and finds the mass."""
    from derivations.checker.sampling import Point

    mu = sp.Symbol("mu", real=True)
    s = sp.Symbol("s", positive=True)
    x = sp.Symbol("x", real=True)
    integral = sp.Integral(sp.exp(-((x - mu) ** 2) / (2 * s**2)), (x, -sp.oo, sp.oo))
    fn = compile_expr(integral)
    point = Point({mu: 53.71580623160892, s: 0.8598851734886063}, {})
    ctx = new_context()
    split = evaluate(fn, point, ctx, 30, split=True)
    exact = ctx.sqrt(2 * ctx.pi) * ctx.mpf(0.8598851734886063)
    assert abs(split.value - exact) < 1e-20 * exact
    assert decide_equal(integral, sp.sqrt(2 * sp.pi) * s, time_limit=4).verdict is not Verdict.REFUTED
