"""Ball-arithmetic bounds on the reverse KL from a Gaussian to a two-mode mixture (seed 003,
T/F Problem 1; Bishop 2006, §10.1.2; Minka 2005, "Divergence measures and message passing").

The target is p = ½N(m₁, 1) + ½N(m₂, 1), with centre c = (m₁ + m₂)/2 and half-distance
d = |m₂ − m₁|/2; the fits are q = N(c + μ, s²). Every bound below is evaluated in Arb's ball
arithmetic (python-flint), so a bound that is printed is a bound that holds. The lemmas:

(A) **Log-density.** log p(c + y) = −y²/2 − d²/2 − ½log 2π + log cosh(d y), because
    ½(φ(y + d) + φ(y − d)) = φ(y)·e^{−d²/2}·cosh(d y) (:func:`mixture_log_density_identity`
    checks it exactly in SymPy).
(B) **KL from its definition.** KL(q ‖ p) = ∫ q log(q/p) = −H(q) − E_q log p with
    H(q) = ½log(2πe s²) and, by (A),
    KL(N(c + μ, s²) ‖ p) = −½ − log s + (μ² + s²)/2 + d²/2 − E log cosh(d(μ + sZ)), Z ∼ N(0, 1).
    The single-mode fit N(m₂, 1) is μ = d, s = 1: KL = d² − E log cosh(d² + dZ); the covering fits
    N(c, s²) are μ = 0: KL(s) = −½ − log s + s²/2 + d²/2 − g(s), g(s) = E log cosh(d s Z).
(C) **log cosh.** 0 ≤ log cosh y ≤ y²/2 (tanh y ≤ y for y ≥ 0, integrated; the function is even)
    and log cosh y ≤ |y| (cosh y ≤ e^{|y|}).
(D) **Gaussian tails.** ∫_{|z|>R} φ(z)(|a| + |b||z|) dz = |a|·erfc(R/√2) + 2|b|·φ(R); with (C),
    0 ≤ ∫_{|z|>R} φ(z) log cosh(a + bz) dz ≤ that. So E log cosh(a + bZ) lies in [I, I + tail],
    I the integral over [−R, R] by acb's certified integration (Petras' algorithm).
(E) **Monotonicity.** g is non-decreasing in s > 0 (log cosh is even and increasing in |y|), −log s
    is decreasing and s²/2 increasing, so for every s ∈ [a, b]:
    KL(s) ≥ −½ − log b + a²/2 + d²/2 − g(b) (:func:`cover_kl_lower`).
(F) **Small s.** By (C), g(s) ≤ d²s²/2, so for s ≤ s₀:
    KL(s) ≥ −½ − log s₀ + min(0, s₀²(1 − d²)/2) + d²/2 (:func:`small_s_lower`).
(G) **Large s.** By (C), g(s) ≤ d s E|Z| = k s with k = d√(2/π), so KL(s) ≥ h(s) = −½ − log s + s²/2
    + d²/2 − k s; h is convex with h'(s) = s − 1/s − k, so when s₁² − k s₁ − 1 ≥ 0, h is increasing
    on [s₁, ∞) and KL(s) ≥ h(s₁) for every s ≥ s₁ (:func:`large_s_lower`).

:func:`certify_cover_worse` covers (0, ∞) by (F) on (0, s₀], (G) on [s₁, ∞) and (E) on the pieces
of a subdivision of [s₀, s₁] (bisected until each piece's bound exceeds the single-mode upper
bound U), and returns a :class:`CoverCertificate`; :func:`recheck_cover_worse` re-evaluates one
from its exact data alone. The bounds hold for every pair of modes; they separate only when the
modes are far enough apart (for ±3: U ≈ 0.6893 against min_s KL ≈ 0.8406; for ±2.5 and closer a
symmetric cover is the better fit, and nothing separates).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from itertools import pairwise
from typing import Any

import sympy as sp
from flint import acb, arb, fmpq

from derivations.checker.balls import working_precision
from derivations.gaussian import normal_density

__all__ = [
    "BITS",
    "CUT",
    "CoverCertificate",
    "certify_cover_worse",
    "cover_kl",
    "cover_kl_lower",
    "exact_modes",
    "large_s_lower",
    "log_cosh_expectation",
    "mixture_log_density_identity",
    "recheck_cover_worse",
    "single_mode_kl",
    "small_s_lower",
]

#: Working precision of the certificate (bits).
BITS = 64
#: The certified integration runs over [−CUT, CUT]; the rest is the tail bound (D).
CUT = 8
#: The subdivision of [s₀, s₁] stops (no certificate) beyond this many pieces …
MAX_PIECES = 4096
#: … or at a piece narrower than this.
MIN_WIDTH = Fraction(1, 2**20)
#: Pieces are bisected further, for a tighter stated bound, down to this width.
REFINE_WIDTH = Fraction(1, 2**9)
#: Halvings of s₀ (from 1) and doublings of s₁ (from 1) tried for the analytic ends.
MAX_END_STEPS = 40
#: Relative tolerance asked of each certified integral (the enclosure is rigorous whatever it is;
#: this only trades width for speed).
_INTEGRAL_REL_TOL = 2.0**-30


def mixture_log_density_identity() -> bool:
    """Lemma (A), exactly in SymPy: ½(N(y; −d, 1) + N(y; d, 1)) = e^{−y²/2 − d²/2}·cosh(d y)/√(2π)
    for all real y, d (both sides rewritten in exponentials and expanded to 0)."""
    return _mixture_identity_holds()


@cache
def _mixture_identity_holds() -> bool:
    y, d = sp.symbols("y d", real=True)
    mixture = (normal_density(y, -d, 1) + normal_density(y, d, 1)) / 2
    closed = sp.exp(-(y**2) / 2 - d**2 / 2) * sp.cosh(d * y) / sp.sqrt(2 * sp.pi)
    return bool(sp.expand((mixture - closed).rewrite(sp.exp)) == 0)


def _ball(q: Fraction) -> arb:
    """An exact rational as a ball (exact for dyadic rationals, an enclosing ball otherwise)."""
    return arb(fmpq(q.numerator, q.denominator))


def exact_modes(modes: object) -> tuple[Fraction, Fraction]:
    """Two modes as exact rationals (an int or Fraction as it is, a float by its exact binary
    value); ``ValueError`` naming ``modes`` for anything but a pair of finite real numbers."""
    if not isinstance(modes, tuple | list) or len(modes) != 2 or any(
        isinstance(v, bool) or not isinstance(v, int | float | Fraction)
        or (isinstance(v, float) and not math.isfinite(v)) for v in modes
    ):
        raise ValueError(f"modes: expected a pair of finite real numbers, got {modes!r}")
    return Fraction(modes[0]), Fraction(modes[1])


def _balls(positive: tuple[str, ...] = (), **values: object) -> None:
    """``ValueError`` naming the argument that is not a finite Arb ball (or not certainly > 0
    where it is named in ``positive``)."""
    for name, value in values.items():
        if not isinstance(value, arb) or not value.is_finite():
            raise ValueError(f"{name}: expected a finite arb ball, got {value!r}")
        if name in positive and not value > 0:
            raise ValueError(f"{name}: expected a ball certainly > 0, got {value}")


def _finite(x: arb, what: str) -> arb:
    if not x.is_finite():
        raise ArithmeticError(f"{what}: no finite enclosure")
    return x


def log_cosh_expectation(shift: arb, scale: arb, cut: arb) -> arb:
    """A ball containing E log cosh(shift + scale·Z), Z ∼ N(0, 1): acb's certified integral of
    φ(z)·log cosh(w), w = shift + scale·z, over [−cut, cut], widened upwards by the tail bound (D).
    The integrand is written as ±w − log 2 + log(1 + e^{∓2w}) (equal to log cosh w on the whole
    real line) with the sign of w on each side of w = 0, so the log's argument stays near 1 and
    the integrand is analytic in a wide region around the path except near w = 0 (the branch
    points ±iπ/2 of log cosh); the analytic flag is passed to the log, so an ellipse that meets a
    branch cut is subdivided, never integrated through. Call inside
    :func:`~derivations.checker.balls.working_precision`. ``ArithmeticError`` without a finite
    enclosure."""
    _balls(("cut",), shift=shift, scale=scale, cut=cut)
    if scale.is_zero():
        return shift.cosh().log()
    a, b, log2 = acb(shift), acb(scale), acb(2).log()

    def side(sign: int) -> Callable[[acb, bool], acb]:
        def integrand(z: acb, analytic: bool) -> acb:
            w = sign * (a + b * z)
            return (-(z * z) / 2).exp() * (w - log2 + (1 + (-2 * w).exp()).log(analytic=bool(analytic)))

        return integrand

    def integral(sign: int, lo: arb, hi: arb) -> acb:
        return acb.integral(side(sign), lo, hi, rel_tol=_INTEGRAL_REL_TOL)

    norm = 1 / (2 * arb.pi()).sqrt()
    direction = 1 if scale > 0 else -1  # w increases with z, or decreases
    if shift.is_zero():  # an even integrand: twice the integral over [0, cut]
        raw = 2 * integral(direction, arb(0), cut)
    else:
        # where w changes sign (any split point is correct; this one keeps the forms analytic)
        split = arb((-shift / scale).mid())
        split = cut if split > cut else (-cut if split < -cut else split)
        raw = acb(0)
        if split > -cut:
            raw += integral(-direction, -cut, split)
        if split < cut:
            raw += integral(direction, split, cut)
    # the integrand is real on the real line, so the real part of the enclosure encloses it
    inner = _finite(raw.real * norm, "the certified integral of φ·log cosh")
    tail = abs(shift) * (cut / arb(2).sqrt()).erfc() + 2 * abs(scale) * norm * (-(cut * cut) / 2).exp()
    _finite(tail, "the tail bound")
    return inner.union(inner + tail)


def single_mode_kl(d: arb, cut: arb) -> arb:
    """A ball containing KL(N(m₂, 1) ‖ p) = d² − E log cosh(d² + dZ) (lemma (B))."""
    _balls(d=d)
    return d * d - log_cosh_expectation(d * d, d, cut)


def cover_kl(d: arb, s: arb, cut: arb) -> arb:
    """A ball containing KL(N(c, s²) ‖ p) = −½ − log s + s²/2 + d²/2 − E log cosh(d s Z) (lemma (B))."""
    _balls(("s",), d=d, s=s)
    return -arb(1) / 2 - s.log() + s * s / 2 + d * d / 2 - log_cosh_expectation(arb(0), d * s, cut)


def cover_kl_lower(d: arb, lo: arb, hi: arb, cut: arb) -> arb:
    """A ball whose lower end bounds KL(N(c, s²) ‖ p) from below for every s ∈ [lo, hi]
    (lemma (E)): −½ − log hi + lo²/2 + d²/2 − E log cosh(d·hi·Z)."""
    _balls(("lo", "hi"), d=d, lo=lo, hi=hi)
    return _monotone_bound(d, lo, hi, log_cosh_expectation(arb(0), d * hi, cut))


def _monotone_bound(d: arb, lo: arb, hi: arb, g_hi: arb) -> arb:
    """Lemma (E) with g(hi) = E log cosh(d·hi·Z) given as the ball ``g_hi``."""
    return -arb(1) / 2 - hi.log() + lo * lo / 2 + d * d / 2 - g_hi


def small_s_lower(d: arb, s0: arb) -> arb:
    """A lower bound of KL(N(c, s²) ‖ p) for every 0 < s ≤ s0 (lemma (F))."""
    _balls(("s0",), d=d, s0=s0)
    return -arb(1) / 2 - s0.log() + (s0 * s0 * (1 - d * d) / 2).min(arb(0)) + d * d / 2


def large_s_lower(d: arb, s1: arb) -> arb:
    """A lower bound of KL(N(c, s²) ‖ p) for every s ≥ s1 (lemma (G)), or a NaN ball when
    s1² − k·s1 − 1 ≥ 0 (k = d√(2/π): s1 lies right of the minimum of the bound) is not certain."""
    _balls(("s1",), d=d, s1=s1)
    k = d * (2 / arb.pi()).sqrt()
    if not s1 * s1 - k * s1 - 1 >= 0:
        return arb("nan")
    return -arb(1) / 2 - s1.log() + s1 * s1 / 2 + d * d / 2 - k * s1


def _text(q: Fraction) -> str:
    return str(q)


def _upper_text(x: arb, places: int = 10) -> str:
    """A decimal ≥ every point of the ball ``x``."""
    man, exp = x.upper().mid().man_exp()
    value = Fraction(int(man)) * Fraction(2) ** int(exp)
    return _decimal(Fraction(math.ceil(value * 10**places), 10**places), places)


def _lower_text(x: arb, places: int = 10) -> str:
    """A decimal ≤ every point of the ball ``x``."""
    man, exp = x.lower().mid().man_exp()
    value = Fraction(int(man)) * Fraction(2) ** int(exp)
    return _decimal(Fraction(math.floor(value * 10**places), 10**places), places)


def _decimal(q: Fraction, places: int) -> str:
    sign = "-" if q < 0 else ""
    n = abs(q.numerator) * 10**places // q.denominator
    whole, frac = divmod(n, 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


@dataclass(frozen=True)
class CoverCertificate:
    """Why no Gaussian N(c, s²), s > 0, fits p = ½N(m₁, 1) + ½N(m₂, 1) as well as N(m₂, 1) in
    reverse KL, in ball arithmetic (the module's lemmas).

    Exact data (what :func:`recheck_cover_worse` recomputes from): ``modes`` (exact rationals as
    text), ``bits``, ``cut`` (R of lemma (D)), ``small_s`` (s₀), ``large_s`` (s₁) and
    ``breakpoints`` (s₀ = t₀ < t₁ < … < t_n = s₁). Stated results (checked by the re-check):
    ``single_upper``, a decimal ≥ KL(N(m₂, 1) ‖ p); ``cover_lower``, a decimal ≤ the lowest of the
    lower bounds over all pieces, (0, s₀] and [s₁, ∞) included; ``small_bound``/``large_bound``,
    decimals ≤ the bounds (F) and (G); ``lowest_piece``: the piece [t_i, t_{i+1}] whose bound is
    the lowest; ``cover_upper``, a decimal ≥ KL(N(c, t_i²) ‖ p) at that piece's left end (so the
    minimum over s lies in [cover_lower, cover_upper])."""

    modes: tuple[str, str]
    bits: int
    cut: str
    small_s: str
    large_s: str
    breakpoints: tuple[str, ...]
    single_upper: str
    cover_lower: str
    small_bound: str
    large_bound: str
    lowest_piece: tuple[str, str]
    cover_upper: str

    @property
    def pieces(self) -> int:
        """The number of intervals of the subdivision of [s₀, s₁]."""
        return len(self.breakpoints) - 1

    def describe(self) -> str:
        """One paragraph: U, the lowest lower bound, the pieces and the analytic bounds used."""
        return (
            f"KL(N({self.modes[1]}, 1) ‖ p) ≤ U = {self.single_upper}; for every s > 0, "
            f"KL(N(c, s²) ‖ p) ≥ {self.cover_lower} > U (and min_s ≤ {self.cover_upper}, its value "
            f"at s = {self.lowest_piece[0]}): on (0, {self.small_s}] by log cosh y ≤ y²/2 "
            f"(bound {self.small_bound}), on [{self.large_s}, ∞) by log cosh y ≤ |y| "
            f"(bound {self.large_bound}), and on [{self.small_s}, {self.large_s}] in {self.pieces} "
            f"intervals by monotonicity (lowest bound on [{self.lowest_piece[0]}, "
            f"{self.lowest_piece[1]}]); E log cosh by acb certified integration on "
            f"[−{self.cut}, {self.cut}] plus the Gaussian tail bound; Arb ball arithmetic at "
            f"{self.bits} bits"
        )

    def to_json(self) -> dict[str, Any]:
        """A strict-JSON dict of the certificate (:meth:`from_json` reads it back)."""
        return {
            "kind": "reverse-KL cover bound",
            "modes": list(self.modes), "bits": self.bits, "cut": self.cut,
            "small_s": self.small_s, "large_s": self.large_s,
            "breakpoints": list(self.breakpoints),
            "single_upper": self.single_upper, "cover_lower": self.cover_lower,
            "small_bound": self.small_bound, "large_bound": self.large_bound,
            "lowest_piece": list(self.lowest_piece), "cover_upper": self.cover_upper,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CoverCertificate:
        """The certificate of :meth:`to_json`; ``ValueError`` naming a missing or malformed field."""
        if not isinstance(data, dict):
            raise ValueError(f"data: expected a dict, got {type(data).__name__}")
        try:
            return cls(
                modes=(str(data["modes"][0]), str(data["modes"][1])),
                bits=int(data["bits"]), cut=str(data["cut"]),
                small_s=str(data["small_s"]), large_s=str(data["large_s"]),
                breakpoints=tuple(str(t) for t in data["breakpoints"]),
                single_upper=str(data["single_upper"]), cover_lower=str(data["cover_lower"]),
                small_bound=str(data["small_bound"]), large_bound=str(data["large_bound"]),
                lowest_piece=(str(data["lowest_piece"][0]), str(data["lowest_piece"][1])),
                cover_upper=str(data["cover_upper"]),
            )
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"data: not a cover certificate ({type(exc).__name__}: {exc})") from None


def certify_cover_worse(
    modes: tuple[float | Fraction, float | Fraction], bits: int = BITS
) -> CoverCertificate | str:
    """A :class:`CoverCertificate` that every covering fit N(c, s²), s > 0, has a larger reverse KL
    to p = ½N(m₁, 1) + ½N(m₂, 1) than the single-mode N(m₂, 1), or the reason there is none (the
    bounds do not separate: p unimodal or nearly so, or the limits on pieces reached).
    ``modes`` are exact (a float by its binary value). ``ValueError`` for modes that are not two
    finite real numbers or ``bits`` out of range."""
    m1, m2 = exact_modes(modes)
    if isinstance(bits, bool) or not isinstance(bits, int) or not 32 <= bits <= 4096:
        raise ValueError(f"bits: expected an integer from 32 to 4096, got {bits!r}")
    if not mixture_log_density_identity():
        return "lemma (A), the mixture's log-density, did not check"
    half = abs(m2 - m1) / 2
    if half == 0:
        return "the modes coincide: p is one Gaussian, which is its own best cover"
    with working_precision(bits):
        d, cut = _ball(half), arb(CUT)
        try:
            upper = single_mode_kl(d, cut)
        except ArithmeticError as exc:
            return f"no enclosure of KL(N({m2}, 1) ‖ p): {exc}"
        s0 = Fraction(1)
        for _ in range(MAX_END_STEPS):
            if small_s_lower(d, _ball(s0)) > upper:
                break
            s0 /= 2
        else:
            return f"lemma (F) does not exceed U = {_upper_text(upper)} for any s₀ ≥ {s0}"
        s1 = Fraction(1)
        for _ in range(MAX_END_STEPS):
            if large_s_lower(d, _ball(s1)) > upper:
                break
            s1 *= 2
        else:
            return f"lemma (G) does not exceed U = {_upper_text(upper)} for any s₁ ≤ {s1}"
        cached: dict[Fraction, arb] = {}

        def bound(lo: Fraction, hi: Fraction) -> arb:
            if hi not in cached:
                try:
                    cached[hi] = log_cosh_expectation(arb(0), d * _ball(hi), cut)
                except ArithmeticError:
                    cached[hi] = arb("nan")
            return _monotone_bound(d, _ball(lo), _ball(hi), cached[hi])

        pieces, stuck = _subdivide(bound, s0, s1, upper, MIN_WIDTH, MAX_PIECES)
        if stuck is not None:
            lo, hi, value = stuck
            return (
                f"on s ∈ [{float(lo):.6g}, {float(hi):.6g}] the lower bound of KL(N(c, s²) ‖ p), "
                f"{_lower_text(value, 6) if value.is_finite() else 'none'}, does not exceed "
                f"U = {_upper_text(upper, 6)} (the single mode's KL, an upper bound), after "
                f"{len(pieces)} certified intervals"
            )
        # a tighter statement, never a weaker certificate: pieces whose bound lies in the lower
        # half of [U, KL near the minimum] are bisected (down to REFINE_WIDTH) when all their
        # halves stay above U
        low = min(pieces, key=lambda piece: float(piece[2].lower().mid()))
        try:
            near_min = cover_kl(d, _ball(low[0]), cut)
        except ArithmeticError as exc:
            return f"no enclosure of KL(N(c, s²) ‖ p) at s = {low[0]}: {exc}"
        target = (upper + near_min) / 2
        refined: list[_Piece] = []
        for piece in pieces:
            finer, short = _subdivide(bound, piece[0], piece[1], target, REFINE_WIDTH, MAX_PIECES)
            refined += [piece] if short is not None or not all(p[2] > upper for p in finer) else finer
        small, large = small_s_lower(d, _ball(s0)), large_s_lower(d, _ball(s1))
        low = min(refined, key=lambda piece: float(piece[2].lower().mid()))
        lowest = min([small, large, low[2]], key=lambda v: float(v.lower().mid()))
        try:
            at_low = cover_kl(d, _ball(low[0]), cut)
        except ArithmeticError as exc:
            return f"no enclosure of KL(N(c, s²) ‖ p) at s = {low[0]}: {exc}"
        return CoverCertificate(
            modes=(_text(m1), _text(m2)), bits=bits, cut=str(CUT),
            small_s=_text(s0), large_s=_text(s1),
            breakpoints=tuple(_text(t) for t in [s0] + [piece[1] for piece in refined]),
            single_upper=_upper_text(upper), cover_lower=_lower_text(lowest),
            small_bound=_lower_text(small), large_bound=_lower_text(large),
            lowest_piece=(_text(low[0]), _text(low[1])), cover_upper=_upper_text(at_low),
        )


_Piece = tuple[Fraction, Fraction, arb]


def _subdivide(
    bound: Callable[[Fraction, Fraction], arb], lo: Fraction, hi: Fraction, floor: arb,
    min_width: Fraction, max_pieces: int,
) -> tuple[list[_Piece], _Piece | None]:
    """Bisect [lo, hi] until ``bound`` of every piece lies strictly above ``floor``: the pieces in
    order and None, or the pieces certified so far and the first piece that could not be (no
    finite bound, narrower than ``min_width``, or ``max_pieces`` reached)."""
    done: list[_Piece] = []
    todo = [(lo, hi)]
    while todo:
        a, b = todo.pop()
        value = bound(a, b)
        if value > floor:
            done.append((a, b, value))
            continue
        if not value.is_finite() or b - a < min_width or len(done) + len(todo) + 2 > max_pieces:
            return done, (a, b, value)
        mid = (a + b) / 2
        todo += [(mid, b), (a, mid)]
    return done, None


def recheck_cover_worse(certificate: CoverCertificate) -> bool:
    """Re-evaluate ``certificate`` from its exact data alone: True when lemma (A) checks, the
    breakpoints run from s₀ to s₁ strictly increasing, every stated decimal bounds the
    recomputed ball on its stated side (U above, the lower bounds below), and each piece's lower
    bound, (0, s₀] and [s₁, ∞) included, lies strictly above the recomputed U. ``ValueError``
    for something that is not a :class:`CoverCertificate` or has malformed fields."""
    if not isinstance(certificate, CoverCertificate):
        raise ValueError(f"certificate: expected a CoverCertificate, got {type(certificate).__name__}")
    try:
        m1, m2 = (Fraction(t) for t in certificate.modes)
        cut, s0, s1 = Fraction(certificate.cut), Fraction(certificate.small_s), Fraction(certificate.large_s)
        ts = [Fraction(t) for t in certificate.breakpoints]
        stated = {name: Fraction(getattr(certificate, name)) for name in
                  ("single_upper", "cover_lower", "small_bound", "large_bound", "cover_upper")}
        piece = (Fraction(certificate.lowest_piece[0]), Fraction(certificate.lowest_piece[1]))
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"certificate: a field is not an exact number ({exc})") from None
    bits = certificate.bits
    if isinstance(bits, bool) or not isinstance(bits, int) or not 32 <= bits <= 4096:
        raise ValueError(f"certificate: bits must be an integer from 32 to 4096, got {bits!r}")
    if not mixture_log_density_identity():
        return False
    if not (0 < s0 < s1 and cut > 0 and len(ts) >= 2 and ts[0] == s0 and ts[-1] == s1):
        return False
    if any(b <= a for a, b in pairwise(ts)) or piece not in pairwise(ts):
        return False
    if not stated["cover_lower"] > stated["single_upper"]:
        return False
    with working_precision(bits):
        d, r = _ball(abs(m2 - m1) / 2), _ball(cut)
        try:
            upper = single_mode_kl(d, r)
        except ArithmeticError:
            return False
        if not upper <= _ball(stated["single_upper"]):
            return False
        small, large = small_s_lower(d, _ball(s0)), large_s_lower(d, _ball(s1))
        if not (small >= _ball(stated["small_bound"]) and large >= _ball(stated["large_bound"])):
            return False
        try:
            if not cover_kl(d, _ball(piece[0]), r) <= _ball(stated["cover_upper"]):
                return False
        except ArithmeticError:
            return False
        floor = _ball(stated["cover_lower"])
        for bound in (small, large):
            if not (bound > upper and bound >= floor):
                return False
        for a, b in pairwise(ts):
            try:
                value = cover_kl_lower(d, _ball(a), _ball(b), r)
            except ArithmeticError:
                return False
            if not (value > upper and value >= floor):
                return False
    return True
