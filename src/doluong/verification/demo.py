"""Demo verification data: certificate settings and signing keys for every demo provider, a few hundred records
and certificates made through the actions (so every rule is checked), some failed (a record, no certificate),
some superseded by a later verification and some revoked; and one certificate number to try on /verify/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from doluong.parties.models import RegistrationScope, Verifier
from doluong.registry.models import Instrument, InstrumentType, MeasurementStandard

from . import actions
from .choices import RecordKind, Result
from .models import CertificateSettings, ValidityRule

#: metrology-library rule of the demo's instrument types (reference data the registry should carry; see docs)

# code → (kind, accuracy class, parameters, [(label, nominal, unit, conditions)], procedure)
PLANS = {
    "8.1": (
        RecordKind.PERIODIC,
        "IIII",
        {"e": "0.2", "Max": "60"},
        [("Tải nhỏ", "5", "kg", {}), ("Tải giữa", "30", "kg", {}), ("Tải lớn nhất", "60", "kg", {})],
        "ĐLVN 30:2019",
    ),
    "8.2": (
        RecordKind.PERIODIC,
        "III",
        {"e": "0.1", "Max": "300"},
        [("Tải nhỏ", "50", "kg", {}), ("Tải giữa", "150", "kg", {}), ("Tải lớn nhất", "300", "kg", {})],
        "ĐLVN 14:2019",
    ),
    "7": (
        RecordKind.PERIODIC,
        "II",
        {"e": "0.01", "Max": "620"},
        [("Tải nhỏ", "100", "g", {}), ("Tải giữa", "300", "g", {}), ("Tải lớn nhất", "600", "g", {})],
        "ĐLVN 16:2019",
    ),
    "10": (
        RecordKind.PERIODIC,
        "III",
        {"e": "20", "Max": "80000"},
        [
            ("Tải nhỏ", "10000", "kg", {}),
            ("Tải giữa", "40000", "kg", {}),
            ("Tải lớn nhất", "80000", "kg", {}),
        ],
        "ĐLVN 13:2019",
    ),
    "32": (
        RecordKind.PERIODIC,
        "",
        {},
        [("50 mmHg", "50", "mmHg", {}), ("150 mmHg", "150", "mmHg", {}), ("250 mmHg", "250", "mmHg", {})],
        "ĐLVN 09:2011",
    ),
    "21.1": (
        RecordKind.INITIAL,
        "2",
        {"Q3": "2.5", "R": "80"},
        [
            ("Q1 (0,032 m³/h)", "10", "L", {"flow_rate": 0.032, "temperature": 20}),
            ("Q2 (0,05 m³/h)", "10", "L", {"flow_rate": 0.05, "temperature": 20}),
            ("Q3 (2,5 m³/h)", "100", "L", {"flow_rate": 2.5, "temperature": 20}),
        ],
        "ĐLVN 17:2017",
    ),
}

PROVIDER_SETTINGS = {
    "92": ("Sở Khoa học và Công nghệ Cần Thơ", "Cần Thơ", "{n} - {yy} (CT)"),
    "82": ("Sở Khoa học và Công nghệ Đồng Tháp", "Đồng Tháp", "{n} - {yy} (ĐT)"),
}
HEADS = [
    "Nguyễn Hoàng Minh",
    "Trần Thị Ngọc Diễm",
    "Lê Quốc Bảo",
    "Phạm Văn Thành",
    "Võ Thị Kim Ngân",
    "Huỳnh Văn Lợi",
]
REVOKE_REASONS = [
    "Phát hiện niêm phong bị can thiệp sau khi kiểm định.",
    "Nhập sai số sản xuất của phương tiện đo; đã kiểm định lại.",
    "Kiểm định viên ký không đúng phạm vi thẻ.",
]
PER_PROVIDER = 35


def _found(rng, nominal: Decimal, fail: bool, step: Decimal) -> Decimal:
    """A plausible reading: within a fraction of a scale step, or well outside for a failing instrument."""
    if fail:
        return nominal + step * rng.choice([-6, 5, 7])
    return nominal + step * Decimal(rng.choice([-1, 0, 0, 0, 1])) / 2


def build(ctx) -> dict:
    # the types whose MPE the metrology library knows (load_reference fills mpe_rule from mpe_rules.csv)
    types = {t.code: t for t in InstrumentType.objects.exclude(mpe_rule="")}
    counts = {"records": 0, "certificates": 0, "failed": 0, "superseded": 0, "revoked": 0}
    checkable = ""
    head_index = 0
    for province, providers in ctx.providers.items():
        parent, place, pattern = PROVIDER_SETTINGS.get(province, ("", "", "{n} - {yy}"))
        for index, provider in enumerate(providers):
            CertificateSettings.objects.create(
                provider=provider,
                number_pattern=pattern if index == 0 else f"{{n}}/{{yyyy}}/GCN-{provider.pk}",
                number_digits=1 if index == 0 else 4,
                record_pattern="BB {n}/{yyyy}",
                parent_body=parent if index == 0 else "",
                place_name=place,
                head_title="GIÁM ĐỐC",
                head_name=HEADS[head_index % len(HEADS)],
            )
            head_index += 1
            actions.do_rotate_signing_key(
                provider, user=ctx.admin
            )  # its first key, made by the administrator
            # calibration services of the main centre (its accreditation covers balances)
            if index == 0:
                registration = provider.registrations.first()
                for code in ("6", "7"):
                    if code in types:
                        RegistrationScope.objects.create(
                            registration=registration, activity="calibration", instrument_type=types[code]
                        )
                ValidityRule.objects.create(
                    provider=provider,
                    procedure="ĐLVN 287:2019",
                    instrument_type=types.get("7"),
                    months=12,
                    legal_basis="Quy định nội bộ của tổ chức (khuyến nghị chu kỳ hiệu chuẩn)",
                    effective_from=dt.date(2024, 1, 1),
                )
            made = _provider_records(ctx, provider, types, counts)
            if made and not checkable:
                checkable = made
    return {**counts, "certificate to check on /verify/": checkable}


def _provider_records(ctx, provider, types, counts) -> str:
    rng = ctx.rng
    today = ctx.today
    verifiers = list(
        Verifier.objects.filter(organisation=provider, is_active=True)
        .prefetch_related("instrument_types")
        .select_related("person")
    )
    standards = list(MeasurementStandard.objects.filter(holder=provider).prefetch_related("instrument_types"))
    codes = [c for c in PLANS if c in types and c in getattr(provider, "served_codes", [])]
    candidates = list(
        Instrument.objects.filter(instrument_type__code__in=codes, province_id=provider.province_id)
        .select_related("instrument_type", "owner", "commune")
        .order_by("pk")
    )
    # the enterprise personas' instruments first, so that their logins show certificates
    persona_owners = {o.pk for k, o in ctx.orgs.items() if k.endswith("-water") or k.endswith("-power")}
    candidates.sort(key=lambda i: (i.owner_id not in persona_owners, i.pk))
    first_number = ""
    issued = []
    done = 0
    for inst in candidates:
        if done >= PER_PROVIDER:
            break
        code = inst.instrument_type.code
        kind, klass, params, plan, procedure = PLANS[code]
        day = today - dt.timedelta(days=rng.randint(1, 40))
        verifier = next(
            (
                v
                for v in verifiers
                if v.issued_on <= day <= v.valid_until
                and any(t.pk == inst.instrument_type_id for t in v.instrument_types.all())
            ),
            None,
        )
        used = [
            s
            for s in standards
            if s.valid_until
            and s.valid_until >= day
            and (s.calibrated_on is None or s.calibrated_on <= day)
            and any(t.pk == inst.instrument_type_id for t in s.instrument_types.all())
        ][:1]
        if verifier is None or not used:
            continue
        fail = rng.random() < 0.08
        step = Decimal(params.get("e", "1")) if code != "32" else Decimal("1")
        points = []
        for label, nominal, unit, conditions in plan:
            nominal_d = Decimal(nominal)
            if unit == "L":
                found = nominal_d * (Decimal("1") + Decimal(rng.choice(["-0.01", "0", "0.004", "0.008"])))
                if fail:
                    found = nominal_d * Decimal("1.07")
            else:
                found = _found(rng, nominal_d, fail, step)
            points.append(
                {
                    "label": label,
                    "nominal": nominal,
                    "found": str(found),
                    "unit": unit,
                    "conditions": conditions,
                }
            )
        record = actions.do_record_verification(
            user=ctx.admin,
            kind=kind,
            provider=provider,
            instrument=inst,
            verifier=verifier,
            performed_on=day,
            standards=used,
            points=points,
            place=inst.site_address or str(inst.commune),
            procedure=procedure,
            accuracy_class=klass or None,
            mpe_params=params,
            temperature=str(rng.choice([26, 27, 28, 29, 30])),
            humidity=str(rng.choice([65, 70, 75, 80])),
            reviewer_name=verifiers[-1].person.full_name,
        )
        counts["records"] += 1
        done += 1
        if record.result == Result.FAILED:
            counts["failed"] += 1
            continue
        cert = actions.do_issue_certificate(
            record,
            user=ctx.admin,
            issued_on=day,
            stamp_number=f"{provider.pk:02d}{rng.randint(100000, 999999)}",
        )
        counts["certificates"] += 1
        issued.append((cert, inst, verifier, used, points, record))
        if not first_number:
            first_number = cert.number
    # a later verification of a few instruments supersedes their certificate
    for cert, inst, verifier, used, points, record in issued[:4]:
        day = min(today, cert.verified_on + dt.timedelta(days=rng.randint(1, 5)))
        if not (verifier.issued_on <= day <= verifier.valid_until) or used[0].valid_until < day:
            continue
        again = actions.do_record_verification(
            user=ctx.admin,
            kind=RecordKind.AFTER_REPAIR,
            provider=cert.provider,
            instrument=inst,
            verifier=verifier,
            performed_on=day,
            standards=used,
            points=points,
            procedure=record.procedure,
            accuracy_class=record.accuracy_class or None,
            mpe_params=record.mpe_params,
            reviewer_name=record.reviewer_name,
            place=record.place,
            temperature=record.temperature,
            humidity=record.humidity,
        )
        counts["records"] += 1
        if again.result != Result.FAILED:
            actions.do_issue_certificate(
                again,
                user=ctx.admin,
                issued_on=day,
                stamp_number=f"{again.provider_id:02d}{rng.randint(100000, 999999)}",
            )
            counts["certificates"] += 1
            counts["superseded"] += 1
    # and a few are revoked
    for cert, *_rest in issued[4:6]:
        actions.do_revoke_certificate(cert, user=ctx.admin, reason=rng.choice(REVOKE_REASONS))
        counts["revoked"] += 1
    still_valid = [cert for cert, *_rest in issued[6:]]
    return still_valid[0].number if still_valid else first_number
