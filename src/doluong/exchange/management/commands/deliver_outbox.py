"""`doluong manage deliver_outbox [--queue]`: deliver the outbox to every active subscriber (retries whose backoff
has passed included), then prune the national receiver's old counted refusals — the `exchange_delivery` job's
work. Idempotent; run it every minute from cron (docs/operations.md). `--queue` hands the run to `doluong worker`,
unless a delivery job is already waiting or running (a slow run is never doubled by the next minute's)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Deliver the outbox to the subscribers (and prune old counted refusals); --queue for the worker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue", action="store_true", help="queue the delivery for `doluong worker` (a background job)"
        )

    def handle(self, *args, queue=False, **options):
        from doluong.core import jobs
        from doluong.core.models import Job

        if queue:
            waiting = Job.objects.filter(
                kind="exchange_delivery", status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
            ).first()
            if waiting is not None:
                self.stdout.write(f"WAITING {waiting.pk}")
                return
            job = jobs.create("exchange_delivery")
            jobs.enqueue(job)
            self.stdout.write(f"QUEUED {job.pk}")
            return
        from doluong.exchange.aggregate import prune_refusal_counts
        from doluong.exchange.delivery import deliver_all

        counts = deliver_all()
        pruned = prune_refusal_counts()
        with translation.override("vi"):
            self.stdout.write(
                _("Delivered: %(counts)s; old counted refusals pruned: %(pruned)s.")
                % {
                    "counts": ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "0",
                    "pruned": pruned,
                }
            )
