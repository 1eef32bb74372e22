"""Upload folders of the verification app, cleaned by core.uploads: the spreadsheets of batch issues waiting
for their column mapping and preview (DATA_DIR/batch). Confirming a preview moves the file into the background
jobs' input store (core.jobs, DATA_DIR/jobs), which the job empties when it ends."""

from pathlib import Path

from django.conf import settings

from doluong.core.uploads import register_folder

from .choices import JobStatus


def _batch_in_use():
    """The files of the batches that wait or run and still read them from here (batches queued before their
    file moved to the job input store)."""
    from .models import BatchJob

    jobs = BatchJob.objects.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING])
    return {f"{job.mapping.get('token')}.xlsx" for job in jobs.only("mapping")}


register_folder("batch", lambda: Path(settings.DATA_DIR) / "batch", _batch_in_use)
