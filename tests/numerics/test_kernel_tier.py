"""The rent-or-buy switch from the NumPy forms to the compiled kernels (numerics._kernel_tier):
a fresh process answers every family by the NumPy forms without importing numba, with the
compiled kernels' bits; the kernels are loaded once the NumPy forms have spent the loading time
(or at once / never, as ``NUMERICS_KERNELS`` says); nested calls are metered once."""

from __future__ import annotations

import sys

import pytest

from numerics import _kernel_tier as T
from tests.numerics.fresh_process import run_json

#: inputs the way users pass them, with the compiled paths' rare routes: categorical rows of
#: several widths with a zero, an underflowing ratio and tiny totals (rescaled rows), rows to be
#: normalised, nearly proportional rows with different totals (the exact route), Bernoulli
#: probabilities with 0 and 1, Normal parameters over the float range (ratio and μ₁ − μ₂ overflow),
#: a scalar prior.
_INPUTS = """
import numpy as np
rng = np.random.default_rng(2026)
cases = {}
for k in (2, 10, 40):
    p = rng.dirichlet(np.ones(k) * 0.5, size=3000)
    q = rng.dirichlet(np.ones(k), size=3000)
    p[0] = q[0]
    p[1, 0], q[1, 0] = 0.0, 1e-3
    p[2, 0], q[2, 0] = 1e-320, 1e-5
    p[:3] /= p[:3].sum(-1, keepdims=True)
    q[:3] /= q[:3].sum(-1, keepdims=True)
    q[3] = p[3] * (1 + 1e-9 * rng.normal(size=k))
    q[3] /= q[3].sum()
    cases[f"kl_categorical {k}"] = lambda p=p, q=q: D.kl_categorical(p, q)
    cases[f"kl_categorical normalize {k}"] = lambda p=p, q=q: D.kl_categorical(
        p[:50] * 1e-300, q[:50] * 3.0 + 1e-12, normalize=True)
    cases[f"kl_categorical proportional {k}"] = lambda p=p: D.kl_categorical(
        p[:20], p[:20] * 1.5, normalize=True)
    cases[f"jsd_categorical {k}"] = lambda p=p, q=q: D.jsd_categorical(p, q)
    cases[f"cross_entropy_categorical {k}"] = lambda p=p, q=q: D.cross_entropy_categorical(p, q)
x, y = rng.uniform(size=5000), rng.uniform(size=5000)
x[:4], y[:4] = [0.0, 1.0, 0.5, 1e-300], [0.5, 0.5, 0.5 + 1e-16, 1e-290]
cases["kl_bernoulli"] = lambda: D.kl_bernoulli(x, y)
cases["jsd_bernoulli"] = lambda: D.jsd_bernoulli(x, y)
n = 70000
m1, m2 = rng.normal(size=n) * 3, rng.normal(size=n) * 3
s1, s2 = np.exp(rng.normal(size=n) * 3), np.exp(rng.normal(size=n) * 3)
s1[:3], s2[:3] = [1e-300, 1e300, 1.0], [1e300, 1e-300, 1.0 + 2**-52]
m1[3], m2[3] = 1.5e308, -1.5e308
cases["kl_normal"] = lambda: D.kl_normal(m1, s1, m2, s2)
cases["kl_normal scalar prior"] = lambda: D.kl_normal(m1, s1, 0.0, 1.0)
cases["kl_normal_diag"] = lambda: D.kl_normal_diag(m1.reshape(-1, 7), s1.reshape(-1, 7), m2[:7], 2.0)
# p/q overflows and NumPy's log(p) is an ulp off libm's: log p − log q as the compiled code takes it
edge = float.fromhex("0x1.5c9571f87edeep-1")
cases["kl_categorical overflowing ratio"] = lambda: D.kl_categorical([edge, 1 - edge], [5e-324, 1.0])
for k in (2, 10, 200):
    la, lb = rng.normal(size=(3000, k)) * 4, rng.normal(size=(3000, k)) * 4
    la[:50, 0], lb[:50, 0] = -np.inf, -np.inf  # masked in both
    la[50:100, 0], lb[50:100, 0] = -1e12, -1e12  # a large negative number as the mask
    lb[100:150] = la[100:150] + 3.0  # equal up to a constant: exactly 0
    lb[150:200] = la[150:200] + 1e-9 * rng.normal(size=(50, k))  # near-equal rows
    cases[f"kl_categorical_logits {k}"] = lambda la=la, lb=lb: D.kl_categorical_logits(la, lb)
for d in (1, 3, 8):
    a1, a2 = rng.normal(size=(400, d, d)), rng.normal(size=(400, d, d))
    c1 = a1 @ np.swapaxes(a1, -1, -2) + d * np.eye(d)
    c2 = a2 @ np.swapaxes(a2, -1, -2) + d * np.eye(d)
    c2[:100] = c1[:100] * (1 + 1e-9)  # nearly equal: the series of x − log(1 + x)
    c1[100:110] *= 1e200  # far apart in scale
    mu = rng.normal(size=(400, d))
    cases[f"kl_mvn {d}"] = lambda c1=c1, c2=c2, mu=mu: D.kl_mvn(mu, c1, mu[::-1].copy(), c2)
for scale in (1.0, 3.0, 30.0):
    la, lb = rng.normal(size=30000) * scale, rng.normal(size=30000) * scale
    la[:6], lb[:6] = [0.0, 699.9, -699.9, 1e-300, 40.0, 2.5], [0.0, -699.9, 699.9, 0.0, -40.0, 2.5 + 1e-12]
    cases[f"kl_bernoulli_logits {scale}"] = lambda la=la, lb=lb: D.kl_bernoulli_logits(la, lb)
"""

_FRESH = (
    "import hashlib, json, sys\nfrom numerics import divergences as D\n" + _INPUTS
    + "out = {name: hashlib.sha256(np.ascontiguousarray(f()).tobytes()).hexdigest()\n"
    "       for name, f in cases.items()}\n"
    "out['numba loaded'] = 'numba' in sys.modules\n"
    "print(json.dumps(out))\n"
)


def test_a_fresh_process_answers_every_family_without_numba_with_the_compiled_bits():
    fresh = run_json(_FRESH, NUMERICS_KERNELS="numpy")  # (auto could load them once 0.3 s are spent)
    assert fresh.pop("numba loaded") is False
    compiled = run_json(_FRESH, NUMERICS_KERNELS="compiled")
    assert compiled.pop("numba loaded") is True
    assert fresh == compiled
    assert len(fresh) == 30


def test_the_kernels_load_once_the_numpy_forms_have_spent_the_loading_time():
    code = (
        "import json, sys\nimport numpy as np\nfrom numerics import _kernel_tier as T, divergences as D\n"
        "p = np.full((10, 4), 0.25)\nseen = []\n"
        "D.kl_categorical(p, p); seen.append('numerics._jit' in sys.modules)\n"
        "spent = T.spent_seconds()\n"
        "T._spent[0] = T.LOAD_SECONDS - 1e-9\n"
        "D.kl_categorical(p, p); seen.append('numerics._jit' in sys.modules)\n"
        "D.kl_categorical(p, p); seen.append('numerics._jit' in sys.modules)\n"
        "print(json.dumps({'seen': seen, 'spent': spent}))\n"
    )
    got = run_json(code)
    assert got["seen"] == [False, False, True]  # the call that crosses the budget is still rented
    assert 0.0 < float(got["spent"]) < T.LOAD_SECONDS
    never = run_json(code, NUMERICS_KERNELS="numpy")
    assert never["seen"] == [False, False, False]
    at_once = run_json(code, NUMERICS_KERNELS="compiled")
    assert at_once["seen"] == [True, True, True]


def test_a_bad_setting_is_named(monkeypatch):
    monkeypatch.setenv("NUMERICS_KERNELS", "fast")
    with pytest.raises(ValueError, match="NUMERICS_KERNELS: expected one of auto, compiled, numpy"):
        T.mode()


def test_nested_metered_calls_are_charged_once(monkeypatch):
    monkeypatch.delitem(sys.modules, T.COMPILED, raising=False)
    monkeypatch.setenv("NUMERICS_KERNELS", "numpy")
    ticks = iter(range(100))
    monkeypatch.setattr(T.time, "perf_counter", lambda: float(next(ticks)))
    monkeypatch.setattr(T, "_spent", [0.0])

    @T.metered
    def inner() -> int:
        return 1

    @T.metered
    def outer() -> int:
        return inner() + inner()

    assert outer() == 2
    assert T.spent_seconds() == 1.0  # one start and one stop reading: the outer call only


def test_threads_calling_while_the_kernels_load_get_the_same_bits():
    code = (
        "import hashlib, json, sys, threading\nimport numpy as np\n"
        "from numerics import _kernel_tier as T, divergences as D\n"
        "T.LOAD_SECONDS = 0.02  # the switch happens while the threads run\n"
        "rng = np.random.default_rng(3)\n"
        "p, q = rng.dirichlet(np.ones(10), 2000), rng.dirichlet(np.ones(10), 2000)\n"
        "m, s = rng.normal(size=20000), np.exp(rng.normal(size=20000))\n"
        "a, b = rng.normal(size=(2000, 10)) * 3, rng.normal(size=(2000, 10)) * 3\n"
        "calls = [lambda: D.kl_categorical(p, q), lambda: D.kl_normal(m, s, m[::-1].copy(), 1.5),\n"
        "         lambda: D.kl_categorical_logits(a, b),\n"
        "         lambda: D.kl_bernoulli_logits(a.ravel(), b.ravel())]\n"
        "seen, errors = set(), []\n"
        "def work(k):\n"
        "    try:\n"
        "        for i in range(40):\n"
        "            f = calls[(i + k) % len(calls)]\n"
        "            digest = hashlib.sha256(np.asarray(f()).tobytes()).hexdigest()\n"
        "            seen.add(((i + k) % len(calls), digest))\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(json.dumps({'errors': errors, 'loaded': 'numerics._jit' in sys.modules,\n"
        "                  'spent': T.spent_seconds(),\n"
        "                  'hashes': sorted(h for _, h in seen), 'calls': sorted({i for i, _ in seen})}))\n"
    )
    got = run_json(code)
    assert got["errors"] == [] and got["loaded"] is True
    assert got["spent"] >= 0.02  # some calls were computed by the NumPy forms, the rest compiled
    assert got["calls"] == [0, 1, 2, 3]
    assert len(got["hashes"]) == 4  # one result per call, whichever tier computed it
