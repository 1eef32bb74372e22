"""Fixtures of the verification tests: `kit`, a valid set of inputs for `do_record_verification` taken from the demo
(tests/verification/kit.py)."""

from __future__ import annotations

import pytest
from tests.verification.kit import build_kit


@pytest.fixture
def kit(db):
    return build_kit()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path
