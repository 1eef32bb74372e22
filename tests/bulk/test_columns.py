"""Bulk files people can fill: the XLSX template (data sheet, example sheet never loaded, notes, code lists),
provinces and communes by code or name within the user's province (old names through the 2025 aliases),
ambiguous names listing the candidates, and messages that say what is accepted — on SQLite and PostgreSQL
alike (the names are resolved in Python, once per distinct value, for both)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from tests.bulk.conftest import HEADER, good_row

from doluong.core import bulk

pytestmark = pytest.mark.django_db

COMMUNE = HEADER.index("Xã, phường")
YEAR = HEADER.index("Năm sản xuất")


def _csv(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _instruments(refdata, communes, start):
    rows = []
    for n, commune in enumerate(communes):
        row = good_row(refdata, start + n)
        row[COMMUNE] = commune
        rows.append(row)
    return _csv(HEADER, rows)


def _errors(result, column="Xã, phường"):
    return {e.row: e.message for e in result.errors if e.column == column}


def test_communes_by_code_name_old_name_in_the_users_province(refdata, load, user_for):
    from doluong.registry.models import Instrument

    officer = user_for("ct.sokhcn")  # Cần Thơ (92)
    communes = ["31135", "Phường Ninh Kiều", "ninh kieu", "PHƯỜNG XUÂN KHÁNH", "Thới Bình"]
    result = load("instruments", _instruments(refdata, communes, 870000), user=officer, source="NAMES")
    assert result.ok, result.errors
    loaded = Instrument.objects.filter(source="NAMES")
    assert loaded.count() == 5
    assert set(loaded.values_list("commune_id", "province_id")) == {("31135", "92")}


def test_commune_errors_say_what_is_accepted_and_list_candidates(refdata, load, user_for):
    officer = user_for("ct.sokhcn")
    communes = ["Phường Bùi Hữu Nghĩa", "Phường Ba Đình", "Không Có Xã Này", "99999"]
    result = load("instruments", _instruments(refdata, communes, 871000), user=officer)
    errors = _errors(result)
    assert set(errors) == {2, 3, 4, 5}
    # an old ward split between two new ones: both named with their codes
    assert "31120" in errors[2] and "31168" in errors[2] and "trước 07/2025" in errors[2]
    # a name of another province (Hà Nội's ward): not accepted by name, and the message says what is
    for row in (3, 4):
        assert "mã xã (5 chữ số) hoặc tên xã trong Thành phố Cần Thơ" in errors[row], errors[row]
    assert "Không có xã, phường có mã “99999”" in errors[5]
    assert all(len(m) <= bulk.MESSAGE_CHARS for m in errors.values())


def test_ambiguous_names_nationwide_list_the_candidates(refdata, load):
    """Without a province (the administrator), a name that several provinces have is refused, naming each."""
    from django.db.models import Count

    from doluong.geo.models import Commune

    name = (
        Commune.objects.values("name").annotate(n=Count("code")).filter(n__gte=2).order_by("name")[0]["name"]
    )
    codes = list(Commune.objects.filter(name=name).values_list("code", flat=True))
    result = load("instruments", _instruments(refdata, [name], 872000))
    message = _errors(result)[2]
    assert "nhiều xã, phường" in message
    assert all(code in message for code in codes[:5]), message


def test_year_errors_give_the_range(refdata, load):
    rows = []
    for n, year in enumerate(["-5", "hai nghìn", "1850", "2019"]):
        row = good_row(refdata, 873000 + n)
        row[YEAR] = year
        rows.append(row)
    result = load("instruments", _csv(HEADER, rows))
    errors = _errors(result, "Năm sản xuất")
    assert set(errors) == {2, 3, 4}
    for message in errors.values():
        assert "từ 1900 đến" in message, message


def test_invalid_choice_lists_the_accepted_values(refdata, load):
    row = good_row(refdata, 874000)
    row[HEADER.index("Tình trạng")] = "Đang bay"
    result = load("instruments", _csv(HEADER, [row]))
    message = _errors(result, "Tình trạng")[2]
    assert "“Đang sử dụng”" in message and "Đang bay" in message


ORG_HEADER = ["Tên", "Loại hình", "Mã số thuế", "Tỉnh, thành phố", "Xã, phường"]


def test_organisation_province_and_commune_by_name(load, user_for):
    from tests.bulk.test_organisations_records import _tax_codes

    from doluong.parties.models import Organisation

    codes = _tax_codes(4, 950000000)
    rows = [
        ["Công ty Tên 1", "enterprise", codes[0], "Cần Thơ", "Phường Ninh Kiều"],
        ["Công ty Tên 2", "enterprise", codes[1], "Tỉnh Hậu Giang", "Xuân Khánh"],  # old province, old ward
        ["Công ty Tên 3", "enterprise", codes[2], "Tỉnh Không Có", ""],
        ["Công ty Tên 4", "enterprise", codes[3], "92", "Phường Ba Đình"],
    ]
    result = load("organisations", _csv(ORG_HEADER, rows), user=user_for("ct.sokhcn"))
    assert {e.row for e in result.errors} == {4, 5}
    province_error = _errors(result, "Tỉnh, thành phố")[4]
    assert "mã tỉnh (2 chữ số) hoặc tên tỉnh" in province_error
    assert "Thành phố Cần Thơ" in _errors(result)[5]
    result = load("organisations", _csv(ORG_HEADER, rows[:2]), user=user_for("ct.sokhcn"))
    assert result.ok
    assert set(Organisation.objects.filter(tax_code__in=codes).values_list("province_id", "commune_id")) == {
        ("92", "31135")
    }


def _template(client, kind: str):
    response = client.get(f"/registry/bulk/template/{kind}.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize("kind", ["instruments", "organisations", "records"])
def test_template_sheets_example_never_loaded_notes_for_every_column(client_for, load, kind):
    book = _template(client_for("ct.sokhcn"), kind)
    assert book.sheetnames[:3] == ["Dữ liệu", "Ví dụ", "Hướng dẫn"]
    data, example, notes = book.worksheets[:3]
    columns = bulk.kinds()[kind].columns
    header = [c.value for c in data[1]]
    assert bulk.match_header(bulk.kinds()[kind], header) == [c.name for c in columns]
    assert data.max_row == 1  # only the header: nothing to load by accident
    assert all(data.cell(row=1, column=i + 1).comment for i in range(len(columns)))
    assert "không được nạp" in example["A1"].value.lower()
    assert [c.value for c in example[2]] == header and any(c.value for c in example[3])
    listed = {row[0].value: row for row in notes.iter_rows(min_row=5)}
    assert set(listed) == set(header)
    for column in columns:
        row = listed[header[columns.index(column)]]
        assert row[1].value == ("có" if column.required else "không")
        assert row[2].value, f"{column.name} has no note"
    # the template as downloaded loads nothing: the file has no rows (the example sheet is not read)
    buffer = io.BytesIO()
    book.save(buffer)
    result = load(kind, buffer.getvalue(), name="mau.xlsx")
    assert result.rows == 0 and result.inserted == 0


def test_filled_template_loads_and_lists_the_users_communes(client_for, user_for, load):
    from doluong.geo.models import Commune
    from doluong.registry.models import Instrument

    book = _template(client_for("ct.sokhcn"), "instruments")
    communes = book["Xã, phường"] if "Xã, phường" in book.sheetnames else None
    assert communes is not None, book.sheetnames
    listed = {row[0].value for row in communes.iter_rows(min_row=2)}
    assert listed == set(Commune.objects.filter(province_id="92").values_list("code", flat=True))
    types = book.worksheets[3]
    assert types.max_row > 10  # the catalogue
    data, example = book.worksheets[0], book.worksheets[1]
    # the user copies the example row and changes the serial
    for index, cell in enumerate(example[3], start=1):
        data.cell(row=2, column=index, value=cell.value)
    serial = [c.value for c in data[1]].index("Số sản xuất") + 1
    data.cell(row=2, column=serial, value="MAU-0001")
    buffer = io.BytesIO()
    book.save(buffer)
    result = load("instruments", buffer.getvalue(), name="mau.xlsx", user=user_for("ct.sokhcn"), source="MAU")
    assert result.ok, result.errors
    assert Instrument.objects.get(source="MAU").province_id == "92"


def test_upload_page_shows_what_each_column_accepts(client_for):
    html = client_for("ct.sokhcn").get("/registry/bulk/new/").content.decode()
    assert "Mã xã (5 chữ số) hoặc tên" in html
    assert "“Đang sử dụng”" in html


def test_filled_organisation_template_loads_the_copied_example(client_for, user_for, load):
    from doluong.parties.models import Organisation

    book = _template(client_for("ct.sokhcn"), "organisations")
    data, example = book.worksheets[0], book.worksheets[1]
    for index, cell in enumerate(example[3], start=1):
        data.cell(row=2, column=index, value=cell.value)
    buffer = io.BytesIO()
    book.save(buffer)
    result = load("organisations", buffer.getvalue(), name="mau.xlsx", user=user_for("ct.sokhcn"))
    assert result.ok, result.errors
    org = Organisation.objects.get(tax_code="9000000006")
    assert (org.kind, org.province_id) == ("enterprise", "92") and org.commune.province_id == "92"
