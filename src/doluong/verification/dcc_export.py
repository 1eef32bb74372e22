"""A calibration `Certificate` (model) as the input of `verification.dcc.build_dcc`, validated offline."""

from __future__ import annotations

from . import dcc, documents
from .choices import Result, Verdict
from .numbering import settings_for

TITLES = {"passed": "Kết quả phù hợp với yêu cầu kỹ thuật đã công bố", "failed": "Không đạt yêu cầu kỹ thuật"}


def to_dcc(cert) -> dcc.Certificate:
    record = cert.record
    snap = cert.snapshot or {}
    subject = snap.get("subject", {})
    provider = cert.provider
    owner = snap.get("owner", {})
    conf = settings_for(provider)
    registration = provider.registrations.order_by("-issued_on").first()
    points = []
    for p in snap.get("points", []):
        unit = p.get("unit") or ""
        uncertainty = (
            dcc.Uncertainty(p["uncertainty"], coverage_factor=p.get("k") or 2)
            if p.get("uncertainty")
            else None
        )
        quantities = [
            dcc.Quantity("Giá trị danh định", p["nominal"], unit, ref_type="basic_nominalValue"),
            dcc.Quantity(
                "Giá trị đo được", p["found"], unit, uncertainty=uncertainty, ref_type="basic_measuredValue"
            ),
            dcc.Quantity("Sai số", p["error"], unit, ref_type="basic_measurementError"),
        ]
        if p.get("mpe"):
            quantities.append(
                dcc.Quantity("Sai số cho phép", p["mpe"], unit, ref_type="basic_maximumPermissibleError")
            )
        verdict = p.get("verdict") or ""
        points.append(
            dcc.Point(
                name=p.get("label") or "",
                quantities=quantities,
                conformity={Verdict.PASS: "pass", Verdict.FAIL: "fail"}.get(verdict),
            )
        )
    conditions = []
    if record.temperature is not None:
        conditions.append(dcc.InfluenceCondition("Nhiệt độ môi trường", record.temperature, "°C"))
    if record.humidity is not None:
        conditions.append(dcc.InfluenceCondition("Độ ẩm tương đối", record.humidity, "%RH"))
    equipment = [
        dcc.Equipment(
            link.standard.name,
            manufacturer=link.standard.manufacturer,
            serial=link.standard.serial,
            certificate_number=link.standard_certificate,
            valid_until=link.standard_valid_until,
        )
        for link in record.standard_links.select_related("standard")
    ]
    people = []
    if snap.get("verifier"):
        people.append(dcc.ResponsiblePerson(snap["verifier"], "Người thực hiện"))
    if record.reviewer_name:
        people.append(dcc.ResponsiblePerson(record.reviewer_name, "Người soát lại"))
    if conf.head_name:
        people.append(dcc.ResponsiblePerson(conf.head_name, conf.head_title, main_signer=True))
    elif people:
        people[0].main_signer = True
    result = snap.get("result")
    statements = []
    if result in (Result.PASSED, Result.FAILED):
        statements.append(
            dcc.Statement(
                TITLES[result],
                conformity="pass" if result == Result.PASSED else "fail",
                norm=snap.get("procedure", ""),
            )
        )
    return dcc.Certificate(
        number=cert.number,
        begin_date=cert.verified_on,
        end_date=cert.verified_on,
        issue_date=cert.issued_on,
        valid_until=cert.valid_until,
        stamp_number=cert.stamp_number,
        laboratory=dcc.Contact(
            name=snap.get("provider", {}).get("name", provider.name),
            email=provider.email,
            phone=provider.phone,
            address=dcc.Address(
                street=snap.get("provider", {}).get("address", ""), state=provider.province.name
            ),
        ),
        laboratory_code=registration.certificate_number if registration else "",
        customer=dcc.Contact(
            name=owner.get("name", ""), address=dcc.Address(street=owner.get("address", ""))
        ),
        items=[
            dcc.Item(
                name=subject.get("name", ""),
                manufacturer=subject.get("manufacturer", ""),
                model=subject.get("model", ""),
                serial=subject.get("serial", "") or f"doluong-{cert.instrument_id or cert.standard_id}",
            )
        ],
        results=[
            dcc.Result(
                name="Kết quả hiệu chuẩn",
                points=points,
                methods=[dcc.Method("Quy trình hiệu chuẩn", norm=snap.get("procedure", ""))]
                if snap.get("procedure")
                else [],
                conditions=conditions,
                equipment=equipment,
            )
        ],
        responsible_persons=people,
        performance_location="laboratory" if not record.place else "other",
        statements=statements,
        pdf=documents.certificate_pdf(cert, pades=False),
        pdf_name=f"{cert.pk}.pdf",
    )


def certificate_dcc_xml(cert) -> bytes:
    """The DCC XML of a calibration certificate; raises dcc.DCCError if it lacks data or fails the XSD."""
    xml = dcc.build_dcc(to_dcc(cert))
    problems = dcc.validate_dcc(xml)
    if problems:
        raise dcc.DCCError(problems)
    return xml
