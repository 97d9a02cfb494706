"""Stable forms used by numerics: proved equal to the textbook forms; wrong variants refuted;
the kernels' series tables equal the Taylor coefficients."""

import sympy as sp

from derivations import stable_forms as S
from derivations.verdicts import Verdict
from numerics import _kernels as K


def test_kl_term_and_missing_one_plus_y():
    assert S.verify_kl_term(S.stable_kl_term).verdict is Verdict.PROVED

    def wrong(a, b):
        y = (a - b) / (a + b)
        return (a + b) * (sp.atanh(y) - y)

    assert S.verify_kl_term(wrong).verdict is Verdict.REFUTED


def test_normal_stable_and_dropped_factor_two():
    assert S.verify_normal_kl_stable(S.stable_normal_kl).verdict is Verdict.PROVED

    def wrong(m1, s1, m2, s2):
        u = sp.log(1 + (s1 - s2) / s2)  # log σ-ratio instead of log variance-ratio
        return (sp.exp(u) - 1 - u) / 2 + ((m1 - m2) / s2) ** 2 / 2

    assert S.verify_normal_kl_stable(wrong).verdict is Verdict.REFUTED


def test_normalisation_correction_and_missing_correction():
    assert S.verify_normalised_categorical().verdict is Verdict.PROVED
    assert S.verify_normalised_categorical(lambda s: 0, k_values=(2,)).verdict is Verdict.REFUTED


def test_logit_difference_and_flipped_exponent():
    assert S.verify_bernoulli_logit_difference().verdict is Verdict.PROVED
    flipped = lambda a, b: S._sigmoid(a) * S._sigmoid(-b) * (1 - sp.exp(a - b))
    assert S.verify_bernoulli_logit_difference(flipped).verdict is Verdict.REFUTED


def test_mvn_whitening_and_missing_transpose():
    assert S.verify_mvn_trace_logdet().verdict is Verdict.PROVED
    one_sided = lambda c1, c2, l2: l2.inv() * (c1 - c2)  # L₂⁻¹D without the right factor
    assert S.verify_mvn_trace_logdet(one_sided).verdict is Verdict.REFUTED


def test_series_tables_match_taylor_coefficients():
    for kind, table in (("kl", K._S), ("expm1mx", K._EXPM1MX), ("xmlog1p", K._XMLOG1P)):
        exact = S.series_coefficients(kind, len(table))
        assert [float(c) for c in exact] == table, kind


def test_series_truncation_error_below_double_rounding():
    # tail bound of each series at the kernels' switch-over points, relative to the leading term
    assert sum(1 / (j + 1) * 0.5**j for j in range(len(K._S), 400)) < 1e-18
    assert sum(0.5**k / sp.factorial(k + 2) for k in range(len(K._EXPM1MX), 60)) < 1e-18
    assert sum(0.25**k / (k + 2) for k in range(len(K._XMLOG1P), 200)) < 1e-18
