"""The programs app's rows of the permission table (see core.access and docs/permissions.md): the province's
officers manage its plans and activities; department reporters and commune officers read the plan and write
their own unit's reports."""

from django.db.models import Q

from doluong.core.access import acting_scopes, allow, named_scope, path_q, rules
from doluong.core.scope import ADD, principal

VACD = "view add change delete"


def _plan(path: str, label: str) -> object:
    return rules(
        label,
        paths={"province": path},
        province_officer=allow(VACD, "own_province"),
        department_reporter=allow("view", "own_province"),
        commune_officer=allow("view", "own_province"),
    )


@named_scope(
    "assigned_tasks",
    "tasks of the user's province that the user's organisation leads or is assigned",
    "nhiệm vụ trong tỉnh mà tổ chức của người dùng chủ trì hoặc được giao",
)
def _assigned_tasks(scope, paths):
    if scope is None:
        return None
    from .models import Task

    assigned = Task.assignees.through.objects.filter(organisation_id=scope.organisation_id)
    return path_q(paths, "province", scope.province_id) & (
        Q(lead_org_id=scope.organisation_id) | Q(pk__in=assigned.values("task_id"))
    )


def reporting_units(user, queryset):
    """The units a user may file a report for: any unit of the province for its officers, else its own."""
    from .models import UnitReport

    who = principal(user)
    if who.is_admin:
        return queryset
    q = Q(pk__in=[])
    for scope, grant in acting_scopes(user, UnitReport, ADD):
        if grant.scope == "own_province":
            q |= Q(province_id=scope.province_id)
        else:
            q |= Q(pk=scope.organisation_id)
    return queryset.filter(q)


REPORT = dict(
    province_officer=allow(VACD, "own_province"),
    department_reporter=allow(VACD, "own_organisation_in_province"),
    commune_officer=allow(VACD, "own_organisation_in_province"),
)
ACTIVITIES = (
    "Training",
    "Event",
    "CommunicationItem",
    "MapEngagement",
    "StandardSupport",
    "LabAssessment",
    "Survey",
)

#: the named scopes of a unit report written by the unit's own people (the home page's "your unit's reports",
#: the report reminders' recipients)
OWN_UNIT_SCOPES = ("own_organisation", "own_organisation_in_province")

PERMISSIONS = [
    _plan("province_id", "programs.Plan"),
    _plan("plan__province_id", "programs.Phase"),
    _plan("plan__province_id", "programs.Target"),
    _plan("plan__province_id", "programs.ReportingDuty"),
    _plan("target__plan__province_id", "programs.ManualFigure"),
    _plan("plan__province_id", "programs.ReportRound"),
    *[_plan("province_id", f"programs.{name}") for name in ACTIVITIES],
    rules(
        "programs.Task",
        paths={"province": "plan__province_id"},
        province_officer=allow(VACD, "own_province"),
        department_reporter=allow("view", "assigned_tasks"),
        commune_officer=allow("view", "assigned_tasks"),
    ),
    rules(
        "programs.Attendance",
        paths={"province": "training__province_id"},
        note="personal data: the province's officers only",
        province_officer=allow(VACD, "own_province"),
    ),
    rules(
        "programs.UnitReport",
        paths={"province": "round__plan__province_id", "organisation": "organisation_id"},
        choices={"organisation": reporting_units},
        **REPORT,
    ),
    rules(
        "programs.UnitReportItem",
        paths={"province": "report__round__plan__province_id", "organisation": "report__organisation_id"},
        **REPORT,
    ),
    rules(
        "programs.UnitReportAttachment",
        paths={"province": "report__round__plan__province_id", "organisation": "report__organisation_id"},
        **REPORT,
    ),
    rules(
        "programs.ReminderLog",
        paths={"province": "round__plan__province_id"},
        forbid=("add", "change", "delete"),
        via_action={"add": "the report reminders command"},
        province_officer=allow("view", "own_province"),
    ),
]
