"""One test per defect the bad-input fuzzer (tests/bad_input_fuzz.py) found in ``torch_impl``, each
quoting the input that showed it and what happened before."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from tests.torch_impl import audit_losses as L
from torch_impl import kl, train
from torch_impl.audit import ModelSpec, audit_elbo_loss, audit_iwae_loss, parse_convention
from torch_impl.model import Vae, VaeConfig, reparameterize

FAST = {"batch_sizes": (3,), "data_shapes": ((4,),), "latent_dims": (2,), "draws": 6, "extreme_draws": 0}
IWAE_SPEC = ModelSpec("bernoulli_logits", arguments=("recon", "x", "mu", "logvar", "z"))


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def vae(likelihood: str = "bernoulli", prior: str = "normal") -> Vae:
    torch.manual_seed(0)
    return Vae(
        VaeConfig(data_dim=4, latent_dim=2, hidden=8, likelihood=likelihood, prior=prior, components=3)
    )


def test_meta_tensors_are_named() -> None:
    # kl.expm1mx(torch.empty(2, 3, device='meta')) raised RuntimeError from Tensor.item()
    with pytest.raises(ValueError, match=r"^u: a tensor on the meta device"):
        kl.expm1mx(torch.empty(2, 3, device="meta"))


def test_counts_beyond_int64_are_named() -> None:
    # reparameterize(mu, logvar, samples=10**30) raised TypeError from randn; iwae(x, k=10**30) never ended
    mu = torch.zeros(2, 3)
    with pytest.raises(ValueError, match=r"^samples: must be ≤"):
        reparameterize(mu, mu, samples=10**30)
    with pytest.raises(ValueError, match=r"^k: must be ≤"):
        vae().iwae(torch.rand(3, 4), k=10**30)


def test_bernoulli_data_outside_the_unit_interval_is_refused() -> None:
    # Vae.loss(-x) returned a finite loss (BCE of data outside [0, 1] is no likelihood)
    m, x = vae(), torch.rand(3, 4)
    for f in (
        lambda: m.loss(-x),
        lambda: m.loss(2 * x + 1),
        lambda: m.elbo_terms(-x),
        lambda: m.log_likelihood(-x, m.decode(torch.zeros(3, 2))),
        lambda: m.negative_log_likelihood_total(-x, m.decode(torch.zeros(3, 2))),
        lambda: m.iwae(-x, 3),
    ):
        with pytest.raises(ValueError, match=r"^x: a Bernoulli likelihood needs data in \[0, 1\]"):
            f()
    # a Gaussian likelihood takes any real data
    g = vae("gaussian")
    assert math.isfinite(g.loss(-x)[0].item())


def test_huge_data_is_named_instead_of_a_nan_elbo() -> None:
    # vae('gaussian').elbo_terms(torch.full((3, 4), 1e30)) and .iwae(…) returned NaN
    g = vae("gaussian")
    x = torch.full((3, 4), 1e30)
    with pytest.raises(ValueError, match=r"^x: finite data as large as 1e\+30"):
        g.elbo_terms(x)
    with pytest.raises(ValueError, match=r"^x: finite data as large as 1e\+30"):
        g.iwae(x, 3)


def test_encoder_and_decoder_overflow_is_named() -> None:
    # a GM-VAE's encode(torch.full((3, 4), 3e38)) and a VAE's decode(torch.full((3, 2), -3e38)) gave
    # NaN (the fuzzer's models); here the first layers' weights are 1, so that 4 · 3e38 overflows
    m = vae(prior="gmm")
    with torch.no_grad():
        m.encoder[0].weight.fill_(1.0)
        m.decoder[0].weight.fill_(1.0)
    with pytest.raises(ValueError, match=r"^x: finite values as large as 3e\+38 make the encoder's output"):
        m.encode(torch.full((3, 4), 3e38))
    with pytest.raises(ValueError, match=r"^z: finite values as large as 3e\+38 make the decoder's output"):
        m.decode(torch.full((3, 2), 3e38))


def test_diverged_weights_are_named_by_encode() -> None:
    m = vae()
    with torch.no_grad():
        m.encoder[0].weight[0, 0] = math.nan
    with pytest.raises(ValueError, match=r"^model parameter encoder.0.weight: contains NaN"):
        m.encode(torch.rand(3, 4))


def test_evaluation_helpers_check_their_arguments() -> None:
    m, x = vae(), torch.rand(5, 4)
    # evaluate_elbo(None, x) raised AttributeError; evaluate_elbo(m, x, batch=0) ValueError from range()
    with pytest.raises(ValueError, match=r"^model: expected a torch_impl.model.Vae"):
        train.evaluate_elbo(None, x)
    with pytest.raises(ValueError, match=r"^batch: must be ≥ 1"):
        train.evaluate_elbo(m, x, batch=0)
    # evaluate_elbo(m, x[:0]) raised ZeroDivisionError
    with pytest.raises(ValueError, match=r"^x: empty batch"):
        train.evaluate_elbo(m, x[:0])
    # evaluate_iwae(m, x[:1], 3) returned a NaN standard error (std of one value)
    with pytest.raises(ValueError, match=r"^x: a standard error needs at least 2 data points"):
        train.evaluate_iwae(m, x[:1], 3)
    # evaluate_elbo(m, x.requires_grad_()) leaked torch's UserWarning on float() of a grad tensor
    assert math.isfinite(train.evaluate_elbo(m, x.clone().requires_grad_(True)))


def test_auditor_seeds_and_sizes_are_checked() -> None:
    # seed=None / 2.5 raised TypeError / RuntimeError inside torch; np.int64(3) raised TypeError
    for bad in (None, 2.5, "3", True):
        with pytest.raises(ValueError, match=r"^seed:"):
            audit_elbo_loss(L.sum_reduction, ModelSpec("bernoulli"), seed=bad, **FAST)
    audit_elbo_loss(L.sum_reduction, ModelSpec("bernoulli"), seed=np.int64(3), **FAST)
    # batch_sizes=(True,) raised TypeError from torch.rand; data_shapes=() silently used the defaults
    with pytest.raises(ValueError, match=r"^batch_sizes: expected an int"):
        audit_elbo_loss(L.sum_reduction, ModelSpec("bernoulli"), **{**FAST, "batch_sizes": (True,)})
    with pytest.raises(ValueError, match=r"^data_shapes: expected a non-empty sequence"):
        audit_elbo_loss(L.sum_reduction, ModelSpec("bernoulli"), **{**FAST, "data_shapes": ()})
    # beta=True was read as β = 1
    with pytest.raises(ValueError, match=r"^beta: expected a finite number"):
        audit_elbo_loss(L.sum_reduction, ModelSpec("bernoulli"), beta=True, **FAST)


def test_auditor_counts_beyond_int64_are_named() -> None:
    # draws=10**30 ran for ever; K=10**30 raised TypeError from torch.randn
    with pytest.raises(ValueError, match=r"^draws: must be ≤"):
        audit_elbo_loss(L.sum_reduction, ModelSpec("bernoulli"), **{**FAST, "draws": 10**30})
    with pytest.raises(ValueError, match=r"^K: must be ≤"):
        audit_iwae_loss(L.iwae_correct, IWAE_SPEC, 10**30, batch_sizes=(3,), data_shapes=((5,),), draws=4)


def test_huge_beta_does_not_leak_an_overflow_warning() -> None:
    # audit_elbo_loss(…, beta=1e308) leaked "overflow encountered in multiply" (β·KL)
    audit = audit_elbo_loss(L.sum_reduction, ModelSpec("bernoulli"), beta=1e308, **FAST)
    assert audit.refuted


def test_convention_errors_name_param() -> None:
    # parse_convention('0*logstd') said "scale: …", ModelSpec(…, param='softplus+-1') "offset: …"
    with pytest.raises(ValueError, match=r"^param: scale: the noise scale must be positive"):
        parse_convention("0*logstd")
    with pytest.raises(ValueError, match=r"^param: offset: the floor"):
        ModelSpec("gaussian", param="softplus+-1")


def test_model_spec_checks_its_fields() -> None:
    # ModelSpec(arguments=None) / ModelSpec(hyper=None) raised TypeError; prior_var=True, sigma2=True,
    # hyper={1: 1.0} and hyper={'b': True} were accepted
    with pytest.raises(ValueError, match=r"^arguments: expected a sequence of names"):
        ModelSpec("gaussian", arguments=None)
    with pytest.raises(ValueError, match=r"^hyper: expected a mapping"):
        ModelSpec("gaussian", hyper=None)
    with pytest.raises(ValueError, match=r"^hyper: names must be strings"):
        ModelSpec("gaussian", hyper={1: 1.0})
    with pytest.raises(ValueError, match=r"^hyper: 'b' needs one or more finite numbers"):
        ModelSpec("gaussian", hyper={"b": True})
    with pytest.raises(ValueError, match=r"^prior_var:"):
        ModelSpec("gaussian", prior_var=True)
    with pytest.raises(ValueError, match=r"^sigma2:"):
        ModelSpec("gaussian", sigma2=True)


def test_digits_split_checks_its_arguments() -> None:
    # load_digits_split('poisson') and load_digits_split(None) loaded data; seed=2.5 raised TypeError;
    # test_fraction=0.0 and 1.5 returned an empty part; test_fraction='0.2' raised TypeError
    for kwargs, name in (
        ({"likelihood": "poisson"}, "likelihood"),
        ({"likelihood": None}, "likelihood"),
        ({"seed": 2.5}, "seed"),
        ({"seed": None}, "seed"),
        ({"test_fraction": 0.0}, "test_fraction"),
        ({"test_fraction": 1.5}, "test_fraction"),
        ({"test_fraction": "0.2"}, "test_fraction"),
        ({"test_fraction": 1e-9}, "test_fraction"),
        ({"test_fraction": math.nan}, "test_fraction"),
    ):
        with pytest.raises(ValueError, match=rf"^{name}:"):
            train.load_digits_split(**{"likelihood": "bernoulli", **kwargs})
