"""Symbolic proofs of the KL/JSD properties: proved, and each wrong variant refuted."""

import pytest
import sympy as sp

from derivations import kl_properties as K
from derivations.checker.verdicts import Verdict

P, Q = K._vec("p"), K._vec("q")


def test_log_sum_inequality_proved_and_swapped_ratio_refuted():
    assert K.verify_log_sum_inequality().verdict is Verdict.PROVED
    swapped = K.verify_log_sum_inequality(lambda a, b: a * sp.log(b / a))
    assert swapped.verdict is Verdict.REFUTED


def test_joint_convexity_proved_and_mismatched_weights_refuted():
    assert K.verify_joint_convexity().verdict is Verdict.PROVED
    mismatched = K.verify_joint_convexity(
        lambda p1, p2, q1, q2: K.kl_sum(
            K.ALPHA * p1[K.IX] + K.BETA * p2[K.IX], K.BETA * q1[K.IX] + K.ALPHA * q2[K.IX]
        )
    )
    assert mismatched.verdict is Verdict.REFUTED


def _expectation_under_q(p, q, m):
    px, qx = K._row(p, K.IX, m), K._row(q, K.IX, m)
    cond = sp.Sum((p[K.IX, K.J] / px) * sp.log((p[K.IX, K.J] / px) / (q[K.IX, K.J] / qx)), (K.J, 1, m))
    return sp.Sum(px * sp.log(px / qx), (K.IX, 1, K.N)) + sp.Sum(qx * cond, (K.IX, 1, K.N))


def test_chain_rule_proved_and_wrong_weighting_refuted():
    assert K.verify_chain_rule().verdict is Verdict.PROVED
    assert K.verify_chain_rule(_expectation_under_q).verdict is Verdict.REFUTED


def test_data_processing_proved_and_reversed_inequality_refuted():
    assert K.verify_data_processing().verdict is Verdict.PROVED
    # left = 2 KL(p‖q) − KL(pK‖qK): "left ≤ KL(p‖q)" says KL(p‖q) ≤ KL(pK‖qK), false for a
    # contracting kernel
    reversed_ = K.verify_data_processing(
        lambda p, q, kern, m: 2 * K.kl_sum(p[K.IX], q[K.IX]) - K.pushed_kl(p, q, kern, m)
    )
    assert reversed_.verdict is Verdict.REFUTED


def test_pinsker_proved_and_constant_four_refuted():
    assert K.verify_pinsker().verdict is Verdict.PROVED
    assert K.verify_binary_pinsker(sp.Integer(4)).verdict is Verdict.REFUTED
    assert K.verify_pinsker(sp.Integer(4)).verdict is Verdict.REFUTED


def test_jsd_bounds_proved_and_half_log2_refuted():
    assert K.verify_jsd_bounds().verdict is Verdict.PROVED
    assert K.verify_jsd_bounds(sp.log(2) / 2).verdict is Verdict.REFUTED


def test_zero_iff_equal_proved():
    assert K.verify_kl_zero_iff_equal().verdict is Verdict.PROVED


def test_asymmetry_proved_and_symmetric_pair_refuted():
    assert K.verify_kl_asymmetric().verdict is Verdict.PROVED
    half = sp.Rational(1, 2)
    q = (sp.Rational(1, 3), sp.Rational(2, 3))
    # KL(p‖q) = KL(q‖p) whenever q is p reversed for a 2-point p: a genuinely symmetric pair.
    assert K.verify_kl_asymmetric((q[0], q[1]), (q[1], q[0])).verdict is Verdict.REFUTED
    with pytest.raises(ValueError, match="p, q"):
        K.verify_kl_asymmetric((half, half), (half,))
