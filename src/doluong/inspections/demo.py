"""Demo data of the inspections app: in each demo province (92 Cần Thơ, 82 Đồng Tháp) a state-inspection training
of the commune officer, a thematic campaign of the demo commune, a market with two stalls, a petrol station and a
packer, their inspections with conforming and nonconforming instrument checks, and a pre-packaged lot.

The sites are operated by existing demo organisations of the province (parties.demo): the petrol station by a
petrol-station enterprise (the site takes its name), the stalls by market households, the packer by a food
enterprise — those of the site's commune first. Where the operator has no instrument in use registered in the site's
commune (the registry demo places a station's or a household's instruments in its own commune), the instruments
found there are registered in the registry at the site: four dispensers at the station (one past its validity),
one scale at each stall. So the field package, the site's instruments and the targets' "instruments" term find
them, and the checks of those instruments link to their registry record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from doluong.core.actions import save_object
from doluong.programs.models import Attendance, Training
from doluong.registry.models import Instrument

from .models import (
    Campaign,
    Complaint,
    Correction,
    Finding,
    Inspection,
    InstrumentCheck,
    Photo,
    PrepackageLot,
    Remedy,
    SanctionProvision,
    Site,
)
from .personas import PERSONAS


def _png(color) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "PNG")
    return buf.getvalue()


def _violation(ctx, campaign, commune, leader, counts):
    """A stall whose scale weighs short: finding, proposed fine confirmed by the legal officer, re-verification
    within N days, the sealed record with a photo and a correction, and the follow-up visit where the scale
    conforms (sealed too)."""
    from django.core.files.base import ContentFile

    from . import seal as sealing

    site = _save(Site(kind="shop", name=f"Cửa hàng tạp hóa Bà Tư – {commune.name}", commune=commune), ctx)
    first_day = max(ctx.today - dt.timedelta(days=20), campaign.start_date)
    days = max(1, min(10, (ctx.today - first_day).days, (campaign.end_date - first_day).days))
    first = _save(
        Inspection(campaign=campaign, site=site, date=first_day, inspector=leader, person_present="Bà Tư"),
        ctx,
    )
    check = _save(
        InstrumentCheck(
            inspection=first,
            kind="nawi",
            found_unregistered="Cân đồng hồ lò xo 30 kg",
            stamp_ok=True,
            certificate_ok=False,
            seal_ok=True,
            accuracy_class="III",
            e=Decimal("100"),
            max_capacity=Decimal("30000"),
            reference=Decimal("20000"),
            indicated=Decimal("20250"),
        ),
        ctx,
    )
    finding = _save(
        Finding(
            inspection=first,
            instrument_check=check,
            code="error_scale",
            description="Cân bán hàng chỉ 20,25 kg khi đặt quả cân 20 kg: người mua bị thiếu 250 g",
            provision=SanctionProvision.objects.get(code="V14-2-1"),
            sanction="fine",
            proposed_fine=5_000_000,
            legal_officer="Nguyễn Văn Luật (cán bộ tư pháp)",
            confirmed_on=first_day,
        ),
        ctx,
    )
    _save(Remedy(finding=finding, kind="reverify", days=days), ctx)
    photo = Photo(inspection=first, instrument_check=check, caption="Mặt cân khi đặt quả cân 20 kg")
    photo.file = ContentFile(_png((180, 40, 40)), name="mat-can.png")
    _save(photo, ctx)
    sealing.seal(first, ctx.admin)
    _save(
        Correction(
            inspection=first,
            text="Người chứng kiến: ông Sáu (tổ trưởng chợ)",
            reason="Ghi thiếu trong biên bản",
        ),
        ctx,
    )
    follow = Inspection.objects.get(follow_up_of=first)
    _save(
        InstrumentCheck(
            inspection=follow,
            kind="nawi",
            found_unregistered="Cân đồng hồ lò xo 30 kg (đã kiểm định lại)",
            stamp_ok=True,
            certificate_ok=True,
            seal_ok=True,
            accuracy_class="III",
            e=Decimal("100"),
            max_capacity=Decimal("30000"),
            reference=Decimal("20000"),
            indicated=Decimal("20050"),
        ),
        ctx,
    )
    sealing.seal(follow, ctx.admin)
    Remedy.objects.filter(finding=finding).update(completed_on=follow.date)
    counts["inspections"] += 2
    Complaint(
        commune=commune,
        place=f"Chợ {commune.name}, sạp rau đầu dãy B",
        text="Mua 1 kg cà chua, cân lại ở nhà chỉ được khoảng 850 g.",
    ).save()


def _save(obj, ctx):
    return save_object(obj, ctx.admin)


def _operator(ctx, commune, used: set, **filters):
    """An existing demo organisation of the commune's province matching `filters` (sector, kind), not yet
    operating another demo site: one of the site's commune first, then the lowest id (deterministic, no draw from
    the demo's random generator, so the other apps' data stay as they were)."""
    from django.db.models import Case, IntegerField, Value, When

    from doluong.parties.models import Organisation

    org = (
        Organisation.objects.filter(province_id=commune.province_id, **filters)
        .exclude(pk__in=used)
        .annotate(
            away=Case(
                When(commune_id=commune.pk, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("away", "pk")
        .first()
    )
    if org is not None:
        used.add(org.pk)
    return org


def _register(ctx, site, code: str, specs) -> list:
    """The operator's instruments in use at the site: those registered in the site's commune, or — when it has
    none there — the instruments `specs` (model, serial suffix, expired?) registered now at the site's address."""
    from doluong.registry.choices import InstrumentStatus
    from doluong.registry.models import InstrumentType

    org = site.operator
    if org is None:
        return []
    found = list(
        Instrument.objects.filter(
            owner=org, commune=site.commune, status=InstrumentStatus.IN_USE, instrument_type__code=code
        ).order_by("pk")
    )
    if found:
        return found
    itype = InstrumentType.objects.filter(code=code).first()
    if itype is None:
        return []
    provider = ctx.orgs.get("ct-provider" if site.province_id == "92" else "dt-provider")
    out = []
    for model, suffix, expired in specs:
        verified = ctx.today - dt.timedelta(days=420 if expired else 90)
        out.append(
            _save(
                Instrument(
                    instrument_type=itype,
                    owner=org,
                    commune=site.commune,
                    site_address=site.address or f"{site.name}, {site.commune.name}",
                    serial=f"DL{site.province_id}{org.pk:05d}{suffix}",
                    manufacturer=model[0],
                    model=model[1],
                    year=ctx.today.year - 4,
                    accuracy_class=model[2],
                    measuring_range=model[3],
                    status=InstrumentStatus.IN_USE,
                    last_verified_on=verified,
                    last_verified_by=provider,
                    valid_until=verified + dt.timedelta(days=365),
                ),
                ctx,
            )
        )
    return out


def build(ctx) -> dict:
    from doluong.parties.demo import login

    counts = {"inspection campaigns": 0, "inspections": 0}
    for persona in PERSONAS:
        login(ctx, persona)
    year = ctx.today.year
    for p, leader in (("ct", "Lê Minh Tâm"), ("dt", "Phạm Ngọc Lan")):
        org = ctx.orgs[f"{p}-commune"]
        commune = org.commune
        province_id = commune.province_id
        course = Training(
            province_id=province_id,
            date=dt.date(year - 1, 9, 15),
            title="Tập huấn nghiệp vụ kiểm tra nhà nước về đo lường",
            audience="Cán bộ UBND cấp xã",
        )
        _save(course, ctx)
        att = _save(Attendance(training=course, full_name=leader, organisation_name=org.name), ctx)
        campaign = _save(
            Campaign(
                province_id=province_id,
                commune=commune,
                kind="thematic",
                year=year,
                title=f"Kiểm tra đo lường tại chợ và cửa hàng xăng dầu năm {year}",
                objects_inspected="Cân tại chợ, cột đo xăng dầu, hàng đóng gói sẵn",
                content="Kiểm tra tem, giấy chứng nhận kiểm định, niêm phong; phép đo đối chứng",
                start_date=dt.date(year, 1, 1),
                end_date=dt.date(year, 12, 31),
                leader_name=leader,
                leader_training=att,
                members="Cán bộ văn hóa - xã hội; cán bộ địa chính",
            ),
            ctx,
        )
        counts["inspection campaigns"] += 1
        market = _save(
            Site(
                kind="market",
                name=f"Chợ {commune.name}",
                commune=commune,
                address=f"Trung tâm {commune.name}",
            ),
            ctx,
        )
        used: set = set()
        stalls = [
            _save(
                Site(
                    kind="stall",
                    name=f"Sạp {n} – {market.name}",
                    parent=market,
                    commune=commune,
                    address=f"Sạp {n}, {market.name}",
                    operator=_operator(ctx, commune, used, kind="household", sector="trade"),
                ),
                ctx,
            )
            for n in (3, 12)
        ]
        stall_scales = [
            _register(ctx, stall, "8.1", [(("Nhơn Hòa", "NHS-15", "III", "15 kg"), "S1", False)])
            for stall in stalls
        ]
        petrol_org = _operator(ctx, commune, used, kind="enterprise", sector="petroleum")
        station = _save(
            Site(
                kind="petrol",
                name=petrol_org.name if petrol_org else f"Cửa hàng xăng dầu số 5 {commune.name}",
                commune=commune,
                address=f"Quốc lộ, {commune.name}",
                operator=petrol_org,
            ),
            ctx,
        )
        dispensers = _register(
            ctx,
            station,
            "19",
            [
                (
                    ("Tatsuno", "Sunny", "0,5", "5–50 L/min"),
                    f"V{n}",
                    n == 4,
                )  # the fourth is past its validity
                for n in (1, 2, 3, 4)
            ],
        )
        packer = _save(
            Site(
                kind="packer",
                name=f"Cơ sở đóng gói gạo {commune.name}",
                commune=commune,
                operator=_operator(ctx, commune, used, sector="food"),
            ),
            ctx,
        )
        day = min(ctx.today, dt.date(year, 12, 31))
        day = max(day - dt.timedelta(days=3), dt.date(year, 1, 1))

        def visit(site, campaign=campaign, day=day, leader=leader):
            counts["inspections"] += 1
            return _save(
                Inspection(
                    campaign=campaign, site=site, date=day, inspector=leader, person_present="Chủ cơ sở"
                ),
                ctx,
            )

        stall_visits = []
        for stall, scales, shown in zip(stalls, stall_scales, ("10030", "10080"), strict=True):
            stall_visits.append(visit(stall))
            _save(
                InstrumentCheck(
                    inspection=stall_visits[-1],
                    kind="nawi",
                    instrument=scales[0] if scales else None,
                    found_unregistered="" if scales else "Cân đồng hồ lò xo 15 kg",
                    stamp_ok=True,
                    certificate_ok=True,
                    seal_ok=True,
                    accuracy_class="III",
                    e=Decimal("50"),
                    max_capacity=Decimal("15000"),
                    reference=Decimal("10000"),
                    indicated=Decimal(shown),
                ),
                ctx,
            )
        # the nonconforming stall's visit is still open (not sealed): a warning proposed, a photo
        short = stall_visits[1]
        _save(
            Finding(
                inspection=short,
                instrument_check=short.checks.get(),
                code="error_scale",
                description="Cân chỉ 10,08 kg khi đặt quả cân 10 kg (vượt giới hạn 50 g)",
                sanction="warning",
            ),
            ctx,
        )
        from django.core.files.base import ContentFile

        photo = Photo(inspection=short, instrument_check=short.checks.get(), caption="Cân tại sạp 12")
        photo.file = ContentFile(_png((40, 120, 60)), name="can-sap-12.png")
        _save(photo, ctx)
        _save(
            InstrumentCheck(
                inspection=visit(station),
                kind="fuel_dispenser",
                instrument=dispensers[0] if dispensers else None,
                found_unregistered="" if dispensers else "Cột đo xăng dầu vòi 1",
                stamp_ok=True,
                certificate_ok=True,
                seal_ok=True,
                reference=Decimal("20"),
                indicated=Decimal("20.12"),
            ),
            ctx,
        )
        lot_visit = visit(packer)
        values = " ".join(["5000"] * 48 + ["4880", "4990"])
        _save(
            PrepackageLot(
                inspection=lot_visit,
                product="Gạo túi 5 kg",
                place="producer",
                quantity_kind="mass",
                unit="g",
                nominal=Decimal("5000"),
                lot_size=300,
                sample=values,
            ),
            ctx,
        )
        _violation(ctx, campaign, commune, leader, counts)
        # the campaign's risk-ranked target list, as the button on its targets page makes it
        from .actions import generate_campaign_targets

        targets = generate_campaign_targets(campaign, ctx.admin, ctx.today)
        counts["target sites"] = counts.get("target sites", 0) + len(targets)
    return counts
