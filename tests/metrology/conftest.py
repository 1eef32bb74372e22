"""Plain pytest configuration for the metrology library tests: nothing Django-related.

These tests run with ``-p no:django`` (``.venv/bin/python -m pytest tests/metrology -p no:django``)
as well as inside the full suite. Hypothesis settings are set on each property test
(deterministic, bounded, no deadline), never as a global profile that would change other suites.
"""
