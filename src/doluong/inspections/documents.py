"""The inspection record (biên bản kiểm tra) and the pre-packaged lot's check sheet as PDF (Typst, the
Vietnamese administrative layout of `documents/typst/vn.typ`), from dicts of plain text."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from doluong.documents.pdf import render_pdf
from doluong.metrology.inspection import vn_number

from .legal_words import vi_legal as _vi
from .models import CANDIDATES, Inspection, PrepackageLot

HERE = Path(__file__).resolve().parent / "typst"


def _d(day) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _n(value, places: int = 4) -> str:
    """A figure of the record: the Vietnamese way (metrology.inspection.vn_number), at most `places` decimals."""
    return vn_number(value, places)


def _issuer(campaign) -> tuple[str, str]:
    if campaign.commune_id:
        return (campaign.province.name, f"Ủy ban nhân dân {campaign.commune.name}")
    return (f"Ủy ban nhân dân {campaign.province.name}", "Sở Khoa học và Công nghệ")


def record_data(visit: Inspection) -> dict:
    campaign, site = visit.campaign, visit.site
    parent, issuer = _issuer(campaign)
    checks = []
    for i, c in enumerate(visit.checks.select_related("instrument", "rule").order_by("pk"), start=1):
        name = str(c.instrument) if c.instrument_id else f"{c.found_unregistered} (phát hiện mới)"
        unit = "%" if c.kind == "fuel_dispenser" else "g"
        places = 3 if unit == "%" else 4  # as the verdict's explanation writes them
        checks.append(
            {
                "no": str(i),
                "name": name,
                "kind": str(c.get_kind_display()),
                "marks": " / ".join(
                    ("có" if ok else "không") for ok in (c.stamp_ok, c.certificate_ok, c.seal_ok)
                ),
                "reference": _n(c.reference),
                "indicated": _n(c.indicated),
                "error": f"{_n(c.error, places)} {unit}",
                "limit": f"± {_n(c.limit, places)} {unit}"
                if unit == "g"
                else f"{_n(c.limit, places)} {unit}",
                "verdict": str(c.get_verdict_display()),
                "rule": c.rule.code if c.rule_id else "",
            }
        )
    lots = [
        {
            "product": lot.product,
            "nominal": f"{_n(lot.nominal)} {lot.unit}",
            "lot_size": vn_number(lot.lot_size),
            "n": vn_number(lot.sample_size),
            "verdict": "Đạt" if lot.accepted else "Không đạt",
        }
        for lot in visit.lots.order_by("pk")
    ]
    findings = []
    for i, f in enumerate(visit.findings.select_related("provision").order_by("pk"), start=1):
        remedies = [
            f"{r.get_kind_display()} trong {r.days} ngày (hạn {_d(r.due_date)})"
            for r in f.remedies.order_by("pk")
        ]
        findings.append(
            {
                "no": str(i),
                "code": str(f.get_code_display()),
                "description": f.description,
                "provision": f"{f.provision.code} ({f.provision.article})" if f.provision_id else "",
                "candidates": ", ".join(CANDIDATES.get(f.code, ())),
                "sanction": str(f.get_sanction_display()),
                "fine": vn_number(f.proposed_fine),
                "competent": str(f.get_competent_display()) if f.competent else "",
                "confirmed": f"{f.legal_officer}, {_d(f.confirmed_on)}" if f.confirmed else "",
                "remedies": remedies,
            }
        )
    follow = visit.follow_ups.order_by("date").first()
    return {
        "parent": parent,
        "issuer": issuer,
        "place": campaign.province.name.replace("Thành phố ", "").replace("Tỉnh ", ""),
        "date": visit.date.isoformat(),
        "campaign": str(campaign),
        "campaign_kind": str(campaign.get_kind_display()),
        "legal_basis": "Thông tư số 28/2013/TT-BKHCN ngày 17/12/2013 của Bộ trưởng Bộ Khoa học và Công nghệ, "
        "được sửa đổi, bổ sung bởi Thông tư số 10/2022/TT-BKHCN",
        "leader": campaign.leader_name,
        "members": campaign.members,
        "inspector": visit.inspector,
        "person_present": visit.person_present,
        "site": site.name,
        "site_kind": str(site.get_kind_display()),
        "address": ", ".join(x for x in (site.address, site.commune.name) if x),
        "operator": site.operator.name if site.operator_id else "",
        "follow_up_of": _d(visit.follow_up_of.date) if visit.follow_up_of_id else "",
        "follow_up": _d(follow.date) if follow else "",
        "checks": checks,
        "lots": lots,
        "findings": findings,
        "notes": visit.notes,
        "photos": str(visit.photos.count()),
        "seal": visit.seal_hash,
        "sealed_at": timezone.localtime(visit.sealed_at).strftime("%d/%m/%Y %H:%M")
        if visit.sealed_at
        else "",
        "corrections": [
            f"{_d(c.created)}: {c.text} (lý do: {c.reason})" for c in visit.corrections.order_by("pk")
        ],
        "signatures": signatures_data(visit),
    }


def signatures_data(visit: Inspection) -> list[dict]:
    """The signatures drawn on the phone's screen, in the order they were given: the PNG as drawn (a list of byte
    values: the template's `bytes(...)` reads it, nothing is written to disk), the signer's name, role and time.
    An image whose file is missing says so instead of failing the record."""
    rows = []
    for sig in visit.signatures.order_by("signed_at", "pk"):
        try:
            png = list(sig.read_bytes())
        except (OSError, ValueError):
            png = None
        rows.append(
            {
                "signer": sig.signer,
                "role": str(sig.get_role_display()),
                "at": timezone.localtime(sig.signed_at).strftime("%H:%M ngày %d/%m/%Y"),
                "png": png,
            }
        )
    return rows


def lot_data(lot: PrepackageLot) -> dict:
    from .models import parse_values

    visit = lot.inspection
    parent, issuer = _issuer(visit.campaign)
    values = [_n(v) for v in parse_values(lot.sample)]
    return {
        "parent": parent,
        "issuer": issuer,
        "place": visit.campaign.province.name.replace("Thành phố ", "").replace("Tỉnh ", ""),
        "date": visit.date.isoformat(),
        "site": visit.site.name,
        "address": ", ".join(x for x in (visit.site.address, visit.site.commune.name) if x),
        "product": lot.product,
        "where": str(lot.get_place_display()),
        "quantity": str(lot.get_quantity_kind_display()),
        "nominal": f"{_n(lot.nominal)} {lot.unit}",
        "lot_size": vn_number(lot.lot_size),
        "n": vn_number(lot.sample_size),
        "values": values,
        "unit": lot.unit,
        "mean": f"{_n(lot.mean)} {lot.unit}",
        "explanation": lot.explanation.splitlines(),
        "verdict": "LÔ HÀNG ĐẠT" if lot.accepted else "LÔ HÀNG KHÔNG ĐẠT",
        "inspector": visit.inspector,
        "person_present": visit.person_present,
    }


def render_record(visit: Inspection) -> bytes:
    return render_pdf(HERE / "record.typ", record_data(visit))


def render_lot(lot: PrepackageLot) -> bytes:
    return render_pdf(HERE / "lot.typ", lot_data(lot))


#: the mark on every draft violation record: the software never sets a fine, a legal officer confirms it
DRAFT_MARK = "Dự thảo — mức phạt do cán bộ pháp chế xác nhận"


def _band(p) -> str:
    if p.fine_min is None and p.fine_max is None:
        return "Bảng chưa có mức phạt (cán bộ pháp chế tra cứu nghị định)"
    if p.fine_min is None:
        return f"đến {vn_number(p.fine_max)} đồng"
    return f"từ {vn_number(p.fine_min)} đến {vn_number(p.fine_max)} đồng"


def violation_data(finding) -> dict:
    """The draft record of an administrative violation (biên bản vi phạm hành chính, dự thảo) of one finding: the
    inspection it was found in, the site and its operator, what was found (the instrument's test or the lot's
    verdict), the candidate provisions of the sanction table in force on the inspection's day with their fine band
    and their sources, the proposed sanction and who is competent, the remedies. Every page says it is a draft
    and that the fine is confirmed by a legal officer."""
    visit = finding.inspection
    campaign, site = visit.campaign, visit.site
    parent, issuer = _issuer(campaign)
    check = finding.instrument_check
    evidence = ""
    if check is not None:
        name = str(check.instrument) if check.instrument_id else f"{check.found_unregistered} (phát hiện mới)"
        evidence = f"{name}: {check.explanation}" if check.explanation else name
    elif finding.lot_id:
        lot = finding.lot
        evidence = f"{lot.product}: " + " ".join(lot.explanation.splitlines())
    candidates = []
    for p in finding.candidates().order_by("code"):
        candidates.append(
            {
                "code": p.code,
                "article": _vi(p.article),
                "behaviour": _vi(p.behaviour),
                "band": _band(p),
                "remedy": _vi(p.remedy),
                "legal_basis": _vi(p.legal_basis),
                "sources": [u.strip() for u in p.source_url.split(" ; ") if u.strip()],
                "chosen": p.pk == finding.provision_id,
            }
        )
    chosen = finding.provision
    if chosen is not None and not any(c["chosen"] for c in candidates):
        candidates.append(
            {
                "code": chosen.code,
                "article": _vi(chosen.article),
                "behaviour": _vi(chosen.behaviour),
                "band": _band(chosen),
                "remedy": _vi(chosen.remedy),
                "legal_basis": _vi(chosen.legal_basis),
                "sources": [u.strip() for u in chosen.source_url.split(" ; ") if u.strip()],
                "chosen": True,
            }
        )
    offender = site.operator.name if site.operator_id else (visit.person_present or "")
    return {
        "draft": DRAFT_MARK,
        "parent": parent,
        "issuer": issuer,
        "place": campaign.province.name.replace("Thành phố ", "").replace("Tỉnh ", ""),
        "date": visit.date.isoformat(),
        "inspection_date": _d(visit.date),
        "campaign": campaign.title,
        "leader": campaign.leader_name,
        "inspector": visit.inspector,
        "person_present": visit.person_present,
        "site": site.name,
        "address": ", ".join(x for x in (site.address, site.commune.name) if x),
        "offender": offender,
        "offender_kind": str(finding.get_offender_display()),
        "code": str(finding.get_code_display()),
        "description": finding.description,
        "evidence": evidence,
        "candidates": candidates,
        "sanction": str(finding.get_sanction_display()),
        "fine": vn_number(finding.proposed_fine),
        "competent": str(finding.get_competent_display()) if finding.competent else "",
        "confirmed": f"{finding.legal_officer}, ngày {_d(finding.confirmed_on)}" if finding.confirmed else "",
        "remedies": [
            f"{r.get_kind_display()} trong {r.days} ngày (hạn {_d(r.due_date)})"
            for r in finding.remedies.order_by("pk")
        ],
    }


def render_violation(finding) -> bytes:
    return render_pdf(HERE / "violation.typ", violation_data(finding))
