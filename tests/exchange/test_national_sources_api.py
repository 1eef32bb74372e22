"""National mode: the national sources' read-only API (/exchange/api/national/sources/[<id>/]).

The administrator lists and reads the sources with their figures (receipts, refusals, last receipt — counted here
independently from the rows made), the key's fingerprint and until when the previous secret is accepted; the
secret (current or previous, sealed or open) is never in an answer; writing is refused (405). A province officer
and an anonymous visitor get 403 in national mode; everyone gets 404 outside it."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import uuid

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from doluong.exchange import aggregate, signing
from doluong.exchange.models import NationalRefusal, NationalSource
from doluong.geo.models import Province

pytestmark = pytest.mark.django_db

LIST = reverse("exchange:national_source_api-list")


def detail(pk):
    return reverse("exchange:national_source_api-detail", args=[pk])


def _delivery(code, secret):
    env = {
        "id": str(uuid.uuid4()),
        "sequence": 1,
        "type": "instrument.updated",
        "schema_version": 1,
        "object": {"model": "instrument", "id": "1", "version": 1},
        "province": code,
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "data": {"serial": "S-1"},
    }
    body = json.dumps(env, sort_keys=True, separators=(",", ":")).encode()
    return signing.headers(secret, env["id"], int(time.time()), body), body


@pytest.fixture
def sources(settings):
    settings.DOLUONG_NATIONAL_MODE = True
    first, second = Province.objects.order_by("pk")[:2]
    a, secret_a = aggregate.add_source(first, public_key=signing.public_key(), name="Nguồn A")
    b, secret_b = aggregate.add_source(second, name="Nguồn B")
    assert aggregate.receive(first.pk, *_delivery(first.pk, secret_a)) == 204
    assert aggregate.receive(first.pk, *_delivery(first.pk, secret_a)) == 204
    assert aggregate.receive(first.pk, *_delivery(first.pk, secret_b)) == 400  # the other source's secret
    return {"a": a, "b": b, "secrets": [secret_a, secret_b]}


def test_the_administrator_lists_and_reads_the_sources_without_their_secrets(sources, client_for):
    admin = client_for("admin")
    a, b = sources["a"], sources["b"]
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        a, rotated = aggregate.rotate_secret(a)
        listing = admin.get(LIST)
        one = admin.get(detail(a.pk))
    assert listing.status_code == 200 and one.status_code == 200
    data = listing.json()
    assert data["count"] == 2
    rows = {row["id"]: row for row in data["results"]}
    digest = hashlib.sha256(base64.b64decode(signing.public_key())).hexdigest().upper()
    assert rows[a.pk]["fingerprint"].replace(" ", "") == digest
    assert (rows[a.pk]["receipts"], rows[a.pk]["refusals"]) == (2, 1)
    assert (rows[b.pk]["receipts"], rows[b.pk]["refusals"], rows[b.pk]["last_receipt_at"]) == (0, 0, None)
    assert rows[a.pk]["last_receipt_at"] is not None
    assert rows[a.pk]["province"] == a.province_id and rows[a.pk]["name"] == "Nguồn A"
    assert rows[b.pk]["fingerprint"] == "" and rows[b.pk]["previous_secret_accepted_until"] is None
    until = dt.datetime.fromisoformat(one.json()["previous_secret_accepted_until"])
    assert until == start + dt.timedelta(hours=24)
    assert one.json() == rows[a.pk]
    a.refresh_from_db()
    for text in (listing.content.decode(), one.content.decode()):
        for secret in (*sources["secrets"], rotated, a.secret, a.previous_secret, b.secret):
            assert secret not in text and secret.removeprefix("whsec_") not in text
        assert 'secret"' not in text.replace("previous_secret_accepted_until", "")
    # read-only: no write through the API
    assert admin.post(LIST, {"province": "99"}, content_type="application/json").status_code == 405
    assert admin.patch(detail(b.pk), {"is_active": False}, content_type="application/json").status_code == 405
    assert admin.delete(detail(b.pk)).status_code == 405
    assert NationalSource.objects.get(pk=b.pk).is_active
    assert NationalRefusal.objects.count() == 1


@pytest.mark.parametrize("persona", ["dt.sokhcn", None])
def test_others_get_403_in_national_mode(sources, client_for, persona):
    client = client_for(persona)
    assert client.get(LIST).status_code == 403
    response = client.get(detail(sources["a"].pk))
    assert response.status_code == 403 and "whsec_" not in response.content.decode()


@pytest.mark.parametrize("persona", ["admin", "dt.sokhcn", None])
def test_everyone_gets_404_outside_national_mode(sources, client_for, persona, settings):
    settings.DOLUONG_NATIONAL_MODE = False
    client = client_for(persona)
    assert client.get(LIST).status_code == 404
    assert client.get(detail(sources["a"].pk)).status_code == 404


def test_the_sources_page_says_the_lag_and_the_old_secrets_grace_in_vietnamese(sources, client_for):
    import re

    a, _rotated = aggregate.rotate_secret(sources["a"])
    html = client_for("admin").get(reverse("exchange:national_sources")).content.decode()
    row = re.search(rf'<tr id="source-{a.pk}".*?</tr>', html, re.S).group(0)
    assert "dưới một phút" in row and "0 phút" not in row  # a receipt of a moment ago
    until = timezone.localtime(aggregate.previous_secret_until(a)).strftime("%d/%m/%Y %H:%M")
    assert f"khóa cũ còn được nhận đến {until}" in row
    assert "— Chọn tỉnh, thành phố —" in html and 'class="form-select"' in html
