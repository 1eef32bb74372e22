"""The whole Group 2 catalogue is loaded as dated rule versions, a reload is idempotent and keeps an
administrator's edits, a later circular is only a new data file, and no placeholder name reaches a page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from importlib import resources

import pytest
from django.core.management import call_command
from django.urls import reverse

from doluong.core.actions import save_object
from doluong.registry import catalogue
from doluong.registry.choices import CycleStatus, SourceStatus
from doluong.registry.models import Instrument, InstrumentType, InstrumentTypeRule

pytestmark = pytest.mark.django_db

BEFORE_2024, AFTER_2024 = dt.date(2023, 6, 1), dt.date(2025, 1, 1)
PLACEHOLDER_MARKS = ("chưa xác minh", "EN:", "?-", "(tên VN")


def _data_rows() -> list[dict]:
    data = resources.files("doluong.registry").joinpath("data", "group2_catalogue.csv")
    with data.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _snapshot():
    types = sorted(InstrumentType.objects.values_list("code", "name", "name_en", "field", "mpe_rule"))
    rules = sorted(
        InstrumentTypeRule.objects.values_list(
            "instrument_type__code",
            "effective_from",
            "effective_to",
            "cycle_status",
            "cycle_months",
            "legal_basis",
            "source_status",
            "source_url",
            "notes",
        )
    )
    return types, rules


def test_every_row_of_the_data_file_is_loaded():
    rows = _data_rows()
    assert len(rows) >= 170 and len({r["code"] for r in rows}) == 89  # 89 entries of the list, 2 wordings
    for r in rows:
        rule = InstrumentTypeRule.objects.get(
            instrument_type__code=r["code"], effective_from=dt.date.fromisoformat(r["effective_from"])
        )
        assert rule.instrument_type.name == r["name_vi"]
        assert rule.cycle_status == r["cycle_status"]
        assert rule.cycle_months == (int(r["cycle_months"]) if r["cycle_months"] else None)
        assert rule.legal_basis == r["legal_basis"] and rule.source_status == r["source_status"]
        assert rule.source_url == r["source_url"] and rule.source_url.startswith("http")
    # and nothing that is not in the file (the earlier provisional codes are gone)
    assert set(InstrumentType.objects.values_list("code", flat=True)) == {r["code"] for r in rows}


def test_every_type_with_a_periodic_verification_has_a_cycle_on_both_wordings():
    for rule in InstrumentTypeRule.objects.all():
        assert rule.cycle_status != CycleStatus.UNKNOWN, rule
        assert (rule.cycle_status == CycleStatus.KNOWN) == rule.periodic_verification, rule
    meters = InstrumentType.objects.filter(name__startswith="Công tơ điện")
    assert meters.count() == 4
    for meter in meters:
        assert meter.rule_on(BEFORE_2024).cycle_months > 0


def test_the_removed_induction_meter_has_a_rule_in_2023_and_none_in_2025():
    meter = InstrumentType.objects.get(code="43.1")
    assert meter.name == "Công tơ điện xoay chiều 1 pha kiểu cảm ứng"
    old = meter.rule_on(BEFORE_2024)
    assert old.cycle_months == 60 and old.effective_to == dt.date(2024, 10, 14)
    assert "07/2019" in old.legal_basis
    assert meter.rule_on(dt.date(2024, 10, 14)) == old
    assert meter.rule_on(dt.date(2024, 10, 15)) is None
    assert meter.rule_on(AFTER_2024) is None


@pytest.mark.parametrize("code", ["69.1", "69.2", "69.3"])
def test_ev_chargers_are_in_the_list_only_from_15_10_2024(code):
    charger = InstrumentType.objects.get(code=code)
    assert charger.rule_on(BEFORE_2024) is None
    assert charger.rule_on(dt.date(2024, 10, 14)) is None
    rule = charger.rule_on(dt.date(2024, 10, 15))
    assert rule.cycle_status == CycleStatus.KNOWN and "03/2024" in rule.legal_basis
    assert rule.source_status == SourceStatus.SECONDARY  # control measures not read: visible as such


def test_a_certificate_from_2023_gets_the_rule_of_its_day(user_for):
    """The 1-phase electronic meter (72 months) under each wording; the version is chosen by the day."""
    meter = InstrumentType.objects.get(code="43.2")
    old, new = meter.rule_on(BEFORE_2024), meter.rule_on(AFTER_2024)
    assert old != new and old.cycle_months == new.cycle_months == 72
    assert "07/2019" in old.legal_basis and "03/2024" not in old.legal_basis and "03/2024" in new.legal_basis
    # a later circular changing the cycle changes it for verifications from its day only
    InstrumentTypeRule.objects.filter(pk=new.pk).update(effective_to=dt.date(2025, 12, 31))
    InstrumentTypeRule.objects.create(
        instrument_type=meter,
        cycle_status=CycleStatus.KNOWN,
        cycle_months=60,
        periodic_verification=True,
        legal_basis="Thông tư thử nghiệm",
        effective_from=dt.date(2026, 1, 1),
    )
    meter = InstrumentType.objects.get(pk=meter.pk)
    assert meter.rule_on(dt.date(2025, 12, 31)).cycle_months == 72
    assert meter.rule_on(dt.date(2026, 1, 1)).cycle_months == 60
    owner = Instrument.objects.filter(instrument_type=meter).first().owner
    for day, until in [
        (dt.date(2023, 6, 1), dt.date(2029, 6, 1)),
        (dt.date(2026, 2, 1), dt.date(2031, 2, 1)),
    ]:
        obj = Instrument(
            instrument_type=meter, owner=owner, commune_id="31135", serial=f"CAT-{day}", last_verified_on=day
        )
        obj = save_object(obj, user_for("admin"))
        obj.refresh_from_db()
        assert obj.valid_until == obj.next_due == until


def test_loading_twice_changes_nothing():
    before = _snapshot()
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    call_command("load_reference", stdout=out)
    assert _snapshot() == before
    assert "versions 0 new" in out.getvalue() and "removed" not in out.getvalue()


def test_an_administrators_edit_is_not_overwritten(user_for):
    """The edit goes through the application (so it is in the history); a reload keeps it and says so."""
    taxi = InstrumentType.objects.get(code="2")
    rule = taxi.rule_on(AFTER_2024)
    rule.cycle_months, rule.notes = 24, "Sửa tay bởi quản trị viên"
    rule._history_user = user_for("admin")
    rule.save()
    taxi.name_en = "Taximeter (edited)"
    taxi._history_user = rule._history_user
    taxi.save()
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    rule.refresh_from_db()
    taxi.refresh_from_db()
    assert rule.cycle_months == 24 and rule.notes == "Sửa tay bởi quản trị viên"
    assert taxi.name_en == "Taximeter (edited)"
    assert "kept as edited by an administrator: 2, 2 (15/10/2024)" in out.getvalue()
    # the version it did not touch is still the file's
    assert taxi.rule_on(BEFORE_2024).cycle_months == 18


def test_a_reload_renames_the_earlier_provisional_codes_in_place():
    """A database loaded from the earlier file (codes like U28) keeps its instruments under the new code."""
    meter = InstrumentType.objects.get(code="43.2")
    count = meter.instruments.count()
    assert count > 0
    InstrumentType.objects.filter(pk=meter.pk).update(code="U28", name="Công tơ (tên cũ)")
    old = InstrumentTypeRule.objects.create(
        instrument_type=meter,
        cycle_status=CycleStatus.UNKNOWN,
        legal_basis="bản cũ",
        effective_from=dt.date(2013, 12, 15),
        effective_to=dt.date(2019, 12, 31),
    )
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    meter.refresh_from_db()
    assert meter.code == "43.2" and meter.name == "Công tơ điện xoay chiều 1 pha kiểu điện tử"
    assert meter.instruments.count() == count
    assert "U28 → 43.2" in out.getvalue()
    assert not InstrumentTypeRule.objects.filter(pk=old.pk).exists()  # the loader's own stale version


def test_a_later_circular_is_a_new_file_with_its_date(tmp_path):
    """TT 04/2026 (when read) is one more CSV with effective_from 2026-04-15: the 2024 version is closed."""
    rows = [r for r in _data_rows() if r["code"] == "21.1" and r["effective_from"] == "2024-10-15"]
    path = tmp_path / "group2_catalogue_2026.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerow(
            {
                **rows[0],
                "effective_from": "2026-04-15",
                "cycle_months": "48",
                "legal_basis": "Thông tư 04/2026/TT-BKHCN (thử nghiệm)",
                "source_status": "verified",
                "replaces": "",
            }
        )
    summary = catalogue.load([*catalogue.shipped_files(), path])
    assert summary.versions_created == 1 and summary.versions_closed == 1
    water = InstrumentType.objects.get(code="21.1")
    assert water.rule_on(dt.date(2026, 4, 14)).cycle_months == 60
    assert water.rule_on(dt.date(2026, 4, 14)).effective_to == dt.date(2026, 4, 14)
    assert water.rule_on(dt.date(2026, 4, 15)).cycle_months == 48
    assert water.rule_on(BEFORE_2024).cycle_months == 60


def test_a_bad_row_stops_the_load_and_says_where(tmp_path):
    path = tmp_path / "group2_catalogue_bad.csv"
    path.write_text(
        ",".join(catalogue.COLUMNS)
        + "\n"
        + "99,Thử,,length,True,True,True,True,known,,x,2026-01-01,,True,verified,,\n",
        encoding="utf-8",
    )
    with pytest.raises(catalogue.CatalogueError, match="row 1: cycle_months"):
        catalogue.load([path])


def test_no_placeholder_name_in_the_catalogue_or_on_its_pages(client_for):
    for name, name_en in InstrumentType.objects.values_list("name", "name_en"):
        assert not any(mark in name for mark in PLACEHOLDER_MARKS), name
        assert name_en and not any(mark in name_en for mark in PLACEHOLDER_MARKS)
    client = client_for("ct.sokhcn")
    pages = [reverse("registry:instrumenttype_list"), reverse("registry:instrumenttype_list") + "?page=2"]
    pages += [t.get_absolute_url() for t in InstrumentType.objects.filter(code__in=["11", "43.1", "69.1"])]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert "chưa xác minh" not in text and "EN:" not in text, url


def test_sources_and_status_are_shown_to_administrators(client_for):
    url = InstrumentType.objects.get(code="69.1").get_absolute_url()
    admin_page = client_for("admin").get(url).content.decode()
    assert "Chỉ đọc được trong nguồn thứ cấp" in admin_page  # the version's verification status
    assert "lawnet.vn" in admin_page  # its source
    officer_page = client_for("ct.sokhcn").get(url).content.decode()
    assert "Chỉ đọc được trong nguồn thứ cấp" in officer_page and "lawnet.vn" not in officer_page
    changelist = client_for("admin").get(reverse("admin:registry_instrumenttyperule_changelist"))
    assert changelist.status_code == 200
    change = client_for("admin").get(
        reverse("admin:registry_instrumenttype_change", args=[InstrumentType.objects.get(code="2").pk])
    )
    assert change.status_code == 200 and "07/2019" in change.content.decode()


def test_demo_instruments_lack_a_due_date_only_where_the_list_has_no_cycle():
    instruments = list(
        Instrument.objects.select_related("instrument_type").prefetch_related("instrument_type__rules")
    )
    without = [i for i in instruments if i.next_due is None]
    assert len(without) < 0.02 * len(instruments)
    for instrument in without:
        rule = instrument.instrument_type.rule_on(instrument.last_verified_on)
        assert rule is not None and rule.cycle_status == CycleStatus.NO_PERIODIC, instrument


def test_types_are_listed_in_the_order_of_the_list():
    codes = list(InstrumentType.objects.values_list("code", flat=True))
    assert codes[:6] == ["1.1", "1.2", "1.3", "1.4", "2", "3"]
    assert codes.index("9") < codes.index("10") < codes.index("43.1") < codes.index("69.3")
