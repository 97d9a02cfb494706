"""The documented worst cases (``benchmarks/results/divergence_accuracy.json``, 10⁴ samples per
function and regime, shown in ``docs/divergence-accuracy-and-speed.md``) hold on a CI-sized
prefix of the same draws, every sweep has a documented figure, and a textbook formula in place
of a stable one is caught by the same sweep."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from benchmarks import divergence_tables as tables
from numerics import accuracy_sweep as S
from numerics import divergences as D

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "divergence_accuracy.json"
SAMPLES = 30  # the first draws of each documented sweep (same seed): its worst cannot be exceeded


def _documented() -> dict[tuple[str, str], dict[str, object]]:
    rows = json.loads(RESULTS.read_text())["worst_case"]["rows"]
    return {(r["function"], r["regime"]): r for r in rows}


def test_every_sweep_is_documented_with_at_least_ten_thousand_samples():
    documented = _documented()
    assert set(documented) == set(S.SWEEPS)
    assert all(r["samples"] >= 10_000 for r in documented.values())


@pytest.mark.parametrize("key", list(S.SWEEPS), ids=lambda k: f"{k[0]}|{k[1]}")
def test_the_documented_worst_case_holds(key):
    bound = float(_documented()[key]["worst ulp"])
    assert S.sweep(key, SAMPLES).ulp <= bound + 1e-9


def test_a_textbook_kl_is_caught_by_the_near_equal_sweep(monkeypatch):
    key = ("kl_categorical", "near-equal, K = 2…8")
    bound = float(_documented()[key]["worst ulp"])
    monkeypatch.setattr(D, "kl_categorical", lambda p, q, normalize=False: stats.entropy(p, q))
    assert S.sweep(key, SAMPLES).ulp > max(bound, 100)


def test_the_page_is_generated_from_the_results():
    page = tables.PAGE.read_text()
    assert page == tables.render()
    for fn, worst in {k[0]: 0.0 for k in S.SWEEPS}.items():
        assert f"`{fn}`" in page, (fn, worst)


def test_every_function_above_two_ulp_has_a_stated_cause():
    section = json.loads(RESULTS.read_text())["worst_case"]
    rows = [*section["rows"], *section.get("pinned", []), *section.get("searched", [])]
    above = {str(r["function"]) for r in rows if float(r["worst ulp"]) > 2}
    assert above <= set(tables.CAUSES)


def test_ulp_spacing_error_of_a_correctly_rounded_value_is_at_most_half():
    rng = np.random.default_rng(0)
    for x in 10.0 ** rng.uniform(-300, 300, 50):
        with S.mp.workdps(60):
            exact = S.mp.mpf(float(x)) * (1 + S.mp.mpf(2) ** -60)  # just above a float
        assert S.ulp_spacing_error(float(x), exact) <= 0.5


def _pinned_documented() -> dict[str, dict[str, object]]:
    rows = json.loads(RESULTS.read_text())["worst_case"].get("pinned", [])
    return {str(r["function"]): r for r in rows}


@pytest.mark.parametrize("fn", list(S.PINNED))
def test_every_pinned_input_is_documented_and_reproduces(fn):
    documented = _pinned_documented()[fn]
    again = S.pinned(fn)
    assert documented["samples"] == len(S.PINNED[fn]) == again.samples
    assert abs(again.ulp - float(documented["worst ulp"])) <= 1e-3  # deterministic (rounded to 3 places)
    assert again.inputs == documented["worst at"]


def test_the_published_worst_is_never_below_a_pinned_input():
    page = tables.PAGE.read_text().split(tables.WORST_HEADING)[1]
    for fn, row in _pinned_documented().items():
        line = next(x for x in page.splitlines() if x.startswith(f"| `{fn}` | "))
        assert float(line.split("|")[2]) >= float(row["worst ulp"]) - 1e-9, line


def test_a_wrong_kl_bernoulli_is_caught_by_its_pinned_input(monkeypatch):
    bound = float(_pinned_documented()["kl_bernoulli"]["worst ulp"])
    real = D.kl_bernoulli
    monkeypatch.setattr(D, "kl_bernoulli", lambda p, q: real(p, q) * (1 + 1e-13))
    assert S.pinned("kl_bernoulli").ulp > bound + 100


def test_pinned_refuses_an_unknown_function():
    with pytest.raises(ValueError, match="fn: expected one of the functions of PINNED"):
        S.pinned("kl_gamma")


@pytest.mark.parametrize("fn", list(S.PINNED))
def test_a_function_off_by_1e_minus_13_is_caught_by_its_pinned_inputs(fn, monkeypatch):
    real = getattr(D, fn)
    monkeypatch.setattr(D, fn, lambda *args, **kwargs: real(*args, **kwargs) * (1 + 1e-13))
    assert S.pinned(fn).ulp > 100  # a relative error of 1e−13 is ≥ 450 ulp; every published worst is < 20
