"""Home-page panels: the enterprise's programme, its confirmations and open corrective actions; the province
officer's count of programmes by step."""

from collections import Counter

from doluong.core.access import can
from doluong.core.views_home import Panel

from .choices import ActionStatus, Verdict
from .models import Confirmation, CorrectiveAction, ImpactItem, Programme


def panels(request):
    user = request.user
    if not user.is_authenticated or not can(user, Programme):
        return []
    programmes = Programme.objects.restrict(user).select_related("enterprise")
    confirmations = Confirmation.objects.restrict(user)
    steps = Counter(programmes.values_list("step", flat=True))
    context = {
        "programmes": list(programmes[:5]),
        "programme_count": programmes.count(),
        "steps": [
            (label, steps[value])
            for value, label in Programme._meta.get_field("step").choices
            if steps[value]
        ],
        "nonconforming": confirmations.filter(verdict=Verdict.NONCONFORMING).count(),
        "confirmation_count": confirmations.count(),
        "open_actions": CorrectiveAction.objects.restrict(user).filter(status=ActionStatus.OPEN).count(),
        # out-of-tolerance standards that reach the user's instruments (or the province's): rows still open
        "open_impacts": ImpactItem.objects.restrict(user).filter(status=ActionStatus.OPEN).count(),
    }
    return [Panel("assurance/home_panel.html", context, order=40)]
