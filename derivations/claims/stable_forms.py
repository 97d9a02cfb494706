"""The stable forms used by ``numerics`` equal the textbook closed forms (Kullback & Leibler 1951)."""

from __future__ import annotations

from derivations.claims.helpers import symbolic_claim
from derivations.elbo import combine
from derivations.runner.registry import Claim
from derivations.stable_forms import (
    far_kl_term,
    stable_kl_term,
    stable_normal_kl,
    verify_bernoulli_logit_difference,
    verify_entropy_terms,
    verify_expm1mx_sinh_split,
    verify_kl_series_split,
    verify_kl_term,
    verify_log_ratio_terms,
    verify_logit_log_ratio,
    verify_logit_log_ratio_far,
    verify_mvn_trace_logdet,
    verify_normal_kl_both_branches,
    verify_normalised_categorical,
    verify_normalised_log_ratio,
    verify_shifted_cholesky,
    very_far_kl_term,
)

SRC = "Kullback & Leibler 1951; the cancellation-free forms of numerics.divergences"

symbolic_claim(Claim("stable.kl_term",
                     "(a + b)[(1 + y) atanh y − y] = a log(a/b) − a + b, y = (a − b)/(a + b): "
                     "the series form of one non-negative KL summand; its far form "
                     "d·t + s·(t − y), t = ½ log(a/b), likewise; and the series evaluated as "
                     "S(y) = 1 + y(1 + y)V(y²), V(w) = Σ w^k/(2k+3); and for a ≪ b (y < −⅔) "
                     "a·log(a/b) − (a − b)",
                     r"(a+b)\big[(1+y)\,\mathrm{atanh}\,y - y\big] = a\log\tfrac ab - a + b", SRC),
               lambda: combine({"series form": verify_kl_term(stable_kl_term),
                                "far form": verify_kl_term(far_kl_term),
                                "S = 1 + y(1+y)V(y²)": verify_kl_series_split(),
                                "a ≪ b form": verify_kl_term(very_far_kl_term)}))
symbolic_claim(Claim("stable.normal_kl",
                     "½(ρ² − 1) − log ρ + z²/2, ρ = σ₁/σ₂ = 1 + x, x = (σ₁ − σ₂)/σ₂, z = (μ₁−μ₂)/σ₂, "
                     "equals KL(N(μ₁,σ₁²) ‖ N(μ₂,σ₂²)) by integration in both forms of the code: "
                     "½x² + x·s − 2s³V(s²), s = x/(2+x), for ρ ∈ [⅓, 3] (no logarithm, no cancellation) "
                     "and (x/2)(x+2) − log ρ beyond",
                     r"\tfrac12 x^2 + xs - 2s^3V(s^2) + \tfrac12 z^2 = "
                     r"\mathrm{KL}(\mathcal N_1\|\mathcal N_2)",
                     SRC),
               lambda: verify_normal_kl_both_branches(stable_normal_kl))
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
symbolic_claim(Claim("stable.mvn_shifted_cholesky",
                     "The Cholesky factor of I + B kept as its offset from I: the recurrence "
                     "x_j = B_jj − Σ R_jk², R_ij = (B_ij − Σ R_ik R_jk)/√(1 + x_j) gives RRᵀ = I + B "
                     "(d = 3, symbolic B), tr − d − log det = Σ(x_j − log(1 + x_j)) + Σ_{i>j} R_ij², "
                     "and R = L₂⁻¹L₁, so R_jj = L₁,jj/L₂,jj (the pivots used far from I)",
                     r"RR^\top = I + B,\ \mathrm{tr} - d - \log\det = "
                     r"\sum_j (x_j - \log(1+x_j)) + \sum_{i>j} R_{ij}^2",
                     SRC), verify_shifted_cholesky)

SRC_REGIMES = "Kullback & Leibler 1951; numerics.divergences in the extreme regimes (logits, totals 1e±300)"
symbolic_claim(Claim("stable.log_ratio_terms",
                     "With ℓ = log(p/q): p(e^{−ℓ} − 1 + ℓ) = (q − p) + pℓ = p log(p/q) − p + q; and the "
                     "log-ratios of the normalised vectors without normalising: "
                     "ℓ_i = log1p(u_i/(p_r q_i)) − log1p(Σu/(Q p_r)), u_i = p_i q_r − p_r q_i, equals "
                     "log(p̂_i/q̂_i) (K = 3, every i, r)",
                     r"p(e^{-\ell}-1+\ell) = p\log\tfrac pq - p + q,\ "
                     r"\ell_i = \log\tfrac{\hat p_i}{\hat q_i}",
                     SRC_REGIMES),
               lambda: combine({"terms": verify_log_ratio_terms(),
                                "e^u − 1 − u near 0: 2 sinh²(u/2) + (sinh u − u)":
                                    verify_expm1mx_sinh_split(),
                                "normalised log-ratios": verify_normalised_log_ratio()}))
symbolic_claim(Claim("stable.logit_log_ratio",
                     "ℓ_i = (e_i − e_r) − log1p(Σ_j (e^{a_j − a_r} q_r − q_j)), e = a − b, q = softmax(b), "
                     "equals log(softmax(a)_i/softmax(b)_i) (K = 3, every i, r); "
                     "q_j expm1(c_j) = e^{a_j − a_r} q_r − q_j; a Bernoulli logit x is the pair (x, 0); "
                     "rows far from equal: R = (b_r − b_m) + log(S_a/S_b), S_a = Σ e^{a_j − a_r}, "
                     "S_b = Σ e^{b_j − b_m}",
                     r"\ell_i = \log\tfrac{\mathrm{softmax}(a)_i}{\mathrm{softmax}(b)_i}", SRC_REGIMES),
               lambda: combine({"near rows (log1p form)": verify_logit_log_ratio(),
                                "far rows (log(S_a/S_b) form)": verify_logit_log_ratio_far()}))
symbolic_claim(Claim("stable.entropy_terms",
                     "Σ_i (p_i/P) log1p((P − p_i)/p_i) = H(p/P) (K = 3): entropy of the normalised vector "
                     "as a sum of positive terms",
                     r"\sum_i \tfrac{p_i}{P}\log\tfrac{P}{p_i} = H(p/P)", SRC_REGIMES),
               verify_entropy_terms)
