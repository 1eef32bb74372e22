"""The verification app's background jobs (core.jobs): the batch issue of certificates from a spreadsheet."""

from django.utils.translation import gettext_lazy

from doluong.core import jobs


def run_certificates(job) -> None:
    from . import batch

    batch.run(job.params["batch_job"], job=job)


def batch_url(job) -> str:
    from .models import BatchJob

    record = BatchJob.objects.filter(pk=job.params.get("batch_job")).first()
    return record.get_absolute_url() if record else ""


jobs.register_kind(
    "certificates", gettext_lazy("Batch issue of certificates"), run_certificates, url=batch_url
)
