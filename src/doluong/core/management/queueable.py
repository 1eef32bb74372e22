"""Management commands that run now or, with `--queue`, on `doluong worker` (core.jobs): the cron entry points of
the daily and hourly refreshes and of the reminder runs. A subclass names its job kind; `queue()` writes the job
and prints `QUEUED <id>` (what scripts and the tests read)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from doluong.core.dates import today


class QueueableCommand(BaseCommand):
    #: the kind of job (core.jobs.register_kind) that `--queue` queues
    job_kind = ""

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue", action="store_true", help="queue the run for `doluong worker` (a background job)"
        )

    def queue(self, params: dict, *, province_code: str = "") -> None:
        from doluong.core import jobs

        job = jobs.create(self.job_kind, params=params, province_code=province_code)
        jobs.enqueue(job)
        self.stdout.write(f"QUEUED {job.pk}")


class DailyRefreshCommand(QueueableCommand):
    """Recount something for today (idempotent). A subclass gives `refresh(on) -> count` and `done`, a message
    with %(date)s, %(count)s and %(seconds)s, marked with gettext_noop and translated here."""

    done = ""

    def refresh(self, on) -> int:
        raise NotImplementedError

    def handle(self, *args, queue=False, **options):
        on = today()
        if queue:
            self.queue({"date": on.isoformat()})
            return
        started = time.monotonic()
        count = self.refresh(on)
        with translation.override("vi"):
            self.stdout.write(
                _(self.done)
                % {"date": on.strftime("%d/%m/%Y"), "count": count, "seconds": time.monotonic() - started}
            )
