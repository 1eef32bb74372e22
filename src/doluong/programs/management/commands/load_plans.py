"""`doluong manage load_plans [--update] [files…]`: load the shipped plan transcriptions (idempotent)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from doluong.programs.loader import PlanFileError, load_plans


class Command(BaseCommand):
    help = "Load the provincial plans from programs/data/plans/*.yaml (creates what is missing; --update overwrites)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="plan files (default: every shipped plan)")
        parser.add_argument(
            "--update", action="store_true", help="let the files win over edits made since the last load"
        )

    def handle(self, *args, files, update, **options):
        user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        try:
            result = load_plans([Path(f) for f in files] or None, update=update, user=user)
        except PlanFileError as exc:
            raise CommandError(str(exc)) from exc
        created = ", ".join(f"{k}: {v}" for k, v in sorted(result.created.items())) or "nothing"
        updated = ", ".join(f"{k}: {v}" for k, v in sorted(result.updated.items())) or "nothing"
        self.stdout.write(f"{len(result.plans)} plans; created {created}; updated {updated}.")
