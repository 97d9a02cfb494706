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


def verify_posterior_easy(
    seconds: float = 12.0, *, integrand: sp.Expr | None = None, variable: sp.Symbol = _z
) -> Decision:
    """Try to integrate the evidence p(x) = ∫ integrand dz (default: the logistic decoder); an
    unevaluated integral (or the time bound) leaves the statement undecided, a closed form is
    reported as proved."""
    f = logistic_decoder_evidence() if integrand is None else integrand
    try:
        value = time_bound(lambda: sp.integrate(f, (variable, -sp.oo, sp.oo)), seconds)
    except TimeBoundExceeded:
        return Decision(Verdict.UNDECIDED, f"the evidence integral did not finish in {seconds:g} s")
    if value.has(sp.Integral):
        return Decision(
            Verdict.UNDECIDED,
            "p(x) = ∫ N(z;0,1) σ(z+1) dz for a logistic decoder: SymPy returns the integral "
            "unevaluated (no closed form known), so p(z|x) is not available in closed form; the "
            "linear-Gaussian decoder's posterior is exact. The statement is false in general but "
            "non-existence of a closed form is not provable here: undecided",
        )
    return Decision(Verdict.PROVED, f"the evidence has the closed form {sp.sstr(value)}")
