"""The due tally (registry.tally): the home page's and the due summary's figures from the worker's count equal the
live count and a hand count of the rows, for each role whose view of instruments is by place; the others, a
stale tally and filters the tally cannot answer fall back to the live count."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command

from doluong.core.dates import today
from doluong.registry import home, tally
from doluong.registry.models import DueTally, Instrument

pytestmark = pytest.mark.django_db

SUMMARY = "/registry/due/"
BUCKETS = ("overdue", "due_30", "due_60", "due_90")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime.combine(today(), dt.time(10, 0)), tick=False):
        yield


@pytest.fixture
def always_tally(monkeypatch):
    """Every scope counts as large: the tally answers whenever it may."""
    monkeypatch.setattr(tally, "LIVE_UP_TO", 0)


def hand_bucket(due, on):
    if due is None:
        return "unknown"
    days = (due - on).days
    return (
        "overdue"
        if days < 0
        else "due_30"
        if days <= 30
        else "due_60"
        if days <= 60
        else "due_90"
        if days <= 90
        else "later"
    )


def panel_figures(user):
    context = home.instruments_panel(user, today()).context
    keys = ("totals", "by_type", "by_commune", "commune_totals", "chart")
    return {k: context[k] for k in keys}, context["as_of"]


def comparable(figures):
    """The panel's figures with every row reduced to its names and counts (live rows and tally rows carry the
    same keys)."""
    keep = ("instrument_type__name", "commune_id", "commune__name", "total", "overdue", "due_30")
    out = dict(figures)
    for name in ("by_type", "by_commune"):
        out[name] = [{k: row[k] for k in keep if k in row} for row in figures[name]]
        if name == "by_type":  # equal totals may come in either order
            out[name] = sorted(out[name], key=lambda r: (-r["total"], r["instrument_type__name"]))
    if figures["totals"]:
        out["totals"] = {k: figures["totals"][k] for k in ("total", "overdue", "due_30", "unknown")}
    if figures["commune_totals"]:
        out["commune_totals"] = {k: figures["commune_totals"][k] for k in ("total", "overdue", "due_30")}
    out.pop("chart")
    return out


def test_refresh_counts_every_instrument_once_by_hand():
    on = today()
    rows = tally.refresh(on)
    expected: dict = {}
    for r in Instrument.objects.values(
        "province_id", "commune_id", "instrument_type_id", "status", "next_due"
    ):
        key = (r["province_id"], r["commune_id"], r["instrument_type_id"], r["status"])
        expected.setdefault(key, Counter())[hand_bucket(r["next_due"], on)] += 1
    assert rows == len(expected) == DueTally.objects.count()
    for t in DueTally.objects.all():
        counts = expected[(t.province_id, t.commune_id, t.instrument_type_id, t.status)]
        assert t.on == on
        assert t.total == sum(counts.values())
        assert {n: getattr(t, n) for n in (*BUCKETS, "unknown")} == {
            n: counts[n] for n in (*BUCKETS, "unknown")
        }
    # a second run replaces the tally, it does not add to it
    assert tally.refresh(on) == rows and DueTally.objects.count() == rows


@pytest.mark.parametrize("username", ["admin", "ct.sokhcn", "dt.sokhcn", "ct.xa"])
def test_home_figures_from_the_tally_equal_the_live_ones(user_for, always_tally, username):
    live, as_of = panel_figures(user_for(username))
    assert as_of is None, "no tally yet: counted live"
    tally.refresh()
    tallied, as_of = panel_figures(user_for(username))
    assert as_of is not None, "the tally answered"
    assert live["totals"]["total"] > 0
    assert comparable(tallied) == comparable(live)
    if username == "ct.xa":
        assert tallied["commune_totals"], "the commune officer's own commune is counted from the tally too"


@pytest.mark.parametrize("username", ["ct.kiemdinh", "ct.doanhnghiep"])
def test_roles_seeing_their_own_or_served_instruments_are_counted_live(user_for, always_tally, username):
    tally.refresh()
    assert tally.place_q(user_for(username)) is None
    assert tally.for_user(user_for(username)) is None
    _figures, as_of = panel_figures(user_for(username))
    assert as_of is None


def test_a_tally_of_another_day_or_a_small_scope_is_not_used(user_for, monkeypatch):
    tally.refresh(today() - dt.timedelta(days=1))
    monkeypatch.setattr(tally, "LIVE_UP_TO", 0)
    assert tally.for_user(user_for("admin")) is None, "yesterday's buckets are not today's"
    tally.refresh()
    assert tally.for_user(user_for("admin")) is not None
    monkeypatch.setattr(tally, "LIVE_UP_TO", Instrument.objects.count())
    assert tally.for_user(user_for("admin")) is None, "a scope this small is counted live"


def test_a_province_officer_reads_only_the_tally_of_the_province(user_for, always_tally):
    tally.refresh()
    found = tally.for_user(user_for("ct.sokhcn"))
    assert set(found.rows.values_list("province_id", flat=True)) == {"92"}
    assert found.totals()["total"] == Instrument.objects.filter(province_id="92").count()


@pytest.mark.parametrize("by", ["commune", "type"])
def test_due_summary_from_the_tally_equals_the_live_summary(client_for, always_tally, by):
    def summary(params):
        response = client_for("ct.sokhcn").get(SUMMARY, {"by": by, **params})
        assert response.status_code == 200
        rows = [
            {k: r[k] for k in ("key", "label", *BUCKETS, "total")}
            for r in response.context["rows"].paginator.object_list
        ]
        return rows, response.context["totals"], response.context["as_of"], response.content.decode()

    commune = Instrument.objects.filter(province_id="92").values_list("commune_id", flat=True).first()
    for params in ({}, {"commune": commune}, {"field": "mass"}):
        live = summary(params)
        assert live[2] is None
        tally.refresh()
        tallied = summary(params)
        DueTally.objects.all().delete()
        assert tallied[2] is not None and 'id="due-as-of"' in tallied[3]
        assert "Số liệu tổng hợp lúc" in tallied[3]
        assert tallied[:2] == live[:2]
    assert live[1]["total"] > 0


def test_a_filter_the_tally_does_not_hold_is_counted_live(client_for, always_tally):
    tally.refresh()
    owner = Instrument.objects.filter(province_id="92").values_list("owner_id", flat=True).first()
    response = client_for("ct.sokhcn").get(SUMMARY, {"by": "commune", "owner": owner})
    assert response.status_code == 200 and response.context["as_of"] is None
    response = client_for("ct.sokhcn").get(SUMMARY, {"by": "owner"})
    assert response.context["as_of"] is None


def test_the_command_and_the_worker_job_refresh_the_tally(capsys):
    from doluong.core import jobs
    from doluong.core.models import Job

    call_command("refresh_due_tally")
    out = capsys.readouterr().out
    assert DueTally.objects.count() > 0 and f"{DueTally.objects.count()} dòng" in out
    assert out.startswith("Tổng hợp hạn kiểm định ngày ")
    DueTally.objects.all().delete()
    call_command("refresh_due_tally", "--queue")
    job = Job.objects.filter(kind="due_tally").latest("pk")
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["rows"] == DueTally.objects.count() > 0
