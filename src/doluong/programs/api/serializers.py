from rest_framework import serializers

from doluong.core.api import make_serializer

from .. import forms
from ..models import (
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
    check_activity_targets,
)


def _activity_serializer(model, form):
    base = make_serializer(model, form._meta.fields)

    def validate(self, attrs):
        attrs = base.validate(self, attrs)
        instance = self.instance
        province = attrs.get("province", getattr(instance, "province", None))
        date = attrs.get("date", getattr(instance, "date", None))
        targets = attrs.get("targets", list(instance.targets.all()) if instance else [])
        errors = check_activity_targets(province.pk if province else None, date, targets)
        if errors:
            raise serializers.ValidationError({"targets": errors})
        return attrs

    return type(base.__name__, (base,), {"validate": validate})


PlanSerializer = make_serializer(Plan, forms.PlanForm._meta.fields)
PhaseSerializer = make_serializer(Phase, forms.PhaseForm._meta.fields)
TargetSerializer = make_serializer(Target, forms.TargetForm._meta.fields)
TaskSerializer = make_serializer(Task, forms.TaskForm._meta.fields)
ReportingDutySerializer = make_serializer(ReportingDuty, forms.ReportingDutyForm._meta.fields)
ManualFigureSerializer = make_serializer(ManualFigure, forms.ManualFigureForm._meta.fields)
TrainingSerializer = _activity_serializer(Training, forms.TrainingForm)
EventSerializer = _activity_serializer(Event, forms.EventForm)
CommunicationItemSerializer = _activity_serializer(CommunicationItem, forms.CommunicationItemForm)
MapEngagementSerializer = _activity_serializer(MapEngagement, forms.MapEngagementForm)
StandardSupportSerializer = _activity_serializer(StandardSupport, forms.StandardSupportForm)
LabAssessmentSerializer = _activity_serializer(LabAssessment, forms.LabAssessmentForm)
SurveySerializer = _activity_serializer(Survey, forms.SurveyForm)
AttendanceSerializer = make_serializer(Attendance, forms.AttendanceForm._meta.fields)
ReportRoundSerializer = make_serializer(ReportRound, forms.ReportRoundForm._meta.fields)
UnitReportSerializer = make_serializer(
    UnitReport,
    [*forms.UnitReportForm._meta.fields, "status", "submitted_at"],
    read_only=["status", "submitted_at"],
)
UnitReportItemSerializer = make_serializer(UnitReportItem, forms.UnitReportItemForm._meta.fields)
UnitReportAttachmentSerializer = make_serializer(
    UnitReportAttachment, forms.UnitReportAttachmentForm._meta.fields
)
