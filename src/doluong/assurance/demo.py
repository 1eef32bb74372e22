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
    return {
        "assurance programmes": made["programmes"],
        "measurement processes": made["processes"],
        "confirmations": made["confirmations"],
        "out-of-tolerance cases": cases,
        "programme support activities": support,
    }


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
