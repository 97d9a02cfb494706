"""Torch side: every reproducer of "the programs and torch side check nothing"
as a regression test — bad arguments raise ``ValueError`` naming the argument, never NaN."""

import math

import mpmath as mp
import pytest
import torch

from torch_impl import kl as K
from torch_impl.model import Vae, VaeConfig

F32, F64 = torch.float32, torch.float64


# --------------------------------------------------------------------------- torch_impl.kl

GOOD = torch.zeros(3)
NAN = torch.tensor([0.0, math.nan, 0.0])
INF = torch.tensor([0.0, math.inf, 0.0])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((None, GOOD), r"mu: expected a torch.Tensor, got NoneType"),
        (([0.0, 0.0, 0.0], GOOD), r"mu: expected a torch.Tensor, got list"),
        ((GOOD, 0.0), r"logvar: expected a torch.Tensor, got float"),
        ((NAN, GOOD), r"mu: contains NaN"),
        ((GOOD, NAN), r"logvar: contains NaN"),
        ((GOOD, INF), r"logvar: contains inf"),
        ((GOOD, torch.zeros(2)), r"mu, logvar: shape mismatch"),
        ((GOOD, torch.zeros(3, dtype=F64)), r"mu, logvar: mixed dtypes"),
        ((torch.zeros(3, dtype=torch.int64), GOOD), r"mu: expected a floating-point tensor"),
        ((GOOD, torch.zeros(3, dtype=torch.complex64)), r"logvar: expected a floating-point tensor"),
    ],
)
@pytest.mark.parametrize(
    "fn", [K.kl_standard_normal, K.kl_standard_normal_total, K.kl_standard_normal_textbook]
)
def test_standard_normal_kl_rejects_bad_arguments(fn, args, match):
    with pytest.raises(ValueError, match=match):
        fn(*args)


@pytest.mark.parametrize(
    ("position", "value", "match"),
    [
        (0, NAN, "mu1: contains NaN"),
        (1, INF, "logvar1: contains inf"),
        (2, None, "mu2: expected a torch.Tensor"),
        (3, torch.zeros(4), "mu1, logvar2: shape mismatch"),
        (3, torch.zeros(3, dtype=F64), "mu1, logvar2: mixed dtypes"),
    ],
)
def test_diagonal_kl_rejects_bad_arguments(position, value, match):
    args = [GOOD, GOOD, GOOD, GOOD]
    args[position] = value
    with pytest.raises(ValueError, match=match):
        K.kl_diagonal_normals(*args)


def test_expm1mx_rejects_bad_arguments():
    with pytest.raises(ValueError, match="u: contains NaN"):
        K.expm1mx(NAN)
    with pytest.raises(ValueError, match=r"u: expected a torch\.Tensor"):
        K.expm1mx(1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("logvar", [-1e4, -1500.0, -745.0, -89.0, -40.0, 0.0, 40.0, 89.0, 745.0, 1e4])
def test_kl_of_a_distribution_with_itself_is_exactly_zero(dtype, logvar):
    # the reproducer: logvar −89 in float32 gave nan (0 · e^89 = 0 · inf)
    m = torch.tensor([0.0, 1.5, -3e4], dtype=dtype)
    lv = torch.full((3,), logvar, dtype=dtype)
    assert torch.equal(K.kl_diagonal_normals(m, lv, m, lv), torch.zeros(3, dtype=dtype))


def _exact_diagonal_kl(m1: float, l1: float, m2: float, l2: float) -> mp.mpf:
    with mp.workdps(80):
        m1, l1, m2, l2 = (mp.mpf(v) for v in (m1, l1, m2, l2))
        u = l1 - l2
        return (mp.exp(u) - 1 - u + (m1 - m2) ** 2 * mp.exp(-l2)) / 2


# (μ₁, ℓ₁, μ₂, ℓ₂) at extreme log-variances, where e^{−ℓ₂} alone over/underflows
EXTREME = [
    (1e-30, -89.0, 0.0, -89.0),
    (1e-20, -80.0, 2e-20, -89.5),
    (1.0, 5.0, 0.0, 100.0),
    (3.0, -88.0, 1.0, -87.0),
    (1e-200, -800.0, 0.0, -900.0),
    (1e-300, -1200.0, 0.0, -1300.0),
    (0.5, 10.0, 0.0, 1500.0),
    (1e200, 2000.0, 0.0, 1900.0),
    (2.0, -3.0, 1.0, 700.0),
    (0.1, 0.0, 0.2, -1e-3),
]


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("point", EXTREME)
def test_diagonal_kl_at_extreme_log_variances_matches_mpmath(dtype, point):
    """Finite and correctly rounded (float32: ≤ 1 ulp; float64: ≤ 4 ulp in the direct regime
    |ℓ₂| ≤ 1400, else the stated |log term|·ε bound) wherever the exact value is representable;
    inf exactly where it overflows."""
    t = [torch.tensor([v], dtype=dtype) for v in point]
    if not all(torch.isfinite(x).all() for x in t):  # 1e200, 2000.0 overflow float32: rejected input
        with pytest.raises(ValueError, match="contains inf"):
            K.kl_diagonal_normals(*t)
        return
    got = float(K.kl_diagonal_normals(*t))
    exact = _exact_diagonal_kl(*(float(x) for x in t))  # the exact KL of the rounded inputs
    info = torch.finfo(dtype)
    if exact > info.max:
        assert got == math.inf
        return
    if exact < info.tiny:  # below the normal range: absolute error within the subnormal spacing
        assert abs(mp.mpf(got) - exact) <= info.tiny * info.eps
        return
    rel = float(abs((mp.mpf(got) - exact) / exact)) / info.eps
    l2 = abs(float(t[3]))
    bound = 1.0 if dtype == F32 else (4.0 if l2 <= 1400 else 4.0 + 2 * l2)
    assert rel <= bound, (point, got, float(exact), rel)


def test_diagonal_kl_float32_equals_float64_rounded_once():
    g = torch.Generator().manual_seed(0)
    args = [torch.randn(200, generator=g, dtype=F64) * s for s in (3.0, 10.0, 3.0, 10.0)]
    f64 = K.kl_diagonal_normals(*args)
    f32 = K.kl_diagonal_normals(*(a.float() for a in args))
    ref = K.kl_diagonal_normals(*(a.float().double() for a in args)).float()
    assert torch.isfinite(f32).all() and torch.equal(f32, ref)
    assert torch.allclose(f32.double(), f64, rtol=1e-3)


def test_diagonal_kl_gradient_is_finite_at_extremes():
    m1 = torch.tensor([0.0, 1e-3, 2.0], dtype=F64, requires_grad=True)
    lv = torch.tensor([-1600.0, -89.0, 1600.0], dtype=F64, requires_grad=True)
    m2 = torch.zeros(3, dtype=F64)
    K.kl_diagonal_normals(m1, lv, m2, lv.detach().clone()).sum().backward()
    assert torch.isfinite(m1.grad).all() and torch.isfinite(lv.grad).all()


# --------------------------------------------------------------------------- torch_impl.model


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latent_dim", 2.5),  # the reproducer: accepted, then failed inside nn.Linear
        ("latent_dim", 0),
        ("data_dim", True),
        ("hidden", "256"),
        ("components", -1),
        ("likelihood", "poisson"),
        ("prior", "flow"),
        ("beta", math.inf),
        ("beta", math.nan),
        ("beta", -0.5),
        ("beta", "1"),
        ("gaussian_var", 0.0),
        ("gaussian_var", math.inf),
    ],
)
def test_vae_config_rejects_every_invalid_field(field, value):
    with pytest.raises(ValueError, match=f"^{field}:"):
        VaeConfig(**{field: value})


@pytest.fixture(scope="module")
def gmm_vae():
    torch.manual_seed(0)
    return Vae(VaeConfig(prior="gmm", components=4))


@pytest.fixture(scope="module")
def batch():
    return (torch.rand(7, 64, generator=torch.Generator().manual_seed(1)) < 0.3).float()


@pytest.mark.parametrize("prior", ["gmm", "normal"])
def test_elbo_terms_with_zero_samples_are_per_point_like_one_sample(prior, batch):
    """samples=0 used to give the GM-VAE KL as a batch *mean* (a scalar, B times too small in
    the batch total); now 0 means one draw, exactly as samples=1 on the same random stream."""
    torch.manual_seed(0)
    vae = Vae(VaeConfig(prior=prior, components=4))
    torch.manual_seed(5)
    zero = vae.elbo_terms(batch, samples=0)
    torch.manual_seed(5)
    one = vae.elbo_terms(batch, samples=1)
    for key, value in one.items():
        assert zero[key].shape == (7,) and torch.equal(zero[key], value), key
    torch.manual_seed(5)
    _, totals = vae.loss(batch, samples=0)
    assert torch.allclose(totals.kl, one["kl"].sum())


def test_iwae_with_chunk_zero_raises_instead_of_looping(gmm_vae, batch):
    with pytest.raises(ValueError, match="chunk: must be ≥ 1, got 0"):
        gmm_vae.iwae(batch, 5, chunk=0)
    with pytest.raises(ValueError, match=r"^k:"):
        gmm_vae.iwae(batch, 0)
    with pytest.raises(ValueError, match=r"^k:"):
        gmm_vae.iwae(batch, 2.0)


@pytest.mark.parametrize("prior", ["gmm", "normal"])
def test_empty_batch_is_rejected(prior):
    vae = Vae(VaeConfig(prior=prior, components=3))
    with pytest.raises(ValueError, match=r"x: empty batch"):
        vae.loss(torch.zeros(0, 64))  # the reproducer: nan before
    with pytest.raises(ValueError, match=r"x: empty batch"):
        vae.elbo_terms(torch.zeros(0, 64))


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (None, r"x: expected a torch\.Tensor"),
        (torch.zeros(4, 63), r"x: expected shape \(B, 64\)"),
        (torch.zeros(64), r"x: expected shape \(B, 64\)"),
        (torch.zeros(2, 4, 64), r"x: expected shape \(B, 64\)"),
        (torch.zeros(4, 64, dtype=F64), r"x: dtype torch\.float64 differs from the model's torch\.float32"),
        (torch.zeros(4, 64, dtype=torch.int64), r"x: expected a floating-point tensor"),
        (torch.full((4, 64), math.nan), r"x: contains NaN"),
        (torch.full((4, 64), math.inf), r"x: contains inf"),
    ],
)
@pytest.mark.parametrize("method", ["loss", "elbo_terms", "iwae", "encode"])
def test_model_methods_reject_bad_data(gmm_vae, method, x, match):
    call = {
        "loss": lambda: gmm_vae.loss(x),
        "elbo_terms": lambda: gmm_vae.elbo_terms(x),
        "iwae": lambda: gmm_vae.iwae(x, 3),
        "encode": lambda: gmm_vae.encode(x),
    }[method]
    with pytest.raises(ValueError, match=match):
        call()


def test_normal_prior_loss_rejects_nan_data_and_other_arguments(batch):
    vae = Vae(VaeConfig())
    bad = batch.clone()
    bad[3, 10] = math.nan
    with pytest.raises(ValueError, match="x: contains NaN"):
        vae.loss(bad)
    with pytest.raises(ValueError, match=r"^samples:"):
        vae.loss(batch, samples=-1)
    with pytest.raises(ValueError, match=r"^samples:"):
        vae.elbo_terms(batch, samples=True)
    with pytest.raises(ValueError, match=r"z: expected shape \(\.\.\., 8\)"):
        vae.decode(torch.zeros(3, 5))
    with pytest.raises(ValueError, match=r"^n:"):
        vae.sample(0)
    with pytest.raises(ValueError, match=r"^prior:"):
        vae.log_prior_components(torch.zeros(3, 8))
    with pytest.raises(ValueError, match="x, out: shape mismatch"):
        vae.negative_log_likelihood_total(batch, torch.zeros(6, 64))


def test_a_finite_batch_with_a_diverged_model_returns_the_non_finite_loss(batch):
    """NaN weights are a training failure, not bad input: the loss is returned (non-finite) for
    the training loop to report, not blamed on ``x``."""
    vae = Vae(VaeConfig())
    with torch.no_grad():
        vae.decoder[-1].bias.fill_(math.nan)
    loss, _ = vae.loss(batch)
    assert torch.isnan(loss)


_FUNCTIONS = {
    "kl_standard_normal": (K.kl_standard_normal, ("mu", "logvar")),
    "kl_standard_normal_total": (K.kl_standard_normal_total, ("mu", "logvar")),
    "kl_standard_normal_textbook": (K.kl_standard_normal_textbook, ("mu", "logvar")),
    "kl_diagonal_normals": (K.kl_diagonal_normals, ("mu1", "logvar1", "mu2", "logvar2")),
    "expm1mx": (K.expm1mx, ("u",)),
}


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("name", sorted(_FUNCTIONS))
def test_every_non_finite_argument_is_named(name, bad, dtype):
    """The check looks at the arguments only when the result is non-finite; this confirms that
    every NaN/±inf in every argument position (other entries ordinary, extreme or equal) does
    make the result non-finite, so it is always caught and named."""
    fn, names = _FUNCTIONS[name]
    g = torch.Generator().manual_seed(0)
    for position, arg in enumerate(names):
        for fill in ("random", "equal", "extreme"):
            if fill == "random":
                args = [torch.randn(6, generator=g, dtype=dtype) for _ in names]
            elif fill == "equal":
                args = [torch.zeros(6, dtype=dtype) for _ in names]
            else:
                args = [torch.full((6,), v, dtype=dtype) for v in (-80.0, 80.0, 1e-30, -1e-30)[: len(names)]]
            args[position][2] = bad
            with pytest.raises(ValueError, match=f"^{arg}: contains"):
                fn(*args)
