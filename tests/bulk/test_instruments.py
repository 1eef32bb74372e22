"""Bulk loading of instruments: every bad row named, all-or-nothing, only-good, idempotent re-runs, scope, and
the computed columns checked against the model's own computation."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from tests.bulk.conftest import HEADER, good_row, instrument_file

pytestmark = pytest.mark.django_db


def _count():
    from doluong.registry.models import Instrument

    return Instrument.objects.count()


def test_scattered_bad_rows_are_all_named_and_nothing_is_loaded(refdata, load):
    from doluong.core.models import Job as BulkJob

    content, expected = instrument_file(refdata, rows=20000, bad=37)
    before = _count()
    result = load("instruments", content)
    assert result.rows == 20000
    assert result.bad_rows == 37
    assert {e.row: e.column for e in result.errors} == expected
    assert result.error_count == 37  # one reason per bad row, each named once
    assert all(e.message for e in result.errors)
    assert _count() == before
    job = BulkJob.objects.get(pk=result.job_id)
    assert job.status == BulkJob.Status.REJECTED
    assert job.rows_staged == 20000 and job.rows_bad == 37 and job.rows_inserted == 0
    assert {e["row"] for e in job.errors} == set(expected)


def test_only_good_loads_exactly_the_good_rows_and_twice_duplicates_nothing(refdata, load):
    from doluong.registry.models import Instrument

    content, expected = instrument_file(refdata, rows=3000, bad=37, seed=3)
    before = _count()
    result = load("instruments", content, only_good=True, source="utility-a")
    assert result.bad_rows == 37
    assert result.inserted == 3000 - 37
    assert _count() == before + 3000 - 37
    loaded = set(Instrument.objects.filter(source="utility-a").values_list("serial", flat=True))
    bad_serials = {f"BK{row - 2:07d}" for row in expected}
    assert loaded == {f"BK{i:07d}" for i in range(3000)} - bad_serials - {"S" * 101}
    again = load("instruments", content, only_good=True, source="utility-a")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3000 - 37)
    assert _count() == before + 3000 - 37


def test_loaded_rows_match_the_models_own_computation(refdata, load):
    """Province from the commune, valid-until from the cycle in force, next-due, search column: as save() does."""
    from doluong.core.text import fold
    from doluong.registry.models import Instrument

    content, _expected = instrument_file(refdata, rows=300, bad=0, seed=1)
    result = load("instruments", content, source="check")
    assert result.ok and result.inserted == 300
    for obj in Instrument.objects.filter(source="check").select_related(
        "instrument_type", "owner", "commune"
    ):
        assert obj.province_id == obj.commune.province_id
        assert obj.search_text == obj.compute_search_text()
        expected = Instrument(
            instrument_type=obj.instrument_type, commune=obj.commune, last_verified_on=obj.last_verified_on
        )
        expected.compute_dates()
        assert obj.valid_until == expected.valid_until
        assert obj.next_due == obj.valid_until
        assert obj.status == "in_use"
        assert obj.history.count() == 0  # bulk rows: one BulkJob entry instead
        assert fold(obj.serial) in obj.search_text


def test_valid_until_is_computed_with_month_end_clamping(refdata, load):
    from doluong.core.dates import add_months
    from doluong.registry.models import Instrument

    known = [
        t
        for t in refdata["types"]
        if t.rule_on(dt.date(2025, 1, 31)) and t.rule_on(dt.date(2025, 1, 31)).cycle_months
    ]
    kind = known[0]
    rule = kind.rule_on(dt.date(2025, 1, 31))
    row = good_row(refdata, 1)
    row[0], row[7], row[3] = kind.code, "31/01/2025", "CLAMP-1"
    result = load("instruments", _csv([row]), source="clamp")
    assert result.ok, result.errors
    obj = Instrument.objects.get(source="clamp")
    assert obj.valid_until == add_months(dt.date(2025, 1, 31), rule.cycle_months)


def test_corrected_file_updates_only_what_changed(refdata, load):
    from doluong.registry.models import Instrument

    rows = [good_row(refdata, i) for i in range(50)]
    assert load("instruments", _csv(rows), source="fix").inserted == 50
    rows[10][9] = "Địa chỉ mới"
    rows[20][5] = "2021"
    result = load("instruments", _csv(rows), source="fix")
    assert (result.inserted, result.updated, result.unchanged) == (0, 2, 48)
    assert Instrument.objects.get(source="fix", serial="BK0000010").site_address == "Địa chỉ mới"


def test_duplicates_inside_the_file_and_against_the_table(refdata, load):
    from doluong.registry.models import Instrument

    existing = Instrument.objects.exclude(serial="").select_related("instrument_type", "owner").first()
    rows = [good_row(refdata, i) for i in range(5)]
    rows.append(list(rows[1]))  # row 7 repeats row 3
    clash = good_row(refdata, 99)
    clash[0], clash[3], clash[4] = existing.instrument_type.code, existing.serial, existing.manufacturer
    rows.append(clash)  # row 8: an instrument already in the registry
    result = load("instruments", _csv(rows))
    assert {(e.row, e.column) for e in result.errors} == {(7, "Số sản xuất"), (8, "Số sản xuất")}
    messages = {e.row: e.message for e in result.errors}
    assert "3" in messages[7]


def test_scope_of_the_importing_user(refdata, load, user_for):
    from doluong.core.scope import CHANGE
    from doluong.registry.models import Instrument

    rows = [good_row(refdata, i, "92") for i in range(6)] + [
        good_row(refdata, 100 + i, "82") for i in range(3)
    ]
    officer = user_for("ct.sokhcn")
    result = load("instruments", _csv(rows), user=officer)
    assert {e.row for e in result.errors} == {8, 9, 10}
    # each outside row is refused for its area (and, when it carries a verification date, for that too)
    assert {e.row for e in result.errors if "địa bàn" in e.message} == {8, 9, 10}
    result = load("instruments", _csv(rows), user=officer, only_good=True, source="scoped")
    assert result.inserted == 6
    mine = Instrument.objects.restrict(officer, CHANGE).filter(source="scoped").count()
    assert mine == 6
    enterprise = user_for("ct.doanhnghiep")
    result = load("instruments", _csv(rows[:2]), user=enterprise)
    assert result.bad_rows == 2  # the owners are not the enterprise itself


def test_xlsx_with_real_dates_and_numbers(refdata, load):
    from openpyxl import Workbook

    from doluong.registry.models import Instrument

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    row = good_row(refdata, 5)
    row[5] = 2019  # a number cell
    row[7] = dt.datetime(2024, 3, 15)  # a date cell
    sheet.append(row)
    bad = good_row(refdata, 6)
    bad[7] = "15.03.2024"
    sheet.append(bad)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = load("instruments", buffer.getvalue(), name="f.xlsx", only_good=True, source="xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(3, "Ngày kiểm định gần nhất")]
    obj = Instrument.objects.get(source="xlsx")
    assert (obj.year, obj.last_verified_on) == (2019, dt.date(2024, 3, 15))


def test_whole_file_errors(refdata, load):
    from doluong.core.io import ImportFileError

    with pytest.raises(ImportFileError, match="Không rõ|Unknown|không hợp lệ"):
        load("instruments", "Cột lạ,Chủ sở hữu\nx,y\n".encode())
    with pytest.raises(ImportFileError):
        load("instruments", b"")
    with pytest.raises(ImportFileError):
        load("instruments", "Loại phương tiện đo,Chủ sở hữu,Xã, phường\n".encode("utf-16"))


def _rows_text(refdata, rows: int) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for n in range(rows):
        writer.writerow(good_row(refdata, n))
    return buffer.getvalue()


@pytest.mark.parametrize("flaw", ["latin-1 byte", "nul", "extra values"])
def test_a_broken_row_deep_in_the_file_refuses_it_whole(refdata, load, flaw):
    """Past the first 64 KB that are sniffed: the row is named, nothing is written, the job says rejected."""
    from doluong.core.io import ImportFileError
    from doluong.core.models import Job as BulkJob

    lines = _rows_text(refdata, 2000).splitlines(keepends=True)
    assert sum(len(line.encode()) for line in lines[:1500]) > 65536
    data = [line.encode() for line in lines]
    if flaw == "latin-1 byte":
        data[1500] = data[1500].replace("đường".encode(), "đường".encode()[:1] + b"\xe9")
    elif flaw == "nul":
        data[1500] = data[1500].replace(b"ACME", b"AC\x00ME").replace("Việt".encode(), b"Vi\x00t")
    else:
        data[1500] = data[1500].rstrip(b"\r\n") + b",surplus\r\n"
    before = _count()
    with pytest.raises(ImportFileError) as raised:
        load("instruments", b"".join(data), source="broken")
    message = str(raised.value)
    assert ("1501" in message or "1502" in message) if flaw != "latin-1 byte" else "UTF-8" in message
    assert _count() == before
    job = BulkJob.objects.filter(source="broken").get()
    assert job.status == BulkJob.Status.REJECTED and job.rows_inserted == 0


def test_cells_are_cleaned_as_the_forms_clean_them(refdata, load):
    """Decomposed Vietnamese (NFD, as some Mac spreadsheets save it), padding with tabs and no-break spaces:
    stored NFC and trimmed, and the search column is exactly what save() computes."""
    import unicodedata

    from doluong.registry.models import Instrument

    row = good_row(refdata, 5)
    row[3] = "\u00a0 BK-NFD-1\t"
    row[4] = unicodedata.normalize("NFD", "  Công ty Đo lường Việt  ")
    row[9] = unicodedata.normalize("NFD", "Chợ Cái Răng,\u00a0quầy 7 ")
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, row])
    result = load("instruments", buffer.getvalue().encode(), source="nfd")
    assert result.ok, result.errors
    obj = Instrument.objects.select_related("owner", "instrument_type").get(source="nfd")
    assert obj.serial == "BK-NFD-1"
    assert obj.manufacturer == "Công ty Đo lường Việt" == unicodedata.normalize("NFC", obj.manufacturer)
    assert obj.site_address == "Chợ Cái Răng,\u00a0quầy 7"
    assert obj.search_text == obj.compute_search_text()
    assert "cong ty do luong viet" in obj.search_text and "cho cai rang, quay 7" in obj.search_text


def test_semicolon_csv_with_bom(refdata, load):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerow(good_row(refdata, 3))
    content = "\ufeff".encode() + buffer.getvalue().encode()
    result = load("instruments", content, source="semi")
    assert result.ok and result.inserted == 1


def test_command_reports_rows_and_refuses(refdata, tmp_path):
    from django.core.management import CommandError, call_command

    content, expected = instrument_file(refdata, rows=40, bad=3, seed=11)
    path = tmp_path / "meters.csv"
    path.write_bytes(content)
    out = io.StringIO()
    before = _count()
    with pytest.raises(CommandError):
        call_command("bulk_import", "instruments", str(path), stdout=out)
    assert _count() == before
    for row in expected:
        assert f" {row}," in out.getvalue()
    call_command("bulk_import", "instruments", str(path), "--only-good", stdout=out)
    assert _count() == before + 37


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode()


def test_the_loads_session_settings_are_reset_afterwards(refdata, load):
    """The load raises work_mem for its own sorts; the connection (a web worker's) gets its settings back."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL session settings")
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        before = cursor.fetchone()[0]
    content, _expected = instrument_file(refdata, rows=20, bad=0, seed=5)
    assert load("instruments", content, source="reset").ok
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == before != "256MB"


def test_verification_dates_only_from_the_authoritys_old_registers(refdata, load, user_for):
    """An enterprise's file may not carry its instruments' last verification or valid-until (they come from
    records and certificates); the province's officer may load them from old registers; a reload without them,
    or with an older date, clears or rolls back nothing that a record wrote."""
    from doluong.registry.models import Instrument

    enterprise = user_for("ct.doanhnghiep")
    own = enterprise.memberships.get().organisation
    rows = [good_row(refdata, i, "92") for i in range(3)]
    for row in rows:
        row[1] = own.tax_code  # the enterprise's own instruments
        row[7] = "15/03/2025"
    rows[0][8] = "01/01/2099"  # row 2: valid for ever, without a certificate
    result = load("instruments", _csv(rows), user=enterprise, source="ent")
    assert {(e.row, e.column) for e in result.errors} == {
        (2, "Ngày kiểm định gần nhất"),
        (2, "Hiệu lực đến"),
        (3, "Ngày kiểm định gần nhất"),
        (4, "Ngày kiểm định gần nhất"),
    }
    assert "để trống" in result.errors[0].message
    assert not Instrument.objects.filter(source="ent").exists()
    for row in rows:  # without the dates the same file loads
        row[7] = row[8] = ""
    assert load("instruments", _csv(rows), user=enterprise, source="ent").inserted == 3

    officer = user_for("ct.sokhcn")
    dated = [good_row(refdata, 10 + i, "92") for i in range(2)]
    for row in dated:
        row[7], row[8] = "15/03/2025", "15/03/2027"
    result = load("instruments", _csv(dated), user=officer, source="old-registers")
    assert result.ok and result.inserted == 2
    first = Instrument.objects.get(source="old-registers", serial=dated[0][3])
    assert (first.last_verified_on, first.valid_until) == (dt.date(2025, 3, 15), dt.date(2027, 3, 15))

    # a record later moves the dates forward; reloading the register (empty or older dates) keeps them
    Instrument.objects.filter(pk=first.pk).update(
        last_verified_on=dt.date(2026, 5, 1), valid_until=dt.date(2028, 5, 1), next_due=dt.date(2028, 5, 1)
    )
    dated[0][7], dated[0][8] = "", ""
    dated[1][7] = "15/03/2025"
    dated[0][9] = "Địa chỉ mới"
    result = load("instruments", _csv(dated), user=officer, source="old-registers")
    assert result.ok and result.updated == 1
    first.refresh_from_db()
    assert (first.site_address, first.last_verified_on, first.valid_until, first.next_due) == (
        "Địa chỉ mới",
        dt.date(2026, 5, 1),
        dt.date(2028, 5, 1),
        dt.date(2028, 5, 1),
    )
    dated[0][7] = "01/06/2026"  # a later verification in the register does move them
    dated[0][8] = ""
    load("instruments", _csv(dated), user=officer, source="old-registers")
    first.refresh_from_db()
    assert first.last_verified_on == dt.date(2026, 6, 1)
