"""Audit results and their rendering as text and as a strict-JSON dict (issue 11, item 3)."""

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
    UNNORMALISED = "likelihood not normalised on the data domain"
    CRASH = "crash"

    def __str__(self) -> str:
        return self.value


class IwaeVerdict(str, enum.Enum):
    """Verdicts of :func:`~torch_impl.audit.audit_iwae_loss`; ``EQUALS`` and ``SURROGATE`` pass."""

    EQUALS = "equals −IWAE_K up to a > 0"
    SURROGATE = "surrogate with the gradient of −IWAE_K"
    MISSING_LOG_K = "missing −log K"
    WRONG_WEIGHTS = "wrong importance weights"
    NOT_AFFINE = "not affine"
    CRASH = "crash"

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
    #: (configuration, −ELBO with the expected β from the verified terms, loss) per audited draw
    points: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def refuted(self) -> bool:
        """Whether the loss is not a·(−ELBO) + c with the expected β (any verdict other than ``EQUALS``)."""
        return self.verdict is not LossVerdict.EQUALS

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: kind, verdict, model, expected β, and the fitted coefficients, conventions,
        counterexample, exception and normalisation when present."""
        out: dict[str, Any] = {
            "kind": "elbo", "verdict": self.verdict.value, "refuted": self.refuted, "model": self.model,
            "expected_beta": self.expected_beta,
        }
        for name in ("a", "beta_eff", "c", "implied_sigma2", "kl_convention", "sampler_convention",
                     "counterexample", "exception", "normalisation"):
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
                         f"β_eff = {self.beta_eff.text if self.beta_eff else '?'}, "
                         f"c = {self.c.text if self.c else '?'}  (expected β = {self.expected_beta})")
        if self.implied_sigma2 is not None:
            lines.append(f"implied decoder variance for β = 1: σ² = {self.implied_sigma2.text}")
        if self.kl_convention or self.sampler_convention:
            lines.append(f"conventions: KL term {self.kl_convention or 'unidentified'}; "
                         f"sampler {self.sampler_convention or 'unidentified'}")
        lines += [f"diagnosis: {d}" for d in self.diagnosis]
        if self.counterexample:
            lines.append("counterexample: " + "; ".join(f"{k} = {v}" for k, v in self.counterexample.items()))
        if self.exception:
            lines.append("exception:\n  " + self.exception.replace("\n", "\n  "))
        if self.normalisation is not None:
            lines.append(f"normalisation: {self.normalisation.detail}")
        lines.append(f"checked: {len(self.configurations)} configurations × {self.draws} draws; worst "
                     f"relative residual {self.worst_residual:.2e} (tolerance {self.tolerance:g}: "
                     f"{self.tolerance_reason})")
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

    @property
    def refuted(self) -> bool:
        """Whether the loss is neither the IWAE bound nor a surrogate with the IWAE gradient."""
        return self.verdict not in (IwaeVerdict.EQUALS, IwaeVerdict.SURROGATE)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: kind, verdict, model, K, whether the gradient was checked, and the fitted
        coefficients, gradient residual, implied weights, tempering, counterexample and exception when
        present."""
        out: dict[str, Any] = {"kind": "iwae", "verdict": self.verdict.value, "refuted": self.refuted,
                               "model": self.model, "K": self.k, "gradient_checked": self.gradient_checked}
        for name in ("a", "c", "gradient_residual", "weights", "tempering", "counterexample", "exception"):
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
            lines.append(f"value: loss = a·Σ_i −IWAE_K(x_i) + c with a = {self.a.text}, "
                         f"c = {self.c.text if self.c else '?'}")
        if self.gradient_checked:
            lines.append(f"gradient: relative distance to a·∇(−IWAE_K) = {self.gradient_residual:.2e}")
        else:
            lines.append("gradient: not checked (the loss has no gradient)")
        if self.weights:
            lines.append(f"implied weights: {self.weights}")
        lines += [f"diagnosis: {d}" for d in self.diagnosis]
        if self.counterexample:
            lines.append("counterexample: " + "; ".join(f"{k} = {v}" for k, v in self.counterexample.items()))
        if self.exception:
            lines.append("exception:\n  " + self.exception.replace("\n", "\n  "))
        lines.append(f"checked: {len(self.configurations)} configurations × {self.draws} draws; worst "
                     f"relative residual {self.worst_residual:.2e} (tolerance {self.tolerance:g}: "
                     f"{self.tolerance_reason})")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    __str__ = to_text
