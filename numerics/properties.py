"""Properties of KL, JSD and the ELBO, as plain functions over drawn values (Cover & Thomas 2006, ch. 2).

Each ``prop_*`` raises :class:`PropertyFailure` (an ``AssertionError``, raised explicitly, so the
checks also run under ``python -O``) with the offending values when the property fails. They
are run by the test suite under the Hypothesis profile in force, and by the report runner
(:mod:`numerics.evidence`) with a fixed, derandomised budget as ``property`` evidence.

Tolerances: every quantity is computed to ≤ 16 ulp relative (the accuracy goal, measured in
``benchmarks/``), so an inequality between computed values may be violated by at most the sum of
both sides' errors: ``slack = 32·ε·(|lhs| + |rhs|)``. Non-negativity and KL(p ‖ p) = 0 need no slack:
the implementation sums non-negative terms, which the properties check exactly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from numerics import _validate as v
from numerics.divergences import jsd_categorical, kl_categorical

Array = NDArray[np.float64]
EPS = np.finfo(np.float64).eps


class PropertyFailure(AssertionError):
    """A property of :mod:`numerics.properties` does not hold; ``args`` hold the offending values.

    Raised explicitly (never by ``assert``), so that ``python -O`` cannot turn the checks off."""


def _require(holds: object, values: object) -> None:
    """Raise :class:`PropertyFailure` with ``values`` unless ``holds`` is true (NaN is false)."""
    if not bool(holds):
        raise PropertyFailure(values)


def _pair(pair: object, name: str = "pair") -> tuple[Array, Array]:
    p, q = v.probability_tuple(pair, name, 2)
    if p.ndim != 1:
        raise ValueError(f"{name}: expected two vectors, got shape {p.shape}")
    return p, q


def _positive_vector(x: object, name: str) -> Array:
    arr = v.positive(x, name).astype(np.float64, copy=False)
    if arr.ndim != 1 or not np.isfinite(arr.sum()):
        raise ValueError(f"{name}: expected a 1-D vector of positive numbers with a finite sum, got "
                         f"shape {arr.shape}")
    return arr


def _slack(*values: float) -> float:
    return 32 * EPS * sum(abs(v) for v in values)


def prop_kl_nonnegative(pair: tuple[Array, Array]) -> None:
    """Gibbs' inequality: KL(p ‖ q) ≥ 0 for categorical p, q (raises :class:`PropertyFailure`
    with the pair otherwise; a NaN fails)."""
    pair = _pair(pair)
    p, q = pair
    _require(kl_categorical(p, q) >= 0, (p, q))


def prop_kl_zero_iff_equal(pair: tuple[Array, Array]) -> None:
    """KL(p ‖ p) = 0 exactly; KL(p ‖ q) > 0 whenever the normalised vectors differ."""
    pair = _pair(pair)
    p, q = pair
    _require(kl_categorical(p, p) == 0.0, p)
    _require(kl_categorical(q, q) == 0.0, q)
    if not np.array_equal(p, q):  # both sum to exactly 1 (strategies), so p ≠ q as distributions
        _require(kl_categorical(p, q) > 0, (p, q))


def prop_joint_convexity(pairs: tuple[tuple[Array, Array], tuple[Array, Array]], lam: float) -> None:
    """KL(λp₁ + (1−λ)p₂ ‖ λq₁ + (1−λ)q₂) ≤ λKL(p₁ ‖ q₁) + (1−λ)KL(p₂ ‖ q₂) (seed 003, 6.2)."""
    if isinstance(pairs, str | bytes) or not isinstance(pairs, tuple | list) or len(pairs) != 2:
        raise ValueError(f"pairs: expected two (p, q) pairs, got {type(pairs).__name__}")
    pairs = (_pair(pairs[0], "pairs[0]"), _pair(pairs[1], "pairs[1]"))
    if pairs[0][0].shape != pairs[1][0].shape:
        raise ValueError("pairs: the two pairs differ in length")
    lam = v.real_number(lam, "lam")
    if not 0 <= lam <= 1:
        raise ValueError(f"lam: expected a weight in [0, 1], got {lam!r}")
    (p1, q1), (p2, q2) = pairs
    lhs = float(kl_categorical(lam * p1 + (1 - lam) * p2, lam * q1 + (1 - lam) * q2, normalize=True))
    rhs = lam * float(kl_categorical(p1, q1)) + (1 - lam) * float(kl_categorical(p2, q2))
    # forming the mixtures rounds each entry (relative ε); that perturbs a KL of value K by at most
    # ≈ 2ε√(2K) + 2ε² (second-order expansion), on top of the computed values' own errors
    input_rounding = 4 * EPS * np.sqrt(2 * max(rhs, 0.0)) + 4 * EPS**2
    _require(lhs <= rhs + _slack(lhs, rhs) + input_rounding, (lhs, rhs))


def prop_log_sum_inequality(a: Array, b: Array) -> None:
    """Σ a log(a/b) ≥ (Σa) log(Σa/Σb) for positive a, b (CPSC 440 1.3; Cover & Thomas 2.7.1)."""
    a, b = _positive_vector(a, "a"), _positive_vector(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a, b: shape mismatch {a.shape} vs {b.shape}")
    with np.errstate(over="ignore", under="ignore"):
        ratios = np.concatenate([a / b, [a.sum() / b.sum()]])
    if not (np.isfinite(ratios).all() and (ratios > 0).all()):
        raise ValueError("a, b: the ratios a/b leave the float range (their logs would be ±inf)")
    lhs = float(np.sum(a * np.log(a / b)))
    rhs = float(a.sum() * np.log(a.sum() / b.sum()))
    # the ratios are rounded before the log: a relative error δ in a ratio moves its log by δ,
    # i.e. a·log(a/b) by a·δ however small the term (a ≈ b: terms ~1e-13, errors ~Σa·ε); the
    # totals' ratio carries (n + 1)ε: hence the absolute allowance 2(n + 1)·ε·Σa
    ratio_rounding = 2 * (a.size + 1) * EPS * float(a.sum())
    slack = _slack(lhs, rhs, float(np.sum(np.abs(a * np.log(a / b))))) + ratio_rounding
    _require(lhs >= rhs - slack, (lhs, rhs))


def prop_chain_rule(joint_p: Array, joint_q: Array) -> None:
    """KL(p(x,y) ‖ q(x,y)) = KL(p(x) ‖ q(x)) + Σ_x p(x) KL(p(y|x) ‖ q(y|x))."""
    joint_p, joint_q = v.probability_table(joint_p, "joint_p"), v.probability_table(joint_q, "joint_q")
    if joint_p.shape != joint_q.shape:
        raise ValueError(f"joint_p, joint_q: shape mismatch {joint_p.shape} vs {joint_q.shape}")
    # a table means p/Σp (the toolkit's convention): the chain rule weighs by the marginal p(x),
    # which must sum to 1 to float64 rounding, not merely within the 1e-6 a table is allowed
    joint_p, joint_q = joint_p / joint_p.sum(), joint_q / joint_q.sum()
    px, qx = joint_p.sum(1), joint_q.sum(1)
    whole = float(kl_categorical(joint_p.ravel(), joint_q.ravel(), normalize=True))
    conds = [
        float(kl_categorical(joint_p[i] / px[i], joint_q[i] / qx[i], normalize=True)) for i in range(len(px))
    ]
    marginal = float(kl_categorical(px, qx, normalize=True))
    parts = marginal + sum(px[i] * c for i, c in enumerate(conds))
    # marginals and conditionals are formed in floating point (relative ε per entry): each KL of
    # value K computed from rounded inputs moves by ≲ 2ε√(2K) + 2ε² (second-order expansion)
    moved = lambda k: 4 * EPS * np.sqrt(2 * k) + 4 * EPS**2
    input_rounding = moved(marginal) + sum(px[i] * moved(c) for i, c in enumerate(conds))
    _require(abs(whole - parts) <= _slack(whole, parts) + input_rounding, (whole, parts))


def prop_data_processing(pair: tuple[Array, Array], kernel: Array) -> None:
    """KL(pK ‖ qK) ≤ KL(p ‖ q) for a Markov kernel K (Cover & Thomas 2.8)."""
    pair = _pair(pair)
    kernel = v.as_float_array(kernel, "kernel").astype(np.float64, copy=False)
    if kernel.ndim != 2 or kernel.shape[0] != pair[0].shape[-1]:
        raise ValueError(f"kernel: expected shape ({pair[0].shape[-1]}, m), got {kernel.shape}")
    v.probability_vectors(kernel, "kernel")
    p, q = pair
    after = float(kl_categorical(p @ kernel, q @ kernel, normalize=True))
    before = float(kl_categorical(p, q))
    _require(after <= before + _slack(after, before), (after, before))


def prop_pinsker(pair: tuple[Array, Array]) -> None:
    """TV(p, q) ≤ √(KL(p ‖ q)/2)."""
    pair = _pair(pair)
    p, q = pair
    tv = 0.5 * float(np.abs(p - q).sum())
    bound = float(np.sqrt(kl_categorical(p, q) / 2))
    _require(tv <= bound * (1 + 32 * EPS) + 1e-300, (tv, bound))


def prop_jsd_bounds(pair: tuple[Array, Array]) -> None:
    """0 ≤ JSD(p, q) ≤ log 2, JSD(p, p) = 0, JSD symmetric."""
    pair = _pair(pair)
    p, q = pair
    j = float(jsd_categorical(p, q))
    _require(0 <= j <= np.log(2), j)
    _require(jsd_categorical(p, p) == 0.0, p)
    _require(abs(j - float(jsd_categorical(q, p))) <= _slack(j), j)


def prop_jsd_sqrt_triangle(triple: tuple[Array, Array, Array]) -> None:
    """√JSD is a metric (Endres & Schindelin 2003): triangle inequality."""
    p, q, r = v.probability_tuple(triple, "triple", 3)
    d = lambda a, b: float(np.sqrt(jsd_categorical(a, b)))
    _require(d(p, r) <= d(p, q) + d(q, r) + 64 * EPS, (d(p, r), d(p, q), d(q, r)))


def _elbo_arguments(joint: object, x: object, q: object) -> tuple[Array, int, Array]:
    joint = v.probability_table(joint, "joint")
    x = v.integer(x, "x", minimum=0)
    if x >= joint.shape[0]:
        raise ValueError(f"x: expected a row of the joint table, 0 ≤ x < {joint.shape[0]}, got {x}")
    q = v.probability_vectors(q, "q")
    if q.shape != (joint.shape[1],):
        raise ValueError(f"q: expected {joint.shape[1]} probabilities (one per z), got shape {q.shape}")
    return joint, x, q / q.sum()  # q means q/Σq (a float32 q sums to 1 only within its rounding)


def elbo_and_log_evidence(joint: Array, x: int, q: Array) -> tuple[float, float]:
    """(ELBO(q) = Σ_z q(z)[log p(x, z) − log q(z)], log p(x)) for a joint table p(x, z)."""
    joint, x, q = _elbo_arguments(joint, x, q)
    row = joint[x]
    with np.errstate(divide="ignore"):
        elbo = float(np.sum(np.where(q > 0, q * (np.log(row) - np.log(np.where(q > 0, q, 1.0))), 0.0)))
    return elbo, float(np.log(row.sum()))


def prop_elbo_bound(joint: Array, x: int, q: Array) -> None:
    """ELBO(q) ≤ log p(x); = log p(x) at q = p(z|x), where the gap log p(x) − ELBO = KL(q ‖ p(z|x))."""
    joint = v.probability_table(joint, "joint")
    x = v.integer(x, "x", minimum=-(2**63)) % joint.shape[0]
    joint, x, q = _elbo_arguments(joint, x, q)
    elbo, log_px = elbo_and_log_evidence(joint, x, q)
    # the ELBO is a sum of terms q(log p − log q): its rounding error scales with their magnitudes
    scale = float(np.sum(np.abs(q * np.log(joint[x])))) + float(np.sum(-q[q > 0] * np.log(q[q > 0])))
    _require(elbo <= log_px + 64 * EPS * (scale + abs(log_px)), (elbo, log_px))
    post = joint[x] / joint[x].sum()
    at_post, _ = elbo_and_log_evidence(joint, x, post)
    _require(
        abs(at_post - log_px) <= 64 * EPS * (abs(log_px) + float(np.abs(np.log(joint[x])).max())),
        (at_post, log_px),
    )
    gap = log_px - elbo
    kl = float(kl_categorical(q, post, normalize=True))
    _require(
        abs(gap - kl) <= 64 * EPS * (abs(log_px) + float(np.abs(np.log(joint[x])).max())) + _slack(kl),
        (gap, kl),
    )
