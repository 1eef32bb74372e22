"""Copy every programs.MapEngagement into an assurance.SupportActivity (kind mapped, targets kept, the link
recorded): the MAP calculators count the copies and never the originals twice (assurance.progress)."""

from django.db import migrations


def forward(apps, schema_editor):
    from doluong.assurance.progress import migrate_engagements

    migrate_engagements(apps.get_model("programs", "MapEngagement"), apps.get_model("assurance", "SupportActivity"))


def backward(apps, schema_editor):
    apps.get_model("assurance", "SupportActivity").objects.exclude(engagement=None).delete()


class Migration(migrations.Migration):
    dependencies = [("assurance", "0003_support_activity")]

    operations = [migrations.RunPython(forward, backward)]
