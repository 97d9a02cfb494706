"""The report runner fails loudly and loses nothing: error/skipped verdicts, exit codes,
atomic report writes, JUnit and Markdown formats, the executor, the CLI."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from derivations.checker.verdicts import Evidence, Verdict
from derivations.runner import cli, registry
from derivations.runner import report as R
from derivations.runner.executor import run_tasks
from derivations.runner.registry import Claim, evidence, register, run_evidence
from derivations.runner.report_io import atomic_write_json, check_writable, write_all
from tests.derivations.no_torch import NO_TORCH

ROOT = Path(__file__).resolve().parents[2]
FAST = "kl.self_zero"  # a symbolic claim that takes ~0.1 s


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, *args], capture_output=True, env=_env(**env), cwd=ROOT,
                          timeout=120)


@pytest.fixture
def temp_claims():
    """Register throw-away claims; remove them afterwards."""
    added: list[str] = []

    def add(claim: Claim, **fns) -> Claim:
        register(claim)
        added.append(claim.id)
        for method, fn in fns.items():
            evidence(claim.id, method)(fn)
        return claim

    yield add
    for claim_id in added:
        registry._CLAIMS.pop(claim_id, None)


# ------------------------------------------------------------------------------------ verdicts


def _boom() -> Evidence:
    raise np_linalg_error()


def np_linalg_error() -> Exception:
    import numpy as np

    return np.linalg.LinAlgError("Singular matrix")


def test_an_evidence_function_that_raises_is_an_error_verdict_and_the_run_goes_on(temp_claims):
    temp_claims(Claim("tmp.raises", "s", "l", "src"), symbolic=_boom)
    results = R.run_claims(["tmp.raises", FAST])
    by_id = {r.claim.id: r for r in results}
    bad, good = by_id["tmp.raises"], by_id[FAST]
    (ev,) = bad.evidence
    assert ev.verdict is Verdict.ERROR and bad.outcome == "error" and not bad.ok
    assert "LinAlgError" in ev.detail and "Singular matrix" in ev.extra["traceback"]
    assert good.ok
    data = {c["id"]: c for c in json.loads(R.to_json(results, 1.0))["claims"]}
    assert data["tmp.raises"]["evidence"][0]["verdict"] == "error"
    assert "Traceback" in data["tmp.raises"]["evidence"][0]["extra"]["traceback"]


def test_error_and_skipped_outcomes():
    toolkit = Claim("t.x", "s", "l", "src")
    skipped = R.ClaimResult(toolkit, [Evidence("torch", Verdict.SKIPPED, "torch not installed")])
    assert skipped.ok and skipped.outcome == "skipped" and "torch not installed" in skipped.status
    mixed = R.ClaimResult(toolkit, [Evidence("symbolic", Verdict.PROVED, "d"),
                                    Evidence("torch", Verdict.SKIPPED, "torch not installed")])
    assert mixed.ok and mixed.outcome == "supported"
    err = R.ClaimResult(toolkit, [Evidence("symbolic", Verdict.PROVED, "d"),
                                  Evidence("numeric", Verdict.ERROR, "boom")])
    assert not err.ok and err.outcome == "error"
    audit = Claim("a.x", "s", "l", "src", kind="seed_audit", expected=Verdict.REFUTED)
    assert not R.ClaimResult(audit, [Evidence("symbolic", Verdict.ERROR, "boom")]).ok


def test_time_bound_is_undecided(temp_claims):
    import time

    def slow() -> Evidence:
        time.sleep(5)
        return Evidence("symbolic", Verdict.PROVED, "never")

    claim = temp_claims(Claim("tmp.slow", "s", "l", "src", time_bound_s=0.2), symbolic=slow)
    assert run_evidence(claim, "symbolic").verdict is Verdict.UNDECIDED


def test_without_torch_the_torch_claims_are_listed_as_skipped():
    code = (
        NO_TORCH
        + "from derivations.runner.cli import main\n"
        "sys.exit(main(['verify', 'vae.gradients_reach_encoder', '--json', '-', '-q']))\n"
    )
    out = _run(["-c", code])
    assert out.returncode == 0, out.stderr.decode()
    data = json.loads(out.stdout.decode("utf-8"))
    (claim,) = data["claims"]
    assert claim["outcome"] == "skipped" and claim["status"] == "skipped (torch not installed)"
    assert claim["evidence"][0]["verdict"] == "skipped"


def test_the_torch_claim_list_matches_what_torch_impl_attaches():
    pytest.importorskip("torch")
    from torch_impl.claims import TORCH_EVIDENCE_IDS, TORCH_ONLY_CLAIMS

    with_torch = {c.id for c in registry.all_claims() if "torch" in c.evidence_fns}
    assert with_torch == set(TORCH_EVIDENCE_IDS)
    for claim in TORCH_ONLY_CLAIMS:  # registered torch-free; torch evidence attached when it imports
        assert "torch" in registry.get_claim(claim.id).evidence_fns


@pytest.mark.parametrize("broken", ["scipy", "torch_impl.evidence"])
def test_any_other_import_error_fails_the_run_with_exit_3(broken):
    code = (
        f"import sys; sys.modules[{broken!r}] = None\n"
        "from derivations.runner.cli import main\n"
        "sys.exit(main(['verify', 'kl.self_zero']))\n"
    )
    out = _run(["-c", code])
    assert out.returncode == 3, (out.stdout, out.stderr)
    assert b"internal failure" in out.stderr and broken.encode() in out.stderr


def test_properties_are_checked_under_python_O():
    # only numerics.properties (NumPy) is imported: byte-compiling SymPy for -O would take minutes
    code = (
        "import numpy as np\n"
        "try:\n"
        "    assert False\n"
        "except AssertionError:\n"
        "    raise SystemExit('asserts are on: not running under -O')\n"
        "from numerics import properties\n"
        "properties.kl_categorical = lambda p, q, **kw: -1.0  # a forced KL of -1\n"
        "try:\n"
        "    properties.prop_kl_nonnegative((np.array([0.5, 0.5]), np.array([0.5, 0.5])))\n"
        "except properties.PropertyFailure as exc:\n"
        "    print('refuted', exc.args[0][0].tolist())\n"
    )
    out = _run(["-O", "-c", code])
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().strip() == "refuted [0.5, 0.5]"


def test_run_property_refutes_a_forced_negative_kl(monkeypatch):
    import numpy as np
    from hypothesis import strategies as st

    from numerics import properties
    from numerics.evidence import _property as nev

    monkeypatch.setattr(properties, "kl_categorical", lambda p, q, **kw: -1.0)
    one = st.just(((np.array([0.5, 0.5]), np.array([0.25, 0.75])),))  # nothing to shrink: fast
    ev = nev.run_property(one, properties.prop_kl_nonnegative, examples=5)
    assert ev.verdict is Verdict.REFUTED and ev.counterexample

    def raises(pair):
        raise ZeroDivisionError("not a property failure")

    with pytest.raises(ZeroDivisionError):  # → an *error* verdict in run_evidence, never "refuted"
        nev.run_property(one, raises, examples=5)


# ---------------------------------------------------------------------------------- exit codes


def test_unwritable_output_fails_before_any_claim_runs(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    ran: list[str] = []
    monkeypatch.setattr(R, "run_evidence", lambda c, m: ran.append(c.id))
    assert cli.main(["verify", FAST, "--json", str(blocker / "claims.json")]) == R.EXIT_USAGE
    assert cli.main(["verify", FAST, "--markdown", str(tmp_path)]) == R.EXIT_USAGE
    assert ran == []


def test_unwritable_output_exit_2_from_the_command_line(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    out = _run(["-m", "derivations", "verify", "--json", str(blocker / "c.json")])
    assert out.returncode == 2 and b"json" in out.stderr and b"cannot" in out.stderr


def test_cli_usage_errors_are_exit_2(capsys):
    assert cli.main(["verify", "no.such"]) == 2
    assert "unknown claim 'no.such'" in capsys.readouterr().err
    assert cli.main(["verify", "kl.pinsker", "--method", "torch"]) == 2
    err = capsys.readouterr().err
    assert "'kl.pinsker'" in err and "its methods: symbolic, property" in err
    with pytest.raises(SystemExit) as exc:
        cli.main(["verify", "--jobs", "0"])
    assert exc.value.code == 2
    assert cli.main(["verify", FAST, "--json", "-", "--junit", "-"]) == 2


def test_cli_version_globs_and_prefixes(capsys):
    from derivations import __version__

    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0 and __version__ in capsys.readouterr().out
    assert [c.id for c in registry.resolve_ids(["kl.*"])] == [
        c.id for c in registry.all_claims() if c.id.startswith("kl.")
    ]
    assert registry.resolve_ids(["kl"]) == registry.resolve_ids(["kl.*"])
    assert [c.id for c in registry.resolve_ids(["seed001.steps_1?_*"])] == [
        "seed001.steps_10_15", "seed001.steps_16_19"]
    assert cli.main(["list", "gaussian_kl"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed and all(line.startswith("gaussian_kl.") for line in listed)


def test_a_refuted_chain_prints_the_failing_step_and_its_point(capsys):
    rc = cli.main(["verify", "seed001.steps_16_19", "--method", "symbolic", "-q", "--jobs", "1"])
    assert rc == 0  # the finding is the expected one
    fake = Claim("t.chain", "s", "l", "src")
    ev = Evidence("symbolic", Verdict.REFUTED, "step (19) refuted",
                  counterexample={"step": "(19)", "q[1]": "0.9", "lhs": "-0.9", "rhs": "-1.4"})
    lines = R.failure_lines([R.ClaimResult(fake, [ev])])
    assert lines[0] == "NOT OK: t.chain: NOT SUPPORTED (refuted)"
    assert "step (19) at q[1] = 0.9" in lines[1] and "left side = -0.9, right side = -1.4" in lines[2]


def test_exit_1_when_a_claim_is_refuted(temp_claims, capsys):
    def wrong() -> Evidence:
        return Evidence("symbolic", Verdict.REFUTED, "d", counterexample={"x": "1", "lhs": "0", "rhs": "1"})

    temp_claims(Claim("tmp.wrong", "s", "l", "src"), symbolic=wrong)
    assert cli.main(["verify", "tmp.wrong", "--jobs", "1", "-q"]) == 1
    out = capsys.readouterr().out
    assert "NOT OK: tmp.wrong" in out and "at x = 1" in out


# ----------------------------------------------------------------------------- lose nothing


def test_reports_are_utf8_under_an_ascii_locale(tmp_path):
    code = (  # torch is not needed here: keep the subprocess light
        NO_TORCH
        + "from derivations.runner.cli import main\n"
        f"sys.exit(main(['verify', {FAST!r}, '--jobs', '1', '--json', {str(tmp_path / 'c.json')!r},"
        " '--markdown', '-']))\n"
    )
    out = _run(["-c", code], LC_ALL="C", LANG="C", PYTHONIOENCODING="ascii", PYTHONUTF8="0")
    assert out.returncode == 0, out.stderr.decode()
    assert "KL(q ‖ q)" in out.stdout.decode("utf-8")
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert data["claims"][0]["id"] == FAST
    assert not list(tmp_path.glob(".*"))  # no temporaries left


def test_a_failed_write_leaves_the_previous_set_untouched(tmp_path, monkeypatch):
    a, b = tmp_path / "a.json", tmp_path / "b.md"
    write_all([(a, "old a"), (b, "old b")])
    import derivations.runner.report_io as io

    real = io._write_temp
    calls = []

    def failing(target, text):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(target, text)

    monkeypatch.setattr(io, "_write_temp", failing)
    with pytest.raises(OSError, match="No space"):
        write_all([(a, "new a"), (b, "new b")])
    assert a.read_text() == "old a" and b.read_text() == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.md"]


def test_json_with_a_nan_is_refused_and_the_previous_file_kept(tmp_path):
    target = tmp_path / "speed.json"
    atomic_write_json(target, {"ratio": 1.5}, indent=1)
    assert target.read_text(encoding="utf-8") == '{\n "ratio": 1.5\n}\n'
    with pytest.raises(ValueError, match="JSON"):
        atomic_write_json(target, {"ratio": float("nan")})
    assert json.loads(target.read_text(encoding="utf-8")) == {"ratio": 1.5}
    assert [p.name for p in tmp_path.iterdir()] == ["speed.json"]


def test_a_new_file_follows_the_umask_and_an_old_one_keeps_its_mode(tmp_path):
    import stat

    old = os.umask(0o077)
    try:
        write_all([(tmp_path / "new.md", "x")])
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o600
    kept = tmp_path / "kept.md"
    kept.write_text("old")
    kept.chmod(0o640)
    write_all([(kept, "new")])
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() == "new"


def _writer(path: str, tag: int, n: int) -> None:
    payload = json.dumps({"tag": tag, "rows": [{"i": i, "s": "‖" * 50} for i in range(500)]})
    for _ in range(n):
        write_all([(path, payload)])


def test_concurrent_runs_never_produce_invalid_json(tmp_path):
    target = tmp_path / "claims.json"
    write_all([(target, json.dumps({"tag": -1}))])
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(target), k, 25)) for k in range(2)]
    for p in procs:
        p.start()
    reads = 0
    while any(p.is_alive() for p in procs) or reads < 50:
        json.loads(target.read_text(encoding="utf-8"))  # never partial, never interleaved
        reads += 1
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert json.loads(target.read_text(encoding="utf-8"))["tag"] in (0, 1)


def test_check_writable(tmp_path):
    check_writable(tmp_path / "new" / "dir" / "f.json")
    with pytest.raises(ValueError, match=r"junit: .* is a directory"):
        check_writable(tmp_path, "junit")


def test_dash_writes_to_stdout_and_console_goes_to_stderr(capfd):
    assert cli.main(["verify", FAST, "--jobs", "1", "--json", "-"]) == 0
    out, err = capfd.readouterr()
    assert json.loads(out)["claims"][0]["id"] == FAST
    assert "1 claims: 1 supported" in err
    assert not Path("-").exists()


# ---------------------------------------------------------------------------------- formats


def _sample_results() -> list[R.ClaimResult]:
    tk = Claim("t.ok", "s**2 + w**2 = |x|_1 `code` [link](x) <b>", "l", "src_a_b")
    bad = Claim("t.bad", "KL ≥ 0", "l", "src")
    err = Claim("t.err", "e", "l", "src")
    skip = Claim("t.skip", "v", "l", "src")
    audit = Claim("a.audit", "seed step", "l", "src", kind="seed_audit", expected=Verdict.REFUTED)
    return [
        R.ClaimResult(tk, [Evidence("numeric", Verdict.NUMERIC, "x_1 * y_2", error=1e-9, tolerance=1e-8)]),
        R.ClaimResult(bad, [Evidence("symbolic", Verdict.REFUTED, "step (3)",
                                     counterexample={"step": "(3)", "p": "0.5", "lhs": "1", "rhs": "2"})]),
        R.ClaimResult(err, [Evidence("numeric", Verdict.ERROR, "raised ValueError",
                                     extra={"traceback": "Traceback ...\nValueError: x"})]),
        R.ClaimResult(skip, [Evidence("torch", Verdict.SKIPPED, "torch not installed")]),
        R.ClaimResult(audit, [Evidence("symbolic", Verdict.REFUTED, "d", counterexample={"step": "(19)"})]),
    ]


def test_junit_has_the_shape_of_jenkins_junit_10_xsd():
    from datetime import datetime

    text = R.to_junit(_sample_results(), 2.5, run_id="abc", timestamp=datetime(2026, 1, 2, 3, 4, 5))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.split("\n", 1)[1])
    assert root.tag == "testsuites"
    (suite,) = root
    assert suite.tag == "testsuite"
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped", "timestamp", "time")} == {
        "tests": "5", "failures": "1", "errors": "1", "skipped": "1", "timestamp": "2026-01-02T03:04:05",
        "time": "2.500"}
    # xsd order: properties, testcase*, system-out, system-err
    assert [c.tag for c in suite] == ["properties"] + ["testcase"] * 5 + ["system-out", "system-err"]
    cases = {c.get("classname"): c for c in suite.iter("testcase")}
    assert all(c.get("name") and c.get("time") for c in cases.values())
    failure = cases["t.bad"].find("failure")
    assert failure is not None and failure.get("message") == "refuted" and failure.get("type")
    assert '"p": "0.5"' in failure.text and '"lhs": "1"' in failure.text
    error = cases["t.err"].find("error")
    assert error is not None and "ValueError: x" in error.text and error.get("message")
    assert cases["t.skip"].find("skipped").get("message") == "torch not installed"
    assert cases["a.audit"].find("failure") is None  # the expected finding is a pass
    assert root.get("tests") == "5" and root.get("errors") == "1" and root.get("failures") == "1"


def test_markdown_escapes_sympy_text():
    md = R.to_markdown(_sample_results(), 1.0)
    assert "s\\*\\*2 + w\\*\\*2" in md and "s**2" not in md
    assert "\\|x\\|\\_1" in md and "\\`code\\`" in md and "\\[link\\](x)" in md and "\\<b\\>" in md
    assert "x\\_1 \\* y\\_2" in md and "src\\_a\\_b" in md
    row = next(line for line in md.splitlines() if line.startswith("| `t.ok`"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 7  # 6 cells: no cell broken by a '|' from the text
    assert R.md_code("a`b|c") == "``a`b\\|c``"


def test_markdown_is_a_summary_table_and_short_sections_with_no_line_over_200():
    long = Claim("t.long", "a statement " * 40, "l", "ECE 544 PS5 1(d) (seed 004); " * 12)
    ce = {"step": "(7)", **{f"q[{i}]": str(1 / 7 + i) for i in range(40)}, "lhs": "1.5", "rhs": "-2.25"}
    results = [*_sample_results(), R.ClaimResult(long, [
        Evidence("symbolic", Verdict.REFUTED, "the two sides differ " * 60, counterexample=ce),
        Evidence("numeric", Verdict.NUMERIC, "x" * 450, error=1e-9, tolerance=1e-8)])]
    md = R.to_markdown(results, 3.0)
    assert max(len(line) for line in md.splitlines()) <= R.MD_WIDTH
    assert "## Summary" in md and md.count("\n### `") == 6  # one section per claim
    section = md.split("### `t.long`")[1]
    assert "left side = 1.5, right side = -2.25" in section.replace("\n    ", " ")
    assert "whole in the JSON and HTML reports" in section  # the long detail is cut, and says so


def test_json_is_strict():
    res = [R.ClaimResult(Claim("t.inf", "s", "l", "src"),
                         [Evidence("numeric", Verdict.NUMERIC, "d", error=float("inf"), tolerance=1.0)])]
    data = json.loads(R.to_json(res, 1.0), parse_constant=lambda c: pytest.fail(f"bare {c}"))
    assert data["claims"][0]["evidence"][0]["error"] == "inf"


# ---------------------------------------------------------------------------------- executor


def _square(x: int) -> int:
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise RuntimeError("three")
    return x


def test_run_tasks_keeps_input_order_serial_and_in_processes():
    items = list(range(12))
    assert run_tasks(_square, items, jobs=1) == [x * x for x in items]
    assert run_tasks(_square, items, jobs=2, progress=False) == [x * x for x in items]
    assert run_tasks(_square, [], jobs=2) == []
    with pytest.raises(RuntimeError, match="three"):
        run_tasks(_fail_on_three, [1, 2, 3, 4], jobs=2)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"jobs": 0}, "jobs"),
        ({"jobs": 1.5}, "jobs"),
        ({"jobs": True}, "jobs"),
        ({"scheduler": 8786}, "scheduler"),
        ({"scheduler": "localhost"}, "scheduler"),
        ({"scheduler": "tcp://h:1", "jobs": 2}, "jobs"),
        ({"progress": "yes"}, "progress"),
    ],
)
def test_run_tasks_validates_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_tasks(_square, [1], **kwargs)
    with pytest.raises(ValueError, match="items"):
        run_tasks(_square, "abc")  # type: ignore[arg-type]


def test_run_tasks_without_dask_says_to_install_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ValueError, match="dask"):
        run_tasks(_square, [1, 2], scheduler="tcp://127.0.0.1:1")


def test_run_tasks_on_a_dask_cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        assert run_tasks(_square, [3, 1, 2], scheduler=cluster.scheduler_address) == [9, 1, 4]


def test_claims_run_in_worker_processes_give_the_same_verdicts():
    ids = [FAST, "seed001.entropy_definition"]
    serial = R.run_claims(ids, ("symbolic",), jobs=1)
    parallel = R.run_claims(ids, ("symbolic",), jobs=2)
    assert [[e.verdict for e in r.evidence] for r in serial] == [
        [e.verdict for e in r.evidence] for r in parallel]
    assert [r.claim.id for r in parallel] == ids  # registration order
    assert parallel[1].evidence[0].counterexample == serial[1].evidence[0].counterexample


def test_order_tasks_longest_first():
    tasks = [("a", "numeric"), ("b", "symbolic"), ("c", "torch"), ("d", "symbolic")]
    seconds = {"a:numeric": 1.0, "b:symbolic": 9.0, "c:torch": 3.0}
    assert R.order_tasks(tasks, seconds) == [("d", "symbolic"), ("b", "symbolic"), ("c", "torch"),
                                             ("a", "numeric")]


def test_a_missing_optional_dependency_inside_evidence_is_skipped(temp_claims):
    def needs_sklearn() -> Evidence:
        raise ModuleNotFoundError("No module named 'sklearn'", name="sklearn")

    def needs_other() -> Evidence:
        raise ModuleNotFoundError("No module named 'nosuchmodule'", name="nosuchmodule")

    a = temp_claims(Claim("tmp.sk", "s", "l", "src"), numeric=needs_sklearn)
    b = temp_claims(Claim("tmp.other", "s", "l", "src"), numeric=needs_other)
    ev = run_evidence(a, "numeric")
    assert ev.verdict is Verdict.SKIPPED and ev.detail == "scikit-learn not installed: the `train` extra"
    assert run_evidence(b, "numeric").verdict is Verdict.ERROR


def test_a_skipped_reason_names_the_extra_that_installs_the_dependency():
    from derivations.runner.registry import OPTIONAL_DEPENDENCIES, skipped_if_optional

    reasons = {name: dep.missing() for name, dep in OPTIONAL_DEPENDENCIES.items()}
    assert reasons == {
        "torch": "torch not installed",
        "sklearn": "scikit-learn not installed: the `train` extra",
        "matplotlib": "matplotlib not installed: the `plots` extra",
    }
    ev = skipped_if_optional(ModuleNotFoundError("no matplotlib", name="matplotlib"), "numeric")
    assert ev is not None and ev.verdict is Verdict.SKIPPED and ev.detail == reasons["matplotlib"]
    assert skipped_if_optional(ModuleNotFoundError("no scipy", name="scipy"), "numeric") is None


def test_a_claim_whose_latex_is_not_what_its_verifier_checks_is_an_error(temp_claims, monkeypatch):
    """The report compares each claim's LaTeX with the relation its verifier checks."""
    import sympy as sp

    from derivations.claims import statements

    x = sp.Symbol("x", real=True)  # a plain letter in the LaTeX front end is a real symbol
    ok = Evidence("symbolic", Verdict.PROVED, "d")
    temp_claims(Claim("tmp.drift", "s", r"x = 2 x", "src"), symbolic=lambda: ok)
    temp_claims(Claim("tmp.same", "s", r"x = x", "src"), symbolic=lambda: ok)
    monkeypatch.setitem(statements.CHECKED_STATEMENTS, "tmp.drift", lambda: (x, "=", x))
    monkeypatch.setitem(statements.CHECKED_STATEMENTS, "tmp.same", lambda: (x, "=", x))
    by_id = {r.claim.id: r for r in R.run_claims(["tmp.drift", "tmp.same"], statements=True)}
    drift, same = by_id["tmp.drift"], by_id["tmp.same"]
    assert drift.outcome == "error" and not drift.ok
    assert drift.statement_check is not None and drift.statement_check.verdict is Verdict.ERROR
    assert same.ok and same.statement_check is not None and same.statement_check.verdict is Verdict.PROVED
    assert "does NOT state" in R.to_markdown([drift, same], 1.0)
