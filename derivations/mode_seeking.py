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

from derivations.checker.identities import Decision
from derivations.checker.verdicts import Verdict

DIGITS = 20
MODES = (-3, 3)


def _normal_pdf(x: mp.mpf, m: mp.mpf, s: mp.mpf) -> mp.mpf:
    return mp.exp(-((x - m) ** 2) / (2 * s**2)) / (s * mp.sqrt(2 * mp.pi))


def mixture_pdf(x: mp.mpf, modes: tuple[float, float] = MODES) -> mp.mpf:
    """p(x) = ½N(m₁, 1) + ½N(m₂, 1) (default ½N(−3, 1) + ½N(3, 1))."""
    return (_normal_pdf(x, modes[0], 1) + _normal_pdf(x, modes[1], 1)) / 2


def reverse_kl(m: mp.mpf, s: mp.mpf, modes: tuple[float, float] = MODES) -> tuple[mp.mpf, mp.mpf]:
    """(KL(N(m, s²) ‖ p), quadrature error estimate) from ∫ q log(q/p)."""
    with mp.workdps(DIGITS):
        m, s = mp.mpf(m), mp.mpf(s)

        def integrand(x: mp.mpf) -> mp.mpf:
            q = _normal_pdf(x, m, s)
            return q * (mp.log(q) - mp.log(mixture_pdf(x, modes)))

        cuts = sorted({-mp.inf, mp.mpf(modes[0]), m - s, m, m + s, mp.mpf(modes[1]), mp.inf})
        value, err = mp.quad(integrand, cuts, error=True)
        return value, err


def best_symmetric_cover(
    lo: float = 0.5, hi: float = 8.0, tol: float = 1e-7, modes: tuple[float, float] = MODES
) -> tuple[mp.mpf, mp.mpf]:
    """(s*, KL(N(c, s*²) ‖ p)) over s ∈ [lo, hi] by golden-section search, c the midpoint of the
    modes (the only mean that gives both modes equal density)."""
    centre = (modes[0] + modes[1]) / 2
    with mp.workdps(DIGITS):
        g = (mp.sqrt(5) - 1) / 2
        a, b = mp.mpf(lo), mp.mpf(hi)
        c, d = b - g * (b - a), a + g * (b - a)
        fc, fd = reverse_kl(centre, c, modes)[0], reverse_kl(centre, d, modes)[0]
        while b - a > tol:
            if fc < fd:
                b, d, fd = d, c, fc
                c = b - g * (b - a)
                fc = reverse_kl(centre, c, modes)[0]
            else:
                a, c, fc = c, d, fd
                d = a + g * (b - a)
                fd = reverse_kl(centre, d, modes)[0]
        s = (a + b) / 2
        return s, reverse_kl(centre, s, modes)[0]


def verify_reverse_kl_covers_modes(modes: tuple[float, float] = MODES) -> Decision:
    """The seed's statement, checked on p = ½N(m₁, 1) + ½N(m₂, 1): refuted when the best covering
    Gaussian has a larger reverse KL than the single-mode N(m₂, 1), beyond the quadrature error;
    undecided otherwise (e.g. for a unimodal p)."""
    s_star, cover = best_symmetric_cover(modes=modes)
    single, err = reverse_kl(modes[1], 1, modes)
    margin = cover - single
    point = {
        "p": f"½N({modes[0]:g},1) + ½N({modes[1]:g},1)",
        "best covering q": f"N({(modes[0] + modes[1]) / 2:g}, {mp.nstr(s_star, 8)}²)",
        "KL(cover ‖ p)": mp.nstr(cover, 12),
        "KL(single mode ‖ p)": mp.nstr(single, 12),
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
