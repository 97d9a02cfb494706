"""The ball-arithmetic certificate for seed 003 T/F 1 (reverse KL is mode-seeking): every bound
against mpmath at 50 digits, the certificate's re-check, and wrong variants that must not pass."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import mpmath as mp
import pytest
from flint import arb

from derivations import mode_seeking, mode_seeking_bounds
from derivations.checker.balls import working_precision
from derivations.checker.verdicts import Verdict
from derivations.mode_seeking_bounds import (
    CoverCertificate,
    certify_cover_worse,
    cover_kl,
    cover_kl_lower,
    large_s_lower,
    log_cosh_expectation,
    recheck_cover_worse,
    single_mode_kl,
    small_s_lower,
)

DPS = 50


def _mp(x: arb) -> tuple[mp.mpf, mp.mpf]:
    """The exact end points of a ball, as mpmath numbers at 60 digits."""
    ends = []
    for end in (x.lower(), x.upper()):
        man, exp = end.mid().man_exp()
        with mp.workdps(60):
            ends.append(mp.mpf(int(man)) * mp.mpf(2) ** int(exp))
    return ends[0], ends[1]


def _kl_50(mean: float, s: float) -> mp.mpf:
    """KL(N(mean, s²) ‖ ½N(−3, 1) + ½N(3, 1)) from ∫ q log(q/p), mpmath quadrature at 50 digits."""
    value, err = mode_seeking.reverse_kl(mean, s, digits=DPS)
    assert err < mp.mpf(10) ** -40
    return value


def _log_cosh_expectation_50(a: float, b: float) -> mp.mpf:
    """E log cosh(a + bZ) by mpmath quadrature at 50 digits (log cosh y = |y| + log1p(e^{−2|y|}) − log 2)."""
    with mp.workdps(DPS):
        def f(z: mp.mpf) -> mp.mpf:
            y = abs(a + b * z)
            return mp.npdf(z) * (y + mp.log1p(mp.exp(-2 * y)) - mp.log(2))

        return mp.quad(f, [-mp.inf, -mp.mpf(a) / b, 0, mp.inf])


def _contains(ball: arb, value: mp.mpf) -> bool:
    lo, hi = _mp(ball)
    with mp.workdps(60):
        return bool(lo - mp.mpf(10) ** -45 <= value <= hi + mp.mpf(10) ** -45)


def test_log_density_lemma_is_exact() -> None:
    assert mode_seeking_bounds.mixture_log_density_identity()


@pytest.mark.parametrize(("a", "b"), [(9.0, 3.0), (0.0, 3.0), (0.0, 12.0), (0.25, 0.5), (-2.0, 1.5),
                                    (2.0, -1.5), (0.0, 450.0), (900.0, 30.0)])
def test_log_cosh_expectation_encloses_the_50_digit_value(a: float, b: float) -> None:
    with working_precision(64):
        ball = log_cosh_expectation(arb(a), arb(b), arb(8))
    assert _contains(ball, _log_cosh_expectation_50(a, b))
    lo, hi = _mp(ball)
    assert hi - lo < 1e-6  # a bound that is also tight


def test_log_cosh_expectation_without_spread_is_log_cosh() -> None:
    with working_precision(64):
        ball = log_cosh_expectation(arb(2), arb(0), arb(8))
    with mp.workdps(DPS):
        assert _contains(ball, mp.log(mp.cosh(2)))


@pytest.mark.parametrize(("a", "b", "cut"), [(9.0, 3.0, 2.0), (1.0, 2.0, 1.5), (0.0, 5.0, 3.0)])
def test_gaussian_tail_bound_formula(a: float, b: float, cut: float) -> None:
    # lemma (D): ∫_{|z|>R} φ(z)(|a| + |b||z|) dz = |a|·erfc(R/√2) + 2|b|·φ(R), and it bounds the
    # tail of φ·log cosh(a + bz); with a short cut the ball still contains the 50-digit value
    with mp.workdps(DPS):
        closed = abs(a) * mp.erfc(cut / mp.sqrt(2)) + 2 * abs(b) * mp.npdf(cut)
        quad = mp.quad(lambda z: mp.npdf(z) * (abs(a) + abs(b) * abs(z)), [-mp.inf, -cut]) + mp.quad(
            lambda z: mp.npdf(z) * (abs(a) + abs(b) * abs(z)), [cut, mp.inf])
        tail = mp.quad(lambda z: mp.npdf(z) * mp.log(mp.cosh(a + b * z)), [-mp.inf, -cut]) + mp.quad(
            lambda z: mp.npdf(z) * mp.log(mp.cosh(a + b * z)), [cut, mp.inf])
        assert abs(closed - quad) < mp.mpf(10) ** -40
        assert 0 <= tail <= closed
    with working_precision(64):
        ball = log_cosh_expectation(arb(a), arb(b), arb(cut))
    assert _contains(ball, _log_cosh_expectation_50(a, b))


def test_single_mode_kl_encloses_the_definition() -> None:
    with working_precision(64):
        ball = single_mode_kl(arb(3), arb(8))
    assert _contains(ball, _kl_50(3, 1))


@pytest.mark.parametrize("s", [0.5, 1.0, 2.75, 5.0])
def test_cover_kl_encloses_the_definition(s: float) -> None:
    with working_precision(64):
        ball = cover_kl(arb(3), arb(s), arb(8))
    assert _contains(ball, _kl_50(0, s))


@pytest.mark.parametrize(("lo", "hi"), [(2.5, 3.0), (1.0, 1.25)])
def test_interval_bound_is_below_the_kl_everywhere_on_the_interval(lo: float, hi: float) -> None:
    with working_precision(64):
        bound = cover_kl_lower(arb(3), arb(lo), arb(hi), arb(8))
    floor, _ = _mp(bound)
    for s in (lo, (lo + hi) / 2, hi):
        assert floor <= _kl_50(0, s)


def test_analytic_end_bounds_hold_beyond_their_ends() -> None:
    with working_precision(64):
        small, large = small_s_lower(arb(3), arb(0.5)), large_s_lower(arb(3), arb(4))
        too_small_end = large_s_lower(arb(3), arb(2))  # left of the bound's minimum: no bound
    assert not too_small_end.is_finite()
    small_floor, _ = _mp(small)
    large_floor, _ = _mp(large)
    for s in (0.05, 0.5):
        assert small_floor <= _kl_50(0, s)
    for s in (4.0, 20.0):
        assert large_floor <= _kl_50(0, s)


def test_certificate_for_the_seed_target_rechecks_and_brackets_the_quadrature() -> None:
    cert = certify_cover_worse((-3, 3))
    assert isinstance(cert, CoverCertificate)
    assert recheck_cover_worse(cert)
    assert recheck_cover_worse(CoverCertificate.from_json(cert.to_json()))
    single = _kl_50(3, 1)
    assert single <= mp.mpf(cert.single_upper)
    assert mp.mpf(cert.cover_lower) > mp.mpf(cert.single_upper)
    text = cert.describe()
    for part in (cert.single_upper, cert.cover_lower, f"{cert.pieces} intervals", "log cosh y ≤ y²/2",
                 "log cosh y ≤ |y|", "acb certified integration"):
        assert part in text


def _tampered(cert: CoverCertificate) -> list[CoverCertificate]:
    ts = cert.breakpoints
    return [
        dataclasses.replace(cert, modes=("-1/2", "1/2")),  # another target: the cover wins there
        dataclasses.replace(cert, single_upper="0.5"),  # U stated below the real KL
        dataclasses.replace(cert, cover_lower="0.8"),  # a lower bound stated above a piece's bound
        dataclasses.replace(cert, cover_upper="0.8"),  # stated below KL at that point (0.8406)
        dataclasses.replace(cert, breakpoints=ts[1:]),  # (s₀, t₁) left uncovered
        dataclasses.replace(cert, breakpoints=(ts[0], ts[-1]), lowest_piece=(ts[0], ts[-1]),
                            cover_upper="1000"),  # one piece [s₀, s₁]: its bound is below U
        dataclasses.replace(cert, large_s="2", breakpoints=tuple(t for t in ts if Fraction(t) <= 2)),
        dataclasses.replace(cert, breakpoints=(ts[0], ts[2], ts[1], *ts[3:])),  # out of order
        dataclasses.replace(cert, cut="1"),  # the tail bound alone is too wide then
    ]


def test_tampered_certificates_fail_the_recheck() -> None:
    cert = certify_cover_worse((-3, 3))
    assert isinstance(cert, CoverCertificate)
    for i, bad in enumerate(_tampered(cert)):
        assert not recheck_cover_worse(bad), i


@pytest.mark.parametrize(("modes", "s"), [((-0.5, 0.5), 1.125), ((-1, 1), 1.375), ((0, 4), 2.0),
                                         ((-2.5, 2.5), 2.375)])
def test_close_modes_where_the_symmetric_cover_wins_are_not_refuted(
    modes: tuple[float, float], s: float
) -> None:
    # on these targets a covering N(c, s²) fits strictly better than the single mode — shown here
    # in balls — so the seed's statement has no counterexample there and nothing may be refuted
    d = arb(abs(modes[1] - modes[0]) / 2)
    with working_precision(64):
        assert cover_kl(d, arb(s), arb(8)) < single_mode_kl(d, arb(8))
    assert isinstance(certify_cover_worse(modes), str)
    decision = mode_seeking.verify_reverse_kl_covers_modes(modes)
    assert decision.verdict is Verdict.UNDECIDED and "no certificate" in decision.detail


def test_other_separated_targets_are_certified() -> None:
    # the certificate is for every ½N(m₁, 1) + ½N(m₂, 1); floats are read as their binary value
    d = mode_seeking.verify_reverse_kl_covers_modes((0.1, 6.3))
    assert d.verdict is Verdict.REFUTED and "certified:" in d.detail
    for modes in ((5, -5), (-30, 30), (-1000, 1000)):
        assert mode_seeking.verify_reverse_kl_covers_modes(modes).verdict is Verdict.REFUTED


def test_equal_density_means_is_exact() -> None:
    import sympy as sp

    assert mode_seeking.equal_density_means((-3, 3)) == sp.FiniteSet(0)
    assert mode_seeking.equal_density_means((1, 6)) == sp.FiniteSet(sp.Rational(7, 2))
    assert mode_seeking.equal_density_means((0.1, 0.2)) == sp.FiniteSet(
        (sp.Rational(0.1) + sp.Rational(0.2)) / 2)  # the binary values' midpoint, not 3/20
    assert mode_seeking.equal_density_means((3, 3)) == sp.S.Reals


def test_bad_input_is_named() -> None:
    for bad in ((1,), ("a", 3), (float("nan"), 3), (True, 3), 3):
        with pytest.raises(ValueError, match="modes"):
            certify_cover_worse(bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="modes"):
            mode_seeking.verify_reverse_kl_covers_modes(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bits"):
        certify_cover_worse((-3, 3), bits=8)
    with pytest.raises(ValueError, match="certificate"):
        recheck_cover_worse({"modes": ["-3", "3"]})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="data"):
        CoverCertificate.from_json({"modes": ["-3", "3"]})
    with working_precision(64):
        with pytest.raises(ValueError, match="cut"):
            log_cosh_expectation(arb(1), arb(1), arb(0))  # an empty range, no tail bound
        with pytest.raises(ValueError, match="scale"):
            log_cosh_expectation(arb(1), 2.0, arb(8))  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="s:"):
            cover_kl(arb(3), arb(-1), arb(8))
        with pytest.raises(ValueError, match="d:"):
            single_mode_kl(arb("nan"), arb(8))
        with pytest.raises(ValueError, match="s1"):
            large_s_lower(arb(3), arb(0))
    with pytest.raises(ValueError, match="prec"):
        with working_precision(0):
            pass
