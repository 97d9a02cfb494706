"""Reverse KL is mode-seeking (seed 003, T/F Problem 1; Bishop 2006, §10.1.2; Minka 2005).

The seed's statement: minimising KL(q_θ ‖ p) for a multi-modal p gives a q that uniformly covers
all modes. Counterexample: p = ½N(−3, 1) + ½N(3, 1) and the Gaussian family q = N(m, s²). A
Gaussian puts equal density on both modes (q(−3) = q(3)) iff m = 0, so the covering candidates are
N(0, s²); the best of them, min_s KL(N(0, s²) ‖ p), is still worse than the single-mode
q = N(3, 1). Every KL value is computed from its definition, ∫ q log(q/p), by mpmath quadrature
(with its error estimate); the minimum over s by golden-section search to a bracket of 1e-3 with
12-digit quadrature (the value at the minimum moves by ~f''·tol²/8 ≈ 1e-7 within the bracket,
far below the margins compared), and the values compared are then recomputed at 20 digits.
"""

from __future__ import annotations

import math

import mpmath as mp

from derivations.checker.identities import Decision
from derivations.checker.verdicts import Verdict

DIGITS = 20
#: digits of the quadratures inside the golden-section search (only the order of values matters)
SEARCH_DIGITS = 12
MODES = (-3, 3)


def _normal_pdf(x: mp.mpf, m: mp.mpf, s: mp.mpf) -> mp.mpf:
    return mp.exp(-((x - m) ** 2) / (2 * s**2)) / (s * mp.sqrt(2 * mp.pi))


def mixture_pdf(x: mp.mpf, modes: tuple[float, float] = MODES) -> mp.mpf:
    """p(x) = ½N(m₁, 1) + ½N(m₂, 1) (default ½N(−3, 1) + ½N(3, 1))."""
    return (_normal_pdf(x, modes[0], 1) + _normal_pdf(x, modes[1], 1)) / 2


def reverse_kl(m: mp.mpf, s: mp.mpf, modes: tuple[float, float] = MODES,
               digits: int = DIGITS) -> tuple[mp.mpf, mp.mpf]:
    """(KL(N(m, s²) ‖ p), quadrature error estimate) from ∫ q log(q/p), at ``digits`` digits."""
    with mp.workdps(digits):
        m, s = mp.mpf(m), mp.mpf(s)

        def integrand(x: mp.mpf) -> mp.mpf:
            q = _normal_pdf(x, m, s)
            return q * (mp.log(q) - mp.log(mixture_pdf(x, modes)))

        cuts = sorted({-mp.inf, mp.mpf(modes[0]), m - s, m, m + s, mp.mpf(modes[1]), mp.inf})
        value, err = mp.quad(integrand, cuts, error=True)
        return value, err


def symmetric_cover_search(
    lo: float = 0.5, hi: float = 8.0, tol: float = 1e-3, modes: tuple[float, float] = MODES
) -> tuple[mp.mpf, mp.mpf, mp.mpf]:
    """(s*, KL(N(c, s*²) ‖ p), slack) over s ∈ [lo, hi] by golden-section search (at
    :data:`SEARCH_DIGITS`), c the midpoint of the modes (the only mean that gives both modes equal
    density); the KL at s* is recomputed at :data:`DIGITS`. ``slack`` bounds how far KL(s*) may lie
    above the minimum inside the final bracket: 10× the drop to the vertex of the parabola through
    the bracket's three points (exact for a quadratic minimum), so a target whose best cover is
    the single mode itself (p Gaussian) is never reported as separated. ``ValueError`` for a
    range that is not 0 < lo < hi or a tolerance that is not > 0."""
    for name, value in (("lo", lo), ("hi", hi), ("tol", tol)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{name}: expected a finite real number, got {value!r}")
    if not 0 < lo < hi:
        raise ValueError(f"lo, hi: need 0 < lo < hi (a range of standard deviations), got {lo!r}, {hi!r}")
    if not tol > 0:
        raise ValueError(f"tol: the bracket width to stop at must be > 0, got {tol!r}")
    centre = (modes[0] + modes[1]) / 2

    def kl(s: mp.mpf) -> mp.mpf:
        return reverse_kl(centre, s, modes, SEARCH_DIGITS)[0]

    with mp.workdps(DIGITS):
        g = (mp.sqrt(5) - 1) / 2
        a, b = mp.mpf(lo), mp.mpf(hi)
        c, d = b - g * (b - a), a + g * (b - a)
        fc, fd = kl(c), kl(d)
        while b - a > tol:
            if fc < fd:
                b, d, fd = d, c, fc
                c = b - g * (b - a)
                fc = kl(c)
            else:
                a, c, fc = c, d, fd
                d = a + g * (b - a)
                fd = kl(d)
        s = (a + b) / 2
        fs = kl(s)
        # the parabola through (c, fc), (s, fs), (d, fd), leading coefficient qa and vertex v:
        # KL(s) lies qa·(s − v)² above its vertex; without curvature, take the values' spread
        den = (c - s) * (c - d) * (s - d)
        qa = (d * (fs - fc) + s * (fc - fd) + c * (fd - fs)) / den
        if qa > 0:
            qb = (d**2 * (fc - fs) + s**2 * (fd - fc) + c**2 * (fs - fd)) / den
            slack = 10 * qa * (s + qb / (2 * qa)) ** 2
        else:
            slack = 10 * (max(fc, fs, fd) - min(fc, fs, fd))
        return s, reverse_kl(centre, s, modes)[0], slack


def best_symmetric_cover(
    lo: float = 0.5, hi: float = 8.0, tol: float = 1e-3, modes: tuple[float, float] = MODES
) -> tuple[mp.mpf, mp.mpf]:
    """(s*, KL(N(c, s*²) ‖ p)) of :func:`symmetric_cover_search`."""
    s, value, _ = symmetric_cover_search(lo, hi, tol, modes)
    return s, value


def verify_reverse_kl_covers_modes(modes: tuple[float, float] = MODES) -> Decision:
    """The seed's statement, checked on p = ½N(m₁, 1) + ½N(m₂, 1): refuted when the best covering
    Gaussian has a larger reverse KL than the single-mode N(m₂, 1), beyond the quadrature error
    and the search slack; undecided otherwise (e.g. for a unimodal p)."""
    s_star, cover, slack = symmetric_cover_search(modes=modes)
    single, err = reverse_kl(modes[1], 1, modes)
    margin = cover - single
    point = {
        "p": f"½N({modes[0]:g},1) + ½N({modes[1]:g},1)",
        "best covering q": f"N({(modes[0] + modes[1]) / 2:g}, {mp.nstr(s_star, 8)}²)",
        "KL(cover ‖ p)": mp.nstr(cover, 12),
        "KL(single mode ‖ p)": mp.nstr(single, 12),
        "quadrature error": mp.nstr(err, 3),
        "search slack": mp.nstr(slack, 3),
    }
    if margin > 100 * (abs(err) + mp.mpf(10) ** (-DIGITS + 5)) + slack:
        return Decision(
            Verdict.REFUTED,
            f"the single-mode q = N(3, 1) has reverse KL {mp.nstr(single, 8)} < {mp.nstr(cover, 8)}, "
            "the best of all Gaussians covering both modes equally (m = 0): the minimiser of "
            "KL(q ‖ p) is mode-seeking, so the statement is false",
            counterexample=point,
        )
    return Decision(Verdict.UNDECIDED, f"no separation found: {point}")
