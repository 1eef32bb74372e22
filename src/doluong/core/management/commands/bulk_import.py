"""`doluong manage bulk_import <kind> <file>`: load a large XLSX/CSV file through the set-wise bulk path."""

from __future__ import annotations

import os
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from doluong.core import bulk
from doluong.core.io import ImportFileError


class Command(BaseCommand):
    help = (
        "Load a large XLSX/CSV file of instruments, organisations or verification records (all-or-nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(bulk.kinds()))
        parser.add_argument("file")
        parser.add_argument(
            "--only-good", action="store_true", help="Load the good rows even if some are bad."
        )
        parser.add_argument("--source", default="", help="Name of the data source (part of each row's key).")
        parser.add_argument("--user", default="", help="Load as this user (scope checks); default: no limit.")
        parser.add_argument(
            "--max-errors", type=int, default=200, help="Errors printed (all are kept on the job)."
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue the load for `doluong worker` instead of running it here; prints the job's number.",
        )

    def handle(self, *args, kind, file, only_good, source, user, max_errors, queue=False, **options):
        account = None
        if user:
            try:
                account = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user “%(name)s”.") % {"name": user}) from None
        pause = os.environ.get("DOLUONG_BULK_PAUSE_AFTER")  # for the kill-halfway test only

        def step(name: str) -> None:
            if pause and name == pause:
                self.stdout.write(f"PAUSED {name}")
                self.stdout.flush()
                sys.stdout.flush()
                time.sleep(600)

        if queue:
            try:
                with open(file, "rb") as stream:
                    job = bulk.queue(
                        kind,
                        file,
                        stream.read(),
                        user=account,
                        source=source or os.path.basename(file),
                        only_good=only_good,
                    )
            except FileNotFoundError:
                raise CommandError(_("No file “%(name)s”.") % {"name": file}) from None
            except ImportFileError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(_("Bulk load #%(job)s queued for the worker.") % {"job": job.pk})
            self.stdout.write(f"QUEUED {job.pk}")
            return
        started = time.perf_counter()
        try:
            with open(file, "rb") as stream:
                result = bulk.run(
                    kind,
                    file,
                    stream,
                    user=account,
                    source=source or os.path.basename(file),
                    only_good=only_good,
                    on_merge_step=step,
                )
        except FileNotFoundError:
            raise CommandError(_("No file “%(name)s”.") % {"name": file}) from None
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.perf_counter() - started
        for error in result.errors[:max_errors]:
            self.stdout.write(
                _("Row %(row)s, %(column)s: %(reason)s")
                % {"row": error.row, "column": error.column, "reason": error.message}
            )
        if result.error_count > max_errors:
            self.stdout.write(
                _("… and %(count)s more errors (see bulk load #%(job)s).")
                % {"count": result.error_count - max_errors, "job": result.job_id}
            )
        summary = _(
            "Bulk load #%(job)s: %(rows)s rows read, %(bad)s bad, %(inserted)s added, %(updated)s changed, "
            "%(unchanged)s unchanged in %(seconds).1f s."
        ) % {
            "job": result.job_id,
            "rows": result.rows,
            "bad": result.bad_rows,
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "seconds": elapsed,
        }
        self.stdout.write(summary)
        if result.error_count and not only_good:
            raise CommandError(_("Nothing was loaded: correct the rows above, or use --only-good."))
