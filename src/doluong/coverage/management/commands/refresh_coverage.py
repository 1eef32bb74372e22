"""`doluong manage refresh_coverage [--queue]`: gather every province's coverage inputs for today into the snapshots
that the public coverage pages read at national scale (coverage.snapshot). Idempotent; run it daily from cron,
after the due tally (docs/operations.md)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from doluong.core.dates import today


class Command(BaseCommand):
    help = (
        "Gather every province's coverage inputs for today into the snapshots the public coverage pages read."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue", action="store_true", help="queue the work for `doluong worker` (a background job)"
        )

    def handle(self, *args, queue=False, **options):
        on = today()
        if queue:
            from doluong.core import jobs

            job = jobs.create("coverage_snapshot", params={"date": on.isoformat()})
            jobs.enqueue(job)
            self.stdout.write(f"QUEUED {job.pk}")
            return
        from doluong.coverage.snapshot import refresh

        started = time.monotonic()
        count = refresh(on)
        with translation.override("vi"):
            self.stdout.write(
                _("Coverage snapshots for %(date)s: %(count)s provinces in %(seconds).1f s.")
                % {"date": on.strftime("%d/%m/%Y"), "count": count, "seconds": time.monotonic() - started}
            )
