"""The programs app's background jobs (core.jobs): the reminders to units that have not reported."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy

from doluong.core import jobs


def run_report_reminders(job) -> None:
    """Send the report reminders of the day (programs.actions; idempotent: each round, unit and stage once)."""
    from .actions import send_report_reminders

    day = dt.date.fromisoformat(job.params["date"]) if job.params.get("date") else None
    sent = send_report_reminders(day, dry_run=bool(job.params.get("dry_run")))
    job.result = {"sent": len(sent), "dry_run": bool(job.params.get("dry_run"))}
    job.progress_done = job.progress_total = len(sent)
    job.status, job.finished_at = job.Status.DONE, timezone.now()
    job.save(update_fields=["result", "progress_done", "progress_total", "status", "finished_at"])


jobs.register_kind("report_reminders", gettext_lazy("Report reminders"), run_report_reminders)
