"""National mode: the counted refusals (`NationalRefusalCount`, one row per address, reason and minute above the
limit) are pruned by the exchange's job on the worker once older than their retention
(DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS, 90 days by default), measured from their last refusal, under the
suite's pinned clock: a row one minute past the retention goes, one a minute short of it stays; the refusals
stored one by one are kept."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from doluong.core import jobs
from doluong.exchange import aggregate, delivery
from doluong.exchange.models import NationalRefusal, NationalRefusalCount

pytestmark = pytest.mark.django_db


def _count_row(client, last_at):
    return NationalRefusalCount.objects.create(
        client=client,
        reason=NationalRefusal.Reason.BAD_SIGNATURE,
        minute=int(last_at.timestamp() // 60),
        count=5,
        first_at=last_at - dt.timedelta(seconds=30),
        last_at=last_at,
    )


@pytest.fixture
def rows():
    now = timezone.now().replace(microsecond=0)
    day = dt.timedelta(days=1)
    minute = dt.timedelta(minutes=1)
    made = {
        "a year ago": _count_row("10.0.0.1", now - 365 * day),
        "retention and a minute ago": _count_row("10.0.0.2", now - 90 * day - minute),
        "a minute short of the retention": _count_row("10.0.0.3", now - 90 * day + minute),
        "yesterday": _count_row("10.0.0.4", now - day),
    }
    NationalRefusal.objects.create(
        province_code="99",
        reason=NationalRefusal.Reason.UNKNOWN_SOURCE,
        hash="0" * 64,
        received_at=now - 365 * day,
        client="10.0.0.1",
    )
    return now, made


def test_the_exchange_job_prunes_counted_refusals_past_the_retention(rows, monkeypatch):
    now, made = rows
    monkeypatch.setattr(delivery, "send", lambda url, body, headers: (200, ""))  # no network
    with time_machine.travel(now, tick=False):
        job = jobs.create("exchange_delivery")
        assert jobs.run_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.result["refusal_counts_pruned"] == 2
    kept = set(NationalRefusalCount.objects.values_list("client", flat=True))
    assert kept == {made["a minute short of the retention"].client, made["yesterday"].client}
    assert NationalRefusal.objects.count() == 1  # the refusals stored one by one are kept


def test_the_retention_is_a_setting(rows, settings):
    now, made = rows
    settings.DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS = 2
    with time_machine.travel(now, tick=False):
        assert aggregate.prune_refusal_counts() == 3
    assert list(NationalRefusalCount.objects.values_list("client", flat=True)) == [made["yesterday"].client]
    # a day later, yesterday's row is still within two days; three days later it goes
    assert aggregate.prune_refusal_counts(now + dt.timedelta(days=1)) == 0
    assert aggregate.prune_refusal_counts(now + dt.timedelta(days=3)) == 1
    assert NationalRefusalCount.objects.count() == 0
