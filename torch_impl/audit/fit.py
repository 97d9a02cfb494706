"""Affine fits of a loss against reference columns, and exact formulas for the fitted coefficients
in B, D, d and the hyper-parameters (e.g. β_eff = M_N·D/2).

* :func:`affine_fit` solves loss ≈ Σ_j w_j·col_j + c by least squares (columns scaled to unit
  size) and returns the residual relative to the size of the terms.
* :func:`monomial` finds value = κ · Π v^{e_v} with integer exponents e_v ∈ [−2, 2] over the
  variables that vary across configurations (log-linear least squares, exponents rounded, then
  checked to ``rel``) and writes κ as a small fraction or a multiple of a named constant.
* :func:`additive` writes c/a = κ₁·B·D + κ₂·B·d + κ₃·B + κ₀ (per-pixel, per-latent, per-example and
  global constants — the constants a loss legitimately drops).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from torch_impl.audit.conventions import format_number


@dataclass(frozen=True)
class AffineFit:
    """A least-squares fit y ≈ columns·coef + intercept with its residuals per draw and the size of the
    terms (for a relative residual)."""
    coef: np.ndarray  # weights of the columns
    intercept: float
    residuals: np.ndarray  # loss − prediction per draw
    scale: float  # size of the terms (max over draws of |loss| + Σ|w_j col_j|)

    @property
    def relative_residual(self) -> float:
        """max |residual| relative to the size of the terms (0 when every term is 0)."""
        return float(np.max(np.abs(self.residuals)) / self.scale) if self.scale > 0 else 0.0

    def predict(self, columns: np.ndarray) -> np.ndarray:
        """The fitted values columns·coef + intercept for new rows of ``columns``."""
        return columns @ self.coef + self.intercept


def affine_fit(columns: np.ndarray, y: np.ndarray, *, intercept: bool = True) -> AffineFit:
    """Least squares y ≈ columns·w (+ c); columns are scaled to unit max before solving."""
    cols = np.asarray(columns, dtype=float)
    y = np.asarray(y, dtype=float)
    norms = np.max(np.abs(cols), axis=0)
    norms[norms == 0] = 1.0
    design = cols / norms
    if intercept:
        design = np.hstack([design, np.ones((len(y), 1))])
    sol, *_ = np.linalg.lstsq(design, y, rcond=None)
    coef = sol[: cols.shape[1]] / norms
    c = float(sol[-1]) if intercept else 0.0
    pred = cols @ coef + c
    scale = float(np.max(np.abs(y) + np.abs(cols * coef).sum(axis=1) + abs(c)))
    return AffineFit(coef, c, y - pred, scale)


@dataclass(frozen=True)
class Formula:
    """A coefficient across configurations: its values and, when found, an exact formula."""

    text: str
    exact: bool
    values: tuple[float, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form; non-finite values become strings (strict JSON)."""
        return {"formula": self.text, "exact": self.exact,
                "values": [v if math.isfinite(v) else str(v) for v in self.values]}


_NAMED = [("", 1.0), ("log(2π)", math.log(2 * math.pi)), ("log 2", math.log(2)), ("π", math.pi)]


def constant_text(k: float, extra: dict[str, float] | None = None, rel: float = 1e-7) -> str:
    """κ as a fraction (``1/128``, ``-1/2``), a multiple of a named constant (``-log(2π)/2``,
    ``-log K``), or a decimal. Small denominators (≤ 12) are accepted to ``rel``; larger ones
    (≤ 1000) only to 1e-10, so that a decimal is never passed off as a fraction."""
    named = [_NAMED[0], *(extra or {}).items(), *_NAMED[1:]]  # the caller's constants first
    stages = [(name, val, 12, rel) for name, val in named] + [("", 1.0, 1000, min(rel, 1e-10))]
    for name, val, max_den, r in stages:
        q = k / val
        f = Fraction(q).limit_denominator(max_den)
        if f != 0 and abs(float(f) - q) <= r * abs(q) and abs(f.numerator) <= (10000 if not name else 24):
            num, den = f.numerator, f.denominator
            if not name:
                return f"{num}" if den == 1 else f"{num}/{den}"
            lead = "" if num == 1 else ("-" if num == -1 else f"{num}·")
            return f"{lead}{name}" if den == 1 else f"{lead}{name}/{den}"
    return format_number(k)


def monomial(values: list[float], variables: list[dict[str, float]], *, rel: float = 1e-6,
             extra_constants: dict[str, float] | None = None) -> Formula:
    """value = κ·Π v^{e_v}: exact formula text, or the values listed when no monomial fits."""
    vals = np.asarray(values, dtype=float)
    tup = tuple(float(v) for v in vals)
    if not np.all(np.isfinite(vals)):
        return Formula("not finite", False, tup)
    if np.all(np.abs(vals - vals[0]) <= rel * max(abs(vals[0]), 1e-300)):
        return Formula(constant_text(float(vals.mean()), extra_constants, rel=max(rel, 1e-7)), True, tup)
    if np.any(vals == 0) or not (np.all(vals > 0) or np.all(vals < 0)):
        return Formula(_listing(vals, variables), False, tup)
    names = [n for n in variables[0] if len({round(v[n], 12) for v in variables}) > 1]
    if any(v[n] <= 0 for v in variables for n in names):
        return Formula(_listing(vals, variables), False, tup)
    logs = np.array([[math.log(v[n]) for n in names] + [1.0] for v in variables])
    sol, *_ = np.linalg.lstsq(logs, np.log(np.abs(vals)), rcond=None)
    exps = [round(float(e)) for e in sol[:-1]]
    if any(abs(e) > 2 for e in exps):
        return Formula(_listing(vals, variables), False, tup)
    mono = np.array([math.prod(v[n] ** e for n, e in zip(names, exps, strict=True)) for v in variables])
    kappa = vals / mono
    if not np.all(np.abs(kappa - kappa[0]) <= rel * abs(kappa[0])):
        return Formula(_listing(vals, variables), False, tup)
    k = float(kappa.mean())
    num = [(n, e) for n, e in zip(names, exps, strict=True) if e > 0]
    den = [(n, -e) for n, e in zip(names, exps, strict=True) if e < 0]
    return Formula(monomial_text(k, num, den, extra_constants, rel=max(rel, 1e-7)), True, tup)


def monomial_text(k: float, num: list[tuple[str, int]], den: list[tuple[str, int]],
                  extra_constants: dict[str, float] | None = None, rel: float = 1e-7) -> str:
    """κ·Π num / Π den as text: ``B/128``, ``kld_weight·D/2``, ``2/(B·D)``, ``-0.918939·D``."""
    f = Fraction(k).limit_denominator(12)
    if not (f != 0 and abs(float(f) - k) <= rel * abs(k)):
        f = Fraction(k).limit_denominator(1000)
        rel = min(rel, 1e-10)
    top: list[str] = []
    bottom: list[str] = []
    sign = ""
    if f != 0 and abs(float(f) - k) <= rel * abs(k) and abs(f.numerator) <= 10000:
        sign = "-" if f < 0 else ""
        if abs(f.numerator) != 1:
            top.append(str(abs(f.numerator)))
        if f.denominator != 1:
            bottom.append(str(f.denominator))
    else:
        kt = constant_text(k, extra_constants, rel=rel)
        if kt.startswith("-"):
            sign, kt = "-", kt[1:]
        top.append(kt)
    top = [n if e == 1 else f"{n}^{e}" for n, e in num] + top
    bottom_vars = [n if e == 1 else f"{n}^{e}" for n, e in den]
    bottom = bottom + bottom_vars
    t = "·".join(top) or "1"
    if not bottom:
        return sign + t
    b = "·".join(bottom)
    return f"{sign}{t}/({b})" if len(bottom) > 1 else f"{sign}{t}/{b}"


def additive(values: list[float], variables: list[dict[str, float]], *, abs_tol: float,
             extra_constants: dict[str, float] | None = None) -> Formula | None:
    """value = κ₁·B·D + κ₂·B·d + κ₃·B + κ₀ with every κ exact (checked to ``abs_tol``), or None."""
    basis_names = ["B·D", "B·d", "B", "1"]
    rows = np.array([[v["B"] * v["D"], v["B"] * v["d"], v["B"], 1.0] for v in variables])
    vals = np.asarray(values, dtype=float)
    if np.all(np.abs(vals) <= abs_tol):
        return Formula("0", True, tuple(float(v) for v in vals))
    rank = np.linalg.matrix_rank(rows)
    if rank < rows.shape[1] or len(vals) <= rank:
        return None
    sol, *_ = np.linalg.lstsq(rows, vals, rcond=None)
    if np.max(np.abs(rows @ sol - vals)) > abs_tol:
        return None
    terms = []
    for name, k in zip(basis_names, sol, strict=True):
        if abs(k) * np.max(np.abs(rows[:, basis_names.index(name)])) <= abs_tol:
            continue
        factors = [] if name == "1" else [(n, 1) for n in name.split("·")]
        terms.append(monomial_text(float(k), factors, [], extra_constants))
    text = " + ".join(terms).replace("+ -", "− ") if terms else "0"
    return Formula(text, True, tuple(float(v) for v in vals))


def _listing(vals: np.ndarray, variables: list[dict[str, float]]) -> str:
    shown = ", ".join(f"{format_number(float(v))}" for v in vals[:6])
    more = "…" if len(vals) > 6 else ""
    return f"no monomial in {', '.join(variables[0])} fits (values {shown}{more})"
