"""Reverse KL is mode-seeking (seed 003, T/F Problem 1; Bishop 2006, §10.1.2; Minka 2005).

The seed's statement: minimising KL(q_θ ‖ p) for a multi-modal p gives a q that uniformly covers
all modes. Counterexample: p = ½N(−3, 1) + ½N(3, 1) and the Gaussian family q = N(m, s²). A
Gaussian puts equal density on both modes (q(−3) = q(3)) iff m = 0, so the covering candidates are
N(0, s²); the best of them, min_s KL(N(0, s²) ‖ p), is still worse than the single-mode
q = N(3, 1). Every KL value is computed from its definition, ∫ q log(q/p), by mpmath quadrature
at 20 digits (with its error estimate); the minimum over s by golden-section search.
"""

from __future__ import annotations

import mpmath as mp

from derivations.identities import Decision
from derivations.verdicts import Verdict

DIGITS = 20
MODES = (-3, 3)


def _normal_pdf(x: mp.mpf, m: mp.mpf, s: mp.mpf) -> mp.mpf:
    return mp.exp(-((x - m) ** 2) / (2 * s**2)) / (s * mp.sqrt(2 * mp.pi))


def mixture_pdf(x: mp.mpf) -> mp.mpf:
    """p(x) = ½N(−3, 1) + ½N(3, 1)."""
    return (_normal_pdf(x, MODES[0], 1) + _normal_pdf(x, MODES[1], 1)) / 2


def reverse_kl(m: mp.mpf, s: mp.mpf) -> tuple[mp.mpf, mp.mpf]:
    """(KL(N(m, s²) ‖ p), quadrature error estimate) from ∫ q log(q/p)."""
    with mp.workdps(DIGITS):
        m, s = mp.mpf(m), mp.mpf(s)

        def integrand(x: mp.mpf) -> mp.mpf:
            q = _normal_pdf(x, m, s)
            return q * (mp.log(q) - mp.log(mixture_pdf(x)))

        cuts = sorted({-mp.inf, MODES[0], m - s, m, m + s, MODES[1], mp.inf})
        value, err = mp.quad(integrand, cuts, error=True)
        return value, err


def best_symmetric_cover(lo: float = 0.5, hi: float = 8.0, tol: float = 1e-7) -> tuple[mp.mpf, mp.mpf]:
    """(s*, KL(N(0, s*²) ‖ p)) minimising over s ∈ [lo, hi] by golden-section search."""
    with mp.workdps(DIGITS):
        g = (mp.sqrt(5) - 1) / 2
        a, b = mp.mpf(lo), mp.mpf(hi)
        c, d = b - g * (b - a), a + g * (b - a)
        fc, fd = reverse_kl(0, c)[0], reverse_kl(0, d)[0]
        while b - a > tol:
            if fc < fd:
                b, d, fd = d, c, fc
                c = b - g * (b - a)
                fc = reverse_kl(0, c)[0]
            else:
                a, c, fc = c, d, fd
                d = a + g * (b - a)
                fd = reverse_kl(0, d)[0]
        s = (a + b) / 2
        return s, reverse_kl(0, s)[0]


def verify_reverse_kl_covers_modes() -> Decision:
    """The seed's statement, checked on the counterexample above: refuted when the best covering
    Gaussian has a larger reverse KL than the single-mode one, beyond the quadrature error."""
    s_star, cover = best_symmetric_cover()
    single, err = reverse_kl(MODES[1], 1)
    margin = cover - single
    point = {
        "p": "½N(−3,1) + ½N(3,1)",
        "best covering q": f"N(0, {mp.nstr(s_star, 8)}²)",
        "KL(cover ‖ p)": mp.nstr(cover, 12),
        "KL(N(3,1) ‖ p)": mp.nstr(single, 12),
        "quadrature error": mp.nstr(err, 3),
    }
    if margin > 100 * (abs(err) + mp.mpf(10) ** (-DIGITS + 5)):
        return Decision(
            Verdict.REFUTED,
            f"the single-mode q = N(3, 1) has reverse KL {mp.nstr(single, 8)} < {mp.nstr(cover, 8)}, "
            "the best of all Gaussians covering both modes equally (m = 0): the minimiser of "
            "KL(q ‖ p) is mode-seeking, so the statement is false",
            counterexample=point,
        )
    return Decision(Verdict.UNDECIDED, f"no separation found: {point}")
