from doluong.core.tables import BaseTable, RowLinkColumn

from .models import (
    Attendance,
    CommunicationItem,
    Event,
    LabAssessment,
    ManualFigure,
    MapEngagement,
    Phase,
    Plan,
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


def _table(model, first, fields, first_label=None):
    column = RowLinkColumn(verbose_name=first_label) if first_label else RowLinkColumn()
    meta = type("Meta", (BaseTable.Meta,), {"model": model, "fields": [first, *fields]})
    return type(f"{model.__name__}Table", (BaseTable,), {first: column, "Meta": meta})


PlanTable = _table(Plan, "number", ["title", "province", "issuer", "issued_on", "period_end", "status"])
PhaseTable = _table(Phase, "name", ["plan", "code", "start", "end"])
TargetTable = _table(Target, "code", ["text", "plan", "phase", "comparator", "value", "unit", "source"])
TaskTable = _table(Task, "code", ["content", "plan", "lead", "timeline", "status"])
ReportingDutyTable = _table(
    ReportingDuty, "id", ["plan", "reporter", "recipient", "frequency", "due_day", "due_month"], "#"
)
ManualFigureTable = _table(ManualFigure, "id", ["target", "year", "value", "note"], "#")
TrainingTable = _table(Training, "title", ["date", "province", "organiser", "audience"])
EventTable = _table(Event, "title", ["date", "kind", "province", "participants"])
CommunicationItemTable = _table(CommunicationItem, "title", ["date", "channel", "outlet", "metrology_day"])
MapEngagementTable = _table(MapEngagement, "title", ["date", "beneficiary", "kind", "province"])
StandardSupportTable = _table(StandardSupport, "title", ["date", "holder", "kind", "quantity", "amount"])
LabAssessmentTable = _table(LabAssessment, "title", ["date", "lab", "result"])
SurveyTable = _table(Survey, "title", ["date", "province", "respondents", "instruments"])
AttendanceTable = _table(Attendance, "full_name", ["training", "birth_date", "organisation_name", "position"])
ReportRoundTable = _table(ReportRound, "id", ["plan", "year", "deadline", "status", "closed_on"], "#")
UnitReportTable = _table(UnitReport, "organisation", ["round", "status", "submitted_at"])
UnitReportItemTable = _table(
    UnitReportItem, "id", ["report", "task", "status", "figure", "figure_label"], "#"
)
UnitReportAttachmentTable = _table(UnitReportAttachment, "title", ["report", "file"])
