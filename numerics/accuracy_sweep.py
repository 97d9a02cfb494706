"""Worst-case accuracy of the divergences: for every function and regime, many random inputs
(≥ 10⁴ in ``benchmarks/divergence_accuracy.py``, fewer in the tests) against an mpmath reference
on the exact float64 inputs with enough digits for each input (:mod:`numerics.accuracy`), the
error measured in ulp = the spacing of float64 at the exact value (2^(⌊log₂|x|⌋ − 52); the
subnormal spacing 2⁻¹⁰⁷⁴ below the normal range) — the strict unit: an error of 0.5 ulp is
correct rounding, < 1 ulp faithful rounding. A sweep reports its worst error, where it occurred
and how many samples it took.

Regimes (the names say what is drawn): random pairs with K = 2 and large K, near-equal pairs
(relative differences 1e−12 … 1e−1), far-apart pairs (ratios to 1e±12), extreme entries (to
1e−300) and unnormalised vectors (``normalize=True``, totals to 1e±300) — Cover & Thomas ch. 2
for the definitions; the near-equal and far regimes are where the textbook forms lose digits.
Beyond those, the regimes an outside probe found worse than the ones above: pairs proportional
to a few ulp (q = p·(1 ± kε) rounded), Bernoulli logits beyond σ's normal range, Normal scales
subnormal or near overflow, and the Normal entropy where it crosses 0 (Cover & Thomas 8.1.2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath as mp
import numpy as np

from numerics import accuracy as A
from numerics import divergences as D

Sample = tuple[float, mp.mpf, str]  # (computed, exact, the inputs as text)
Draw = Callable[[np.random.Generator], Sample]


def ulp_spacing_error(computed: float, exact: mp.mpf) -> float:
    """|computed − exact| in units of float64's spacing at ``exact`` (inf for a non-finite
    result where the exact value is finite; 0 for inf where the exact value overflows)."""
    computed, exact = A._computed(computed, "computed"), A._reference(exact, "exact")
    with mp.workdps(A.DIGITS):
        x = +exact
        if mp.isinf(x) or abs(x) > mp.mpf(np.finfo(np.float64).max) * (1 + mp.mpf(2) ** -53):
            return 0.0 if computed == float("inf") else float("inf")
        if not np.isfinite(computed):
            return float("inf")
        if x == 0:
            return 0.0 if computed == 0 else float(abs(mp.mpf(computed)) / mp.mpf(2) ** -1074)
        e = int(mp.floor(mp.log(abs(x), 2)))
        spacing = mp.mpf(2) ** max(e - 52, -1074)
        return float(abs(mp.mpf(computed) - x) / spacing)


def _txt(*xs: object) -> str:
    return repr(tuple(np.asarray(x).tolist() for x in xs))


def _dirichlet(rng: np.random.Generator, k: int) -> np.ndarray:
    return rng.dirichlet(np.ones(k))


def _pair(rng: np.random.Generator, regime: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """(p, q, normalize) for the categorical regimes."""
    if regime == "random, K = 2":
        return _dirichlet(rng, 2), _dirichlet(rng, 2), False
    if regime == "random, K = 64":
        return _dirichlet(rng, 64), _dirichlet(rng, 64), False
    k = int(rng.integers(2, 9))
    p = _dirichlet(rng, k)
    if regime == "near-equal, K = 2…8":
        q = p * np.exp(10.0 ** rng.uniform(-12, -1) * rng.uniform(-1, 1, k))
        return p, q / q.sum(), False
    if regime == "far, K = 2…8":
        q = p * 10.0 ** (12 * rng.uniform(-1, 1, k))
        return p, q / q.sum(), False
    if regime == "entries to 1e−300, K = 2…5 (normalised by the function)":
        k = int(rng.integers(2, 6))
        return 10.0 ** rng.uniform(-300, 0, k), 10.0 ** rng.uniform(-300, 0, k), True
    if regime == "unnormalised, near-proportional, K = 2, totals 1e±300":
        p = _dirichlet(rng, 2)
        q = p * np.exp(10.0 ** rng.uniform(-12, -1) * rng.uniform(-1, 1, 2))
        return p * 10.0 ** rng.uniform(-300, 300), q * 10.0 ** rng.uniform(-300, 300), True
    if regime == "unnormalised, random, K = 2…8":
        return p * rng.uniform(0.5, 2), _dirichlet(rng, k) * rng.uniform(0.5, 2), True
    if regime == "proportional to a few ulp (q = p·(1 ± kε) rounded, k ≤ 50), K = 2":
        p = _dirichlet(rng, 2)
        return p, p * (1 + float(rng.integers(1, 51)) * 2.0**-52 * float(rng.choice([-1.0, 1.0]))), True
    raise KeyError(regime)


CATEGORICAL_REGIMES = (
    "random, K = 2",
    "random, K = 64",
    "near-equal, K = 2…8",
    "far, K = 2…8",
    "entries to 1e−300, K = 2…5 (normalised by the function)",
    "unnormalised, near-proportional, K = 2, totals 1e±300",
    "unnormalised, random, K = 2…8",
    "proportional to a few ulp (q = p·(1 ± kε) rounded, k ≤ 50), K = 2",
)


def _categorical_sample(fn: str, p: np.ndarray, q: np.ndarray, normalize: bool) -> Sample:
    """``fn`` on (p, q) against its mpmath reference (on the normalised vectors)."""
    if fn == "kl_categorical":
        return float(D.kl_categorical(p, q, normalize=normalize)), A.ref_kl_categorical(p, q), _txt(p, q)
    if fn == "jsd_categorical":
        got = float(D.jsd_categorical(p, q, normalize=normalize))
        return got, A.ref_jsd_categorical(p, q), _txt(p, q)
    if fn == "cross_entropy_categorical":
        got = float(D.cross_entropy_categorical(p, q, normalize=normalize))
        return got, A.ref_cross_entropy_categorical(p, q), _txt(p, q)
    return float(D.entropy_categorical(p, normalize=normalize)), A.ref_entropy_categorical(p), _txt(p)


def _categorical(fn: str, regime: str) -> Draw:
    def draw(rng: np.random.Generator) -> Sample:
        return _categorical_sample(fn, *_pair(rng, regime))

    return draw


def _bernoulli_pq(rng: np.random.Generator, regime: str) -> tuple[float, float]:
    if regime == "random":
        return float(rng.uniform()), float(rng.uniform())
    if regime == "near-equal":
        p = float(rng.uniform(0.001, 0.999))
        return p, float(np.clip(p * np.exp(10.0 ** rng.uniform(-12, -1) * rng.uniform(-1, 1)), 0, 1))
    if regime == "far (probabilities to 1e−300)":
        p, q = 10.0 ** rng.uniform(-300, -0.01), 10.0 ** rng.uniform(-300, -0.01)
        flip = rng.uniform(size=2) < 0.5  # either side of ½: complements near 1 as well
        return (1 - p if flip[0] else p), (1 - q if flip[1] else q)
    if regime == BERNOULLI_EDGES:  # each side an edge value (70 %) or uniform
        p, q = (float(rng.choice(_EDGES)) if rng.uniform() < 0.7 else float(rng.uniform()) for _ in range(2))
        return p, q
    if regime == "near 1 (1 − 10^U(−16, −1))":
        return 1 - float(10.0 ** rng.uniform(-16, -1)), 1 - float(10.0 ** rng.uniform(-16, -1))
    raise KeyError(regime)


#: the values strangers try first: 0, 1, 1 − 1e−16 (= 1 − 2⁻⁵³), 1 − 2⁻⁵², ½ and its neighbours,
#: the smallest subnormal, a subnormal, the smallest normal, 1e−300, 1e−16
_EDGES = (0.0, 1.0, 1 - 1e-16, 1 - 2.0**-52, 1 - 1e-15, 0.5, 0.5 - 2.0**-54, 0.5 + 2.0**-53, 5e-324, 1e-320,
          2.2250738585072014e-308, 1e-300, 1e-16)
BERNOULLI_EDGES = "edges (0, 1, 1 − 1e−16, ½ ± ulp, subnormals) × anything"
BERNOULLI_REGIMES = ("random", "near-equal", "far (probabilities to 1e−300)", BERNOULLI_EDGES,
                     "near 1 (1 − 10^U(−16, −1))")


def _ref_entropy_bernoulli(p: float) -> mp.mpf:
    with mp.workdps(A.DIGITS):
        x = mp.mpf(p)
        return -(x * mp.log(x) if x > 0 else 0) - ((1 - x) * mp.log1p(-x) if x < 1 else 0)


def _bernoulli_sample(fn: str, p: float, q: float) -> Sample:
    """``fn`` on (p, q) (``entropy_bernoulli`` on p) against its mpmath reference."""
    if fn == "kl_bernoulli":
        return float(D.kl_bernoulli(p, q)), A.ref_kl_bernoulli(p, q), _txt(p, q)
    if fn == "jsd_bernoulli":
        with mp.workdps(A.DIGITS):  # the complements' logs by log1p (1 − p would round)
            pp, qq = mp.mpf(p), mp.mpf(q)
            m = (pp + qq) / 2

            def kl(a: mp.mpf) -> mp.mpf:  # a log(a/m) + (1 − a) log((1 − a)/(1 − m))
                first = a * mp.log(a / m) if a > 0 else mp.mpf(0)
                second = (1 - a) * (mp.log1p(-a) - mp.log1p(-m)) if a < 1 else mp.mpf(0)
                return first + second

            ref = (kl(pp) + kl(qq)) / 2
        return float(D.jsd_bernoulli(p, q)), ref, _txt(p, q)
    return float(D.entropy_bernoulli(p)), _ref_entropy_bernoulli(p), _txt(p)


def _bernoulli(fn: str, regime: str) -> Draw:
    def draw(rng: np.random.Generator) -> Sample:
        return _bernoulli_sample(fn, *_bernoulli_pq(rng, regime))

    return draw


LOGIT_REGIMES = (
    "|logit| ~ 1", "|logit| ~ 30", "|logit| ~ 1e3", "near-equal (δ = 1e−12 … 1e−1), |logit| ~ 30",
)
#: where σ(±x) leaves float64's normal range and the KL reaches subnormal values (Bernoulli only)
BEYOND_SIGMOID = "|logit| 700 … 750 (σ beyond the normal range, KL to subnormal)"


def _logit_scale(regime: str) -> float:
    return {"|logit| ~ 1": 1.0, "|logit| ~ 30": 30.0, "|logit| ~ 1e3": 1e3}.get(regime, 30.0)


def _bernoulli_logits_sample(a: float, b: float) -> Sample:
    """``kl_bernoulli_logits`` on (a, b) against its mpmath reference."""
    return float(D.kl_bernoulli_logits(a, b)), A.ref_kl_bernoulli_logits(a, b), _txt(a, b)


def _categorical_logits_sample(a: np.ndarray, b: np.ndarray) -> Sample:
    """``kl_categorical_logits`` on (a, b) against its mpmath reference."""
    return float(D.kl_categorical_logits(a, b)), A.ref_kl_categorical_logits(a, b), _txt(a, b)


def _bernoulli_logits(regime: str) -> Draw:
    def draw(rng: np.random.Generator) -> Sample:
        s = _logit_scale(regime)
        a = float(rng.normal() * s)
        if regime == BEYOND_SIGMOID:
            a = float(rng.choice([-1.0, 1.0]) * rng.uniform(700, 750))
            near = a + rng.normal() * 10.0 ** rng.uniform(-14, 1.5)
            b = float(rng.choice([-1.0, 1.0]) * rng.uniform(700, 750)) if rng.uniform() < 0.5 else float(near)
        elif regime.startswith("near"):
            b = a + 10.0 ** rng.uniform(-12, -1) * rng.normal()
        else:
            b = float(rng.normal() * s)
        return _bernoulli_logits_sample(a, b)

    return draw


def _categorical_logits(regime: str, k: int) -> Draw:
    def draw(rng: np.random.Generator) -> Sample:
        s = _logit_scale(regime)
        a = rng.normal(size=k) * s
        if regime.startswith("near"):
            b = a + 10.0 ** rng.uniform(-12, -1) * rng.normal(size=k) + rng.normal() * s
        else:
            b = rng.normal(size=k) * s
        return _categorical_logits_sample(a, b)

    return draw


NORMAL_REGIMES = (
    "random", "near-equal", "far (scale ratios to 1e±12)", "extreme (scales 1e±150)",
    "subnormal scales (σ 1e−323 … 1e−308)", "scales and means near overflow (1e290 … 1e308)",
)


def _normal_args(rng: np.random.Generator, regime: str, size: int | None = None) -> list[np.ndarray]:
    m1, s1 = rng.normal(size=size), np.exp(rng.normal(size=size))
    if regime == "random":
        m2, s2 = rng.normal(size=size), np.exp(rng.normal(size=size))
    elif regime == "near-equal":
        d = 10.0 ** rng.uniform(-12, -1, size)
        m2, s2 = m1 + d * rng.normal(size=size), s1 * np.exp(d * rng.normal(size=size))
    elif regime == "far (scale ratios to 1e±12)":
        s2 = s1 * 10.0 ** (12 * rng.uniform(-1, 1, size))
        m2 = m1 + 3 * np.maximum(s1, s2) * rng.normal(size=size)
    elif regime == "extreme (scales 1e±150)":
        s1, s2 = 10.0 ** rng.uniform(-150, 150, size), 10.0 ** rng.uniform(-150, 150, size)
        m1, m2 = rng.normal(size=size) * s1, rng.normal(size=size) * s2
    elif regime == "subnormal scales (σ 1e−323 … 1e−308)":
        s1, s2 = 10.0 ** rng.uniform(-323, -308, size), 10.0 ** rng.uniform(-323, -308, size)
        m1, m2 = rng.normal(size=size) * s1, rng.normal(size=size) * s2
    else:  # scales and means near overflow: |μ| ≤ 1e308 (a difference may overflow: KL = inf)
        s1, s2 = 10.0 ** rng.uniform(290, 308, size), 10.0 ** rng.uniform(290, 308, size)
        m1, m2 = rng.uniform(-1, 1, size) * 1e308, rng.uniform(-1, 1, size) * 1e308
    return [np.asarray(x, dtype=np.float64) for x in (m1, s1, m2, s2)]


def _normal_sample(fn: str, args: list[np.ndarray]) -> Sample:
    """``kl_normal`` (scalar parameters) or ``kl_normal_diag`` (vectors) on (μ₁, σ₁, μ₂, σ₂)
    against its mpmath reference."""
    if fn == "kl_normal":
        return float(D.kl_normal(*args)), A.ref_kl_normal(*(float(x) for x in args)), _txt(*args)
    return float(D.kl_normal_diag(*args)), A.ref_kl_diag(*args), _txt(*args)


def _normal(fn: str, regime: str) -> Draw:
    def draw(rng: np.random.Generator) -> Sample:
        return _normal_sample(fn, _normal_args(rng, regime, None if fn == "kl_normal" else 8))

    return draw


ENTROPY_NORMAL_REGIMES = (
    "σ near 1/√(2πe), where H = 0 (relative 1e−16 … 1e−1)", "σ log-uniform 1e−320 … 1e308",
)


def _entropy_normal(regime: str) -> Draw:
    def draw(rng: np.random.Generator) -> Sample:
        if regime == ENTROPY_NORMAL_REGIMES[0]:
            relative = rng.uniform(-1, 1) * 10.0 ** rng.uniform(-16, -1)
            sigma = float((2 * np.pi * np.e) ** -0.5 * (1 + relative))
        else:
            sigma = float(10.0 ** rng.uniform(-320, 308))
        return _entropy_normal_sample(sigma)

    return draw


def _entropy_normal_sample(sigma: float) -> Sample:
    """``entropy_normal`` on σ against ½ log(2πe σ²) (Cover & Thomas, Example 8.1.2) in mpmath."""
    with mp.workdps(A.DIGITS):
        s = mp.mpf(sigma)
        exact = mp.log(2 * mp.pi * mp.e * s * s) / 2
    return float(D.entropy_normal(sigma)), exact, _txt(sigma)


#: (function, regime) → a draw of one sample
SWEEPS: dict[tuple[str, str], Draw] = {
    **{("kl_categorical", r): _categorical("kl_categorical", r) for r in CATEGORICAL_REGIMES},
    **{("jsd_categorical", r): _categorical("jsd_categorical", r)
       for r in CATEGORICAL_REGIMES if "64" not in r},
    **{("cross_entropy_categorical", r): _categorical("cross_entropy_categorical", r)
       for r in ("random, K = 2", "near-equal, K = 2…8", "far, K = 2…8", "unnormalised, random, K = 2…8")},
    **{("entropy_categorical", r): _categorical("entropy_categorical", r)
       for r in ("random, K = 2", "random, K = 64", "entries to 1e−300, K = 2…5 (normalised by the function)",
                 "unnormalised, random, K = 2…8")},
    **{(fn, r): _bernoulli(fn, r) for fn in ("kl_bernoulli", "jsd_bernoulli") for r in BERNOULLI_REGIMES},
    **{("entropy_bernoulli", r): _bernoulli("entropy_bernoulli", r)
       for r in ("random", "far (probabilities to 1e−300)", BERNOULLI_EDGES, "near 1 (1 − 10^U(−16, −1))")},
    **{("kl_bernoulli_logits", r): _bernoulli_logits(r) for r in (*LOGIT_REGIMES, BEYOND_SIGMOID)},
    **{("kl_categorical_logits", f"{r}, K = {k}"): _categorical_logits(r, k)
       for r in LOGIT_REGIMES for k in ((2,) if "1e3" in r else (2, 16))},
    **{(fn, r): _normal(fn, r) for fn in ("kl_normal", "kl_normal_diag") for r in NORMAL_REGIMES},
    **{("entropy_normal", r): _entropy_normal(r) for r in ENTROPY_NORMAL_REGIMES},
}


def _pinned_categorical(fn: str, p: list[float], q: list[float]) -> Callable[[], Sample]:
    def run() -> Sample:
        got, exact, text = _categorical_sample(fn, np.array(p), np.array(q), True)
        return got, exact, text + " normalize=True"

    return run


def _pinned_bernoulli(fn: str, p: float, q: float = 0.5) -> Callable[[], Sample]:
    return lambda: _bernoulli_sample(fn, p, q)


#: inputs where searches outside the sweeps above (reports and probes by other people, with
#: more draws or other regimes) found larger errors than the sweeps' own draws: evaluated on every
#: run, so that the published worst case of a function is never below an error someone has
#: reported for it (add an input here whenever a report beats the table)
PINNED: dict[str, tuple[Callable[[], Sample], ...]] = {
    "kl_categorical": (
        _pinned_categorical("kl_categorical", [0.020491106547848675, 0.9795088934521513],
                            [0.03523588437552469, 0.9647641156244753]),
        _pinned_categorical("kl_categorical", [0.07963036737311352, 0.9203696326268865],
                            [0.07963036737359094, 0.9198165755568931]),
    ),
    "jsd_categorical": (
        _pinned_categorical("jsd_categorical", [0.8897628509865071, 0.11023714901349303],
                            [0.8897628509865112, 0.11023714901349355]),
        _pinned_categorical("jsd_categorical", [0.018903157520791473, 0.007887674064351766],
                            [0.00041872371237285956, 0.00017471981804588347]),
    ),
    "kl_bernoulli": (_pinned_bernoulli("kl_bernoulli", 0.49999999999999994, 0.8814317596574679),),
    "entropy_bernoulli": (_pinned_bernoulli("entropy_bernoulli", 0.9889614932147807),),
}


@dataclass(frozen=True)
class Worst:
    """The worst error of one sweep: in ulp (float64 spacing at the exact value), at which
    inputs, over how many samples; and the 99.9th percentile."""

    ulp: float
    inputs: str
    samples: int
    p999: float


def sweep(key: tuple[str, str], samples: int, seed: int = 0) -> Worst:
    """The worst error of ``SWEEPS[key]`` over ``samples`` draws from ``seed``."""
    if not isinstance(key, tuple) or key not in SWEEPS:
        raise ValueError(f"key: expected one of the (function, regime) pairs of SWEEPS, got {key!r}")
    samples, seed = A._sweep_args(samples, seed)
    rng = np.random.default_rng([seed, sum(map(ord, key[0] + key[1]))])
    draw = SWEEPS[key]
    errors = np.empty(samples)
    worst, where = -1.0, ""
    for i in range(samples):
        got, exact, text = draw(rng)
        errors[i] = ulp_spacing_error(got, exact)
        if errors[i] > worst:
            worst, where = float(errors[i]), text
    return Worst(worst, where, samples, float(np.percentile(errors, 99.9)))


def pinned(fn: str) -> Worst:
    """The worst error over the inputs :data:`PINNED` holds for ``fn`` (n = how many)."""
    if not isinstance(fn, str) or fn not in PINNED:
        raise ValueError(f"fn: expected one of the functions of PINNED {sorted(PINNED)}, got {fn!r}")
    runs = [run() for run in PINNED[fn]]
    errors = [ulp_spacing_error(got, exact) for got, exact, _ in runs]
    i = int(np.argmax(errors))
    return Worst(errors[i], runs[i][2], len(runs), float(np.percentile(errors, 99.9)))
