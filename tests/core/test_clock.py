"""The suite's pinned clock (tests/conftest.py): every test, and the demo database they read, see the same day."""

from __future__ import annotations

import datetime as dt

import pytest

from doluong.core.dates import today

pytestmark = pytest.mark.django_db


def test_the_suite_runs_on_the_pinned_day_whatever_the_real_date():
    assert today() == dt.date(2026, 11, 2)


def test_the_demo_database_was_built_under_the_same_clock():
    from doluong.registry.models import Instrument

    first = Instrument.objects.order_by("created").values_list("created", flat=True).first()
    assert first is not None
    assert first.date() == dt.date(2026, 11, 2)  # built at 08:00 ICT, well before midnight UTC+7
