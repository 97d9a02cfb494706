"""Argument checks of the programs: every reproducer of unchecked arguments
for ``numerics.kl_fit``, ``numerics.gan_dual`` and ``numerics.em`` as a regression test — bad
arguments raise ``ValueError`` naming the argument, never a wrong number or NaN."""

import math
import os

import numpy as np
import pytest

from numerics import em, gan_dual, kl_fit

# --------------------------------------------------------------------------- kl_fit


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: kl_fit.reverse_kl(0.0, -1.0), r"^sigma: the standard deviation must be > 0"),  # was −0.148
        (lambda: kl_fit.forward_kl(0.0, 0.0), r"^sigma: the standard deviation must be > 0"),  # was nan
        (lambda: kl_fit.forward_kl(math.nan, 1.0), r"^mu: must be finite"),
        (lambda: kl_fit.reverse_kl(0.0, math.inf), r"^sigma: must be finite"),
        (lambda: kl_fit.forward_kl(None, 1.0), r"^mu: expected a real number"),
        (lambda: kl_fit.forward_kl(1j, 1.0), r"^mu: expected a real number"),
        (lambda: kl_fit.forward_kl(0.0, True), r"^sigma: expected a real number"),
        (lambda: kl_fit.forward_kl_adaptive(0.0, -2.0), r"^sigma:"),
        (lambda: kl_fit.reverse_kl_adaptive(0.0, 0.0), r"^sigma:"),
        (lambda: kl_fit.reverse_kl(0.0, 1e307), r"^mu, sigma: the interval mu ± 40 sigma overflows"),
        (lambda: kl_fit.log_q(0.0, 0.0, -1.0), r"^sigma:"),
        (lambda: kl_fit.log_p([0.0, math.nan]), r"^x: contains NaN"),
        (lambda: kl_fit.log_p([1j]), r"^x: expected real numbers"),
        (lambda: kl_fit.fit_forward((math.nan, 0.0)), r"^start:"),
        (lambda: kl_fit.fit_forward((0.0,)), r"^start: expected a pair"),
        (lambda: kl_fit.fit_reverse_all([]), r"^starts:"),
        (lambda: kl_fit.fit_reverse_all([(0.0, 0.0), (1.0, "a")]), r"^starts\[1\]:"),
        (lambda: kl_fit.fit_reverse_all(merge=0.0), r"^merge: must be > 0"),
    ],
)
def test_kl_fit_rejects_invalid_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_kl_fit_is_exact_far_from_the_target_and_inf_only_on_overflow():
    """Reverse KL integrated around μ in t = x − μ: exact nodes even for |μ| ≫ σ. Far from p's
    component at −1, KL(q ‖ p) = −log σ − ½ − log ⅔ + ½((μ − 1)² + σ²) exactly in float64."""
    for mu, s in ((1e10, 3.0), (1e6, 1e-4), (40.0, 0.5)):
        closed = -math.log(s) - 0.5 - math.log(2 / 3) + 0.5 * ((mu - 1) ** 2 + s**2)
        assert abs(kl_fit.reverse_kl(mu, s) - closed) <= 1e-14 * closed  # was 2e-9 relative at 1e10
    # exact values beyond float64: inf, never 0·inf = NaN
    assert kl_fit.forward_kl(0.0, 1e-300) == math.inf
    assert kl_fit.reverse_kl(0.0, 1e300) == math.inf
    assert kl_fit.reverse_kl(1e300, 1.0) == math.inf
    assert math.isfinite(kl_fit.reverse_kl(0.0, 1e-300))  # ≈ −log σ: 690.2…


def test_kl_fit_cli_help_writes_no_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        kl_fit.main(["--help"])  # wrote "--help.png" before
    assert info.value.code == 0 and "OUT.png" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_kl_fit_cli_rejects_bad_paths_before_fitting(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kl_fit, "fit_forward", lambda *a: pytest.fail("fitted despite a bad path"))
    (tmp_path / "file").write_text("x")
    for argv, message in (
        ([str(tmp_path / "fits.txt")], "needs a figure suffix"),
        ([str(tmp_path / "file" / "fits.png")], "cannot write"),
        (["a.png", "b.png"], "unrecognized arguments"),
    ):
        with pytest.raises(SystemExit) as info:
            kl_fit.main(argv)
        assert info.value.code == 2 and message in capsys.readouterr().err


def test_kl_fit_cli_writes_the_figure_atomically(tmp_path, monkeypatch, capsys):
    fwd = kl_fit.Fit(1 / 3, math.sqrt(17 / 9), 0.1, True)
    monkeypatch.setattr(kl_fit, "fit_forward", lambda *a: fwd)
    monkeypatch.setattr(kl_fit, "fit_reverse_all", lambda *a, **k: [kl_fit.Fit(0.9, 1.0, 0.2, True)])
    out = tmp_path / "sub" / "fits.png"
    out.parent.mkdir()
    out.write_bytes(b"previous")
    assert kl_fit.main([str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG" and os.listdir(out.parent) == ["fits.png"]
    assert "figure:" in capsys.readouterr().out
    with pytest.raises(ValueError, match=r"^path:"):
        kl_fit.plot_fits(tmp_path / "no_suffix", fwd, [])
    with pytest.raises(ValueError, match=r"^forward:"):
        kl_fit.plot_fits(out, None, [])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- gan_dual

PROB = gan_dual.example_problem(n_data=3, n_generated=2)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: gan_dual.conjugate(math.nan), r"^lam: contains NaN"),  # was 0.0
        (lambda: gan_dual.conjugate(None), r"^lam: expected real numbers, got None"),  # was 0.0
        (lambda: gan_dual.conjugate([-0.5, math.inf]), r"^lam: contains NaN or inf"),
        (lambda: gan_dual.conjugate("x"), r"^lam: expected real numbers"),
        (lambda: gan_dual.conjugate([-0.5j]), r"^lam: expected real numbers"),
        (lambda: gan_dual.conjugate([0.1]), r"^lam: the dual function is −∞ outside \[−1, 0\]"),
        (lambda: gan_dual.Problem.create(np.zeros((2, 2)), np.zeros((2, 2)), 0.0), r"^c: the dual needs"),
        (lambda: gan_dual.Problem.create(np.zeros((2, 2)), np.zeros((2, 2)), -1.0), r"^c:"),
        (lambda: gan_dual.Problem.create(np.zeros((2, 2)), np.zeros((2, 2)), math.inf), r"^c:"),
        (lambda: gan_dual.Problem.create(np.zeros((2, 2)), np.zeros((2, 2)), None), r"^c: expected a real"),
        (lambda: gan_dual.Problem.create(np.zeros((2, 2)), np.zeros((2, 2)), True), r"^c: expected a real"),
        (lambda: gan_dual.Problem.create([[1j, 0.0]], [[0.0, 0.0]], 1.0), r"^data: expected real numbers"),
        (lambda: gan_dual.Problem.create([[math.nan, 0.0]], [[0.0, 0.0]], 1.0), r"^data: contains NaN"),
        (lambda: gan_dual.Problem.create(np.zeros((2, 2)), np.zeros((0, 2)), 1.0), r"^generated: expected"),
        (lambda: gan_dual.Problem.create(np.zeros((2, 2, 2)), np.zeros((2, 2)), 1.0), r"^data: expected"),
        (lambda: gan_dual.Problem(np.zeros((2, 2)), np.zeros((2, 3)), 1.0), r"^data, generated: dimension"),
        (lambda: gan_dual.primal_objective(PROB, np.zeros(3)), r"^w: expected shape \(2,\)"),
        (lambda: gan_dual.primal_objective(PROB, [math.nan, 0.0]), r"^w: contains NaN"),
        (lambda: gan_dual.primal_objective("problem", np.zeros(2)), r"^prob: expected a Problem"),
        (lambda: gan_dual.dual_objective(PROB, np.full(4, -0.5)), r"^lam: expected shape \(5,\)"),
        (lambda: gan_dual.dual_objective(PROB, np.full(5, 0.5)), r"^lam: the dual function is −∞"),
        (lambda: gan_dual.solve_primal(PROB, tol=0.0), r"^tol:"),
        (lambda: gan_dual.solve_dual(PROB, max_iter=0), r"^max_iter:"),
        (lambda: gan_dual.solve_dual(PROB, max_iter=True), r"^max_iter:"),
        (lambda: gan_dual.strong_duality(None), r"^prob:"),
        (lambda: gan_dual.example_problem(n_data=0), r"^n_data:"),
        (lambda: gan_dual.example_problem(seed=-1), r"^seed:"),
    ],
)
def test_gan_dual_rejects_invalid_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_gan_dual_conjugate_is_unchanged_on_valid_input():
    lam = np.array([-1.0, -0.75, -0.5, -1e-300, 0.0])
    expected = [0.0, -0.75 * math.log(0.75) - 0.25 * math.log(0.25), math.log(2), 0.0, 0.0]
    np.testing.assert_allclose(gan_dual.conjugate(lam), expected, rtol=1e-15, atol=1e-290)


# --------------------------------------------------------------------------- em

X = np.random.default_rng(0).normal(size=(40, 2))
THETA = em.initial_gmm(X, 2)


def _gmm(**change):
    parts = {"weights": THETA.weights, "means": THETA.means, "covs": THETA.covs, **change}
    return lambda: em.Gmm(parts["weights"], parts["means"], parts["covs"])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (_gmm(weights=np.array([0.0, 1.0])), r"^weights: every weight must be > 0"),  # NaN means before
        (_gmm(weights=np.array([-0.5, 1.5])), r"^weights: every weight must be > 0"),
        (_gmm(weights=np.array([0.5, 0.6])), r"^weights: must sum to 1"),
        (_gmm(weights=np.array([0.5, math.nan])), r"^weights: contains NaN"),
        (_gmm(means=np.zeros((3, 2))), r"^means: expected shape \(K, d\) = \(2, d\)"),
        (_gmm(covs=np.zeros((2, 2, 2))), r"^covs: component 0 is not positive definite"),
        (_gmm(covs=np.array([np.eye(2), -np.eye(2)])), r"^covs: component 1 is not positive definite"),
        (_gmm(covs=np.array([np.eye(2), [[1.0, 0.5], [0.0, 1.0]]])), r"^covs: component 1 is not symmetric"),
        (_gmm(covs=np.ones((2, 3, 3))), r"^covs: expected shape"),
        (lambda: em.initial_gmm(X + 1j, 2), r"^x: expected real numbers, got dtype complex128"),
        (lambda: em.run(X.astype(complex), THETA, 1), r"^x: expected real numbers"),
        (lambda: em.log_likelihood(np.where(X > 2, np.inf, X), THETA), r"^x: contains NaN or inf"),
        (lambda: em.initial_gmm(X, 0), r"^k: need an int with 1 ≤ k ≤ N = 40"),
        (lambda: em.initial_gmm(X, 41), r"^k: need an int with 1 ≤ k ≤ N = 40"),
        (lambda: em.initial_gmm(X, True), r"^k:"),
        (lambda: em.initial_gmm(X, 2.0), r"^k:"),
        (lambda: em.initial_gmm(np.zeros((5, 2)), 2), r"^x: the data covariance is singular"),
        (lambda: em.initial_gmm(np.zeros((4, 2, 2)), 2), r"^x: expected data of shape"),
        (lambda: em.log_joint(X[:, :1], THETA), r"^theta: the mixture is over ℝ\^2, the data over ℝ\^1"),
        (lambda: em.log_joint(X, "theta"), r"^theta: expected a Gmm"),
        (lambda: em.run(X, THETA, 2, numeric_e_step=1), r"^numeric_e_step: expected True or False"),
        (lambda: em.run(X, THETA, True), r"^iterations:"),
        (lambda: em.m_step(X, np.full((40, 2), 0.7)), r"^resp: every row must sum to 1"),
        (lambda: em.m_step(X, np.full((39, 2), 0.5)), r"^resp: expected shape \(N, K\) = \(40, K\)"),
        (lambda: em.m_step(X, np.tile([1.5, -0.5], (40, 1))), r"^resp: responsibilities must be ≥ 0"),
        (lambda: em.free_energy(np.zeros((3, 2)), np.full((3, 3), 1 / 3)), r"^lj, q: shape mismatch"),
        (lambda: em.e_step_maximise_f(X, THETA, tol=-1.0), r"^tol:"),
        (lambda: em.max_sequence_difference([], []), r"^a, b:"),
    ],
)
def test_em_rejects_invalid_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_em_rejects_a_component_that_loses_all_responsibility():
    """A component far from every point gets responsibility exactly 0 (e^{−5·10⁵} underflows):
    its M-step mean would be 0/0 = NaN. EM stops with a ValueError naming the component."""
    x = np.random.default_rng(1).normal(size=(50, 1))
    far = em.Gmm(np.array([0.5, 0.5]), np.array([[0.0], [1e3]]), np.ones((2, 1, 1)))
    assert (em.e_step_posterior(x, far)[:, 1] == 0).all()
    for numeric in (False, True):
        with pytest.raises(ValueError, match=r"^resp: component\(s\) \[1\] have no responsibility left"):
            em.run(x, far, 3, numeric_e_step=numeric)
    resp = np.zeros((50, 2))
    resp[:, 0] = 1.0
    with pytest.raises(ValueError, match=r"component\(s\) \[1\]"):
        em.m_step(x, resp)
