"""The exchange app's background job (core.jobs): deliver the outbox to every active subscriber, on the worker."""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from doluong.core import jobs


def run_delivery(job) -> None:
    from .delivery import deliver_all

    job.result = deliver_all()
    job.progress_done = job.progress_total = sum(job.result.values())
    job.status, job.finished_at = job.Status.DONE, timezone.now()
    job.save(update_fields=["result", "progress_done", "progress_total", "status", "finished_at"])


jobs.register_kind("exchange_delivery", gettext_lazy("Event delivery to subscribers"), run_delivery)
