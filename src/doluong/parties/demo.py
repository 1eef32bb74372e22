"""The parties app's demo data: the organisations of the demo provinces (agencies, commune committees,
enterprises, markets, stations, clinics …) and the persona accounts with their memberships (`core.personas`).

Run by `core.demo.build_demo` in app order; the registry's demo adds the service providers (their registrations
name instrument types) and then calls `accounts(ctx)`, since the provider personas belong to a provider.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from simple_history.utils import bulk_create_with_history

from doluong.core.demo import Ctx
from doluong.core.models import prepare_for_bulk
from doluong.core.personas import CORE_PERSONAS, DEMO_PASSWORD, Persona
from doluong.core.validators import make_tax_code
from doluong.geo.models import Commune

from .choices import OrganisationKind as K
from .choices import Ownership, Role, Sector, SizeClass
from .models import Membership, Organisation

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
        "officer_commune": "Phường Ninh Kiều",
        "roads": ["Đường 30 Tháng 4", "Đường Trần Hưng Đạo", "Đường Nguyễn Văn Cừ", "Đường Mậu Thân"],
    },
    "82": {
        "name": "Đồng Tháp",
        "tax": "14",
        "personal": "087",
        "prefix": "dt",
        "seat": "Phường Mỹ Tho",
        "officer_commune": "Phường Cao Lãnh",
        "roads": ["Đường Nguyễn Huệ", "Đường Lý Thường Kiệt", "Đường Hùng Vương", "Quốc lộ 30"],
    },
}

# instrument type code → (share of the demo instruments, owner group, manufacturers, models, class, range)
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


def build(ctx: Ctx) -> dict:
    for province in PROVINCES:
        communes = list(Commune.objects.filter(province_id=province).select_related("province"))
        ctx.communes[province] = communes
        _organisations(ctx, province, communes)
    return {}


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
    officer_commune = by_name[info["officer_commune"]]
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


def accounts(ctx: Ctx) -> None:
    """The base apps' persona logins (core.personas.CORE_PERSONAS) with their memberships; every persona's
    organisation must exist. An app's own personas are created by its demo builder with `login`."""
    for persona in CORE_PERSONAS:
        if persona.role != "admin":
            login(ctx, persona)


def login(ctx: Ctx, persona: Persona):
    """Create (or refresh) a persona's demo login and its membership of `ctx.orgs[persona.organisation]`."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=persona.username)
    user.first_name, user.last_name = persona.full_name, ""  # Vietnamese order: family name first
    user.email = f"{persona.username}@demo.doluong.vn"
    user.set_password(DEMO_PASSWORD)
    user.save()
    membership = Membership(user=user, organisation=ctx.orgs[persona.organisation], role=Role(persona.role))
    membership._history_user = ctx.admin
    membership.full_clean()
    membership.save()
    return user
