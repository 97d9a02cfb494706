"""The KL-fit figure (seed 003 6.3): legends outside the curves, no "μ = -0.0000" for a mean that
is zero to the legend's precision (the separated mixture's symmetric local optimum)."""

from __future__ import annotations

import pytest

from numerics.kl_fit import Fit, fixed4, plot_fits


def test_a_rounded_zero_has_no_minus_sign():
    assert fixed4(-3e-9) == "0.0000" and fixed4(3e-9) == "0.0000"
    assert fixed4(-2.98434) == "-2.9843" and fixed4(-0.00005) == "-0.0001"


def test_legends_lie_outside_the_axes_and_no_label_shows_minus_zero(tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    seen: list[Figure] = []
    original = Figure.savefig

    def capture(self: Figure, *args: object, **kwargs: object) -> None:
        seen.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", capture)
    fwd = Fit(1 / 3, (17 / 9) ** 0.5, 0.01, True)
    rev = [Fit(0.32, 1.35, 0.0136, True)]
    sep = (3.0, Fit(0.0, 10**0.5, 0.5, True), [Fit(2.98, 1.02, 0.69, True), Fit(-3e-9, 2.74, 0.84, True)])
    plot_fits(tmp_path / "fits.png", fwd, rev, sep)
    (fig,) = seen
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        box, area = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
        assert box.y1 <= area.y0 or box.x0 >= area.x1, "the legend overlaps the plotting area"
        labels = [t.get_text() for t in legend.get_texts()]
        assert not any("-0.0000" in t for t in labels), labels
