"""Entropies and cross-entropy from double-double terms (divergences._cross_entropy64,
divergences.entropy_bernoulli): the compiled kernels' bits against the NumPy forms, the former
worst inputs within an ulp, and a wrong variant caught."""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics import _jit as J
from numerics import _kernel_tier as T
from numerics import accuracy_sweep as S
from numerics import divergences as D


def _rows(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of every kind: random, near one-hot, zeros, subnormal entries, K = 1 … 64."""
    rng = np.random.default_rng(seed)
    out_p, out_q = [], []
    for k in (1, 2, 3, 8, 64):
        p = rng.dirichlet(np.ones(k) * rng.choice([0.05, 1.0, 20.0]), size=400)
        q = rng.dirichlet(np.ones(k), size=400)
        if k > 1:
            p[::5, 1:] *= 1e-9  # near one-hot
            q[::7, 1:] *= 1e-12
            p[::11, -1] = 0.0
            q[::13, 0] = 5e-320
        out_p.append(p.reshape(-1))
        out_q.append(q.reshape(-1))
    return np.concatenate(out_p), np.concatenate(out_q)


@pytest.mark.parametrize("k", [1, 2, 8, 17, 64, 1000])
def test_the_cross_entropy_kernel_gives_the_numpy_forms_bits(k, monkeypatch):
    rng = np.random.default_rng(k)
    p = rng.dirichlet(np.ones(k) * 0.3, size=500)
    q = rng.dirichlet(np.ones(k), size=500)
    p[::5, : k // 2] *= 1e-9
    q[::7, k // 2:] *= 1e-300
    p[::11, -1] = 0.0
    compiled = D._cross_entropy64(p, q)
    monkeypatch.setattr(T, "compiled_loaded", lambda: False)
    numpy_form = D._cross_entropy64(p, q)
    assert np.array_equal(compiled.view(np.int64), numpy_form.view(np.int64))
    entropy_numpy = D._entropy64(p)
    monkeypatch.undo()
    assert np.array_equal(D._entropy64(p).view(np.int64), entropy_numpy.view(np.int64))


def test_the_bernoulli_entropy_kernel_gives_the_numpy_forms_bits():
    p, _ = _rows(3)
    p = np.concatenate([p, [0.0, 1.0, 1 - 2**-53, 5e-324, 0.5]])
    got = np.empty_like(p)
    J.entropy_bernoulli(p, got)
    assert np.array_equal(got.view(np.int64), D._entropy_bernoulli_numpy(p).view(np.int64))


@pytest.mark.parametrize(
    "p",
    [[0.8039711579915497, 0.19602884200845042],
     [0.5515752982192714, 0.006683711936700706, 0.024764615646690098, 0.005296327408268062,
      0.36844209672366235, 0.0393702057334332, 0.003249785038782101, 0.0005047249669152445,
      0.00010839543492043066, 4.838905523841486e-06],
     [4.2580028103880987e-178, 1.7051590285878252e-141, 4.804890275929114e-72, 5.95770284749673e-65,
      3.842884601617903e-211],
     [1.0031831313432689] + [1.3829598638362347e-09] * 20],
)
def test_former_worst_entropy_inputs_are_within_an_ulp(p):
    """2.26, 4.22 (search), 2.10 and (pinned, near one-hot) 1.27 ulp before."""
    got, exact, _ = S._categorical_sample("entropy_categorical", np.array(p), np.array(p), True)
    assert S.ulp_spacing_error(got, exact) <= 1.0


@pytest.mark.parametrize(
    ("p", "q"),
    [([0.06418089310311817, 0.9358191068968817], [0.31671054927035236, 0.6832894507296475]),
     ([0.999999917454581, 8.299165038862739e-08], [0.36890691298063566, 0.6313141780303388]),
     ([0.021387466066536683, 0.9450194781569182], [0.594439066145463, 0.40556093316151126]),
     ([0.5939281206124738, 0.3082379696605578, 0.09783390972696851],
      [0.005936667097974882, 0.9939746699250815, 8.866297694356073e-05])],
)
def test_former_worst_cross_entropy_inputs_are_within_an_ulp(p, q):
    """3.43 (sweep), 4.36 (pinned), 4.23 (search) and 2.85 ulp before, as H(p̂) + KL(p̂ ‖ q̂)."""
    got, exact, _ = S._categorical_sample("cross_entropy_categorical", np.array(p), np.array(q), True)
    assert S.ulp_spacing_error(got, exact) <= 1.0


def test_a_wrong_cross_entropy_is_caught():
    """The previous form — H(p̂) and the fast KL(p̂ ‖ q̂) each rounded, then added — misses 2 ulp at
    its sweep's worst input (2.43 ulp), and −Σ p̂ log q̂ with NumPy's log at the search's (2.23);
    this form is within 1 ulp at both."""
    first = (np.array([0.06418089310311817, 0.9358191068968817]),
             np.array([0.31671054927035236, 0.6832894507296475]))
    second = (np.array([0.021387466066536683, 0.9450194781569182]),
              np.array([0.594439066145463, 0.40556093316151126]))
    _, exact, _ = S._categorical_sample("cross_entropy_categorical", *first, False)
    parts = float(D.entropy_categorical(first[0])) + float(D.kl_categorical(*first))
    assert S.ulp_spacing_error(parts, exact) > 2.0
    _, exact2, _ = S._categorical_sample("cross_entropy_categorical", *second, True)
    p, q = (x / x.sum() for x in second)
    assert S.ulp_spacing_error(float(-(p * np.log(q)).sum()), exact2) > 2.0
    for pair, want in ((first, exact), (second, exact2)):
        got = float(D.cross_entropy_categorical(*pair, normalize=True))
        assert S.ulp_spacing_error(got, want) <= 1.0


def test_edges():
    assert D.entropy_categorical([1.0, 0.0]) == 0.0
    assert D.entropy_categorical([0.5, 0.5]) == math.log(2.0)
    assert D.cross_entropy_categorical([1.0, 0.0], [0.0, 1.0]) == math.inf
    assert D.cross_entropy_categorical([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert D.cross_entropy_categorical([0.5, 0.5], [0.5, 0.5]) == math.log(2.0)
    np.testing.assert_array_equal(D.entropy_categorical(np.full((2, 4), 0.25)), [math.log(4.0)] * 2)
