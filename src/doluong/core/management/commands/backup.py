"""`doluong manage backup [--output FILE] [--include-kek]`: one archive of the database, the uploaded files and
(only when asked) the key-encryption key. See docs/operations.md and doluong.core.backup."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from doluong.core import backup


class Command(BaseCommand):
    help = (
        "Write a backup archive (tar.gz) of the database, MEDIA_ROOT and a manifest with SHA-256 hashes. "
        "The key-encryption key is left out unless --include-kek is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            default="",
            help="Archive to write (default: <DATA_DIR>/backups/doluong-backup-….tar.gz).",
        )
        parser.add_argument(
            "--include-kek",
            action="store_true",
            help="Also put the key-encryption key (<DATA_DIR>/keys/) in the archive: a single-file disaster copy "
            "that must then be kept as secret as the key itself.",
        )

    def handle(self, *args, output, include_kek, **options):
        say = (lambda message: self.stdout.write(message)) if options["verbosity"] >= 1 else None
        try:
            result = backup.create_backup(output or None, include_kek=include_kek, progress=say)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        for note in result.notes:
            self.stderr.write(self.style.WARNING(note))
        manifest = result.manifest
        media = sum(1 for e in manifest["files"] if e["path"].startswith(backup.MEDIA_PREFIX))
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backup written: %(path)s (%(size)s bytes; %(vendor)s database, %(media)s uploaded files, "
                    "%(kek)s)."
                )
                % {
                    "path": result.path,
                    "size": result.size,
                    "vendor": manifest["database"]["vendor"],
                    "media": media,
                    "kek": _("with the key-encryption key")
                    if manifest["includes_kek"]
                    else _("without the key-encryption key"),
                }
            )
        )
        if not manifest["includes_kek"]:
            self.stdout.write(
                _(
                    "Keep the key-encryption key (DOLUONG_KEK / DOLUONG_KEK_FILE) apart from this backup, like a password."
                )
            )
