from doluong.core.admin import register

from .models import (
    Attendance,
    CommunicationItem,
    Event,
    LabAssessment,
    ManualFigure,
    MapEngagement,
    Phase,
    Plan,
    ReminderLog,
    ReportingDuty,
    ReportRound,
    StandardSupport,
    Survey,
    Target,
    Task,
    Training,
    UnitReport,
    UnitReportAttachment,
    UnitReportItem,
)

register(
    Plan, Phase, Target, Task, ReportingDuty, ManualFigure, Training, Attendance, Event, CommunicationItem,
    MapEngagement, StandardSupport, LabAssessment, Survey, ReportRound, UnitReport, UnitReportItem,
    UnitReportAttachment,
)  # fmt: skip

from django.contrib import admin  # noqa: E402

admin.site.register(ReminderLog)
