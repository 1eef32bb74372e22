"""Adapter to our schema for a national metrology database, "vn-metrology" version 1.0.0
(`exchange/schemas/vn-metrology-1.json`, the JSON Schema; `doluong manage exchange_schema` rewrites it from the
maps below, and a test fails when the committed file differs).

Each outbox event becomes one record: the event's identity (id, sequence, type, time), the entity (kind, local
id, version), the national master data it refers to (2025 province and commune codes, the organisation's tax
code, the Group 2 instrument type code) and the entity's attributes, **each one declared here** (national name,
local field, JSON type, meaning). A local field that is not declared is not sent (a verification record's
reviewer's name, a certificate's snapshot, an organisation's phone and e-mail, notes). The data dictionary page
(`/exchange/dictionary/`) lists every field.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_ID = "https://doluong.vn/schemas/vn-metrology-1.json"
SCHEMA_VERSION = "1.0.0"
#: what a receiver accepts from the outbox envelope
ENVELOPE_SCHEMA_VERSIONS = (1,)

STRING, DATE, BOOLEAN, INTEGER, REF = "string", "date", "boolean", "integer", "ref"
PROVINCE_CODE = r"^[0-9]{2}$"
COMMUNE_CODE = r"^[0-9]{5}$"
TAX_CODE = r"^[0-9]{10}(-[0-9]{3})?$"


@dataclass(frozen=True)
class Attr:
    name: str  # national name (camelCase)
    local: str  # the outbox payload's key (the local column)
    type: str
    meaning: str


def _a(name, local, type_, meaning):
    return Attr(name, local, type_, meaning)


COMMON = [_a("created", "created", "datetime", "Thời điểm tạo bản ghi tại hệ thống nguồn")]

#: entity kind → its attributes (the outbox's event stem is the kind)
ATTRIBUTES: dict[str, list[Attr]] = {
    "organisation": [
        _a("name", "name", STRING, "Tên tổ chức"),
        _a("shortName", "short_name", STRING, "Tên viết tắt"),
        _a("kind", "kind", STRING, "Loại tổ chức (doanh nghiệp, tổ chức dịch vụ, phòng thí nghiệm…)"),
        _a("sector", "sector", STRING, "Ngành"),
        _a("ownership", "ownership", STRING, "Loại hình sở hữu"),
        _a("website", "website", STRING, "Trang thông tin"),
        _a("parentId", "parent_id", REF, "Mã cục bộ của tổ chức cấp trên"),
        _a("active", "is_active", BOOLEAN, "Đang hoạt động"),
    ],
    "registration": [
        _a("organisationId", "organisation_id", REF, "Mã cục bộ của tổ chức được đăng ký"),
        _a("certificateNumber", "certificate_number", STRING, "Số giấy chứng nhận đăng ký"),
        _a("issuer", "issuer", STRING, "Cơ quan cấp"),
        _a("issuedOn", "issued_on", DATE, "Ngày cấp"),
        _a("validUntil", "valid_until", DATE, "Hiệu lực đến (trống: không thời hạn)"),
        _a("verification", "verification", BOOLEAN, "Đăng ký kiểm định"),
        _a("calibration", "calibration", BOOLEAN, "Đăng ký hiệu chuẩn"),
        _a("testing", "testing", BOOLEAN, "Đăng ký thử nghiệm"),
    ],
    "registration_scope": [
        _a("registrationId", "registration_id", REF, "Mã cục bộ của giấy chứng nhận đăng ký"),
        _a("activity", "activity", STRING, "Hoạt động: verification, calibration, testing"),
        _a("quantity", "quantity", STRING, "Đại lượng hoặc phương tiện (khi không có mã nhóm 2)"),
        _a("range", "range_text", STRING, "Phạm vi đo"),
        _a("accuracy", "accuracy", STRING, "Cấp/độ chính xác"),
    ],
    "designation": [
        _a("organisationId", "organisation_id", REF, "Mã cục bộ của tổ chức được chỉ định"),
        _a("decisionNumber", "decision_number", STRING, "Số quyết định chỉ định"),
        _a("issuer", "issuer", STRING, "Cơ quan ra quyết định"),
        _a("issuedOn", "issued_on", DATE, "Ngày ký"),
        _a("validFrom", "valid_from", DATE, "Hiệu lực từ"),
        _a("validUntil", "valid_until", DATE, "Hiệu lực đến"),
    ],
    "verifier": [
        _a("organisationId", "organisation_id", REF, "Mã cục bộ của tổ chức"),
        _a(
            "cardNumber",
            "card_number",
            STRING,
            "Số thẻ kiểm định viên (không gửi họ tên, điện thoại, thư điện tử)",
        ),
        _a("issuer", "issuer", STRING, "Cơ quan cấp thẻ"),
        _a("issuedOn", "issued_on", DATE, "Ngày cấp"),
        _a("validUntil", "valid_until", DATE, "Hiệu lực đến"),
        _a("active", "is_active", BOOLEAN, "Đang hoạt động"),
    ],
    "standard": [
        _a("holderId", "holder_id", REF, "Mã cục bộ của tổ chức giữ chuẩn"),
        _a("name", "name", STRING, "Tên chuẩn"),
        _a("quantity", "quantity", STRING, "Đại lượng"),
        _a("measuringRange", "measuring_range", STRING, "Phạm vi đo"),
        _a("uncertainty", "uncertainty", STRING, "Độ không đảm bảo hoặc cấp chính xác"),
        _a("level", "level", STRING, "Cấp chuẩn"),
        _a("serial", "serial", STRING, "Số sản xuất"),
        _a("parentId", "parent_id", REF, "Mã cục bộ của chuẩn cấp trên"),
        _a("calibratedOn", "calibrated_on", DATE, "Ngày hiệu chuẩn"),
        _a("validUntil", "valid_until", DATE, "Hiệu lực đến"),
    ],
    "instrument": [
        _a("ownerId", "owner_id", REF, "Mã cục bộ của tổ chức sở hữu"),
        _a("serial", "serial", STRING, "Số sản xuất"),
        _a("manufacturer", "manufacturer", STRING, "Nhà sản xuất"),
        _a("model", "model", STRING, "Kiểu"),
        _a("year", "year", INTEGER, "Năm sản xuất"),
        _a("typeApprovalNumber", "type_approval_number", STRING, "Số quyết định phê duyệt mẫu"),
        _a("accuracyClass", "accuracy_class", STRING, "Cấp chính xác"),
        _a("measuringRange", "measuring_range", STRING, "Phạm vi đo"),
        _a("status", "status", STRING, "Tình trạng: in_use, out_of_use…"),
        _a("lastVerifiedOn", "last_verified_on", DATE, "Ngày kiểm định gần nhất"),
        _a("validUntil", "valid_until", DATE, "Hiệu lực kiểm định đến"),
        _a("nextDue", "next_due", DATE, "Hạn kiểm định tiếp theo"),
    ],
    "record": [
        _a("number", "number", STRING, "Số biên bản"),
        _a("kind", "kind", STRING, "Loại: initial, periodic, after_repair, calibration…"),
        _a("instrumentId", "instrument_id", REF, "Mã cục bộ của phương tiện đo"),
        _a("standardId", "standard_id", REF, "Mã cục bộ của chuẩn dùng"),
        _a("providerId", "provider_id", REF, "Mã cục bộ của tổ chức thực hiện"),
        _a("verifierId", "verifier_id", REF, "Mã cục bộ của kiểm định viên (thẻ, không họ tên)"),
        _a("performedOn", "performed_on", DATE, "Ngày thực hiện"),
        _a("result", "result", STRING, "Kết quả: pass, fail"),
        _a("voided", "voided_on", "datetime", "Thời điểm hủy (trống: còn hiệu lực)"),
    ],
    "certificate": [
        _a("number", "number", STRING, "Số giấy chứng nhận"),
        _a("recordId", "record_id", REF, "Mã cục bộ của biên bản"),
        _a("providerId", "provider_id", REF, "Mã cục bộ của tổ chức cấp"),
        _a("instrumentId", "instrument_id", REF, "Mã cục bộ của phương tiện đo"),
        _a("ownerId", "owner_id", REF, "Mã cục bộ của tổ chức sở hữu"),
        _a("kind", "kind", STRING, "Loại dịch vụ"),
        _a("issuedOn", "issued_on", DATE, "Ngày cấp"),
        _a("verifiedOn", "verified_on", DATE, "Ngày kiểm định"),
        _a("validUntil", "valid_until", DATE, "Hiệu lực đến"),
        _a("stampNumber", "stamp_number", STRING, "Số tem"),
        _a("status", "status", STRING, "Trạng thái: valid, revoked, superseded…"),
        _a("statusChangedOn", "status_changed_on", DATE, "Ngày đổi trạng thái"),
    ],
}
ATTRIBUTES = {kind: COMMON + attrs for kind, attrs in ATTRIBUTES.items()}

#: master data: national name, pattern, meaning (each kind sends those it has; absent ones are null)
MASTER = [
    ("provinceCode", PROVINCE_CODE, "Mã tỉnh, thành phố năm 2025 (danh mục hành chính sau sắp xếp)"),
    ("communeCode", COMMUNE_CODE, "Mã xã, phường, đặc khu năm 2025"),
    ("taxCode", TAX_CODE, "Mã số doanh nghiệp / mã số thuế của tổ chức"),
    ("group2Code", r"^.{1,30}$", "Mã loại phương tiện đo trong danh mục nhóm 2 (số thứ tự)"),
]

ENVELOPE = [
    ("schemaVersion", "Phiên bản lược đồ (semver), hiện 1.0.0"),
    ("eventId", "Định danh sự kiện (UUID); bên nhận loại trùng theo trường này"),
    ("sequence", "Số thứ tự sự kiện tại hệ thống nguồn (tăng dần)"),
    ("eventType", "Loại sự kiện: <kind>.<created|updated|deleted>"),
    ("action", "created, updated hoặc deleted"),
    ("occurredAt", "Thời điểm thay đổi (ISO 8601)"),
    ("source.system", "Hệ thống nguồn (doluong)"),
    ("source.provinceCode", "Tỉnh của hệ thống nguồn / của đối tượng"),
    ("entity.kind", "Loại đối tượng"),
    ("entity.localId", "Mã cục bộ của đối tượng tại hệ thống nguồn"),
    ("entity.version", "Phiên bản của đối tượng (1, 2, …)"),
]


class NotMapped(ValueError):
    """An event of a kind this schema does not map."""


def _json_type(attr: Attr) -> dict:
    if attr.type == DATE:
        return {"type": ["string", "null"], "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    if attr.type == "datetime":
        return {"type": ["string", "null"], "format": "date-time"}
    if attr.type == REF:
        return {"type": ["string", "null"], "pattern": r"^[0-9]+$"}
    if attr.type == BOOLEAN:
        return {"type": "boolean"}
    if attr.type == INTEGER:
        return {"type": ["integer", "null"]}
    return {"type": "string"}


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of one record, built from the maps above."""
    kinds = sorted(ATTRIBUTES)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "vn-metrology: một thay đổi của cơ sở dữ liệu đo lường gửi cơ sở dữ liệu quốc gia",
        "description": "Phiên bản 1.0.0. Mỗi bản ghi là một sự kiện của hộp thư đi (outbox) doluong; "
        "dữ liệu chủ theo danh mục hành chính 2025, mã số thuế và mã danh mục nhóm 2.",
        "type": "object",
        "additionalProperties": False,
        "required": [
            "schemaVersion",
            "eventId",
            "sequence",
            "eventType",
            "action",
            "occurredAt",
            "source",
            "entity",
            "masterData",
            "attributes",
        ],
        "properties": {
            "schemaVersion": {"const": SCHEMA_VERSION},
            "eventId": {"type": "string", "format": "uuid", "pattern": "^[0-9a-f-]{36}$"},
            "sequence": {"type": "integer", "minimum": 1},
            "eventType": {"type": "string", "pattern": f"^({'|'.join(kinds)})\\.(created|updated|deleted)$"},
            "action": {"enum": ["created", "updated", "deleted"]},
            "occurredAt": {"type": "string", "format": "date-time"},
            "source": {
                "type": "object",
                "additionalProperties": False,
                "required": ["system", "provinceCode"],
                "properties": {
                    "system": {"const": "doluong"},
                    "provinceCode": {"type": ["string", "null"], "pattern": PROVINCE_CODE},
                },
            },
            "entity": {
                "type": "object",
                "additionalProperties": False,
                "required": ["kind", "localId", "version"],
                "properties": {
                    "kind": {"enum": kinds},
                    "localId": {"type": "string", "minLength": 1},
                    "version": {"type": "integer", "minimum": 1},
                },
            },
            "masterData": {
                "type": "object",
                "additionalProperties": False,
                "required": [name for name, _p, _m in MASTER],
                "properties": {
                    name: {"type": ["string", "null"], "pattern": pattern, "description": meaning}
                    for name, pattern, meaning in MASTER
                },
            },
            "attributes": {"type": "object"},
        },
        "allOf": [
            {
                "if": {
                    "properties": {
                        "entity": {"properties": {"kind": {"const": kind}}},
                        "action": {"not": {"const": "deleted"}},
                    }
                },
                "then": {
                    "properties": {
                        "attributes": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": [a.name for a in ATTRIBUTES[kind]],
                            "properties": {
                                a.name: {**_json_type(a), "description": a.meaning} for a in ATTRIBUTES[kind]
                            },
                        }
                    }
                },
            }
            for kind in kinds
        ]
        + [
            {
                "if": {"properties": {"action": {"const": "deleted"}}},
                "then": {"properties": {"attributes": {"maxProperties": 0}}},
            }
        ],
    }


def _type_code(type_id) -> str | None:
    if not type_id:
        return None
    from doluong.registry.models import InstrumentType

    return InstrumentType.objects.filter(pk=type_id).values_list("code", flat=True).first()


def _master(kind: str, data: dict, province: str) -> dict:
    from doluong.parties.models import Organisation

    commune = data.get("commune_id") or None
    tax = data.get("tax_code") if kind == "organisation" else None
    if kind in ("registration", "designation", "verifier") and data.get("organisation_id"):
        tax = (
            Organisation.objects.filter(pk=data["organisation_id"]).values_list("tax_code", flat=True).first()
        )
    return {
        "provinceCode": data.get("province_id") or province or None,
        "communeCode": commune,
        "taxCode": tax or None,
        "group2Code": data.get("instrument_type_code") or _type_code(data.get("instrument_type_id")),
    }


def _attr_value(attr: Attr, value):
    if attr.type == REF:
        return None if value in (None, "") else str(value)
    if attr.type == BOOLEAN:
        return bool(value)
    if attr.type in (DATE, "datetime", INTEGER):
        return None if value in (None, "") else value
    return "" if value is None else str(value)


def to_record(envelope: dict) -> dict:
    """One outbox envelope (`OutboxEvent.envelope()`) as a vn-metrology 1.0.0 record."""
    kind, _, action = envelope["type"].rpartition(".")
    if kind not in ATTRIBUTES:
        raise NotMapped(kind)
    data = envelope.get("data") or {}
    attributes = (
        {} if action == "deleted" else {a.name: _attr_value(a, data.get(a.local)) for a in ATTRIBUTES[kind]}
    )
    return {
        "schemaVersion": SCHEMA_VERSION,
        "eventId": envelope["id"],
        "sequence": envelope["sequence"],
        "eventType": envelope["type"],
        "action": action,
        "occurredAt": envelope["occurred_at"],
        "source": {"system": "doluong", "provinceCode": envelope.get("province") or None},
        "entity": {
            "kind": kind,
            "localId": envelope["object"]["id"],
            "version": envelope["object"]["version"],
        },
        "masterData": {"provinceCode": None, "communeCode": None, "taxCode": None, "group2Code": None}
        if action == "deleted"
        else _master(kind, data, envelope.get("province") or ""),
        "attributes": attributes,
    }


def dictionary() -> list[dict]:
    """Every exported field of the schema, for the data dictionary page: section, name, type, local field, meaning."""
    rows = [{"section": "envelope", "name": n, "type": "", "local": "", "meaning": m} for n, m in ENVELOPE]
    rows += [{"section": "masterData", "name": n, "type": p, "local": "", "meaning": m} for n, p, m in MASTER]
    for kind in sorted(ATTRIBUTES):
        for a in ATTRIBUTES[kind]:
            rows.append(
                {"section": kind, "name": a.name, "type": a.type, "local": a.local, "meaning": a.meaning}
            )
    return rows
