"""The demo province data: Cần Thơ (92) and Đồng Tháp (82) with their real communes, synthetic but realistic
organisations, providers, verifiers, standards in traceability chains and instruments, and the named logins of
`core.personas`. Deterministic for a given seed; fast enough to build in seconds.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from doluong.geo.models import Commune
from doluong.parties.choices import OrganisationKind as K
from doluong.parties.choices import Ownership, Role, Sector, SizeClass
from doluong.parties.models import (
    Designation,
    Membership,
    Organisation,
    Person,
    Registration,
    RegistrationScope,
    Verifier,
)
from doluong.registry.choices import CycleStatus, InstrumentStatus, StandardLevel
from doluong.registry.models import Instrument, InstrumentType, MeasurementStandard

from .dates import add_months, today
from .models import prepare_for_bulk
from .personas import DEMO_PASSWORD, PERSONAS
from .validators import make_tax_code

NATIONAL = "Ủy ban Tiêu chuẩn Đo lường Chất lượng Quốc gia"
FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Võ",
    "Phan",
    "Trương",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Ngô",
    "Dương",
]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Hoàng", "Thanh", "Quốc", "Thu", "Hữu", "Kim"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hạnh",
    "Hương",
    "Khoa",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
    "Quang",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
    "Yến",
    "Hiếu",
    "Nhân",
    "Trí",
    "Duyên",
    "Kiệt",
    "Như",
]

PROVINCES = {
    "92": {
        "name": "Cần Thơ",
        "tax": "18",
        "personal": "092",
        "prefix": "ct",
        "seat": "Phường Ninh Kiều",
        "commune_officer": "Phường Ninh Kiều",
        "roads": ["Đường 30 Tháng 4", "Đường Trần Hưng Đạo", "Đường Nguyễn Văn Cừ", "Đường Mậu Thân"],
    },
    "82": {
        "name": "Đồng Tháp",
        "tax": "14",
        "personal": "087",
        "prefix": "dt",
        "seat": "Phường Mỹ Tho",
        "commune_officer": "Phường Cao Lãnh",
        "roads": ["Đường Nguyễn Huệ", "Đường Lý Thường Kiệt", "Đường Hùng Vương", "Quốc lộ 30"],
    },
}

# instrument type code → (share of the demo instruments, owner group, manufacturers, models, class, range)
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

SECTORS = [
    Sector.ELECTRICITY,
    Sector.WATER,
    Sector.PETROLEUM,
    Sector.TRANSPORT,
    Sector.MECHANICAL,
    Sector.TELECOM_DIGITAL,
    Sector.LOGISTICS,
    Sector.HIGHTECH_AGRICULTURE,
    Sector.FOOD,
    Sector.CONSTRUCTION,
    Sector.CHEMICALS,
    Sector.COAL,
]
ENTERPRISE_NAMES = [
    "Thủy sản",
    "Lương thực",
    "Cơ khí",
    "Vật liệu xây dựng",
    "Phân bón",
    "Bao bì",
    "Dược phẩm",
    "Chế biến nông sản",
    "Vận tải",
    "Logistics",
    "Viễn thông",
    "Điện tử",
    "Thực phẩm",
    "Gạo",
    "Trái cây",
    "Thức ăn chăn nuôi",
    "Gas",
    "Nhựa",
]
ENTERPRISE_WORDS = [
    "Phú Thịnh",
    "Hưng Phát",
    "Tân Tiến",
    "Mê Kông",
    "Tây Đô",
    "Sen Hồng",
    "Cửu Long",
    "Hậu Giang",
    "Bình Minh",
    "Hoàng Long",
    "Thành Công",
    "Đại Dương",
    "Kim Phát",
    "An Khang",
    "Phước Lộc",
]


@dataclass
class Ctx:
    rng: random.Random
    admin: object
    today: dt.date
    orgs: dict = field(default_factory=dict)  # key → Organisation
    groups: dict = field(default_factory=dict)  # (province, group) → [Organisation]
    providers: dict = field(default_factory=dict)  # province → [Organisation]
    tax_seq: int = 1000
    mailbox_seq: int = 0


def _name(rng) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _tax(ctx: Ctx, province: str) -> str:
    while True:
        ctx.tax_seq += 1
        code = make_tax_code(f"{PROVINCES[province]['tax']}{ctx.tax_seq:07d}")
        if code:
            return code


def _personal(ctx: Ctx, province: str) -> str:
    ctx.tax_seq += 1
    return (
        f"{PROVINCES[province]['personal']}{ctx.rng.randint(0, 3)}{ctx.rng.randint(70, 99)}{ctx.tax_seq:06d}"
    )


#: apps that add their own demo data on top of the registry: each module has ``build(ctx: Ctx) -> dict`` (the
#: counts it adds to the summary), called inside the same transaction with the same seeded random generator.
EXTENSIONS = ("doluong.registry.demo", "doluong.verification.demo", "doluong.programs.demo")


def _extensions():
    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        yield module


def build_demo(instruments: int = 20000, seed: int = 2026, stdout=None) -> dict:
    """Build the demo data into an empty database (reference data is loaded first)."""
    call_command("load_reference", stdout=stdout)
    with transaction.atomic():
        ctx = Ctx(rng=random.Random(seed), admin=_admin(), today=today())
        communes = {
            code: list(Commune.objects.filter(province_id=code).select_related("province"))
            for code in PROVINCES
        }
        for province in PROVINCES:
            _organisations(ctx, province, communes[province])
        types = {t.code: t for t in InstrumentType.objects.prefetch_related("rules")}
        for province in PROVINCES:
            _providers(ctx, province, types)
        _users(ctx)
        count = _instruments(ctx, instruments, types, communes)
        summary = {
            "organisations": Organisation.objects.count(),
            "verifiers": Verifier.objects.count(),
            "standards": MeasurementStandard.objects.count(),
            "instruments": count,
        }
        for module in _extensions():
            summary.update(module.build(ctx))
    if stdout is not None:
        stdout.write(", ".join(f"{k}: {v}" for k, v in summary.items()) + "\n")
    return summary


def _admin():
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "Quản trị hệ thống"}
    )
    user.is_staff = user.is_superuser = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _org(ctx: Ctx, key: str | None, province: str, commune: Commune | None, **fields) -> Organisation:
    org = Organisation(province_id=province, commune=commune, **fields)
    org.commune = commune
    if not org.email and org.kind in K.agencies():
        # agencies and commune committees have an office mailbox (văn thư): the plans' report reminders reach it
        ctx.mailbox_seq += 1
        org.email = f"vanthu.{province}.{ctx.mailbox_seq}@demo.doluong.vn"
    if key:
        ctx.orgs[key] = org
    return org


def _organisations(ctx: Ctx, province: str, communes: list[Commune]) -> None:
    rng = ctx.rng
    info = PROVINCES[province]
    pname = info["name"]
    p = info["prefix"]
    by_name = {c.name: c for c in communes}
    seat = by_name[info["seat"]]
    road = info["roads"]
    new: list[tuple[str, Organisation]] = []

    def add(group, key=None, commune=None, **fields):
        commune = commune or rng.choice(communes)
        fields.setdefault("address", f"{rng.randint(1, 300)} {rng.choice(road)}, {commune.name}")
        org = _org(ctx, key, province, commune, **fields)
        new.append((group, org))
        return org

    add(
        "agency",
        f"{p}-dost",
        seat,
        name=f"Sở Khoa học và Công nghệ {pname}",
        short_name=f"Sở KH&CN {pname}",
        kind=K.DOST,
        tax_code=_tax(ctx, province),
        sector=Sector.PUBLIC_ADMIN,
        ownership=Ownership.PUBLIC,
    )
    add(
        "agency",
        f"{p}-industry",
        seat,
        name=f"Sở Công Thương {pname}",
        short_name=f"Sở Công Thương {pname}",
        kind=K.DEPARTMENT,
        tax_code=_tax(ctx, province),
        sector=Sector.PUBLIC_ADMIN,
        ownership=Ownership.PUBLIC,
    )
    for dept in ["Sở Y tế", "Sở Xây dựng", "Sở Nông nghiệp và Môi trường", "Sở Tài chính"]:
        add(
            "agency",
            None,
            seat,
            name=f"{dept} {pname}",
            short_name=f"{dept} {pname}",
            kind=K.DEPARTMENT,
            tax_code=_tax(ctx, province),
            sector=Sector.PUBLIC_ADMIN,
            ownership=Ownership.PUBLIC,
        )
    officer_commune = by_name[info["commune_officer"]]
    commune_committees = [officer_commune, *rng.sample([c for c in communes if c != officer_commune], 9)]
    for index, commune in enumerate(commune_committees):
        add(
            "agency",
            f"{p}-commune" if index == 0 else None,
            commune,
            name=f"Ủy ban nhân dân {commune.name}",
            short_name=f"UBND {commune.name}",
            kind=K.COMMUNE_COMMITTEE,
            tax_code=_tax(ctx, province),
            sector=Sector.PUBLIC_ADMIN,
            ownership=Ownership.PUBLIC,
            address=commune.name,
        )
    add(
        "water",
        f"{p}-water",
        seat,
        name=f"Công ty Cổ phần Cấp thoát nước {pname}",
        short_name=f"Cấp thoát nước {pname}",
        kind=K.ENTERPRISE,
        tax_code=_tax(ctx, province),
        sector=Sector.WATER,
        ownership=Ownership.STATE,
        size_class=SizeClass.LARGE,
    )
    add(
        "water",
        None,
        name=f"Công ty TNHH MTV Nước sạch Nông thôn {pname}",
        kind=K.ENTERPRISE,
        tax_code=_tax(ctx, province),
        sector=Sector.WATER,
        ownership=Ownership.STATE,
        size_class=SizeClass.MEDIUM,
    )
    add(
        "power",
        f"{p}-power",
        seat,
        name=f"Công ty Điện lực {pname}",
        short_name=f"PC {pname}",
        kind=K.ENTERPRISE,
        tax_code=_tax(ctx, province),
        sector=Sector.ELECTRICITY,
        ownership=Ownership.STATE,
        size_class=SizeClass.LARGE,
    )
    for i in range(45):
        brand = rng.choice(
            [
                "Cửa hàng xăng dầu",
                "Trạm xăng dầu",
                "Cửa hàng xăng dầu Petrolimex số",
                "Cửa hàng xăng dầu PVOIL",
            ]
        )
        add(
            "petrol",
            None,
            name=f"{brand} {i + 1:02d} {pname}",
            kind=K.ENTERPRISE,
            tax_code=_tax(ctx, province),
            sector=Sector.PETROLEUM,
            ownership=rng.choice([Ownership.STATE, Ownership.PRIVATE, Ownership.PRIVATE]),
            size_class=SizeClass.SMALL,
        )
    for i in range(6):
        add(
            "taxi",
            None,
            name=f"Công ty TNHH Taxi {rng.choice(ENTERPRISE_WORDS)} {pname} {i + 1}",
            kind=K.ENTERPRISE,
            tax_code=_tax(ctx, province),
            sector=Sector.TRANSPORT,
            ownership=Ownership.PRIVATE,
            size_class=SizeClass.MEDIUM,
        )
    for i in range(12):
        kind = "Bệnh viện Đa khoa" if i < 4 else "Phòng khám Đa khoa"
        add(
            "health",
            None,
            name=f"{kind} {rng.choice(ENTERPRISE_WORDS)} {i + 1}",
            kind=K.ENTERPRISE,
            tax_code=_tax(ctx, province),
            sector=Sector.HEALTH,
            ownership=Ownership.STATE if i < 2 else Ownership.PRIVATE,
            size_class=SizeClass.MEDIUM,
        )
    for i in range(70):
        sector = SECTORS[i % len(SECTORS)]
        group = "logistics" if sector in (Sector.LOGISTICS, Sector.TRANSPORT, Sector.FOOD) else "enterprise"
        kind = K.COOPERATIVE if i % 9 == 0 else K.ENTERPRISE
        prefix = "Hợp tác xã" if kind == K.COOPERATIVE else rng.choice(["Công ty TNHH", "Công ty Cổ phần"])
        add(
            group,
            None,
            name=f"{prefix} {rng.choice(ENTERPRISE_NAMES)} {rng.choice(ENTERPRISE_WORDS)} {i + 1}",
            kind=kind,
            tax_code=_tax(ctx, province),
            sector=sector,
            ownership=rng.choice([Ownership.PRIVATE, Ownership.PRIVATE, Ownership.STATE, Ownership.FOREIGN]),
            size_class=rng.choice(list(SizeClass)),
        )
    markets = rng.sample(communes, 12)
    for market in markets:
        for _stall in range(30):
            add(
                "market",
                None,
                market,
                name=f"Hộ kinh doanh {_name(rng)} (Chợ {market.name.split(' ', 1)[1]})",
                kind=K.HOUSEHOLD,
                tax_code=_personal(ctx, province),
                sector=Sector.TRADE,
                ownership=Ownership.PRIVATE,
                size_class=SizeClass.MICRO,
                address=f"Sạp {rng.randint(1, 250)}, Chợ {market.name.split(' ', 1)[1]}, {market.name}",
            )
    add(
        "association",
        None,
        seat,
        name=f"Hội Doanh nghiệp nhỏ và vừa {pname}",
        kind=K.ASSOCIATION,
        tax_code=_tax(ctx, province),
        sector=Sector.OTHER,
        ownership=Ownership.PRIVATE,
    )
    orgs = [org for _group, org in new]
    prepare_for_bulk(orgs)
    created = bulk_create_with_history(orgs, Organisation, batch_size=500, default_user=ctx.admin)
    for (group, _), org in zip(new, created, strict=True):
        ctx.groups.setdefault((province, group), []).append(org)


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


def _users(ctx: Ctx) -> None:
    User = get_user_model()
    for persona in PERSONAS:
        if persona.role == "admin":
            continue
        user, _ = User.objects.get_or_create(username=persona.username)
        user.first_name, user.last_name = persona.full_name, ""  # Vietnamese order: family name first
        user.email = f"{persona.username}@demo.doluong.vn"
        user.set_password(DEMO_PASSWORD)
        user.save()
        membership = Membership(
            user=user, organisation=ctx.orgs[persona.organisation], role=Role(persona.role)
        )
        membership._history_user = ctx.admin
        membership.full_clean()
        membership.save()


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
