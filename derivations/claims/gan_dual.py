"""The dual of the regularised logistic discriminator program (ECE 544 PS5, Problem 3, seed 004)."""

from __future__ import annotations

import sympy as sp

from derivations.claims.helpers import symbolic_claim
from derivations.gan_dual import (
    C,
    assembled_dual_function,
    seed_conjugate,
    seed_cost_3e,
    separable_lagrangian,
    verify_conjugate,
    verify_cost,
    verify_cost_convex,
    verify_dual_function,
    verify_dual_program,
    verify_lagrangian,
    verify_quadratic_convex_iff,
    verify_quadratic_minimum,
    verify_softplus_convex,
)
from derivations.runner.registry import Claim

PS5 = "ECE 544 PS5, Problem 3 (seed 004)"

symbolic_claim(Claim("gan_dual.cost", "With p_w(y=1|x) = 1/(1+exp(wᵀx)), the cost of program (1) is the "
                     "3(e) function Σ log(1+e^{wᵀx}) + Σ [log(1+e^{wᵀG}) − wᵀG] + C/2‖w‖² (2+2 points, ℝ²)",
                     r"-\sum\log p_w(1|x)-\sum\log(1-p_w(1|G)) + \tfrac C2\|w\|^2 = \text{3(e)}",
                     f"{PS5}, 3(b), 3(e)"),
               lambda: verify_cost(seed_cost_3e))
symbolic_claim(Claim("gan_dual.quadratic_convex_iff", "C/2‖a‖² − aᵀb is convex in a ∈ ℝ³ iff C ≥ 0 "
                     "(Hessian C·I)", r"\nabla^2_a = C I \succeq 0 \iff C \ge 0", f"{PS5}, 3(c)"),
               lambda: verify_quadratic_convex_iff(sp.Interval(0, sp.oo)))
symbolic_claim(Claim("gan_dual.softplus_convex", "log(1 + exp(aᵀb)) is convex in a ∈ ℝ³ for every b "
                     "(Hessian σ(1−σ) bbᵀ ⪰ 0)", r"\nabla^2_a = \sigma(1-\sigma)\,bb^\top \succeq 0",
                     f"{PS5}, 3(d)"), verify_softplus_convex)
symbolic_claim(Claim("gan_dual.cost_convex", "The 3(e) cost is convex in w for C ≥ 0 (2+2 points, ℝ²)",
                     r"v^\top\nabla^2_w f\,v = C\|v\|^2 + \sum \sigma(1-\sigma)(p^\top v)^2 \ge 0",
                     f"{PS5}, 3(e)"), verify_cost_convex)
symbolic_claim(Claim("gan_dual.lagrangian", "Lagrangian of program (2): Σ (λξ + log(1+e^ξ)) + C/2‖w‖² "
                     "− wᵀb(λ), b(λ) = Σ_x λ_x x + Σ_z (1+λ_z) G(z)",
                     r"L = \sum(\lambda\xi + \log(1+e^\xi)) + \tfrac C2\|w\|^2 - w^\top b(\lambda)",
                     f"{PS5}, 3(f)"), lambda: verify_lagrangian(separable_lagrangian))
symbolic_claim(Claim("gan_dual.quadratic_minimum", "min_w C/2‖w‖² − wᵀb = −‖b‖²/(2C) (C > 0, ℝ³)",
                     r"\min_w \tfrac C2\|w\|^2 - w^\top b = -\frac{\|b\|^2}{2C}", f"{PS5}, 3(g)"),
               lambda: verify_quadratic_minimum(lambda b: -(b.T * b)[0, 0] / (2 * C)))
symbolic_claim(Claim("gan_dual.conjugate", "min_ξ λξ + log(1+e^ξ) = −[(−λ)log(−λ) + (1+λ)log(1+λ)] on "
                     "(−1, 0), 0 at λ ∈ {−1, 0} (infimum, not attained), −∞ outside: domain [−1, 0]",
                     r"\min_\xi \lambda\xi+\log(1+e^\xi) = -H_b(-\lambda),\ \lambda\in[-1,0]",
                     f"{PS5}, 3(h)"),
               lambda: verify_conjugate(seed_conjugate, sp.Interval(-1, 0), {-1: 0, 0: 0}))
symbolic_claim(Claim("gan_dual.dual_function", "Dual function g(λ) = −‖b(λ)‖²/(2C) + Σ h(λ_i), from "
                     "min_{w,ξ} L for two data and two generated points in ℝ² (symbolic coordinates)",
                     r"g(\lambda) = -\frac{\|b(\lambda)\|^2}{2C} + \sum_i h(\lambda_i)", f"{PS5}, 3(i)"),
               lambda: verify_dual_function(assembled_dual_function))
symbolic_claim(Claim("gan_dual.dual_program", "Dual program: max_λ g(λ) s.t. λ ∈ [−1, 0]^{|𝒟|+|𝒵|} "
                     "(g = −∞ outside the box)", r"\max_{\lambda\in[-1,0]^{n}} g(\lambda)", f"{PS5}, 3(i)"),
               lambda: verify_dual_program([sp.Interval(-1, 0)] * 4))
