"""Reverse KL is mode-seeking (seed 003, T/F Problem 1; Bishop 2006, §10.1.2; Minka 2005).

The seed's statement: minimising KL(q_θ ‖ p) for a multi-modal p gives a q that uniformly covers
all modes. Counterexample: p = ½N(−3, 1) + ½N(3, 1) and the Gaussian family q = N(m, s²).

* **Which Gaussians cover both modes equally** (an exact lemma, :func:`equal_density_means`):
  log q(m₁) − log q(m₂) = (m₂ − m₁)(m₁ + m₂ − 2m)/(2s²), so q(m₁) = q(m₂) iff m = (m₁ + m₂)/2 — for
  ±3, iff m = 0. The covering candidates are the N(0, s²), s > 0.
* **None of them is as good as one mode**, for *every* s > 0, in ball arithmetic
  (:mod:`derivations.mode_seeking_bounds`): an upper bound U on KL(N(3, 1) ‖ p) and lower bounds of
  KL(N(0, s²) ‖ p) on a cover of (0, ∞) — analytic bounds for small and large s, monotone bounds on
  the intervals of a subdivision in between — each strictly above U. The verdict is *refuted*
  only with that certificate (re-checkable with
  :func:`~derivations.mode_seeking_bounds.recheck_cover_worse`); without one it is *undecided*.

The certificate covers every target of the form ½N(m₁, 1) + ½N(m₂, 1) (the ``modes`` parameter);
it separates only when the modes are far enough apart (for ±0.5 … ±2.5 a symmetric cover is in
fact the better fit, and a target with one mode is its own best cover: undecided).

The mpmath quadrature of ∫ q log(q/p) (:func:`reverse_kl`) and the golden-section search over s
(:func:`symmetric_cover_search`) are an independent numerical cross-check of the same numbers
(used by the tests), not evidence for the verdict.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath as mp
import sympy as sp

from derivations.checker.identities import Decision
from derivations.checker.verdicts import Verdict
from derivations.gaussian import normal_log_density
from derivations.mode_seeking_bounds import CoverCertificate, certify_cover_worse, exact_modes

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


def equal_density_means(modes: tuple[float, float] = MODES) -> sp.Set:
    """The means m for which N(m, s²) gives both modes the same density, for any s > 0, exactly:
    log N(m₁; m, s²) − log N(m₂; m, s²) is expanded from the density's definition, checked equal to
    (m₂ − m₁)(m₁ + m₂ − 2m)/(2s²), and solved over the reals. For m₁ ≠ m₂ the set is
    {(m₁ + m₂)/2}; for m₁ = m₂ every mean. ``ValueError`` for modes that are not two finite reals."""
    m1, m2 = (sp.Rational(v.numerator, v.denominator) for v in exact_modes(modes))
    m = sp.Symbol("m", real=True)
    s = sp.Symbol("s", positive=True)
    difference = sp.expand(normal_log_density(m1, m, s**2) - normal_log_density(m2, m, s**2))
    if sp.expand(difference - (m2 - m1) * (m1 + m2 - 2 * m) / (2 * s**2)) != 0:
        raise ArithmeticError("the log-density difference is not (m₂ − m₁)(m₁ + m₂ − 2m)/(2s²)")
    return sp.solveset(difference, m, sp.S.Reals)


def decide_reverse_kl_covers_modes(
    modes: tuple[float, float] = MODES,
) -> tuple[Decision, CoverCertificate | None]:
    """The seed's statement on p = ½N(m₁, 1) + ½N(m₂, 1), with its certificate: *refuted* when the
    Gaussians that give both modes equal density are exactly the N(c, s²) (:func:`equal_density_means`)
    and a :class:`~derivations.mode_seeking_bounds.CoverCertificate` shows each of them, for every
    s > 0, has a larger reverse KL than the single-mode N(m₂, 1); *undecided* otherwise (e.g. a
    unimodal p, where the symmetric cover may be the better fit). ``ValueError`` for modes that
    are not two finite real numbers."""
    m1, m2 = exact_modes(modes)
    centre = (m1 + m2) / 2
    target = f"p = ½N({_num(m1)}, 1) + ½N({_num(m2)}, 1)"
    means = equal_density_means(modes)
    if means != sp.FiniteSet(sp.Rational(centre.numerator, centre.denominator)):
        return Decision(Verdict.UNDECIDED, (
            f"{target}: the Gaussians N(m, s²) with equal density on both modes are those with m ∈ "
            f"{means}, not one mean: the certificate compares only the N(c, s²)"
        )), None
    cert = certify_cover_worse((m1, m2))
    if isinstance(cert, str):
        return Decision(Verdict.UNDECIDED, f"{target}: no certificate ({cert})"), None
    detail = (
        f"{target}: a Gaussian gives both modes equal density iff its mean is {_num(centre)} (exact: "
        f"log q(m₁) − log q(m₂) = (m₂ − m₁)(m₁ + m₂ − 2m)/(2s²)); every such N({_num(centre)}, s²), "
        f"s > 0, has reverse KL ≥ {cert.cover_lower} > {cert.single_upper} ≥ KL(N({_num(m2)}, 1) ‖ p), "
        "so the minimiser of KL(q ‖ p) over Gaussians does not cover both modes: reverse KL is "
        f"mode-seeking and the statement is false; certified: {cert.describe()}"
    )
    point = {
        "p": f"½N({_num(m1)},1) + ½N({_num(m2)},1)",
        "single-mode q": f"N({_num(m2)}, 1)",
        "upper bound of KL(single mode ‖ p)": cert.single_upper,
        "covering q": f"N({_num(centre)}, s²), every s > 0",
        "lower bound of KL(covering q ‖ p)": cert.cover_lower,
        "upper bound of min_s KL(covering q ‖ p)": cert.cover_upper,
        "intervals of s certified": str(cert.pieces),
    }
    return Decision(Verdict.REFUTED, detail, counterexample=point), cert


def _num(q: Fraction) -> str:
    """A mode as text: an integer plainly, a float's value as the float it came from."""
    return str(q.numerator) if q.denominator == 1 else f"{float(q):g}"


def verify_reverse_kl_covers_modes(modes: tuple[float, float] = MODES) -> Decision:
    """The decision of :func:`decide_reverse_kl_covers_modes` (without the certificate object;
    its description is in the detail)."""
    return decide_reverse_kl_covers_modes(modes)[0]
