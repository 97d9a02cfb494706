"""The analytic gradient of the reverse KL that the exclusive fit's BFGS uses (one
evaluation per gradient where finite differences take three)."""

from __future__ import annotations

import numpy as np
import pytest

from numerics import kl_fit


@pytest.mark.parametrize(("mu", "sigma"), [(0.3, 1.2), (-2.0, 0.4), (3.0, 2.5), (1e3, 0.7)])
def test_gradient_matches_central_differences(mu: float, sigma: float) -> None:
    value, grad = kl_fit._reverse_kl_with_gradient(mu, float(np.log(sigma)))
    assert value == pytest.approx(kl_fit.reverse_kl(mu, sigma), rel=1e-13, abs=1e-15)
    h = 1e-5
    d_mu = (kl_fit.reverse_kl(mu + h, sigma) - kl_fit.reverse_kl(mu - h, sigma)) / (2 * h)
    d_ls = (kl_fit.reverse_kl(mu, sigma * np.exp(h)) - kl_fit.reverse_kl(mu, sigma * np.exp(-h))) / (2 * h)
    scale = max(1.0, abs(value))
    assert abs(grad[0] - d_mu) <= 1e-7 * scale
    assert abs(grad[1] - d_ls) <= 1e-7 * scale


def test_fit_reaches_a_stationary_point_of_the_value() -> None:
    (fit,) = kl_fit.fit_reverse_all()
    h = 1e-5
    d_mu = (kl_fit.reverse_kl(fit.mu + h, fit.sigma) - kl_fit.reverse_kl(fit.mu - h, fit.sigma)) / (2 * h)
    assert fit.converged and abs(d_mu) < 1e-6
