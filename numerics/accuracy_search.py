"""A directed search for the divergences' worst float64 errors, beyond what random sweeps find.

:mod:`numerics.accuracy_sweep` draws 10⁴ inputs per regime and reports the worst; random draws
find typical errors, and an outside search that climbs the error from a bad input finds errors
up to twice as large (kl_bernoulli_logits: 9.0 ulp over the sweeps, 16.3 by hill climbing). The
worst case a function publishes should come from a search that climbs too.

The search here is stochastic hill climbing with restarts (Russell & Norvig, *AIMA*, §4.1): from a
starting point drawn the way users' inputs look (Dirichlet probabilities, near-equal pairs, logits
~ N(0, s²), VAE encoder scales σ = e^{ℓ/2}, inputs near 0 and 1), each step moves one or several
coordinates by a few to 2²⁰ ulp or by a relative step 10⁻¹⁵ … 10⁻¹ and keeps the move if the
error (ulp against the mpmath reference of :mod:`numerics.accuracy`, on the exact float64 inputs)
did not decrease; after :data:`PATIENCE` steps without a new best it restarts. The evaluations,
seed and best input are reported, and the search is deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from numerics import _validate as v
from numerics import accuracy_sweep as S

Point = np.ndarray  # a function's inputs as one flat float64 vector
Evaluate = Callable[[Point], "S.Sample | None"]  # None: outside the domain

#: steps without a new best before a restart from a fresh starting point
PATIENCE = 150


@dataclass(frozen=True)
class Space:
    """How a function's inputs are drawn (``start``) and evaluated (``evaluate``: None outside
    the function's domain, where the search does not go)."""

    start: Callable[[np.random.Generator], Point]
    evaluate: Evaluate


def _categorical_start(rng: np.random.Generator, entropy: bool) -> Point:
    k = int(rng.choice([2, 2, 3, 5, 10]))
    p = rng.dirichlet(np.full(k, float(rng.choice([0.2, 1.0, 10.0]))))
    if entropy:
        return p
    kind = rng.uniform()
    if kind < 0.4:  # near-equal: q = p perturbed, renormalised
        q = p * np.exp(10.0 ** rng.uniform(-12, -1) * rng.normal(size=k))
        q /= q.sum()
    elif kind < 0.5:  # one-hot-ish q
        q = np.full(k, 10.0 ** rng.uniform(-12, -2))
        q[int(rng.integers(k))] = 1.0
        q /= q.sum()
    else:
        q = rng.dirichlet(np.ones(k))
    return np.concatenate([p, q])


def _categorical_evaluate(fn: str) -> Evaluate:
    """Probability vectors (non-negative, finite, a positive total): with ``normalize=False``
    where both totals are within 1e−9 of 1 (the common call), else the function normalises. The
    search never leaves the domain, so a ``ValueError`` here is a defect and is not caught."""

    def run(x: Point) -> S.Sample | None:
        if not (np.isfinite(x).all() and (x >= 0).all()):
            return None
        p, q = (x, x) if fn == "entropy_categorical" else (x[: x.size // 2], x[x.size // 2:])
        if not (p.sum() > 0 and q.sum() > 0):
            return None
        tolerance = 1e-9
        plain = abs(p.sum() - 1) <= tolerance and abs(q.sum() - 1) <= tolerance
        return S._categorical_sample(fn, p, q, not plain)

    return run


def _probability_start(rng: np.random.Generator, count: int) -> Point:
    kind = rng.uniform()
    if kind < 0.3:
        p = np.full(count, rng.uniform())
        return np.clip(p * np.exp(10.0 ** rng.uniform(-12, -1) * rng.normal(size=count)), 0.0, 1.0)
    if kind < 0.5:  # near 0 or 1
        v = 10.0 ** rng.uniform(-300, -1, count)
        return np.where(rng.uniform(size=count) < 0.5, 1 - v, v)
    return rng.uniform(size=count)


def _bernoulli_evaluate(fn: str) -> Evaluate:
    def run(x: Point) -> S.Sample | None:
        if not ((x >= 0).all() and (x <= 1).all()):  # NaN fails too
            return None
        q = float(x[1]) if x.size > 1 else 0.5
        return S._bernoulli_sample(fn, float(x[0]), q)

    return run


def _logits_start(rng: np.random.Generator, bernoulli: bool) -> Point:
    """(a, b): logits ~ N(0, s²), s = 1, 3 or 30 (a classifier's), one each for a Bernoulli, 2, 3
    or 10 for a categorical; b near a (40 %) or independent."""
    scale = float(rng.choice([1.0, 3.0, 30.0]))
    n = 1 if bernoulli else int(rng.choice([2, 3, 10]))
    a = rng.normal(size=n) * scale
    if rng.uniform() < 0.4:
        b = a + 10.0 ** rng.uniform(-12, 0) * rng.normal(size=n)
    else:
        b = rng.normal(size=n) * scale
    return np.concatenate([a, b])


def _bernoulli_logits_evaluate(x: Point) -> S.Sample | None:
    if not np.isfinite(x).all():
        return None
    return S._bernoulli_logits_sample(float(x[0]), float(x[1]))


def _categorical_logits_evaluate(x: Point) -> S.Sample | None:
    if not np.isfinite(x).all():
        return None
    return S._categorical_logits_sample(x[: x.size // 2], x[x.size // 2:])


def _normal_start(rng: np.random.Generator, d: int) -> Point:
    """(μ₁, σ₁, μ₂, σ₂): an encoder's μ ~ N(0, 1), σ = e^{ℓ/2}, ℓ ~ N(−2, 1), against the prior
    or a near-equal or independent second Normal."""
    m1, s1 = rng.normal(size=d), np.exp(0.5 * rng.normal(-2, 1, size=d))
    kind = rng.uniform()
    if kind < 0.3:
        m2, s2 = np.zeros(d), np.ones(d)
    elif kind < 0.6:
        eps = 10.0 ** rng.uniform(-12, -1)
        m2, s2 = m1 + eps * rng.normal(size=d), s1 * np.exp(eps * rng.normal(size=d))
    else:
        m2, s2 = rng.normal(size=d), np.exp(0.5 * rng.normal(-2, 1, size=d))
    return np.concatenate([m1, s1, m2, s2])


def _normal_evaluate(fn: str) -> Evaluate:
    def run(x: Point) -> S.Sample | None:
        m1, s1, m2, s2 = np.split(x, 4)
        if not (np.isfinite(x).all() and (s1 > 0).all() and (s2 > 0).all()):
            return None
        return S._normal_sample(fn, [m1, s1, m2, s2] if fn == "kl_normal_diag" else
                                [np.float64(v[0]) for v in (m1, s1, m2, s2)])

    return run


def _entropy_normal_start(rng: np.random.Generator) -> Point:
    if rng.uniform() < 0.5:
        return np.array([(2 * np.pi * np.e) ** -0.5 * (1 + 10.0 ** rng.uniform(-16, -1) * rng.normal())])
    return np.array([10.0 ** rng.uniform(-5, 5)])


def _entropy_normal_evaluate(x: Point) -> S.Sample | None:
    if not (np.isfinite(x).all() and x[0] > 0):
        return None
    return S._entropy_normal_sample(float(x[0]))


#: every function the accuracy sweeps cover, with its search space
SPACES: dict[str, Space] = {
    **{fn: Space(partial(_categorical_start, entropy=fn == "entropy_categorical"), _categorical_evaluate(fn))
       for fn in ("kl_categorical", "jsd_categorical", "cross_entropy_categorical", "entropy_categorical")},
    **{fn: Space(partial(_probability_start, count=1 if fn == "entropy_bernoulli" else 2),
                 _bernoulli_evaluate(fn))
       for fn in ("kl_bernoulli", "jsd_bernoulli", "entropy_bernoulli")},
    "kl_bernoulli_logits": Space(partial(_logits_start, bernoulli=True), _bernoulli_logits_evaluate),
    "kl_categorical_logits": Space(partial(_logits_start, bernoulli=False), _categorical_logits_evaluate),
    "kl_normal": Space(partial(_normal_start, d=1), _normal_evaluate("kl_normal")),
    "kl_normal_diag": Space(partial(_normal_start, d=4), _normal_evaluate("kl_normal_diag")),
    "entropy_normal": Space(_entropy_normal_start, _entropy_normal_evaluate),
}


def _step(rng: np.random.Generator, x: Point) -> Point:
    """One move: one coordinate (60 %) or each with probability ½, by ±1 … 2²⁰ ulp (log-uniform)
    or by a relative step 10^U(−15, −1)."""
    y = x.copy()
    chosen = [int(rng.integers(x.size))] if rng.uniform() < 0.6 else \
        [i for i in range(x.size) if rng.uniform() < 0.5] or [int(rng.integers(x.size))]
    for i in chosen:
        if rng.uniform() < 0.5:
            ulps = np.round(2.0 ** rng.uniform(0, 20)) * rng.choice([-1.0, 1.0])
            y[i] = x[i] + ulps * np.spacing(x[i])
        else:
            y[i] = x[i] * (1 + 10.0 ** rng.uniform(-15, -1) * rng.normal())
    return y


@dataclass(frozen=True)
class Found:
    """The worst error a search found: in ulp, at which inputs, after how many evaluations (of
    the function and its reference) and restarts, from which seed."""

    ulp: float
    inputs: str
    evaluations: int
    restarts: int
    seed: int


def search(fn: str, evaluations: int, seed: int = 0) -> Found:
    """The worst error of ``fn`` that :data:`PATIENCE`-restarted hill climbing finds in
    ``evaluations`` evaluations from ``seed``."""
    if not isinstance(fn, str) or fn not in SPACES:
        raise ValueError(f"fn: expected one of {sorted(SPACES)}, got {fn!r}")
    evaluations = v.integer(evaluations, "evaluations", minimum=1)
    seed = v.integer(seed, "seed", minimum=0)
    space = SPACES[fn]
    rng = np.random.default_rng([seed, sum(map(ord, fn))])
    best, best_at, restarts = -1.0, "", 0
    current, current_err, stale = None, -1.0, 0
    for _ in range(evaluations):
        x = space.start(rng) if current is None else _step(rng, current)
        sample = space.evaluate(x)
        if sample is None:
            stale += 1
        else:
            err = S.ulp_spacing_error(sample[0], sample[1])
            if err > best:
                best, best_at, stale = err, sample[2], 0
            else:
                stale += 1
            if current is None or err >= current_err:
                current, current_err = x, err
        if stale >= PATIENCE:
            current, current_err, stale = None, -1.0, 0
            restarts += 1
    return Found(best, best_at, evaluations, restarts, seed)


