"""The inventory and the yearly calibration plan (issue 14, item 4) on the demo database: the Group 2 interval
never longer than the legal cycle, the year's lines from both sources, the RP-1 A3 suggestion against a hand
calculation, provider matching, the calendar, the XLSX export, the reminders, and other enterprises and
provinces refused (web and API)."""

from __future__ import annotations

import datetime as dt
import io
import math
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from doluong.assurance.calplan import (
    DAYS_PER_MONTH,
    match_providers,
    parse_range,
    parse_uncertainty,
    send_plan_reminders,
    suggest_interval,
)
from doluong.assurance.plan_models import CalibrationPlan, Equipment, EquipmentCalibration, PlanLine
from doluong.core.dates import add_months

pytestmark = pytest.mark.django_db
WATER = "ct.doanhnghiep"  # the demo water utility of Cần Thơ


def _org(user_for, who=WATER):
    return user_for(who).memberships.get().organisation


def _d(day):
    return day.strftime("%d/%m/%Y")


def _group2(org):
    for item in Equipment.objects.filter(enterprise=org, instrument__isnull=False):
        if item.legal_cycle_months():
            return item
    raise AssertionError("no Group 2 item with a known legal cycle in the demo")


def _form_data(item, **over):
    data = {
        "enterprise": item.enterprise_id,
        "instrument": item.instrument_id or "",
        "name": item.name,
        "instrument_type": item.instrument_type_id or "",
        "quantity": item.quantity,
        "serial": item.serial,
        "unit": item.unit,
        "interval_months": item.interval_months or "",
        "last_calibrated_on": _d(item.last_calibrated_on) if item.last_calibrated_on else "",
        "reliability_target": "0.95",
        "in_use": "on",
    }
    data.update(over)
    return data


def test_group2_interval_longer_than_the_legal_cycle_refused_web_and_api(client_for, user_for):
    org = _org(user_for)
    item = _group2(org)
    legal = item.legal_cycle_months()
    client = client_for(WATER)
    r = client.post(
        reverse("assurance:equipment_edit", args=[item.pk]), _form_data(item, interval_months=legal + 1)
    )
    assert r.status_code == 200
    assert "dài hơn chu kỳ kiểm định" in r.content.decode()
    api = client.patch(
        f"/api/assurance/inventory/{item.pk}/",
        {"interval_months": legal + 1},
        content_type="application/json",
    )
    assert api.status_code == 400 and "dài hơn chu kỳ kiểm định" in api.content.decode()
    before = item.interval_months
    item.refresh_from_db()
    assert item.interval_months == before
    # shorter than the legal cycle is accepted, and the interval in force follows it
    r = client.post(reverse("assurance:equipment_edit", args=[item.pk]), _form_data(item, interval_months=1))
    assert r.status_code == 302, r.content.decode()[:3000]
    item.refresh_from_db()
    assert item.interval_months == 1 and item.interval() == 1
    # Group 1 equipment without an interval is refused, nothing written
    count = Equipment.objects.count()
    r = client.post(
        reverse("assurance:equipment_add"),
        {"enterprise": org.pk, "name": "Đồng hồ áp suất nội bộ", "reliability_target": "0.95"},
    )
    assert r.status_code == 200 and "chu kỳ hiệu chuẩn nội bộ" in r.content.decode()
    assert Equipment.objects.count() == count


def test_plan_lines_from_both_sources_and_editable(client_for, user_for):
    org = _org(user_for)
    client = client_for(WATER)
    year = 2027
    r = client.post(reverse("assurance:calibrationplan_add"), {"enterprise": org.pk, "year": year})
    assert r.status_code == 302, r.content.decode()[:2000]
    plan = CalibrationPlan.objects.get(enterprise=org, year=year)
    # one Group 2 instrument checked every 12 months (shorter than its legal cycle): it is due in 2027
    g2 = _group2(org)
    g2.interval_months = 12
    g2.last_calibrated_on = dt.date(2026, 9, 4)
    g2.full_clean()
    g2.save()
    assert client.post(reverse("assurance:plan_generate", args=[plan.pk])).status_code == 302
    lines = list(plan.lines.select_related("equipment"))
    # expected due dates computed here from each item's last date and interval, independently of calplan
    expected = set()
    for item in Equipment.objects.filter(enterprise=org, in_use=True):
        months = item.interval_months
        legal = item.legal_cycle_months()
        months = min(months, legal) if months and legal else (months or legal)
        dates = [item.last_calibrated_on, item.instrument.last_verified_on if item.instrument_id else None]
        dates += [c.calibrated_on for c in item.calibrations.all()]
        dates += [line.done_on for line in item.plan_lines.all()]
        last = max((d for d in dates if d), default=None)
        if not months or not last:
            continue
        due = add_months(last, months)
        if item.instrument_id and item.instrument.next_due:
            due = min(due, item.instrument.next_due)
        if due < dt.date(year, 1, 1) and due < dt.date(2026, 11, 2):  # overdue on the pinned day
            expected.add((item.pk, due))
            due = add_months(dt.date(year, 1, 1), months)
        while due.year < year:  # due in an earlier year still to come: done on time, then every interval
            due = add_months(due, months)
        while due.year == year:
            expected.add((item.pk, due))
            due = add_months(due, months)
    assert {(line.equipment_id, line.due_on) for line in lines} == expected
    assert {line.equipment.group for line in lines} == {1, 2}
    ph = Equipment.objects.get(enterprise=org, name="Máy đo pH để bàn")
    # the demo's pH meter: last calibrated 02/01/2026, every 6 months, done on its due date 02/07/2026 in this
    # year's plan: due 02/01/2027 and 02/07/2027
    assert sorted(line.due_on for line in lines if line.equipment_id == ph.pk) == [
        dt.date(2027, 1, 2),
        dt.date(2027, 7, 2),
    ]
    # generating again adds nothing
    client.post(reverse("assurance:plan_generate", args=[plan.pk]))
    assert plan.lines.count() == len(lines)
    # a line is edited: provider, cost, planned date; a date outside the year is refused
    line = next(line for line in lines if line.equipment_id == ph.pk)
    provider = match_providers(line)[0].provider
    data = {
        "plan": plan.pk,
        "equipment": ph.pk,
        "due_on": _d(line.due_on),
        "planned_on": _d(dt.date(2027, 4, 20)),
        "provider": provider.pk,
        "cost": "850000",
    }
    r = client.post(reverse("assurance:planline_edit", args=[line.pk]), data)
    assert r.status_code == 302, r.content.decode()[:3000]
    line.refresh_from_db()
    assert (
        line.planned_on == dt.date(2027, 4, 20) and line.cost == Decimal(850000) and line.provider == provider
    )
    r = client.post(
        reverse("assurance:planline_edit", args=[line.pk]), {**data, "planned_on": _d(dt.date(2028, 1, 5))}
    )
    assert r.status_code == 200 and "không thuộc năm của kế hoạch" in r.content.decode()
    api = client.patch(
        f"/api/assurance/plan-lines/{line.pk}/", {"planned_on": "2028-01-05"}, content_type="application/json"
    )
    assert api.status_code == 400
    line.refresh_from_db()
    assert line.planned_on == dt.date(2027, 4, 20)
    # another enterprise's item cannot be put in the plan
    food = Equipment.objects.filter(enterprise=_org(user_for, "ct.chatluong")).first()
    api = client.post(
        "/api/assurance/plan-lines/",
        {"plan": plan.pk, "equipment": food.pk, "due_on": "2027-03-01", "planned_on": "2027-03-01"},
    )
    assert api.status_code == 400
    assert not PlanLine.objects.filter(plan=plan, equipment=food).exists()


def _hand_a3(outcomes, i0, rt=0.95):
    """RP-1 A3 computed here: g of n, R0, rejection confidence, calculated interval (max change 2)."""
    n, g = len(outcomes), sum(outcomes)
    r0 = g / n

    def cdf(k):
        return sum(math.comb(n, j) * rt**j * (1 - rt) ** (n - j) for j in range(k + 1))

    if g in (0, n):
        q = 1 - math.comb(n, g) * rt**g * (1 - rt) ** (n - g)
    elif r0 < rt:
        q = 1 - 2 * cdf(g)
    else:
        q = 1 - 2 * (1 - cdf(g - 1))
    calc = i0 * max(0.5, 10 ** ((r0 - rt) * q)) if r0 < rt else i0 * min(2.0, 10 ** ((r0 - rt) / (1 - q)))
    return g, n, r0, q, calc


def test_a3_suggestion_against_a_hand_calculation(client_for, user_for):
    org = _org(user_for)
    item = Equipment(
        enterprise=org,
        name="Máy đo độ dẫn điện",
        quantity="độ dẫn điện",
        unit="µS/cm",
        interval_months=6,
        last_calibrated_on=dt.date(2023, 1, 10),
    )
    item.full_clean()
    item.save()
    days = [dt.date(2020, 1, 10), dt.date(2020, 7, 10), dt.date(2021, 1, 10), dt.date(2021, 7, 10)]
    days += [dt.date(2022, 1, 10), dt.date(2022, 7, 10), dt.date(2023, 1, 10)]
    found = [True, True, False, True, False, True, True]  # as found at each calibration
    for day, ok in zip(days, found, strict=True):
        EquipmentCalibration.objects.create(equipment=item, calibrated_on=day, in_tolerance=ok)
    s = suggest_interval(item)
    i0 = 6 * 365.25 / 12
    assert s.current_days == pytest.approx(i0)
    # every period (181 to 184 days) is within min(56, I0/2) days of I0: all six count
    assert [p.days for p in s.periods] == [(b - a).days for a, b in zip(days, days[1:], strict=False)]
    assert all(p.counted for p in s.periods)
    g, n, r0, q, calc = _hand_a3(found[1:], i0)
    # by hand: g = 4 of n = 6, F(4; 6, 0.95) = 1 − 6·0.95⁵·0.05 − 0.95⁶ = 0.0327738, Q = 1 − 2F = 0.9344523
    assert (g, n) == (4, 6) and q == pytest.approx(0.9344523, abs=1e-6)
    r = s.result
    assert (r.in_tolerance, r.total) == (g, n)
    assert r.observed_reliability == pytest.approx(r0)
    assert r.rejection_confidence == pytest.approx(q, rel=1e-9)
    assert r.calculated == pytest.approx(calc, rel=1e-9)
    assert calc == pytest.approx(99.25, abs=0.05) and r.changed
    assert s.suggested_months == int(calc // DAYS_PER_MONTH) == 3
    page = client_for(WATER).get(item.get_absolute_url()).content.decode()
    assert "4 / 6" in page and "0,9345" in page.replace(".", ",")


def test_a3_suggestion_for_group2_never_longer_than_the_legal_cycle(user_for):
    org = _org(user_for)
    item = _group2(org)
    legal = item.legal_cycle_months()
    item.interval_months = legal - 12
    item.full_clean()
    item.save()
    months = item.interval_months
    last = item.last_date()
    # fifteen periods at the internal interval, all in tolerance: A3 lengthens it (by hand: Q = 1 − 0.95¹⁵ =
    # 0.5367 > 0.5, factor 10^(0.05 / 0.4633) = 1.282), beyond the legal cycle: the legal cycle caps it
    for k in range(1, 16):
        EquipmentCalibration.objects.create(
            equipment=item, calibrated_on=add_months(last, -months * k), in_tolerance=True
        )
    EquipmentCalibration.objects.get_or_create(equipment=item, calibrated_on=last)
    s = suggest_interval(item)
    q = 1 - 0.95**15
    assert s.result.rejection_confidence == pytest.approx(q)
    assert s.result.calculated == pytest.approx(months * DAYS_PER_MONTH * 10 ** (0.05 / (1 - q)), rel=1e-9)
    assert s.result.calculated > legal * DAYS_PER_MONTH
    assert s.suggested_months == legal and s.capped


def test_provider_matching_on_type_range_and_uncertainty(client_for, user_for):
    assert parse_range("0 ÷ 14 pH") == (Decimal(0), Decimal(14), "pH")
    assert parse_range("-30 ÷ 150 °C") == (Decimal(-30), Decimal(150), "°C")
    assert parse_range("") is None and parse_uncertainty("cấp 0,5") is None
    assert parse_uncertainty("U = 0,02 pH") == (Decimal("0.02"), "pH")
    org = _org(user_for)
    plan = CalibrationPlan.objects.get(enterprise=org, year=2026)
    client = client_for(WATER)
    ph_line = plan.lines.filter(equipment__name="Máy đo pH để bàn").first()
    matches = match_providers(ph_line)
    good = [m for m in matches if m.matches]
    assert good, "the demo provider's pH scope (0 ÷ 14 pH, U = 0,02 pH) covers the pH meter"
    scope = next(s for s in good[0].lines if s.matches)
    assert scope.range_check.ok is True and scope.uncertainty_check.ok is True
    # a tighter requirement than the scope's uncertainty: no longer covered
    item = ph_line.equipment
    item.required_uncertainty = Decimal("0.01")
    item.save()
    assert not any(m.matches for m in match_providers(ph_line))
    # a wider range than the scope's: not covered
    item.required_uncertainty, item.range_max = Decimal("0.05"), Decimal(20)
    item.save()
    assert not any(m.matches for m in match_providers(ph_line))
    # Group 2: the scope lines state no range: matched on the type, and the page says what was not checked
    g2_line = plan.lines.filter(equipment__instrument__isnull=False).first()
    g2 = match_providers(g2_line)
    assert any(m.matches for m in g2)
    assert all(
        s.scope.instrument_type_id == g2_line.equipment.instrument_type_id for m in g2 for s in m.lines
    )
    page = client.get(g2_line.get_absolute_url()).content.decode()
    assert "không kiểm tra được phạm vi đo" in page, page[page.find("provider-matching") :][:3000]
    assert str(g2[0].provider) in page


def test_calendar_and_xlsx_export(client_for, user_for):
    from openpyxl import load_workbook

    org = _org(user_for)
    plan = CalibrationPlan.objects.get(enterprise=org, year=2026)
    line = plan.lines.first()
    line.notes = '=HYPERLINK("http://x")'
    line.save()
    client = client_for(WATER)
    page = client.get(reverse("assurance:plan_calendar", args=[plan.pk])).content.decode()
    for month in range(1, 13):
        assert f"Tháng {month}<" in page
    assert page.count('class="badge text-bg-') >= plan.lines.count()
    r = client.get(reverse("assurance:plan_export", args=[plan.pk]))
    assert r.status_code == 200 and r.content.startswith(b"PK")
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "TT" and len(rows) == 1 + plan.lines.count()
    cells = [
        c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert cells and all(c.data_type == "s" for c in cells)


def test_plan_reminders(user_for):
    from django.core.management import call_command

    org = _org(user_for)
    plan = CalibrationPlan.objects.get(enterprise=org, year=2026)
    line = plan.lines.filter(done_on__isnull=True).first()
    on = line.planned_on - dt.timedelta(days=10)
    PlanLine.objects.filter(pk=line.pk).update(reminded_on=None)
    assert line in send_plan_reminders(on, dry_run=True)
    mail.outbox.clear()
    assert line in send_plan_reminders(on)
    line.refresh_from_db()
    assert line.reminded_on == on
    assert line not in send_plan_reminders(on)  # once per line
    if org.email:
        assert any(org.email in m.to for m in mail.outbox)
    call_command("send_calibration_plan_reminders", "--dry-run")
    from doluong.core.plugins import reminder_commands

    assert ("assurance", "send_calibration_plan_reminders") in reminder_commands()


@pytest.mark.parametrize("other", ["dt.sokhcn", "dt.doanhnghiep", "ct.chatluong", "ct.kiemdinh"])
def test_other_enterprises_provinces_and_providers_refused(client_for, user_for, other):
    org = _org(user_for)
    plan = CalibrationPlan.objects.get(enterprise=org, year=2026)
    line = plan.lines.first()
    item = line.equipment
    count = plan.lines.count()
    client = client_for(other)
    # the provider a line names reads that line (the enterprise's request, its own page), nothing else
    named = (
        line.provider_id is not None and line.provider_id == user_for(other).memberships.get().organisation_id
    )
    for url in (
        plan.get_absolute_url(),
        reverse("assurance:plan_calendar", args=[plan.pk]),
        reverse("assurance:plan_export", args=[plan.pk]),
        line.get_absolute_url(),
        item.get_absolute_url(),
    ):
        expected = 200 if named and url == line.get_absolute_url() else 404
        assert client.get(url).status_code == expected, url
    assert client.post(reverse("assurance:plan_generate", args=[plan.pk])).status_code == 404
    assert client.post(reverse("assurance:planline_edit", args=[line.pk]), {"cost": "1"}).status_code in (
        403,
        404,
    )
    for api in (f"/api/assurance/calibration-plans/{plan.pk}/", f"/api/assurance/plan-lines/{line.pk}/"):
        readable = named and "plan-lines" in api
        assert client.get(api).status_code == (200 if readable else 404)
        assert client.patch(api, {"notes": "x"}, content_type="application/json").status_code in (403, 404)
    assert client.delete(f"/api/assurance/inventory/{item.pk}/").status_code == 404
    r = client.post(
        "/api/assurance/plan-lines/",
        {"plan": plan.pk, "equipment": item.pk, "due_on": "2026-12-01", "planned_on": "2026-12-01"},
    )
    assert r.status_code in (400, 403)
    r = client.post("/api/assurance/calibration-plans/", {"enterprise": org.pk, "year": 2031})
    assert r.status_code in (400, 403)
    assert not CalibrationPlan.objects.filter(year=2031).exists()
    line.refresh_from_db()
    assert line.notes != "x" and line.cost != 1
    assert plan.lines.count() == count


def test_province_officer_reads_but_does_not_write(client_for, user_for):
    org = _org(user_for)
    plan = CalibrationPlan.objects.get(enterprise=org, year=2026)
    line = plan.lines.first()
    client = client_for("ct.sokhcn")
    assert client.get(plan.get_absolute_url()).status_code == 200
    assert client.get(reverse("assurance:plan_calendar", args=[plan.pk])).status_code == 200
    assert client.get(reverse("assurance:plan_export", args=[plan.pk])).status_code == 200
    assert client.get(f"/api/assurance/plan-lines/{line.pk}/").status_code == 200
    count = plan.lines.count()
    assert client.post(reverse("assurance:plan_generate", args=[plan.pk])).status_code == 404
    assert client.post(reverse("assurance:planline_edit", args=[line.pk]), {"cost": "1"}).status_code == 404
    api = client.patch(
        f"/api/assurance/plan-lines/{line.pk}/", {"cost": "1"}, content_type="application/json"
    )
    assert api.status_code in (403, 404)
    assert plan.lines.count() == count
    line.refresh_from_db()
    assert line.cost != 1


def test_demo_water_utility_has_its_inventory_and_plan(user_for):
    org = _org(user_for)
    items = Equipment.objects.filter(enterprise=org)
    assert items.filter(instrument__isnull=False).exists() and items.filter(instrument__isnull=True).exists()
    plan = CalibrationPlan.objects.get(enterprise=org, year=2026)
    assert plan.lines.filter(done_on__isnull=False).exists()
    assert plan.lines.filter(provider__isnull=False).exists()
    ph = items.get(name="Máy đo pH để bàn")
    assert suggest_interval(ph).suggested_months == 3
