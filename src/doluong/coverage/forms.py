from django import forms

from doluong.core.forms import BaseModelForm

from .models import CoverageReport, FormulaVersion, ProviderCapacity, SurveyEstimate


class FormulaVersionForm(BaseModelForm):
    class Meta:
        model = FormulaVersion
        fields = ["version", "effective_from", "parameters", "notes"]


class ProviderCapacityForm(BaseModelForm):
    class Meta:
        model = ProviderCapacity
        fields = ["scope_line", "annual_capacity", "declared_on", "notes"]


class SurveyEstimateForm(BaseModelForm):
    class Meta:
        model = SurveyEstimate
        fields = ["province", "commune", "instrument_type", "year", "count", "uncertainty", "method", "notes"]


class CoverageReportForm(BaseModelForm):
    class Meta:
        model = CoverageReport
        fields = ["province", "year", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a report's province and year are frozen with its inputs
            for name in ("province", "year"):
                self.fields[name].disabled = True
