"""The registry's background jobs: the pages of the bulk loads (every kind of `core.bulk`, whichever app
declares it, is shown on registry/bulk/<id>/) and the due-date reminder run."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from doluong.core import bulk, jobs


def bulk_job_url(job) -> str:
    return reverse("registry:bulk_job", args=[job.pk])


bulk.JOB_URL = bulk_job_url


def run_reminders(job) -> None:
    """Send the due-date reminders of the day (registry.reminders; idempotent: each reminder once)."""
    import datetime as dt

    from doluong.core.dates import today

    from .reminders import send_reminders

    on = dt.date.fromisoformat(job.params["date"]) if job.params.get("date") else today()
    report = send_reminders(on, dry_run=bool(job.params.get("dry_run")), province=job.params.get("province"))
    job.result = {"date": on.isoformat(), **{str(k): v for k, v in report.counts().items()}}
    job.status, job.finished_at = job.Status.DONE, timezone.now()
    job.save(update_fields=["result", "status", "finished_at"])


jobs.register_kind("reminders", gettext_lazy("Due-date reminders"), run_reminders, retry=True)


def run_due_tally(job) -> None:
    """Count the due figures of every instrument for the day (registry.tally; idempotent: replaces the tally)."""
    import datetime as dt

    from .tally import refresh

    on = dt.date.fromisoformat(job.params["date"]) if job.params.get("date") else None
    rows = refresh(on)
    job.result = {"rows": rows}
    job.status, job.finished_at = job.Status.DONE, timezone.now()
    job.save(update_fields=["result", "status", "finished_at"])


jobs.register_kind("due_tally", gettext_lazy("Due figures tally"), run_due_tally, retry=True)
