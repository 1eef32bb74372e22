"""Demo data of the plans app: the five plans, and for Cần Thơ and Đồng Tháp the activities of 2026 (and of the
2021–2025 phase of Cần Thơ's 2021 plan), a few unit reports and a closed reporting round. Deterministic for a
given seed; a few seconds even for the 20,000-instrument demo.

It also adds a few measuring instruments of types that no provider of the two provinces has in its registered
scope (grain moisture meters, LPG dispensers: they are verified by labs of other provinces), so that the
coverage target has something to measure.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from doluong.core.models import prepare_for_bulk
from doluong.parties.demo import FAMILY
from doluong.registry.choices import InstrumentStatus
from doluong.registry.models import Instrument, InstrumentType

from .actions import do_open_round, do_save_activity
from .choices import (
    AssessmentResult,
    Channel,
    EventKind,
    MapKind,
    ReportStatus,
    RoundStatus,
    SupportKind,
    TaskStatus,
)
from .loader import load_plans
from .models import (
    Attendance,
    CommunicationItem,
    Event,
    LabAssessment,
    MapEngagement,
    Plan,
    StandardSupport,
    Survey,
    Training,
    UnitReport,
)

MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Hoàng", "Thanh", "Quốc", "Thu", "Hữu", "Kim", "Bảo", "Mỹ"]
GIVEN = [
    "An", "Bình", "Cường", "Dũng", "Hạnh", "Hương", "Khoa", "Lan", "Long", "Mai", "Nam", "Phúc", "Quang", "Sơn",
    "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Hiếu", "Nhân", "Trí", "Duyên", "Kiệt", "Như", "Phương", "Thịnh",
]  # fmt: skip
POSITIONS = [
    "Chuyên viên",
    "Cán bộ kỹ thuật",
    "Trưởng phòng",
    "Phó phòng",
    "Nhân viên QA/QC",
    "Kỹ thuật viên",
]

TOPICS = [
    "Tập huấn kiến thức pháp luật về đo lường cho cán bộ quản lý cấp xã",
    "Bồi dưỡng nghiệp vụ kiểm tra nhà nước về đo lường tại chợ và cửa hàng xăng dầu",
    "Đào tạo xây dựng và áp dụng Chương trình đảm bảo đo lường tại doanh nghiệp",
    "Tập huấn kiểm soát lượng hàng đóng gói sẵn theo Thông tư 21/2014/TT-BKHCN",
    "Đào tạo kỹ thuật viên hiệu chuẩn phương tiện đo khối lượng",
    "Bồi dưỡng kiến thức đo lường cho doanh nghiệp xăng dầu",
]


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def build(ctx) -> dict:
    load_plans(user=ctx.admin)
    added = _coverage_gap_instruments(ctx)
    plans = {p.slug: p for p in Plan.objects.all()}
    targets = {(p.slug, t.code): t for p in plans.values() for t in p.targets.all()}
    counts = {"trainings": 0, "attendees": 0, "activities": 0, "unit reports": 0}
    people = {province: _people(ctx, province) for province in ("92", "82")}

    def T(slug, *codes):
        return [targets[(slug, code)] for code in codes]

    def save(obj, target_list):
        obj._history_user = ctx.admin
        do_save_activity(obj, ctx.admin, target_list)
        counts["activities"] += 1
        return obj

    def training(province, date, title, organiser, audience, size, target_list, repeat_from=None):
        course = save(
            Training(
                province_id=province,
                date=date,
                end_date=date + dt.timedelta(days=ctx.rng.choice([0, 1, 2])),
                title=title,
                organiser=organiser,
                audience=audience,
                venue=f"Hội trường {organiser}",
            ),
            target_list,
        )
        pool = people[province]
        chosen = []
        if repeat_from:
            chosen += ctx.rng.sample(
                repeat_from, k=min(len(repeat_from), size // 5)
            )  # trained twice: two lượt
        fresh = [p for p in pool if p not in chosen and not p.get("used")]
        for person in fresh[: size - len(chosen)]:
            person["used"] = True
            chosen.append(person)
        rows = [Attendance(training=course, **{k: v for k, v in p.items() if k != "used"}) for p in chosen]
        for row in rows:
            row.person_key = ""
            row.normalise_text()
            from .models import person_key

            row.person_key = person_key(row.full_name, row.birth_date, row.national_id, row.organisation_name)
        bulk_create_with_history(rows, Attendance, default_user=ctx.admin)
        counts["trainings"] += 1
        counts["attendees"] += len(rows)
        return chosen

    # ------------------------------------------------------------------ Cần Thơ (92): two plans
    dost = ctx.orgs["ct-dost"]
    enterprises = _enterprises(ctx, "92")
    providers = ctx.providers["92"]
    ct21, ct26 = "can-tho-2021-2030", "can-tho-2026-2030"
    # phase 1 of the 2021 plan, year by year
    for year in range(2021, 2026):
        training(
            "92", _d(year, 6, 15), f"{TOPICS[year % len(TOPICS)]} năm {year}", dost,
            "Cán bộ quản lý, doanh nghiệp", 26, T(ct21, "II.1.b"),
        )  # fmt: skip
        for i in range(4 if year != 2023 else 2):
            company = enterprises[(year * 7 + i) % len(enterprises)]
            save(
                MapEngagement(
                    province_id="92", date=_d(year, 3 + i * 2, 10), organiser=dost, beneficiary=company,
                    kind=MapKind.METHOD, title=f"Xây dựng phương pháp đo cho {company.name}",
                ),
                T(ct21, "II.1.c.2"),
            )  # fmt: skip
        save(
            StandardSupport(
                province_id="92", date=_d(year, 9, 20), organiser=dost, holder=providers[0],
                kind=SupportKind.INVESTED, quantity=1,
                title=f"Đầu tư chuẩn đo lường năm {year} cho {providers[0].short_name}",
                amount=ctx.rng.randint(4, 12) * 100_000_000,
            ),
            T(ct21, "II.1.a"),
        )  # fmt: skip
    for year, lab in ((2023, providers[0]), (2025, providers[1])):
        save(
            LabAssessment(
                province_id="92", date=_d(year, 10, 5), organiser=dost, lab=lab, result=AssessmentResult.MEETS,
                title=f"Đánh giá {lab.short_name} theo bộ tiêu chí quốc gia",
            ),
            T(ct21, "II.1.d"),
        )  # fmt: skip
    for year, provider in ((2022, providers[0]), (2024, providers[2])):
        save(
            MapEngagement(
                province_id="92", date=_d(year, 8, 12), organiser=dost, beneficiary=provider,
                kind=MapKind.SERVICE_SUPPORT, title=f"Hỗ trợ {provider.short_name} triển khai Chương trình đảm bảo đo lường",
            ),
            T(ct21, "II.1.c.1"),
        )  # fmt: skip
    # 2026: counts toward phase 2 of the 2021 plan and toward the 2026 plan alike
    first = training(
        "92",
        _d(2026, 4, 16),
        TOPICS[0],
        dost,
        "Cán bộ UBND xã, phường",
        34,
        T(ct21, "II.2.b") + T(ct26, "II.3"),
    )
    training(
        "92", _d(2026, 8, 20), TOPICS[2], dost, "Doanh nghiệp, tổ chức kiểm định", 28,
        T(ct21, "II.2.b") + T(ct26, "II.3"), repeat_from=first,
    )  # fmt: skip
    for i in range(7):
        company = enterprises[(i * 5 + 3) % len(enterprises)]
        save(
            MapEngagement(
                province_id="92", date=_d(2026, 2 + i, 8 + i), organiser=dost, beneficiary=company,
                kind=[MapKind.METHOD, MapKind.SERVICE_SUPPORT, MapKind.PREPACKAGE][i % 3],
                title=f"Hỗ trợ {company.name} áp dụng Chương trình đảm bảo đo lường",
            ),
            T(ct21, "II.2.c.2") + T(ct26, "II.4.2"),
        )  # fmt: skip
    save(
        MapEngagement(
            province_id="92", date=_d(2026, 5, 22), organiser=dost, beneficiary=providers[1],
            kind=MapKind.SERVICE_SUPPORT, title=f"Hỗ trợ {providers[1].short_name} chuẩn hóa năng lực hiệu chuẩn",
        ),
        T(ct21, "II.2.c.1") + T(ct26, "II.4.1"),
    )  # fmt: skip
    save(
        StandardSupport(
            province_id="92", date=_d(2026, 7, 3), organiser=dost, holder=providers[1],
            kind=SupportKind.SOCIALISED, quantity=2, amount=850_000_000,
            title="Xã hội hóa 02 chuẩn dung tích hạng 2 tại Kiểm định Tây Đô",
        ),
        T(ct21, "II.2.a") + T(ct26, "II.1"),
    )  # fmt: skip
    save(
        LabAssessment(
            province_id="92", date=_d(2026, 9, 24), organiser=dost, lab=providers[2],
            result=AssessmentResult.PARTLY, title=f"Đánh giá {providers[2].short_name} theo bộ tiêu chí quốc gia",
        ),
        T(ct21, "II.2.d"),
    )  # fmt: skip
    _outreach(ctx, "92", dost, save)

    # ------------------------------------------------------------------ Đồng Tháp (82)
    dost = ctx.orgs["dt-dost"]
    enterprises = _enterprises(ctx, "82")
    providers = ctx.providers["82"]
    dt_plan = "dong-thap-2026-2030"
    previous = []
    for i, (month, size, audience) in enumerate(
        [(3, 42, "Cán bộ UBND xã, phường"), (5, 38, "Doanh nghiệp"), (7, 30, "Cửa hàng xăng dầu"),
         (9, 36, "Doanh nghiệp đóng gói"), (10, 24, "Cán bộ các sở, ngành")]
    ):  # fmt: skip
        previous += training(
            "82", _d(2026, month, 12 + i), TOPICS[(i + 1) % len(TOPICS)], dost, audience, size,
            T(dt_plan, "II.2.b"), repeat_from=previous[:40] if i >= 2 else None,
        )  # fmt: skip
    for i in range(11):
        company = enterprises[(i * 3 + 1) % len(enterprises)]
        save(
            MapEngagement(
                province_id="82", date=_d(2026, 1 + i % 10, 5 + i), organiser=dost, beneficiary=company,
                kind=[MapKind.SERVICE_SUPPORT, MapKind.METHOD, MapKind.PREPACKAGE][i % 3],
                title=f"Hỗ trợ {company.name} theo Chương trình đảm bảo đo lường",
            ),
            T(dt_plan, "II.2.c"),
        )  # fmt: skip
    for lab, result, month in (
        (providers[1], AssessmentResult.MEETS, 6),
        (providers[2], AssessmentResult.PARTLY, 10),
    ):
        save(
            LabAssessment(
                province_id="82", date=_d(2026, month, 18), organiser=dost, lab=lab, result=result,
                title=f"Đánh giá {lab.short_name} theo bộ tiêu chí quốc gia",
            ),
            T(dt_plan, "II.2.d"),
        )  # fmt: skip
    save(
        StandardSupport(
            province_id="82", date=_d(2026, 8, 14), organiser=dost, holder=providers[0],
            kind=SupportKind.INVESTED, quantity=3, amount=1_450_000_000,
            title="Đầu tư hệ thống chuẩn lưu lượng nước và bình chuẩn dung tích cho TTKT TĐC Đồng Tháp",
        ),
        T(dt_plan, "II.2.a"),
    )  # fmt: skip
    _outreach(ctx, "82", dost, save)

    _task_statuses(ctx, plans)
    counts["unit reports"] = _reports(ctx, plans)
    counts["coverage instruments"] = added
    return {f"plans: {k}": v for k, v in counts.items()} | {"plans": len(plans)}


def _people(ctx, province: str) -> list[dict]:
    rng = ctx.rng
    workplaces = [o.name for o in ctx.groups.get((province, "agency"), [])]
    workplaces += [o.name for o in ctx.groups.get((province, "enterprise"), [])[:30]]
    workplaces += [o.name for o in ctx.groups.get((province, "petrol"), [])[:10]]
    people = []
    for i in range(400):
        born = dt.date(rng.randint(1968, 2001), rng.randint(1, 12), rng.randint(1, 28))
        people.append(
            {
                "full_name": f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                "birth_date": born,
                "national_id": f"0{province}{rng.randint(0, 3)}{born.year % 100:02d}{i:06d}"
                if i % 10 < 7
                else "",
                "organisation_name": rng.choice(workplaces),
                "position": rng.choice(POSITIONS),
                "phone": f"09{rng.randint(10000000, 99999999)}",
            }
        )
    return people


def _enterprises(ctx, province: str) -> list:
    orgs = ctx.groups.get((province, "enterprise"), []) + ctx.groups.get((province, "logistics"), [])
    orgs += ctx.groups.get((province, "water"), []) + ctx.groups.get((province, "power"), [])
    return sorted(orgs, key=lambda o: o.pk)


def _outreach(ctx, province: str, dost, save) -> None:
    name = "Cần Thơ" if province == "92" else "Đồng Tháp"
    save(
        Event(
            province_id=province, date=_d(2026, 1, 20), organiser=dost, kind=EventKind.METROLOGY_DAY,
            participants=ctx.rng.randint(120, 200), venue=f"Sở Khoa học và Công nghệ {name}",
            title=f"Mít tinh hưởng ứng Ngày Đo lường Việt Nam 20/01/2026 tại {name}",
        ),
        [],
    )  # fmt: skip
    save(
        Event(
            province_id=province, date=_d(2026, 6, 25), organiser=dost, kind=EventKind.CONFERENCE,
            participants=ctx.rng.randint(60, 110),
            title="Hội nghị triển khai Kế hoạch thực hiện Đề án 996 giai đoạn 2026 - 2030",
        ),
        [],
    )  # fmt: skip
    save(
        Event(
            province_id=province, date=_d(2026, 10, 8), organiser=dost, kind=EventKind.WORKSHOP,
            participants=ctx.rng.randint(40, 80),
            title="Hội thảo chuyển đổi số trong quản lý đo lường và cơ sở dữ liệu đo lường dùng chung",
        ),
        [],
    )  # fmt: skip
    outlets = {
        Channel.PRESS: f"Báo {name}",
        Channel.RADIO: f"Đài Phát thanh và Truyền hình {name}",
        Channel.TELEVISION: f"Đài Phát thanh và Truyền hình {name}",
        Channel.PORTAL: f"Cổng thông tin điện tử Sở KH&CN {name}",
        Channel.SOCIAL: f"Fanpage Sở KH&CN {name}",
    }
    items = [
        (_d(2026, 1, 16), Channel.PORTAL, "Hưởng ứng Ngày Đo lường Việt Nam năm 2026", True),
        (
            _d(2026, 1, 20),
            Channel.TELEVISION,
            "Phóng sự: Đo lường chính xác vì quyền lợi người tiêu dùng",
            True,
        ),
        (_d(2026, 1, 21), Channel.SOCIAL, "Hình ảnh mít tinh Ngày Đo lường Việt Nam 20/01", True),
        (_d(2026, 3, 15), Channel.PRESS, "Kiểm tra đo lường tại chợ: người tiêu dùng cần biết", False),
        (_d(2026, 4, 2), Channel.RADIO, "Chuyên mục khoa học: cân đúng, đong đủ", False),
        (
            _d(2026, 5, 28),
            Channel.PORTAL,
            "Hướng dẫn doanh nghiệp tham gia Chương trình đảm bảo đo lường",
            False,
        ),
        (_d(2026, 7, 9), Channel.SOCIAL, "Tra cứu giấy chứng nhận kiểm định bằng mã QR", False),
        (_d(2026, 9, 17), Channel.PRESS, "Doanh nghiệp nâng cao năng lực đo lường để hội nhập", False),
    ]
    for date, channel, title, metrology_day in items:
        save(
            CommunicationItem(
                province_id=province, date=date, organiser=dost, channel=channel, outlet=outlets[channel],
                title=title, metrology_day=metrology_day,
            ),
            [],
        )  # fmt: skip
    save(
        Survey(
            province_id=province, date=_d(2026, 5, 6), organiser=dost, respondents=ctx.rng.randint(35, 60),
            instruments=ctx.rng.randint(600, 1400),
            title="Khảo sát tình hình sử dụng phương tiện đo nhóm 2 tại doanh nghiệp và chợ",
            findings="Phần lớn phương tiện đo được kiểm định đúng hạn; cân tại chợ còn nhiều cân hết hạn kiểm định.",
        ),
        [],
    )  # fmt: skip


def _task_statuses(ctx, plans) -> None:
    from .models import Task

    for task in (
        Task.objects.filter(plan__province_id__in=["92", "82"]).select_related("phase").order_by("pk")
    ):
        if task.phase and task.phase.end <= 2025:
            status = TaskStatus.COMPLETED
        else:
            status = ctx.rng.choice(
                [TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS, TaskStatus.NOT_STARTED, TaskStatus.COMPLETED]
            )
        if status != task.status:
            task.status = status
            task._history_user = ctx.admin
            task.save(update_fields=["status"])


def _reports(ctx, plans) -> int:
    count = 0
    texts = [
        "Đã phối hợp tổ chức tuyên truyền, phổ biến pháp luật về đo lường; cử cán bộ tham gia lớp tập huấn.",
        "Phối hợp kiểm tra đo lường tại chợ và cửa hàng xăng dầu trên địa bàn; không phát hiện vi phạm lớn.",
        "Hướng dẫn doanh nghiệp thuộc lĩnh vực quản lý tham gia Chương trình đảm bảo đo lường.",
    ]
    moments = [timezone.make_aware(dt.datetime(2026, 11, d, 9 + d % 6, 15)) for d in (10, 14, 17, 19, 20)]
    for slug, year, submit_share in (("dong-thap-2026-2030", 2026, 0.5), ("can-tho-2026-2030", 2026, 0.3),
                                     ("can-tho-2021-2030", 2025, 1.0)):  # fmt: skip
        plan = plans[slug]
        round_ = do_open_round(plan, year, ctx.admin)
        units = list(round_.expected_units())
        industry = [u for u in units if u.pk in (ctx.orgs["ct-industry"].pk, ctx.orgs["dt-industry"].pk)]
        others = [u for u in units if u not in industry]
        # Sở Công Thương reports first; communes and the other departments follow at the plan's share
        drafts = {ctx.orgs["ct-commune"].pk, ctx.orgs["dt-commune"].pk}
        chosen = industry + others[: int(len(others) * submit_share)]
        chosen += [u for u in others if u.pk in drafts and u not in chosen]
        for index, unit in enumerate(chosen):
            report = UnitReport(
                round=round_,
                organisation=unit,
                summary=f"{unit.name} báo cáo kết quả thực hiện các nhiệm vụ được giao năm {year}. "
                + texts[index % len(texts)],
                difficulties="Kinh phí cho hoạt động tuyên truyền còn hạn chế." if index % 2 else "",
                proposals="Đề nghị Sở KH&CN tiếp tục mở lớp tập huấn cho cán bộ cấp xã."
                if index % 3 == 0
                else "",
            )
            report._history_user = ctx.admin
            report.save()
            for item in report.items.select_related("task"):
                item.result = texts[(index + item.task.position) % len(texts)]
                item.status = TaskStatus.COMPLETED if year < 2026 else TaskStatus.IN_PROGRESS
                if "tuyên truyền" in item.task.content:
                    item.figure, item.figure_label = ctx.rng.randint(2, 9), "tin, bài tuyên truyền"
                item._history_user = ctx.admin
                item.save()
            # a few stay drafts, among them the demo communes' (their officers get the reminders)
            draft = year >= 2026 and (index % 4 == 3 or unit.pk in drafts)
            if not draft:
                report.status = ReportStatus.SUBMITTED
                moment = moments[index % len(moments)]
                report.submitted_at = moment.replace(year=year) if year < 2026 else moment
                report.save(update_fields=["status", "submitted_at"])
            count += 1
        if year < 2026:
            round_.status = RoundStatus.CLOSED
            round_.closed_on = dt.date(year, 12, 31)
            round_._history_user = ctx.admin
            round_.save()
    return count


def _coverage_gap_instruments(ctx) -> int:
    """Grain moisture meters at rice and food companies and LPG dispensers at petrol stations: types outside
    every local provider's registered scope."""
    types = {
        t.code: t for t in InstrumentType.objects.filter(code__in=["35", "20"]).prefetch_related("rules")
    }
    rows = []
    for province in ("92", "82"):
        in_province = Instrument.objects.filter(province_id=province).count()
        share = max(3, in_province // 40)
        for code, group, maker, model in (
            ("35", "enterprise", "Kett", "PM-450"),
            ("20", "petrol", "Tatsuno", "LPG-S"),
        ):
            itype = types.get(code)
            owners = ctx.groups.get((province, group), [])
            if itype is None or not owners:
                continue
            for i in range(share // 2 + 1):
                owner = owners[(i * 7) % len(owners)]
                rows.append(
                    Instrument(
                        instrument_type=itype,
                        owner=owner,
                        commune=owner.commune,
                        province_id=province,
                        site_address=owner.address,
                        serial=f"{code}-{province}-{i + 1:04d}",
                        manufacturer=maker,
                        model=model,
                        year=ctx.rng.randint(2015, 2025),
                        status=InstrumentStatus.IN_USE,
                        last_verified_on=ctx.today - dt.timedelta(days=ctx.rng.randint(30, 500)),
                    )
                )
    for row in rows:
        row.compute_dates()  # valid until: the cycle of the type's rule on the verification day
    prepare_for_bulk(rows)
    bulk_create_with_history(rows, Instrument, batch_size=1000, default_user=ctx.admin)
    return len(rows)
