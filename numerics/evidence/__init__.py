"""Numeric and property evidence for registered claims, discovered by the report runner.

Property evidence runs a Hypothesis property from :mod:`numerics.properties` with a fixed,
derandomised budget; a failing example is reported as *refuted* with the shrunk counterexample.
Numeric evidence states its measured error and its tolerance.

Each check takes the claimed formula as a candidate (a plain Python function), so that the tests
can feed it the wrong variants the symbolic tests refute (dropped ½, swapped arguments, flipped
signs, wrong constants) and assert *refuted*. Tolerances and their reasons:

* deterministic numerics in float64 against a reference computed from the definition:
  relative error ``REL_TOL`` = 1e-9 unless stated (the references are quadratures or optimisers
  whose own error is stated next to each tolerance; every wrong variant is off by ≥ 1e-2);
* numeric optimisation: the argmax/max found by SciPy to a stated gradient tolerance; the
  tolerance on the optimum follows from the optimiser's stopping rule;
* Monte Carlo: 5 standard errors with a fixed seed.

Sources: seed 000 (CS 446 HW8 1), seed 003 (Problems 5, 6.2), seed 004 (ECE 544 PS5 3, 4);
Cover & Thomas 2006, ch. 2.

One module per topic, named as in :mod:`derivations` and :mod:`derivations.claims`.
"""

from numerics.evidence import (  # noqa: F401  (each registers its evidence on import)
    elbo,
    em,
    forward_kl,
    gan,
    gan_dual,
    gaussian_kl,
    kl,
    kl_fit,
    kl_properties,
    stable_forms,
    vae,
    variational,
)
