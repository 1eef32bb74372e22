"""`doluong worker` (= `doluong manage worker`): run the background jobs — the django-tasks queue on its database
backend (settings.TASKS). Each job is a `core.Job` row (core.jobs): the worker records itself on the row and
stamps a heartbeat while the job runs; at start and every --sweep seconds it settles the jobs of workers that
died (queued again or marked failed). Stop it with SIGTERM or Ctrl+C: a running job is finished first (a second
signal stops it at once; its transaction rolls back). Several workers may run on one or more hosts."""

from __future__ import annotations

import logging
import os
import threading

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger("doluong.worker")


class Command(BaseCommand):
    help = "Run the background jobs (bulk loads, batch issues, reminders) from the database queue."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between looks at the queue")
        parser.add_argument(
            "--sweep", type=float, default=5.0, help="seconds between checks for dead workers"
        )
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")

    def handle(self, *args, interval, sweep, batch, max_tasks, **options):
        from django_tasks import task_backends
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.management.commands.db_worker import Worker

        from doluong.core import jobs

        if not isinstance(task_backends["default"], DatabaseBackend):
            with translation.override("vi"):
                raise CommandError(
                    _("The worker runs the database queue, but settings.TASKS uses another backend.")
                )
        worker_id = f"{jobs.current_host()}:{os.getpid()}"[-64:]
        jobs.WORKER_ID = worker_id
        settled = jobs.sweep()
        self.stdout.write(
            f"doluong worker {worker_id}: started; {len(settled)} job(s) of stopped workers settled",
            ending="\n",
        )
        self.stdout.flush()
        stopping = threading.Event()

        def sweeper():
            from django.db import connections

            try:
                while not stopping.wait(sweep):
                    try:
                        for job in jobs.sweep():
                            logger.warning("job %s: its worker stopped; now %s", job.pk, job.status)
                    except Exception:
                        logger.exception("sweep failed")
            finally:
                connections.close_all()

        if sweep > 0:
            threading.Thread(target=sweeper, daemon=True, name="job-sweeper").start()
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stopping.set()
