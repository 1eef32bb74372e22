"""Demo data for due-date reminders: reminder contacts for the instrument owners (most with an address, some
without, a few who opted out) and reminder lead times for a few types. Deterministic from the seed."""

from __future__ import annotations

import datetime as dt

from django.core.mail import get_connection

from doluong.core.models import prepare_for_bulk
from doluong.parties.models import Organisation

from .models import InstrumentType, ReminderContact, ReminderLeadTime
from .reminders import send_reminders

#: instrument type code -> reminder lead time in days (types not listed: 30 days)
LEAD_TIMES = {
    "19": 45,  # fuel dispensers: stations book the verifier early
    "21.1": 60,  # water meters: the utility replaces them in batches
    "2": 20,  # taximeters
}


def build(ctx) -> dict:
    rng = ctx.rng
    since = ctx.today.replace(month=1, day=1)
    types = {t.code: t for t in InstrumentType.objects.filter(code__in=list(LEAD_TIMES))}
    lead_times = [
        ReminderLeadTime(
            instrument_type=types[code],
            lead_days=days,
            effective_from=since,
            notes="Dữ liệu trình diễn",
        )
        for code, days in LEAD_TIMES.items()
        if code in types
    ]
    for row in lead_times:
        row._history_user = ctx.admin
        row.save()
    owners = list(Organisation.objects.filter(instruments__isnull=False).distinct().order_by("pk"))
    # the demo enterprise logins' own companies always get reminders, so the persona sees them
    persona_owners = set(
        Organisation.objects.filter(
            memberships__user__username__in=["ct.doanhnghiep", "dt.doanhnghiep"]
        ).values_list("pk", flat=True)
    )
    contacts = []
    for owner in owners:
        draw = rng.random()
        if owner.pk in persona_owners:
            email, opted_out = f"nhacnho.{owner.pk}@demo.doluong.vn", False
        elif draw < 0.08:
            continue  # no contact and (in the demo) no organisation e-mail: listed as skipped
        elif draw < 0.12:
            email, opted_out = "", True
        else:
            email, opted_out = f"nhacnho.{owner.pk}@demo.doluong.vn", False
        contacts.append(ReminderContact(owner=owner, email=email, opted_out=opted_out))
    ReminderContact.objects.bulk_create(prepare_for_bulk(contacts), batch_size=2000)
    # last week's reminder run, so the reminder log has history; its e-mails go to a throw-away outbox
    run = send_reminders(
        ctx.today - dt.timedelta(days=7),
        connection=get_connection("django.core.mail.backends.locmem.EmailBackend"),
    )
    return {
        "reminder contacts": len(contacts),
        "reminder lead times": len(lead_times),
        "reminders sent last week": sum(1 for r in run.reminders if r.status == "sent"),
    }
