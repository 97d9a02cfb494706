"""Regression tests for what users of the command lines met: ``--help`` texts that cited issue
numbers ("(issue 14)", "issue 5's entry point") and raw Sphinx markup (``:func:``, double
backticks); ``verify kl.nope`` suggesting ``elbo.reconstruction_minus_kl`` and ``kl_fit.*``
instead of the ``kl.*`` claims; ``pytest --claims kl.asymmetry_exists`` and
``assert_claim("kl.asymmetry_exists")`` failing in a fresh process (Hypothesis's 200 ms deadline
exceeded by the first, compiling call)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from derivations.runner.cli import build_parser as verify_parser
from derivations.runner.cli import main as verify_main
from derivations.runner.help_text import plain_help
from derivations.runner.registry import similar_ids

ROOT = Path(__file__).resolve().parents[1]
_BOOKKEEPING = re.compile(r"\bissues? \d+|``|:(?:mod|func|class|meth|data|attr):`")


def _helps(parser: argparse.ArgumentParser) -> list[str]:
    texts = [parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            texts += [sub.format_help() for sub in action.choices.values()]
    return texts


def _parsers() -> dict[str, argparse.ArgumentParser]:
    from derivations.latex.cli import _parser as check_parser
    from numerics.kl_fit import build_parser as kl_fit_parser

    out = {"variational-verify": verify_parser(), "check": check_parser(), "numerics.kl_fit": kl_fit_parser()}
    try:
        from torch_impl.audit.__main__ import build_parser as audit_parser
        from torch_impl.train import build_parser as train_parser
    except ModuleNotFoundError as exc:  # torch is optional
        if exc.name != "torch":
            raise
    else:
        out |= {"torch_impl.audit": audit_parser(), "torch_impl.train": train_parser()}
    return out


@pytest.mark.parametrize("name", sorted(_parsers()))
def test_help_has_no_issue_numbers_or_sphinx_markup(name):
    for text in _helps(_parsers()[name]):
        assert not _BOOKKEEPING.search(text), (name, _BOOKKEEPING.search(text), text)


def test_plain_help_removes_roles_backticks_and_issue_references():
    text = ("Checks every chain (issue 14). Runs on ``--jobs`` workers through "
            ":func:`derivations.runner.executor.run_tasks` — issue 5's entry point.")
    assert plain_help(text) == "Checks every chain. Runs on --jobs workers through run_tasks."
    assert plain_help("Failing loudly (issue 10, item 6): every argument") == "Failing loudly: every argument"


def test_an_unknown_claim_suggests_its_own_topic_first(capsys):
    assert verify_main(["verify", "kl.nope"]) == 2
    err = capsys.readouterr().err
    suggested = re.search(r"similar ids: (.*)", err).group(1).split(", ")
    assert suggested and all(s.startswith("kl.") for s in suggested), err
    assert similar_ids("gausian_kl.univariate")[0] == "gaussian_kl.univariate"  # a typo in the topic


@pytest.fixture
def fresh_dir(tmp_path):
    """An empty directory and an environment importing this checkout, as a user's project would."""
    return tmp_path, dict(os.environ, PYTHONPATH=str(ROOT), HYPOTHESIS_PROFILE="")


def _pytest_claims(where: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    from importlib.metadata import entry_points

    plugin = [] if any(ep.name == "variational_verify" for ep in entry_points(group="pytest11")) else [
        "-p", "derivations.runner.pytest_plugin"]
    return subprocess.run([sys.executable, "-m", "pytest", *plugin, "-p", "no:cacheprovider", "-q", *args],
                          capture_output=True, text=True, cwd=where, env=env, timeout=1200)


def test_asymmetry_claim_passes_under_pytest_in_a_fresh_process(fresh_dir):
    where, env = fresh_dir
    proc = _pytest_claims(where, env, "--claims", "kl.asymmetry_exists")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "DeadlineExceeded" not in proc.stdout


def test_assert_claim_asymmetry_in_a_fresh_process(fresh_dir):
    where, env = fresh_dir
    code = "from derivations.testing import assert_claim; assert_claim('kl.asymmetry_exists'); print('ok')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=where, env=env,
                          timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]


WORKERS = pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "two workers"])


@WORKERS
def test_every_property_claim_passes_under_plain_pytest_claims(fresh_dir, workers):
    """Every claim with Hypothesis evidence (the ones a deadline broke), in a fresh process without
    this project's Hypothesis profile, as a user runs them: all pass, with and without xdist."""
    where, env = fresh_dir
    proc = _pytest_claims(where, env, "--claims", "-m", "property", *workers)
    tail = proc.stdout[-5000:] + proc.stderr[-3000:]
    assert proc.returncode == 0 and "DeadlineExceeded" not in proc.stdout, tail
    assert re.search(r"\b\d+ passed", proc.stdout), tail


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("VV_EVERY_CLAIM_UNDER_PYTEST") != "1",
                    reason="every claim under pytest: 1.3-2 min per run on 2 free cores, 5-7 min on a loaded "
                           "machine (set VV_EVERY_CLAIM_UNDER_PYTEST=1); make report runs every claim in CI")
@WORKERS
def test_every_claim_passes_under_plain_pytest_claims(fresh_dir, workers):
    """Every claim, in a fresh process, as a user runs them: all pass (skips only for a missing
    optional dependency), with and without pytest-xdist. On a loaded machine a time bound can be
    hit (an *undecided* verdict, a failure): run it where the cores are free."""
    where, env = fresh_dir
    proc = _pytest_claims(where, env, "--claims", *workers)
    tail = proc.stdout[-5000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, tail
    assert " passed" in proc.stdout and "failed" not in proc.stdout.splitlines()[-1], tail
