"""The training figure (torch_impl.train): test images, reconstructions, prior samples, and the
train and test ELBO per epoch read from the run's metrics.json."""

from __future__ import annotations

import json

import pytest
import torch

from torch_impl import train as T
from torch_impl.model import Vae, VaeConfig


def _capture(monkeypatch):
    from matplotlib.figure import Figure

    seen: list[Figure] = []
    original = Figure.savefig

    def capture(self: Figure, *args: object, **kwargs: object) -> None:
        seen.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", capture)
    return seen


def test_figure_plots_train_and_test_elbo_per_epoch_from_metrics_json(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    history = [{"epoch": e, "train_elbo": -60.0 + 5 * e, "test_elbo": -62.0 + 4.5 * e} for e in (1, 2, 3)]
    (tmp_path / "metrics.json").write_text(json.dumps({"history": history}), encoding="utf-8")
    seen = _capture(monkeypatch)
    torch.manual_seed(0)
    T.write_figure(Vae(VaeConfig(hidden=16)), torch.rand(10, 64), tmp_path / "figure.png", 0)
    (fig,) = seen
    curves = {line.get_label(): list(line.get_ydata()) for ax in fig.axes for line in ax.get_lines()}
    assert curves["train ELBO"] == [h["train_elbo"] for h in history]
    assert curves["test ELBO"] == [h["test_elbo"] for h in history]
    assert (tmp_path / "figure.png").stat().st_size > 5000


def test_without_metrics_the_figure_has_only_the_images(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    seen = _capture(monkeypatch)
    T.write_figure(Vae(VaeConfig(hidden=16)), torch.rand(10, 64), tmp_path / "figure.png", 0)
    assert len(seen[0].axes) == 30 and T.read_elbo_history(tmp_path / "metrics.json") == []


def test_unreadable_metrics_name_the_file(tmp_path):
    bad = tmp_path / "metrics.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="metrics_path"):
        T.read_elbo_history(bad)
