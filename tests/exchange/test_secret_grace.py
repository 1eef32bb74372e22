"""National mode: rotating a source's secret keeps the previous one accepted for the grace period
(DOLUONG_NATIONAL_SECRET_GRACE_HOURS, 24 hours by default), so that the province's deliveries signed before it set
the new secret are received; from the end of the period they are refused "bad signature", the refusal saying the
previous secret has expired. Both sides of the boundary under the pinned clock (a second before: received; at it:
refused); a second rotation leaves only the one it replaced in grace. The pages say until when."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from doluong.exchange import aggregate, signing
from doluong.exchange.models import NationalReceipt, NationalRefusal, NationalSource
from doluong.geo.models import Province

pytestmark = pytest.mark.django_db


def delivery(code, secret, n):
    env = {
        "id": str(uuid.uuid4()),
        "sequence": n,
        "type": "instrument.updated",
        "schema_version": 1,
        "object": {"model": "instrument", "id": str(n), "version": 1},
        "province": code,
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "data": {"serial": f"S-{n}", "status": "in_use"},
    }
    body = json.dumps(env, sort_keys=True, separators=(",", ":")).encode()
    return signing.headers(secret, env["id"], int(time.time()), body), body


@pytest.fixture
def source(settings):
    settings.DOLUONG_NATIONAL_MODE = True
    province = Province.objects.order_by("pk").first()
    source, secret = aggregate.add_source(province, public_key=signing.public_key())
    return source, secret, province.pk


def test_the_previous_secret_is_accepted_until_the_end_of_the_grace_period(source):
    source, old, code = source
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        source, new = aggregate.rotate_secret(source)
        assert aggregate.receive(code, *delivery(code, old, 1)) == 204  # in flight, signed with the old one
    assert source.secret_rotated_at == start
    assert aggregate.previous_secret_until(source) == start + dt.timedelta(hours=24)
    with time_machine.travel(start + dt.timedelta(hours=24, seconds=-1), tick=False):
        assert aggregate.receive(code, *delivery(code, old, 2)) == 204
        assert aggregate.receive(code, *delivery(code, new, 3)) == 204
    with time_machine.travel(start + dt.timedelta(hours=24), tick=False):
        headers, body = delivery(code, old, 4)
        assert aggregate.receive(code, headers, body) == 400
        assert aggregate.receive(code, *delivery(code, new, 5)) == 204
    refusal = NationalRefusal.objects.get()
    assert (
        refusal.event_id == headers["webhook-id"] and refusal.reason == NationalRefusal.Reason.BAD_SIGNATURE
    )
    assert refusal.detail.startswith("signed with the previous secret, no longer accepted since")
    assert (start + dt.timedelta(hours=24)).isoformat(timespec="seconds") in refusal.detail
    assert NationalReceipt.objects.count() == 4


def test_a_second_rotation_keeps_only_the_secret_it_replaced(source, settings):
    source, first, code = source
    settings.DOLUONG_NATIONAL_SECRET_GRACE_HOURS = 2
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        source, second = aggregate.rotate_secret(source)
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        source, third = aggregate.rotate_secret(source)
        assert aggregate.receive(code, *delivery(code, first, 1)) == 400  # two rotations ago: no grace
        assert NationalRefusal.objects.get().detail == "no valid signature"
        assert aggregate.receive(code, *delivery(code, second, 2)) == 204
    # the grace of the second counts from the second rotation: two hours from start + 1 h
    with time_machine.travel(start + dt.timedelta(hours=3, seconds=-1), tick=False):
        assert aggregate.receive(code, *delivery(code, second, 3)) == 204
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        assert aggregate.receive(code, *delivery(code, second, 4)) == 400
        assert aggregate.receive(code, *delivery(code, third, 5)) == 204


def test_the_pages_say_until_when_the_old_secret_is_accepted(source, client_for):
    source, _old, _code = source
    admin = client_for("admin")
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        page = admin.post(reverse("exchange:national_source_rotate", args=[source.pk])).content.decode()
        detail = admin.get(reverse("exchange:national_source", args=[source.pk])).content.decode()
    until = timezone.localtime(start + dt.timedelta(hours=24)).strftime("%d/%m/%Y %H:%M")
    assert f"Khóa cũ vẫn được chấp nhận đến {until}" in page
    assert 'data-field="previous-until">' + until in detail
    source = NationalSource.objects.get(pk=source.pk)
    assert source.previous_secret and source.previous_secret != source.secret
    assert source.previous_secret not in detail and signing.open_secret(source.previous_secret) not in detail
    with time_machine.travel(start + dt.timedelta(hours=24), tick=False):
        detail = admin.get(reverse("exchange:national_source", args=[source.pk])).content.decode()
    assert 'data-field="previous-until"' not in detail
