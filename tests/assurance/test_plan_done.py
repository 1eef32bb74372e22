"""A calibration plan line done (issue #14, item 4): "Đánh dấu đã thực hiện" picks the calibration record that
fulfilled the line — one of the item's own calibrations, or a doluong certificate of its Group 2 instrument —
the line links to it and takes its date, and the plan's progress counts the line done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from doluong.assurance.actions import do_mark_line_done, fulfilling_records
from doluong.assurance.models import CalibrationPlan, EquipmentCalibration, PlanLine
from doluong.core.dates import today

pytestmark = pytest.mark.django_db

WATER = "ct.doanhnghiep"  # the demo water utility of Cần Thơ
MARK = "Đánh dấu đã thực hiện"


def _plan(user_for):
    org = user_for(WATER).memberships.get().organisation
    return CalibrationPlan.objects.get(enterprise=org, year=2026)


def _free_day(item, start=dt.date(2026, 10, 20)):
    day = start
    while EquipmentCalibration.objects.filter(equipment=item, calibrated_on=day).exists():
        day -= dt.timedelta(days=1)
    return day


def _calibration(item, day=None, **extra):
    cal = EquipmentCalibration(
        equipment=item, calibrated_on=day or _free_day(item), certificate_number="HC-TEST-1", **extra
    )
    cal.save()
    return cal


def _progress_text(done, total):
    return f"đã thực hiện: {done}/{total} dòng ({round(100 * done / total)} %)"


def test_mark_done_with_the_item_calibration_and_progress(client_for, user_for):
    plan = _plan(user_for)
    line = plan.lines.filter(done_on__isnull=True).select_related("equipment").first()
    total = plan.lines.count()
    done = plan.lines.filter(done_on__isnull=False).count()
    client = client_for(WATER)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert _progress_text(done, total) in page
    assert MARK in client.get(line.get_absolute_url()).content.decode()
    cal = _calibration(line.equipment)
    form = client.get(reverse("assurance:planline_done", args=[line.pk]))
    assert form.status_code == 200 and f"calibration-{cal.pk}" in form.content.decode()
    r = client.post(reverse("assurance:planline_done", args=[line.pk]), {"record": f"calibration-{cal.pk}"})
    assert r.status_code == 302 and r["Location"] == line.get_absolute_url()
    line.refresh_from_db()
    assert line.calibration == cal and line.certificate is None and line.done_on == cal.calibrated_on
    assert line.history.order_by("-history_id").first().history_change_reason == "done"
    assert plan.progress() == {"done": done + 1, "total": total, "percent": round(100 * (done + 1) / total)}
    page = client.get(plan.get_absolute_url()).content.decode()
    assert _progress_text(done + 1, total) in page and cal.get_absolute_url() in page
    detail = client.get(line.get_absolute_url()).content.decode()
    assert MARK not in detail and cal.get_absolute_url() in detail
    # once: a second press is refused and changes nothing
    other_cal = _calibration(
        line.equipment, _free_day(line.equipment, cal.calibrated_on - dt.timedelta(days=1))
    )
    r = client.post(
        reverse("assurance:planline_done", args=[line.pk]),
        {"record": f"calibration-{other_cal.pk}"},
        follow=True,
    )
    assert "Dòng kế hoạch này đã được thực hiện" in r.content.decode()
    line.refresh_from_db()
    assert line.calibration == cal
    # a record already fulfilling a line is not offered to another line of the same item, and is refused
    sibling = PlanLine.objects.filter(plan=plan, equipment=line.equipment, done_on__isnull=True).first()
    if sibling is not None:
        assert cal not in fulfilling_records(sibling, user_for(WATER))
        with pytest.raises(ValidationError):
            do_mark_line_done(sibling, user_for(WATER), calibration=cal)


def test_refusals_nothing_written(client_for, user_for):
    plan = _plan(user_for)
    lines = list(plan.lines.filter(done_on__isnull=True).select_related("equipment"))
    line = lines[0]
    other_item_line = next(
        x for x in plan.lines.select_related("equipment") if x.equipment_id != line.equipment_id
    )
    user = user_for(WATER)
    # another item's calibration; a calibration of another year; neither or both records
    foreign = _calibration(other_item_line.equipment)
    old = _calibration(line.equipment, _free_day(line.equipment, dt.date(2025, 6, 1)))
    for kwargs in ({"calibration": foreign}, {"calibration": old}, {}):
        with pytest.raises(ValidationError):
            do_mark_line_done(line, user, **kwargs)
    client = client_for(WATER)
    r = client.post(
        reverse("assurance:planline_done", args=[line.pk]), {"record": f"calibration-{foreign.pk}"}
    )
    assert r.status_code == 302
    line.refresh_from_db()
    assert line.done_on is None and line.calibration is None


@pytest.mark.parametrize("other", ["ct.chatluong", "dt.doanhnghiep", "ct.sokhcn", "dt.sokhcn", "ct.kiemdinh"])
def test_others_cannot_mark_a_line_done(client_for, user_for, other):
    plan = _plan(user_for)
    line = plan.lines.filter(done_on__isnull=True).select_related("equipment").first()
    cal = _calibration(line.equipment)
    client = client_for(other)
    url = reverse("assurance:planline_done", args=[line.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"record": f"calibration-{cal.pk}"}).status_code == 404
    page = client.get(line.get_absolute_url())
    assert page.status_code == 404 or MARK not in page.content.decode()
    line.refresh_from_db()
    assert line.done_on is None and line.calibration is None


def test_mark_done_with_a_certificate_of_the_instrument(client_for, user_for):
    from doluong.verification.choices import RecordKind, Result
    from doluong.verification.models import Certificate, SigningKey, VerificationRecord

    plan = _plan(user_for)
    line = (
        plan.lines.filter(done_on__isnull=True, equipment__instrument__isnull=False)
        .select_related("equipment__instrument")
        .first()
    )
    assert line is not None, "the demo plan has an open Group 2 line"
    instrument = line.equipment.instrument
    provider = user_for("ct.kiemdinh").memberships.get().organisation
    day = dt.date(2026, 10, 21)
    record = VerificationRecord(
        number="PLAN-DONE-R1",
        kind=RecordKind.PERIODIC,
        instrument=instrument,
        provider=provider,
        performed_on=day,
        result=Result.PASSED,
        province_id=instrument.province_id,
        owner=instrument.owner,
    )
    record.save()
    cert = Certificate(
        number="PLAN-DONE-C1",
        record=record,
        provider=provider,
        instrument=instrument,
        owner=instrument.owner,
        province_id=instrument.province_id,
        kind=record.kind,
        issued_on=day,
        verified_on=day,
        key=SigningKey.objects.filter(provider=provider).first(),
        signature="test",
    )
    cert.save()
    client = client_for(WATER)
    assert (
        f"certificate-{cert.pk}"
        in client.get(reverse("assurance:planline_done", args=[line.pk])).content.decode()
    )
    r = client.post(reverse("assurance:planline_done", args=[line.pk]), {"record": f"certificate-{cert.pk}"})
    assert r.status_code == 302
    line.refresh_from_db()
    assert line.certificate == cert and line.calibration is None and line.done_on == day
    assert cert.get_absolute_url() in client.get(line.get_absolute_url()).content.decode()


def test_demo_done_lines_are_linked_to_the_record_that_fulfilled_them():
    """The demo marks lines done through "Đánh dấu đã thực hiện": each done line links the item's calibration
    or the instrument's doluong certificate of the plan's year, takes its date, and no record fulfils two."""
    plans = list(CalibrationPlan.objects.all())
    assert len(plans) >= 2
    used = []
    for plan in plans:
        done = list(plan.lines.filter(done_on__isnull=False).select_related("equipment"))
        assert done, plan
        for line in done:
            assert (line.calibration_id is None) != (line.certificate_id is None), line
            if line.calibration_id:
                record = line.calibration
                assert record.equipment_id == line.equipment_id
                day = record.calibrated_on
                used.append(("calibration", record.pk))
            else:
                record = line.certificate
                assert line.equipment.instrument_id and record.instrument_id == line.equipment.instrument_id
                assert record.status != "revoked" and not record.record.is_voided
                day = record.verified_on
                used.append(("certificate", record.pk))
            assert day.year == plan.year and line.done_on == day and day <= today()
            assert line.history.filter(history_change_reason="done").exists()
    assert len(used) == len(set(used))
