"""Plain pytest configuration for the metrology library tests: nothing Django-related.

These tests run with ``-p no:django`` (``.venv/bin/python -m pytest tests/metrology -p no:django``)
as well as inside the full suite.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "metrology",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile("metrology")
