"""The training entry point: resume = uninterrupted, and every way a run can fail loudly
as a regression test. Runs use 64 training / 32 test images
(the real split's first ones) so each takes about a second."""

import json
import math
import pickle
from pathlib import Path

import pytest
import torch

from torch_impl import train as T

_REAL_SPLIT, _REAL_FIGURE = T.load_digits_split, T.write_figure


def _subset(likelihood, seed=0, test_fraction=0.2):
    x_train, x_test = _REAL_SPLIT(likelihood, seed, test_fraction)
    return x_train[:64], x_test[:32]


def _no_figure(model, x_test, path, seed):  # matplotlib's 30 panels take most of a tiny run
    path.write_bytes(b"")


@pytest.fixture(autouse=True)
def small_data(monkeypatch):
    monkeypatch.setattr(T, "load_digits_split", _subset)
    monkeypatch.setattr(T, "write_figure", _no_figure)


def _args(out, epochs, *extra):
    return [
        "--epochs",
        str(epochs),
        "--out",
        str(out),
        "--no-progress",
        "--iwae-samples",
        "8",
        "--batch-size",
        "32",
        *extra,
    ]


def _run(out, epochs, *extra):
    return T.train(_args(out, epochs, *extra))


def _main(out, epochs, *extra):
    return T.main(_args(out, epochs, *extra))


def _load(path):
    return torch.load(path, weights_only=True)


def _strict_json(path):
    def reject(name):
        raise AssertionError(f"{path} holds the non-JSON constant {name}")

    return json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=reject)


@pytest.fixture(scope="module")
def good_checkpoint(tmp_path_factory):
    """The bytes of a valid one-epoch checkpoint (default hyper-parameters of ``_args``)."""
    out = tmp_path_factory.mktemp("good")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(T, "load_digits_split", _subset)
        mp.setattr(T, "write_figure", _no_figure)
        T.train(_args(out, 1))
    return (out / "checkpoint.pt").read_bytes()


def _with_checkpoint(tmp_path, data: bytes) -> Path:
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoint.pt").write_bytes(data)
    return out


# --------------------------------------------------------------------------- what works


def test_resumed_run_equals_uninterrupted(tmp_path, monkeypatch):
    monkeypatch.setattr(T, "write_figure", _REAL_FIGURE)
    _run(tmp_path / "a", 1)
    a = _run(tmp_path / "a", 2)  # resumes after epoch 1
    b = _run(tmp_path / "b", 2)
    assert a["history"] == b["history"] and a["test_iwae_8"] == b["test_iwae_8"]
    sa, sb = (
        _load(tmp_path / "a" / "checkpoint.pt")["model"],
        _load(tmp_path / "b" / "checkpoint.pt")["model"],
    )
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert (tmp_path / "a" / "figure.png").stat().st_size > 5000
    m = _strict_json(tmp_path / "a" / "metrics.json")
    assert len(m["history"]) == 2 and m["hyperparameters"]["lr"] == 1e-3
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "checkpoint.pt",
        "figure.png",
        "metrics.json",
    ]


def test_gaussian_gmm_float64_run(tmp_path):
    m = _run(tmp_path / "g", 1, "--likelihood", "gaussian", "--prior", "gmm", "--dtype", "float64")
    assert m["config"]["prior"] == "gmm" and m["dtype"] == "float64"


# --------------------------------------------------------------------------- no code execution


class _Payload:
    """Unpickling this creates ``marker`` (what a crafted checkpoint could do with a shell)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_crafted_checkpoint_with_a_pickle_payload_is_not_executed(tmp_path, capsys):
    marker = tmp_path / "pwned"
    out = tmp_path / "run"
    out.mkdir()
    torch.save({"model": _Payload(marker), "epoch": 1}, out / "checkpoint.pt")
    # the payload is real: an unrestricted unpickler runs it
    torch.load(out / "checkpoint.pt", weights_only=False)["model"].close()
    assert marker.exists()
    marker.unlink()
    assert _main(out, 2) == 2
    assert not marker.exists()
    err = capsys.readouterr().err
    assert str(out / "checkpoint.pt") in err and "--restart" in err and "cannot be read" in err


# --------------------------------------------------------------------------- corrupt checkpoints


def _truncated(good: bytes) -> bytes:
    return good[: len(good) // 2]


def _random_bytes(good: bytes) -> bytes:
    return bytes(torch.randint(0, 256, (4096,), generator=torch.Generator().manual_seed(0)).tolist())


def _rewrite(good: bytes, change) -> bytes:  # a valid torch file whose content is altered
    import io

    ck = torch.load(io.BytesIO(good), weights_only=True)
    change(ck)
    buf = io.BytesIO()
    torch.save(ck, buf)
    return buf.getvalue()


def _drop_model(ck):
    del ck["model"]


def _wrong_shape(ck):
    ck["model"]["encoder.0.weight"] = torch.zeros(3, 3)


def _nan_weight(ck):
    ck["model"]["decoder.0.bias"][0] = math.nan


def _nan_history(ck):
    ck["history"][0]["test_elbo"] = math.nan


def _not_a_dict(ck):
    ck.clear()
    ck["format"] = [1, 2]


def _bad_optimizer(ck):
    ck["optimizer"] = {"state": {}, "param_groups": []}


@pytest.mark.parametrize(
    ("corrupt", "why"),
    [
        (_truncated, "cannot be read"),
        (_random_bytes, "cannot be read"),
        (lambda g: b"", "cannot be read"),
        (lambda g: _rewrite(g, _drop_model), "lacks the key(s) model"),
        (lambda g: _rewrite(g, _wrong_shape), "parameter 'encoder.0.weight' has shape (3, 3)"),
        (lambda g: _rewrite(g, _nan_weight), "parameter 'decoder.0.bias' contains NaN or inf"),
        (lambda g: _rewrite(g, _nan_history), "non-finite history entry"),
        (lambda g: _rewrite(g, _not_a_dict), "lacks the key(s)"),
        (lambda g: _rewrite(g, _bad_optimizer), "does not fit (ValueError"),
        (lambda g: pickle.dumps([1, 2, 3]), "cannot be read"),
    ],
    ids=[
        "truncated",
        "random",
        "empty",
        "missing-key",
        "wrong-shape",
        "nan-weight",
        "nan-history",
        "junk-dict",
        "optimizer",
        "plain-pickle",
    ],
)
def test_corrupt_checkpoint_is_one_clear_error_offering_restart(
    tmp_path, capsys, good_checkpoint, corrupt, why
):
    out = _with_checkpoint(tmp_path, corrupt(good_checkpoint))
    with pytest.raises(T.CheckpointError) as info:
        _run(out, 2)
    msg = str(info.value)
    assert str(out / "checkpoint.pt") in msg and "--restart" in msg and why in msg, msg
    assert _main(out, 2) == 2
    assert capsys.readouterr().err.count("error:") == 1


def test_restart_ignores_and_overwrites_a_corrupt_checkpoint(tmp_path, good_checkpoint):
    out = _with_checkpoint(tmp_path, _truncated(good_checkpoint))
    m = _run(out, 1, "--restart")
    assert len(m["history"]) == 1 and _load(out / "checkpoint.pt")["epoch"] == 1


# --------------------------------------------------------------------------- non-finite metrics


def test_nan_loss_stops_with_clear_error_and_keeps_checkpoint(tmp_path, monkeypatch, capsys):
    _run(tmp_path / "n", 1)
    original = T.Vae.loss

    def broken(self, x, samples=1):
        loss, terms = original(self, x, samples)
        return loss * float("nan"), terms

    monkeypatch.setattr(T.Vae, "loss", broken)
    with pytest.raises(
        T.NonFiniteMetric, match=r"epoch 2, step 1; the checkpoint .* \(epoch 1, all metrics finite\) is kept"
    ):
        _run(tmp_path / "n", 3)
    assert _load(tmp_path / "n" / "checkpoint.pt")["epoch"] == 1
    assert _main(tmp_path / "n", 3) == 3
    assert "error: non-finite loss nan" in capsys.readouterr().err


def test_beta_inf_is_a_usage_error_not_a_last_good_epoch_zero(tmp_path, capsys):
    # before: training started, then "the last good checkpoint (epoch 0) is kept" — which never existed
    with pytest.raises(SystemExit) as info:
        _main(tmp_path / "b", 1, "--beta", "inf")
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --beta: must be finite" in err and "epoch 0" not in err
    assert not (tmp_path / "b" / "checkpoint.pt").exists()


def test_nan_on_a_fresh_run_says_no_checkpoint_was_written(tmp_path, monkeypatch):
    monkeypatch.setattr(T.Vae, "loss", lambda self, x, samples=1: (torch.tensor(math.inf), None))
    with pytest.raises(T.NonFiniteMetric, match="no checkpoint was written by this run") as info:
        _run(tmp_path / "f", 1)
    assert "epoch 0" not in str(info.value)
    assert not (tmp_path / "f" / "checkpoint.pt").exists()


def test_nan_test_elbo_after_the_last_step_fails_and_is_never_saved(tmp_path, monkeypatch):
    """Before: exit 0, "test ELBO nan", a bare NaN in metrics.json, and with more epochs that NaN
    checkpoint was called "last good"."""
    _run(tmp_path / "e", 1)
    before = (tmp_path / "e" / "metrics.json").read_bytes()
    monkeypatch.setattr(T, "evaluate_elbo", lambda model, x, batch=512: math.nan)
    with pytest.raises(T.NonFiniteMetric, match=r"test ELBO is nan after epoch 2; the checkpoint .*epoch 1"):
        _run(tmp_path / "e", 2)
    assert _load(tmp_path / "e" / "checkpoint.pt")["epoch"] == 1
    assert (tmp_path / "e" / "metrics.json").read_bytes() == before  # untouched, still strict JSON
    _strict_json(tmp_path / "e" / "metrics.json")


def test_nan_parameters_after_an_epoch_are_never_saved(tmp_path, monkeypatch):
    real = T.evaluate_elbo

    def poison(model, x, batch=512):  # finite ELBO, but a parameter went NaN in the last step
        value = real(model, x, batch)
        with torch.no_grad():
            model.prior_means.fill_(math.nan) if hasattr(model, "prior_means") else model.decoder[
                0
            ].bias.fill_(math.nan)
        return value

    monkeypatch.setattr(T, "evaluate_elbo", poison)
    with pytest.raises(T.NonFiniteMetric, match=r"parameter decoder\.0\.bias is NaN or inf after epoch 1"):
        _run(tmp_path / "p", 1)
    assert not (tmp_path / "p" / "checkpoint.pt").exists()


def test_nan_iwae_fails_the_run_and_writes_no_metrics(tmp_path, monkeypatch):
    monkeypatch.setattr(T, "evaluate_iwae", lambda model, x, k, batch=64: (math.nan, math.nan))
    assert _main(tmp_path / "i", 1) == 3
    assert not (tmp_path / "i" / "metrics.json").exists()
    assert _load(tmp_path / "i" / "checkpoint.pt")["epoch"] == 1  # the epoch itself was finite


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--beta", "inf"], "argument --beta: must be finite"),
        (["--beta", "nan"], "argument --beta: must be finite"),
        (["--beta", "-1"], "argument --beta: must be ≥ 0"),
        (["--lr", "0"], "argument --lr: must be > 0"),
        (["--lr=-1e-3"], "argument --lr: must be > 0"),
        (["--lr", "inf"], "argument --lr: must be finite"),
        (["--lr", "fast"], "argument --lr: expected a number"),
        (["--batch-size", "0"], "argument --batch-size: must be ≥ 1"),
        (["--batch-size", "2.5"], "argument --batch-size: expected an integer"),
        (["--epochs", "-1"], "argument --epochs: must be ≥ 1"),
        (["--latent-dim", "0"], "argument --latent-dim: must be ≥ 1"),
        (["--iwae-samples", "0"], "argument --iwae-samples: must be ≥ 1"),
        (["--seed", "-3"], "argument --seed: must be ≥ 0"),
        (["--seed", "99999999999999999999999"], "argument --seed: must be ≤ 9223372036854775806"),
        (["--likelihood", "poisson"], "argument --likelihood: invalid choice"),
        (["--device", "foo"], "argument --device: 'foo': not a device name"),
        (["--device", "meta"], "argument --device: 'meta': device type 'meta' is not supported"),
        (["--restart", "--override"], "arguments --restart and --override"),
    ],
)
def test_invalid_arguments_are_usage_errors_before_any_work(tmp_path, monkeypatch, capsys, extra, message):
    monkeypatch.setattr(
        T, "load_digits_split", lambda *a, **k: pytest.fail("data loaded despite a bad argument")
    )
    with pytest.raises(SystemExit) as info:
        _main(tmp_path / "x", 1, *extra)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_unavailable_cuda_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit):
        _main(tmp_path / "c", 1, "--device", "cuda")
    assert "CUDA is not available" in capsys.readouterr().err
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(SystemExit):
        _main(tmp_path / "c", 1, "--device", "cuda:3")
    assert "no index 3" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["under-a-file", "is-a-file"])
def test_unwritable_out_is_reported_before_training(tmp_path, monkeypatch, capsys, where):
    (tmp_path / "f").write_text("not a folder")
    out = tmp_path / "f" / "run" if where == "under-a-file" else tmp_path / "f"
    monkeypatch.setattr(T, "load_digits_split", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(SystemExit) as info:
        _main(out, 1)
    assert info.value.code == 2
    assert f"argument --out: {str(out)!r}: cannot write there" in capsys.readouterr().err


# --------------------------------------------------------------------------- resuming


@pytest.mark.parametrize(
    ("extra", "listed"),
    [
        (["--lr", "0.002"], "--lr 0.001 → 0.002"),
        (["--batch-size", "16"], "--batch-size 32 → 16"),
        (["--beta", "0.5"], "--beta 1.0 → 0.5"),
        (["--likelihood", "gaussian"], "--likelihood 'bernoulli' → 'gaussian'"),
        (["--dtype", "float64"], "--dtype 'float32' → 'float64'"),
    ],
)
def test_resume_with_changed_hyperparameters_is_an_error_listing_them(
    tmp_path, good_checkpoint, extra, listed
):
    """Before: the checkpoint's --lr and --batch-size silently won."""
    out = _with_checkpoint(tmp_path, good_checkpoint)
    with pytest.raises(T.CheckpointError, match="other hyper-parameters") as info:
        _run(out, 2, *extra)
    assert listed in str(info.value) and "--override" in str(info.value)
    assert _load(out / "checkpoint.pt")["epoch"] == 1


def test_override_resumes_with_the_new_values_and_says_so(tmp_path, capsys, good_checkpoint):
    out = _with_checkpoint(tmp_path, good_checkpoint)
    m = _run(out, 2, "--lr", "0.002", "--batch-size", "16", "--override")
    assert "--override: resuming" in capsys.readouterr().err
    ck = _load(out / "checkpoint.pt")
    assert ck["epoch"] == 2 and ck["optimizer"]["param_groups"][0]["lr"] == 0.002
    assert m["hyperparameters"]["lr"] == 0.002 and m["hyperparameters"]["batch_size"] == 16


@pytest.mark.parametrize(
    "extra", [["--latent-dim", "4"], ["--prior", "gmm"], ["--seed", "1"]], ids=["latent", "prior", "seed"]
)
def test_architecture_or_split_changes_are_refused_even_with_override(tmp_path, good_checkpoint, extra):
    out = _with_checkpoint(tmp_path, good_checkpoint)
    with pytest.raises(T.CheckpointError, match="not resumable even with --override"):
        _run(out, 2, *extra, "--override")
    with pytest.raises(T.CheckpointError, match=f"--{extra[0][2:]}"):
        _run(out, 2, *extra)


def test_fewer_epochs_than_the_checkpoint_is_an_error(tmp_path, good_checkpoint):
    out = _with_checkpoint(tmp_path, good_checkpoint)
    _run(out, 2)
    with pytest.raises(T.CheckpointError, match="already trained 2 epochs, more than --epochs 1"):
        _run(out, 1)
