"""The exchange app's actions: replaying a subscriber's stream from an event (the subscriptions' health page and
its API). The permission table gives the delivery states to the administrator only (`permissions.py`: nobody
else views `exchange.Delivery`; its change is this action's), so the action asks the table, not a role."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from doluong.core import access
from doluong.core.scope import VIEW, principal

from . import delivery
from .models import Delivery, OutboxEvent, Subscription


def may_watch(user) -> bool:
    """Whether `user` sees the subscriptions' health: the permission table's view of the delivery states."""
    return access.can(user, Delivery, VIEW)


def may_replay(user) -> bool:
    """The replay rewrites delivery states, which the table lets nobody change through the generic surfaces;
    `via_action` names this action, kept to the administrator (who alone views them)."""
    return may_watch(user) and principal(user).is_admin


def parse_sequence(raw) -> int:
    """The event number to replay from, as typed: a whole number from 0 to the last event's number."""
    text = str(raw if raw is not None else "").strip()
    last = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        value = int(text)
    except ValueError as exc:
        raise ValidationError(
            _("The event number is a whole number from 0 to %(last)s.") % {"last": last}
        ) from exc
    if not 0 <= value <= last:
        raise ValidationError(_("The event number is a whole number from 0 to %(last)s.") % {"last": last})
    return value


def do_replay(sub: Subscription, from_sequence, *, user) -> Subscription:
    """Deliver to `sub` again every event after number `from_sequence` (dead letters included: their state
    starts afresh); receivers deduplicate by the event id. Recorded in the subscription's history."""
    if not may_replay(user):
        raise PermissionDenied(_("Only an administrator may replay a subscriber's events."))
    number = parse_sequence(from_sequence)
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=sub.pk)
        delivery.replay(sub, number)
        sub.refresh_from_db()
        sub._history_user = user
        sub._change_reason = _("Replay from event %(number)s") % {"number": number}
        sub.save()
    return sub
