"""When is the VAE posterior p(z|x) computable? (seed 003, T/F Problem 3; Kingma & Welling 2014, §2.1).

p(z|x) = p(x|z) p(z) / p(x) needs the evidence p(x) = ∫ p(x|z) p(z) dz. For a linear-Gaussian
decoder this integral is exact (:class:`derivations.latent.LinearGaussianModel`, proved elsewhere),
so the posterior is easy there. For the smallest non-linear decoder, a Bernoulli unit with a
logistic output, p(x = 1) = ∫ N(z; 0, 1) σ(z + 1) dz (the logistic-normal integral) has no known
elementary closed form, and SymPy returns it unevaluated. That is evidence, not a proof of
intractability: the seed's statement is reported *undecided* by this toolkit.
"""

from __future__ import annotations

import sympy as sp

from derivations.checker.identities import Decision
from derivations.checker.timebound import TimeBoundExceeded, time_bound
from derivations.checker.verdicts import Verdict
from derivations.gaussian import normal_density

_z = sp.Symbol("z", real=True)


def logistic_decoder_evidence() -> sp.Expr:
    """The integrand of p(x = 1) for p(z) = N(0, 1), p(x = 1|z) = σ(z + 1)."""
    return normal_density(_z, 0, 1) / (1 + sp.exp(-(_z + 1)))


#: SymPy's definite-integration methods tried, each under the time bound: the Meijer-G method
#: (closed forms of ∫_ℝ of products of special functions) and the rule-based "manual" integrator.
#: Its default (Risch / heuristic) integration does not finish on the logistic-normal integrand
#: within 12 s, so an unbounded attempt would only measure the time bound.
METHODS: tuple[tuple[str, dict[str, bool]], ...] = (
    ("Meijer G", {"meijerg": True}),
    ("manual", {"manual": True}),
)


def verify_posterior_easy(
    seconds: float = 3.0, *, integrand: sp.Expr | None = None, variable: sp.Symbol = _z
) -> Decision:
    """Try to integrate the evidence p(x) = ∫ integrand dz (default: the logistic decoder) by each
    of :data:`METHODS` within ``seconds``; a closed form is reported as proved, and the statement
    is left undecided when every method returns the integral unevaluated or hits the bound."""
    f = logistic_decoder_evidence() if integrand is None else integrand
    outcomes = []
    for name, options in METHODS:
        try:
            value = time_bound(lambda o=options: sp.integrate(f, (variable, -sp.oo, sp.oo), **o), seconds)  # type: ignore[misc]
        except TimeBoundExceeded:
            outcomes.append(f"{name}: did not finish in {seconds:g} s")
            continue
        if not value.has(sp.Integral):
            return Decision(Verdict.PROVED, f"the evidence has the closed form {sp.sstr(value)} ({name})")
        outcomes.append(f"{name}: returned unevaluated")
    return Decision(
        Verdict.UNDECIDED,
        "p(x) = ∫ N(z;0,1) σ(z+1) dz for a logistic decoder: no closed form found by SymPy ("
        + "; ".join(outcomes) + "), so p(z|x) is not available in closed form here; the "
        "linear-Gaussian decoder's posterior is exact. The statement is false in general but "
        "non-existence of a closed form is not provable here: undecided",
    )
