"""The exchange app's background job (core.jobs), run on the worker: deliver the outbox to every active
subscriber, then prune the national receiver's counted refusals older than their retention
(`aggregate.prune_refusal_counts`, DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS, 90 days by default)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from doluong.core import jobs


def run_delivery(job) -> None:
    from .aggregate import prune_refusal_counts
    from .delivery import deliver_all

    counts = deliver_all()
    job.result = {**counts, "refusal_counts_pruned": prune_refusal_counts()}
    job.progress_done = job.progress_total = sum(counts.values())
    job.status, job.finished_at = job.Status.DONE, timezone.now()
    job.save(update_fields=["result", "progress_done", "progress_total", "status", "finished_at"])


jobs.register_kind("exchange_delivery", gettext_lazy("Event delivery to subscribers"), run_delivery)
