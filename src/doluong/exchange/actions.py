"""The exchange app's actions: replaying a subscriber's stream from an event (the subscriptions' health page and
its API); in national mode registering a province instance as a source, rotating its secret, deactivating and
reactivating it (the national sources page). The permission table gives the delivery states and the sources to
the administrator only (`permissions.py`: no role holds them; their changes are these actions'), so the actions
ask the table, not a role."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from doluong.core import access
from doluong.core.scope import ADD, CHANGE, VIEW, principal

from . import aggregate, delivery
from .models import Delivery, NationalSource, OutboxEvent, Subscription


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


# --- national mode: the province instances that deliver to this instance (the national sources page)


def may_manage_sources(user) -> bool:
    """Whether `user` sees the national sources page: the permission table's view of `NationalSource` (no role
    holds it: the administrator's)."""
    return access.can(user, NationalSource, VIEW)


def _require(user, action: str, message: str) -> None:
    if not access.can(user, NationalSource, action):
        raise PermissionDenied(message)


def do_add_national_source(*, province, public_key: str, name: str = "", notes: str = "", user) -> tuple:
    """Register the instance of `province` as a source: its published Ed25519 key checked, one source a
    province; returns (source, secret) — the generated HMAC secret, to be shown once (stored sealed)."""
    _require(user, ADD, _("Only an administrator may register a national source."))
    key = aggregate.check_public_key(public_key)
    with transaction.atomic():
        if NationalSource.objects.select_for_update().filter(province=province).exists():
            raise ValidationError(
                {"province": _("This province already has a source.")},
            )
        return aggregate.add_source(
            province,
            public_key=key,
            name=(name or "").strip(),
            notes=(notes or "").strip(),
            user=user,
            reason=_("Source registered"),
        )


def do_rotate_national_secret(source: NationalSource, *, user) -> tuple:
    """A new HMAC secret for `source`; the one it replaces is still accepted during the grace period
    (`aggregate.secret_grace`). Returns (source, secret), the secret
    to be shown once and set on the province's subscription. Recorded in the source's history."""
    _require(user, CHANGE, _("Only an administrator may change a national source."))
    with transaction.atomic():
        source = NationalSource.objects.select_for_update().get(pk=source.pk)
        return aggregate.rotate_secret(source, user=user, reason=_("Secret rotated"))


def do_set_national_source_active(source: NationalSource, active: bool, *, user) -> NationalSource:
    """Deactivate (its deliveries are refused as from an unknown source; nothing received is removed) or
    reactivate `source`. Recorded in the source's history."""
    _require(user, CHANGE, _("Only an administrator may change a national source."))
    with transaction.atomic():
        source = NationalSource.objects.select_for_update().get(pk=source.pk)
        if source.is_active != bool(active):
            source.is_active = bool(active)
            source._history_user = user
            source._change_reason = _("Source reactivated") if active else _("Source deactivated")
            source.save()
    return source
