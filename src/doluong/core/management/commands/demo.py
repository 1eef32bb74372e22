"""`doluong demo`: rebuild the demo database (SQLite) with the demo provinces and print the logins."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from doluong.core.demo import build_demo
from doluong.core.personas import DEMO_PASSWORD, PERSONAS


class Command(BaseCommand):
    help = "Build the demo database: Cần Thơ and Đồng Tháp with realistic data, and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--instruments", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true", help="allow wiping a non-SQLite database")

    def handle(self, *args, instruments, seed, reset, **options):
        started = time.monotonic()
        database = settings.DATABASES["default"]
        if connection.vendor == "sqlite":
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database['NAME']}{suffix}").unlink(missing_ok=True)
        elif not reset:
            raise CommandError("The demo wipes the database: on PostgreSQL pass --reset to confirm.")
        else:
            call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0, interactive=False)
        build_demo(instruments=instruments, seed=seed, stdout=self.stdout)
        self.stdout.write(
            f"Đã dựng dữ liệu trình diễn trong {time.monotonic() - started:.1f} s ({database['NAME']})."
        )
        self.stdout.write("")
        self.stdout.write(f"Tài khoản trình diễn (mật khẩu chung: {DEMO_PASSWORD}):")
        for persona in PERSONAS:
            self.stdout.write(f"  {persona.username:<16} {persona.description}")
