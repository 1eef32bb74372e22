"""XLSX/CSV import: preview with row-level errors, nothing written unless every row is good, then one
transaction with history; file-level errors (columns, encoding, formulas) named clearly; export → import round
trip."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from doluong.core.io import column_label
from doluong.core.validators import make_tax_code
from doluong.parties.models import Organisation
from doluong.parties.views import organisation as ORGANISATION
from doluong.registry.models import Instrument
from doluong.registry.views import instrument as INSTRUMENT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_tmp", "today")]

IMPORTERS = ["admin", "ct.sokhcn"]


@pytest.fixture
def today():
    with time_machine.travel(
        dt.datetime(2026, 11, 21, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False
    ):
        yield


# ------------------------------------------------------------------------------------------ files


def labels(client, surface) -> dict[str, str]:
    """Field name → column title, read from the list's own import template (in the user's language)."""
    response = client.get(surface.list_url(), {"template": "csv"})
    assert response.status_code == 200
    import csv

    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[0] == "ID"
    return dict(zip(surface.import_fields, header[1:], strict=True))


def xlsx(header: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(header: list[str], rows: list[list], encoding: str = "utf-8") -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(client, surface, name: str, content: bytes):
    return client.post(reverse(surface.url_name("import")), {"file": SimpleUploadedFile(name, content)})


def table(records: list[dict], columns: dict[str, str]) -> tuple[list[str], list[list]]:
    names = list(records[0])
    return [columns[n] for n in names], [[r[n] for n in names] for r in records]


def _org(key_kind: str, province: str = "92") -> Organisation:
    return Organisation.objects.filter(province_id=province, kind=key_kind).order_by("pk").first()


def instrument_rows(n: int = 3, prefix: str = "NK", dates: bool = False) -> list[dict]:
    """Instrument rows; with `dates`, the verification dates too (only the administrator may import those: the
    permission table reserves them to records and certificates)."""
    owner = Organisation.objects.get(memberships__user__username="ct.doanhnghiep")
    provider = Organisation.objects.get(memberships__user__username="ct.kiemdinh")
    rows = [
        {
            "instrument_type": "2",
            "owner": owner.tax_code,
            "site_address": "12 Đường 30 Tháng 4, Phường Ninh Kiều",
            "commune": "31135",
            "serial": f"{prefix}-2026-{i:03d}",
            "manufacturer": "Digitax",
            "model": "F2 Plus",
            "year": 2024,
            "status": "in_use",
            "last_verified_on": "15/03/2026",
            "last_verified_by": provider.tax_code,
            "valid_until": "",
        }
        for i in range(1, n + 1)
    ]
    if not dates:
        for row in rows:
            for name in ("last_verified_on", "last_verified_by", "valid_until"):
                del row[name]
    return rows


def new_tax_codes(n: int) -> list[str]:
    codes = []
    seed = 31268700
    while len(codes) < n:
        seed += 1
        code = make_tax_code(f"0{seed}")
        if code and not Organisation.objects.filter(tax_code=code).exists():
            codes.append(code)
    return codes


def organisation_rows(n: int = 3) -> list[dict]:
    return [
        {
            "name": f"Công ty TNHH Cân Điện Tử Tây Đô {i}",
            "kind": "enterprise",
            "tax_code": code,
            "province": "92",
            "commune": "31135",
            "sector": "trade",
        }
        for i, code in enumerate(new_tax_codes(n), start=1)
    ]


def errors_html(response) -> str:
    html = response.content.decode()
    start = html.index('id="import-errors"')
    return html[start : html.index("</table>", start)]


def vi_label(model, name: str) -> str:
    with translation.override("vi"):
        return column_label(model, name)


# ------------------------------------------------------------------------------------------ one bad row


BAD_ROWS = {
    "bad-date": (INSTRUMENT, "last_verified_on", "31/02/2026"),
    "unknown-commune": (INSTRUMENT, "commune", "99999"),
    "commune-of-another-province": (INSTRUMENT, "commune", "29869"),
    "wrong-tax-code": (ORGANISATION, "tax_code", "0312687879"),
    "branch-000": (ORGANISATION, "tax_code", "0312687878-000"),
}


# the administrator may use every commune, so a commune of another province is only an error for an officer;
# only the administrator imports verification dates
BAD_CASES = [
    (username, case)
    for username in IMPORTERS
    for case in BAD_ROWS
    if not (username == "admin" and case == "commune-of-another-province")
    and not (username != "admin" and case == "bad-date")
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("username", "case"), BAD_CASES)
def test_one_bad_row_saves_nothing(client_for, user_for, case, fmt, username):
    surface, field, bad_value = BAD_ROWS[case]
    client = client_for(username)
    columns = labels(client, surface)
    records = instrument_rows(4, dates=username == "admin") if surface is INSTRUMENT else organisation_rows(4)
    records[3][field] = bad_value
    header, rows = table(records, columns)
    content = xlsx(header, rows) if fmt == "xlsx" else csv_bytes(header, rows)
    before = surface.model.objects.count()
    history_before = surface.model.history.count()

    response = upload(client, surface, f"nhap.{fmt}", content)
    assert response.status_code == 200
    result = response.context["result"]
    assert [(e.row, e.column) for e in result.errors] == [(5, vi_label(surface.model, field))]
    assert f"<td>5</td><td>{vi_label(surface.model, field)}</td>" in errors_html(response)
    assert surface.model.objects.count() == before

    # the refused file was deleted at once: confirming it anyway is refused too
    response = client.post(reverse(surface.url_name("import")), {"token": response.context["token"]})
    assert response.status_code == 404
    assert surface.model.objects.count() == before
    assert surface.model.history.count() == history_before


@pytest.mark.parametrize("username", IMPORTERS)
def test_good_file_preview_then_confirm_writes_rows_with_history(client_for, user_for, username):
    user = user_for(username)
    client = client_for(username)
    header, rows = table(instrument_rows(3, dates=username == "admin"), labels(client, INSTRUMENT))
    before = Instrument.objects.count()

    response = upload(client, INSTRUMENT, "phuong-tien-do.xlsx", xlsx(header, rows))
    assert response.status_code == 200
    assert response.context["result"].ok
    assert len(response.context["preview"]) == 3
    assert Instrument.objects.count() == before  # the preview writes nothing

    response = client.post(reverse("registry:instrument_import"), {"token": response.context["token"]})
    assert response.status_code == 302
    assert response["Location"] == INSTRUMENT.list_url()
    assert Instrument.objects.count() == before + 3
    for serial in ("NK-2026-001", "NK-2026-002", "NK-2026-003"):
        obj = Instrument.objects.get(serial=serial, manufacturer="Digitax")
        assert obj.province_id == "92"
        if username == "admin":
            assert obj.last_verified_on == dt.date(2026, 3, 15)
            assert obj.valid_until == dt.date(2027, 9, 15)
        else:
            assert obj.last_verified_on is None
        record = obj.history.get()
        assert record.history_type == "+"
        assert record.history_user == user
        assert "phuong-tien-do.xlsx" in record.history_change_reason

    # the token is spent: confirming again writes nothing more
    assert Instrument.objects.count() == before + 3


def test_wrong_column_header_is_a_file_error_naming_it(client_for):
    client = client_for("ct.sokhcn")
    columns = labels(client, INSTRUMENT)
    header, rows = table(instrument_rows(2), columns)
    header[4] = "Số xe lạ"
    before = Instrument.objects.count()
    response = upload(client, INSTRUMENT, "nhap.xlsx", xlsx(header, rows))
    assert response.status_code == 200
    error = response.context["file_error"]
    assert "Số xe lạ" in error
    assert columns["serial"] in error  # the expected columns are listed
    assert "Số xe lạ" in response.content.decode()
    assert Instrument.objects.count() == before


def test_missing_required_column_is_a_file_error_naming_it(client_for):
    client = client_for("ct.sokhcn")
    columns = labels(client, INSTRUMENT)
    records = instrument_rows(2)
    for record in records:
        del record["commune"]
    header, rows = table(records, columns)
    response = upload(client, INSTRUMENT, "nhap.csv", csv_bytes(header, rows))
    assert columns["commune"] in response.context["file_error"]


def _cp1258(ch: str) -> bytes:
    """Windows-1258 holds â, ê, ô, ơ, ư, ă, đ but writes the tone as a separate combining mark."""
    import unicodedata

    try:
        return ch.encode("cp1258")
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFD", ch)
        return unicodedata.normalize("NFC", decomposed[:-1]).encode("cp1258") + decomposed[-1].encode(
            "cp1258"
        )


@pytest.mark.parametrize("encoding", ["cp1258", "latin-1"])
def test_csv_that_is_not_utf8_is_refused_clearly(client_for, encoding):
    """A CSV saved by Excel in a legacy code page (Windows-1258 for Vietnamese, or Latin-1)."""
    import unicodedata

    client = client_for("ct.sokhcn")
    header = ",".join(list(labels(client, ORGANISATION).values())[:3])
    if encoding == "cp1258":  # Windows-1258 writes Vietnamese as base letters plus combining tone marks
        content = b"".join(
            _cp1258(ch) for ch in unicodedata.normalize("NFC", f"{header}\r\nCửa hàng Hòa,enterprise,\r\n")
        )
    else:
        content = header.encode("utf-8") + "\r\nCafé Hoa,enterprise,\r\n".encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    before = Organisation.objects.count()
    response = upload(client, ORGANISATION, "danh-sach.csv", content)
    assert response.status_code == 200
    error = response.context["file_error"]
    assert "UTF-8" in error
    assert "CSV" in error
    assert error in response.content.decode()
    assert Organisation.objects.count() == before


def test_xlsx_with_a_formula_is_refused_naming_the_cell(client_for):
    client = client_for("ct.sokhcn")
    columns = labels(client, INSTRUMENT)
    header, rows = table(instrument_rows(3), columns)
    serial_column = header.index(columns["serial"])
    rows[1][serial_column] = '=CONCATENATE("NK-", 2)'
    from openpyxl.utils import get_column_letter

    cell = f"{get_column_letter(serial_column + 1)}3"
    before = Instrument.objects.count()
    response = upload(client, INSTRUMENT, "cong-thuc.xlsx", xlsx(header, rows))
    assert response.status_code == 200
    assert cell in response.context["file_error"]
    assert Instrument.objects.count() == before


def test_duplicate_rows_in_one_file_are_refused(client_for):
    client = client_for("admin")
    records = instrument_rows(3)
    records[2] = dict(records[0])
    header, rows = table(records, labels(client, INSTRUMENT))
    before = Instrument.objects.count()
    response = upload(client, INSTRUMENT, "trung.xlsx", xlsx(header, rows))
    errors = response.context["result"].errors
    assert [e.row for e in errors] == [4]
    with translation.override("vi"):
        assert "2" in errors[0].message
    response = client.post(reverse("registry:instrument_import"), {"token": response.context["token"]})
    assert response.status_code == 404  # the refused file was deleted
    assert Instrument.objects.count() == before


def test_row_that_duplicates_the_database_is_refused(client_for):
    client = client_for("admin")
    existing = Instrument.objects.filter(instrument_type__code="2").exclude(serial="").first()
    records = instrument_rows(2)
    records[1].update(serial=existing.serial, manufacturer=existing.manufacturer)
    header, rows = table(records, labels(client, INSTRUMENT))
    before = Instrument.objects.count()
    response = upload(client, INSTRUMENT, "trung.xlsx", xlsx(header, rows))
    assert [e.row for e in response.context["result"].errors] == [3]
    assert Instrument.objects.count() == before


def test_import_page_needs_the_add_scope(client_for):
    header = ["Tên"]
    response = upload(client_for("ct.kdv"), INSTRUMENT, "x.csv", csv_bytes(header, [["a"]]))
    assert response.status_code == 403


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("username", IMPORTERS)
def test_export_then_import_round_trip_updates_organisations(client_for, user_for, fmt, username):
    user = user_for(username)
    client = client_for(username)
    response = client.get(ORGANISATION.list_url(), {"province": "92", "kind": "department", "export": fmt})
    assert response.status_code == 200
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(response.content))
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        name_column = header.index(labels(client, ORGANISATION)["name"]) + 1
        pk = sheet.cell(row=2, column=1).value
        sheet.cell(row=2, column=name_column).value = "Sở Công Thương thành phố Cần Thơ (đổi tên)"
        buffer = io.BytesIO()
        book.save(buffer)
        content = buffer.getvalue()
        count = sheet.max_row - 1
    else:
        import csv

        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        name_column = rows[0].index(labels(client, ORGANISATION)["name"])
        pk = rows[1][0]
        rows[1][name_column] = "Sở Công Thương thành phố Cần Thơ (đổi tên)"
        content = csv_bytes(rows[0], rows[1:])
        count = len(rows) - 1
    assert count >= 2
    before = Organisation.objects.count()
    untouched = {
        o.pk: (o.name, o.tax_code, o.kind, o.commune_id, o.sector, o.ownership, o.is_active)
        for o in Organisation.objects.filter(province_id="92", kind="department")
    }

    response = upload(client, ORGANISATION, f"to-chuc.{fmt}", content)
    assert response.context.get("file_error") is None, response.context.get("file_error")
    assert response.context["result"].ok, response.context["result"].errors
    response = client.post(reverse("parties:organisation_import"), {"token": response.context["token"]})
    assert response.status_code == 302

    assert Organisation.objects.count() == before
    changed = Organisation.objects.get(pk=pk)
    assert changed.name == "Sở Công Thương thành phố Cần Thơ (đổi tên)"
    assert changed.history.order_by("-history_id").first().history_user == user
    for other in Organisation.objects.filter(pk__in=untouched).exclude(pk=pk):
        assert (
            other.name,
            other.tax_code,
            other.kind,
            other.commune_id,
            other.sector,
            other.ownership,
            other.is_active,
        ) == untouched[other.pk]


def test_import_template_has_the_import_columns(client_for, helpers):
    client = client_for("ct.sokhcn")
    for fmt in ("xlsx", "csv"):
        response = client.get(INSTRUMENT.list_url(), {"template": fmt})
        assert response.status_code == 200
        assert helpers.read_export(response) == []
    assert list(labels(client, INSTRUMENT)) == INSTRUMENT.import_fields


def test_an_officer_may_not_import_verification_dates(client_for):
    """The import applies the form's field rules: a value in a column the user may not write is a row error
    (verification dates follow from records and certificates), and nothing is written."""
    client = client_for("ct.sokhcn")
    records = [{**row, "valid_until": ""} for row in instrument_rows(2, prefix="ND")]
    records[1]["valid_until"] = "01/01/2099"
    header, rows = table(records, labels(client, INSTRUMENT))
    before = Instrument.objects.count()
    response = upload(client, INSTRUMENT, "nhap.xlsx", xlsx(header, rows))
    result = response.context["result"]
    assert [(e.row, e.column) for e in result.errors] == [(3, vi_label(Instrument, "valid_until"))]
    assert Instrument.objects.count() == before
