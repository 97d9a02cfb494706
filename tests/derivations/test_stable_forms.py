"""Stable forms used by numerics: proved equal to the textbook forms; wrong variants refuted;
the kernels' series tables equal the Taylor coefficients."""

import sympy as sp

from derivations import stable_forms as S
from derivations.checker.verdicts import Verdict
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
        x = (s1 - s2) / s2  # ½x² and x·s without the series part: x − log(1 + x) ≠ x·s
        return (x / 2) * x + x * x / (2 + x) + ((m1 - m2) / s2) ** 2 / 2

    assert S.verify_normal_kl_stable(wrong).verdict is Verdict.REFUTED
    assert S.verify_normal_kl_both_branches().verdict is Verdict.PROVED

    def wrong_far(m1, s1, m2, s2, *, far=False):  # far form with log ρ² where log ρ belongs
        if not far:
            return S.stable_normal_kl(m1, s1, m2, s2)
        x = (s1 - s2) / s2
        return (x / 2) * (x + 2) - 2 * sp.log(s1 / s2) + ((m1 - m2) / s2) ** 2 / 2

    assert S.verify_normal_kl_both_branches(wrong_far).verdict is Verdict.REFUTED

    def wrong_sign(m1, s1, m2, s2, *, far=False):  # the series part added where it is subtracted
        x = (s1 - s2) / s2
        if far:
            return S.stable_normal_kl(m1, s1, m2, s2, far=True)
        s = x / (2 + x)
        return (x / 2) * x + x * s + 2 * s**3 * S.kl_series_v(s) + ((m1 - m2) / s2) ** 2 / 2

    assert S.verify_normal_kl_both_branches(wrong_sign).verdict is Verdict.REFUTED


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
    for kind, table in (
        ("kl_v", K._V_TAYLOR),
        ("sinhmx", K._SINHMX),
        ("xmlog1p", K._XMLOG1P),
    ):
        exact = S.series_coefficients(kind, len(table))
        assert [float(c) for c in exact] == table, kind


def test_series_truncation_error_below_double_rounding():
    # tail bound of each series at the kernels' switch-over points, relative to the leading term
    # V's Taylor series where the kernels take it (|y| ≤ 2⁻¹⁰): the omitted y(1+y)·Σ_{k≥3} y^{2k}/(2k+3)
    y = K._SMALL_Y
    assert y * (1 + y) * sum(y ** (2 * k) / (2 * k + 3) for k in range(K._SMALL_TERMS, 60)) < 1e-18
    assert sum(0.25**k / (k + 2) for k in range(len(K._XMLOG1P), 200)) < 1e-18
    # (sinh u − u)/u³ at |u| ≤ 1 (numerics._kernels.EXPM1MX_RADIUS), relative to
    # e^u − 1 − u ≥ 0.36 u² there: |u|·tail/0.36
    assert K.EXPM1MX_RADIUS == 1.0
    assert sum(1 / sp.factorial(2 * k + 3) for k in range(len(K._SINHMX), 60)) / 0.36 < 1e-18


def test_kl_series_split_far_form_and_wrong_variants():
    assert S.verify_kl_series_split().verdict is Verdict.PROVED
    assert S.verify_kl_series_split(lambda y: 1 + y * S.kl_series_v(y)).verdict is Verdict.REFUTED
    assert S.verify_kl_term(S.far_kl_term).verdict is Verdict.PROVED

    def far_without_half(a, b):  # t = log(a/b) instead of ½ log(a/b)
        d, s = a - b, a + b
        return d * sp.log(a / b) + s * (sp.log(a / b) - d / s)

    assert S.verify_kl_term(far_without_half).verdict is Verdict.REFUTED


def test_shifted_cholesky_and_a_recurrence_missing_its_update():
    assert S.verify_shifted_cholesky().verdict is Verdict.PROVED

    def no_update(b):  # x_j = B_jj, forgetting − Σ_k R_jk²
        d = b.shape[0]
        r = sp.zeros(d, d)
        for j in range(d):
            r[j, j] = sp.sqrt(1 + b[j, j])
            for i in range(j + 1, d):
                r[i, j] = (b[i, j] - sum((r[i, k] * r[j, k] for k in range(j)), sp.Integer(0))) / r[j, j]
        return [b[j, j] for j in range(d)], r

    assert S.verify_shifted_cholesky(no_update).verdict is Verdict.REFUTED


def test_expm1mx_sinh_split_and_a_missing_factor_two():
    assert S.verify_expm1mx_sinh_split().verdict is Verdict.PROVED
    wrong = lambda u: sp.sinh(u / 2) ** 2 + (sp.sinh(u) - u)
    assert S.verify_expm1mx_sinh_split(wrong).verdict is Verdict.REFUTED


# ---------------------------------------------------------------------------- forms for the extreme regimes


def test_very_far_kl_term_and_a_flipped_sign():
    assert S.verify_kl_term(S.very_far_kl_term).verdict is Verdict.PROVED
    assert S.verify_kl_term(lambda a, b: a * sp.log(a / b) + (a - b)).verdict is Verdict.REFUTED


def test_log_ratio_terms_and_a_wrong_low_branch():
    assert S.verify_log_ratio_terms().verdict is Verdict.PROVED

    def wrong(p, q, ell, *, low=False):  # (p − q) + p·ℓ: the difference the wrong way round
        return (p - q) + p * ell if low else S.log_ratio_terms(p, q, ell)

    assert S.verify_log_ratio_terms(wrong).verdict is Verdict.REFUTED


def test_normalised_log_ratio_and_a_missing_total():
    assert S.verify_normalised_log_ratio().verdict is Verdict.PROVED

    def without_q_total(p, q, i, r):  # R without Q: the log-ratio of p̂ against unnormalised q
        u = [p[j] * q[r] - p[r] * q[j] for j in range(len(p))]
        return sp.log(1 + u[i] / (p[r] * q[i])) - sp.log(1 + sp.Add(*u) / p[r])

    assert S.verify_normalised_log_ratio(without_q_total, k=2).verdict is Verdict.REFUTED


def test_logit_log_ratio_and_a_reference_from_the_wrong_side():
    assert S.verify_logit_log_ratio().verdict is Verdict.PROVED

    def wrong(a, b, i, r):  # c_i = e_i + e_r
        zb = sp.Add(*(sp.exp(x) for x in b))
        q = [sp.exp(x) / zb for x in b]
        big_x = sp.Add(*(sp.exp(a[j] - a[r]) * q[r] - q[j] for j in range(len(a))))
        return (a[i] - b[i]) + (a[r] - b[r]) - sp.log(1 + big_x)

    assert S.verify_logit_log_ratio(wrong, k=2).verdict is Verdict.REFUTED


def test_entropy_terms_and_a_missing_share():
    assert S.verify_entropy_terms().verdict is Verdict.PROVED
    no_share = lambda p, i: sp.log(1 + (sp.Add(*p) - p[i]) / p[i]) / len(p)  # 1/K instead of p_i/P
    assert S.verify_entropy_terms(no_share).verdict is Verdict.REFUTED


def test_logit_log_ratio_far_rows_and_the_sums_swapped():
    """The far-row form of ``numerics._jit.logits_ratio``: R = (b_r − b_m) + log(S_a/S_b)."""
    assert S.verify_logit_log_ratio_far().verdict is Verdict.PROVED

    def swapped(a, b, i, r, m):  # log(S_b/S_a): the ratio of the sums upside down
        s_a = sp.Add(*(sp.exp(x - a[r]) for x in a))
        s_b = sp.Add(*(sp.exp(x - b[m]) for x in b))
        return (a[i] - b[i]) - (a[r] - b[r]) - ((b[r] - b[m]) + sp.log(s_b / s_a))

    assert S.verify_logit_log_ratio_far(swapped, k=2).verdict is Verdict.REFUTED
