from doluong.core.tables import BaseTable, RowLinkColumn

from .models import (
    AdvisoryAssignment,
    CalibrationPlan,
    Checklist,
    ChecklistItem,
    Confirmation,
    ConfirmationPoint,
    CorrectiveAction,
    Equipment,
    EquipmentCalibration,
    ImpactItem,
    MeasurementProcess,
    OutOfToleranceCase,
    PlanLine,
    ProcessInstrument,
    Programme,
    SupportActivity,
    Survey,
    SurveyAnswer,
    SurveyEvidence,
)


def _table(model, first, fields, first_label=None):
    column = RowLinkColumn(verbose_name=first_label) if first_label else RowLinkColumn()
    meta = type("Meta", (BaseTable.Meta,), {"model": model, "fields": [first, *fields]})
    return type(f"{model.__name__}Table", (BaseTable,), {first: column, "Meta": meta})


ProgrammeTable = _table(Programme, "title", ["enterprise", "period_start", "period_end", "version", "step"])
MeasurementProcessTable = _table(
    MeasurementProcess,
    "name",
    ["enterprise", "characteristic", "unit", "tolerance", "process_mpe", "max_uncertainty"],
)
ProcessInstrumentTable = _table(
    ProcessInstrument, "id", ["process", "instrument", "capable", "capability_note"], "#"
)
ConfirmationTable = _table(
    Confirmation, "id", ["process", "instrument", "confirmed_on", "rule", "verdict", "pfa", "label"], "#"
)
ConfirmationPointTable = _table(
    ConfirmationPoint,
    "id",
    ["confirmation", "position", "nominal", "error", "uncertainty", "verdict", "pfa"],
    "#",
)
CorrectiveActionTable = _table(CorrectiveAction, "id", ["description", "owner", "deadline", "status"], "#")
OutOfToleranceCaseTable = _table(
    OutOfToleranceCase,
    "id",
    ["standard", "instrument", "holder", "trigger", "found_on", "last_good_on", "status"],
    "#",
)
ImpactItemTable = _table(
    ImpactItem,
    "id",
    [
        "enterprise",
        "certificate",
        "instrument",
        "process",
        "verdict_before",
        "verdict_after",
        "changes",
        "status",
    ],
    "#",
)
SupportActivityTable = _table(
    SupportActivity, "title", ["date", "beneficiary", "kind", "consultants", "hours", "funding", "province"]
)

EquipmentTable = _table(
    Equipment,
    "name",
    [
        "enterprise",
        "instrument",
        "instrument_type",
        "serial",
        "interval_months",
        "last_calibrated_on",
        "in_use",
    ],
)
EquipmentCalibrationTable = _table(
    EquipmentCalibration, "calibrated_on", ["equipment", "in_tolerance", "provider", "certificate_number"]
)
CalibrationPlanTable = _table(CalibrationPlan, "year", ["title", "enterprise", "prepared_by"])
PlanLineTable = _table(PlanLine, "planned_on", ["equipment", "due_on", "provider", "cost", "done_on", "plan"])

ChecklistTable = _table(Checklist, "name", ["version", "status", "published_at", "source_verified"])
ChecklistItemTable = _table(
    ChecklistItem, "code", ["checklist", "group", "factor", "text", "weight", "prefill"]
)
SurveyTable = _table(Survey, "surveyed_on", ["enterprise", "checklist", "surveyor", "status"])
SurveyAnswerTable = _table(SurveyAnswer, "item", ["survey", "value", "gap", "owner", "deadline"])
SurveyEvidenceTable = _table(SurveyEvidence, "file", ["answer", "description", "uploaded_by", "uploaded_at"])

AdvisoryAssignmentTable = _table(
    AdvisoryAssignment,
    "enterprise",
    ["consultant", "person", "valid_from", "valid_to", "support", "province"],
)
