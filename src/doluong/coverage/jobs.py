"""The coverage app's background job: the snapshots of every province's coverage inputs (coverage.snapshot)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from doluong.core import jobs


def run_snapshot(job) -> None:
    """Gather every province's coverage inputs for the day (idempotent: replaces the snapshots)."""
    import datetime as dt

    from .snapshot import refresh

    on = dt.date.fromisoformat(job.params["date"]) if job.params.get("date") else None
    job.result = {"provinces": refresh(on)}
    job.status, job.finished_at = job.Status.DONE, timezone.now()
    job.save(update_fields=["result", "status", "finished_at"])


jobs.register_kind("coverage_snapshot", gettext_lazy("Coverage snapshots"), run_snapshot, retry=True)
