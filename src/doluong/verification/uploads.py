"""Upload folders of the verification app, cleaned by core.uploads: the spreadsheets of batch issues waiting
for their column mapping and preview (DATA_DIR/batch; a job deletes its file when it ends), and the progress
files of batch jobs (DATA_DIR/jobs)."""

from pathlib import Path

from django.conf import settings

from doluong.core.uploads import register_folder

from .choices import JobStatus


def _batch_in_use():
    """The files of the jobs that wait or run (a job reads its file when it starts)."""
    from .models import BatchJob

    jobs = BatchJob.objects.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING])
    return {f"{job.mapping.get('token')}.xlsx" for job in jobs.only("mapping")}


def _jobs_in_use():
    from .models import BatchJob

    running = BatchJob.objects.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING])
    return {f"{pk}.json" for pk in running.values_list("pk", flat=True)}


register_folder("batch", lambda: Path(settings.DATA_DIR) / "batch", _batch_in_use)
register_folder("jobs", lambda: Path(settings.DATA_DIR) / "jobs", _jobs_in_use)
