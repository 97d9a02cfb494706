"""The compiled divergences work where their compile cache cannot be written (a package installed
read-only, no writable home, ``NUMBA_CACHE_DIR`` unwritable): one RuntimeWarning, never an
error, and results bit-identical to a normal run; a cache built beforehand and shipped read-only
is loaded, not ignored. Each case runs in a fresh process on a copy of the package whose
``__pycache__`` cannot be created (a file stands in its place: this works as root too, where
permission bits do not stop writes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import numerics

ROOT = Path(numerics.__file__).resolve().parent.parent

# computes a little of every compiled family and prints the results as exact hex floats, the
# warnings raised, and the cache statistics of the kernels used
_PROBE = r"""
import builtins, json, os, sys, tempfile, warnings
ro = os.environ.get("READ_ONLY_DIR")
if ro:  # writes under ro fail, as on a read-only file system (root ignores permission bits)
    ro = os.path.abspath(ro)
    real_open, real_tf = builtins.open, tempfile.TemporaryFile
    def guarded_open(file, mode="r", *a, **k):
        if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+") \
                and os.path.abspath(os.fsdecode(file)).startswith(ro):
            raise PermissionError(13, "Read-only file system", os.fsdecode(file))
        return real_open(file, mode, *a, **k)
    def guarded_tf(*a, dir=None, **k):
        if dir is not None and os.path.abspath(dir).startswith(ro):
            raise PermissionError(13, "Read-only file system", dir)
        return real_tf(*a, dir=dir, **k)
    builtins.open, tempfile.TemporaryFile = guarded_open, guarded_tf
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    import numpy as np
    from numerics import divergences as D
    rng = np.random.default_rng(5)
    p, q = rng.dirichlet(np.ones(6), 50), rng.dirichlet(np.ones(6), 50)
    m1, m2 = rng.normal(size=40), rng.normal(size=40)
    s1, s2 = np.exp(rng.normal(size=40)), np.exp(rng.normal(size=40))
    a = rng.normal(size=(3, 4, 4)); c1 = a @ a.transpose(0, 2, 1) + 4 * np.eye(4)
    values = [D.kl_categorical(p, q), D.kl_normal(m1, s1, m2, s2), D.kl_bernoulli(p[:, 0], q[:, 0]),
              D.kl_mvn(m1[:12].reshape(3, 4), c1, m2[:12].reshape(3, 4), c1[::-1].copy()),
              D.kl_categorical_logits(np.log(p), np.log(q)), D.kl_bernoulli_logits(m1, m2)]
from numerics import _jit as J
out = {
    "values": [[float(x).hex() for x in np.ravel(v)] for v in values],
    "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    "hits": sum(sum(f.stats.cache_hits.values()) for f in (J.normal_terms, J.kl_terms, J.kl_mvn_batch)),
    "misses": sum(sum(f.stats.cache_misses.values()) for f in (J.normal_terms, J.kl_terms, J.kl_mvn_batch)),
    "paths": sorted({str(f.stats.cache_path) for f in (J.normal_terms, J.kl_terms, J.kl_mvn_batch)}),
}
assert D.__file__.startswith(os.environ["PYTHONPATH"].split(os.pathsep)[0]), D.__file__
print(json.dumps(out))
"""


def _package_copy(tmp: Path) -> Path:
    """A copy of ``numerics`` whose ``__pycache__`` is a file, so nothing can be cached in it."""
    dest = tmp / "site" / "numerics"
    shutil.copytree(ROOT / "numerics", dest, ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "__pycache__").write_text("not a directory\n")
    return dest.parent


def _run(site: Path, tmp: Path, cache_dir: Path, read_only: Path | None = None) -> dict[str, object]:
    blocked = tmp / "blocked"  # a file: nothing can be created below it
    blocked.write_text("")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "NUMBA_CACHE_DIR": str(cache_dir),
        "HOME": str(blocked / "home"),
        "XDG_CACHE_HOME": str(blocked / "cache"),
        "NUMERICS_THREADS": "1",
        "NUMERICS_KERNELS": "compiled",  # the compiled kernels from the first call (no NumPy forms first)
    }
    env.pop("READ_ONLY_DIR", None)
    if read_only is not None:
        env["READ_ONLY_DIR"] = str(read_only)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, cwd=tmp, capture_output=True, text=True, timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    tmp = tmp_path_factory.mktemp("compile_cache")
    site = _package_copy(tmp)
    nowhere = tmp / "blocked" / "numba"  # under a file: cannot be created
    prebuilt = tmp / "prebuilt"
    out = {"unwritable": _run(site, tmp, nowhere), "building": _run(site, tmp, prebuilt)}
    listing = sorted(p.name for p in prebuilt.rglob("*"))
    if os.geteuid() != 0:
        for path in [prebuilt, *prebuilt.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
    out["read_only"] = _run(site, tmp, prebuilt, read_only=prebuilt)
    out["read_only"]["unchanged"] = sorted(p.name for p in prebuilt.rglob("*")) == listing
    out["read_only"]["files"] = len(listing)
    return out


def test_no_writable_cache_compiles_in_memory_with_one_warning(runs):
    unwritable = runs["unwritable"]
    assert unwritable["hits"] == 0, unwritable["paths"]
    cache_warnings = [w for w in unwritable["warnings"] if "compile" in w]
    assert len(cache_warnings) == 1, unwritable["warnings"]
    assert cache_warnings[0].startswith("RuntimeWarning") and "in memory" in cache_warnings[0]


def test_results_are_bit_identical_with_and_without_a_cache(runs):
    assert runs["unwritable"]["values"] == runs["building"]["values"] == runs["read_only"]["values"]
    assert not [w for w in runs["building"]["warnings"] if "compile" in w]


def test_a_read_only_prebuilt_cache_is_loaded(runs):
    read_only = runs["read_only"]
    assert read_only["files"] > 0  # the building run wrote a cache there
    assert read_only["hits"] > 0 and read_only["misses"] == 0
    assert read_only["unchanged"]
    assert not [w for w in read_only["warnings"] if "compile" in w]


def test_a_wrong_cache_variant_would_be_caught(runs):
    # the probe can tell a cache that was used from one that was not: the run that built the
    # cache compiled (misses) and loaded nothing
    assert runs["building"]["hits"] == 0 and runs["building"]["misses"] > 0
