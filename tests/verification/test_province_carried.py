"""Every large table carries the province (docs/scale.md §4): measurement points and standard links take their
record's, reminded instruments their instrument's — whichever way the rows are written."""

from __future__ import annotations

import pytest

from doluong.verification import actions
from doluong.verification.models import MeasurementPoint, RecordStandard

pytestmark = pytest.mark.django_db


def test_points_and_standard_links_carry_the_records_province(kit):
    record = actions.do_record_verification(**kit.args())
    points = list(MeasurementPoint.objects.filter(record=record))
    links = list(RecordStandard.objects.filter(record=record))
    assert points and links
    assert {p.province_id for p in points} | {s.province_id for s in links} == {record.province_id}
    # written one by one (a form, the admin): save() fills it in
    extra = MeasurementPoint(record=record, position=99, unit="kg", nominal=1, found=1, error=0)
    extra.save()
    assert extra.province_id == record.province_id


def test_reminded_instruments_carry_their_province():
    from doluong.core.dates import today
    from doluong.registry.models import ReminderItem
    from doluong.registry.reminders import send_reminders

    before = ReminderItem.objects.count()
    send_reminders(today(), province="92")
    items = ReminderItem.objects.select_related("instrument").order_by("pk")
    assert items.count() > before  # the demo's and today's
    assert all(item.province_id == item.instrument.province_id for item in items)
    assert {item.province_id for item in items[before:]} == {"92"}
