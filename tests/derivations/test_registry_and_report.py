"""Claim registry, report runner and CLI."""

import json
import subprocess
import sys

import pytest

from derivations import all_claims, get_claim
from derivations.checker.verdicts import Evidence, Verdict
from derivations.runner.registry import Claim
from derivations.runner.report import ClaimResult, run_claims, verify


def test_unknown_claim_id_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown claim 'gaussian_kl\.nope'"):
        get_claim("gaussian_kl.nope")


def test_claim_validation():
    with pytest.raises(ValueError, match="id"):
        Claim("has space", "s", "l", "src")
    with pytest.raises(ValueError, match="expected"):
        Claim("x.y", "s", "l", "src", kind="seed_audit")


def test_evidence_validation():
    with pytest.raises(ValueError, match="error/tolerance"):
        Evidence("numeric", Verdict.NUMERIC, "no error stated")
    with pytest.raises(ValueError, match="counterexample"):
        Evidence("symbolic", Verdict.REFUTED, "no counterexample")


def test_every_claim_has_evidence_and_a_source():
    claims = all_claims()
    assert len(claims) >= 19
    for c in claims:
        assert c.evidence_fns, c.id
        assert c.source and c.statement and c.latex


# Every claim's evidence runs once in CI, in `make report` (which fails on any claim not supported);
# the test suite runs a few fast claims through the pytest plugin (tests/derivations/test_plugin.py).


def test_seed001_finding_shown():
    (res,) = run_claims(["seed001.steps_16_19"])
    (ev,) = res.evidence
    assert ev.verdict is Verdict.REFUTED and res.ok
    assert ev.counterexample["step"] == "(19)"
    steps = {s["label"]: s["verdict"] for s in ev.extra["steps"]}
    assert steps == {"(16)": "proved", "(17)": "proved", "(18)": "proved", "(19)": "refuted"}


def test_runner_fails_on_refuted_toolkit_claim_or_changed_finding():
    toolkit = Claim("t.x", "s", "l", "src")
    bad = ClaimResult(toolkit, [Evidence("symbolic", Verdict.REFUTED, "d", counterexample={"x": "1"})])
    assert not bad.ok
    undecided = ClaimResult(toolkit, [Evidence("symbolic", Verdict.UNDECIDED, "timeout")])
    assert not undecided.ok
    audit = Claim("a.x", "s", "l", "src", kind="seed_audit", expected=Verdict.REFUTED)
    assert not ClaimResult(audit, [Evidence("symbolic", Verdict.PROVED, "d")]).ok


def test_verify_writes_the_three_reports(tmp_path):
    rc = verify(
        ["gaussian_kl.equal_variance", "seed001.steps_16_19"],
        ("symbolic",),
        json_path=tmp_path / "c.json",
        markdown_path=tmp_path / "c.md",
        junit_path=tmp_path / "j.xml",
        quiet=True,
    )
    assert rc == 0
    data = json.loads((tmp_path / "c.json").read_text())
    first = data["claims"][0]
    assert {"id", "statement", "source", "evidence"} <= set(first)
    assert {"method", "verdict", "detail", "seconds"} <= set(first["evidence"][0])
    md = (tmp_path / "c.md").read_text()
    assert "Findings about the seeds" in md and "seed001.steps_16_19" in md
    assert "<testsuite" in (tmp_path / "j.xml").read_text(encoding="utf-8")


def test_cli_list_and_unknown_id():
    out = subprocess.run([sys.executable, "-m", "derivations"], capture_output=True, text=True, check=True)
    assert "gaussian_kl.full_covariance" in out.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "derivations", "verify", "no.such"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "unknown claim" in bad.stderr


def test_import_is_light_and_torch_free():
    """docs/architecture.md: `derivations` imports no numpy-heavy or torch modules at import time (its import
    time is a benchmark matter, not a timed test: standard 6)."""
    code = "import sys, derivations; print(*(m in sys.modules for m in ('torch', 'numpy', 'scipy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def test_warm_ups_run_once_before_forking_and_never_fail_the_run(monkeypatch):
    """Shared set-up (imports, compiled-kernel caches) runs in the
    parent before the workers fork; a failing warm-up is ignored (the evidence reports it)."""
    import pytest

    from derivations.runner import registry
    from derivations.runner import report as R

    with pytest.raises(ValueError, match="method"):
        registry.warm_up("quantum")
    calls: list[str] = []
    monkeypatch.setattr(registry, "_WARM_UPS", {
        "numeric": [lambda: calls.append("numeric"), lambda: 1 / 0],
        "torch": [lambda: calls.append("torch")],
    })
    registry.run_warm_ups({"numeric"})
    assert calls == ["numeric"]
    shared = lambda: calls.append("shared")
    monkeypatch.setattr(registry, "_WARM_UPS", {"numeric": [shared], "property": [shared]})
    registry.run_warm_ups({"numeric", "property"})
    assert calls == ["numeric", "shared"]  # one function serving two methods runs once
    seen: list[set[str]] = []
    monkeypatch.setattr(R, "run_warm_ups", lambda methods: seen.append(set(methods)))
    R.run_claims(["kl.nonnegative"], jobs=1)
    assert seen == []  # serial: nothing to share
    R.run_claims(["kl.nonnegative", "gaussian_kl.univariate"], ("symbolic",), jobs=2)
    assert seen == [{"symbolic"}]


def test_run_warm_ups_names_an_unknown_method():
    import pytest

    from derivations.runner import registry

    with pytest.raises(ValueError, match="methods"):
        registry.run_warm_ups({"statement"})
