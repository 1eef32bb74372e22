"""The process that runs a bulk job (host, process id), so that a job left running by a process that has ended
can be marked failed (interrupted); and the rows a web upload seemed to hold, for its progress bar.

Rows from before this migration get no process (empty host, no pid): nothing can be said about them, so they are
never judged interrupted. Only new rows take this process's host and id (the callable defaults)."""

from django.db import migrations, models

import doluong.registry.models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_due_covering_index_search_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulkjob",
            name="host",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="host"),
        ),
        migrations.AddField(
            model_name="bulkjob",
            name="pid",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="process id"),
        ),
        migrations.AlterField(
            model_name="bulkjob",
            name="host",
            field=models.CharField(
                blank=True, default=doluong.registry.models.current_host, max_length=255, verbose_name="host"
            ),
        ),
        migrations.AlterField(
            model_name="bulkjob",
            name="pid",
            field=models.PositiveIntegerField(
                blank=True, default=doluong.registry.models.current_pid, null=True, verbose_name="process id"
            ),
        ),
        migrations.AddField(
            model_name="bulkjob",
            name="interrupted",
            field=models.BooleanField(default=False, verbose_name="interrupted"),
        ),
        migrations.AddField(
            model_name="bulkjob",
            name="rows_expected",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="rows expected"),
        ),
    ]
