"""Home-page panels: the enterprise's programme, its confirmations and open corrective actions; the province
officer's count of programmes by step; the consultant's enterprises (the assignments in force) with their
programme's step and latest readiness score."""

from collections import Counter

from django.db.models import Count, Q

from doluong.core.access import can
from doluong.core.views_home import Panel

from .choices import ActionStatus, Verdict
from .models import AdvisoryAssignment, Confirmation, CorrectiveAction, ImpactItem, Programme, Survey


def _consultant_panel(user):
    from doluong.core.scope import principal

    from .advisory_models import in_force_q
    from .permissions import CONSULTANT_ROLE

    orgs = [s.organisation_id for s in principal(user).scopes if s.role == CONSULTANT_ROLE]
    if not orgs:
        return None
    assignments = list(
        AdvisoryAssignment.objects.restrict(user)
        .filter(in_force_q(), consultant_id__in=orgs)
        .select_related("enterprise")
        .order_by("enterprise__name")
    )
    ids = [a.enterprise_id for a in assignments]
    programmes = {}
    for p in (
        Programme.objects.restrict(user).filter(enterprise_id__in=ids).order_by("-period_start", "-version")
    ):
        programmes.setdefault(p.enterprise_id, p)
    surveys = {}
    for s in Survey.objects.restrict(user).filter(enterprise_id__in=ids).order_by("-surveyed_on", "-pk"):
        surveys.setdefault(s.enterprise_id, s)
    from .readiness import score

    for survey in surveys.values():
        survey.score_value = score(survey)
    rows = [(a, programmes.get(a.enterprise_id), surveys.get(a.enterprise_id)) for a in assignments]
    return Panel("assurance/home_consultant.html", {"rows": rows}, order=39)


def panels(request):
    user = request.user
    if not user.is_authenticated or not can(user, Programme):
        return []
    consultant = _consultant_panel(user)
    programmes = Programme.objects.restrict(user).select_related("enterprise")
    # one query per figure family: the step counts give the programme count, one aggregate both confirmations'
    confirmations = Confirmation.objects.restrict(user).aggregate(
        all=Count("pk"), nonconforming=Count("pk", filter=Q(verdict=Verdict.NONCONFORMING))
    )
    steps = Counter(programmes.values_list("step", flat=True))
    context = {
        "programmes": list(programmes[:5]),
        "programme_count": steps.total(),
        "steps": [
            (label, steps[value])
            for value, label in Programme._meta.get_field("step").choices
            if steps[value]
        ],
        "nonconforming": confirmations["nonconforming"],
        "confirmation_count": confirmations["all"],
        "open_actions": CorrectiveAction.objects.restrict(user).filter(status=ActionStatus.OPEN).count(),
        # out-of-tolerance standards that reach the user's instruments (or the province's): rows still open
        "open_impacts": ImpactItem.objects.restrict(user).filter(status=ActionStatus.OPEN).count(),
    }
    return [p for p in (consultant, Panel("assurance/home_panel.html", context, order=40)) if p]
