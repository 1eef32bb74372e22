"""The bulk tests' fixtures (files built from the demo database), for the outbox-under-bulk-load tests."""

from tests.bulk.conftest import load, refdata  # noqa: F401
from tests.verification.conftest import kit  # noqa: F401  (a calibration certificate for the DCC adapter)
