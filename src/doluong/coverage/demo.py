"""Demo data of the coverage app: formula version 1, the capacities two providers of each demo province declare
for some of their scope lines, a survey estimate of unregistered instruments, and each province's report of the
current year (frozen)."""

from __future__ import annotations

import datetime as dt

from .data import scope_lines
from .models import CoverageReport, FormulaVersion, ProviderCapacity, SurveyEstimate

PROVINCES = ("92", "82")


def build(ctx) -> dict:
    version = FormulaVersion(
        version=1,
        effective_from=dt.date(2021, 1, 1),
        parameters={"undeclaredCapacity": "unlimited", "includeSurveys": True, "fees": {}},
        notes="Phiên bản đầu: năng lực chưa khai báo coi như không giới hạn; chưa có biểu phí.",
    )
    version._history_user = ctx.admin
    version.save()
    counts = {"capacity declarations": 0, "survey estimates": 0, "coverage reports": 0}
    for province in PROVINCES:
        lines = list(scope_lines(province, ctx.today))
        for line in lines[: max(1, len(lines) // 3)]:
            cap = ProviderCapacity(
                scope_line=line,
                annual_capacity=ctx.rng.choice([200, 500, 1000, 3000]),
                declared_on=dt.date(ctx.today.year, 1, 15),
                notes="Năng lực khai báo đầu năm.",
            )
            cap._history_user = ctx.admin
            cap.save()
            counts["capacity declarations"] += 1
        if lines:
            survey = SurveyEstimate(
                province_id=province,
                instrument_type=lines[0].instrument_type,
                year=ctx.today.year,
                count=120,
                uncertainty=30,
                method="Khảo sát chọn mẫu chợ và cửa hàng",
            )
            survey._history_user = ctx.admin
            survey.save()
            counts["survey estimates"] += 1
        report = CoverageReport(province_id=province, year=ctx.today.year, notes="Báo cáo độ bao phủ năm.")
        report._history_user = ctx.admin
        report.save()
        counts["coverage reports"] += 1
    return counts
