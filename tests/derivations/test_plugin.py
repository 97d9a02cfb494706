"""The pytest plugin (``pytest --claims``) and the public assertions of :mod:`derivations.testing`.
Only a few fast claims run here: every claim runs once in CI, in ``make report``."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import sympy as sp

from derivations import Derivation
from derivations.checker.verdicts import Evidence, Verdict
from derivations.runner import registry
from derivations.runner.registry import Claim, evidence, register
from derivations.testing import ClaimAssertionError, assert_claim, assert_derivation
from tests.derivations.no_torch import NO_TORCH

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = NO_TORCH + '''

from derivations.checker.verdicts import Evidence, Verdict
from derivations.runner.registry import Claim, evidence, register

register(Claim("tmp.refuted", "a wrong claim", "l", "src"))
register(Claim("tmp.raises", "an evidence function that raises", "l", "src"))


@evidence("tmp.refuted", "symbolic")
def _refuted():
    return Evidence("symbolic", Verdict.REFUTED, "the sides differ",
                    counterexample={"step": "(2)", "x": "0.5", "lhs": "1", "rhs": "2"})


@evidence("tmp.raises", "numeric")
def _raises():
    raise ZeroDivisionError("inside the evidence")
'''


def _plugin_args() -> list[str]:
    """``-p derivations.runner.pytest_plugin`` unless the installed entry point loads it already."""
    if any(ep.name == "variational_verify" for ep in entry_points(group="pytest11")):
        return []
    return ["-p", "derivations.runner.pytest_plugin"]


@pytest.fixture(scope="module")
def plugin_run(tmp_path_factory):
    """One ``pytest --claims`` run in a fresh directory; returns (process, junit root)."""
    where = tmp_path_factory.mktemp("plugin")
    (where / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ids = ["tmp.*", "kl.self_zero", "seed001.entropy_definition", "vae.iwae_bounds"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *_plugin_args(), "-p", "no:cacheprovider", "--claims", *ids,
         "-m", "not property", "-rA", f"--junitxml={where / 'junit.xml'}"],
        capture_output=True, text=True, cwd=where, env=env, timeout=300,
    )
    return proc, ET.parse(where / "junit.xml").getroot()


def test_plugin_collects_claims_as_items_with_markers(plugin_run):
    proc, junit = plugin_run
    assert proc.returncode == 1, proc.stdout + proc.stderr  # two claims are meant to fail
    by = {c.get("name"): c for c in junit.iter("testcase")}
    assert set(by) == {"kl.self_zero[symbolic]", "kl.self_zero[numeric]",
                       "seed001.entropy_definition[symbolic]", "vae.iwae_bounds[torch]",
                       "vae.iwae_bounds[numeric]", "tmp.refuted[symbolic]", "tmp.raises[numeric]"}
    outcome = lambda case: {c.tag for c in case} & {"failure", "error", "skipped"}
    assert outcome(by["kl.self_zero[symbolic]"]) == set()  # passed
    assert outcome(by["seed001.entropy_definition[symbolic]"]) == set()  # refuted, as expected
    verdict = by["seed001.entropy_definition[symbolic]"].find("properties/property[@name='verdict']")
    assert verdict.get("value") == "refuted"
    assert by["vae.iwae_bounds[torch]"].find("skipped").get("message").endswith("torch not installed")
    failure = by["tmp.refuted[symbolic]"].find("failure")
    assert "counterexample: step (2) at x = 0.5: left side = 1, right side = 2" in failure.text
    assert "ZeroDivisionError: inside the evidence" in by["tmp.raises[numeric]"].find("failure").text
    assert "7 items" in proc.stdout


def test_plugin_unknown_id_is_a_usage_error(tmp_path):
    (tmp_path / "conftest.py").write_text(NO_TORCH, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *_plugin_args(), "-p", "no:cacheprovider", "--claims", "no.such"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )
    assert proc.returncode == 4 and "unknown claim 'no.such'" in proc.stderr


# ---------------------------------------------------------------------------- assertions


def test_assert_claim_passes_and_fails_with_the_step_and_point():
    assert assert_claim("kl.self_zero").ok
    assert assert_claim("seed001.entropy_definition").outcome == "finding"  # expected finding
    register(Claim("tmp.assert_wrong", "s", "l", "src"))
    try:
        @evidence("tmp.assert_wrong", "symbolic")
        def _wrong() -> Evidence:
            return Evidence("symbolic", Verdict.REFUTED, "differ",
                            counterexample={"step": "(3)", "p": "0.25", "lhs": "0.1", "rhs": "0.2"})

        with pytest.raises(ClaimAssertionError) as exc:
            assert_claim("tmp.assert_wrong")
        text = str(exc.value)
        assert "step (3) at p = 0.25: left side = 0.1, right side = 0.2" in text
    finally:
        registry._CLAIMS.pop("tmp.assert_wrong", None)
    with pytest.raises(ValueError, match="unknown claim"):
        assert_claim("no.such")


def test_assert_derivation_names_the_failing_step_point_and_sides():
    x = sp.Symbol("x", positive=True)
    good = Derivation(sp.log(x**2), title="ok").eq(2 * sp.log(x), "log of a power")
    assert assert_derivation(good).verdict is Verdict.PROVED
    wrong = Derivation(sp.log(x**2), title="wrong").eq(2 * sp.log(x), "power", label="(1)").eq(
        sp.log(x), "dropped the 2", label="(2)")
    with pytest.raises(ClaimAssertionError) as exc:
        assert_derivation(wrong)
    text = str(exc.value)
    assert text.startswith("wrong: step (2) refuted (dropped the 2) at x = ")
    assert "left side = " in text and "right side = " in text
    with pytest.raises(ValueError, match="derivation"):
        assert_derivation("log(x**2) = 2 log x")  # type: ignore[arg-type]
