"""Every public divergence answers the same in a process that computes by the NumPy forms as in
one that has the compiled kernels loaded — for inputs the way people pass them (lists, Python
and NumPy scalars, float32 and integer arrays, 0-d arrays, broadcasting, Fortran-ordered and
strided views, empty batches) and for bad inputs (the same ValueError, word for word). The first
calls of every process take the NumPy forms, so this is what a user's first call sees."""

from __future__ import annotations

from tests.numerics.fresh_process import run_json

_CASES = r'''
import json, sys, hashlib
import numpy as np
from numerics import divergences as D
rng = np.random.default_rng(7)
P = rng.dirichlet(np.ones(4), size=6)
Q = rng.dirichlet(np.ones(4), size=6)
M = rng.normal(size=(6, 4))
S = np.exp(rng.normal(size=(6, 4)))
A = rng.normal(size=(5, 3, 3))
C = A @ A.transpose(0, 2, 1) + 3 * np.eye(3)
cases = {
    "kl_categorical lists": lambda: D.kl_categorical([0.2, 0.3, 0.5], [0.1, 0.6, 0.3]),
    "kl_categorical float32": lambda: D.kl_categorical(P.astype(np.float32), Q.astype(np.float32)),
    "kl_categorical fortran": lambda: D.kl_categorical(np.asfortranarray(P), np.asfortranarray(Q)),
    "kl_categorical strided": lambda: D.kl_categorical(P[::2], Q[::2]),
    "kl_categorical broadcast": lambda: D.kl_categorical(P[:1], Q),
    "kl_categorical 3-d": lambda: D.kl_categorical(P.reshape(2, 3, 4), Q.reshape(2, 3, 4)),
    "kl_categorical ints normalised": lambda: D.kl_categorical([1, 2, 3], [3, 2, 1], normalize=True),
    "kl_categorical empty batch": lambda: D.kl_categorical(np.empty((0, 3)), np.empty((0, 3))),
    "kl_categorical zero in q": lambda: D.kl_categorical([0.5, 0.5], [1.0, 0.0]),
    "kl_categorical zero in p": lambda: D.kl_categorical([0.0, 1.0], [0.5, 0.5]),
    "kl_categorical not summing": lambda: D.kl_categorical([0.2, 0.2], [0.5, 0.5]),
    "kl_categorical negative": lambda: D.kl_categorical([1.2, -0.2], [0.5, 0.5]),
    "kl_categorical nan": lambda: D.kl_categorical([np.nan, 1.0], [0.5, 0.5]),
    "kl_categorical shapes": lambda: D.kl_categorical(P, Q[:, :3]),
    "jsd_categorical float32 rows": lambda: D.jsd_categorical(P.astype(np.float32), Q),
    "cross_entropy_categorical lists": lambda: D.cross_entropy_categorical([0.5, 0.5], [0.9, 0.1]),
    "kl_categorical_logits lists": lambda: D.kl_categorical_logits([1.0, 2.0, 3.0], [0.0, 0.0, 0.0]),
    "kl_categorical_logits ints": lambda: D.kl_categorical_logits([1, 2, 3], [3, 2, 1]),
    "kl_categorical_logits float32": lambda: D.kl_categorical_logits(M.astype(np.float32), M[::-1].copy()),
    "kl_categorical_logits masked": lambda: D.kl_categorical_logits([0.0, -np.inf, 1.0], [1.0, -np.inf, 0.0]),
    "kl_categorical_logits mismatch": lambda: D.kl_categorical_logits([0.0, 1.0], [0.0, -np.inf]),
    "kl_categorical_logits broadcast": lambda: D.kl_categorical_logits(M[:1], M),
    "kl_categorical_logits strided": lambda: D.kl_categorical_logits(M[:, ::2], M[:, 1::2]),
    "kl_categorical_logits +inf": lambda: D.kl_categorical_logits([np.inf, 0.0], [0.0, 0.0]),
    "kl_categorical_logits nan": lambda: D.kl_categorical_logits([np.nan, 0.0], [0.0, 0.0]),
    "kl_categorical_logits huge": lambda: D.kl_categorical_logits([1e308, -1e308], [0.0, 0.0]),
    "kl_bernoulli scalars": lambda: D.kl_bernoulli(0.3, 0.7),
    "kl_bernoulli numpy scalars": lambda: D.kl_bernoulli(np.float32(0.3), np.float64(0.7)),
    "kl_bernoulli broadcast": lambda: D.kl_bernoulli(P[:, 0], 0.25),
    "kl_bernoulli edges": lambda: D.kl_bernoulli([0.0, 1.0, 0.5, 1.0], [0.5, 0.5, 0.0, 1.0]),
    "kl_bernoulli outside": lambda: D.kl_bernoulli(1.5, 0.5),
    "jsd_bernoulli lists": lambda: D.jsd_bernoulli([0.1, 0.9], [0.9, 0.1]),
    "kl_bernoulli_logits scalars": lambda: D.kl_bernoulli_logits(0.5, -0.5),
    "kl_bernoulli_logits ints": lambda: D.kl_bernoulli_logits(3, -2),
    "kl_bernoulli_logits 0-d": lambda: D.kl_bernoulli_logits(np.array(2.0), np.array(-1.0)),
    "kl_bernoulli_logits float32": lambda: D.kl_bernoulli_logits(M.astype(np.float32), 0.0),
    "kl_bernoulli_logits fortran": lambda: D.kl_bernoulli_logits(np.asfortranarray(M), M.T.copy().T),
    "kl_bernoulli_logits infinities": lambda: D.kl_bernoulli_logits([np.inf, -np.inf, np.inf, 800.0],
                                                                     [0.0, 0.0, np.inf, -800.0]),
    "kl_bernoulli_logits huge": lambda: D.kl_bernoulli_logits(1e308, -8e307),
    "kl_bernoulli_logits nan": lambda: D.kl_bernoulli_logits([0.0, np.nan], 0.0),
    "kl_bernoulli_logits shapes": lambda: D.kl_bernoulli_logits(np.zeros(3), np.zeros(4)),
    "kl_normal scalars": lambda: D.kl_normal(0.0, 1.0, 1.0, 2.0),
    "kl_normal ints": lambda: D.kl_normal(0, 1, 1, 2),
    "kl_normal numpy scalars": lambda: D.kl_normal(np.float32(0.0), np.float32(1.0), 0.5, 2.0),
    "kl_normal 0-d": lambda: D.kl_normal(np.array(0.0), np.array(1.0), np.array(1.0), np.array(2.0)),
    "kl_normal lists": lambda: D.kl_normal([0.0, 1.0], [1.0, 2.0], [0.5, 0.5], [1.0, 1.0]),
    "kl_normal broadcast": lambda: D.kl_normal(M, S, M[0], 1.5),
    "kl_normal float32": lambda: D.kl_normal(M.astype(np.float32), S.astype(np.float32), 0.0, 1.0),
    "kl_normal strided": lambda: D.kl_normal(M[:, ::2], S[:, ::2], M[:, 1::2], S[:, 1::2]),
    "kl_normal fortran": lambda: D.kl_normal(np.asfortranarray(M), np.asfortranarray(S), 0.0, 1.0),
    "kl_normal empty": lambda: D.kl_normal(np.empty(0), np.empty(0), 0.0, 1.0),
    "kl_normal extreme": lambda: D.kl_normal([1e308, 0.0], [1e-300, 1e300], [-1e308, 0.0], [1e300, 1e-300]),
    "kl_normal zero sigma": lambda: D.kl_normal(0.0, 0.0, 0.0, 1.0),
    "kl_normal negative sigma": lambda: D.kl_normal([0.0, 0.0], [1.0, 1.0], 0.0, [1.0, -1.0]),
    "kl_normal nan": lambda: D.kl_normal(np.nan, 1.0, 0.0, 1.0),
    "kl_normal inf mean": lambda: D.kl_normal(np.inf, 1.0, 0.0, 1.0),
    "kl_normal shapes": lambda: D.kl_normal(np.zeros(3), np.ones(3), np.zeros(4), 1.0),
    "kl_normal_diag vae": lambda: D.kl_normal_diag(M, S, 0.0, 1.0),
    "kl_normal_diag float32": lambda: D.kl_normal_diag(M.astype(np.float32), S.astype(np.float32),
                                                       np.zeros(4), np.ones(4)),
    "kl_normal_diag scalar event": lambda: D.kl_normal_diag(0.0, 1.0, 0.0, 1.0),
    "kl_mvn one": lambda: D.kl_mvn(np.zeros(3), C[0], np.ones(3), C[1]),
    "kl_mvn lists": lambda: D.kl_mvn([0.0, 0.0], [[1.0, 0.2], [0.2, 1.0]],
                                     [1.0, 0.0], [[2.0, 0.0], [0.0, 2.0]]),
    "kl_mvn batch": lambda: D.kl_mvn(rng.normal(size=(5, 3)), C, np.zeros(3), C[::-1]),
    "kl_mvn broadcast": lambda: D.kl_mvn(rng.normal(size=(2, 5, 3)), C, np.zeros(3), np.eye(3)),
    "kl_mvn float32": lambda: D.kl_mvn(np.zeros(3, np.float32), C[0].astype(np.float32), np.ones(3), C[1]),
    "kl_mvn scales": lambda: D.kl_mvn(np.zeros(3), C[0] * 1e200, np.zeros(3), C[1] * 1e-200),
    "kl_mvn singular": lambda: D.kl_mvn([0.0, 0.0], [[2.0, 2.0], [2.0, 2.0]], [0.0, 0.0], np.eye(2)),
    "kl_mvn indefinite": lambda: D.kl_mvn([0.0, 0.0], np.eye(2), [0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]),
    "kl_mvn not symmetric": lambda: D.kl_mvn([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]], [0.0, 0.0], np.eye(2)),
    "kl_mvn dims": lambda: D.kl_mvn(np.zeros(2), np.eye(3), np.zeros(3), np.eye(3)),
}
out = {}
for name, f in cases.items():
    try:
        value = f()
        arr = np.asarray(value)
        out[name] = {"type": type(value).__name__, "dtype": str(arr.dtype), "shape": list(arr.shape),
                     "bits": hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()}
    except Exception as exc:
        out[name] = {"error": type(exc).__name__, "message": str(exc)}
out["numba loaded"] = "numba" in sys.modules
print(json.dumps(out))
'''


def test_the_numpy_forms_answer_strangers_inputs_as_the_compiled_kernels_do():
    forms = run_json(_CASES, NUMERICS_KERNELS="numpy")
    compiled = run_json(_CASES, NUMERICS_KERNELS="compiled")
    assert forms.pop("numba loaded") is False and compiled.pop("numba loaded") is True
    assert set(forms) == set(compiled)
    differ = {name: (forms[name], compiled[name]) for name in forms if forms[name] != compiled[name]}
    assert not differ, differ
    errors = [name for name, got in forms.items() if "error" in got]
    assert all(forms[name]["error"] == "ValueError" for name in errors), errors
    assert len(errors) >= 15  # the bad inputs above are refused (by name), in both tiers
