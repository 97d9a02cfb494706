"""Inclusive vs exclusive KL fits of a Gaussian to p = ⅓N(−1, 1) + ⅔N(1, 1) (seed 003, Problem 6.3).

Both divergences are computed by composite Gauss–Legendre quadrature (vectorised; log p by
log-sum-exp), cross-checked against adaptive quadrature (``scipy.integrate.quad``, tolerances
1e-13).
The forward fit is compared with its closed form (moment matching: μ = 1/3, σ² = 17/9, proved in
``derivations.kl_fit``); the reverse fit is run from a grid of starts and every distinct local
optimum is reported. :func:`plot_fits` writes the figure the seed asks for.

Every public function checks its arguments: μ a finite real, σ a finite real
> 0, evaluation points real and not NaN — else ``ValueError`` naming the argument (so
``reverse_kl(0, -1)`` never returns a negative "KL", nor ``forward_kl(0, 0)`` NaN). A divergence the
quadrature cannot evaluate (σ so extreme that the integrand overflows to NaN) is an error too,
never a NaN result. ``python -m numerics.kl_fit [OUT.png]`` (argparse, ``--help``) writes the
figure atomically.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import integrate
from scipy.special import logsumexp

from numerics._kl_fit_quadrature import (
    Fit,
    fit_bfgs,
    integrate_panels,
    kl_integrand,
    log_normal,
    panel_nodes,
    real_number,
)
from numerics._validate import normal_parameters, points
from numerics.kl_fit_separated import SEPARATION, fit_exclusive_all, fit_inclusive
from numerics.kl_fit_separated import log_p as log_p_separated

WEIGHTS, MEANS = np.array([1 / 3, 2 / 3]), np.array([-1.0, 1.0])
QUAD = {"epsabs": 1e-13, "epsrel": 1e-13, "limit": 400}


def log_p(x: float | np.ndarray) -> np.ndarray:
    """log p(x) of the target ⅓N(−1, 1) + ⅔N(1, 1) (log-sum-exp); ±inf give −inf."""
    return _log_p(points(x, "x"))


def _log_p(x: np.ndarray | np.float64) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        comps = _log_components(np.asarray(x)[..., None] - MEANS)
    return logsumexp(comps, axis=-1)


def log_q(x: float | np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """log N(x; μ, σ²), σ > 0."""
    m, s = normal_parameters(mu, sigma)
    return log_normal(points(x, "x"), m, s)


def _forward_kl(mu: float, sigma: float) -> float:
    with np.errstate(over="ignore"):
        return integrate_panels(lambda x: kl_integrand(_log_p(x), log_normal(x, mu, sigma)), -41.0, 41.0)


def _reverse_kl(mu: float, sigma: float) -> float:
    with np.errstate(over="ignore"):  # in t = x − μ: q's nodes and weights are exact
        f = lambda t: kl_integrand(log_normal(t, 0.0, sigma), _log_p_shifted(mu, t))
        return integrate_panels(f, -38 * sigma, 38 * sigma)


def _reverse_kl_with_gradient(mu: float, log_sigma: float) -> tuple[float, np.ndarray]:
    """KL(q ‖ p) and its gradient in (μ, log σ), by the quadrature of :func:`_reverse_kl` (the
    same nodes and integrand, in one pass): in t = x − μ,
    ∂_μ KL = −∫ q(t) (log p)'(μ + t) dt and, with t = σu, ∂_{log σ} KL = −1 − ∫ q(t) t (log p)'(μ + t) dt
    (differentiation under the integral), (log p)'(x) = Σ_i r_i(x)(m_i − x) with r_i the
    responsibilities. The stationarity test of the fits uses central differences of the value,
    independent of this gradient."""
    sigma = float(np.exp(log_sigma))
    t, weights = panel_nodes(-38 * sigma, 38 * sigma)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        shifted = (mu - MEANS) + t[..., None]  # μ + t − m_i, never rounding μ + t
        comps = _log_components(shifted)
        log_p = logsumexp(comps, axis=-1, keepdims=True)
        resp = np.exp(comps - log_p)
        score = -np.sum(resp * shifted, axis=-1)  # (log p)'(μ + t)
        log_q = log_normal(t, 0.0, sigma)
        value = float(np.sum(weights * kl_integrand(log_q, log_p[..., 0])))
        wq = weights * np.exp(log_q) * score
        grad = np.array([-float(np.sum(wq)), -1.0 - float(np.sum(wq * t))])
    return value, grad


def _not_nan(value: float, what: str, mu: float, sigma: float) -> float:
    if math.isnan(value):
        raise ValueError(
            f"mu, sigma: {what} cannot be evaluated by quadrature at mu = {mu!r}, sigma = {sigma!r} "
            "(the integrand overflows)"
        )
    return value


def forward_kl(mu: float, sigma: float) -> float:
    """KL(p ‖ q) = ∫ p (log p − log q) over [−41, 41] (p's tails beyond are below 1e-300)."""
    m, s = normal_parameters(mu, sigma)
    return _not_nan(_forward_kl(m, s), "KL(p || q)", m, s)


def _log_p_shifted(mu: float, t: np.ndarray | np.float64) -> np.ndarray:
    """log p(μ + t) with μ + t never rounded: (μ − m_k) + t per component. Quadrature nodes placed
    at μ + t directly would be rounded to ulp(μ), which for |μ| ≫ σ shifts every node and weight
    (``reverse_kl(1e10, 3)`` lost 9 digits that way)."""
    t = np.asarray(t, dtype=np.float64)
    with np.errstate(over="ignore"):  # far tails: the square overflows, log p = −inf, KL = +inf
        comps = _log_components((mu - MEANS) + t[..., None])
    return logsumexp(comps, axis=-1)


def _log_components(shifted: np.ndarray) -> np.ndarray:
    """log(w_i N(x; m_i, 1)) from shifted = x − m_i (last axis: the components)."""
    return np.log(WEIGHTS) - 0.5 * np.log(2 * np.pi) - 0.5 * shifted**2


def reverse_kl(mu: float, sigma: float) -> float:
    """KL(q ‖ p) = ∫ q (log q − log p) over μ ± 38σ (q's tails beyond are below 1e-300)."""
    m, s = normal_parameters(mu, sigma, span=40)
    return _not_nan(_reverse_kl(m, s), "KL(q || p)", m, s)


def forward_kl_adaptive(mu: float, sigma: float) -> float:
    """KL(p ‖ q) by adaptive quadrature (scipy.integrate.quad, tolerances 1e-13): the cross-check."""
    m, s = normal_parameters(mu, sigma)
    f = lambda x: float(np.exp(_log_p(np.float64(x))) * (_log_p(np.float64(x)) - log_normal(x, m, s)))
    try:
        value = integrate.quad(f, -np.inf, np.inf, **QUAD)[0]
    except OverflowError:  # quad's own arithmetic on an integrand beyond the float range
        value = math.nan
    return _not_nan(value, "KL(p || q)", m, s)


def reverse_kl_adaptive(mu: float, sigma: float) -> float:
    """KL(q ‖ p) by adaptive quadrature over μ ± 40σ (the tails beyond are below 1e-300)."""
    m, s = normal_parameters(mu, sigma, span=40)

    def f(t: float) -> float:
        tt = np.float64(t)
        return float(kl_integrand(log_normal(tt, 0.0, s), _log_p_shifted(m, tt)))

    return _not_nan(integrate.quad(f, -40 * s, 40 * s, **QUAD)[0], "KL(q || p)", m, s)


def _start(start: object, name: str) -> tuple[float, float]:
    if not isinstance(start, Sequence) or isinstance(start, str) or len(start) != 2:
        raise ValueError(f"{name}: expected a pair (mu, log sigma), got {start!r}")
    mu0, log_sigma0 = real_number(start[0], name), real_number(start[1], name)
    if not abs(log_sigma0) <= 700:  # σ₀ = e^{log σ₀} must be a normal float
        raise ValueError(f"{name}: log sigma must be within ±700 (σ a normal float), got {log_sigma0!r}")
    return mu0, log_sigma0


def _finite_at_start(
    objective: Callable[[float, float], float], start: tuple[float, float], name: str
) -> None:
    """BFGS from a start where the objective is not finite only ever sees inf − inf: refuse it."""
    with np.errstate(over="ignore", invalid="ignore"):
        value = objective(start[0], math.exp(start[1]))
    if not math.isfinite(value):
        raise ValueError(f"{name}: the KL is not finite at the start {start!r} (it overflows); start "
                         "nearer the mixture")


def fit_forward(start: tuple[float, float] = (0.0, 0.0)) -> Fit:
    """argmin over (μ, σ) of KL(p ‖ q) by BFGS in (μ, log σ) from ``start`` = (μ₀, log σ₀)."""
    checked = _start(start, "start")
    _finite_at_start(_forward_kl, checked, "start")
    return fit_bfgs(_forward_kl, checked)


def fit_reverse_all(starts: list[tuple[float, float]] | None = None, *, merge: float = 1e-4) -> list[Fit]:
    """Local optima of KL(q ‖ p) from a grid of starts (μ₀ ∈ {−3, −1, 0, 1, 3}, log σ₀ ∈ {−1, ½}),
    merged when within ``merge`` (finite, > 0) in (μ, σ); sorted by KL."""
    if starts is None:
        starts = [(m, s) for m in (-3.0, -1.0, 0.0, 1.0, 3.0) for s in (-1.0, 0.5)]
    if isinstance(starts, (str, bytes)) or not isinstance(starts, Sequence) or not starts:
        raise ValueError(f"starts: expected a non-empty list of (mu, log sigma) pairs, got {starts!r}")
    checked = [_start(st, f"starts[{i}]") for i, st in enumerate(starts)]
    for i, st in enumerate(checked):
        _finite_at_start(_reverse_kl, st, f"starts[{i}]")
    if not real_number(merge, "merge") > 0:
        raise ValueError(f"merge: must be > 0, got {merge!r}")
    found: list[Fit] = []
    for st in checked:
        f = fit_bfgs(_reverse_kl, st, _reverse_kl_with_gradient)
        if not any(abs(f.mu - g.mu) < merge and abs(f.sigma - g.sigma) < merge for g in found):
            found.append(f)
    return sorted(found, key=lambda f: f.kl)


def plot_fits(
    path: str | Path,
    forward: Fit,
    reverse: list[Fit],
    separated: tuple[float, Fit, list[Fit]] | None = None,
) -> Path:
    """The target density and both fits (seed 003, 6.3's figure), written atomically to ``path``
    (the format from its suffix; the folder is created). ``separated`` = (a, inclusive fit,
    exclusive local optima) for ½N(−a,1) + ½N(a,1) adds a second panel where the inclusive fit
    covers both modes and the exclusive fit locks onto one (:mod:`numerics.kl_fit_separated`)."""
    if not isinstance(forward, Fit):
        raise ValueError(f"forward: expected a Fit, got {type(forward).__name__}")
    if not isinstance(reverse, list) or not all(isinstance(r, Fit) for r in reverse):
        raise ValueError("reverse: expected a list of Fit")
    if separated is not None and not (
        isinstance(separated, tuple) and len(separated) == 3 and isinstance(separated[1], Fit)
        and isinstance(separated[2], list) and all(isinstance(r, Fit) for r in separated[2])
    ):
        raise ValueError("separated: expected (separation, inclusive Fit, list of exclusive Fit)")
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path: expected a file path, got {type(path).__name__}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 1 if separated is None else 2
    fig, axes = plt.subplots(1, panels, figsize=(7 * panels, 5.2), squeeze=False)
    xs = np.linspace(-5, 5, 801)
    ax = axes[0][0]
    ax.plot(xs, np.exp(log_p(xs)), "k", lw=2, label="p = ⅓N(−1,1) + ⅔N(1,1)")
    _plot_fit_lines(ax, xs, forward, reverse)
    ax.set_title("seed 003 6.3: the seed's mixture (unimodal)")
    if separated is not None:
        a, inclusive, exclusive = separated
        xs2 = np.linspace(-a - 4, a + 4, 1201)
        ax2 = axes[0][1]
        ax2.plot(xs2, np.exp(log_p_separated(xs2, a)), "k", lw=2, label=f"p = ½N(−{a:g},1) + ½N({a:g},1)")
        _plot_fit_lines(ax2, xs2, inclusive, exclusive)
        ax2.set_title("well separated: inclusive covers both modes, exclusive locks onto one")
    for row in axes:
        for a_ in row:
            a_.set_xlabel("x")
            a_.set_ylabel("density")
            # outside the axes, below them: the legend never covers a curve
            a_.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1, frameon=False)
    out = Path(path)
    fmt = out.suffix[1:].lower()
    if fmt not in fig.canvas.get_supported_filetypes():
        plt.close(fig)
        raise ValueError(f"path: {str(out)!r} has no figure format suffix (.png, .pdf, .svg, …)")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120, format=fmt, bbox_inches="tight")
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
        plt.close(fig)
    return out


def fixed4(value: float) -> str:
    """``value`` with four decimals for a legend, a rounded zero written ``0.0000`` (never ``-0.0000``:
    μ = −3e-9 of the separated mixture's symmetric fit is 0 to the legend's precision)."""
    text = f"{real_number(value, 'value'):.4f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _plot_fit_lines(ax: object, xs: np.ndarray, forward: Fit, reverse: list[Fit]) -> None:
    """The inclusive fit (dashed) and each exclusive local optimum (dotted, best first)."""
    ax.plot(  # type: ignore[attr-defined]
        xs,
        np.exp(log_q(xs, forward.mu, forward.sigma)),
        "C0--",
        label=f"inclusive KL(p‖q): μ={fixed4(forward.mu)}, σ²={fixed4(forward.sigma**2)}",
    )
    for i, r in enumerate(reverse):
        ax.plot(  # type: ignore[attr-defined]
            xs,
            np.exp(log_q(xs, r.mu, r.sigma)),
            f"C{i + 1}:",
            label=f"exclusive KL(q‖p) {'optimum' if r.kl - reverse[0].kl < 1e-9 else 'local optimum'}: "
            f"μ={fixed4(r.mu)}, σ²={fixed4(r.sigma**2)}, KL={fixed4(r.kl)}",
        )


_FIGURE_SUFFIXES = ("png", "pdf", "svg", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp")


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m numerics.kl_fit``."""
    p = argparse.ArgumentParser(
        prog="python -m numerics.kl_fit",
        description="Fit a Gaussian to p = 1/3 N(-1,1) + 2/3 N(1,1) by inclusive and exclusive KL "
        "(seed 003, Problem 6.3); print the optima and write the figure.",
    )
    p.add_argument(
        "out",
        nargs="?",
        type=Path,
        default=Path("reports/kl_fits.png"),
        metavar="OUT.png",
        help="figure path, format from the suffix (default: reports/kl_fits.png)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """``python -m numerics.kl_fit [OUT.png]``: fit both ways, print the optima, write the figure."""
    p = build_parser()
    out = p.parse_args(argv).out
    if out.suffix[1:].lower() not in _FIGURE_SUFFIXES:
        p.error(f"argument OUT.png: {str(out)!r} needs a figure suffix such as .png")
    try:  # an unwritable path is reported before the fits, not after
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out.parent, prefix=".write-probe-"):
            pass
    except OSError as exc:
        p.error(f"argument OUT.png: cannot write {str(out)!r} ({exc.strerror or exc})")
    fwd, rev = fit_forward(), fit_reverse_all()
    sep = (SEPARATION, fit_inclusive(), fit_exclusive_all())
    print(f"inclusive KL(p||q): mu = {fwd.mu:.10f}, sigma^2 = {fwd.sigma**2:.10f} (closed form 1/3, 17/9)")
    for r in rev:
        print(
            f"exclusive KL(q||p) local optimum: mu = {r.mu:.10f}, sigma^2 = {r.sigma**2:.10f}, "
            f"KL = {r.kl:.10f}"
        )
    inc, exclusive = sep[1], sep[2]
    print(f"well separated (a = {SEPARATION:g}): inclusive mu = {inc.mu:.6f}, sigma^2 = {inc.sigma**2:.6f} "
          f"(moments 0, {1 + SEPARATION**2:g}); exclusive optima: "
          + ", ".join(f"mu = {fixed4(r.mu)}, sigma^2 = {fixed4(r.sigma**2)}, KL = {fixed4(r.kl)}"
                      for r in exclusive))
    print(f"figure: {plot_fits(out, fwd, rev, sep)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
