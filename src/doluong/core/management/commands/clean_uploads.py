"""Delete uploads left behind: import previews never confirmed, batch spreadsheets never issued, files of bulk
loads whose process was killed — older than DOLUONG_UPLOAD_MAX_AGE_HOURS (or --hours). Files that a waiting or
running job still needs are kept. Idempotent: run it from cron (docs/operations.md), twice changes nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from doluong.core import uploads


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=None, help="age in hours (default: the setting)")

    def handle(self, *args, hours=None, **options):
        if hours is not None and hours < 0:
            raise CommandError("--hours must not be negative")
        deleted = uploads.clean(max_age_hours=hours)
        for name, count in deleted.items():
            self.stdout.write(f"{name}: {count}")
