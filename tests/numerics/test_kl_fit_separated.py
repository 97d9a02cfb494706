"""Seed 003 6.3's second panel: inclusive vs exclusive fits to a well-separated mixture."""

import math

import pytest

from numerics import kl_fit_separated as S
from numerics.kl_fit import Fit, plot_fits


def test_inclusive_fit_is_moment_matching() -> None:
    f = S.fit_inclusive()
    # BFGS (gtol 1e-11) on a quadrature-exact objective: the optimum to ~1e-7 in (μ, σ²)
    assert abs(f.mu) < 1e-6
    assert math.isclose(f.sigma**2, 1 + S.SEPARATION**2, rel_tol=1e-6)


def test_exclusive_fit_locks_onto_a_mode() -> None:
    optima = S.fit_exclusive_all()
    best = optima[0]
    assert abs(abs(best.mu) - S.SEPARATION) < 0.1 and abs(best.sigma**2 - 1) < 0.1
    covering = [f for f in optima if abs(f.mu) < 1e-3]
    assert covering and covering[0].kl > best.kl + 0.1  # the covering Gaussian is worse
    assert {round(f.mu, 3) for f in optima if abs(f.mu) > 1} == {round(best.mu, 3), round(-best.mu, 3)}


def test_divergences_are_divergences() -> None:
    assert S.forward_kl(0.0, math.sqrt(10.0)) > 0
    assert S.reverse_kl(3.0, 1.0) > 0


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), True, "3"])
def test_bad_separation_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="separation"):
        S.log_p([0.0], bad)  # type: ignore[arg-type]


def test_figure_with_second_panel(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the plotting only: fixed Fit values (the fits themselves are tested above)
    fwd, rev = Fit(1 / 3, (17 / 9) ** 0.5, 0.0, True), [Fit(0.32, 1.35, 0.0136, True)]
    exclusive = [Fit(2.98, 1.02, 0.69, True), Fit(0.0, 2.74, 0.84, True)]
    sep = (S.SEPARATION, Fit(0.0, 10**0.5, 0.46, True), exclusive)
    out = plot_fits(tmp_path / "fits.png", fwd, rev, sep)
    assert out.stat().st_size > 10_000
    with pytest.raises(ValueError, match="separated"):
        plot_fits(tmp_path / "x.png", fwd, [], (3.0, "not a fit", []))  # type: ignore[arg-type]
