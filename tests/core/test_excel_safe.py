"""Exports are safe to open in Excel, and input treats =, +, -, @ alike.

Decision (docs/operations.md): every export neutralises text that starts with =, +, -, @, a tab or a carriage return
(CSV: a leading apostrophe; XLSX: a text cell with Excel's quote prefix), numbers stay numbers, and a *text* "-5"
is neutralised like any text. Input (forms, API, the importer, the bulk loader) refuses free text that starts
with one of the four characters unless it is a signed number ("-5", "+84 292 3820 000", a serial "-123").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from doluong.core import io as tabular
from doluong.core.io import safe_cell, safe_workbook, tabular_response, unquote_cell
from doluong.core.validators import looks_like_formula
from doluong.parties.models import Organisation
from doluong.parties.views import organisation as ORGANISATION

FORMULAS = [
    "=1+1",
    '=HYPERLINK("http://example.com","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "-mục một",
    "+thêm",
    "- 2+3+cmd|' /C calc'!A0",
    "+ =1+1",
    "\t=1+1",
    "\r=1+1",
]
NOT_FORMULAS = [
    "- mục một",  # the line of a list, as plans write them (exports still neutralise it)
    "+ Đào tạo kiểm định viên",
    "+84 292 3820 000",
    "-5",
    "-123",
    "+1.5",
    "-0,5",
    "Nguyễn Văn An",
    "a=b",
    "",
    "'=1",
    "email@x.vn",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_like_text_is_recognised(value):
    assert looks_like_formula(value)


@pytest.mark.parametrize("value", NOT_FORMULAS)
def test_names_numbers_and_phone_numbers_are_not_formulas(value):
    assert not looks_like_formula(value)


@pytest.mark.parametrize("value", [*FORMULAS, "-5", "+84 292 3820 000", "-123", "- mục một"])
def test_safe_cell_neutralises_every_text_that_starts_with_a_formula_character(value):
    assert safe_cell(value) == "'" + value
    assert unquote_cell(safe_cell(value)) == value


@pytest.mark.parametrize("value", [-5, 3.25, Decimal("-1.5"), 0, None, "", "Cân", dt.date(2026, 1, 2), True])
def test_safe_cell_leaves_numbers_and_plain_text_alone(value):
    assert safe_cell(value) is value


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_tabular_response_neutralises_csv_and_xlsx_and_keeps_numbers_numbers():
    rows = [["=1+1", -5, "-5", Decimal("2.5"), dt.date(2026, 3, 4), "+84 292 3820 000", "@x", "Bình thường"]]
    headers = ["=A", "B", "C", "D", "E", "F", "G", "H"]
    body = _csv_rows(tabular_response("t", "t", headers, rows, "csv"))
    assert body[0][0] == "'=A"
    assert body[1] == ["'=1+1", "-5", "'-5", "2.5", "04/03/2026", "'+84 292 3820 000", "'@x", "Bình thường"]

    response = tabular_response("t", "t", headers, rows, "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert [c.value for c in cells[:4]] == ["=1+1", -5, "-5", 2.5]
    assert [c.data_type for c in cells[:4]] == ["s", "n", "s", "n"]  # text stays text, never a formula
    assert cells[0].quotePrefix and cells[2].quotePrefix and cells[5].quotePrefix and cells[6].quotePrefix
    assert not cells[1].quotePrefix and not cells[7].quotePrefix
    assert cells[4].is_date
    assert sheet["A1"].data_type == "s" and sheet["A1"].quotePrefix


def test_safe_workbook_neutralises_a_workbook_built_cell_by_cell():
    book = Workbook()
    book.active.append(["=HYPERLINK(1)", "-5", -5, "+thêm", "ok"])
    safe_workbook(book)
    buffer = io.BytesIO()
    book.save(buffer)
    row = list(load_workbook(buffer).active.iter_rows())[0]
    assert [c.value for c in row] == ["=HYPERLINK(1)", "-5", -5, "+thêm", "ok"]
    assert [c.data_type for c in row] == ["s", "s", "n", "s", "s"]
    assert [bool(c.quotePrefix) for c in row] == [True, True, False, True, False]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_list_export_neutralises_data_stored_before_the_rule(client_for, fmt):
    org = Organisation.objects.filter(province_id="92").order_by("pk").first()
    Organisation.objects.filter(pk=org.pk).update(
        name='=HYPERLINK("http://x","bấm")', phone="+84 292 3820 000"
    )
    response = client_for("admin").get(ORGANISATION.list_url(), {"export": fmt, "q": ""})
    assert response.status_code == 200
    if fmt == "csv":
        rows = _csv_rows(response)
        row = next(r for r in rows if r[0] == str(org.pk))
        assert '\'=HYPERLINK("http://x","bấm")' in row
        assert "'+84 292 3820 000" in row
        assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    else:
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.quotePrefix and cell.data_type == "s"


@pytest.mark.django_db
def test_every_list_exports_in_both_formats(client_for):
    """Every surface's export answers (a JSON field, e.g. a verification point's readings, was a 500)."""
    from doluong.core.surface import SURFACES

    client = client_for("admin")
    assert len(SURFACES) > 40
    for surface in SURFACES.values():
        for fmt in ("csv", "xlsx"):
            response = client.get(surface.list_url(), {"export": fmt})
            assert response.status_code == 200, (surface.basename, fmt, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_verification_points_export(client_for, fmt):
    response = client_for("ct.kiemdinh").get("/verification/points/", {"export": fmt})
    assert response.status_code == 200


# ------------------------------------------------------------------------------------------------ input


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["=1+1", "+cmd|x", "-2+cmd|x", "@SUM(1)"])
def test_forms_refuse_the_four_characters_alike(client_for, helpers, value):
    from doluong.parties.forms import OrganisationForm

    org = Organisation.objects.filter(province_id="92", kind="enterprise").order_by("pk").first()
    client = client_for("admin")
    data = helpers.form_data(OrganisationForm(instance=org), name=value)
    response = client.post(ORGANISATION.object_url(org, "edit"), data)
    assert response.status_code == 200
    assert "bắt đầu bằng =, +, - hoặc @" in response.content.decode()
    org.refresh_from_db()
    assert org.name != value


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["=1+1", "+cmd|x", "-2+cmd|x", "@SUM(1)"])
def test_the_api_refuses_the_four_characters_alike(client_for, value):
    org = Organisation.objects.filter(province_id="92", kind="enterprise").order_by("pk").first()
    client = client_for("admin")
    response = client.patch(
        f"/api/parties/organisations/{org.pk}/", {"address": value}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "address" in response.json()
    org.refresh_from_db()
    assert org.address != value


@pytest.mark.django_db
def test_the_api_and_forms_accept_phone_numbers_and_signed_numbers(client_for):
    org = Organisation.objects.filter(province_id="92", kind="enterprise").order_by("pk").first()
    response = client_for("admin").patch(
        f"/api/parties/organisations/{org.pk}/",
        {"phone": "+84 292 3820 000", "address": "-5 đường 3/2"},
        content_type="application/json",
    )
    assert response.status_code == 400  # "-5 đường" is text after a sign: refused
    response = client_for("admin").patch(
        f"/api/parties/organisations/{org.pk}/",
        {"phone": "+84 292 3820 000"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert org.phone == "+84 292 3820 000"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["=1+1", "+cmd|x", "-2+cmd|x", "@SUM(1)"])
def test_the_importer_refuses_the_four_characters_alike_naming_the_cell(client_for, media_tmp, value):
    from test_import import csv_bytes, labels, organisation_rows, table

    client = client_for("admin")
    records = organisation_rows(2)
    records[1]["name"] = value
    content = csv_bytes(*table(records, labels(client, ORGANISATION)))
    response = client.post(
        reverse(ORGANISATION.url_name("import")), {"file": SimpleUploadedFile("f.csv", content)}
    )
    assert response.status_code == 200
    assert "A3" in response.context["file_error"]
    assert "công thức" in response.context["file_error"]


def test_the_importer_reads_back_a_neutralised_csv_export():
    content = "\ufeffTên,Điện thoại\n'+84 292 3820 000,'-5\n".encode()
    header, body = tabular.read_table("f.csv", content)
    assert body == [["+84 292 3820 000", "-5"]]
    with pytest.raises(tabular.ImportFileError):  # a neutralised formula is still a formula
        tabular.read_table("f.csv", "Tên\n'=1+1\n".encode())


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["=1+1", "+cmd|x", "-2+cmd|x", "@SUM(1)"])
def test_the_bulk_loader_refuses_the_four_characters_alike(value):
    """The rule in SQL (a Python function on SQLite, a pg_temp function on PostgreSQL) is the validators' rule."""
    from doluong.core import bulk
    from doluong.core.validators import make_tax_code

    header = ["Tên", "Loại hình", "Mã số thuế", "Tỉnh, thành phố", "Địa chỉ"]
    codes = [c for c in (make_tax_code(f"8{n:08d}") for n in range(100, 200)) if c][:2]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(["Công ty Một", "enterprise", codes[0], "92", value])
    writer.writerow(["Công ty Hai", "enterprise", codes[1], "92", "+84 292 3820 000"])
    result = bulk.run("organisations", "f.csv", io.BytesIO(buffer.getvalue().encode()))
    assert [(e.row, e.column) for e in result.errors] == [(2, "Địa chỉ")], result.errors
    assert "công thức" in result.errors[0].message
