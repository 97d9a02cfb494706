"""What the other values a loss returns are: a dict's ``Reconstruction_Loss`` and ``KLD`` (AntixK
PyTorch-VAE), a tuple's ``(loss, recon_loss, kl)`` (pythae) — each fitted, per configuration, as
p·Σ_i(−log p(x_i|z_i)) + q·Σ_i KL_i + c against the same verified columns as the loss, and named
when the fit is exact (e.g. "'KLD' = −KL/B": the KL logged with the opposite sign, averaged over
the batch)."""

from __future__ import annotations

import numpy as np

from torch_impl.audit.fit import affine_fit, monomial
from torch_impl.audit.replay import Replay


def describe_parts(replays: list[list[Replay]], recon_cols: list[np.ndarray], kl_cols: list[np.ndarray],
                   variables: list[dict[str, float]], tol: float, coef_rel: float,
                   recon_name: str) -> list[str]:
    """One sentence per returned part that is exactly p·R + q·KL + c in every configuration."""
    names = sorted({k for rs in replays for r in rs for k in r.parts})
    out = []
    for name in names:
        ps: list[float] = []
        qs: list[float] = []
        exact, constant = True, False
        for rs, rc, kc in zip(replays, recon_cols, kl_cols, strict=True):
            if not all(name in r.parts for r in rs):
                exact = False
                break
            y = np.array([r.parts[name] for r in rs])
            cols = np.column_stack([rc, kc])
            fit = affine_fit(cols, y)
            if not np.all(np.isfinite(y)) or fit.relative_residual > max(tol, 1e-9):
                exact = False
                break
            scale = max(float(np.max(np.abs(y))), 1e-300)
            p, q = (float(c) if abs(float(c)) * float(np.max(np.abs(col))) > 1e-9 * scale else 0.0
                    for c, col in zip(fit.coef, cols.T, strict=True))
            ps.append(p)
            qs.append(q)
            constant = constant or abs(fit.intercept) > 1e-9 * scale
        if not exact:
            continue
        terms = []
        for coef, label in ((ps, recon_name), (qs, "KL")):
            if all(c == 0 for c in coef):
                continue
            f = monomial(coef, variables, rel=coef_rel)
            if not f.exact:
                terms.append(f"{f.text} × Σ{label}")
            else:
                terms.append(f"Σ{label}" if f.text == "1" else f"-Σ{label}" if f.text == "-1"
                             else f"({f.text})·Σ{label}")
        if terms:
            kl_flipped = all(q < 0 for q in qs) and all(p == 0 for p in ps)
            note = " (the KL with the opposite sign)" if kl_flipped else ""
            const = " + const" if constant else ""
            out.append(f"the returned '{name}' is {' + '.join(terms)}{const}{note}")
    return out
