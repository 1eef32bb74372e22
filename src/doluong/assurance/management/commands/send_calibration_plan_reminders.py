"""`doluong manage send_calibration_plan_reminders [--date dd/mm/yyyy] [--dry-run]`: e-mail each enterprise the
calibrations of its plan planned in the next 30 days. Idempotent: run it daily; one reminder per plan line."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from doluong.assurance.calplan import send_plan_reminders


class Command(BaseCommand):
    help = "Remind enterprises of the calibrations of their plan planned in the next 30 days."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="act as if today were this day (dd/mm/yyyy)")
        parser.add_argument("--dry-run", action="store_true", help="list what would be sent, send nothing")

    def handle(self, *args, date=None, dry_run=False, **options):
        day = None
        if date:
            try:
                day = dt.datetime.strptime(date, "%d/%m/%Y").date()
            except ValueError as exc:
                raise CommandError(f"--date: {date!r} is not dd/mm/yyyy") from exc
        sent = send_plan_reminders(day, dry_run=dry_run)
        for line in sent:
            self.stdout.write(f"{line.planned_on:%d/%m/%Y} · {line} · {line.enterprise}")
        self.stdout.write(f"{len(sent)} plan line(s) {'would be ' if dry_run else ''}reminded.")
