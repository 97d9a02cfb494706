"""python -m torch_impl.audit: verdict printed, exit 0 / 1 / 2."""

import json
import textwrap

import pytest

from torch_impl.audit.__main__ import main

USER = textwrap.dedent('''
    import torch
    from torch.nn import functional as F

    def good(recon_x, x, mu, logvar):
        kld = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())
        return (F.binary_cross_entropy(recon_x, x, reduction="sum") + kld) / x.shape[0]

    def fixed_batch(recon_x, x, mu, logvar):
        kld = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())
        return F.binary_cross_entropy(recon_x, x) + kld / (128 * x[0].numel())
''')


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "cli_user_losses.py").write_text(USER)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "cli_user_losses"


def test_passing_loss_exits_0(user_module, capsys):
    rc = main([f"{user_module}:good", "--likelihood", "bernoulli", "--param", "logvar",
               "--args", "recon_x,x,mu,logvar"])
    assert rc == 0
    assert capsys.readouterr().out.startswith("verdict: equals −ELBO")


def test_refuted_loss_exits_1_with_json(user_module, capsys):
    rc = main([f"{user_module}:fixed_batch", "--likelihood", "bernoulli", "--args", "recon_x,x,mu,logvar",
               "--json"])
    assert rc == 1
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "β mismatch" and out["beta_eff"]["formula"] == "B/128"


def test_unimportable_target_exits_2(user_module, capsys):
    with pytest.raises(SystemExit) as e:
        main(["no_such_module_xyz:f", "--likelihood", "bernoulli"])
    assert e.value.code == 2
    assert "cannot import module 'no_such_module_xyz'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main([f"{user_module}:missing", "--likelihood", "bernoulli"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main([f"{user_module}:good", "--likelihood", "bernoulli", "--param", "banana"])
    assert e.value.code == 2
