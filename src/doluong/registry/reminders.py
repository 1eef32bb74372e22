"""Due-date reminders: each owner gets ONE e-mail listing its instruments that enter the reminder lead window of
their type (`ReminderLeadTime`, default 30 days) or are overdue, and every outcome is logged (`ReminderLog`).

Idempotent: a reminder for an (instrument, due date) pair is delivered at most once — the instruments already
reminded are left out, and a partial unique index refuses a second delivered row even under concurrent runs.
Owners without an address, or who opted out, are logged as skipped (once per day), never dropped silently.
A failed send rolls back its rows, is logged as failed, and is tried again on the next run.

Run daily by `doluong manage send_reminders [--date dd/mm/yyyy] [--dry-run] [--province CODE]`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from doluong.parties.models import Organisation

from .choices import InstrumentStatus
from .models import (
    DEFAULT_REMINDER_LEAD_DAYS,
    Instrument,
    ReminderContact,
    ReminderItem,
    ReminderLeadTime,
    ReminderLog,
    ReminderStatus,
)

#: instruments that are reminded (retired or out-of-service ones need no verification)
REMINDED_STATUSES = (InstrumentStatus.IN_USE, InstrumentStatus.AWAITING_VERIFICATION)


@dataclass
class OwnerReminder:
    owner: Organisation
    address: str
    status: str  # a ReminderStatus value
    instruments: list[Instrument]
    error: str = ""


@dataclass
class RunReport:
    on: dt.date
    dry_run: bool
    reminders: list[OwnerReminder] = field(default_factory=list)

    def of(self, status: str) -> list[OwnerReminder]:
        return [r for r in self.reminders if r.status == status]

    def counts(self) -> dict[str, int]:
        counts = {}
        for status in ReminderStatus.values:
            rows = self.of(status)
            counts[f"{status}_owners"] = len(rows)
            counts[f"{status}_instruments"] = sum(len(r.instruments) for r in rows)
        return counts


def lead_window_q(on: dt.date) -> Q:
    """Instruments whose due date is within their type's lead time from `on`, or already past."""
    lead = ReminderLeadTime.lead_days_on(on)
    by_days: dict[int, list[int]] = defaultdict(list)
    for type_id, days in lead.items():
        by_days[days].append(type_id)
    condition = Q(next_due__lte=on + dt.timedelta(days=DEFAULT_REMINDER_LEAD_DAYS)) & ~Q(
        instrument_type_id__in=list(lead)
    )
    for days, type_ids in by_days.items():
        condition |= Q(instrument_type_id__in=type_ids, next_due__lte=on + dt.timedelta(days=days))
    return condition


def due_for_reminder(on: dt.date, province: str | None = None):
    """The instruments to remind on `on`: in use, with a due date in their lead window or past, and not yet
    reminded of that due date."""
    already = ReminderItem.objects.filter(
        instrument=OuterRef("pk"), due_date=OuterRef("next_due"), delivered=True
    )
    queryset = (
        Instrument.objects.filter(next_due__isnull=False, status__in=REMINDED_STATUSES)
        .filter(lead_window_q(on))
        .exclude(Exists(already))
    )
    if province:
        queryset = queryset.filter(province_id=province)
    return queryset.select_related("instrument_type", "owner", "commune", "last_verified_by").order_by(
        "owner__name", "owner_id", "next_due", "pk"
    )


def plan(on: dt.date, province: str | None = None) -> list[OwnerReminder]:
    """What a run on `on` would do, owner by owner (nothing is written)."""
    by_owner: dict[int, list[Instrument]] = defaultdict(list)
    owners: dict[int, Organisation] = {}
    for instrument in due_for_reminder(on, province):
        by_owner[instrument.owner_id].append(instrument)
        owners[instrument.owner_id] = instrument.owner
    contacts = {c.owner_id: c for c in ReminderContact.objects.filter(owner_id__in=list(owners))}
    result = []
    for owner_id, instruments in by_owner.items():
        owner = owners[owner_id]
        contact = contacts.get(owner_id)
        address = (contact.email if contact else "") or owner.email
        if contact is not None and contact.opted_out:
            status = ReminderStatus.OPTED_OUT
        elif not address:
            status = ReminderStatus.NO_EMAIL
        else:
            status = ReminderStatus.SENT
        result.append(OwnerReminder(owner, address, status, instruments))
    return result


# ------------------------------------------------------------------------------------------ the message


def _line(instrument: Instrument, on: dt.date) -> dict:
    days = (instrument.next_due - on).days
    if days < 0:
        state = ngettext("overdue by %(days)s day", "overdue by %(days)s days", -days) % {"days": -days}
    elif days == 0:
        state = _("due today")
    else:
        state = ngettext("due in %(days)s day", "due in %(days)s days", days) % {"days": days}
    return {"instrument": instrument, "days": days, "state": state, "overdue": days < 0}


def build_message(reminder: OwnerReminder, on: dt.date, connection=None) -> EmailMultiAlternatives:
    """The Vietnamese e-mail (plain text and HTML) for one owner."""
    count = len(reminder.instruments)
    overdue = sum(1 for i in reminder.instruments if i.next_due < on)
    context = {
        "owner": reminder.owner,
        "on": on,
        "lines": [_line(i, on) for i in reminder.instruments],
        "count": count,
        "overdue": overdue,
        "url": settings.SITE_URL.rstrip("/")
        + reverse("registry:due_list")
        + f"?bucket=reminder&owner={reminder.owner.pk}",
    }
    subject = ngettext(
        "Verification reminder: %(count)s measuring instrument of %(owner)s is due or overdue",
        "Verification reminder: %(count)s measuring instruments of %(owner)s are due or overdue",
        count,
    ) % {"count": count, "owner": reminder.owner.short_name or reminder.owner.name}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("registry/email/reminder.txt", context),
        to=[reminder.address],
        connection=connection,
    )
    message.attach_alternative(render_to_string("registry/email/reminder.html", context), "text/html")
    return message


# ------------------------------------------------------------------------------------------ the run


def _log(reminder: OwnerReminder, on: dt.date, *, delivered: bool) -> ReminderLog:
    log = ReminderLog(
        owner=reminder.owner,
        province_id=reminder.owner.province_id,
        run_date=on,
        address=reminder.address,
        status=reminder.status,
        instrument_count=len(reminder.instruments),
        error=reminder.error,
    )
    log.save()
    ReminderItem.objects.bulk_create(
        [
            ReminderItem(
                log=log, instrument=i, province_id=i.province_id, due_date=i.next_due, delivered=delivered
            )
            for i in reminder.instruments
        ]
    )
    return log


def send_reminders(
    on: dt.date,
    *,
    dry_run: bool = False,
    province: str | None = None,
    language: str = "vi",
    connection=None,
) -> RunReport:
    """Remind every owner with instruments in the lead window or overdue on `on`; see the module docstring."""
    report = RunReport(on=on, dry_run=dry_run)
    with translation.override(language):
        reminders = plan(on, province)
        report.reminders = reminders
        if dry_run:
            return report
        connection = connection or get_connection()
        for reminder in reminders:
            if reminder.status != ReminderStatus.SENT:
                with transaction.atomic():
                    # one skipped entry per owner, day and reason, however often the command runs that day
                    ReminderLog.objects.filter(
                        owner=reminder.owner, run_date=on, status=reminder.status
                    ).delete()
                    _log(reminder, on, delivered=False)
                continue
            try:
                with transaction.atomic():
                    _log(reminder, on, delivered=True)  # the unique index refuses a second delivery
                    build_message(reminder, on, connection).send()
            except IntegrityError:
                # another run delivered these reminders in the meantime: nothing to send
                reminder.status = "already"
                continue
            except Exception as exc:  # any mail failure: keep nothing but the failure, retry next run
                reminder.status = ReminderStatus.FAILED
                reminder.error = f"{type(exc).__name__}: {exc}"[:2000]
                with transaction.atomic():
                    _log(reminder, on, delivered=False)
    return report
