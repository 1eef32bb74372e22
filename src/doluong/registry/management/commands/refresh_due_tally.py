"""`doluong manage refresh_due_tally [--queue]`: count the due figures of every instrument for today into the
tally that the home page and the due summary read at national scale (registry.tally). Idempotent; run it hourly
from cron (docs/operations.md)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from doluong.core.management.queueable import DailyRefreshCommand


class Command(DailyRefreshCommand):
    help = (
        "Count every instrument's due bucket for today into the due tally (the home page at national scale)."
    )
    job_kind = "due_tally"
    done = gettext_noop("Due tally for %(date)s: %(count)s rows in %(seconds).1f s.")

    def refresh(self, on) -> int:
        from doluong.registry.tally import refresh

        return refresh(on)
