"""`doluong manage send_report_reminders [--date dd/mm/yyyy] [--dry-run]`: e-mail the units that have not reported
(14, 7 and 1 day before the deadline of an open round, and once after it). Idempotent: run it daily; a reminder
already sent for a round, unit and stage is never sent again (see programs.ReminderLog)."""

import datetime as dt

from django.core.management.base import CommandError

from doluong.core.management.queueable import QueueableCommand
from doluong.programs.actions import send_report_reminders


class Command(QueueableCommand):
    help = "Send reminder e-mails to units that have not submitted their yearly report on a plan."
    job_kind = "report_reminders"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="act as if today were this day (dd/mm/yyyy)")
        parser.add_argument("--dry-run", action="store_true", help="list what would be sent, send nothing")
        super().add_arguments(parser)

    def handle(self, *args, date=None, dry_run=False, queue=False, **options):
        day = None
        if date:
            try:
                day = dt.datetime.strptime(date, "%d/%m/%Y").date()
            except ValueError as exc:
                raise CommandError(f"--date: {date!r} is not dd/mm/yyyy") from exc
        if queue:
            self.queue({"date": day.isoformat() if day else "", "dry_run": dry_run})
            return
        sent = send_report_reminders(day, dry_run=dry_run)
        for log in sent:
            self.stdout.write(f"{log.round} · {log.organisation} · {log.stage} → {log.recipients}")
        self.stdout.write(f"{len(sent)} reminder(s) {'would be ' if dry_run else ''}sent.")
