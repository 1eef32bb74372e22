from doluong.core.tables import BaseTable, RowLinkColumn

from .models import (
    Confirmation,
    ConfirmationPoint,
    CorrectiveAction,
    ImpactItem,
    MeasurementProcess,
    OutOfToleranceCase,
    ProcessInstrument,
    Programme,
    SupportActivity,
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
