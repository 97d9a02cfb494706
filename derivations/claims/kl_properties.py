"""KL and JSD properties with symbolic proofs (Cover & Thomas 2006, ch. 2). Registered here, before
:mod:`numerics.evidence` attaches its Hypothesis property evidence to the same ids."""

from __future__ import annotations

from derivations.claims.helpers import symbolic_claim
from derivations.kl_properties import (
    verify_chain_rule,
    verify_data_processing,
    verify_joint_convexity,
    verify_jsd_bounds,
    verify_kl_asymmetric,
    verify_kl_zero_iff_equal,
    verify_log_sum_inequality,
    verify_pinsker,
)
from derivations.runner.registry import Claim

PROPS = "Cover & Thomas 2006, ch. 2"

symbolic_claim(
    Claim(
        "kl.zero_iff_equal",
        "KL(p ‖ p) = 0 exactly and KL(p ‖ q) > 0 for p ≠ q, including near-equal pairs (δ down to 1e-12)",
        r"\mathrm{KL}(p\|q)=0 \iff p=q",
        PROPS,
    ),
    verify_kl_zero_iff_equal,
)
symbolic_claim(
    Claim(
        "kl.joint_convexity",
        "KL(λp₁+(1−λ)p₂ ‖ λq₁+(1−λ)q₂) ≤ λKL(p₁‖q₁) + (1−λ)KL(p₂‖q₂)",
        r"\mathrm{KL}\ \text{jointly convex}",
        "seed 003, Problem 6.2",
    ),
    verify_joint_convexity,
)
symbolic_claim(
    Claim(
        "kl.log_sum_inequality",
        "Σ a log(a/b) ≥ (Σa) log(Σa/Σb) for positive a, b",
        r"\sum a_i\log\frac{a_i}{b_i} \ge a\log\frac ab",
        "CPSC 440 1.3; Cover & Thomas 2.7.1",
    ),
    verify_log_sum_inequality,
)
symbolic_claim(
    Claim(
        "kl.chain_rule",
        "KL(p(x,y) ‖ q(x,y)) = KL(p(x) ‖ q(x)) + E_p(x) KL(p(y|x) ‖ q(y|x))",
        r"\mathrm{KL}(p_{XY}\|q_{XY}) = \mathrm{KL}(p_X\|q_X) + \mathbb E\,\mathrm{KL}(p_{Y|X}\|q_{Y|X})",
        PROPS,
    ),
    verify_chain_rule,
)
symbolic_claim(
    Claim(
        "kl.data_processing",
        "KL(pK ‖ qK) ≤ KL(p ‖ q) for every Markov kernel K",
        r"\mathrm{KL}(pK\|qK) \le \mathrm{KL}(p\|q)",
        PROPS,
    ),
    verify_data_processing,
)
symbolic_claim(
    Claim(
        "kl.pinsker", "TV(p, q) ≤ √(KL(p ‖ q)/2) (Pinsker)", r"\mathrm{TV} \le \sqrt{\mathrm{KL}/2}", PROPS
    ),
    verify_pinsker,
)
symbolic_claim(
    Claim(
        "jsd.bounds",
        "0 ≤ JSD(p, q) ≤ log 2, JSD(p, p) = 0, JSD symmetric",
        r"0 \le \mathrm{JSD} \le \log 2",
        "ECE 544 PS5 4(e); Lin 1991",
    ),
    verify_jsd_bounds,
)
symbolic_claim(
    Claim(
        "kl.asymmetry_exists",
        "KL is not symmetric: some p, q have KL(p ‖ q) ≠ KL(q ‖ p)",
        r"\exists p,q:\ \mathrm{KL}(p\|q) \ne \mathrm{KL}(q\|p)",
        PROPS,
    ),
    verify_kl_asymmetric,
)
