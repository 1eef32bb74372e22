"""Numbers in the verdicts the Vietnamese way: one helper (metrology.inspection.vn_number) writes a decimal comma,
no trailing zeros and dots between thousands only from 1.000 up; a check's explained verdict, the lot's
explanation and the inspection record use it. Every expectation is a literal string written by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from doluong.core.scope import principal
from doluong.geo.models import Commune
from doluong.inspections.documents import record_data
from doluong.inspections.models import Campaign, Inspection, InstrumentCheck, PrepackageLot, Site
from doluong.metrology.inspection import fuel_delivery, retail_counter_check, vn_number
from doluong.programs.models import Attendance, Training


@pytest.mark.parametrize(
    "value, places, expected",
    [
        (Decimal("2.000"), None, "2"),
        (Decimal("25.0"), None, "25"),
        (Decimal("50.0000"), None, "50"),
        (Decimal("0.3470"), None, "0,347"),
        (Decimal("-40.0000"), None, "-40"),
        (Decimal("999"), None, "999"),
        (Decimal("1000"), None, "1.000"),
        (Decimal("1250.5"), None, "1.250,5"),
        (Decimal("12500.0000"), None, "12.500"),
        (Decimal("1234567.891"), None, "1.234.567,891"),
        (Decimal("0.00001"), None, "0,00001"),
        (Decimal("1E+3"), None, "1.000"),
        (Decimal("0.346667"), 3, "0,347"),
        (Decimal("0.0005"), 3, "0,001"),  # half up
        (Decimal("-0.0001"), 3, "0"),  # never "-0"
        (0.1 + 0.2, 3, "0,3"),
        (300, None, "300"),
        (100000, None, "100.000"),
        (None, None, ""),
    ],
)
def test_vn_number_literals(value, places, expected):
    assert vn_number(value, places) == expected


def test_vn_number_significant_digits_and_text():
    assert vn_number(999.5666666666667, digits=6) == "999,567"
    assert vn_number(1000.0, digits=6) == "1.000"
    assert vn_number("không có") == "không có"


def test_library_explanations_use_it():
    # (20,07 − 20) / 20 × 100 = 0,35 %; limit 1,5 × 0,5 % = 0,75 %
    f = fuel_delivery("20.07", "20", mpe_percent="0.5")
    assert f.explanation == "Sai số 0,35 % không vượt quá 1,5 × 0,5 % = 0,75 % (giới hạn dương): đạt."
    # buying 1.000 g on a spring dial scale of Max 2 kg that shows 990 g: TT 09/2017 Table 2 allows 2 d = 20 g
    r = retail_counter_check(
        "990", "1000", "g", direction="buying", spring_dial=True, max_capacity="2000", d="10"
    )
    assert r.explanation == "Lượng thiếu 10 g không vượt quá lượng thiếu cho phép 20 g: đạt."


@pytest.fixture
def visit(user_for, db):
    officer = user_for("ct.xa")
    commune = Commune.objects.get(pk=principal(officer).scopes[0].commune_id)
    training = Training.objects.create(
        province_id=commune.province_id,
        date=dt.date(2025, 3, 1),
        title="Tập huấn kiểm tra nhà nước về đo lường",
    )
    leader = Attendance.objects.create(training=training, full_name="Lê Minh Tâm")
    campaign = Campaign.objects.create(
        province_id=commune.province_id,
        commune=commune,
        kind="thematic",
        year=2026,
        title="Kiểm tra cân tại chợ",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        leader_name="Lê Minh Tâm",
        leader_training=leader,
    )
    site = Site.objects.create(kind="shop", name="Cửa hàng Số Liệu", commune=commune)
    return Inspection.objects.create(
        campaign=campaign, site=site, date=dt.date(2026, 6, 1), inspector="Lê Minh Tâm"
    )


def test_scale_verdict_explained_the_vietnamese_way(visit):
    # class III, e = 50 g, Max 15 kg: MPE at initial verification 0,5 e = 25 g up to 500 e; in service 2 × 25 g
    check = InstrumentCheck(
        inspection=visit,
        kind="nawi",
        found_unregistered="Cân đồng hồ 15 kg",
        accuracy_class="III",
        e=Decimal("50.0000"),
        max_capacity=Decimal("15000.0000"),
        reference=Decimal("12500.0000"),
        indicated=Decimal("12460.0000"),
    )
    check.full_clean()
    assert check.explanation == "Sai số -40 g, giới hạn 2 × 25 g = 50 g (TT09-2017-SCALE)."
    assert check.verdict == "pass"
    check.save()
    row = record_data(visit)["checks"][0]
    assert (row["reference"], row["indicated"], row["error"], row["limit"]) == (
        "12.500",
        "12.460",
        "-40 g",
        "± 50 g",
    )


def test_fuel_verdict_explained_the_vietnamese_way(visit):
    check = InstrumentCheck(
        inspection=visit,
        kind="fuel_dispenser",
        found_unregistered="Cột đo xăng dầu số 2",
        reference=Decimal("20.0000"),
        indicated=Decimal("20.0700"),
        dispenser_mpe_percent=Decimal("0.500"),
    )
    check.full_clean()
    assert check.explanation == "Sai số 0,35 %, giới hạn 1,5 × 0,5 % = 0,75 % (TT15-2015-FUEL)."
    # over the limit: (20,2 − 20) / 20 × 100 = 1 %
    check.indicated = Decimal("20.2000")
    check.full_clean()
    assert check.verdict == "fail"
    assert check.explanation == "Sai số 1 %, giới hạn 1,5 × 0,5 % = 0,75 % (TT15-2015-FUEL)."


def test_lot_explanation_writes_thousands_with_a_dot(visit):
    lot = PrepackageLot(
        inspection=visit,
        product="Đường túi 1 kg",
        place="market",
        quantity_kind="mass",
        unit="g",
        nominal=Decimal("1000"),
        lot_size=1200,
        sample=" ".join(["1000"] * 80),
    )
    lot.full_clean()
    head = lot.explanation.splitlines()[0]
    assert head.startswith("Lô 1.200 đơn vị, mẫu ")
    assert "Qn = 1.000 g (T = 15 g)" in head
    assert "Giá trị trung bình 1.000 g, yêu cầu tối thiểu 1.000 g" in lot.explanation


def _fields(html: str) -> str:
    """The detail page's field list (core/object_detail.html), not its history table."""
    start = html.index('class="row object-fields')
    return html[start : html.index("</dl>", start)]


def test_pages_write_numbers_as_the_pdf_does(visit, client_for):
    from doluong.inspections.models import Finding, SanctionProvision

    check = InstrumentCheck(
        inspection=visit,
        kind="nawi",
        found_unregistered="Cân đồng hồ 15 kg",
        accuracy_class="III",
        e=Decimal("50.0000"),
        max_capacity=Decimal("15000.0000"),
        reference=Decimal("12500.0000"),
        indicated=Decimal("12460.0000"),
    )
    check.full_clean()
    check.save()
    client = client_for("ct.xa")
    page = _fields(client.get(check.get_absolute_url()).content.decode())
    # the record's PDF writes these figures "12.500", "12.460", "15.000", "-40" (test above): so does the page
    for shown in ("12.500", "12.460", "15.000", "-40", "50"):
        assert f">{shown}</dd>" in page, shown
    assert "12500" not in page and "12,5" not in page
    # the list of checks too
    listing = client.get("/inspections/checks/", {"inspection": visit.pk}).content.decode()
    # the list shows the error and the limit (not the test load): "-40" and "50", never "-40.000000"
    assert ">-40<" in listing and ">50<" in listing and "-40,000000" not in listing
    # a fine and the sanction table's band: dots between thousands
    provision = SanctionProvision.objects.get(code="V14-2-1")
    finding = Finding(
        inspection=visit,
        instrument_check=check,
        code="error_scale",
        description="Cân thiếu",
        provision=provision,
        sanction="fine",
        proposed_fine=7_500_000,
    )
    finding.full_clean()
    finding.save()
    html = client.get(finding.get_absolute_url()).content.decode()
    assert ">7.500.000</dd>" in _fields(html)
    assert ">5.000.000</td>" in html and ">10.000.000</td>" in html  # the candidates' band (V14-2-1)
    listing = client.get("/inspections/findings/").content.decode()
    assert "7.500.000" in listing and "7500000" not in listing
    sanction = client.get(provision.get_absolute_url()).content.decode()
    assert ">5.000.000</dd>" in _fields(sanction) and ">10.000.000</dd>" in _fields(sanction)
