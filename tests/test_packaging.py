"""The built wheel works outside the repository: build it, install it into a
fresh virtual environment (no system site-packages, no PYTHONPATH), and run the console script
and the pytest plugin there. Slow (it installs the core dependencies; pip reuses its cache)."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FAST = "kl.self_zero"
TORCH_ONLY = "vae.gradients_reach_encoder"  # torch evidence only: skipped without torch


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=_clean_env(), capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    try:
        import setuptools  # noqa: F401

        isolation = ["--no-build-isolation"]  # offline and fast when the build backend is here
    except ModuleNotFoundError:
        isolation = []
    proc = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", str(out), str(ROOT)],
                cwd=out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (whl,) = out.glob("variational_verify-*.whl")
    return whl


def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert not any(t == "benchmarks" or t == "tests" for t in tops)
    assert {"derivations", "numerics", "torch_impl"} <= tops
    assert "derivations/py.typed" in names and "derivations/pytest_plugin.py" in names
    meta_dir = next(t for t in tops if t.endswith(".dist-info"))
    meta = zipfile.ZipFile(wheel).read(f"{meta_dir}/METADATA").decode()
    assert "License-Expression: MIT" in meta and "Classifier: Typing :: Typed" in meta
    assert "Classifier: Framework :: Pytest" in meta and "Classifier: Framework :: Hypothesis" in meta
    assert any(n.endswith("licenses/LICENSE") for n in names)
    eps = zipfile.ZipFile(wheel).read(f"{meta_dir}/entry_points.txt").decode()
    assert "variational-verify = derivations.runner.cli:main" in eps
    assert "variational_verify = derivations.runner.pytest_plugin" in eps
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    core = [r for r in requires if "extra ==" not in r]
    assert sorted(r.split()[1].split(">")[0] for r in core) == [
        "hypothesis", "lark", "latex2mathml", "mpmath", "numba", "numpy", "python-flint", "scipy", "sympy"]


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_a_claim_and_the_plugin(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(env_dir)
    py = env_dir / "bin" / "python"
    work = tmp_path / "elsewhere"  # outside the repository: nothing can come from the source tree
    work.mkdir()
    proc = _run([str(py), "-m", "pip", "install", "-q", f"{wheel}", "pytest"], cwd=work, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cli = env_dir / "bin" / "variational-verify"
    version = _run([str(cli), "--version"], cwd=work)
    assert version.returncode == 0 and "variational-verify 0." in version.stdout
    where = _run([str(py), "-c", "import derivations; print(derivations.__file__)"], cwd=work)
    assert str(env_dir) in where.stdout and str(ROOT) not in where.stdout
    verify = _run([str(cli), "verify", FAST, TORCH_ONLY, "--jobs", "1"], cwd=work)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "1 supported" in verify.stdout and "1 skipped" in verify.stdout  # no torch in this venv
    plugin = _run([str(py), "-m", "pytest", "-p", "no:cacheprovider", "--claims", FAST, TORCH_ONLY,
                   "-rs"], cwd=work)
    assert plugin.returncode == 0, plugin.stdout + plugin.stderr
    # FAST has a symbolic and a numeric item; TORCH_ONLY is skipped
    assert "2 passed, 1 skipped" in plugin.stdout and "torch not installed" in plugin.stdout
