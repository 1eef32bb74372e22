"""Targets of the Measurement Assurance Program counted in a list of units that starts with enterprises ("30 doanh
nghiệp, hợp tác xã, tổ chức, cá nhân", Sơn La III.7) count each unit once (`map_enterprises`), not engagements
(lượt): the loader's `source_for` now says so, and targets loaded before it are moved here."""

import unicodedata

from django.db import migrations


def _starts_with_enterprises(label: str) -> bool:
    text = unicodedata.normalize("NFC", label or "").strip().lower()
    return text.startswith("doanh nghiệp")


def forward(apps, schema_editor):
    Target = apps.get_model("programs", "Target")
    for target in Target.objects.filter(source="map_engagements", unit="other"):
        if _starts_with_enterprises(target.unit_label):
            Target.objects.filter(pk=target.pk).update(source="map_enterprises")


def backward(apps, schema_editor):
    Target = apps.get_model("programs", "Target")
    for target in Target.objects.filter(source="map_enterprises", unit="other"):
        if _starts_with_enterprises(target.unit_label):
            Target.objects.filter(pk=target.pk).update(source="map_engagements")


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_target_source_registry")]

    operations = [migrations.RunPython(forward, backward)]
