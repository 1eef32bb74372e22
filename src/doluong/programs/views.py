"""The plans app's surfaces (every model's list, detail, edit, import/export and API) and its own pages: the plan
dashboard, the annual report downloads, the plan workbook import/export, attendee lists, reporting rounds and unit
report submission."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from doluong.core import io as tabular
from doluong.core.dates import today
from doluong.core.forms import ImportUploadForm
from doluong.core.scope import CHANGE, VIEW
from doluong.core.surface import Related, Surface, scoped_rows
from doluong.core.views import restricted_or_404

from . import actions, filtersets, forms, tables
from .api import serializers
from .choices import ReportStatus, TaskStatus
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
from .progress import plan_progress, target_progress

# ------------------------------------------------------------------------------------------- detail contexts


def _plan_context(plan, request):
    now = today()
    years = list(range(plan.first_year, min(plan.period_end, now.year) + 1)) or [plan.period_end]
    return {
        "progress": plan_progress(plan, now),
        "report_years": list(reversed(years)),
        "can_manage": plan.permits(request.user, CHANGE),
        "task_status": _task_status_counts(Task.objects.restrict(request.user).filter(plan=plan)),
    }


def _target_context(target, request):
    return {"progress": target_progress(target), "today": today()}


def _training_context(training, request):
    rows = Attendance.objects.filter(training=training)
    return {
        "attendance_count": rows.count(),
        "people_count": rows.values("person_key").distinct().count(),
        "can_import_attendees": training.permits(request.user, CHANGE),
        "attendees_visible": Attendance.objects.restrict(request.user).filter(training=training).exists()
        or not rows.exists(),
    }


def _round_context(round_, request):
    rows = actions.round_overview(round_)
    return {
        "overview": rows,
        "overview_counts": Counter(row["state"] for row in rows),
        "can_manage": round_.permits(request.user, CHANGE),
        "today": today(),
    }


def _report_context(report, request):
    return {
        "items": report.items.select_related("task"),
        "attachments": report.attachments.all(),
        "can_submit": report.round.is_open and report.permits(request.user, CHANGE),
    }


def _task_status_counts(tasks) -> list[dict]:
    counts = Counter(tasks.values_list("status", flat=True))
    return [{"status": s, "label": label, "count": counts.get(s, 0)} for s, label in TaskStatus.choices]


# ------------------------------------------------------------------------------------------- surfaces

COMMON = {"namespace": "programs", "nav_group": "programs"}


def _plan_list_links(request) -> list[dict]:
    if not Plan.can_add(request.user):
        return []
    return [{"title": _("Import a plan from a workbook"), "url": reverse("programs:plan_import_workbook")}]


plan = Surface(
    model=Plan,
    filterset=filtersets.PlanFilterSet,
    table=tables.PlanTable,
    form=forms.PlanForm,
    serializer=serializers.PlanSerializer,
    basename="plan",
    route="plans",
    nav_order=10,
    select_related=["province"],
    detail_template="programs/plan_detail.html",
    extra_context=_plan_context,
    list_links=_plan_list_links,
    related=[
        Related(_("Phases"), scoped_rows(Phase, plan=lambda o: o)),
        Related(_("Reporting duties"), scoped_rows(ReportingDuty, plan=lambda o: o)),
        Related(_("Reporting rounds"), scoped_rows(ReportRound, plan=lambda o: o)),
    ],
    **COMMON,
)
phase = Surface(
    model=Phase,
    filterset=filtersets.PhaseFilterSet,
    table=tables.PhaseTable,
    form=forms.PhaseForm,
    serializer=serializers.PhaseSerializer,
    basename="phase",
    route="phases",
    namespace="programs",
    select_related=["plan"],
    related=[Related(_("Targets"), scoped_rows(Target, phase=lambda o: o))],
)
target = Surface(
    model=Target,
    filterset=filtersets.TargetFilterSet,
    table=tables.TargetTable,
    form=forms.TargetForm,
    serializer=serializers.TargetSerializer,
    basename="target",
    route="targets",
    nav_order=20,
    select_related=["plan", "phase"],
    detail_template="programs/target_detail.html",
    extra_context=_target_context,
    related=[
        Related(_("Tasks"), lambda o, user: Task.objects.restrict(user).filter(related_targets=o)),
        Related(_("Manual figures"), scoped_rows(ManualFigure, target=lambda o: o)),
        Related(_("Training courses"), scoped_rows(Training, targets=lambda o: o)),
        Related(_("MAP engagements"), scoped_rows(MapEngagement, targets=lambda o: o)),
        Related(_("Standards supported"), scoped_rows(StandardSupport, targets=lambda o: o)),
        Related(_("Laboratory assessments"), scoped_rows(LabAssessment, targets=lambda o: o)),
        Related(_("Events"), scoped_rows(Event, targets=lambda o: o)),
        Related(_("Communication items"), scoped_rows(CommunicationItem, targets=lambda o: o)),
        Related(_("Surveys"), scoped_rows(Survey, targets=lambda o: o)),
    ],
    **COMMON,
)
task = Surface(
    model=Task,
    filterset=filtersets.TaskFilterSet,
    table=tables.TaskTable,
    form=forms.TaskForm,
    serializer=serializers.TaskSerializer,
    basename="task",
    route="tasks",
    nav_order=30,
    select_related=["plan", "phase", "lead_org"],
    prefetch_related=["assignees", "related_targets"],
    related=[Related(_("Unit report lines"), scoped_rows(UnitReportItem, task=lambda o: o))],
    **COMMON,
)
duty = Surface(
    model=ReportingDuty,
    filterset=filtersets.ReportingDutyFilterSet,
    table=tables.ReportingDutyTable,
    form=forms.ReportingDutyForm,
    serializer=serializers.ReportingDutySerializer,
    basename="duty",
    route="duties",
    namespace="programs",
    select_related=["plan"],
)
manual_figure = Surface(
    model=ManualFigure,
    filterset=filtersets.ManualFigureFilterSet,
    table=tables.ManualFigureTable,
    form=forms.ManualFigureForm,
    serializer=serializers.ManualFigureSerializer,
    basename="manualfigure",
    route="manual-figures",
    namespace="programs",
    select_related=["target"],
)


def _activity_surface(model, basename, route, order, *, also_select=(), **extra):
    name = model.__name__
    return Surface(
        model=model,
        filterset=getattr(filtersets, f"{name}FilterSet"),
        table=getattr(tables, f"{name}Table"),
        form=getattr(forms, f"{name}Form"),
        serializer=getattr(serializers, f"{name}Serializer"),
        basename=basename,
        route=route,
        nav_order=order,
        select_related=["province", "organiser", *also_select],
        prefetch_related=["targets"],
        **COMMON,
        **extra,
    )


training = _activity_surface(
    Training,
    "training",
    "trainings",
    40,
    detail_template="programs/training_detail.html",
    extra_context=_training_context,
    related=[Related(_("Attendees"), scoped_rows(Attendance, training=lambda o: o))],
)
attendance = Surface(
    model=Attendance,
    filterset=filtersets.AttendanceFilterSet,
    table=tables.AttendanceTable,
    form=forms.AttendanceForm,
    serializer=serializers.AttendanceSerializer,
    basename="attendance",
    route="attendees",
    namespace="programs",
    select_related=["training"],
    can_import=False,
)
map_engagement = _activity_surface(
    MapEngagement, "mapengagement", "map-engagements", 45, also_select=["beneficiary"]
)
standard_support = _activity_surface(StandardSupport, "standardsupport", "standards-supported", 50)
lab_assessment = _activity_surface(LabAssessment, "labassessment", "lab-assessments", 55)
event = _activity_surface(Event, "event", "events", 60)
communication = _activity_surface(CommunicationItem, "communication", "communication", 65)
survey = _activity_surface(Survey, "survey", "surveys", 70)
report_round = Surface(
    model=ReportRound,
    filterset=filtersets.ReportRoundFilterSet,
    table=tables.ReportRoundTable,
    form=forms.ReportRoundForm,
    serializer=serializers.ReportRoundSerializer,
    basename="round",
    route="rounds",
    nav_order=80,
    select_related=["plan"],
    detail_template="programs/round_detail.html",
    extra_context=_round_context,
    **COMMON,
)
unit_report = Surface(
    model=UnitReport,
    filterset=filtersets.UnitReportFilterSet,
    table=tables.UnitReportTable,
    form=forms.UnitReportForm,
    serializer=serializers.UnitReportSerializer,
    basename="unitreport",
    route="unit-reports",
    nav_order=85,
    select_related=["round__plan", "organisation", "submitted_by"],
    detail_fields=[*forms.UnitReportForm._meta.fields, "status", "submitted_at", "submitted_by"],
    detail_template="programs/unitreport_detail.html",
    extra_context=_report_context,
    **COMMON,
)
unit_report_item = Surface(
    model=UnitReportItem,
    filterset=filtersets.UnitReportItemFilterSet,
    table=tables.UnitReportItemTable,
    form=forms.UnitReportItemForm,
    serializer=serializers.UnitReportItemSerializer,
    basename="unitreportitem",
    route="unit-report-lines",
    namespace="programs",
    select_related=["report__organisation", "report__round", "task"],
)
attachment = Surface(
    model=UnitReportAttachment,
    filterset=filtersets.UnitReportAttachmentFilterSet,
    table=tables.UnitReportAttachmentTable,
    form=forms.UnitReportAttachmentForm,
    serializer=serializers.UnitReportAttachmentSerializer,
    basename="attachment",
    route="attachments",
    namespace="programs",
    select_related=["report__organisation"],
    can_import=False,
)

SURFACES = [
    plan,
    phase,
    target,
    task,
    duty,
    manual_figure,
    training,
    attendance,
    map_engagement,
    standard_support,
    lab_assessment,
    event,
    communication,
    survey,
    report_round,
    unit_report,
    unit_report_item,
    attachment,
]


# ------------------------------------------------------------------------------------------- own pages


def _get(model, request, pk, action=VIEW):
    return restricted_or_404(model, request.user, pk, action)


def upcoming_deadlines(plan, day: dt.date) -> list[dict]:
    """The plan's dated reporting duties and open rounds, from `day` on, soonest first."""
    rows = []
    for duty in plan.duties.filter(due_month__isnull=False):
        for year in (day.year, day.year + 1):
            due = duty.due_on(year)
            if due and due >= day and plan.first_year <= year <= plan.period_end:
                rows.append({"date": due, "what": str(duty), "days": (due - day).days, "round": None})
                break
    for round_ in plan.rounds.filter(status="open"):
        expected = round_.expected_units().count()
        submitted = round_.reports.filter(status=ReportStatus.SUBMITTED).count()
        rows.append(
            {
                "date": round_.deadline,
                "what": gettext("Unit reports %(year)s: %(submitted)s of %(expected)s submitted")
                % {"year": round_.year, "submitted": submitted, "expected": expected},
                "days": (round_.deadline - day).days,
                "round": round_,
            }
        )
    return sorted(rows, key=lambda r: r["date"])


@login_required
def plan_dashboard(request, pk):
    plan_obj = _get(Plan, request, pk)
    now = today()
    progress = plan_progress(plan_obj, now)
    tasks = Task.objects.restrict(request.user).filter(plan=plan_obj).select_related("lead_org")
    by_lead: dict[str, Counter] = {}
    for row in tasks:
        lead = str(row.lead_org) if row.lead_org_id else row.lead
        by_lead.setdefault(lead, Counter())[row.status] += 1
    lead_rows = [
        {"lead": lead, "counts": [c.get(s, 0) for s, _label in TaskStatus.choices], "total": sum(c.values())}
        for lead, c in sorted(by_lead.items(), key=lambda item: -sum(item[1].values()))
    ]
    charts = []
    for index, item in enumerate(progress):
        if not item.target.is_quantitative:
            continue
        cumulative, running = [], 0
        for year in item.years:
            value = item.by_year.get(year)
            running = running + float(value) if value is not None else running
            cumulative.append(running if value is not None or year <= now.year else None)
        charts.append(
            {
                "id": f"chart-{index}",
                "labels": [str(y) for y in item.years],
                "values": [
                    float(item.by_year[y]) if item.by_year[y] is not None else None for y in item.years
                ],
                "cumulative": cumulative if item.target.unit != "percent" else None,
                "target": float(item.target.value),
            }
        )
    context = {
        "plan": plan_obj,
        "progress": progress,
        "charts": charts,
        "chart_ids": {c["id"] for c in charts},
        "task_status": _task_status_counts(tasks),
        "task_total": tasks.count(),
        "lead_rows": lead_rows,
        "status_labels": [label for _s, label in TaskStatus.choices],
        "deadlines": upcoming_deadlines(plan_obj, now),
        "today": now,
        "report_years": _plan_context(plan_obj, request)["report_years"],
    }
    return render(request, "programs/dashboard.html", context)


@login_required
def plan_report(request, pk, year, fmt):
    from . import report

    plan_obj = _get(Plan, request, pk)
    if not plan_obj.first_year <= year <= plan_obj.period_end:
        raise Http404(gettext("The year is outside the plan's period."))
    data = report.annual_report(plan_obj, year, request.user)
    name = f"bao-cao-{plan_obj.slug}-{year}"
    if fmt == "pdf":
        content, ctype = report.render_pdf(data), "application/pdf"
    elif fmt == "docx":
        content = report.render_docx(data)
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        content, ctype = (
            report.render_xlsx(data),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def plan_workbook(request, pk):
    from . import workbook

    plan_obj = _get(Plan, request, pk)
    return _xlsx(workbook.export_plan(plan_obj), f"ke-hoach-{plan_obj.slug}")


@login_required
def plan_workbook_template(request):
    from . import workbook

    return _xlsx(workbook.export_plan(None), "mau-ke-hoach")


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _store_upload(request, upload, kind: str) -> str:
    token = uuid.uuid4().hex
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
    (folder / f"{token}{suffix}").write_bytes(upload.read())
    request.session[f"import:{token}"] = {"name": upload.name, "suffix": suffix, "surface": kind}
    return token


def _load_upload(request, token: str, kind: str) -> tuple[str, Path]:
    meta = request.session.get(f"import:{token}")
    if not meta or meta.get("surface") != kind:
        raise Http404(gettext("This import has expired; upload the file again."))
    path = Path(settings.MEDIA_ROOT) / "imports" / f"{token}{meta['suffix']}"
    if not path.exists():
        raise Http404(gettext("This import has expired; upload the file again."))
    return meta["name"], path


@login_required
def plan_import(request):
    """Upload a plan workbook → preview with per-row errors → confirm; all or nothing."""
    from . import workbook

    if not Plan.can_add(request.user):
        raise PermissionDenied(
            gettext("You may not add %(model)s.") % {"model": Plan._meta.verbose_name_plural}
        )
    context = {"form": forms.PlanWorkbookForm(), "sheets": workbook.SHEETS}
    if request.method == "POST":
        token = request.POST.get("token")
        if token:
            name, path = _load_upload(request, token, "plan-workbook")
            commit = True
        else:
            form = forms.PlanWorkbookForm(request.POST, request.FILES)
            if not form.is_valid():
                context["form"] = form
                return render(request, "programs/plan_import.html", context)
            token = _store_upload(request, form.cleaned_data["file"], "plan-workbook")
            name, path = _load_upload(request, token, "plan-workbook")
            commit = False
        result = workbook.import_plan(path.read_bytes(), request.user, commit=commit)
        if commit and result.ok:
            path.unlink(missing_ok=True)
            request.session.pop(f"import:{token}", None)
            messages.success(
                request,
                gettext("Imported plan “%(plan)s” from %(file)s.") % {"plan": result.plan, "file": name},
            )
            return HttpResponseRedirect(result.plan.get_absolute_url())
        context.update({"result": result, "token": token, "file_name": name})
    return render(request, "programs/plan_import.html", context)


@login_required
def attendee_import(request, pk):
    training_obj = _get(Training, request, pk, CHANGE)
    context = {"training": training_obj, "form": ImportUploadForm(), "columns": actions.ATTENDEE_HEADERS}
    if request.method == "POST":
        token = request.POST.get("token")
        try:
            if token:
                name, path = _load_upload(request, token, f"attendees-{pk}")
                commit = True
            else:
                form = ImportUploadForm(request.POST, request.FILES)
                if not form.is_valid():
                    context["form"] = form
                    return render(request, "programs/attendee_import.html", context)
                token = _store_upload(request, form.cleaned_data["file"], f"attendees-{pk}")
                name, path = _load_upload(request, token, f"attendees-{pk}")
                commit = False
            result = actions.do_import_attendees(
                training_obj, request.user, name, path.read_bytes(), commit=commit
            )
        except tabular.ImportFileError as exc:
            context["file_error"] = str(exc)
            return render(request, "programs/attendee_import.html", context)
        if commit and result.ok:
            path.unlink(missing_ok=True)
            request.session.pop(f"import:{token}", None)
            messages.success(
                request,
                gettext("Imported %(count)s attendees from %(file)s.")
                % {"count": result.saved, "file": name},
            )
            return HttpResponseRedirect(training_obj.get_absolute_url())
        context.update({"result": result, "token": token, "file_name": name})
    return render(request, "programs/attendee_import.html", context)


@login_required
def attendee_template(request):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách học viên"
    sheet.append(actions.ATTENDEE_HEADERS)
    for column in "ABCDEF":
        sheet.column_dimensions[column].width = 24
    import io

    out = io.BytesIO()
    book.save(out)
    return _xlsx(out.getvalue(), "mau-danh-sach-hoc-vien")


@login_required
@require_POST
def round_close(request, pk):
    round_ = _get(ReportRound, request, pk, CHANGE)
    actions.do_close_round(round_, request.user)
    messages.success(request, gettext("The reporting round is closed."))
    return HttpResponseRedirect(round_.get_absolute_url())


@login_required
@require_POST
def round_open(request, pk):
    """Open the reporting round of a plan for a year (deadline from the plan's reporting duties)."""
    plan_obj = _get(Plan, request, pk, CHANGE)
    if not ReportRound.can_add(request.user):
        raise PermissionDenied
    try:
        year = int(request.POST.get("year", ""))
        round_ = actions.do_open_round(plan_obj, year, request.user)
    except (ValueError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return HttpResponseRedirect(plan_obj.get_absolute_url())
    return HttpResponseRedirect(round_.get_absolute_url())


@login_required
@require_POST
def report_submit(request, pk):
    report_obj = _get(UnitReport, request, pk, CHANGE)
    try:
        actions.do_submit_report(report_obj, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The report was submitted."))
    return HttpResponseRedirect(report_obj.get_absolute_url())


@login_required
def attachment_download(request, pk):
    item = _get(UnitReportAttachment, request, pk)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(gettext("The file is missing.")) from exc
    return FileResponse(handle, as_attachment=True, filename=Path(item.file.name).name)
