"""`doluong manage refresh_due_tally [--queue]`: count the due figures of every instrument for today into the
tally that the home page and the due summary read at national scale (registry.tally). Idempotent; run it hourly
from cron (docs/operations.md)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from doluong.core.dates import today


class Command(BaseCommand):
    help = (
        "Count every instrument's due bucket for today into the due tally (the home page at national scale)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue", action="store_true", help="queue the count for `doluong worker` (a background job)"
        )

    def handle(self, *args, queue=False, **options):
        on = today()
        if queue:
            from doluong.core import jobs

            job = jobs.create("due_tally", params={"date": on.isoformat()})
            jobs.enqueue(job)
            self.stdout.write(f"QUEUED {job.pk}")
            return
        from doluong.registry.tally import refresh

        started = time.monotonic()
        rows = refresh(on)
        with translation.override("vi"):
            self.stdout.write(
                _("Due tally for %(date)s: %(rows)s rows in %(seconds).1f s.")
                % {"date": on.strftime("%d/%m/%Y"), "rows": rows, "seconds": time.monotonic() - started}
            )
