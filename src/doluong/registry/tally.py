"""Due figures at national scale: the worker's tally of instruments per (province, commune, type, status), with the
due buckets of one day.

Counting a country's 10 million instruments into overdue / 0–30 / 31–60 / 61–90 days takes seconds, and the home
page and the due summary of an administrator or a large province asked for it on every request. So:

- `refresh(on)` counts every instrument once, grouped by (province, commune, type, status), and replaces the tally
  in one transaction (readers see the old tally until the new one is whole). `doluong manage refresh_due_tally`
  runs it (from cron, hourly; `--queue` hands it to the worker as a job of kind "due_tally").
- `for_user(user, on)` answers from the tally only when it was counted for `on` (today), the user's every grant of
  viewing instruments is by place (all rows, own province, own commune — the tally's dimensions), and the user's
  scope holds more than LIVE_UP_TO instruments. Otherwise the caller counts live, exactly, as before: a commune,
  an enterprise or a provider always sees live figures, and so does everyone in a small installation.
- The page says when the figures were counted (`as_of`).

The buckets are those of registry.due (`bucket_q`): overdue = due before `on`, 0–30 days = `on` … `on`+30, …
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from doluong.core.access import acting_scopes
from doluong.core.dates import today
from doluong.core.scope import VIEW, principal

from .models import DueTally, Instrument

#: a scope with at most this many instruments is counted live, exactly (the lists' exact-count bound)
LIVE_UP_TO = 100_000
BUCKETS = ("overdue", "due_30", "due_60", "due_90")
KEYS = ("province_id", "commune_id", "instrument_type_id", "status")
#: filters of the due pages that the tally can answer: filter name -> tally field
FILTER_FIELDS = {
    "province": "province_id",
    "commune": "commune_id",
    "instrument_type": "instrument_type_id",
    "field": "instrument_type__field",
    "status": "status",
}
#: grant scope → the tally's column, which is also the name of the user scope's attribute (None: every row)
PLACE_SCOPES = {
    "all": None,
    "own_province": "province_id",
    "own_commune": "commune_id",
}


def _bucket_counts(on: dt.date) -> dict:
    from .due import bucket_q

    return {
        "total": Count("pk"),
        "unknown": Count("pk", filter=Q(next_due__isnull=True)),
        **{name: Count("pk", filter=bucket_q(name, on)) for name in BUCKETS},
    }


def refresh(on: dt.date | None = None) -> int:
    """Count every instrument for day `on` (default today) and replace the tally; the number of tally rows."""
    on = on or today()
    now = timezone.now()
    rows = Instrument.objects.order_by().values(*KEYS).annotate(**_bucket_counts(on))
    tallies = [DueTally(on=on, computed_at=now, **row) for row in rows.iterator(chunk_size=5000)]
    with transaction.atomic():
        DueTally.objects.all().delete()
        DueTally.objects.bulk_create(tallies, batch_size=5000)
    return len(tallies)


def place_q(user) -> Q | None:
    """The tally rows of `user`'s view of instruments, when every grant of it is by place; else None."""
    who = principal(user)
    if who.is_admin:
        return Q()
    parts = []
    for scope, grant in acting_scopes(user, Instrument, VIEW):
        if grant.scope not in PLACE_SCOPES:
            return None
        place = PLACE_SCOPES[grant.scope]
        if place is None:
            return Q()
        field = place
        value = getattr(scope, field)
        if not value:
            return None
        parts.append(Q(**{field: value}))
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


class Tally:
    """The tally rows a user may read for one day, and when they were counted."""

    def __init__(self, rows, as_of: dt.datetime):
        self.rows = rows
        self.as_of = as_of

    def filter(self, **filters) -> Tally:
        return Tally(self.rows.filter(**filters), self.as_of)

    def totals(self) -> dict:
        found = self.rows.aggregate(**{n: Sum(n) for n in ("total", "unknown", *BUCKETS)})
        return {n: v or 0 for n, v in found.items()}

    def grouped(self, *keys: str):
        """Rows {*keys, total, unknown, overdue, due_30, due_60, due_90} summed per group (a queryset)."""
        return self.rows.values(*keys).annotate(**{n: Sum(n) for n in ("total", "unknown", *BUCKETS)})


def for_user(user, on: dt.date | None = None, *, filters: dict | None = None) -> Tally | None:
    """The tally for `user` on day `on` (default today), narrowed by `filters` (FILTER_FIELDS names -> value),
    when the figures should come from it (see the module's docstring); None means count live."""
    on = on or today()
    if filters and any(
        name not in FILTER_FIELDS for name, value in filters.items() if value not in (None, "")
    ):
        return None
    where = place_q(user)
    if where is None:
        return None
    rows = DueTally.objects.filter(on=on).filter(where)
    for name, value in (filters or {}).items():
        if value not in (None, ""):
            rows = rows.filter(**{FILTER_FIELDS[name]: getattr(value, "pk", value)})
    found = rows.aggregate(instruments=Sum("total"), as_of=Max("computed_at"))
    if found["as_of"] is None or (found["instruments"] or 0) <= LIVE_UP_TO:
        return None
    return Tally(rows, found["as_of"])
