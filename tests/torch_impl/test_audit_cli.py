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


# ------------------------------------------------------------------ one exit status per verdict

import math  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

CORPUS = "tests.torch_impl.audit_corpus"
HERE = "tests.torch_impl.test_audit_cli"
ARGS = ["--args", "recon_x,x,mu,logvar"]
QUICK = ["--data-shape", "4", "--data-shape", "1,2,3"]


def _kld(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def nan_loss(recon_x, x, mu, logvar):
    return F.binary_cross_entropy(recon_x, x, reduction="sum") * math.nan


def none_loss(recon_x, x, mu, logvar):
    F.binary_cross_entropy(recon_x, x, reduction="sum")


def raising_loss(recon_x, x, mu, logvar):
    raise RuntimeError("CUDA out of memory (simulated)")


def channel_sum_only(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x, reduction="none").sum(dim=1).mean()
    return bce + torch.mean(-0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp(), dim=1))


def view_784(recon_x, x, mu, logvar):
    return F.binary_cross_entropy(recon_x.view(-1, 784), x.view(-1, 784), reduction="sum") + _kld(mu, logvar)


def small_examples_model():
    from tests.torch_impl.audit_corpus import ExamplesStyleVae

    torch.manual_seed(0)
    return ExamplesStyleVae().double()


@pytest.mark.parametrize(
    ("target", "extra", "verdict", "code"),
    [
        (f"{CORPUS}:examples_vae_main", [], "equals −ELBO up to a > 0 and c", 0),
        (f"{CORPUS}:kl_rewarded", [], "β mismatch", 1),
        (f"{CORPUS}:elbo_returned_as_loss", [], "wrong sign (a < 0: minimising the loss maximises −ELBO)", 1),
        (f"{CORPUS}:double_sigmoid_loss", [], "not affine", 1),
        (f"{CORPUS}:kl_detached", [], "gradient differs from a·∇(−ELBO)", 1),
        (f"{CORPUS}:examples_vae_main", ["--data", "unit"],
         "likelihood not normalised on the data domain", 1),
        (f"{HERE}:nan_loss", [], "not finite", 1),
        (f"{HERE}:none_loss", [], "bad return type", 3),
        (f"{HERE}:raising_loss", [], "crash", 3),
    ],
)
def test_each_elbo_verdict_has_its_exit_status(target, extra, verdict, code, capsys):
    rc = main([target, "--likelihood", "bernoulli", *ARGS, *QUICK, *extra, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert (out["verdict"], rc, out["exit_code"]) == (verdict, code, code), out


IWAE = ["--likelihood", "bernoulli_logits", "--args", "recon,x,mu,logvar,z", "--iwae", "4",
        "--data-shape", "5"]


@pytest.mark.parametrize(
    ("target", "verdict", "code"),
    [
        (f"{CORPUS}:burda_iwae", "equals −IWAE_K up to a > 0", 0),
        ("tests.torch_impl.audit_losses:iwae_detached_surrogate",
         "surrogate with the gradient of −IWAE_K", 0),
        (f"{CORPUS}:dreg_surrogate", "surrogate for a named gradient estimator of −IWAE_K", 0),
        (f"{CORPUS}:iwae_without_log_k", "missing −log K (a surrogate with the gradient of −IWAE_K)", 0),
        (f"{CORPUS}:iwae_softmax_of_losses", "wrong importance weights", 1),
        ("tests.torch_impl.audit_losses:iwae_crashes", "crash", 3),
    ],
)
def test_each_iwae_verdict_has_its_exit_status(target, verdict, code, capsys):
    rc = main([target, *IWAE, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert (out["verdict"], rc) == (verdict, code), out


def test_iwae_batch_first_layout(capsys):
    assert main([f"{CORPUS}:iwae_batch_first", *IWAE, "--iwae-layout", "BK"]) == 0
    assert main([f"{CORPUS}:iwae_batch_first", *IWAE]) == 3  # K-first: its expand fails, said so
    assert "--iwae-layout BK" in capsys.readouterr().out


def test_channel_only_reduction_is_refuted_with_the_default_shapes(capsys):
    rc = main([f"{HERE}:channel_sum_only", "--likelihood", "bernoulli", *ARGS])
    assert rc == 1 and capsys.readouterr().out.startswith("verdict: β mismatch")


def test_hard_coded_784_crashes_clearly_then_passes_with_its_shape(capsys):
    rc = main([f"{HERE}:view_784", "--likelihood", "bernoulli", *ARGS])
    out = capsys.readouterr().out
    assert rc == 3 and out.startswith("verdict: crash") and "--data-shape" in out and "B = 3" in out
    rc = main([f"{HERE}:view_784", "--likelihood", "bernoulli", *ARGS, "--data-shape", "1,28,28"])
    assert rc == 0, capsys.readouterr().out


@pytest.mark.parametrize(
    ("target", "options"),
    [
        (f"{CORPUS}:sigma_vae_shared_log_sigma",
         ["--likelihood", "gaussian", "--sigma2", "free", "--hyper", "log_sigma=0,-1", *ARGS]),
        (f"{CORPUS}:examples_vae_main", ["--likelihood", "bernoulli", "--dtype", "float32", *ARGS]),
        (f"{CORPUS}:prior_half_variance", ["--likelihood", "bernoulli", "--prior-var", "0.5", *ARGS]),
        (f"{CORPUS}:softplus_floor_sampler",
         ["--likelihood", "bernoulli", "--param", "softplus+1e-4", "--args", "x,mu,s,decoder"]),
        (f"{HERE}:small_examples_model", ["--likelihood", "bernoulli", "--model"]),
    ],
)
def test_declarations_on_the_command_line(target, options, capsys):
    rc = main([target, *options, *QUICK[:2]] if "--model" not in options else [target, *options])
    assert rc == 0, capsys.readouterr().out


def test_bad_data_shape_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        main([f"{CORPUS}:examples_vae_main", "--likelihood", "bernoulli", "--data-shape", "1,0,3"])
    assert e.value.code == 2 and "--data-shape" in capsys.readouterr().err


def test_the_command_line_parses_its_options_without_importing_torch():
    code = ("import sys; from torch_impl.audit.__main__ import build_parser; "
            "build_parser().parse_args(['m:f', '--likelihood', 'bernoulli']); print('torch' in "
            "sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
