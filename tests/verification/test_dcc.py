"""The DCC exporter: full certificates validate offline against the shipped XSDs, broken ones report clearly,
Vietnamese text round-trips, and every unit we map is a valid D-SI unit."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import socket
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from doluong.metrology.units import DIMENSIONS
from doluong.verification import dcc

NS = {"dcc": dcc.DCC_NS, "si": dcc.SI_NS}
REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "dcc"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Validation must never reach the network: any socket connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def lab() -> dcc.Contact:
    return dcc.Contact(
        name=dcc.Text("Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Cần Thơ", "Can Tho TSMQ Centre"),
        email="ttkt@cantho.gov.vn",
        phone="0292 3 820 000",
        address=dcc.Address(street="45 đường 3 Tháng 2", city="Phường Ninh Kiều", state="Thành phố Cần Thơ"),
    )


def customer() -> dcc.Contact:
    return dcc.Contact(
        name="Công ty TNHH Xăng dầu Tây Nam Bộ",
        email="",
        address=dcc.Address(street="Quốc lộ 91B", city="Phường An Bình", state="Thành phố Cần Thơ"),
    )


def fuel_dispenser() -> dcc.Certificate:
    def point(nominal, found, error, unc, verdict="pass"):
        return dcc.Point(
            conformity=verdict,
            quantities=[
                dcc.Quantity(
                    dcc.Text("Lưu lượng", "Flow rate"), nominal, "L/min", ref_type="basic_nominalValue"
                ),
                dcc.Quantity(dcc.Text("Thể tích chuẩn", "Reference volume"), "20.00", "L"),
                dcc.Quantity(dcc.Text("Thể tích chỉ thị", "Indicated volume"), found, "L"),
                dcc.Quantity(
                    dcc.Text("Sai số tương đối", "Relative error"),
                    error,
                    "%",
                    uncertainty=dcc.Uncertainty("0.08", 2, "0.95"),
                    ref_type="basic_measurementError",
                ),
                dcc.Quantity(dcc.Text("Sai số cho phép", "MPE"), "0.5", "%"),
                dcc.Quantity("Độ không đảm bảo đo mở rộng", unc, "L"),
            ],
        )

    return dcc.Certificate(
        number="4111 - 26 (YB)",
        receipt_date=dt.date(2026, 3, 2),
        begin_date=dt.date(2026, 3, 3),
        end_date=dt.date(2026, 3, 3),
        issue_date=dt.date(2026, 3, 4),
        valid_until=dt.date(2027, 3, 3),
        stamp_number="T-0012345",
        laboratory=lab(),
        laboratory_code="VLAT-123",
        customer=customer(),
        items=[
            dcc.Item(
                name=dcc.Text("Cột đo xăng dầu", "Fuel dispenser"),
                manufacturer="Tatsuno",
                model="SUNNY-E",
                serial="TS-2024-0815",
                identifications=[dcc.Identification("owner", "Vòi số 3", "Vòi bơm")],
            )
        ],
        results=[
            dcc.Result(
                name=dcc.Text("Kết quả hiệu chuẩn", "Calibration results"),
                methods=[
                    dcc.Method(dcc.Text("Cột đo nhiên liệu — Quy trình hiệu chuẩn"), norm="ĐLVN 10:2017")
                ],
                conditions=[
                    dcc.InfluenceCondition(
                        dcc.Text("Nhiệt độ môi trường", "Ambient temperature"), "30.5", "°C"
                    ),
                    dcc.InfluenceCondition(dcc.Text("Độ ẩm tương đối", "Relative humidity"), 78, "%RH"),
                ],
                equipment=[
                    dcc.Equipment(
                        "Bình chuẩn kim loại 20 L",
                        manufacturer="Seraphin",
                        serial="BC20-07",
                        certificate_number="V01.2025.331",
                    )
                ],
                points=[
                    point("40", "20.04", "0.20", "0.012"),
                    point("25", "20.03", "0.15", "0.012"),
                    point("10", "19.98", "-0.10", "0.012"),
                ],
            )
        ],
        responsible_persons=[
            dcc.ResponsiblePerson("Đặng Quốc Khoa", "Kiểm định viên"),
            dcc.ResponsiblePerson("Nguyễn Văn Hùng", "Giám đốc", main_signer=True),
        ],
        statements=[
            dcc.Statement(
                dcc.Text("Đạt yêu cầu theo ĐLVN 10:2017", "Conforms to ĐLVN 10:2017"),
                conformity="pass",
                norm="ĐLVN 10:2017",
            )
        ],
        comment="Kết quả chỉ có giá trị đối với phương tiện đo được hiệu chuẩn.",
    )


def scale() -> dcc.Certificate:
    nominals = ["0", "5", "10", "20", "30"]
    found = ["0.000", "5.005", "10.005", "19.990", "30.015"]
    points = []
    for n, f in zip(nominals, found, strict=True):
        error = Decimal(f) - Decimal(n)
        points.append(
            dcc.Point(
                conformity="pass",
                quantities=[
                    dcc.Quantity("Tải trọng danh định", n, "kg", ref_type="basic_nominalValue"),
                    dcc.Quantity("Số chỉ", f, "kg", ref_type="basic_measuredValue"),
                    dcc.Quantity(
                        "Sai số",
                        error,
                        "kg",
                        uncertainty=dcc.Uncertainty(Decimal("0.0029"), "2.0", "0.9545"),
                        ref_type="basic_measurementError",
                    ),
                    dcc.Quantity("Sai số cho phép", "0.015", "kg"),
                ],
            )
        )
    return dcc.Certificate(
        number="HC-2026-0007",
        begin_date=dt.date(2026, 5, 12),
        end_date=dt.date(2026, 5, 13),
        issue_date=dt.date(2026, 5, 14),
        laboratory=dataclasses.replace(
            lab(), name="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Cần Thơ"
        ),
        customer=customer(),
        items=[dcc.Item(name="Cân bàn điện tử", manufacturer="Vibra", model="HJ-30K", serial="VB30-99871")],
        results=[
            dcc.Result(
                name="Kết quả hiệu chuẩn cân",
                methods=[dcc.Method("Cân không tự động — Quy trình hiệu chuẩn", norm="ĐLVN 284:2018")],
                conditions=[dcc.InfluenceCondition("Nhiệt độ", "24.8", "°C")],
                points=points,
            )
        ],
        responsible_persons=[dcc.ResponsiblePerson("Bùi Thanh Tuấn", "Kiểm định viên", main_signer=True)],
        pdf=b"%PDF-1.7 fake pdf bytes",
    )


def test_schemas_are_shipped_unchanged():
    shipped = Path(dcc.__file__).resolve().parent / "dcc"
    names = {"dcc-3.1.2.xsd", "SI_Format-2.1.0.xsd", "README.md"}
    assert names <= {p.name for p in shipped.iterdir()}
    if REFERENCE.exists():  # only where the shared reference folder is present (never read at run time)
        for name in names:
            ours = hashlib.sha256((shipped / name).read_bytes()).hexdigest()
            theirs = hashlib.sha256((REFERENCE / name).read_bytes()).hexdigest()
            assert ours == theirs, name


def test_fuel_dispenser_certificate_validates():
    xml = dcc.build_dcc(fuel_dispenser())
    assert dcc.validate_dcc(xml) == []
    tree = etree.fromstring(xml)
    assert tree.get("schemaVersion") == "3.1.2"
    assert tree.findtext("dcc:administrativeData/dcc:coreData/dcc:uniqueIdentifier", namespaces=NS) == (
        "4111 - 26 (YB)"
    )
    core = tree.find("dcc:administrativeData/dcc:coreData", NS)
    assert core.findtext("dcc:countryCodeISO3166_1", namespaces=NS) == "VN"
    assert [e.text for e in core.findall("dcc:usedLangCodeISO639_1", NS)] == ["vi", "en"]
    assert core.findtext("dcc:beginPerformanceDate", namespaces=NS) == "2026-03-03"
    assert core.findtext("dcc:receiptDate", namespaces=NS) == "2026-03-02"
    points = tree.findall(".//dcc:results/dcc:result/dcc:data/dcc:list", NS)
    assert len(points) == 3
    first = points[0]
    units = [u.text for u in first.iterfind(".//si:unit", NS)]
    assert units == [r"\litre\minute\tothe{-1}", r"\litre", r"\litre", r"\percent", r"\percent", r"\litre"]
    unc = first.find(".//si:expandedUnc", NS)
    assert unc.findtext("si:uncertainty", namespaces=NS) == "0.08"
    assert unc.findtext("si:coverageFactor", namespaces=NS) == "2"
    assert unc.findtext("si:coverageProbability", namespaces=NS) == "0.95"
    conditions = tree.findall(".//dcc:influenceCondition", NS)
    assert [c.findtext(".//si:unit", namespaces=NS) for c in conditions] == [r"\degreecelsius", r"\percent"]
    conformity = [c.text for c in tree.iterfind(".//dcc:conformity", NS)]
    assert conformity == ["pass", "pass", "pass", "pass"]
    dates = {
        s.get("refType"): s.findtext("dcc:date", namespaces=NS)
        for s in tree.iterfind("dcc:administrativeData/dcc:statements/dcc:statement", NS)
    }
    assert dates["doluong_issueDate"] == "2026-03-04" and dates["doluong_validUntil"] == "2027-03-03"


def test_scale_certificate_with_five_points_validates_and_embeds_the_pdf():
    xml = dcc.build_dcc(scale())
    assert dcc.validate_dcc(xml) == []
    tree = etree.fromstring(xml)
    points = tree.findall(".//dcc:results/dcc:result/dcc:data/dcc:list", NS)
    assert len(points) == 5
    errors = [
        Decimal(p.find("dcc:quantity[@refType='basic_measurementError']/si:real/si:value", NS).text)
        for p in points
    ]
    assert errors == [
        Decimal("0.000"),
        Decimal("0.005"),
        Decimal("0.005"),
        Decimal("-0.010"),
        Decimal("0.015"),
    ]
    assert [e.text for e in tree.findall(".//dcc:mandatoryLangCodeISO639_1", NS)] == ["vi"]
    document = tree.find("dcc:document", NS)
    assert base64.b64decode(document.findtext("dcc:dataBase64", namespaces=NS)) == b"%PDF-1.7 fake pdf bytes"


def test_vietnamese_text_round_trips():
    cert = fuel_dispenser()
    cert.items[0].name = dcc.Text(unicodedata.normalize("NFD", "Cột đo xăng dầu"), "Fuel dispenser")
    xml = dcc.build_dcc(cert)
    assert dcc.validate_dcc(xml) == []
    assert "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Cần Thơ".encode() in xml  # UTF-8, not entities
    tree = etree.fromstring(xml)
    texts = {e.text for e in tree.iterfind(".//dcc:content[@lang='vi']", NS)}
    for expected in (
        "Cột đo xăng dầu",  # stored NFC even when given NFD
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Cần Thơ",
        "Công ty TNHH Xăng dầu Tây Nam Bộ",
        "Nhiệt độ môi trường",
        "Đạt yêu cầu theo ĐLVN 10:2017",
    ):
        assert expected in texts
    assert tree.findtext(".//dcc:usedMethod/dcc:norm", namespaces=NS) == "ĐLVN 10:2017"
    persons = [e.text for e in tree.iterfind(".//dcc:respPerson/dcc:person/dcc:name/dcc:content", NS)]
    assert persons == ["Đặng Quốc Khoa", "Nguyễn Văn Hùng"]
    assert tree.findtext(".//dcc:location/dcc:street", namespaces=NS) == "45 đường 3 Tháng 2"


def test_broken_document_reports_a_clear_error():
    tree = etree.fromstring(dcc.build_dcc(fuel_dispenser()))
    core = tree.find("dcc:administrativeData/dcc:coreData", NS)
    core.remove(core.find("dcc:beginPerformanceDate", NS))
    problems = dcc.validate_dcc(etree.tostring(tree))
    assert problems
    assert any("coreData" in p and "beginPerformanceDate" in p for p in problems), problems
    assert all(p.startswith("dòng ") for p in problems)

    tree = etree.fromstring(dcc.build_dcc(fuel_dispenser()))
    value = tree.find(".//si:real/si:value", NS)
    value.text = "12,5"  # a decimal comma is not a D-SI number
    problems = dcc.validate_dcc(etree.tostring(tree))
    assert len(problems) == 1 and "si:value" in problems[0] and "pattern" in problems[0], problems

    tree = etree.fromstring(dcc.build_dcc(fuel_dispenser()))
    tree.find(".//si:unit", NS).text = r"\litre\per\minute"
    problems = dcc.validate_dcc(etree.tostring(tree))
    assert problems == [problems[0]] and r"\per" in problems[0], problems

    assert dcc.validate_dcc(b"<not-xml")[0].startswith("XML không đọc được")


def test_missing_data_is_refused_before_building():
    cert = dataclasses.replace(fuel_dispenser(), number=" ", items=[])
    with pytest.raises(dcc.DCCError) as exc:
        dcc.build_dcc(cert)
    assert "Thiếu số giấy chứng nhận (uniqueIdentifier)." in exc.value.problems
    assert "Thiếu phương tiện đo được hiệu chuẩn (items)." in exc.value.problems

    cert = fuel_dispenser()
    cert.results[0].points[0].quantities[0].unit = "gallon"
    cert.results[0].points[1].quantities[1].value = "abc"
    with pytest.raises(dcc.DCCError) as exc:
        dcc.build_dcc(cert)
    text = str(exc.value)
    assert "Đơn vị “gallon” chưa có trong bảng đơn vị D-SI" in text
    assert "giá trị “abc” không phải là số" in text


def test_non_si_units_are_converted_exactly():
    dsi, factor = dcc.dsi_unit("mmHg")
    assert dsi == r"\pascal" and factor * 760 == 101_325
    cert = scale()
    cert.results[0].points = [
        dcc.Point([dcc.Quantity("Áp suất", "120", "mmHg", uncertainty=dcc.Uncertainty("1.5"))]),
        dcc.Point([dcc.Quantity("Áp suất", "2.5", "bar")]),
    ]
    xml = dcc.build_dcc(cert)
    assert dcc.validate_dcc(xml) == []
    reals = etree.fromstring(xml).findall(".//dcc:list//si:real", NS)
    mmhg = reals[0]
    assert mmhg.findtext("si:label", namespaces=NS) == "120 mmHg"
    # 120 mmHg = 120 × 101325/760 Pa = 15998.684… Pa
    pascal = Decimal(mmhg.findtext("si:value", namespaces=NS))
    assert abs(pascal - Decimal(120 * 101325) / 760) < Decimal("0.01")
    assert abs(Decimal(mmhg.findtext(".//si:uncertainty", namespaces=NS)) - Decimal("199.98")) < Decimal(
        "0.01"
    )
    assert reals[1].findtext("si:value", namespaces=NS) == "250"
    assert reals[1].findtext("si:unit", namespaces=NS) == r"\kilo\pascal"


TINY = """<?xml version="1.0" encoding="UTF-8"?>
<si:real xmlns:si="https://ptb.de/si"><si:value>1.5</si:value><si:unit>{unit}</si:unit></si:real>"""


def test_every_metrology_unit_has_a_dsi_mapping():
    ours = {unit for table in DIMENSIONS.values() for unit in table}
    missing = ours - set(dcc.DSI_UNITS)
    assert not missing, f"units of doluong.metrology.units without a D-SI mapping: {sorted(missing)}"


@pytest.mark.parametrize("unit", sorted(dcc.DSI_UNITS))
def test_every_mapped_unit_is_valid_dsi_in_a_tiny_document(unit):
    dsi, factor = dcc.DSI_UNITS[unit]
    assert factor > 0
    assert dcc.check_dsi_unit(dsi) == [], dsi
    xml = TINY.format(unit=dsi).encode()
    # the D-SI element itself is schema-valid
    assert dcc._schema().is_valid(xmlschema.XMLResource(etree.fromstring(xml), allow="none"))
    # and inside a full certificate the validator accepts it
    cert = scale()
    cert.results[0].points = [dcc.Point([dcc.Quantity("Giá trị", "1.5", unit)])]
    assert dcc.validate_dcc(dcc.build_dcc(cert)) == []


@pytest.mark.parametrize(
    "bad",
    [
        r"\metre\tothe",  # exponent missing
        r"\kilo",  # prefix alone
        r"\kilo\milli\metre",  # two prefixes
        r"\milli\kilogram",  # kilogram takes no prefix
        r"\tothe{2}\metre",  # power before the unit
        r"\meter",  # American spelling is not D-SI
        r"m/s",  # plain symbols
        r"\metre \second",  # spaces
        r"\metre\tothe{0}",
        "",
    ],
)
def test_bad_dsi_units_are_reported(bad):
    assert dcc.check_dsi_unit(bad)
