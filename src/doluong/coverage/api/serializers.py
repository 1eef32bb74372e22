from rest_framework import serializers

from doluong.core.api import make_serializer

from .. import forms
from ..models import CoverageReport, FormulaVersion, ProviderCapacity, SurveyEstimate

FormulaVersionSerializer = make_serializer(FormulaVersion, forms.FormulaVersionForm._meta.fields)
ProviderCapacitySerializer = make_serializer(ProviderCapacity, forms.ProviderCapacityForm._meta.fields)
SurveyEstimateSerializer = make_serializer(SurveyEstimate, forms.SurveyEstimateForm._meta.fields)
_Report = make_serializer(
    CoverageReport,
    [*forms.CoverageReportForm._meta.fields, "data_date", "capability_percent", "realised_percent"],
    read_only=("data_date", "capability_percent", "realised_percent"),
)


class CoverageReportSerializer(_Report):
    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            for name in ("province", "year"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError({name: "Không sửa được: số liệu của báo cáo đã chốt."})
        return attrs
