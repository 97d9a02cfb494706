"""Audit results, their rendering as text and as a strict-JSON dict, and the command line's exit
status for every verdict.

Exit status (``python -m torch_impl.audit``), one per verdict:

=====  ==========================================================================================
0      the loss is consistent: *equals −ELBO*; *equals −IWAE_K*; a *surrogate* with the gradient
       of −IWAE_K (a named estimator such as DReG or STL, or a value that only misses −log K)
1      refuted: *β mismatch*, *wrong sign*, *not affine*, *gradient differs*, *likelihood not
       normalised*, *not finite*, *wrong importance weights*
2      usage error (bad option, target that cannot be imported, hooks on the wrong modules)
3      the loss could not be judged: *crash* (it raised) or *bad return type* (None, a
       non-scalar, a dict without ``loss``)
=====  =========================================================================================="""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass, field
from typing import Any

from torch_impl.audit.fit import Formula


class LossVerdict(str, enum.Enum):
    """Verdicts of :func:`~torch_impl.audit.audit_elbo_loss`; only ``EQUALS`` passes."""

    EQUALS = "equals −ELBO up to a > 0 and c"
    BETA_MISMATCH = "β mismatch"
    WRONG_SIGN = "wrong sign (a < 0: minimising the loss maximises −ELBO)"
    NOT_AFFINE = "not affine"
    GRADIENT = "gradient differs from a·∇(−ELBO)"
    UNNORMALISED = "likelihood not normalised on the data domain"
    NOT_FINITE = "not finite"
    BAD_RETURN = "bad return type"
    CRASH = "crash"

    @property
    def exit_code(self) -> int:
        """The command line's exit status for this verdict (module docstring)."""
        if self is LossVerdict.EQUALS:
            return 0
        return 3 if self in (LossVerdict.CRASH, LossVerdict.BAD_RETURN) else 1

    def __str__(self) -> str:
        return self.value


class IwaeVerdict(str, enum.Enum):
    """Verdicts of :func:`~torch_impl.audit.audit_iwae_loss`; ``EQUALS`` and ``SURROGATE`` pass."""

    EQUALS = "equals −IWAE_K up to a > 0"
    SURROGATE = "surrogate with the gradient of −IWAE_K"
    ESTIMATOR = "surrogate for a named gradient estimator of −IWAE_K"
    MISSING_LOG_K = "missing −log K (a surrogate with the gradient of −IWAE_K)"
    WRONG_WEIGHTS = "wrong importance weights"
    NOT_AFFINE = "not affine"
    NOT_FINITE = "not finite"
    BAD_RETURN = "bad return type"
    CRASH = "crash"

    @property
    def exit_code(self) -> int:
        """The command line's exit status for this verdict (module docstring)."""
        if self in (IwaeVerdict.EQUALS, IwaeVerdict.SURROGATE, IwaeVerdict.ESTIMATOR,
                    IwaeVerdict.MISSING_LOG_K):
            return 0
        return 3 if self in (IwaeVerdict.CRASH, IwaeVerdict.BAD_RETURN) else 1

    def __str__(self) -> str:
        return self.value


def _jsonable(v: Any) -> Any:
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, Formula):
        return v.to_dict()
    if isinstance(v, enum.Enum):
        return v.value
    if hasattr(v, "to_dict"):
        return v.to_dict()
    return v


def _with_common_fields(audit: LossAudit | IwaeAudit, out: dict[str, Any]) -> Any:
    """``out`` plus the fields every audit has (diagnosis, tolerance and its reason, worst residual,
    configurations, draws, notes), made JSON-ready."""
    out.update({"diagnosis": audit.diagnosis, "tolerance": audit.tolerance,
                "tolerance_reason": audit.tolerance_reason, "worst_residual": audit.worst_residual,
                "configurations": audit.configurations, "draws": audit.draws, "notes": audit.notes})
    return _jsonable(out)


def _checked_line(audit: LossAudit | IwaeAudit) -> str:
    """The last line of a report: what was checked and to which tolerance (or where it stopped)."""
    if audit.verdict.exit_code == 3 or audit.verdict.value == "not finite":
        where = (audit.counterexample or {}).get("configuration", "the first configuration")
        return (f"checked: stopped at the first problem ({where}) of {len(audit.configurations)} "
                f"configurations × {audit.draws} draws")
    return (f"checked: {len(audit.configurations)} configurations × {audit.draws} draws; worst relative "
            f"residual {audit.worst_residual:.2e} (tolerance {audit.tolerance:g}: {audit.tolerance_reason})")


def _strict_json(data: Any) -> str:
    """Strict JSON (NaN/inf rejected), indented, non-ASCII kept."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=2)


@dataclass
class LossAudit:
    """The result of auditing an ELBO loss. ``refuted`` is True for every verdict except ``EQUALS``."""

    verdict: LossVerdict
    model: str
    a: Formula | None = None
    beta_eff: Formula | None = None
    c: Formula | None = None
    expected_beta: str = "1"
    implied_sigma2: Formula | None = None
    kl_convention: str | None = None
    sampler_convention: str | None = None
    diagnosis: list[str] = field(default_factory=list)
    counterexample: dict[str, Any] | None = None
    exception: str | None = None
    normalisation: Any = None
    tolerance: float = 0.0
    tolerance_reason: str = ""
    worst_residual: float = 0.0
    configurations: list[str] = field(default_factory=list)
    draws: int = 0
    notes: list[str] = field(default_factory=list)
    counterexample_inputs: dict[str, Any] | None = field(default=None, repr=False)
    gradient_checked: int = 0
    gradient_residual: float | None = None
    #: (configuration, −ELBO with the expected β from the verified terms, loss) per audited draw
    points: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def refuted(self) -> bool:
        """Whether the loss is not a·(−ELBO) + c with the expected β (any verdict other than ``EQUALS``)."""
        return self.verdict is not LossVerdict.EQUALS

    @property
    def exit_code(self) -> int:
        """The command line's exit status (module docstring)."""
        return self.verdict.exit_code

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: kind, verdict, model, expected β, and the fitted coefficients, conventions,
        counterexample, exception and normalisation when present."""
        out: dict[str, Any] = {
            "kind": "elbo", "verdict": self.verdict.value, "refuted": self.refuted, "model": self.model,
            "expected_beta": self.expected_beta, "exit_code": self.exit_code,
            "gradient_checked_draws": self.gradient_checked,
        }
        for name in ("a", "beta_eff", "c", "implied_sigma2", "kl_convention", "sampler_convention",
                     "counterexample", "exception", "normalisation", "gradient_residual"):
            v = getattr(self, name)
            if v is not None:
                out[name] = _jsonable(v)
        if self.points:
            out["points"] = _jsonable(self.points)
        return _with_common_fields(self, out)

    def to_json(self) -> str:
        """:meth:`to_dict` as strict JSON (no NaN), indented."""
        return _strict_json(self.to_dict())

    def to_text(self) -> str:
        """The audit as readable lines: verdict, model, the fitted a, β_eff and c, and the diagnosis with
        any counterexample."""
        lines = [f"verdict: {self.verdict.value}" + ("  [REFUTED]" if self.refuted else "")]
        lines.append(f"model: {self.model}")
        if self.a is not None:
            lines.append(f"fit: loss = a·Σ_i[−log p(x_i|z_i) + β_eff·KL_i] + c with a = {self.a.text}, "
                         f"β_eff = {self.beta_eff.text if self.beta_eff else '?'}, c = "
                         f"{self.c.text if self.c else '?'}  (expected β = {self.expected_beta})")
        if self.implied_sigma2 is not None:
            lines.append(f"implied decoder variance for β = 1: σ² = {self.implied_sigma2.text}")
        if self.kl_convention or self.sampler_convention:
            lines.append(f"conventions: KL term {self.kl_convention or 'unidentified'}; sampler "
                         f"{self.sampler_convention or 'unidentified'}")
        lines += [f"diagnosis: {d}" for d in self.diagnosis]
        if self.counterexample:
            lines.append("counterexample: " + "; ".join(f"{k} = {v}" for k, v in self.counterexample.items()))
        if self.exception:
            lines.append("exception:\n  " + self.exception.replace("\n", "\n  "))
        if self.normalisation is not None:
            lines.append(f"normalisation: {self.normalisation.detail}")
        if self.gradient_checked:
            lines.append(f"gradient: compared with a·∇(−ELBO_β) on {self.gradient_checked} draws; worst "
                         f"relative distance {self.gradient_residual or 0.0:.2e}")
        lines.append(_checked_line(self))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    __str__ = to_text


@dataclass
class IwaeAudit:
    """The result of auditing an IWAE loss; ``refuted`` unless ``EQUALS`` or ``SURROGATE``."""

    verdict: IwaeVerdict
    model: str
    k: int
    a: Formula | None = None
    c: Formula | None = None
    gradient_checked: bool = False
    gradient_residual: float | None = None
    weights: str | None = None
    tempering: float | None = None
    diagnosis: list[str] = field(default_factory=list)
    counterexample: dict[str, Any] | None = None
    exception: str | None = None
    tolerance: float = 0.0
    tolerance_reason: str = ""
    worst_residual: float = 0.0
    configurations: list[str] = field(default_factory=list)
    draws: int = 0
    notes: list[str] = field(default_factory=list)

    estimator: str | None = None

    @property
    def refuted(self) -> bool:
        """Whether the loss is neither the IWAE bound nor a surrogate with the IWAE gradient (a missing
        −log K leaves the gradient right: a surrogate, not a refutation — its value is not the bound)."""
        return self.verdict.exit_code != 0

    @property
    def exit_code(self) -> int:
        """The command line's exit status (module docstring)."""
        return self.verdict.exit_code

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: kind, verdict, model, K, whether the gradient was checked, and the fitted
        coefficients, gradient residual, implied weights, tempering, counterexample and exception when
        present."""
        out: dict[str, Any] = {"kind": "iwae", "verdict": self.verdict.value, "refuted": self.refuted,
                               "model": self.model, "K": self.k, "gradient_checked": self.gradient_checked,
                               "exit_code": self.exit_code}
        for name in ("a", "c", "gradient_residual", "weights", "tempering", "estimator", "counterexample",
                     "exception"):
            v = getattr(self, name)
            if v is not None:
                out[name] = _jsonable(v)
        return _with_common_fields(self, out)

    def to_json(self) -> str:
        """:meth:`to_dict` as strict JSON (no NaN), indented."""
        return _strict_json(self.to_dict())

    def to_text(self) -> str:
        """The audit as readable lines: verdict, model and K, the fitted value a·(−IWAE_K) + c, the
        gradient check and the diagnosis."""
        lines = [f"verdict: {self.verdict.value}" + ("  [REFUTED]" if self.refuted else "")]
        lines.append(f"model: {self.model}; K = {self.k}")
        if self.a is not None:
            lines.append(f"value: loss = a·Σ_i −IWAE_K(x_i) + c with a = {self.a.text}, c = "
                         f"{self.c.text if self.c else '?'}")
        if self.gradient_checked:
            target = "the named estimator's surrogate" if self.estimator else "a·∇(−IWAE_K)"
            lines.append(f"gradient: relative distance to {target} = {self.gradient_residual:.2e}")
        elif self.verdict.exit_code != 3 and self.verdict is not IwaeVerdict.NOT_FINITE:
            lines.append("gradient: not checked (the loss has no gradient)")
        if self.estimator:
            lines.append(f"estimator: {self.estimator}")
        if self.weights:
            lines.append(f"implied weights: {self.weights}")
        lines += [f"diagnosis: {d}" for d in self.diagnosis]
        if self.counterexample:
            lines.append("counterexample: " + "; ".join(f"{k} = {v}" for k, v in self.counterexample.items()))
        if self.exception:
            lines.append("exception:\n  " + self.exception.replace("\n", "\n  "))
        lines.append(_checked_line(self))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    __str__ = to_text
