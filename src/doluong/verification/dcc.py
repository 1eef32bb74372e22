"""PTB Digital Calibration Certificate (DCC 3.1.2) export and offline validation.

A pure module: it knows nothing of the database. The caller describes a calibration certificate with the
dataclasses below (`Certificate` and its parts), then

    xml = build_dcc(cert)            # bytes, UTF-8, DCC 3.1.2 with D-SI 2.1.0 quantities
    problems = validate_dcc(xml)     # [] when the XML is valid; otherwise readable messages

`validate_dcc` checks the document against the XSD files shipped in `verification/dcc/` (PTB DCC 3.1.2 and
D-SI 2.1.0, unchanged) without any network access (the D-SI import is mapped to the local file and
xmlschema runs in sandbox mode), and also checks every `si:unit` string against the D-SI unit grammar,
which the XSD leaves as free text. DCC 3.1.2 has no XML-signature element, so no xmldsig schema is needed.

Units: callers give our own unit symbols (`"L"`, `"kg"`, `"kWh"`, `"°C"` … as in `doluong.metrology.units`);
`dsi_unit()` maps them to D-SI (`\\litre`, `\\kilogram`, `\\kilo\\watt\\hour`, `\\degreecelsius`). Units that
D-SI does not accept (bar, mmHg) are converted exactly to an SI unit and the original reading is kept in
the quantity's label. See docs/dcc.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from lxml import etree

__all__ = [
    "DCC_NS",
    "SCHEMA_VERSION",
    "SI_NS",
    "Address",
    "Certificate",
    "Contact",
    "DCCError",
    "Equipment",
    "Identification",
    "InfluenceCondition",
    "Item",
    "Method",
    "Point",
    "Quantity",
    "ResponsiblePerson",
    "Result",
    "Software",
    "Statement",
    "Text",
    "Uncertainty",
    "build_dcc",
    "check_dsi_unit",
    "dsi_unit",
    "validate_dcc",
]

DCC_NS = "https://ptb.de/dcc"
SI_NS = "https://ptb.de/si"
SCHEMA_VERSION = "3.1.2"
SCHEMA_DIR = Path(__file__).resolve().parent / "dcc"
DCC_XSD = SCHEMA_DIR / "dcc-3.1.2.xsd"
SI_XSD = SCHEMA_DIR / "SI_Format-2.1.0.xsd"
SCHEMA_LOCATION = f"{DCC_NS} https://ptb.de/dcc/v{SCHEMA_VERSION}/dcc.xsd"

_NSMAP = {"dcc": DCC_NS, "si": SI_NS}


class DCCError(ValueError):
    """The certificate lacks data the DCC requires; `problems` names each missing or bad field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


# ------------------------------------------------------------------------------------------ the data


@dataclass
class Text:
    """A text in Vietnamese and optionally English (`dcc:content lang="vi"/"en"`)."""

    vi: str
    en: str = ""

    @classmethod
    def of(cls, value: Text | str | None) -> Text:
        if isinstance(value, Text):
            return value
        return cls(vi=value or "")


@dataclass
class Address:
    street: str = ""
    city: str = ""  # commune / ward (xã, phường)
    state: str = ""  # province
    post_code: str = ""
    country: str = "VN"


@dataclass
class Contact:
    name: Text | str
    email: str = ""
    phone: str = ""
    address: Address = field(default_factory=Address)


@dataclass
class Software:
    name: str
    release: str
    type: str = "application"


@dataclass
class Identification:
    """An identifier of an item: `issuer` is one of manufacturer, calibrationLaboratory, customer, owner,
    other."""

    issuer: str
    value: str
    name: Text | str = ""


@dataclass
class Item:
    """The calibrated instrument."""

    name: Text | str
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    identifications: list[Identification] = field(default_factory=list)
    description: Text | str = ""


@dataclass
class Equipment:
    """A measurement standard used (the traceability link)."""

    name: Text | str
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    certificate_number: str = ""
    valid_until: dt.date | None = None


@dataclass
class ResponsiblePerson:
    name: str
    role: str = ""
    main_signer: bool = False


@dataclass
class Uncertainty:
    """Expanded uncertainty U = k·u, in the unit of its quantity."""

    expanded: Decimal | float | int | str
    coverage_factor: Decimal | float | int | str = 2
    coverage_probability: Decimal | float | str = "0.95"
    distribution: str = "normal"


@dataclass
class Quantity:
    """One value with its unit (our symbol, e.g. "L", "kg", "°C") and optional expanded uncertainty.
    `ref_type` is the DCC refType (e.g. "basic_nominalValue", "basic_measuredValue", "basic_measurementError")."""

    name: Text | str
    value: Decimal | float | int | str
    unit: str
    uncertainty: Uncertainty | None = None
    ref_type: str = ""


@dataclass
class Point:
    """One measurement point: its quantities (nominal, reference, indication, error, MPE…) and verdict."""

    quantities: list[Quantity]
    name: Text | str = ""
    conformity: str | None = None  # "pass" | "fail" | None


@dataclass
class Method:
    name: Text | str
    norm: str = ""  # e.g. "ĐLVN 10:2017"
    description: Text | str = ""


@dataclass
class InfluenceCondition:
    name: Text | str
    value: Decimal | float | int | str
    unit: str
    ref_type: str = ""


@dataclass
class Result:
    """One measurement result block: method, conditions, standards used and the points."""

    name: Text | str
    points: list[Point]
    methods: list[Method] = field(default_factory=list)
    conditions: list[InfluenceCondition] = field(default_factory=list)
    equipment: list[Equipment] = field(default_factory=list)


@dataclass
class Statement:
    """A statement on the certificate (conformity, validity, remarks)."""

    declaration: Text | str
    conformity: str | None = None  # pass | fail | conditionalPass | conditionalFail | noPass | noFail
    norm: str = ""
    date: dt.date | None = None
    valid: bool | None = None
    ref_type: str = ""


@dataclass
class Certificate:
    """A calibration certificate as the DCC needs it. `number` becomes the DCC's unique identifier."""

    number: str
    begin_date: dt.date
    end_date: dt.date
    issue_date: dt.date
    laboratory: Contact
    customer: Contact
    items: list[Item]
    results: list[Result]
    responsible_persons: list[ResponsiblePerson]
    software: list[Software] = field(default_factory=lambda: [Software("doluong", "1.0")])
    laboratory_code: str = ""  # e.g. the registration or accreditation number
    receipt_date: dt.date | None = None
    valid_until: dt.date | None = None
    stamp_number: str = ""
    #: the "valid until" statement's `dcc:valid` (False: the certificate revoked or superseded since its issue)
    valid: bool = True
    performance_location: str = (
        "laboratory"  # laboratory | customer | laboratoryBranch | customerBranch | other
    )
    country: str = "VN"
    statements: list[Statement] = field(default_factory=list)
    comment: Text | str = ""  # a remark, exported as a statement
    pdf: bytes | None = None  # the human-readable certificate, embedded as dcc:document
    pdf_name: str = "certificate.pdf"


# ------------------------------------------------------------------------------------------ units

#: our unit symbol -> (D-SI unit, factor): value_in_dsi = value * factor
DSI_UNITS: dict[str, tuple[str, Fraction]] = {
    # mass
    "mg": (r"\milli\gram", Fraction(1)),
    "g": (r"\gram", Fraction(1)),
    "kg": (r"\kilogram", Fraction(1)),
    "t": (r"\tonne", Fraction(1)),
    # volume
    "mL": (r"\milli\litre", Fraction(1)),
    "cL": (r"\centi\litre", Fraction(1)),
    "dL": (r"\deci\litre", Fraction(1)),
    "L": (r"\litre", Fraction(1)),
    "dm3": (r"\deci\metre\tothe{3}", Fraction(1)),
    "m3": (r"\metre\tothe{3}", Fraction(1)),
    # length and area
    "mm": (r"\milli\metre", Fraction(1)),
    "cm": (r"\centi\metre", Fraction(1)),
    "dm": (r"\deci\metre", Fraction(1)),
    "m": (r"\metre", Fraction(1)),
    "km": (r"\kilo\metre", Fraction(1)),
    "cm2": (r"\centi\metre\tothe{2}", Fraction(1)),
    "dm2": (r"\deci\metre\tothe{2}", Fraction(1)),
    "m2": (r"\metre\tothe{2}", Fraction(1)),
    # count
    "items": (r"\one", Fraction(1)),
    "pcs": (r"\one", Fraction(1)),
    "1": (r"\one", Fraction(1)),
    # time
    "ms": (r"\milli\second", Fraction(1)),
    "s": (r"\second", Fraction(1)),
    "min": (r"\minute", Fraction(1)),
    "h": (r"\hour", Fraction(1)),
    # pressure (bar and mmHg are not D-SI units: converted exactly to SI)
    "Pa": (r"\pascal", Fraction(1)),
    "kPa": (r"\kilo\pascal", Fraction(1)),
    "MPa": (r"\mega\pascal", Fraction(1)),
    "bar": (r"\kilo\pascal", Fraction(100)),
    "mmHg": (r"\pascal", Fraction(101_325, 760)),
    # energy and power
    "Wh": (r"\watt\hour", Fraction(1)),
    "kWh": (r"\kilo\watt\hour", Fraction(1)),
    "MWh": (r"\mega\watt\hour", Fraction(1)),
    # reactive energy: var is not a named SI unit; V·A·h has the same dimension
    "varh": (r"\volt\ampere\hour", Fraction(1)),
    "kvarh": (r"\kilo\volt\ampere\hour", Fraction(1)),
    "Mvarh": (r"\mega\volt\ampere\hour", Fraction(1)),
    "W": (r"\watt", Fraction(1)),
    "kW": (r"\kilo\watt", Fraction(1)),
    # flow rate
    "L/h": (r"\litre\hour\tothe{-1}", Fraction(1)),
    "L/min": (r"\litre\minute\tothe{-1}", Fraction(1)),
    "m3/h": (r"\metre\tothe{3}\hour\tothe{-1}", Fraction(1)),
    # electricity
    "mA": (r"\milli\ampere", Fraction(1)),
    "A": (r"\ampere", Fraction(1)),
    "V": (r"\volt", Fraction(1)),
    "Hz": (r"\hertz", Fraction(1)),
    # conditions
    "°C": (r"\degreecelsius", Fraction(1)),
    "K": (r"\kelvin", Fraction(1)),
    "%": (r"\percent", Fraction(1)),
    "%RH": (r"\percent", Fraction(1)),
    "N": (r"\newton", Fraction(1)),
    "kN": (r"\kilo\newton", Fraction(1)),
}

_UNIT_ALIASES = {
    "l": "L",
    "ml": "mL",
    "m³": "m3",
    "m²": "m2",
    "kwh": "kWh",
    "mmhg": "mmHg",
    "kpa": "kPa",
    "pc": "pcs",
    "℃": "°C",
    "oc": "°C",
    "%rh": "%RH",
}

_PREFIXES = {
    "quecto", "ronto", "yocto", "zepto", "atto", "femto", "pico", "nano", "micro", "milli", "centi", "deci",
    "deca", "hecto", "kilo", "mega", "giga", "tera", "peta", "exa", "zetta", "yotta", "ronna", "quetta",
}  # fmt: skip
_UNITS = {
    # SI base and derived units with special names
    "metre", "kilogram", "gram", "second", "ampere", "kelvin", "mole", "candela", "radian", "steradian",
    "hertz", "newton", "pascal", "joule", "watt", "coulomb", "volt", "farad", "ohm", "siemens", "weber",
    "tesla", "henry", "degreecelsius", "lumen", "lux", "becquerel", "gray", "sievert", "katal",
    # non-SI units accepted for use with the SI (SI brochure, 9th edition, table 8)
    "day", "hour", "minute", "degree", "arcminute", "arcsecond", "hectare", "litre", "tonne",
    "electronvolt", "dalton", "astronomicalunit", "neper", "bel", "decibel",
    # D-SI additions
    "one", "percent", "ppm", "byte", "bit",
}  # fmt: skip
_NO_PREFIX = {"kilogram", "one", "percent", "ppm", "day", "hour", "minute", "degree", "arcminute",
              "arcsecond", "hectare", "degreecelsius", "astronomicalunit"}  # fmt: skip
_TOKEN = re.compile(r"\\([a-z]+)(?:\{([^{}]*)\})?")


def check_dsi_unit(unit: str) -> list[str]:
    """Problems with a D-SI unit string (empty list = valid). Grammar: a product of terms
    `[\\prefix]\\unit[\\tothe{n}]`; no spaces, no `\\per` (division is a negative power)."""
    if not unit:
        return ["empty unit"]
    problems: list[str] = []
    position = 0
    expecting_unit_after_prefix = False
    last_was_unit = False
    for match in _TOKEN.finditer(unit):
        if match.start() != position:
            problems.append(f"unexpected text {unit[position : match.start()]!r}")
        position = match.end()
        name, argument = match.group(1), match.group(2)
        if name == "tothe":
            if not last_was_unit:
                problems.append(r"\tothe must follow a unit")
            if argument is None or not re.fullmatch(r"-?\d+(\.\d+)?", argument) or float(argument) == 0:
                problems.append(f"bad exponent {argument!r} in \\tothe")
            last_was_unit = False
            continue
        if argument is not None:
            problems.append(f"\\{name} takes no argument")
        if name in _PREFIXES:
            if expecting_unit_after_prefix:
                problems.append(f"two prefixes in a row (\\{name})")
            expecting_unit_after_prefix = True
            last_was_unit = False
        elif name in _UNITS:
            if expecting_unit_after_prefix and name in _NO_PREFIX:
                problems.append(f"\\{name} takes no prefix")
            expecting_unit_after_prefix = False
            last_was_unit = True
        else:
            problems.append(f"unknown D-SI identifier \\{name}")
            expecting_unit_after_prefix = False
            last_was_unit = True
    if position != len(unit):
        problems.append(f"unexpected text {unit[position:]!r}")
    if expecting_unit_after_prefix:
        problems.append("a prefix without a unit")
    return problems


def dsi_unit(unit: str) -> tuple[str, Fraction]:
    """The D-SI spelling of one of our unit symbols and the exact factor to apply to values."""
    symbol = unit.strip()
    if symbol not in DSI_UNITS:
        symbol = _UNIT_ALIASES.get(symbol.lower(), symbol)
    try:
        return DSI_UNITS[symbol]
    except KeyError:
        raise DCCError(
            [f"Đơn vị “{unit}” chưa có trong bảng đơn vị D-SI (unit not mapped to D-SI)."]
        ) from None


# ------------------------------------------------------------------------------------------ building


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidOperation
        result = Decimal(repr(value))
    else:
        result = Decimal(str(value).strip().replace(",", "."))
    if not result.is_finite():
        raise InvalidOperation
    return result


def _fmt(value: Decimal) -> str:
    """A decimal in the D-SI pattern (no thousands separators, '.' as decimal mark, no exponent)."""
    text = format(value, "f")
    return "0" if text in ("-0", "+0") else text


def _scaled(value, factor: Fraction) -> Decimal:
    number = _decimal(value)
    if factor == 1:
        return number
    exact = Fraction(number) * factor
    result = Decimal(exact.numerator) / Decimal(exact.denominator)
    return result.quantize(Decimal(1).scaleb(-max(0, 6 - result.adjusted()))).normalize()


def _el(parent, tag: str, text: str | None = None, ns: str = DCC_NS, **attrs):
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", **{k: v for k, v in attrs.items() if v})
    if text is not None:
        element.text = text
    return element


def _text(parent, tag: str, value: Text | str, **attrs):
    value = Text.of(value)
    element = _el(parent, tag, **attrs)
    _el(element, "content", _nfc(value.vi), lang="vi")
    if value.en:
        _el(element, "content", _nfc(value.en), lang="en")
    return element


def _rich(parent, tag: str, value: Text | str):
    return _text(parent, tag, value)  # richContentType accepts the same content elements


def _location(parent, address: Address):
    location = _el(parent, "location")
    for tag, value in (
        ("street", address.street),
        ("postCode", address.post_code),
        ("city", address.city),
        ("state", address.state),
    ):
        if value:
            _el(location, tag, _nfc(value))
    _el(location, "countryCode", address.country or "VN")
    return location


def _contact(parent, tag: str, contact: Contact, strict: bool = True):
    element = _el(parent, tag)
    _text(element, "name", contact.name)
    if strict or contact.email:
        _el(element, "eMail", contact.email)
    if contact.phone:
        _el(element, "phone", contact.phone)
    if strict or any((contact.address.street, contact.address.city, contact.address.state)):
        _location(element, contact.address)
    return element


def _real(parent, quantity_value, unit: str, uncertainty: Uncertainty | None, label: str = ""):
    dsi, factor = dsi_unit(unit)
    real = _el(parent, "real", ns=SI_NS)
    if factor != 1:
        label = label or f"{_fmt(_decimal(quantity_value))} {unit}"
    if label:
        _el(real, "label", _nfc(label), ns=SI_NS)
    _el(real, "value", _fmt(_scaled(quantity_value, factor)), ns=SI_NS)
    _el(real, "unit", dsi, ns=SI_NS)
    if uncertainty is not None:
        unc = _el(real, "expandedUnc", ns=SI_NS)
        _el(unc, "uncertainty", _fmt(abs(_scaled(uncertainty.expanded, factor))), ns=SI_NS)
        _el(unc, "coverageFactor", _fmt(_decimal(uncertainty.coverage_factor)), ns=SI_NS)
        _el(unc, "coverageProbability", _fmt(_decimal(uncertainty.coverage_probability)), ns=SI_NS)
        if uncertainty.distribution:
            _el(unc, "distribution", uncertainty.distribution, ns=SI_NS)
    return real


def _quantity(parent, quantity: Quantity):
    element = _el(parent, "quantity", refType=quantity.ref_type)
    _text(element, "name", quantity.name)
    _real(element, quantity.value, quantity.unit, quantity.uncertainty)
    return element


def _identifications(parent, identifications: list[Identification]):
    element = _el(parent, "identifications")
    for ident in identifications:
        item = _el(element, "identification")
        _el(item, "issuer", ident.issuer)
        _el(item, "value", _nfc(ident.value))
        if Text.of(ident.name).vi:
            _text(item, "name", ident.name)
    return element


def _item_identifications(item: Item | Equipment) -> list[Identification]:
    idents = []
    if item.serial:
        idents.append(Identification("manufacturer", item.serial, Text("Số sản xuất", "Serial number")))
    idents.extend(getattr(item, "identifications", []))
    if isinstance(item, Equipment) and item.certificate_number:
        idents.append(
            Identification(
                "other",
                item.certificate_number,
                Text("Số giấy chứng nhận hiệu chuẩn", "Calibration certificate"),
            )
        )
    return idents


def _check(cert: Certificate) -> list[str]:
    problems = []
    if not (cert.number or "").strip():
        problems.append("Thiếu số giấy chứng nhận (uniqueIdentifier).")
    if cert.begin_date and cert.end_date and cert.end_date < cert.begin_date:
        problems.append("Ngày kết thúc hiệu chuẩn trước ngày bắt đầu (endPerformanceDate).")
    if not Text.of(cert.laboratory.name).vi:
        problems.append("Thiếu tên phòng thí nghiệm hiệu chuẩn (calibrationLaboratory).")
    if not Text.of(cert.customer.name).vi:
        problems.append("Thiếu tên khách hàng (customer).")
    if not cert.items:
        problems.append("Thiếu phương tiện đo được hiệu chuẩn (items).")
    for number, item in enumerate(cert.items, start=1):
        if not Text.of(item.name).vi:
            problems.append(f"Phương tiện đo {number}: thiếu tên (items/item/name).")
        if not _item_identifications(item):
            problems.append(
                f"Phương tiện đo {number}: thiếu số sản xuất hoặc mã nhận dạng (identifications)."
            )
    if not cert.responsible_persons:
        problems.append("Thiếu người chịu trách nhiệm (respPersons).")
    if not cert.results:
        problems.append("Thiếu kết quả đo (measurementResults).")
    for r_number, result in enumerate(cert.results, start=1):
        if not result.points:
            problems.append(f"Kết quả {r_number}: không có điểm đo nào (results).")
        values = [(q.name, q.value, q.unit, q.uncertainty) for p in result.points for q in p.quantities]
        values += [(c.name, c.value, c.unit, None) for c in result.conditions]
        for name, value, unit, uncertainty in values:
            label = Text.of(name).vi
            try:
                _decimal(value)
                if uncertainty is not None:
                    _decimal(uncertainty.expanded)
                    if _decimal(uncertainty.coverage_factor) < 1:
                        problems.append(f"Kết quả {r_number}, “{label}”: hệ số phủ k phải ≥ 1.")
                    if not 0 < _decimal(uncertainty.coverage_probability) <= 1:
                        problems.append(f"Kết quả {r_number}, “{label}”: xác suất phủ phải trong (0, 1].")
            except (InvalidOperation, ValueError):
                problems.append(f"Kết quả {r_number}, “{label}”: giá trị “{value}” không phải là số.")
            try:
                dsi_unit(unit)
            except DCCError as exc:
                problems.extend(f"Kết quả {r_number}, “{label}”: {p}" for p in exc.problems)
        for point in result.points:
            if point.conformity not in (None, "pass", "fail"):
                problems.append(f"Kết quả {r_number}: kết luận “{point.conformity}” không hợp lệ.")
    return problems


def build_dcc(cert: Certificate) -> bytes:
    """The DCC 3.1.2 XML of `cert` (UTF-8 bytes). Raises DCCError naming each missing or bad field."""
    problems = _check(cert)
    if problems:
        raise DCCError(problems)
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    root = etree.Element(
        f"{{{DCC_NS}}}digitalCalibrationCertificate",
        nsmap={**_NSMAP, "xsi": xsi},
        schemaVersion=SCHEMA_VERSION,
    )
    root.set(f"{{{xsi}}}schemaLocation", SCHEMA_LOCATION)
    languages = ["vi", "en"]  # the fixed labels are bilingual; Vietnamese is mandatory

    admin = _el(root, "administrativeData")
    software = _el(admin, "dccSoftware")
    for sw in cert.software:
        element = _el(software, "software")
        _text(element, "name", Text(sw.name))
        _el(element, "release", sw.release)
        _el(element, "type", sw.type)

    core = _el(admin, "coreData")
    _el(core, "countryCodeISO3166_1", cert.country)
    for lang in languages:
        _el(core, "usedLangCodeISO639_1", lang)
    _el(core, "mandatoryLangCodeISO639_1", "vi")
    _el(core, "uniqueIdentifier", _nfc(cert.number))
    if cert.stamp_number:
        _identifications(
            core,
            [Identification("calibrationLaboratory", cert.stamp_number, Text("Số tem", "Stamp number"))],
        )
    if cert.receipt_date:
        _el(core, "receiptDate", cert.receipt_date.isoformat())
    _el(core, "beginPerformanceDate", cert.begin_date.isoformat())
    _el(core, "endPerformanceDate", cert.end_date.isoformat())
    _el(core, "performanceLocation", cert.performance_location)

    items = _el(admin, "items")
    for number, item in enumerate(cert.items, start=1):
        element = _el(items, "item", id=f"item{number}")
        _text(element, "name", item.name)
        if Text.of(item.description).vi:
            _rich(element, "description", item.description)
        manufacturer = _el(element, "manufacturer")
        _text(manufacturer, "name", item.manufacturer or "—")
        if item.model:
            _el(element, "model", _nfc(item.model))
        _identifications(element, _item_identifications(item))

    lab = _el(admin, "calibrationLaboratory")
    if cert.laboratory_code:
        _el(lab, "calibrationLaboratoryCode", cert.laboratory_code)
    _contact(lab, "contact", cert.laboratory)

    persons = _el(admin, "respPersons")
    for person in cert.responsible_persons:
        element = _el(persons, "respPerson")
        _contact(element, "person", Contact(name=person.name), strict=False)
        if person.role:
            _el(element, "role", _nfc(person.role))
        if person.main_signer:
            _el(element, "mainSigner", "true")

    _contact(admin, "customer", cert.customer)

    statements = [
        Statement(
            Text("Ngày cấp giấy chứng nhận", "Date of issue"),
            date=cert.issue_date,
            ref_type="doluong_issueDate",
        ),
        *(
            [
                Statement(
                    Text("Giấy chứng nhận có hiệu lực đến ngày", "Valid until"),
                    date=cert.valid_until,
                    valid=cert.valid,
                    ref_type="doluong_validUntil",
                )
            ]
            if cert.valid_until
            else []
        ),
        *cert.statements,
        *([Statement(cert.comment, ref_type="doluong_remark")] if Text.of(cert.comment).vi else []),
    ]
    statement_list = _el(admin, "statements")
    for statement in statements:
        _statement(statement_list, "statement", statement)

    results = _el(root, "measurementResults")
    for result in cert.results:
        _result(results, result)

    if cert.pdf:
        document = _el(root, "document")
        _el(document, "fileName", cert.pdf_name)
        _el(document, "mimeType", "application/pdf")
        _el(document, "dataBase64", base64.b64encode(cert.pdf).decode("ascii"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _statement(parent, tag: str, statement: Statement):
    element = _el(parent, tag, refType=statement.ref_type)
    if statement.norm:
        _el(element, "norm", _nfc(statement.norm))
    _rich(element, "declaration", statement.declaration)
    if statement.valid is not None:
        _el(element, "valid", "true" if statement.valid else "false")
    if statement.date:
        _el(element, "date", statement.date.isoformat())
    if statement.conformity:
        _el(element, "conformity", statement.conformity)
    return element


def _result(parent, result: Result):
    element = _el(parent, "measurementResult")
    _text(element, "name", result.name)
    if result.methods:
        methods = _el(element, "usedMethods")
        for method in result.methods:
            used = _el(methods, "usedMethod")
            _text(used, "name", method.name)
            if Text.of(method.description).vi:
                _rich(used, "description", method.description)
            if method.norm:
                _el(used, "norm", _nfc(method.norm))
    if result.equipment:
        equipments = _el(element, "measuringEquipments")
        for equipment in result.equipment:
            eq = _el(equipments, "measuringEquipment")
            _text(eq, "name", equipment.name)
            if equipment.manufacturer:
                manufacturer = _el(eq, "manufacturer")
                _text(manufacturer, "name", equipment.manufacturer)
            if equipment.model:
                _el(eq, "model", _nfc(equipment.model))
            idents = _item_identifications(equipment)
            if idents:
                _identifications(eq, idents)
    if result.conditions:
        conditions = _el(element, "influenceConditions")
        for condition in result.conditions:
            cond = _el(conditions, "influenceCondition", refType=condition.ref_type)
            _text(cond, "name", condition.name)
            data = _el(cond, "data")
            quantity = _el(data, "quantity")
            _real(quantity, condition.value, condition.unit, None)
    results = _el(element, "results")
    block = _el(results, "result")
    _text(block, "name", result.name)
    data = _el(block, "data")
    for number, point in enumerate(result.points, start=1):
        point_list = _el(data, "list", refType="doluong_point")
        _text(point_list, "name", point.name or Text(f"Điểm đo {number}", f"Point {number}"))
        for quantity in point.quantities:
            _quantity(point_list, quantity)
        if point.conformity:
            meta = _el(point_list, "measurementMetaData")
            _statement(
                meta,
                "metaData",
                Statement(
                    Text("Kết luận tại điểm đo", "Conformity at this point"),
                    conformity=point.conformity,
                    ref_type="basic_conformity",
                ),
            )


# ------------------------------------------------------------------------------------------ validation


@lru_cache(maxsize=1)
def _schema():
    import xmlschema

    return xmlschema.XMLSchema(
        str(DCC_XSD),
        locations=[(SI_NS, str(SI_XSD))],
        allow="sandbox",  # never read anything outside the schema folder, never the network
    )


def validate_dcc(xml: bytes) -> list[str]:
    """Problems with a DCC document (empty list = valid against DCC 3.1.2 / D-SI 2.1.0 and the D-SI unit
    grammar). Works offline: the XSDs are the copies in `verification/dcc/`."""
    try:
        tree = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [f"XML không đọc được (not well-formed): {exc}"]
    problems: list[str] = []
    seen: set[str] = set()
    import xmlschema

    resource = xmlschema.XMLResource(tree, allow="none")  # the document may not point anywhere either
    for error in _schema().iter_errors(resource, use_location_hints=False):
        path = error.path or ""
        if path in seen:  # one message per element: the first reason is the clearest
            continue
        seen.add(path)
        line = getattr(error.elem, "sourceline", None) if error.elem is not None else None
        where = f"dòng {line}, {path}" if line else path
        problems.append(f"{where}: {error.reason}")
    for unit in tree.iter(f"{{{SI_NS}}}unit", f"{{{SI_NS}}}unitXMLList"):
        for token in (unit.text or "").split() or [""]:
            for problem in check_dsi_unit(token):
                problems.append(f"dòng {unit.sourceline}, si:unit “{token}”: {problem}")
    return problems
