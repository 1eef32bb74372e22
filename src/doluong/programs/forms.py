from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from doluong.core.forms import BaseModelForm
from doluong.core.scope import principal
from doluong.core.uploads import LimitedFileField
from doluong.geo.models import Province

from .choices import RoundStatus
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
    Source,
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


class ProvinceFormMixin:
    """A province select offers the user's own provinces (all of them to an administrator)."""

    def limit_province(self):
        field = self.fields.get("province")
        if field is None or self.user is None:
            return
        who = principal(self.user)
        if not who.is_admin:
            field.queryset = Province.objects.filter(pk__in=who.province_ids)
            if len(who.province_ids) == 1 and not self.initial.get("province") and not self.instance.pk:
                self.initial["province"] = next(iter(who.province_ids))


class PlanForm(ProvinceFormMixin, BaseModelForm):
    class Meta:
        model = Plan
        fields = [
            "slug",
            "province",
            "issuer",
            "issuer_province_name",
            "number",
            "issued_on",
            "kind",
            "title",
            "period_start",
            "period_end",
            "legal_basis",
            "general_objectives",
            "budget",
            "status",
            "notes",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("title", "legal_basis", "general_objectives", "budget", "notes")
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.limit_province()


class PhaseForm(BaseModelForm):
    class Meta:
        model = Phase
        fields = ["plan", "code", "name", "start", "end"]


class TargetForm(BaseModelForm):
    class Meta:
        model = Target
        fields = [
            "plan",
            "phase",
            "position",
            "code",
            "text",
            "comparator",
            "value",
            "unit",
            "unit_label",
            "source",
            "by_year",
            "notes",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "notes": forms.Textarea(attrs={"rows": 2})}


class TaskForm(BaseModelForm):
    class Meta:
        model = Task
        fields = [
            "plan",
            "phase",
            "position",
            "code",
            "section",
            "group",
            "content",
            "lead",
            "lead_org",
            "coordinators",
            "assignees",
            "timeline",
            "timeline_kind",
            "due_year",
            "expected_result",
            "budget_source",
            "related_targets",
            "status",
            "notes",
        ]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 4}),
            "coordinators": forms.Textarea(attrs={"rows": 3}),
            "expected_result": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        cleaned = super().clean()
        plan = cleaned.get("plan")
        for target in cleaned.get("related_targets") or []:
            if plan and target.plan_id != plan.pk:
                self.add_error(
                    "related_targets", _("Target %(code)s belongs to another plan.") % {"code": target.code}
                )
        for org in cleaned.get("assignees") or []:
            if plan and org.province_id != plan.province_id:
                self.add_error("assignees", _("%(unit)s is not in the plan's province.") % {"unit": org})
        return cleaned


class ReportingDutyForm(BaseModelForm):
    class Meta:
        model = ReportingDuty
        fields = [
            "plan",
            "position",
            "reporter",
            "reporter_kind",
            "recipient",
            "due_day",
            "due_month",
            "frequency",
            "content",
            "forwarded_to",
            "notes",
        ]
        widgets = {"content": forms.Textarea(attrs={"rows": 3}), "notes": forms.Textarea(attrs={"rows": 2})}


class ManualFigureForm(BaseModelForm):
    class Meta:
        model = ManualFigure
        fields = ["target", "year", "value", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["target"].queryset = self.fields["target"].queryset.filter(source=Source.MANUAL)


ACTIVITY_FIELDS = ["province", "date", "title", "organiser", "targets", "notes"]


class ActivityForm(ProvinceFormMixin, BaseModelForm):
    """Every activity: the targets it advances must be of its province and contain its date."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.limit_province()
        if "targets" in self.fields:
            field = self.fields["targets"]
            field.queryset = field.queryset.select_related("plan", "phase").order_by(
                "plan__period_end", "plan__pk", "position", "code"
            )
            # check boxes grouped by plan, each with the target's whole text (a plan's name says which plan)
            field.widget = GroupedCheckboxes()
            field.widget.choices = _targets_by_plan(field.queryset)
        if "notes" in self.fields:
            self.fields["notes"].widget = forms.Textarea(attrs={"rows": 2, "class": "form-control"})

    def clean(self):
        cleaned = super().clean()
        province = cleaned.get("province")
        errors = check_activity_targets(
            province.pk if province else None, cleaned.get("date"), cleaned.get("targets") or []
        )
        for error in errors:
            self.add_error("targets", error)
        return cleaned


class GroupedCheckboxes(forms.CheckboxSelectMultiple):
    """Check boxes in groups with a heading each (an activity's targets under their plan's name)."""

    template_name = "programs/widgets/grouped_checkboxes.html"

    def _render(self, template_name, context, renderer=None):
        from django.template.loader import render_to_string
        from django.utils.safestring import mark_safe

        return mark_safe(render_to_string(template_name, context))


def _targets_by_plan(targets) -> list:
    groups: dict = {}
    for target in targets:
        plan = target.plan
        groups.setdefault(plan, []).append((target.pk, f"{target.code}: {target.text}"))
    return [(f"{plan} — {plan.title}", choices) for plan, choices in groups.items()]


def _activity_form(model, extra):
    meta = type("Meta", (), {"model": model, "fields": [*ACTIVITY_FIELDS[:4], *extra, *ACTIVITY_FIELDS[4:]]})
    return type(f"{model.__name__}Form", (ActivityForm,), {"Meta": meta})


TrainingForm = _activity_form(Training, ["end_date", "audience", "venue"])
EventForm = _activity_form(Event, ["kind", "participants", "venue"])
CommunicationItemForm = _activity_form(CommunicationItem, ["channel", "outlet", "url", "metrology_day"])
MapEngagementForm = _activity_form(MapEngagement, ["beneficiary", "kind"])
StandardSupportForm = _activity_form(StandardSupport, ["holder", "kind", "quantity", "amount"])
LabAssessmentForm = _activity_form(LabAssessment, ["lab", "criteria", "result"])
SurveyForm = _activity_form(Survey, ["respondents", "instruments", "findings"])


class AttendanceForm(BaseModelForm):
    class Meta:
        model = Attendance
        fields = [
            "training",
            "full_name",
            "birth_date",
            "national_id",
            "organisation_name",
            "position",
            "phone",
        ]


class ReportRoundForm(BaseModelForm):
    class Meta:
        model = ReportRound
        fields = ["plan", "year", "deadline", "status"]


class UnitReportForm(BaseModelForm):
    class Meta:
        model = UnitReport
        fields = ["round", "organisation", "summary", "difficulties", "proposals"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4}) for name in ("summary", "difficulties", "proposals")
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if not self.instance.pk:
            self.fields["round"].queryset = self.fields["round"].queryset.filter(status=RoundStatus.OPEN)
        # the units offered come from the permission table (programs.permissions.reporting_units)
        units = self.fields["organisation"].queryset
        if user is not None and not self.instance.pk and units.count() == 1:
            self.initial.setdefault("organisation", units.first().pk)


class UnitReportItemForm(BaseModelForm):
    class Meta:
        model = UnitReportItem
        fields = ["report", "task", "status", "figure", "figure_label", "result"]
        widgets = {"result": forms.Textarea(attrs={"rows": 4})}


class UnitReportAttachmentForm(BaseModelForm):
    class Meta:
        model = UnitReportAttachment
        fields = ["report", "title", "file"]


class PlanWorkbookForm(forms.Form):
    file = LimitedFileField(kind="workbook", label=_("Plan workbook (XLSX)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Upload an .xlsx workbook."))
        return upload
