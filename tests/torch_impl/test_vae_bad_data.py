"""Vae.loss and reparameterize name bad data instead of returning NaN: data of the wrong scale
(x = 1e30, an unscaled image or a sensor's sentinel value) and a NaN log-variance, while a
non-finite loss the data do not explain (diverged weights) is still returned for the training
loop to report."""

from __future__ import annotations

import math

import pytest
import torch

from torch_impl.model import Vae, VaeConfig, reparameterize


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_loss_of_data_at_1e30_is_a_value_error_naming_x(likelihood, dtype):
    torch.manual_seed(0)
    model = Vae(VaeConfig(likelihood=likelihood)).to(dtype)
    x = torch.full((4, 64), 1e30, dtype=dtype)
    with pytest.raises(ValueError, match=r"^x: "):
        model.loss(x)


def test_loss_of_ordinary_data_is_finite():
    torch.manual_seed(0)
    model = Vae(VaeConfig(likelihood="gaussian"))
    loss, _ = model.loss(torch.rand(4, 64))
    assert math.isfinite(loss.item())


def test_diverged_weights_are_not_blamed_on_the_data():
    # the wrong variant — always blaming x — would raise here; the training loop must see the NaN
    torch.manual_seed(0)
    model = Vae(VaeConfig(likelihood="gaussian"))
    with torch.no_grad():
        model.encoder[0].weight[0, 0] = float("nan")
    loss, _ = model.loss(torch.rand(4, 64))
    assert math.isnan(loss.item())


def test_reparameterize_with_a_nan_log_variance_is_a_value_error():
    with pytest.raises(ValueError, match=r"^logvar: contains NaN"):
        reparameterize(torch.zeros(3), torch.tensor([0.0, float("nan"), 0.0]))
    with pytest.raises(ValueError, match=r"^mu: contains"):
        reparameterize(torch.tensor([float("inf"), 0.0]), torch.zeros(2))
    z = reparameterize(torch.zeros(2, 3), torch.zeros(2, 3))
    assert torch.isfinite(z).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_compiled_cpu_total_agrees_with_the_tensor_path_and_mpmath(dtype):
    import mpmath as mp

    from torch_impl import kl as K

    torch.manual_seed(1)
    mu, logvar = torch.randn(128, 32, dtype=dtype), 0.5 * torch.randn(128, 32, dtype=dtype)
    logvar[0, :5] = torch.tensor([1e-9, -3e-7, 0.49, 0.51, -20.0], dtype=dtype)
    fast = K.kl_standard_normal_total(mu, logvar)
    via_tensors = K.kl_standard_normal(mu.double(), logvar.double()).sum()
    with mp.workdps(50):
        exact = mp.fsum(
            (mp.expm1(mp.mpf(lv)) - mp.mpf(lv) + mp.mpf(m) ** 2) / 2
            for m, lv in zip(mu.reshape(-1).tolist(), logvar.reshape(-1).tolist(), strict=True)
        )
    eps = torch.finfo(dtype).eps
    assert fast.dtype == dtype
    assert abs(float(fast) - float(exact)) <= eps * float(exact)  # float64: pairwise-sum error only
    assert abs(float(via_tensors) - float(exact)) <= 1e-15 * float(exact)
    # with a gradient to record, the autograd node gives the same value and the analytic gradient
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    total = K.kl_standard_normal_total(mu, logvar)
    total.backward()
    assert float(total.detach()) == float(fast)
    assert torch.equal(mu.grad, mu.detach())
