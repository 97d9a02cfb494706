"""Hypothesis profiles: ``default`` (fast) and ``ci`` (derandomised, many more examples).
Choose with the environment variable HYPOTHESIS_PROFILE; CI uses ``ci``."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
