"""The training entry point: a real (short) run on digits, resume = uninterrupted, NaN handling."""

import json

import pytest
import torch

from torch_impl import train as T


def _run(out, epochs, *extra):
    return T.train(
        ["--epochs", str(epochs), "--out", str(out), "--no-progress", "--iwae-samples", "20", *extra]
    )


def test_resumed_run_equals_uninterrupted(tmp_path):
    _run(tmp_path / "a", 2)
    a = _run(tmp_path / "a", 4)  # resumes after epoch 2
    b = _run(tmp_path / "b", 4)
    assert a["history"] == b["history"]
    assert a["test_iwae_20"] == b["test_iwae_20"]
    sa = torch.load(tmp_path / "a" / "checkpoint.pt", weights_only=False)["model"]
    sb = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=False)["model"]
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert (tmp_path / "a" / "figure.png").stat().st_size > 5000
    m = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert len(m["history"]) == 4 and m["test_iwae_20"] >= m["final_test_elbo"] - 1.0


def test_gaussian_gmm_float64_run(tmp_path):
    m = _run(tmp_path / "g", 1, "--likelihood", "gaussian", "--prior", "gmm", "--dtype", "float64")
    assert m["config"]["prior"] == "gmm" and m["dtype"] == "float64"


def test_nan_loss_stops_with_clear_error_and_keeps_checkpoint(tmp_path, monkeypatch):
    _run(tmp_path / "n", 1)
    good = torch.load(tmp_path / "n" / "checkpoint.pt", weights_only=False)["epoch"]
    original = T.Vae.loss

    def broken(self, x, samples=1):
        loss, terms = original(self, x, samples)
        return loss * float("nan"), terms

    monkeypatch.setattr(T.Vae, "loss", broken)
    with pytest.raises(T.NonFiniteLoss, match=r"epoch 2, step 1"):
        _run(tmp_path / "n", 3)
    assert torch.load(tmp_path / "n" / "checkpoint.pt", weights_only=False)["epoch"] == good
    assert T.main(["--epochs", "3", "--out", str(tmp_path / "n"), "--no-progress"]) == 3


def test_mismatched_checkpoint_and_bad_arguments(tmp_path):
    _run(tmp_path / "m", 1)
    with pytest.raises(ValueError, match="--out"):
        _run(tmp_path / "m", 2, "--latent-dim", "4")
    with pytest.raises(SystemExit):
        T.parse_args(["--epochs", "0"])
