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


def _slack(*values: float) -> float:
    return 32 * EPS * sum(abs(v) for v in values)


def prop_kl_nonnegative(pair: tuple[Array, Array]) -> None:
    """Gibbs' inequality: KL(p ‖ q) ≥ 0 for categorical p, q (raises :class:`PropertyFailure`
    with the pair otherwise; a NaN fails)."""
    p, q = pair
    _require(kl_categorical(p, q) >= 0, (p, q))


def prop_kl_zero_iff_equal(pair: tuple[Array, Array]) -> None:
    """KL(p ‖ p) = 0 exactly; KL(p ‖ q) > 0 whenever the normalised vectors differ."""
    p, q = pair
    _require(kl_categorical(p, p) == 0.0, p)
    _require(kl_categorical(q, q) == 0.0, q)
    if not np.array_equal(p, q):  # both sum to exactly 1 (strategies), so p ≠ q as distributions
        _require(kl_categorical(p, q) > 0, (p, q))


def prop_joint_convexity(pairs: tuple[tuple[Array, Array], tuple[Array, Array]], lam: float) -> None:
    """KL(λp₁ + (1−λ)p₂ ‖ λq₁ + (1−λ)q₂) ≤ λKL(p₁ ‖ q₁) + (1−λ)KL(p₂ ‖ q₂) (seed 003, 6.2)."""
    (p1, q1), (p2, q2) = pairs
    lhs = float(kl_categorical(lam * p1 + (1 - lam) * p2, lam * q1 + (1 - lam) * q2, normalize=True))
    rhs = lam * float(kl_categorical(p1, q1)) + (1 - lam) * float(kl_categorical(p2, q2))
    # forming the mixtures rounds each entry (relative ε); that perturbs a KL of value K by at most
    # ≈ 2ε√(2K) + 2ε² (second-order expansion), on top of the computed values' own errors
    input_rounding = 4 * EPS * np.sqrt(2 * max(rhs, 0.0)) + 4 * EPS**2
    _require(lhs <= rhs + _slack(lhs, rhs) + input_rounding, (lhs, rhs))


def prop_log_sum_inequality(a: Array, b: Array) -> None:
    """Σ a log(a/b) ≥ (Σa) log(Σa/Σb) for positive a, b (CPSC 440 1.3; Cover & Thomas 2.7.1)."""
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
    p, q = pair
    after = float(kl_categorical(p @ kernel, q @ kernel, normalize=True))
    before = float(kl_categorical(p, q))
    _require(after <= before + _slack(after, before), (after, before))


def prop_pinsker(pair: tuple[Array, Array]) -> None:
    """TV(p, q) ≤ √(KL(p ‖ q)/2)."""
    p, q = pair
    tv = 0.5 * float(np.abs(p - q).sum())
    bound = float(np.sqrt(kl_categorical(p, q) / 2))
    _require(tv <= bound * (1 + 32 * EPS) + 1e-300, (tv, bound))


def prop_jsd_bounds(pair: tuple[Array, Array]) -> None:
    """0 ≤ JSD(p, q) ≤ log 2, JSD(p, p) = 0, JSD symmetric."""
    p, q = pair
    j = float(jsd_categorical(p, q))
    _require(0 <= j <= np.log(2), j)
    _require(jsd_categorical(p, p) == 0.0, p)
    _require(abs(j - float(jsd_categorical(q, p))) <= _slack(j), j)


def prop_jsd_sqrt_triangle(triple: tuple[Array, Array, Array]) -> None:
    """√JSD is a metric (Endres & Schindelin 2003): triangle inequality."""
    p, q, r = triple
    d = lambda a, b: float(np.sqrt(jsd_categorical(a, b)))
    _require(d(p, r) <= d(p, q) + d(q, r) + 64 * EPS, (d(p, r), d(p, q), d(q, r)))


def elbo_and_log_evidence(joint: Array, x: int, q: Array) -> tuple[float, float]:
    """(ELBO(q) = Σ_z q(z)[log p(x, z) − log q(z)], log p(x)) for a joint table p(x, z)."""
    row = joint[x]
    with np.errstate(divide="ignore"):
        elbo = float(np.sum(np.where(q > 0, q * (np.log(row) - np.log(np.where(q > 0, q, 1.0))), 0.0)))
    return elbo, float(np.log(row.sum()))


def prop_elbo_bound(joint: Array, x: int, q: Array) -> None:
    """ELBO(q) ≤ log p(x); = log p(x) at q = p(z|x), where the gap log p(x) − ELBO = KL(q ‖ p(z|x))."""
    x = x % joint.shape[0]
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
