"""The registry's demo data: the service providers of each demo province (registration, designation, verifiers,
measurement standards in traceability chains), the persona accounts (parties), the instruments, and for due-date
reminders the owners' reminder contacts (most with an address, some without, a few who opted out) and lead times
for a few types. Deterministic from the seed."""

from __future__ import annotations

import datetime as dt

from django.core.mail import get_connection
from simple_history.utils import bulk_create_with_history

from doluong.core.dates import add_months
from doluong.core.demo import Ctx
from doluong.core.models import prepare_for_bulk
from doluong.geo.models import Commune
from doluong.parties import demo as parties_demo
from doluong.parties.choices import OrganisationKind as K
from doluong.parties.choices import Ownership, Sector, SizeClass
from doluong.parties.demo import NATIONAL, PROVINCES, _name, _tax
from doluong.parties.models import (
    Designation,
    Organisation,
    Person,
    Registration,
    RegistrationScope,
    Verifier,
)

from .choices import CycleStatus, InstrumentStatus, StandardLevel
from .models import Instrument, InstrumentType, MeasurementStandard, ReminderContact, ReminderLeadTime
from .reminders import send_reminders

MIX = {
    "43.2": (0.30, "power", ["EMIC", "Gelex", "Vinasino"], ["CE-18G", "DDS26D", "VSE11-20"], "1", "5(20) A"),
    "43.4": (0.05, "power", ["EMIC", "Landis+Gyr"], ["ME-41", "E650"], "0.5S", "3x5(6) A"),
    "21.1": (
        0.28,
        "water",
        ["Asahi", "Itron", "Zenner"],
        ["GMK-15", "Multimag TM", "MNK-N"],
        "B",
        "Q3 = 2,5 m³/h",
    ),
    "8.1": (0.14, "market", ["Nhơn Hòa", "Đồng Hồ Việt"], ["NHS-5", "NHS-30", "ĐH-60"], "IIII", "5–60 kg"),
    "8.2": (0.05, "market", ["Nhơn Hòa", "Vinacan"], ["Bàn 150", "Bàn 300"], "III", "300 kg"),
    "19": (
        0.06,
        "petrol",
        ["Tatsuno", "Tokheim", "Gilbarco"],
        ["Sunny", "Quantium 510", "Encore 700"],
        "0,5",
        "5–50 L/min",
    ),
    "2": (0.04, "taxi", ["Digitax", "Tín Phát"], ["F2 Plus", "TP-09"], "—", "—"),
    "32": (
        0.035,
        "health",
        ["Omron", "ALPK2", "Microlife"],
        ["HEM-7121", "500V", "BP A2"],
        "±3 mmHg",
        "0–300 mmHg",
    ),
    # clinical glass thermometers: initial verification only, so these have no due date (the list has no cycle)
    "34.1": (0.004, "health", ["Aurora", "Vinmed"], ["TM-01", "NK-02"], "±0,1 °C", "35–42 °C"),
    "10": (0.0075, "logistics", ["Mettler Toledo", "Keli"], ["IND570", "XK3118T1"], "III", "80 t"),
    "7": (0.0075, "enterprise", ["Shimadzu", "Ohaus"], ["UW620H", "PX3202"], "II", "620 g"),
}

#: instrument type code -> reminder lead time in days (types not listed: 30 days)
LEAD_TIMES = {
    "19": 45,  # fuel dispensers: stations book the verifier early
    "21.1": 60,  # water meters: the utility replaces them in batches
    "2": 20,  # taximeters
}


def build(ctx: Ctx) -> dict:
    types = {t.code: t for t in InstrumentType.objects.prefetch_related("rules")}
    for province in PROVINCES:
        _providers(ctx, province, types)
    parties_demo.accounts(ctx)
    count = _instruments(ctx, ctx.instruments, types, ctx.communes)
    summary = {
        "organisations": Organisation.objects.count(),
        "verifiers": Verifier.objects.count(),
        "standards": MeasurementStandard.objects.count(),
        "instruments": count,
    }
    summary.update(reminders(ctx))
    return summary


def reminders(ctx) -> dict:
    """The reminder contacts and lead times, and last week's reminder run."""
    rng = ctx.rng
    since = ctx.today.replace(month=1, day=1)
    types = {t.code: t for t in InstrumentType.objects.filter(code__in=list(LEAD_TIMES))}
    lead_times = [
        ReminderLeadTime(
            instrument_type=types[code],
            lead_days=days,
            effective_from=since,
            notes="Dữ liệu trình diễn",
        )
        for code, days in LEAD_TIMES.items()
        if code in types
    ]
    for row in lead_times:
        row._history_user = ctx.admin
        row.save()
    owners = list(Organisation.objects.filter(instruments__isnull=False).distinct().order_by("pk"))
    # the demo enterprise logins' own companies always get reminders, so the persona sees them
    persona_owners = set(
        Organisation.objects.filter(
            memberships__user__username__in=["ct.doanhnghiep", "dt.doanhnghiep"]
        ).values_list("pk", flat=True)
    )
    contacts = []
    for owner in owners:
        draw = rng.random()
        if owner.pk in persona_owners:
            email, opted_out = f"nhacnho.{owner.pk}@demo.doluong.vn", False
        elif draw < 0.08:
            continue  # no contact and (in the demo) no organisation e-mail: listed as skipped
        elif draw < 0.12:
            email, opted_out = "", True
        else:
            email, opted_out = f"nhacnho.{owner.pk}@demo.doluong.vn", False
        contacts.append(ReminderContact(owner=owner, email=email, opted_out=opted_out))
    ReminderContact.objects.bulk_create(prepare_for_bulk(contacts), batch_size=2000)
    # last week's reminder run, so the reminder log has history; its e-mails go to a throw-away outbox
    run = send_reminders(
        ctx.today - dt.timedelta(days=7),
        connection=get_connection("django.core.mail.backends.locmem.EmailBackend"),
    )
    return {
        "reminder contacts": len(contacts),
        "reminder lead times": len(lead_times),
        "reminders sent last week": sum(1 for r in run.reminders if r.status == "sent"),
    }


PROVIDERS = {
    "92": [
        (
            "ct-provider",
            "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Cần Thơ",
            "TTKT TĐC Cần Thơ",
            K.SERVICE_PROVIDER,
            Ownership.PUBLIC,
            "Phường Ninh Kiều",
        ),
        (
            None,
            "Công ty Cổ phần Kiểm định Kỹ thuật Tây Đô",
            "Kiểm định Tây Đô",
            K.SERVICE_PROVIDER,
            Ownership.PRIVATE,
            "Phường Cái Răng",
        ),
        (
            None,
            "Trung tâm Dịch vụ Kỹ thuật Đo lường Sóc Trăng",
            "Đo lường Sóc Trăng",
            K.SERVICE_PROVIDER,
            Ownership.PUBLIC,
            "Phường Sóc Trăng",
        ),
    ],
    "82": [
        (
            "dt-provider",
            "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Đồng Tháp",
            "TTKT TĐC Đồng Tháp",
            K.SERVICE_PROVIDER,
            Ownership.PUBLIC,
            "Phường Mỹ Tho",
        ),
        (
            None,
            "Công ty TNHH Hiệu chuẩn Sen Hồng",
            "Hiệu chuẩn Sen Hồng",
            K.ACCREDITED_LAB,
            Ownership.PRIVATE,
            "Phường Cao Lãnh",
        ),
        (
            None,
            "Công ty TNHH Kiểm định Đo lường Cửu Long",
            "Kiểm định Cửu Long",
            K.SERVICE_PROVIDER,
            Ownership.PRIVATE,
            "Phường Sa Đéc",
        ),
    ],
}

# standards a provider keeps for each instrument family: (name, quantity, range, uncertainty, serves)
STANDARD_KITS = [
    ("Bộ quả cân chuẩn cấp chính xác F1", "Khối lượng", "1 mg – 20 kg", "Cấp F1", ["6", "7"]),
    ("Bộ quả cân chuẩn cấp chính xác M1", "Khối lượng", "1 g – 20 kg", "Cấp M1", ["8.1", "8.2", "9", "10"]),
    ("Bình chuẩn kim loại hạng 2 (20 L)", "Dung tích", "20 L", "U = 0,02 % (k=2)", ["19"]),
    (
        "Đồng hồ chuẩn đo nước",
        "Lưu lượng",
        "0,01–10 m³/h",
        "U = 0,3 % (k=2)",
        ["21.1", "21.2"],
    ),
    (
        "Thiết bị kiểm định công tơ điện 3 pha",
        "Năng lượng điện",
        "3x(0,01–100) A",
        "Cấp 0,05",
        ["43.2", "43.4", "43.1"],
    ),
    ("Áp kế chuẩn điện tử", "Áp suất", "0–400 mmHg", "U = 0,5 mmHg (k=2)", ["32"]),
    ("Hệ thống chuẩn kiểm định taximet", "Độ dài và thời gian", "0–10 km", "U = 0,1 % (k=2)", ["2"]),
]


def _providers(ctx: Ctx, province: str, types: dict) -> None:
    rng = ctx.rng
    by_name = {c.name: c for c in Commune.objects.filter(province_id=province)}
    providers = []
    for key, name, short, kind, ownership, commune in PROVIDERS[province]:
        org = Organisation(
            name=name,
            short_name=short,
            kind=kind,
            tax_code=_tax(ctx, province),
            province_id=province,
            commune=by_name[commune],
            sector=Sector.METROLOGY,
            ownership=ownership,
            size_class=SizeClass.MEDIUM,
            address=f"{rng.randint(1, 200)} {rng.choice(PROVINCES[province]['roads'])}, {commune}",
        )
        org._history_user = ctx.admin
        org.save()
        if key:
            ctx.orgs[key] = org
        providers.append(org)
    ctx.providers[province] = providers
    vmi_counter = 0
    for index, org in enumerate(providers):
        issued = ctx.today - dt.timedelta(days=rng.randint(200, 1500))
        registration = Registration(
            organisation=org,
            certificate_number=f"{rng.randint(10, 399)}/ĐK-TĐC",
            issuer=NATIONAL,
            issued_on=issued,
            verification=True,
            calibration=True,
            testing=index == 0,
        )
        registration._history_user = ctx.admin
        registration.save()
        served = [code for _n, _q, _r, _u, codes in STANDARD_KITS for code in codes if code in types]
        # the main centre serves everything; the others a part of the list
        if index:
            served = rng.sample(served, k=max(4, len(served) // 2))
        RegistrationScope.objects.bulk_create(
            prepare_for_bulk(
                [
                    RegistrationScope(
                        registration=registration,
                        activity="verification",
                        instrument_type=types[code],
                        range_text="",
                        accuracy="",
                    )
                    for code in served
                ]
            )
        )
        designation = Designation(
            organisation=org,
            decision_number=f"{rng.randint(100, 2999)}/QĐ-TĐC",
            issuer=NATIONAL,
            issued_on=issued,
            valid_from=issued,
            valid_until=add_months(issued, 60),
        )
        designation._history_user = ctx.admin
        designation.save()
        designation.instrument_types.set([types[code] for code in served])
        org.served_codes = served
        # verifiers: four per provider, one card expired
        for v in range(4):
            person = Person(
                full_name=_name(rng),
                organisation=org,
                position="Kiểm định viên",
                phone=f"09{rng.randint(10000000, 99999999)}",
            )
            person._history_user = ctx.admin
            person.save()
            card_issued = ctx.today - dt.timedelta(days=rng.randint(100, 1800))
            valid_until = (
                add_months(card_issued, 60) if v else ctx.today - dt.timedelta(days=rng.randint(5, 90))
            )
            verifier = Verifier(
                person=person,
                organisation=org,
                card_number=f"KĐV-{province}-{index}{v:03d}",
                issuer=NATIONAL,
                issued_on=min(card_issued, valid_until),
                valid_until=valid_until,
            )
            verifier._history_user = ctx.admin
            verifier.save()
            verifier.instrument_types.set([types[c] for c in rng.sample(served, k=min(len(served), 3))])
        # standards: for each kit a reference standard traced to VMI, and two working standards under it
        for kit_name, quantity, rng_text, uncertainty, codes in STANDARD_KITS:
            codes = [c for c in codes if c in types]
            if index and not set(codes) & set(served):
                continue
            vmi_counter += 1
            calibrated = ctx.today - dt.timedelta(days=rng.randint(30, 400))
            top = MeasurementStandard(
                holder=org,
                name=f"{kit_name} (chuẩn chính)",
                quantity=quantity,
                measuring_range=rng_text,
                uncertainty=uncertainty,
                level=StandardLevel.PRIMARY,
                serial=f"{org.pk}-{vmi_counter:03d}-R",
                manufacturer=rng.choice(["Mettler Toledo", "Fluke", "Zera", "Häfner", "Kern"]),
                external_calibrator="Viện Đo lường Việt Nam (VMI)",
                external_certificate=f"V{rng.randint(1, 9):02d}.{rng.randint(100, 999)}/{calibrated.year}",
                calibrated_on=calibrated,
                valid_until=add_months(calibrated, 12),
            )
            top._history_user = ctx.admin
            top.save()
            top.instrument_types.set([types[c] for c in codes])
            for w in range(2):
                on = calibrated + dt.timedelta(days=rng.randint(5, 40))
                expired = rng.random() < 0.08
                working = MeasurementStandard(
                    holder=org,
                    name=f"{kit_name} (chuẩn công tác {w + 1})",
                    quantity=quantity,
                    measuring_range=rng_text,
                    uncertainty=uncertainty,
                    level=StandardLevel.WORKING,
                    serial=f"{org.pk}-{vmi_counter:03d}-W{w + 1}",
                    manufacturer=top.manufacturer,
                    parent=top,
                    calibrated_on=on,
                    valid_until=(ctx.today - dt.timedelta(days=rng.randint(1, 60)))
                    if expired
                    else add_months(on, 12),
                )
                working._history_user = ctx.admin
                working.save()
                working.instrument_types.set([types[c] for c in codes])


def _instruments(ctx: Ctx, total: int, types: dict, communes: dict) -> int:
    rng = ctx.rng
    rows = []
    serials: set[tuple] = set()
    officer_commune = {
        province: ctx.orgs[f"{info['prefix']}-commune"].commune for province, info in PROVINCES.items()
    }
    placed = 0
    for province in PROVINCES:
        share_total = total / len(PROVINCES) / sum(entry[0] for entry in MIX.values())
        for code, (share, group, makers, models, klass, rng_text) in MIX.items():
            itype = types.get(code)
            if itype is None:
                continue
            rule = itype.rule_on(ctx.today)
            first_rule = min((r.effective_from for r in itype.rules.all()), default=ctx.today)
            owners = ctx.groups.get((province, group)) or ctx.groups[(province, "enterprise")]
            providers = [p for p in ctx.providers[province] if code in p.served_codes] or ctx.providers[
                province
            ]
            for _ in range(max(1, round(share_total * share))):
                owner = rng.choice(owners)
                commune = (
                    owner.commune
                    if group in ("market", "petrol", "health")
                    else rng.choice(communes[province])
                )
                placed += 1
                if group not in ("market", "petrol", "health") and placed % 10 == 0:
                    # every tenth one in the demo commune officer's commune, whatever the mix: the officer always
                    # has an inventory to keep (the random draw above still runs, so the rest stays as it was)
                    commune = officer_commune[province]
                maker = rng.choice(makers)
                while True:
                    serial = f"{rng.choice(['', 'SN', 'A', 'VN'])}{rng.randint(10**6, 10**9)}"
                    if (code, maker, serial) not in serials:
                        serials.add((code, maker, serial))
                        break
                instrument = Instrument(
                    instrument_type=itype,
                    owner=owner,
                    commune=commune,
                    province_id=province,
                    site_address=owner.address
                    if group in ("market", "petrol")
                    else f"{rng.randint(1, 500)} {rng.choice(PROVINCES[province]['roads'])}, {commune.name}",
                    serial=serial,
                    manufacturer=maker,
                    model=rng.choice(models),
                    year=rng.randint(2012, ctx.today.year),
                    accuracy_class=klass,
                    measuring_range=rng_text,
                    status=InstrumentStatus.IN_USE
                    if rng.random() > 0.03
                    else InstrumentStatus.OUT_OF_SERVICE,
                )
                if rule and rule.cycle_status == CycleStatus.KNOWN:
                    # verified some time within 1.25 cycles: about a fifth are overdue; never before the first
                    # rule version the catalogue holds, and valid for the cycle of the verification day
                    months_ago = rng.uniform(0, rule.cycle_months * 1.25)
                    verified = ctx.today - dt.timedelta(days=int(months_ago * 30.4))
                    instrument.last_verified_on = max(verified, dt.date(instrument.year, 1, 1), first_rule)
                    rule_then = itype.rule_on(instrument.last_verified_on)
                    if rule_then and rule_then.cycle_status == CycleStatus.KNOWN:
                        instrument.valid_until = add_months(
                            instrument.last_verified_on, rule_then.cycle_months
                        )
                else:
                    instrument.last_verified_on = ctx.today - dt.timedelta(days=rng.randint(10, 700))
                instrument.last_verified_by = rng.choice(providers)
                instrument.next_due = instrument.valid_until
                rows.append(instrument)
    prepare_for_bulk(rows)  # the related objects are attached, so this runs no query
    bulk_create_with_history(rows, Instrument, batch_size=2000, default_user=ctx.admin)
    return len(rows)
