"""`doluong manage reminders`: run every app's reminder command (AppConfig `reminder_commands`, core.plugins) —
the registry's due-date reminders, the plans' unit-report reminders, and whatever a later app declares. Each is
idempotent, so a daily timer may run this once a day and a second run sends nothing new."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from doluong.core.plugins import reminder_commands


class Command(BaseCommand):
    help = "Send every kind of reminder the installed apps declare (each command is idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="only list the reminder commands")

    def handle(self, *args, list=False, **options):
        for app, name in reminder_commands():
            self.stdout.write(f"{app}: {name}")
            if not list:
                call_command(name, stdout=self.stdout, stderr=self.stderr)
