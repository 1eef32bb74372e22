"""Seeds the default readiness checklist (version 1, published) from data/readiness_checklist_v1.json: 16 rows
over content groups A–H drawn from what is known of Decision 510/QĐ-BKHCN (its annex forms were not readable, so
every row is marked source_verified=False: editable data, versioned by the administrator)."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations
from django.utils import timezone

from doluong.core.text import fold

NOTE = (
    "Chưa đối chiếu văn bản gốc: các mẫu biểu trong phụ lục Quyết định 510/QĐ-BKHCN chưa đọc được; "
    "dòng này là dữ liệu có thể sửa."
)


def seed(apps, schema_editor):
    Checklist = apps.get_model("assurance", "Checklist")
    ChecklistItem = apps.get_model("assurance", "ChecklistItem")
    path = Path(__file__).resolve().parent.parent / "data" / "readiness_checklist_v1.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    if Checklist.objects.filter(name=data["name"], version=data["version"]).exists():
        return
    checklist = Checklist.objects.create(
        name=data["name"],
        version=data["version"],
        status="published",
        published_at=timezone.now(),
        legal_basis=data["legal_basis"],
        source_verified=False,
        notes=data["note"],
        search_text=fold(data["name"]),
    )
    for position, (group, title, code, factor, text, weight, prefill) in enumerate(data["items"], start=1):
        ChecklistItem.objects.create(
            checklist=checklist,
            position=position,
            code=code,
            group=group,
            group_title=title,
            factor=factor,
            text=text,
            weight=Decimal(weight),
            prefill=prefill,
            source_verified=False,
            note=NOTE,
        )


def unseed(apps, schema_editor):
    Checklist = apps.get_model("assurance", "Checklist")
    for checklist in Checklist.objects.filter(version=1, surveys__isnull=True):
        checklist.items.all().delete()
        checklist.delete()


class Migration(migrations.Migration):
    dependencies = [("assurance", "0006_readiness_survey")]

    operations = [migrations.RunPython(seed, unseed)]
