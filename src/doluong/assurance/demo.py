"""Demo data of the Measurement Assurance Program: a food packer and the water utility in Cần Thơ, the water
utility and an electronics plant in Đồng Tháp, their programmes at different steps, measurement processes,
instruments and confirmations (one of them failing, with its corrective action)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from doluong.core.dates import add_months


def _enterprise(ctx, province, words, key):
    from doluong.parties.choices import OrganisationKind as K
    from doluong.parties.models import Organisation

    rows = Organisation.objects.filter(province_id=province, kind=K.ENTERPRISE).order_by("pk")
    for word in words:
        found = rows.filter(name__icontains=word).first()
        if found:
            break
    else:
        found = rows.first()
    ctx.orgs[key] = found
    return found


def _instrument(ctx, owner, type_code_hint, serial, model):
    from doluong.registry.models import Instrument, InstrumentType

    itype = (
        InstrumentType.objects.filter(name__icontains=type_code_hint).first()
        or InstrumentType.objects.first()
    )
    instrument = Instrument(
        instrument_type=itype,
        owner=owner,
        commune=owner.commune or ctx.communes[owner.province_id][0],
        serial=serial,
        manufacturer="Demo",
        model=model,
        # verified like the registry's demo instruments, so that its due date follows from the rule in force
        last_verified_on=ctx.today - dt.timedelta(days=60),
    )
    instrument._history_user = ctx.admin
    instrument.save()
    return instrument


def build(ctx):
    from doluong.parties.demo import login

    from .choices import Rule, Step
    from .models import Confirmation, ConfirmationPoint, MeasurementProcess, ProcessInstrument, Programme
    from .personas import PERSONAS

    today = ctx.today
    start = dt.date(today.year, 1, 1)
    plan = [
        (
            "92",
            ("Thực phẩm", "Thủy sản", "Chế biến"),
            "ct-food",
            Step.IMPLEMENTATION,
            "cân",
            "khối lượng tịnh",
            "g",
            "500",
            "2",
            "1",
        ),
        ("92", (), "ct-water", Step.DRAFT, "đồng hồ nước", "thể tích nước", "L", "1000", "20", "5"),
        ("82", (), "dt-water", Step.ANALYSIS, "đồng hồ nước", "thể tích nước", "L", "1000", "20", "5"),
        (
            "82",
            ("Điện tử",),
            "dt-electronics",
            Step.CONSULTATION,
            "thước",
            "độ dày tấm mạch",
            "mm",
            "1.6",
            "0.05",
            None,
        ),
    ]
    made = {"programmes": 0, "processes": 0, "confirmations": 0}
    for index, (province, words, key, step, type_hint, characteristic, unit, nominal, tol, umax) in enumerate(
        plan
    ):
        org = ctx.orgs.get(key) or _enterprise(ctx, province, words, key)
        programme = Programme(
            enterprise=org,
            title=f"Chương trình đảm bảo đo lường {today.year}–{today.year + 1}",
            period_start=start,
            period_end=add_months(start, 24) - dt.timedelta(days=1),
            measurement_officer="Cán bộ phụ trách đo lường",
            state_organisation="Đã giao phòng Quản lý chất lượng phụ trách đo lường.",
            state_methods="Một số phép đo chưa có quy trình bằng văn bản.",
            state_technical="Phương tiện đo nhóm 2 được kiểm định; phương tiện nhóm 1 chưa có kế hoạch hiệu chuẩn.",
            expected_effect="Giảm sai số định lượng, tránh khiếu nại của khách hàng.",
            objectives="100 % phương tiện đo phục vụ quá trình đo được xác nhận đo lường.",
            tasks="Lập danh mục phương tiện đo; xây dựng phương pháp đo; hiệu chuẩn định kỳ.",
            solutions="Đào tạo cán bộ; thuê tổ chức hiệu chuẩn đã đăng ký.",
            budget="120.000.000 đồng từ nguồn của doanh nghiệp.",
            step=step,
        )
        if step in (Step.CONSULTATION, Step.IMPLEMENTATION):
            programme.consulted_on = today - dt.timedelta(days=40)
            programme.consultation = "Lấy ý kiến các phòng ban và chuyên gia tư vấn của Sở KH&CN."
        if step == Step.IMPLEMENTATION:
            programme.approved_on = today - dt.timedelta(days=30)
            programme.approved_by = "Giám đốc doanh nghiệp"
        programme._history_user = ctx.admin
        programme.save()
        made["programmes"] += 1
        process = MeasurementProcess(
            enterprise=org,
            name=f"Kiểm soát {characteristic}",
            characteristic=characteristic,
            unit=unit,
            nominal=Decimal(nominal),
            tolerance=Decimal(tol),
            max_uncertainty=Decimal(umax) if umax else None,
            temperature_min=Decimal(20),
            temperature_max=Decimal(30),
            method_document="QT-ĐL-01",
            method_version="1",
            owner="Trưởng phòng Quản lý chất lượng",
        )
        process._history_user = ctx.admin
        process.save()
        made["processes"] += 1
        instrument = _instrument(ctx, org, type_hint, f"DBDL-{province}-{index + 1:03d}", "Demo-1")
        link = ProcessInstrument(process=process, instrument=instrument)
        link._history_user = ctx.admin
        link.save()
        confirmation = Confirmation(
            process=process,
            instrument=instrument,
            confirmed_on=today - dt.timedelta(days=20),
            next_on=add_months(today, 12),
            rule=Rule.GUARD_BAND,
            certificate_number=f"HC-{index + 1:04d}",
            calibrated_by="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng",
            procedure="QT-XN-01",
            environment="(23 ± 2) °C",
            traceability="Chuẩn quốc gia qua tổ chức hiệu chuẩn",
            responsible_person="Trưởng phòng Quản lý chất lượng",
        )
        confirmation._history_user = ctx.admin
        confirmation.save()
        tolerance = Decimal(tol)
        # the electronics plant's caliper fails: its error plus U exceeds the tolerance (guard band w = U)
        error = tolerance * Decimal("0.8") if key == "dt-electronics" else tolerance * Decimal("0.2")
        uncertainty = tolerance * Decimal("0.3") if key == "dt-electronics" else tolerance * Decimal("0.2")
        for position, factor in enumerate((Decimal("0.5"), Decimal("1")), start=1):
            point = ConfirmationPoint(
                confirmation=confirmation,
                position=position,
                nominal=Decimal(nominal) * factor,
                error=error,
                uncertainty=uncertainty,
            )
            point._history_user = ctx.admin
            point.save()
        made["confirmations"] += 1
    for persona in PERSONAS:
        login(ctx, persona)
    cases = _out_of_tolerance(ctx)
    support = _support(ctx)
    advisory = _advisory(ctx)
    plans = sum(_calibration_plan(ctx, key) for key in ("ct-water", "ct-food"))
    surveys = _readiness(ctx)
    return {
        "readiness surveys": surveys,
        "calibration plans": plans,
        "assurance programmes": made["programmes"],
        "measurement processes": made["processes"],
        "confirmations": made["confirmations"],
        "out-of-tolerance cases": cases,
        "programme support activities": support,
        "advisory assignments": advisory,
    }


#: the demo consultant's login (assurance.personas)
CONSULTANT = "ct.tuvan"


def _advisory(ctx) -> int:
    """The province assigns the technical centre's consultant to the Cần Thơ food packer (on the province's
    consultancy activity) and to the water utility; an earlier assignment to another enterprise has ended."""
    from django.contrib.auth import get_user_model

    from doluong.parties.choices import OrganisationKind as K
    from doluong.parties.models import Organisation

    from .choices import SupportKind
    from .models import AdvisoryAssignment, SupportActivity

    centre = ctx.orgs.get("ct-provider")
    user = get_user_model().objects.filter(username=CONSULTANT).first()
    if centre is None:
        return 0
    rows = []
    for key, days, support_kind in (("ct-food", 120, SupportKind.CONSULTANCY), ("ct-water", 60, None)):
        org = ctx.orgs.get(key)
        if org is None:
            continue
        support = (
            SupportActivity.objects.filter(beneficiary=org, kind=support_kind).order_by("date").first()
            if support_kind
            else None
        )
        rows.append(
            AdvisoryAssignment(
                consultant=centre,
                person=user.get_full_name() if user else "",
                user=user,
                enterprise=org,
                valid_from=ctx.today - dt.timedelta(days=days),
                support=support,
            )
        )
    taken = {ctx.orgs[k].pk for k in ("ct-food", "ct-water") if ctx.orgs.get(k)}
    ended = (
        Organisation.objects.filter(province_id=centre.province_id, kind=K.ENTERPRISE)
        .exclude(pk__in=taken)
        .order_by("pk")
        .first()
    )
    if ended is not None:
        rows.append(
            AdvisoryAssignment(
                consultant=centre,
                person=user.get_full_name() if user else "",
                user=user,
                enterprise=ended,
                valid_from=ctx.today - dt.timedelta(days=400),
                valid_to=ctx.today - dt.timedelta(days=35),
                notes="Đã kết thúc hợp đồng tư vấn.",
            )
        )
    for row in rows:
        row._history_user = ctx.admin
        row.full_clean()
        row.save()
    return len(rows)


def _support(ctx) -> int:
    """The MAP engagements migrated (as an upgraded installation has them), and the province's consultancy to
    the food packer's programme, counted toward the Cần Thơ plan's MAP target in force."""
    from doluong.programs.models import Source, Target

    from .choices import Funding, SupportKind
    from .models import Programme, SupportActivity
    from .progress import migrate_engagements

    copied = migrate_engagements()
    org = ctx.orgs.get("ct-food")
    if org is None:
        return copied
    year = ctx.today.year
    target = next(
        (
            t
            for t in Target.objects.filter(source=Source.MAP_ENGAGEMENTS, plan__province_id=org.province_id)
            .select_related("plan", "phase")
            .order_by("pk")
            if t.first_year <= year <= t.last_year
        ),
        None,
    )
    made = 0
    for days, kind, title, hours in (
        (50, SupportKind.CONSULTANCY, "Tư vấn xây dựng Chương trình đảm bảo đo lường", "24"),
        (25, SupportKind.METHOD, "Hỗ trợ xây dựng phương pháp đo khối lượng tịnh", "16"),
    ):
        row = SupportActivity(
            province_id=org.province_id,
            date=ctx.today - dt.timedelta(days=days),
            title=title,
            beneficiary=org,
            kind=kind,
            programme=Programme.objects.filter(enterprise=org).first(),
            consultants="ThS. Trần Minh Khoa; KS. Lê Thị Thu",
            hours=Decimal(hours),
            funding=Funding.STATE,
        )
        row._history_user = ctx.admin
        row.save()
        if target is not None:
            row.targets.add(target)
        made += 1
    return copied + made


def _out_of_tolerance(ctx) -> int:
    """A Cần Thơ provider's working standard fails its calibration (as-found error): the certificates issued with
    it since its last good calibration reach the water utility's instruments; one of them serves the utility's
    process and its confirmation (based on that certificate) changes verdict once recomputed."""
    from doluong.verification import numbering
    from doluong.verification.choices import RecordKind, Result, Series
    from doluong.verification.models import Certificate, MeasurementPoint, VerificationRecord

    from .choices import Rule
    from .models import (
        Confirmation,
        ConfirmationPoint,
        MeasurementProcess,
        OutOfToleranceCase,
        ProcessInstrument,
    )

    provider = ctx.orgs.get("ct-provider")
    water = ctx.orgs.get("ct-water")
    if provider is None or water is None:
        return 0
    cert = (
        Certificate.objects.filter(
            provider=provider, instrument__owner=water, record__standard_links__isnull=False, status="valid"
        )
        .order_by("-verified_on", "pk")
        .first()
    )
    if cert is None:
        return 0
    standard = cert.record.standard_links.first().standard
    process = MeasurementProcess.objects.filter(enterprise=water).first()
    if process is None:
        return 0
    link = ProcessInstrument(process=process, instrument=cert.instrument)
    link._history_user = ctx.admin
    link.save()
    tol = process.tolerance or Decimal(20)
    confirmation = Confirmation(
        process=process,
        instrument=cert.instrument,
        confirmed_on=cert.verified_on,
        rule=Rule.GUARD_BAND,
        certificate=cert,
        calibrated_by=str(provider),
        responsible_person="Trưởng phòng Kỹ thuật",
    )
    confirmation._history_user = ctx.admin
    confirmation.save()
    point = ConfirmationPoint(
        confirmation=confirmation,
        position=1,
        nominal=process.nominal or Decimal(1000),
        error=tol * Decimal("0.2"),
        uncertainty=tol * Decimal("0.2"),
    )
    point._history_user = ctx.admin
    point.save()
    day = ctx.today - dt.timedelta(days=1)
    record = VerificationRecord(
        number=numbering.allocate(provider, Series.RECORD, day.year),
        kind=RecordKind.CALIBRATION,
        standard=standard,
        provider=provider,
        performed_on=day,
        result=Result.FAILED,
        province_id=standard.province_id,
        owner=standard.holder,
        procedure="ĐLVN hiệu chuẩn chuẩn công tác",
        notes="Hiệu chuẩn định kỳ: sai số vượt giới hạn cho phép của chuẩn.",
    )
    record._history_user = ctx.admin
    record.save()
    MeasurementPoint.objects.create(
        record=record,
        position=1,
        unit=process.unit,
        nominal=process.nominal or Decimal(1000),
        found=(process.nominal or Decimal(1000)) + tol * Decimal("0.65"),
        error=tol * Decimal("0.65"),
        mpe=tol * Decimal("0.1"),
        verdict="fail",
    )
    case = OutOfToleranceCase(
        record=record, description="Chuẩn công tác phát hiện vượt dung sai khi hiệu chuẩn định kỳ."
    )
    case._history_user = ctx.admin
    case.save()
    return 1


#: the water utility's own Group 1 equipment: name, quantity, unit, range, required U, interval (months), and
#: its calibration history as found (months back from the demo day → in tolerance)
GROUP_1 = {
    "ct-water": [
        (
            "Máy đo pH để bàn",
            "pH",
            "pH",
            "0",
            "14",
            "0.05",
            6,
            [(42, True), (36, True), (30, False), (24, True), (18, False), (12, True), (6, True)],
        ),
        (
            "Nhiệt kế điện tử phòng thí nghiệm",
            "nhiệt độ",
            "°C",
            "-10",
            "110",
            "0.2",
            12,
            [(36, True), (24, True), (12, True)],
        ),
        ("Cân phân tích", "khối lượng", "g", "0", "220", "0.001", 12, [(24, True), (12, True)]),
        ("Máy đo độ đục", "độ đục", "NTU", "0", "1000", None, 12, [(11, True)]),
    ],
    "ct-food": [
        (
            "Nhiệt kế que kiểm tra sản phẩm",
            "nhiệt độ",
            "°C",
            "-40",
            "120",
            "0.3",
            12,
            [(24, True), (12, False)],
        ),
        ("Quả cân chuẩn F2 (bộ)", "khối lượng", "g", "1", "500", "0.01", 24, [(23, True)]),
    ],
}
#: the calibration scope (range and uncertainty stated) the province's main provider registers for them
CALIBRATION_SCOPE = [
    ("pH", "0 ÷ 14 pH", "U = 0,02 pH"),
    ("Nhiệt độ", "-30 ÷ 150 °C", "U = 0,1 °C"),
    ("Khối lượng", "0 ÷ 500 g", "0,0005 g"),
]


def _calibration_plan(ctx, key) -> int:
    """The enterprise's inventory (a few of its Group 2 instruments, its own Group 1 equipment with history)
    and this year's calibration plan generated from it, with providers, costs and the calibrations done."""
    from doluong.parties.choices import OrganisationKind
    from doluong.parties.models import Registration, RegistrationScope
    from doluong.registry.models import Instrument

    from .calplan import generate_lines
    from .plan_models import CalibrationPlan, Equipment, EquipmentCalibration

    org = ctx.orgs.get(key)
    if org is None:
        return 0
    registration = (
        Registration.objects.filter(
            organisation__province_id=org.province_id,
            organisation__kind__in=OrganisationKind.providers(),
            calibration=True,
        )
        .order_by("organisation_id", "pk")
        .first()
    )
    if registration is not None:
        for quantity, range_text, accuracy in CALIBRATION_SCOPE:
            if registration.scope_lines.filter(activity="calibration", quantity=quantity).exists():
                continue
            line = RegistrationScope(
                registration=registration,
                activity="calibration",
                quantity=quantity,
                range_text=range_text,
                accuracy=accuracy,
            )
            line._history_user = ctx.admin
            line.save()

    def save(obj):
        obj._history_user = ctx.admin
        obj.save()
        return obj

    for index, (name, quantity, unit, low, high, u, months, calibrations) in enumerate(GROUP_1.get(key, [])):
        # each item's history shifted by some weeks, so that its due dates spread over the year
        shift = dt.timedelta(days=(120, 200, 30, 0)[index % 4])
        item = save(
            Equipment(
                enterprise=org,
                name=name,
                quantity=quantity,
                unit=unit,
                range_min=Decimal(low),
                range_max=Decimal(high),
                required_uncertainty=Decimal(u) if u else None,
                interval_months=months,
                last_calibrated_on=add_months(ctx.today, -calibrations[-1][0]) - shift,
                serial=f"NB-{key.upper()}-{index + 1:02d}",
            )
        )
        for back, ok in calibrations:
            save(
                EquipmentCalibration(
                    equipment=item,
                    calibrated_on=add_months(ctx.today, -back) - shift,
                    in_tolerance=ok,
                    provider=registration.organisation if registration else None,
                    certificate_number=f"HC-{add_months(ctx.today, -back) - shift:%y%m}-{item.pk}",
                )
            )
    # its instruments due this year or next (the plan's Group 2 lines), else its first ones
    year = ctx.today.year
    mine = Instrument.objects.filter(owner=org).select_related("instrument_type")
    instruments = list(mine.filter(next_due__year__in=[year, year + 1]).order_by("next_due", "pk")[:6])
    instruments = instruments or list(mine.order_by("pk")[:6])
    for instrument in instruments:
        item = Equipment(enterprise=org, instrument=instrument, province_id=org.province_id)
        legal = item.legal_cycle_months()
        # the utility checks a meter twice as often as the law asks when that keeps it in date
        last = instrument.last_verified_on
        if legal and legal >= 12 and last and add_months(last, legal // 2) >= dt.date(year, 1, 1):
            item.interval_months = legal // 2
        save(item)
    plan = save(
        CalibrationPlan(
            enterprise=org,
            year=ctx.today.year,
            title=f"Kế hoạch kiểm định, hiệu chuẩn năm {ctx.today.year}",
            prepared_by="Phòng Quản lý chất lượng",
        )
    )
    lines, _undated = generate_lines(plan, ctx.admin)
    late = next(
        (line for line in lines if line.equipment.instrument_id and line.planned_on < ctx.today), None
    )
    for line in lines:
        line.cost = Decimal(350000 if line.equipment.instrument_id else 900000)
        save(line)
        # what was planned before the demo day is done, except one verification left late
        if line.planned_on < ctx.today and line is not late:
            _fulfil(ctx, line, registration.organisation if registration else None)
    return 1


def _fulfil(ctx, line, provider) -> None:
    """Mark a plan line done as "Đánh dấu đã thực hiện" does (`actions.do_mark_line_done`), by the record that
    fulfilled it: a doluong certificate of its Group 2 instrument made around the planned date if there is one,
    else the calibration entered in the item's history on the planned date (from the provider's certificate)."""
    from doluong.verification.models import Certificate

    from .actions import do_mark_line_done, fulfilling_records
    from .plan_models import EquipmentCalibration

    records = fulfilling_records(line, ctx.admin)
    around = line.planned_on - dt.timedelta(days=30)
    certificate = next(
        (r for r in records if isinstance(r, Certificate) and around <= r.verified_on <= ctx.today),
        None,
    )
    if certificate is not None:
        do_mark_line_done(line, ctx.admin, certificate=certificate)
        return
    calibration = next(
        (r for r in records if isinstance(r, EquipmentCalibration) and r.calibrated_on == line.planned_on),
        None,
    )
    if calibration is None:
        provider = line.provider or provider
        calibration = EquipmentCalibration(
            equipment=line.equipment,
            calibrated_on=line.planned_on,
            in_tolerance=True,
            provider=provider,
            certificate_number=f"HC-{line.planned_on:%y%m%d}-{line.equipment_id}",
            notes="Theo kế hoạch hiệu chuẩn năm",
        )
        calibration._history_user = ctx.admin
        calibration.save()
    do_mark_line_done(line, ctx.admin, calibration=calibration)


#: the water utility's readiness answers (code → status) six months ago and now; the registry-prefilled rows
#: (C1, D1, D2, D3) keep what the registry says
READINESS_BEFORE = {
    "A1": "1",
    "A2": "0.5",
    "B1": "0.5",
    "B2": "0",
    "C2": "0.5",
    "D4": "1",
    "E1": "0",
    "E2": "0",
}
READINESS_BEFORE.update({"F1": "na", "G1": "0", "H1": "0", "H2": "0"})
READINESS_AFTER = {"A1": "1", "A2": "1", "B1": "1", "B2": "0.5", "C2": "1", "D4": "1", "E1": "0.5", "E2": "0"}
READINESS_AFTER.update({"F1": "na", "G1": "1", "H1": "0.5", "H2": "0.5"})


#: the evidence the water utility attached to its latest survey's answers: row code → (file name, description)
EVIDENCE = {
    "A1": [
        ("quyet-dinh-phan-cong-phu-trach-do-luong.pdf", "Quyết định phân công người phụ trách đo lường"),
        ("so-do-to-chuc.pdf", "Sơ đồ tổ chức phòng Quản lý chất lượng"),
    ],
    "C2": [("danh-muc-phuong-tien-do.pdf", "Danh mục phương tiện đo đang sử dụng")],
}


def _evidence(ctx, survey) -> None:
    """A few evidence files (small PDFs) on the latest survey's answers."""
    from django.core.files.base import ContentFile

    from .models import SurveyEvidence

    for answer in survey.answers.select_related("item").filter(item__code__in=list(EVIDENCE)):
        for name, description in EVIDENCE[answer.item.code]:
            body = f"%PDF-1.4\n% {description}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()
            row = SurveyEvidence(answer=answer, description=description)
            row.file = ContentFile(body, name=name)
            row._history_user = ctx.admin
            row.save()


def _readiness(ctx) -> int:
    """Two readiness surveys of the Cần Thơ water utility against the default checklist: before and after."""
    from .choices import ChecklistStatus, SurveyStatus
    from .models import Checklist, Survey

    water = ctx.orgs.get("ct-water")
    checklist = Checklist.objects.filter(status=ChecklistStatus.PUBLISHED).order_by("pk").first()
    if water is None or checklist is None:
        return 0
    made = 0
    for days, answers, surveyor in (
        (180, READINESS_BEFORE, "Chuyên gia tư vấn của Sở KH&CN Cần Thơ"),
        (10, READINESS_AFTER, "Chuyên gia tư vấn của Sở KH&CN Cần Thơ"),
    ):
        survey = Survey(
            enterprise=water,
            checklist=checklist,
            surveyed_on=ctx.today - dt.timedelta(days=days),
            surveyor=surveyor,
            status=SurveyStatus.DONE,
        )
        survey._history_user = ctx.admin
        survey.save()
        for answer in survey.answers.select_related("item"):
            if answer.item.code in answers:
                answer.value = answers[answer.item.code]
                if answer.value in ("0", "0.5"):
                    answer.gap = "Chưa đáp ứng đầy đủ yêu cầu."
                    answer.proposed_task = "Bổ sung trong kế hoạch thực hiện chương trình."
                    answer.owner = "Phòng Quản lý chất lượng"
                    answer.deadline = ctx.today + dt.timedelta(days=90)
                answer._history_user = ctx.admin
                answer.save()
        made += 1
    _evidence(ctx, survey)
    # the administrator's draft of the next version (editable until published)
    from .actions import do_new_checklist_version

    do_new_checklist_version(checklist, ctx.admin)
    return made
