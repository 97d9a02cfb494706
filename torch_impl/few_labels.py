"""Labels from VAE latents (seed 001 §4.3: "train a VAE on all the data … train a classification
model on top of the latent variables … to predict the missing labels").

Measured, not proved. On scikit-learn's digits (the project's train/test split), a VAE is trained
without labels on the whole training split; then, with only 1 %, 5 % or 10 % of the training labels,
a multinomial logistic regression is fitted on

* the VAE's latent means μ_φ(x) (d dimensions),
* PCA of the pixels with the same d (fitted on the whole unlabelled training split),
* the raw pixels (64 dimensions),

all three from the same binarised images the VAE is trained on (so no feature set sees grey
levels the others do not),

and its accuracy on the test split is recorded. Each seed redraws the labelled subset and
retrains the VAE; the spread over seeds is reported (mean ± standard deviation).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from torch_impl._validate import require_int
from torch_impl.model import Vae, VaeConfig

FEATURES = ("vae", "pca", "pixels")

#: A hook applied to the VAE's latent means (n, d) before the classifier sees them (``None``: as is).
LatentTransform = Callable[[np.ndarray], np.ndarray]


def _require_lr(lr: object) -> float:
    """Adam's learning rate: a finite real number > 0."""
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr: expected a finite learning rate > 0, got {lr!r}")
    return float(lr)


def train_vae(
    x: torch.Tensor, *, latent_dim: int, epochs: int, seed: int, hidden: int = 256, batch: int = 128,
    lr: float = 1e-3, fused: bool = False,
) -> Vae:
    """The project's VAE (Bernoulli decoder, N(0, I) prior), trained without labels: ``epochs``
    passes of Adam (learning rate ``lr``) over shuffled minibatches of ``batch`` rows, all random
    numbers from ``seed``. ``fused`` selects PyTorch's fused Adam kernel: the same update in one
    kernel per step instead of one per parameter (on a small network about a third of the step's
    time); rounding differs, so the default (off) keeps the benchmark's runs reproducible."""
    require_int(epochs, "epochs", minimum=1)
    require_int(batch, "batch", minimum=1)
    lr = _require_lr(lr)
    if not isinstance(fused, bool):
        raise ValueError(f"fused: expected True or False, got {fused!r}")
    torch.manual_seed(seed)
    model = Vae(VaeConfig(data_dim=x.shape[1], latent_dim=latent_dim, hidden=hidden)).to(x.dtype)
    opt = torch.optim.Adam(model.parameters(), lr=lr, fused=fused or None)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(x.shape[0], generator=gen).split(batch):
            loss, _ = model.loss(x[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model


def _labelled_subset(y: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """A random subset of ⌈fraction·n⌉ indices, redrawn until it holds at least two classes."""
    n = max(2, math.ceil(fraction * y.size))
    while True:
        idx = rng.choice(y.size, size=n, replace=False)
        if np.unique(y[idx]).size >= 2:
            return idx


@dataclass
class FewLabelResult:
    """Test accuracies of logistic regression on each feature set (VAE latents, PCA, pixels) per label
    fraction and seed, with the run's settings (seed 001 §4.3)."""
    fractions: tuple[float, ...]
    seeds: int
    latent_dim: int
    epochs: int
    accuracy: dict[str, dict[float, list[float]]] = field(default_factory=dict)
    #: labelled subsets drawn per seed and fraction; a seed's accuracy is their mean
    draws: int = 1

    def summary(self, feature: str, fraction: float) -> tuple[float, float]:
        """(mean, standard deviation over seeds)."""
        a = np.asarray(self.accuracy[feature][fraction])
        return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0

    def winners(self) -> dict[float, str]:
        """For each label fraction, the feature set with the highest mean accuracy."""
        return {f: max(FEATURES, key=lambda k: self.summary(k, f)[0]) for f in self.fractions}

    def to_json(self) -> dict[str, object]:
        """JSON-ready form: settings (``draws`` only when not 1), mean/std and every run's accuracy per
        feature set and fraction, and the winner per fraction."""
        return {
            "seeds": self.seeds, "latent_dim": self.latent_dim, "epochs": self.epochs,
            **({"draws": self.draws} if self.draws != 1 else {}),
            "accuracy": {k: {f"{f:g}": dict(zip(("mean", "std"), self.summary(k, f), strict=True))
                             | {"runs": self.accuracy[k][f]} for f in self.fractions} for k in FEATURES},
            "winner": {f"{f:g}": w for f, w in self.winners().items()},
        }

    def table(self) -> str:
        """The accuracies as one line: per fraction, ``mean ± std`` of each feature set; fractions
        joined by ``;``."""
        parts = []
        for f in self.fractions:
            cells = ", ".join(f"{k} {m:.3f} ± {s:.3f}" for k in FEATURES for m, s in [self.summary(k, f)])
            parts.append(f"{f:.0%} labels: {cells}")
        return "; ".join(parts)


def _transformed(latent_transform: LatentTransform, mu: np.ndarray) -> np.ndarray:
    """``latent_transform(mu)``, checked: a finite real array with one row per image."""
    out = np.asarray(latent_transform(mu))
    if out.ndim != 2 or out.shape[0] != mu.shape[0] or out.shape[1] < 1:
        raise ValueError(
            f"latent_transform: must return an array of shape ({mu.shape[0]}, k ≥ 1), got shape {out.shape}"
        )
    if not np.issubdtype(out.dtype, np.number) or np.iscomplexobj(out) or not np.isfinite(out).all():
        raise ValueError("latent_transform: must return finite real numbers")
    return out.astype(np.float64)


def few_label_accuracies(
    *, fractions: tuple[float, ...] = (0.01, 0.05, 0.10), seeds: int = 3, latent_dim: int = 8,
    epochs: int = 20, hidden: int = 256, batch: int = 128, lr: float = 1e-3, fused: bool = False,
    draws: int = 1, first_seed: int = 0, latent_transform: LatentTransform | None = None,
) -> FewLabelResult:
    """Test accuracies of the three feature sets at each label fraction, for ``seeds`` seeds
    (``first_seed``, ``first_seed`` + 1, …).

    The VAE (``hidden`` units, ``latent_dim`` latents) is trained by :func:`train_vae` with
    ``epochs``, ``batch``, ``lr`` and ``fused``. Each seed draws ``draws`` labelled subsets per fraction and
    records their mean accuracy (with few labels the draw, not the VAE, dominates the spread, and
    a classifier fit costs little next to the VAE). ``latent_transform`` (a hook for wrong
    variants, e.g. latents shuffled across images) maps the latent means (n, latent_dim) to the
    VAE's features."""
    if isinstance(seeds, bool) or not isinstance(seeds, numbers.Integral) or seeds < 2:
        raise ValueError(f"seeds: need at least 2 seeds for a spread, got {seeds!r}")
    if not fractions or any(not 0 < f <= 1 for f in fractions):
        raise ValueError(f"fractions: each must lie in (0, 1], got {fractions}")
    require_int(epochs, "epochs", minimum=1)
    require_int(batch, "batch", minimum=1)
    require_int(hidden, "hidden", minimum=1)
    require_int(draws, "draws", minimum=1)
    require_int(first_seed, "first_seed", minimum=0)
    if require_int(latent_dim, "latent_dim", minimum=1) > 64:
        raise ValueError(f"latent_dim: PCA of the 64 pixels has at most 64 components, got {latent_dim}")
    _require_lr(lr)
    if not isinstance(fused, bool):
        raise ValueError(f"fused: expected True or False, got {fused!r}")
    if latent_transform is not None and not callable(latent_transform):
        raise ValueError(f"latent_transform: expected a callable or None, got {latent_transform!r}")
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression

    data = load_digits()
    xb = (data.data / 16.0 >= 0.5).astype(np.float64)  # the VAE's Bernoulli data (torch_impl.train)
    perm = np.random.default_rng(0).permutation(len(xb))
    n_test = round(0.2 * len(xb))
    test, train = perm[:n_test], perm[n_test:]
    y = data.target
    pca = PCA(n_components=latent_dim, random_state=0).fit(xb[train])
    feats_fixed = {"pca": pca.transform(xb), "pixels": xb}
    result = FewLabelResult(tuple(fractions), seeds, latent_dim, epochs,
                            {k: {f: [] for f in fractions} for k in FEATURES}, draws)
    for seed in range(first_seed, first_seed + seeds):
        vae = train_vae(torch.as_tensor(xb[train], dtype=torch.float32), latent_dim=latent_dim,
                        epochs=epochs, seed=seed, hidden=hidden, batch=batch, lr=lr, fused=fused)
        with torch.no_grad():
            mu, _ = vae.encode(torch.as_tensor(xb, dtype=torch.float32))
        latents = mu.double().numpy()
        if latent_transform is not None:
            latents = _transformed(latent_transform, latents)
        feats = {"vae": latents, **feats_fixed}
        rng = np.random.default_rng(1000 + seed)
        for f in fractions:
            scores: dict[str, list[float]] = {k: [] for k in FEATURES}
            for _ in range(draws):
                labelled = train[_labelled_subset(y[train], f, rng)]
                for k in FEATURES:
                    clf = LogisticRegression(max_iter=2000).fit(feats[k][labelled], y[labelled])
                    scores[k].append(float(clf.score(feats[k][test], y[test])))
            for k in FEATURES:
                result.accuracy[k][f].append(float(np.mean(scores[k])))
    return result
