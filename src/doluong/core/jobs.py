"""Background jobs: one job model (`core.Job`), one runner, one input store — on django-tasks' database backend.

An app declares its kinds of job with `register_kind(name, label, run, url=…)` in `<app>/jobs.py` (or, for bulk
loads, `core.bulk.register` in `<app>/bulk.py`); `core` discovers those modules (`kinds()`), it imports no app.

    job = jobs.create("certificates", user=…, file_name=…, params={…})   # the row, status "queued"
    jobs.enqueue(job)                                                   # a django-tasks task, after commit

`doluong worker` (core/management/commands/worker.py) takes the task from the queue and calls `run_job(pk)`:
the row records the host, pid and worker id, and a heartbeat thread stamps `heartbeat_at` (and the progress a
kind reports with `report_progress`) every DOLUONG_JOB_HEARTBEAT_SECONDS from its own connection. Each kind's
work is one transaction, so a worker killed mid-job wrote nothing: `settle()` (run by the job pages and by the
worker every few seconds) sees a running job whose process has ended — same host: the pid is gone or now
belongs to a younger process; another host: no heartbeat for DOLUONG_JOB_STALE_SECONDS — and queues it again
(up to DOLUONG_JOB_ATTEMPTS runs, while its input file is kept) or marks it failed, saying so in the job's
message. See docs/operations.md (the worker).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .uploads import register_folder

logger = logging.getLogger(__name__)

#: at most this many errors are kept on a job row and printed (the count is always exact: Job.error_count)
MAX_REPORTED_ERRORS = 1000
#: a message kept on a job row is cut to this many characters
MESSAGE_CHARS = 500
#: a process that started this long after the job did is another process that reuses the job's process id
START_SLACK = 10.0


def heartbeat_seconds() -> float:
    return float(getattr(settings, "DOLUONG_JOB_HEARTBEAT_SECONDS", 5))


def stale_seconds() -> float:
    return float(getattr(settings, "DOLUONG_JOB_STALE_SECONDS", 120))


def max_attempts() -> int:
    return int(getattr(settings, "DOLUONG_JOB_ATTEMPTS", 2))


# ------------------------------------------------------------------------------------------------- kinds


@dataclass
class JobKind:
    """A kind of job: `run(job)` does the work (in one transaction) and leaves the row done/rejected/failed
    (the runner marks it failed if it raises or returns with the row still running); `url(job)` is its page."""

    name: str
    label: Any
    run: Callable[[Any], None]
    url: Callable[[Any], str] | None = None
    #: run it again after its worker died (its work is all-or-nothing and its input is kept)
    retry: bool = True


KINDS: dict[str, JobKind] = {}


def register_kind(
    name: str, label, run: Callable, *, url: Callable | None = None, retry: bool = True
) -> JobKind:
    kind = JobKind(name, label, run, url, retry)
    KINDS[name] = kind
    return kind


def kinds() -> dict[str, JobKind]:
    """Every declared kind: the apps' `jobs` and `bulk` modules are imported once (core imports no app)."""
    from django.apps import apps
    from django.utils.module_loading import autodiscover_modules

    if apps.ready and not getattr(kinds, "_discovered", False):
        autodiscover_modules("bulk", "jobs")
        kinds._discovered = True  # type: ignore[attr-defined]
    return KINDS


def kind_label(name: str) -> str:
    from django.utils.text import capfirst

    kind = kinds().get(name)
    return capfirst(str(kind.label)) if kind else name


def job_url(job) -> str:
    kind = kinds().get(job.kind)
    return kind.url(job) if kind and kind.url else ""


# ------------------------------------------------------------------------------------------- input store


def jobs_folder() -> Path:
    return Path(settings.DATA_DIR) / "jobs"


def save_input(upload, suffix: str) -> str:
    """Keep an uploaded file (an UploadedFile, chunk by chunk, or bytes) until its job ends; return its name
    (what `Job.input_file` holds)."""
    folder = jobs_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}{suffix.lower()}"
    with (folder / name).open("wb") as out:
        if isinstance(upload, (bytes, bytearray)):
            out.write(upload)
        else:
            for chunk in upload.chunks():
                out.write(chunk)
    return name


def input_path(name: str) -> Path | None:
    """The stored input `name`, or None when the name is not one of ours or the file is gone."""
    stem, dot, suffix = (name or "").partition(".")
    if not stem.isalnum() or (dot and not suffix.isalnum()):
        return None
    path = jobs_folder() / name
    return path if path.is_file() else None


def discard_input(name: str) -> None:
    path = input_path(name)
    if path is not None:
        path.unlink(missing_ok=True)


def _inputs_in_use():
    from .models import Job

    waiting = Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).exclude(input_file="")
    return set(waiting.values_list("input_file", flat=True))


register_folder("jobs", jobs_folder, _inputs_in_use)


# ------------------------------------------------------------------------------------------------ create


def create(
    kind: str,
    *,
    user=None,
    file_name: str = "",
    input_file: str = "",
    params: dict | None = None,
    organisation_id: int | None = None,
    province_code: str = "",
    **fields,
):
    """The row of a job about to be queued. The organisation and province it is for (scoping) default to the
    starter's first membership."""
    from .models import Job
    from .scope import principal

    if kind not in kinds():
        raise ValueError(f"unknown kind of job {kind!r}")
    if organisation_id is None and user is not None and getattr(user, "pk", None):
        scopes = principal(user).scopes
        if scopes:
            organisation_id, province_code = scopes[0].organisation_id, province_code or scopes[0].province_id
    params = dict(params or {})
    params.setdefault("language", translation.get_language() or settings.LANGUAGE_CODE)
    return Job.objects.create(
        kind=kind,
        created_by=user if getattr(user, "pk", None) else None,
        file_name=os.path.basename(file_name or "")[:300],
        input_file=input_file,
        params=params,
        organisation_id=organisation_id,
        province_code=province_code or "",
        **fields,
    )


def enqueue(job) -> None:
    """Queue the job's task. With the database backend the queue's row is written in the caller's transaction,
    so the worker sees the job when (and only if) the job's row is committed; with the immediate backend (the
    unit tests) the task runs here and now."""
    from .tasks import run_job_task

    result = run_job_task.enqueue(job.pk)
    type(job).objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))
    if not job.task_id:
        job.task_id = str(result.id)


# ------------------------------------------------------------------------------------------------ runner

#: this process's worker id (set by `doluong worker`); heartbeats run only in a worker
WORKER_ID = ""
_progress: dict[int, tuple[int, int]] = {}


def report_progress(job, done: int, total: int) -> None:
    """The job has done `done` of `total` steps: written by the heartbeat thread from its own connection (the
    job's transaction is still open; on PostgreSQL other pages see it at once, on SQLite after the commit)."""
    _progress[job.pk] = (done, total)
    job.progress_done, job.progress_total = done, total
    if not WORKER_ID:  # in-process (tests, a management command): outside any transaction of the job's
        from .models import Job

        if not transaction.get_connection().in_atomic_block:
            Job.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total)


class Heartbeat(threading.Thread):
    """Stamps the job's heartbeat (and its reported progress) every few seconds while it runs."""

    def __init__(self, job_id: int):
        super().__init__(daemon=True, name=f"job-heartbeat-{job_id}")
        self.job_id = job_id
        self.stopping = threading.Event()

    def run(self) -> None:
        from .models import Job

        try:
            while not self.stopping.wait(heartbeat_seconds()):
                fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
                if self.job_id in _progress:
                    fields["progress_done"], fields["progress_total"] = _progress[self.job_id]
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(**fields)
                except Exception:  # SQLite: the job's own transaction holds the write lock; try again later
                    logger.debug("heartbeat of job %s not written", self.job_id, exc_info=True)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopping.set()


def run_job(job_id: int) -> str:
    """Run job `job_id` in this process (the worker's task); returns its final status."""
    from .bulk import short
    from .models import Job

    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        host=current_host(),
        pid=os.getpid(),
        worker_id=WORKER_ID[:64],
        began_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    job = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or not claimed:
        return job.status if job else "missing"
    kind = kinds().get(job.kind)
    beat = Heartbeat(job.pk) if WORKER_ID else None
    if beat:
        beat.start()
    try:
        if kind is None:
            raise ValueError(_("Unknown kind of job: %(kind)s.") % {"kind": job.kind})
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            kind.run(job)
    except Exception as exc:
        logger.exception("job %s (%s) stopped", job.pk, job.kind)
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            message=short(_("The job stopped: %(error)s") % {"error": exc}, MESSAGE_CHARS),
        )
    finally:
        if beat:
            beat.stop()
        _progress.pop(job.pk, None)
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=Job.Status.FAILED, finished_at=timezone.now()
    )
    job.refresh_from_db()
    if job.finished and job.input_file:
        discard_input(job.input_file)
    return job.status


# -------------------------------------------------------------------------------------------- dead workers


def current_host() -> str:
    import socket

    return socket.gethostname()[:255]


def _process_started(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), from /proc on Linux; None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat[stat.rindex(")") + 2 :].split()[19])  # field 22: start time in ticks after boot
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def process_alive(pid: int, since: dt.datetime | None) -> bool:
    """Whether process `pid` of this host still runs and is the one that was running at `since` (a process that
    started later merely reuses the id). A zombie (killed, not yet reaped) counts as ended."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except OSError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat[stat.rindex(")") + 2 :].split()[0] in ("Z", "X"):
            return False
    except (OSError, ValueError, IndexError):
        pass
    started = _process_started(pid)
    return started is None or since is None or started <= since.timestamp() + START_SLACK


def is_dead(job, *, now: dt.datetime | None = None) -> bool:
    """Whether a running job's worker has ended: on this host by its pid, elsewhere by its heartbeat."""
    if job.status != job.Status.RUNNING:
        return False
    if job.pid and job.host == current_host():
        return not process_alive(job.pid, job.began_at)
    beat = job.heartbeat_at or job.began_at or job.started_at
    return beat is not None and ((now or timezone.now()) - beat).total_seconds() > stale_seconds()


def settle(jobs) -> list:
    """Requeue or fail the running jobs of `jobs` whose worker has died (see the module's docstring); the
    objects are updated in place. Returns those settled."""

    gone = [job for job in jobs if is_dead(job)]
    with translation.override(settings.LANGUAGE_CODE):  # the row keeps the message in the site's language
        for job in gone:
            _settle_one(job)
    return gone


def _settle_one(job) -> None:
    from .models import Job

    kind = kinds().get(job.kind)
    values = {
        "pid": job.pid or "?",
        "host": job.host or "?",
        "time": timezone.localtime(job.heartbeat_at).strftime("%H:%M:%S %d/%m/%Y")
        if job.heartbeat_at
        else "—",
    }
    again = (
        kind is not None
        and kind.retry
        and job.attempts < max_attempts()
        and bool(job.input_file)
        and input_path(job.input_file) is not None
    )
    if again:
        message = (
            _(
                "The worker running this job (process %(pid)s on %(host)s, last heartbeat %(time)s) stopped "
                "before the job ended; nothing was written. The job has been queued again."
            )
            % values
        )
        fields = {
            "status": Job.Status.QUEUED,
            "interrupted": True,
            "message": message,
            "pid": None,
            "task_id": "",
        }
    else:
        message = (
            _(
                "The worker running this job (process %(pid)s on %(host)s, last heartbeat %(time)s) stopped "
                "before the job ended; nothing was written. Start the job again."
            )
            % values
        )
        fields = {
            "status": Job.Status.FAILED,
            "interrupted": True,
            "message": message,
            "finished_at": timezone.now(),
        }
    changed = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, pid=job.pid).update(**fields)
    _fail_task(job.task_id)
    if not changed:
        return
    for key, value in fields.items():
        setattr(job, key, value)
    if again:
        enqueue(job)
    elif job.input_file:
        discard_input(job.input_file)


def _fail_task(task_id: str) -> None:
    """The queue's row of a task whose worker died stays "running": close it."""
    if not task_id:
        return
    try:
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
            status="FAILED", finished_at=timezone.now()
        )
    except Exception:  # another backend (the tests' immediate one) has no such table
        logger.debug("task %s not closed", task_id, exc_info=True)


def sweep() -> list:
    """Settle every running job whose worker died, and every queued job whose queue row is gone (the worker
    runs this at start and every few seconds)."""
    from .models import Job

    return settle(list(Job.objects.filter(status=Job.Status.RUNNING))) + orphans()


def orphans(*, now: dt.datetime | None = None) -> list:
    """Queued jobs (older than the stale delay) whose task is not waiting in the database queue any more — its
    row deleted, or closed without running the job (a restore from a backup, a hand-cleaned queue): queued
    again when the kind retries and its input is still there, failed with a message otherwise. Never left
    "queued" for ever. Only with the database backend (the immediate backend has no queue to lose)."""
    from .models import Job

    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the backend is a dependency
        return []
    if "django_tasks_db" not in settings.TASKS.get("default", {}).get("BACKEND", ""):
        return []
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=stale_seconds())
    waiting = Job.objects.filter(status=Job.Status.QUEUED, started_at__lt=cutoff)
    live = set(DBTaskResult.objects.filter(status__in=("READY", "RUNNING")).values_list("id", flat=True))
    found = [job for job in waiting if not job.task_id or _uuid(job.task_id) not in live]
    settled = []
    with translation.override(settings.LANGUAGE_CODE):
        for job in found:
            kind = kinds().get(job.kind)
            again = kind is not None and (not job.input_file or input_path(job.input_file) is not None)
            if again and job.attempts < max_attempts():
                previous = job.task_id
                job.task_id = ""
                changed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED, task_id=previous).update(
                    task_id="",
                    message=_("The queue had lost this job's task; it has been queued again."),
                )
                if changed:
                    enqueue(job)
                    settled.append(job)
                continue
            changed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED, task_id=job.task_id).update(
                status=Job.Status.FAILED,
                finished_at=timezone.now(),
                message=_("The queue had lost this job's task and its input is gone. Start the job again."),
            )
            if changed:
                job.status = Job.Status.FAILED
                settled.append(job)
    return settled


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return value


# ------------------------------------------------------------------------------------------------ reading


def visible(user):
    """The jobs `user` may see: the permission table's rows (`restrict`) and the jobs the user started."""
    from .models import Job
    from .scope import VIEW

    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(
        Q(pk__in=Job.objects.restrict(user, VIEW).values("pk")) | Q(created_by_id=user.pk)
    )
