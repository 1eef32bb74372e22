"""`doluong manage send_programme_reminders [--date dd/mm/yyyy] [--dry-run]`: e-mail the enterprises whose
approved Measurement Assurance Programme has not been reviewed for 12 months. Idempotent: run it daily; one
reminder per programme and due date."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from doluong.assurance.models import send_review_reminders


class Command(BaseCommand):
    help = "Remind enterprises of measurement assurance programmes not reviewed for 12 months."

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
        sent = send_review_reminders(day, dry_run=dry_run)
        for programme in sent:
            self.stdout.write(f"{programme} · {programme.enterprise} → {programme.enterprise.email or '-'}")
        self.stdout.write(f"{len(sent)} reminder(s) {'would be ' if dry_run else ''}sent.")
