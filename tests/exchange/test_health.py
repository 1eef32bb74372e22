"""The subscriptions' health page and its API: cursor, lag and the oldest waiting event, recent failures, dead
letters with the replay action, the log's chain status (verified / broken at entry N); only the administrator
(the permission table's view of exchange.Delivery) sees and acts — a province officer gets 403 on the page, the
replay POST and the API, and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from doluong.exchange import actions, delivery, signing
from doluong.exchange.models import Delivery, ExchangeLog, OutboxEvent, Subscription
from doluong.registry.models import Instrument

pytestmark = pytest.mark.django_db(transaction=False)


def _touch(n):
    for i, row in enumerate(Instrument.objects.order_by("pk")[:n]):
        with transaction.atomic():
            row.notes = f"sức khỏe {i}"
            row.save()


@pytest.fixture
def dead_sub():
    """A subscriber whose receiver refuses connections (port 9 on loopback, nothing listens): 3 events, the
    first dead after one attempt, so the cursor moves past it; the others wait."""
    start = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sub = Subscription.objects.create(
        name="Bên nhận hỏng",
        url="http://127.0.0.1:9/hook",
        secret=signing.seal_secret(signing.new_secret()),
        cursor=start,
        max_attempts=1,
    )
    _touch(3)
    delivery.deliver(sub, limit=1)
    return sub, start


def test_health_figures_lag_oldest_failures_dead(dead_sub):
    sub, start = dead_sub
    events = list(OutboxEvent.objects.filter(pk__gt=start).order_by("pk"))
    assert len(events) == 3
    later = events[1].occurred_at + dt.timedelta(minutes=90)
    row = next(r for r in delivery.health(now=later) if r["subscription"].pk == sub.pk)
    assert row["cursor"] == events[0].pk and row["lag"] == 2
    assert row["oldest_at"] == events[1].occurred_at and row["oldest_age"] == dt.timedelta(minutes=90)
    assert row["dead"] == 1 and row["dead_rows"][0].event_id == events[0].pk
    assert [f.outcome for f in row["failures"]] == ["dead"]


def test_a_subscriber_filter_counts_only_wanted_events(dead_sub):
    sub, start = dead_sub
    sub.event_types = "certificate."
    sub.save()
    row = next(r for r in delivery.health() if r["subscription"].pk == sub.pk)
    assert row["lag"] == 0 and row["oldest_at"] is None


def test_the_administrator_sees_the_page_and_replays(dead_sub, client_for):
    sub, start = dead_sub
    client = client_for("admin")
    page = client.get(reverse("exchange:health"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="sub-{sub.pk}"' in html and 'data-lag="2"' in html and 'data-dead="1"' in html
    assert 'data-ok="1"' in html and "Gửi lại từ sự kiện số" in html
    response = client.post(reverse("exchange:replay", args=[sub.pk]), {"from_sequence": start})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.cursor == start and not Delivery.objects.filter(subscription=sub).exists()
    assert sub.history.first().history_change_reason == f"Gửi lại từ sự kiện {start}"


@pytest.mark.parametrize("bad", ["", "mười", "-1", "999999999"])
def test_a_bad_event_number_is_refused_in_vietnamese_and_changes_nothing(dead_sub, client_for, bad):
    sub, start = dead_sub
    before = Subscription.objects.get(pk=sub.pk).cursor
    client = client_for("admin")
    response = client.post(reverse("exchange:replay", args=[sub.pk]), {"from_sequence": bad}, follow=True)
    assert "Số sự kiện phải là số nguyên từ 0 đến" in response.content.decode()
    assert Subscription.objects.get(pk=sub.pk).cursor == before
    assert Delivery.objects.filter(subscription=sub).count() == 1
    api = client.post(
        reverse("exchange:replay_api", args=[sub.pk]), {"from_sequence": bad}, content_type="application/json"
    )
    assert api.status_code == 400 and "Số sự kiện" in api.json()["from_sequence"][0]


def test_the_api_reports_and_replays_for_the_administrator(dead_sub, client_for):
    sub, start = dead_sub
    client = client_for("admin")
    data = client.get(reverse("exchange:health_api")).json()
    mine = next(s for s in data["subscriptions"] if s["id"] == sub.pk)
    assert (
        mine["lag"] == 2
        and mine["dead"] == 1
        and mine["dead_letters"][0]["sequence"]
        == (OutboxEvent.objects.filter(pk__gt=start).order_by("pk").first().pk)
    )
    assert data["chain"]["ok"] is True
    response = client.post(
        reverse("exchange:replay_api", args=[sub.pk]),
        {"from_sequence": start},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["cursor"] == start


@pytest.mark.parametrize("persona", ["dt.sokhcn", "ct.sokhcn", "dt.kiemdinh", "dt.doanhnghiep"])
def test_others_get_403_on_the_page_the_replay_and_the_api(dead_sub, client_for, user_for, persona):
    sub, start = dead_sub
    # even a subscription of the officer's own province: the health and the replay are the administrator's
    sub.province_id = "82"
    sub.save()
    client = client_for(persona)
    assert client.get(reverse("exchange:health")).status_code == 403
    assert client.post(reverse("exchange:replay", args=[sub.pk]), {"from_sequence": 0}).status_code == 403
    assert client.get(reverse("exchange:health_api")).status_code == 403
    response = client.post(
        reverse("exchange:replay_api", args=[sub.pk]), {"from_sequence": 0}, content_type="application/json"
    )
    assert response.status_code == 403
    first = OutboxEvent.objects.filter(pk__gt=start).order_by("pk").first()
    assert Subscription.objects.get(pk=sub.pk).cursor == first.pk
    assert Delivery.objects.filter(subscription=sub, status=Delivery.Status.DEAD).count() == 1
    assert not actions.may_watch(user_for(persona)) and not actions.may_replay(user_for(persona))
    anonymous = client_for(None)
    assert anonymous.get(reverse("exchange:health")).status_code == 302
    assert anonymous.post(
        reverse("exchange:replay_api", args=[sub.pk]), {"from_sequence": 0}
    ).status_code in (
        401,
        403,
    )


def test_the_chain_status_names_the_first_broken_entry(dead_sub):
    sub, start = dead_sub
    delivery.deliver(Subscription.objects.get(pk=sub.pk), now=timezone.now() + dt.timedelta(days=1))
    rows = list(ExchangeLog.objects.order_by("id"))
    assert len(rows) >= 3 and delivery.chain_status() == {"ok": True, "entries": len(rows), "broken_at": None}
    ExchangeLog.objects.filter(pk=rows[1].pk).update(detail="đã sửa")
    assert delivery.chain_status()["broken_at"] == rows[1].pk
    assert delivery.chain_status()["ok"] is False
