"""Coverage snapshots (coverage.snapshot): the worker gathers every province's coverage inputs once a day, and the
public pages read them for a province too large to read per request; every other province is read live.

The figures from a snapshot must be those computed live on the snapshot's day, the page must say when they were
counted, a small province must never be read from one, and a snapshot of a later day is never used."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from doluong.core.dates import today
from doluong.coverage import data, snapshot
from doluong.coverage.models import CoverageSnapshot
from doluong.registry import tally
from doluong.registry.choices import InstrumentStatus
from doluong.registry.models import Instrument

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime.combine(today(), dt.time(10, 0)), tick=False):
        yield


@pytest.fixture
def large(monkeypatch):
    """Every province counts as too large to read live: the snapshot answers whenever there is one."""
    monkeypatch.setattr(tally, "LIVE_UP_TO", 0)


def _page(client, code="82"):
    response = client.get(reverse("coverage_public:province", args=[code]))
    assert response.status_code == 200
    return response


def _retire_some(province="82", n=40) -> int:
    pks = list(
        Instrument.objects.filter(province_id=province, status=InstrumentStatus.IN_USE)
        .order_by("pk")
        .values_list("pk", flat=True)[:n]
    )
    return Instrument.objects.filter(pk__in=pks).update(status=InstrumentStatus.RETIRED)


def test_refresh_gathers_each_listed_province_as_the_live_reading_does():
    count = snapshot.refresh()
    assert count == len(snapshot.provinces()) == CoverageSnapshot.objects.count() > 0
    for snap in CoverageSnapshot.objects.all():
        assert snap.on == today()
        assert snap.inputs == data.gather(snap.province_id, today())
        registered = Instrument.objects.filter(province_id=snap.province_id, status=InstrumentStatus.IN_USE)
        # instruments of types with a periodic demand (or an unknown cycle) only: never more than those in use
        assert 0 < snap.instruments <= registered.count()


def test_a_large_province_is_read_from_the_snapshot_and_the_page_says_when(client, large):
    live = data.current("82", today())
    snapshot.refresh()
    retired = _retire_some()
    assert retired == 40
    after = data.current("82", today())
    assert after["capability"] != live["capability"]  # the registry changed: 40 fewer instruments in use
    page = _page(client)
    shown = page.context["figures"]["capability"]
    assert shown["percent"] == live["capability"]["percent"]
    assert shown["demand"] == live["capability"]["demand"]
    assert page.context["as_of"] is not None
    assert 'id="snapshot"' in page.content.decode() and "tác vụ nền" in page.content.decode()
    index = client.get(reverse("coverage_public:index"))
    row = next(r for r in index.context["rows"] if r["province"].pk == "82")
    assert row["capability"] == live["capability"] and row["as_of"] is not None
    # the next refresh brings the change
    snapshot.refresh()
    assert _page(client).context["figures"]["capability"]["demand"] == after["capability"]["demand"]


def test_a_small_province_is_read_live_even_with_a_snapshot(client):
    snapshot.refresh()
    _retire_some()
    page = _page(client)
    assert page.context["as_of"] is None and 'id="snapshot"' not in page.content.decode()
    assert (
        page.context["figures"]["capability"]["demand"] == data.current("82", today())["capability"]["demand"]
    )


def test_a_snapshot_of_a_later_day_is_not_used_and_an_older_one_shows_its_day(client, large):
    later = today() + dt.timedelta(days=3)
    snapshot.refresh(later)
    assert snapshot.usable(["82"], today()) == {}
    assert _page(client).context["as_of"] is None
    counted = today()
    snapshot.refresh(counted)
    with time_machine.travel(dt.datetime.combine(counted + dt.timedelta(days=2), dt.time(9, 0)), tick=False):
        page = _page(client)
    assert page.context["day"] == counted and page.context["as_of"] is not None
    assert counted.strftime("%d/%m/%Y") in page.content.decode()


def test_the_what_if_of_a_large_province_starts_from_its_snapshot(client_for, large):
    snapshot.refresh()
    live = data.current("82", today())
    _retire_some()
    response = client_for("dt.sokhcn").get(reverse("coverage:what_if", args=["82"]))
    assert response.status_code == 200
    assert response.context["before"]["capability"]["demand"] == live["capability"]["demand"]


def test_the_command_and_the_worker_job_refresh_the_snapshots(capsys):
    from doluong.core import jobs
    from doluong.core.models import Job

    call_command("refresh_coverage")
    out = capsys.readouterr().out
    count = CoverageSnapshot.objects.count()
    assert count > 0 and f"{count} tỉnh" in out
    CoverageSnapshot.objects.all().delete()
    call_command("refresh_coverage", "--queue")
    job = Job.objects.filter(kind="coverage_snapshot").latest("pk")
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert (
        job.status == Job.Status.DONE and job.result["provinces"] == CoverageSnapshot.objects.count() == count
    )
