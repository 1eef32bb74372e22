"""`doluong manage restore FILE [--force] [--check]`: put a backup made by `doluong manage backup` back into the
configured database and MEDIA_ROOT, after checking the whole archive. See docs/operations.md."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from doluong.core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive into the configured database (DATABASE_URL or the SQLite file) and MEDIA_ROOT. "
        "The archive is checked completely first; a database that holds data is replaced only with --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup archive (.tar.gz).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database and uploaded files that already hold data.",
        )
        parser.add_argument(
            "--check", action="store_true", help="Only check the archive and the target; change nothing."
        )

    def handle(self, *args, file, force, check, **options):
        say = (lambda message: self.stdout.write(message)) if options["verbosity"] >= 1 else None
        try:
            result = backup.restore_backup(file, force=force, check_only=check, progress=say)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = result.manifest
        facts = {
            "path": result.path,
            "created": manifest.get("created_at", "?"),
            "version": manifest.get("doluong_version", "?"),
            "count": len(manifest["files"]),
        }
        if check:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "The backup %(path)s (made %(created)s by doluong %(version)s, %(count)s files) is intact and can be restored here."
                    )
                    % facts
                )
            )
            return
        for note in result.notes:
            self.stderr.write(self.style.WARNING(note))
        self.stdout.write(
            self.style.SUCCESS(
                _("Restored %(path)s (made %(created)s by doluong %(version)s, %(count)s files).") % facts
            )
        )
