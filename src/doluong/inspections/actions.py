"""State changes of the inspections app that are more than saving one record (the generic ones are
core.actions.save_object / delete_object)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from doluong.core.scope import CHANGE

from .models import Campaign, TargetSite


def generate_campaign_targets(campaign: Campaign, user, day=None) -> list[TargetSite]:
    """(Re)generate the campaign's risk-ranked target sites on behalf of `user`: who may change the campaign and
    add target sites in its area; idempotent (ranking.generate_targets)."""
    from .ranking import generate_targets

    if not campaign.permits(user, CHANGE) or not TargetSite.can_add(user):
        raise PermissionDenied(
            _("You may not %(action)s this %(model)s (outside your organisation or area).")
            % {"action": _(CHANGE), "model": Campaign._meta.verbose_name}
        )
    return generate_targets(campaign, day)
