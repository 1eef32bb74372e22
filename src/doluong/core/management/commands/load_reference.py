"""Load the reference data every app ships: each app's `<app>/reference.py: load(stdout) -> str`, in app
(dependency) order, in one transaction (core.plugins) — provinces, communes and aliases (geo), the Group 2
catalogue (registry), and whatever a later app adds.

Idempotent: each loader updates rows already present and adds new ones. A loader's summary is one line joined into
"reference data: …", and any further lines printed as they are.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from doluong.core.plugins import app_modules


class Command(BaseCommand):
    help = "Load the reference data shipped with doluong (provinces, communes, aliases, the Group 2 catalogue …)."

    @transaction.atomic
    def handle(self, *args, **options):
        heads, tails = [], []
        for _config, module in app_modules("reference"):
            summary = str(module.load(stdout=self.stdout) or "")
            head, _sep, tail = summary.partition("\n")
            if head:
                heads.append(head)
            if tail:
                tails.append(tail)
        self.stdout.write("reference data: " + ", ".join(heads))
        for tail in tails:
            self.stdout.write(tail)
