"""The tasks of the django-tasks queue (settings.TASKS: the database backend, run by `doluong worker`).

One task runs every kind of job: the job row (`core.Job`) says what to do, so the queue holds only its id."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job_task(job_id: int) -> str:
    from .jobs import run_job

    return run_job(job_id)
