"""The directed search for worst-case errors (numerics.accuracy_search): deterministic for a seed,
it climbs to errors that random draws of the same count miss, it catches a wrong function that a
short random sweep passes, its results are documented and reproduce, and the published worst of a
function is never below what the search found."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest

from benchmarks import divergence_tables as tables
from numerics import accuracy_search as AS
from numerics import accuracy_sweep as S
from numerics import divergences as D

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "divergence_accuracy.json"


def _searched() -> dict[str, dict[str, object]]:
    rows = json.loads(RESULTS.read_text())["worst_case"].get("searched", [])
    return {str(r["function"]): r for r in rows}


def test_every_function_of_the_sweeps_has_a_search_space():
    assert {fn for fn, _ in S.SWEEPS} == set(AS.SPACES)


def test_a_search_is_deterministic_for_its_seed():
    assert AS.search("kl_bernoulli_logits", 300, seed=3) == AS.search("kl_bernoulli_logits", 300, seed=3)
    assert AS.search("kl_bernoulli_logits", 300, seed=3) != AS.search("kl_bernoulli_logits", 300, seed=4)


def test_the_search_climbs_above_random_draws_of_the_same_count():
    """kl_bernoulli_logits, 3,000 evaluations: hill climbing against the |logit| ~ 1 sweep's
    3,000 random draws (the regime where the function's worst lies)."""
    climbed = AS.search("kl_bernoulli_logits", 3000, seed=0).ulp
    drawn = S.sweep(("kl_bernoulli_logits", "|logit| ~ 1"), 3000).ulp
    assert climbed > drawn


def test_a_wrong_kl_bernoulli_is_caught(monkeypatch):
    """The textbook p·log(p/q) + (1 − p)·log((1 − p)/(1 − q)) loses digits as q → p: the search
    walks there from random starts and reports thousands of ulp."""
    real = D.kl_bernoulli

    def textbook(p: float, q: float) -> float:  # inside (0, 1); the real function at the edges
        if not (0 < p < 1 and 0 < q < 1):
            return float(real(p, q))
        return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))

    monkeypatch.setattr(D, "kl_bernoulli", textbook)
    assert AS.search("kl_bernoulli", 1500, seed=0).ulp > 1000


@pytest.mark.parametrize("fn", sorted(AS.SPACES))
def test_every_search_is_documented_and_its_worst_input_reproduces(fn):
    row = _searched()[fn]
    assert row["evaluations"] >= 10_000 and row["seed"] == 0
    found = AS.SPACES[fn].evaluate(_point(fn, str(row["worst at"])))
    assert found is not None
    assert abs(S.ulp_spacing_error(found[0], found[1]) - float(row["worst ulp"])) <= 1e-3


def _point(fn: str, text: str) -> np.ndarray:
    """The flat input vector of a search's ``worst at`` text (the tuple of its arguments)."""
    parts = [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in ast.literal_eval(text)]
    return np.concatenate(parts)


def test_the_published_worst_is_never_below_a_search():
    page = tables.PAGE.read_text().split(tables.WORST_HEADING)[1]
    for fn, row in _searched().items():
        line = next(x for x in page.splitlines() if x.startswith(f"| `{fn}` | "))
        assert float(line.split("|")[2]) >= float(row["worst ulp"]) - 1e-9, line


@pytest.mark.parametrize(("args", "message"), [
    (("kl_gamma", 10), "fn: expected one of"),
    (("kl_normal", 0), "evaluations"),
    (("kl_normal", 10, -1), "seed"),
])
def test_bad_arguments_are_refused_by_name(args, message):
    with pytest.raises(ValueError, match=message):
        AS.search(*args)


def test_the_reference_is_exact_on_the_float_inputs():
    """The search measures against mpmath on the float64 inputs themselves: a correctly rounded
    value scores at most ½ ulp (so a reported error is the function's, not the reference's)."""
    x = AS.SPACES["entropy_normal"].start(np.random.default_rng(1))
    got, exact, _ = S._entropy_normal_sample(float(x[0]))
    with mp.workdps(60):
        assert S.ulp_spacing_error(float(mp.mpf(exact)), exact) <= 0.5
    assert S.ulp_spacing_error(got, exact) < 4
