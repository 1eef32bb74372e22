"""The open data app's background job (core.jobs): rebuild every dataset's release (review date = the day), on
the worker. Started from the catalogue page (administrator) or `doluong manage opendata_refresh` (cron)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from doluong.core import jobs


def run_refresh(job) -> None:
    from .publish import refresh

    job.result = refresh()
    job.progress_done = job.progress_total = len(job.result)
    job.status, job.finished_at = job.Status.DONE, timezone.now()
    job.save(update_fields=["result", "progress_done", "progress_total", "status", "finished_at"])


jobs.register_kind("opendata_refresh", gettext_lazy("Open data refresh"), run_refresh)
