import json
from pathlib import Path

from django.core.management.base import BaseCommand

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "vn-metrology-1.json"


def text() -> str:
    from doluong.exchange import national

    return json.dumps(national.schema(), ensure_ascii=False, indent=2) + "\n"


class Command(BaseCommand):
    help = "Rewrite exchange/schemas/vn-metrology-1.json from the adapter's maps (exchange/national.py)."

    def handle(self, *args, **options):
        SCHEMA_FILE.write_text(text(), encoding="utf-8")
        self.stdout.write(str(SCHEMA_FILE))
