from doluong.core.tables import BaseTable, RowLinkColumn

from .models import CoverageReport, FormulaVersion, ProviderCapacity, SurveyEstimate


def _table(model, first, fields):
    meta = type("Meta", (BaseTable.Meta,), {"model": model, "fields": [first, *fields]})
    return type(f"{model.__name__}Table", (BaseTable,), {first: RowLinkColumn(), "Meta": meta})


FormulaVersionTable = _table(FormulaVersion, "version", ["effective_from", "notes"])
ProviderCapacityTable = _table(ProviderCapacity, "scope_line", ["annual_capacity", "declared_on"])
SurveyEstimateTable = _table(
    SurveyEstimate, "instrument_type", ["province", "commune", "year", "count", "uncertainty"]
)
CoverageReportTable = _table(
    CoverageReport,
    "year",
    ["province", "data_date", "formula_version", "capability_percent", "realised_percent"],
)
