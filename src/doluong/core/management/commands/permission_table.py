"""Print the permission table (core.access) as Markdown; `--write` puts it into docs/permissions.md between its
markers, `--check` fails when that copy is out of date."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from doluong.core import access


def docs_path() -> Path:
    return Path(settings.BASE_DIR).parent.parent / "docs" / "permissions.md"


def replace_between_markers(text: str, table: str) -> str:
    start = text.index(access.DOC_BEGIN) + len(access.DOC_BEGIN)
    end = text.index(access.DOC_END)
    return text[:start] + "\n\n" + table + "\n" + text[end:]


class Command(BaseCommand):
    help = "Print the permission table (models × roles × actions); --write updates docs/permissions.md."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, write=False, check=False, **options):
        table = access.render_markdown()
        models, roles, actions = access.table_size()
        path = docs_path()
        if write or check:
            text = path.read_text(encoding="utf-8")
            updated = replace_between_markers(text, table)
            if check:
                if updated != text:
                    raise CommandError(
                        f"{path} is out of date: run `doluong manage permission_table --write`"
                    )
            else:
                path.write_text(updated, encoding="utf-8")
        else:
            self.stdout.write(table)
        self.stdout.write(
            f"{models} models × {roles} roles × {actions} actions = {models * roles * actions} cells"
        )
