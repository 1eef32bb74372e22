"""Home-page panels: the enterprise's programme, its confirmations and open corrective actions; the province
officer's count of programmes by step."""

from collections import Counter

from django.db.models import Count, Q

from doluong.core.access import can
from doluong.core.views_home import Panel

from .choices import ActionStatus, Verdict
from .models import Confirmation, CorrectiveAction, ImpactItem, Programme


def panels(request):
    user = request.user
    if not user.is_authenticated or not can(user, Programme):
        return []
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
    return [Panel("assurance/home_panel.html", context, order=40)]
