"""The names a model declaration uses — likelihoods, data domains, argument roles — without importing
torch, so that the command line can parse its options first (it starts in under
2 s)."""

LIKELIHOODS = (
    "bernoulli",
    "bernoulli_logits",
    "continuous_bernoulli",
    "continuous_bernoulli_logits",
    "gaussian",
    "gaussian_learned",
)
DOMAINS = ("binary", "unit", "real")
ROLES = ("x", "recon", "mu", "s", "z", "eps", "recon_logvar", "decoder", "k")
