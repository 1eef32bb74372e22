"""`doluong manage deliver_outbox` (the cron entry point of delivery): delivers and prunes in the process, or with
`--queue` hands one `exchange_delivery` job to the worker — never a second while one is waiting or running."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from doluong.core.models import Job
from doluong.exchange.models import NationalRefusal, NationalRefusalCount

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("deliver_outbox", *args, stdout=out)
    return out.getvalue()


def test_it_prunes_old_counted_refusals_in_the_process():
    last = timezone.now() - dt.timedelta(days=400)
    NationalRefusalCount.objects.create(
        client="10.0.0.9",
        reason=NationalRefusal.Reason.BAD_SIGNATURE,
        minute=int(last.timestamp() // 60),
        count=3,
        first_at=last,
        last_at=last,
    )
    out = _run()
    assert "số dòng đếm từ chối cũ đã xóa: 1." in out, out
    assert not NationalRefusalCount.objects.exists()


def test_queue_never_doubles_a_waiting_delivery():
    waiting = Job.objects.create(kind="exchange_delivery", status=Job.Status.QUEUED)
    before = Job.objects.count()
    assert _run("--queue").strip() == f"WAITING {waiting.pk}"
    assert Job.objects.count() == before
    Job.objects.filter(pk=waiting.pk).update(status=Job.Status.DONE)
    out = _run("--queue")
    assert out.startswith("QUEUED ") and Job.objects.count() == before + 1
    assert Job.objects.exclude(pk=waiting.pk).get(kind="exchange_delivery").pk == int(out.split()[1])
