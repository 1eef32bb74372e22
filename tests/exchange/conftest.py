"""The bulk tests' fixtures (files built from the demo database), for the outbox-under-bulk-load tests."""

from tests.bulk.conftest import load, refdata  # noqa: F401
