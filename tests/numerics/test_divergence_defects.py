"""Regression tests for defects found by an independent probe (a 6,000-bit mpmath reference on
exact inputs): logit differences that overflow, singular covariances accepted at some scales,
and a K = 2 categorical KL 9.3 ulp off. Each case is the probe's reproducer or a stranger's
variant of it (a lecture-notes example, a scaled copy, the other argument)."""

from __future__ import annotations

import ast
import warnings

import numpy as np
import pytest

from numerics import accuracy as A
from numerics import accuracy_sweep as S
from numerics import divergences as D
from numerics.accuracy_sweep import ulp_spacing_error


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may leak from overflowing logits
        yield


# ---------------------------------------------------------------------------- overflowing logits


def test_categorical_logits_whose_difference_overflows():
    assert D.kl_categorical_logits([1e308, -1e308], [0.0, 0.0]) == 0.6931471805599453


def test_bernoulli_logits_whose_difference_overflows():
    assert D.kl_bernoulli_logits(1e308, -8e307) == 8e307


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([0.0, 0.0], [1e308, -1e308]),  # q puts e^{−2e308} where p puts ½: KL ≈ 1e308
        ([1e308, 0.0, -1e308], [-1e308, 3.0, 1e308]),  # exact KL 2e308: overflows to inf
        ([0.0, 1e-9, -1e308], [0.0, 0.0, -1.7e308]),  # the huge entries carry no mass: tiny KL
        ([0.0, -700.0, -1e308], [0.0, 0.3, -1.7e308]),
        ([0.0, -500.0, 3.0], [0.0, -1e308, 3.0]),  # e^{−500}·1e308
        ([-8e307, 0.0], [1e308, 0.0]),
        ([1.7e308, -1.7e308, 0.0], [-1.7e308, 1.7e308, 0.0]),
        ([-1e308, -1e308], [1e308, 1e308]),  # both uniform: 0
    ],
)
def test_logits_beyond_the_float_range_of_their_differences(a, b):
    a, b = np.array(a), np.array(b)
    got = float(D.kl_categorical_logits(a, b))
    assert ulp_spacing_error(got, A.ref_kl_categorical_logits(a, b)) <= 2


@pytest.mark.parametrize(("a", "b"), [(1e308, -8e307), (-8e307, 1e308), (1.7e308, 1.7e308), (-1e308, 5.0),
                                      (-715.7464327519177, -3663.1557866854578), (-745.0, -3000.0)])
def test_bernoulli_logits_at_the_float_range_and_subnormal_probabilities(a, b):
    got = float(D.kl_bernoulli_logits(a, b))
    assert ulp_spacing_error(got, A.ref_kl_bernoulli_logits(a, b)) <= 2


def test_a_wrong_logits_form_is_refuted_by_the_reference():
    # the textbook Σ p (log p − log q) with log-softmax by subtraction gives NaN/inf here
    a, b = np.array([1e308, -1e308]), np.array([0.0, 0.0])
    with np.errstate(all="ignore"):
        la = a - np.logaddexp.reduce(a)
        lb = b - np.logaddexp.reduce(b)
        textbook = float(np.sum(np.exp(la) * (la - lb)))
    assert ulp_spacing_error(textbook, A.ref_kl_categorical_logits(a, b)) > 2


# ---------------------------------------------------------------------------- singular covariances


@pytest.mark.parametrize("scale", [1e-300, 1e-8, 1.0, 2.0, 3.0, 1e8, 1e300])
def test_a_singular_covariance_is_refused_at_every_scale(scale):
    singular = scale * np.ones((2, 2))
    with pytest.raises(ValueError, match=r"^cov1: "):
        D.kl_mvn([0, 0], singular, [0, 0], np.eye(2))
    with pytest.raises(ValueError, match=r"^cov2: "):
        D.kl_mvn([0, 0], np.eye(2), [0, 0], singular)
    with pytest.raises(ValueError, match=r"^cov: "):
        D.entropy_mvn(singular)


def test_the_probes_singular_matrices():
    with pytest.raises(ValueError, match=r"^cov1: "):
        D.kl_mvn([0, 0], [[2, 2], [2, 2]], [0, 0], np.eye(2))
    with pytest.raises(ValueError, match=r"^cov: "):
        D.entropy_mvn([[1, 1], [1, 1]])


def test_a_rank_deficient_3x3_from_an_outer_product_is_refused():
    v = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    with pytest.raises(ValueError, match=r"^cov: "):
        D.entropy_mvn(v.T @ v)  # rank 2


def test_ill_conditioned_but_regular_covariances_are_accepted():
    # the refusal is about singularity within rounding, not conditioning: cond 1e10 passes
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    c = (q * np.array([1.0, 1e-5, 1e-10])) @ q.T
    c = (c + c.T) / 2
    assert np.isfinite(D.entropy_mvn(c))
    assert np.isfinite(D.kl_mvn(np.zeros(3), c, np.zeros(3), np.eye(3)))


# ---------------------------------------------------------------------------- accuracy reproducers


def test_the_probes_k2_categorical_pair_is_within_one_and_a_half_ulp():
    # was 0.0037491856559494436, 9.3 ulp from the exact 0.00374918565594944759; now 1.29
    p = np.array([0.020491106547848675, 0.9795088934521513])
    q = np.array([0.03523588437552469, 0.9647641156244753])
    assert ulp_spacing_error(float(D.kl_categorical(p, q)), A.ref_kl_categorical(p, q)) <= 1.5


def test_ulp_spacing_error_uses_the_spacing_at_the_exact_value():
    with A.mp.workdps(40):
        exact = A.mp.mpf("0.00374918565594944759")
    # 2⁻⁶¹ is the float64 spacing in [2⁻⁹, 2⁻⁸): 4.0e−18 away is 9.3 spacings (the probe's figure)
    assert 9.2 < ulp_spacing_error(0.0037491856559494436, exact) < 9.4
    assert ulp_spacing_error(0.0, A.mp.mpf(0)) == 0.0
    assert ulp_spacing_error(float("inf"), A.mp.mpf("1e400")) == 0.0
    assert ulp_spacing_error(1.0, A.mp.mpf("1e400")) == float("inf")


# ---------------------------------------------------------------------------- large negative masks


@pytest.mark.parametrize("mask", [-1e4, -4.5e9, -1e12, -6e18, -1e19, -1e100, -1e300])
def test_a_large_negative_number_used_as_a_mask_is_a_category_of_probability_zero(mask):
    # was nan for masks from about −1e12 to −6e18: the subnormal-p form's exponent k overflowed
    # ldexp's int; the term is below 2⁻¹⁰⁷⁵ there and is 0
    want = D.kl_categorical_logits([0.0, -np.inf, 1.0], [0.5, -np.inf, 0.3])
    assert float(want) == 0.16214747621937486
    for b_mask in (mask, 1.5 * mask, mask / 3):
        got = D.kl_categorical_logits([0.0, mask, 1.0], [0.5, b_mask, 0.3])
        assert abs(float(got) - float(want)) <= 2 * np.spacing(float(want))
        rows = D.kl_categorical_logits(np.array([[0.0, mask, 1.0]] * 3), np.array([[0.5, b_mask, 0.3]] * 3))
        assert np.array_equal(rows, np.full(3, float(got)))
    # the NumPy reference form agrees (it shared the overflow)
    ref = D._kl_logits_rows(np.array([[0.0, mask, 1.0]]), np.array([[0.5, mask, 0.3]]))
    assert np.isfinite(ref).all() and abs(float(ref[0]) - float(want)) <= 4 * np.spacing(float(want))


# ---------------------------------------------------------------------------- subnormal scales


@pytest.mark.parametrize(
    "args",
    [
        (1.691075763e-315, 7.36501904e-316, -1.125409251476296e-309, 8.36295676314031e-309),
        (-2.09e-321, 1.002933696e-315, 3.94301553728646e-309, 7.213813499969526e-309),
        (-3.84928966e-316, 2.7061179e-316, -6.503235893571172e-139, 6.7127379855752185e-139),
        (-8.945940292939504e301, 1.239068973995794e302, -1.4011427710356698e302, 2.9617149046730342e302),
        (-1.3565888804925622e305, 4.779519395620806e34, 5.340913207545369e304, 1.988947421461184e302),
    ],
)
def test_kl_normal_with_subnormal_or_huge_scales_keeps_its_digits(args):
    """The probe's inputs: σ₁ (and σ₂) subnormal, where the first-order correction's Dekker
    products underflowed and added an error of ~2⁻¹⁰⁷⁴/σ₁ (3.8·10⁶ ulp on the first input);
    σ₂ beyond 2⁹⁹⁶, where the correction's splitting overflowed and it was left out (5.3 and
    2.7 ulp on the last two)."""
    exact = A.ref_kl_normal(*args)
    assert ulp_spacing_error(float(D.kl_normal(*args)), exact) <= 2.0
    diag = D.kl_normal_diag(*(np.array([x]) for x in args))
    assert ulp_spacing_error(float(diag), exact) <= 2.0


def test_the_normal_forms_agree_on_subnormal_and_extreme_scales():
    """The compiled kernel and its NumPy form (the same bits) over σ log-uniform in
    [1e−323, 1e308] with means at 0, 10⁻³σ and σ, each within 2 ulp of the reference."""
    rng = np.random.default_rng(25)
    n = 600
    s1, s2 = 10.0 ** rng.uniform(-323, 307, n), 10.0 ** rng.uniform(-323, 307, n)
    keep = (s1 > 0) & (s2 > 0)
    s1, s2 = s1[keep], s2[keep]
    m1 = rng.normal(size=s1.size) * s1 * rng.choice([0.0, 1e-3, 1.0], s1.size)
    m2 = rng.normal(size=s1.size) * s2 * rng.choice([0.0, 1e-3, 1.0], s1.size)
    got = np.asarray(D.kl_normal(m1, s1, m2, s2))
    numpy_form = np.empty(s1.size)
    with np.errstate(all="ignore"):
        D._kl_normal_into_numpy(m1, s1, m2, s2, out=numpy_form)
    assert np.array_equal(got, numpy_form)
    for i in range(0, s1.size, 7):
        x = [float(v[i]) for v in (m1, s1, m2, s2)]
        assert ulp_spacing_error(float(got[i]), A.ref_kl_normal(*x)) <= 2.0, x


# ---------------------------------------------------------------------------- Normal entropy


@pytest.mark.parametrize("sigma", [0.2387795467279314, 0.24197072451914337, 0.2419707245191434])
def test_normal_entropy_where_it_crosses_zero(sigma):
    """H = ½ log(2πe σ²) → 0 at σ = 1/√(2πe) ≈ 0.24197: the textbook sum ½ log(2πe) + log σ
    gave −0.01327601814524959 at the probe's σ = 0.2387795467279314 (exact
    −0.013276018145249420874, 98 ulp off)."""
    with A.mp.workdps(60):
        s = A.mp.mpf(sigma)
        exact = A.mp.log(2 * A.mp.pi * A.mp.e * s * s) / 2
    assert ulp_spacing_error(float(D.entropy_normal(sigma)), exact) <= 2.0


# ---------------------------------------------------------------------------- proportional JSD


@pytest.mark.parametrize("normalize", [False, True])
def test_jsd_of_a_pair_proportional_to_a_few_ulp(normalize):
    """q = p·(1 + kε) rounded: p̂ − q̂ is then of the order of ε², below the rounding of
    p_i·Q − q_i·P from the totals; the probe's pair gave 1.4504036776891594e-41 (exact
    1.4504036776886168e-41, 2,129 ulp off)."""
    p = [0.09634627583896117, 0.9036537241610387]
    q = [0.09634627583896158, 0.9036537241610425]
    exact = A.ref_jsd_categorical(np.array(p), np.array(q))
    assert ulp_spacing_error(float(D.jsd_categorical(p, q, normalize=normalize)), exact) <= 8.0


def test_jsd_of_proportional_rows_of_every_length():
    rng = np.random.default_rng(25)
    for k in (2, 3, 8, 64):
        p = rng.dirichlet(np.ones(k), size=40)
        q = p * (1 + rng.integers(1, 50, size=(40, 1)) * 2.0**-52)
        got = D.jsd_categorical(p, q, normalize=True)
        for i in range(40):
            exact = A.ref_jsd_categorical(p[i], q[i])
            assert ulp_spacing_error(float(got[i]), exact) <= 8.0, (p[i].tolist(), q[i].tolist())


# ---------------------------------------------------------------------------- MVN entropy and scales


@pytest.mark.parametrize(
    "cov",
    [
        [[0.2387795467279314**2]],
        [[0.05854983152431913, 0.0, 0.0], [0.0, 0.05854983152431913, 0.0], [0.0, 0.0, 0.05854983152431913]],
        np.diag([0.058809116703696034, 0.05867954721334933, 0.05761902950530573, 0.059101730214628036]),
    ],
)
def test_mvn_entropy_where_it_crosses_zero(cov):
    """det(2πe Σ) → 1: ½(d log 2πe + log det Σ) lost every digit (the probe's 3×3 σ²I gave 0.0,
    exact −7.0e−16; its 4×4 diagonal 2.7·10⁵ ulp off)."""
    cov = np.asarray(cov, dtype=np.float64)
    d = cov.shape[-1]
    with A.mp.workdps(60):
        logdet = sum(A.mp.log(A.mp.mpf(float(x))) for x in np.diag(cov))
        exact = (d * A.mp.log(2 * A.mp.pi * A.mp.e) + logdet) / 2
    assert ulp_spacing_error(float(D.entropy_mvn(cov)), exact) <= 2.0


def test_covariances_with_variances_far_apart_are_accepted():
    """diag(1e300, 1e−300) is positive definite (det 1); a common power-of-2 factor pushed its
    small variance below the float range and the factorisation refused it as not positive
    definite."""
    c = np.diag([1e300, 1e-300])
    assert D.entropy_mvn(c) == pytest.approx(np.log(2 * np.pi * np.e), rel=1e-15)
    assert D.kl_mvn(np.zeros(2), np.eye(2), np.zeros(2), c) == pytest.approx(5e299, rel=1e-15)
    assert D.kl_mvn(np.ones(2), c, np.zeros(2), c) == pytest.approx(5e299, rel=1e-15)
    assert D.kl_mvn(np.zeros(2), c, np.zeros(2), c) == 0.0


def test_equal_means_beyond_the_range_of_mu_over_sigma_give_a_finite_kl():
    """Per-coordinate scaling must not turn equal means into inf − inf: μ = 1e200 over a
    variance of 1e−300 is beyond the float range once scaled, their difference is 0."""
    c = np.diag([1.0, 1e-300])
    assert D.kl_mvn([0.0, 1e200], c, [0.0, 1e200], c) == 0.0
    assert D.kl_mvn([0.0, 1e200], c, [1.0, 1e200], c) == 0.5


# ---------------------------------------------------------------------------- logits beyond σ's range


def test_bernoulli_logits_with_a_subnormal_probability_keep_their_digits():
    """The probe's pair: σ(a) = e^{−741.8} is subnormal (2⁻¹⁰⁷⁵ absolute), and the term
    (q − p) + p·ℓ magnified its rounding by 1 + |ℓ| ≈ 35: 4.054058635127002e-308 for
    4.0540586351270084e-308 (13 ulp)."""
    a, b = -741.757549331989, -707.7964901307166
    exact = A.ref_kl_bernoulli_logits(a, b)
    assert ulp_spacing_error(float(D.kl_bernoulli_logits(a, b)), exact) <= 2.0
    assert ulp_spacing_error(float(D.kl_categorical_logits([a, 0.0], [b, 0.0])), exact) <= 2.0


def test_the_subnormal_far_term_has_the_same_bits_in_every_form():
    """Rows with p in the subnormal range and ℓ = log(p/q) < −2 (K = 2, and K = 5 where three
    ordinary categories dominate the KL): the compiled block and its NumPy form agree bit for
    bit; on K = 2, where that term is the KL, it and the NumPy reference are within 2 ulp."""
    from numerics import _logits_numpy as M

    rng = np.random.default_rng(25)
    n = 300
    x = -rng.uniform(700, 760, n)
    y = x + rng.uniform(2.5, 45, n)
    a = np.stack([x, np.zeros(n)], axis=1)
    b = np.stack([y, np.zeros(n)], axis=1)
    wide_a = np.concatenate([a, rng.normal(size=(n, 3))], axis=1)
    wide_b = np.concatenate([b, rng.normal(size=(n, 3))], axis=1)
    for aa, bb in ((a, b), (wide_a, wide_b)):
        compiled = np.empty(n)
        assert D._kl_logits_block(aa, bb, compiled) == 0
        numpy_form = np.empty(n)
        assert M.kl_logits_block_numpy(aa, bb, numpy_form) == 0
        assert np.array_equal(compiled.view(np.int64), numpy_form.view(np.int64))
        if aa.shape[1] > 2:
            continue
        reference = D._kl_logits_rows(aa, bb)
        for i in range(0, n, 15):
            exact = A.ref_kl_categorical_logits(aa[i], bb[i])
            assert ulp_spacing_error(float(compiled[i]), exact) <= 2.0, (aa[i].tolist(), bb[i].tolist())
            assert ulp_spacing_error(float(reference[i]), exact) <= 2.0, (aa[i].tolist(), bb[i].tolist())


def test_jsd_of_sparse_rows_a_few_ulp_apart_keeps_its_digits():
    """K = 1000 Dirichlet(0.01) rows with q = p·e^{δu} renormalised, δ ~ 1e−16: here p_i·Q − q_i·P
    from the totals is accurate relative to each p_i, and the form for pairs proportional to a
    few ulp must not replace it element by element (a version that did reached 23 ulp in the
    probe, 37 on these draws: the totals' rounding is common to the row and cancels, a mixture
    of forms does not)."""
    for seed in (157, 738, 1174, 1355):  # draws where an element-wise mixture was 15–37 ulp off
        rng = np.random.default_rng(seed)
        p = rng.dirichlet(np.full(1000, 0.01))
        q = p * np.exp(10.0 ** rng.uniform(-16, -15) * rng.uniform(-1, 1, 1000))
        q = q / q.sum()
        exact = A.ref_jsd_categorical(p, q)
        assert ulp_spacing_error(float(D.jsd_categorical(p, q)), exact) <= 8.0


@pytest.mark.parametrize(("a", "b", "was", "bound"), [
    (0.4758431442583682, -0.5241569191613837, 16.3, 2.0),  # b − a = −1.00000006
    (-0.37824489067161393, 0.6217603132586116, 15.8, 5.0),  # b − a = 1.0000052
    (0.53665876689231, -0.4633412331674199, 15.4, 2.0),  # b − a = −1.00000000006
])
def test_bernoulli_logits_just_past_a_unit_difference_keep_their_digits(a, b, was, bound):
    """The directed search's worst kl_bernoulli_logits inputs (|b − a| just above 1, where p − q
    was taken from the rounded σ's, ``was`` ulp): by expm1 now, a third of that or less."""
    got = float(D.kl_bernoulli_logits(a, b))
    assert ulp_spacing_error(got, A.ref_kl_bernoulli_logits(a, b)) <= bound < was / 3


def test_entropy_of_a_near_one_hot_row_of_64_keeps_its_digits():
    """The directed search's worst entropy_categorical input (``accuracy_sweep.PINNED``; K = 64:
    one entry ≈ 1.003 and 63 near-identical ones ≈ 1.38e−9, normalised by the function): the
    pairwise total P = Σp was 3.7 ulp off and entered every term through 1/P and log P (8.7 ulp);
    with the compensated total, within 2 ulp. A row's entropy is the same alone and in a batch."""
    got, exact, text = S.PINNED["entropy_categorical"][0]()
    assert ulp_spacing_error(got, exact) <= 2.0
    p = np.array(ast.literal_eval(text.removesuffix(" normalize=True"))[0])
    batch = np.stack([p, p[::-1], np.full(64, 1 / 64)])
    rows = D.entropy_categorical(batch, normalize=True)
    assert rows[0] == got and rows[1] == float(D.entropy_categorical(p[::-1], normalize=True))
