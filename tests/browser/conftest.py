"""The browser tests' Chromium: Debian's (never a downloaded browser), skipped where it is missing unless
DOLUONG_REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import os

import pytest
from tests.browser.phone import CHROMIUM


@pytest.fixture
def chromium():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("DOLUONG_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return str(CHROMIUM)
