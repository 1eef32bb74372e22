"""Bulk loads become background jobs: every registry.BulkJob row is copied to core.Job with the same id (the
job pages registry/bulk/<id>/ keep their addresses), then the old table is dropped."""

from django.db import migrations

FIELDS = (
    "kind source file_name created_by_id started_at finished_at status only_good rows_staged rows_validated "
    "rows_bad rows_inserted rows_updated rows_unchanged errors error_count rows_expected host pid interrupted"
).split()


def forwards(apps, schema_editor):
    BulkJob = apps.get_model("registry", "BulkJob")
    Job = apps.get_model("core", "Job")
    Membership = apps.get_model("parties", "Membership")
    scope = {}
    for m in Membership.objects.filter(is_active=True).select_related("organisation").order_by("pk"):
        scope.setdefault(m.user_id, (m.organisation_id, m.organisation.province_id or ""))
    copied = []
    for old in BulkJob.objects.order_by("pk").iterator():
        values = {name: getattr(old, name) for name in FIELDS}
        organisation, province = scope.get(old.created_by_id, (None, ""))
        copied.append(
            Job(
                pk=old.pk,
                organisation_id=organisation,
                province_code=province,
                began_at=old.started_at,
                attempts=1,
                **values,
            )
        )
    Job.objects.bulk_create(copied, batch_size=500)
    # started_at is auto_now_add: bulk_create kept the given values only because they were set; put them back
    for old in BulkJob.objects.order_by("pk").only("pk", "started_at").iterator():
        Job.objects.filter(pk=old.pk).update(started_at=old.started_at)
    if copied and schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('core_job', 'id'), (SELECT max(id) FROM core_job))"
            )


def backwards(apps, schema_editor):
    BulkJob = apps.get_model("registry", "BulkJob")
    Job = apps.get_model("core", "Job")
    bulk_kinds = ("instruments", "organisations", "records")
    for job in Job.objects.filter(kind__in=bulk_kinds).order_by("pk").iterator():
        values = {name: getattr(job, name) for name in FIELDS}
        if values["status"] == "queued":
            values["status"] = "failed"
        BulkJob.objects.create(pk=job.pk, **values)
    Job.objects.filter(kind__in=bulk_kinds).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_catalogue_fields_and_source_statuses"),
        ("core", "0001_jobs_unified"),
        ("parties", "0003_tax_code_help"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="BulkJob"),
    ]
