"""State changes of the inspections app that are more than saving one record (the generic ones are
core.actions.save_object / delete_object)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from doluong.core.actions import save_object
from doluong.core.dates import today
from doluong.core.scope import CHANGE

from .models import Campaign, Inspection, TargetSite


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


@transaction.atomic
def open_target_inspection(target: TargetSite, user, day=None) -> tuple[Inspection, bool]:
    """The campaign's inspection of a risk-ranked target site, made on behalf of `user` (who may change the
    campaign and the target, and add inspections in its area): dated `day` (today), or the campaign's first day
    when it has not begun; the inspector is the user. The target then links to it, and asking again returns that
    one (created: False) instead of a second. A verification provider is not a site to visit: refused."""
    # the row locked alone (PostgreSQL locks no outer-joined row): two presses at once make one inspection
    target = TargetSite.objects.select_for_update().get(pk=target.pk)
    campaign = target.campaign
    if not (campaign.permits(user, CHANGE) and target.permits(user, CHANGE) and Inspection.can_add(user)):
        raise PermissionDenied(
            _("You may not %(action)s this %(model)s (outside your organisation or area).")
            % {"action": _(CHANGE), "model": Campaign._meta.verbose_name}
        )
    if target.inspection_id:
        return target.inspection, False
    if target.site_id is None:
        raise ValidationError(
            _("This target is a verification provider, not an inspection site: it has no inspection to open.")
        )
    day = day or today()
    visit = save_object(
        Inspection(
            campaign=campaign,
            site=target.site,
            date=max(day, campaign.start_date),
            inspector=user.get_full_name() or user.get_username(),
        ),
        user,
    )
    target.inspection = visit
    save_object(target, user)
    return visit, True
