"""The stable forms used by ``numerics`` equal the textbook closed forms (issue 4, §1)."""

from __future__ import annotations

from derivations.claims._common import symbolic_claim
from derivations.registry import Claim
from derivations.stable_forms import (
    stable_kl_term,
    stable_normal_kl,
    verify_bernoulli_logit_difference,
    verify_kl_term,
    verify_mvn_trace_logdet,
    verify_normal_kl_stable,
    verify_normalised_categorical,
)

SRC = "issue 4 §1; Kullback & Leibler 1951"

symbolic_claim(Claim("stable.kl_term",
                     "(a + b)[(1 + y) atanh y − y] = a log(a/b) − a + b, y = (a − b)/(a + b): "
                     "the series form of one non-negative KL summand",
                     r"(a+b)\big[(1+y)\,\mathrm{atanh}\,y - y\big] = a\log\tfrac ab - a + b", SRC),
               lambda: verify_kl_term(stable_kl_term))
symbolic_claim(Claim("stable.normal_kl",
                     "½(e^u − 1 − u) + z²/2, u = 2 log1p((σ₁−σ₂)/σ₂), z = (μ₁−μ₂)/σ₂, equals "
                     "KL(N(μ₁,σ₁²) ‖ N(μ₂,σ₂²)) by integration",
                     r"\tfrac12(e^u-1-u)+\tfrac12 z^2 = \mathrm{KL}(\mathcal N_1\|\mathcal N_2)", SRC),
               lambda: verify_normal_kl_stable(stable_normal_kl))
symbolic_claim(Claim("stable.normalised_categorical",
                     "(1/P)Σ[p log(p/q) − p + q] − φ₁(Q/P) = KL(p/P ‖ q/Q) "
                     "(K = 2, 3, 4): the KL of the normalised vectors without normalising",
                     r"\tfrac1P\sum(p\log\tfrac pq - p + q) - \varphi_1(Q/P) = "
                     r"\mathrm{KL}(\tfrac pP\|\tfrac qQ)",
                     SRC), verify_normalised_categorical)
symbolic_claim(Claim("stable.bernoulli_logit_difference", "σ(a) − σ(b) = σ(a)σ(−b)(1 − e^{b−a})",
                     r"\sigma(a)-\sigma(b) = \sigma(a)\sigma(-b)(1-e^{b-a})", SRC),
               verify_bernoulli_logit_difference)
symbolic_claim(Claim("stable.mvn_trace_logdet",
                     "B = L₂⁻¹(Σ₁−Σ₂)L₂⁻ᵀ: tr B = tr(Σ₂⁻¹Σ₁) − d, det(I + B) = "
                     "det(Σ₂⁻¹Σ₁) (d = 2, symbolic Cholesky factors)",
                     r"\mathrm{tr}B = \mathrm{tr}(\Sigma_2^{-1}\Sigma_1)-d,\ "
                     r"\det(I+B)=\det(\Sigma_2^{-1}\Sigma_1)",
                     SRC), verify_mvn_trace_logdet)
