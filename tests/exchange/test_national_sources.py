"""National mode: the administrator's page of the national sources and the receiver's limit on refusals.

The page: the list (province, name, active, the public key's fingerprint, last receipt, receipts, refusals, lag)
and the registration form (the key checked as an Ed25519 key; a bad key creates nothing); the generated secret is
shown once — in the response to the registration or the rotation, never on the list or the detail page after —
and is stored sealed; rotating it makes the old secret fail at the receiver after the grace period (none
here; test_secret_grace tests it); deactivating a source makes
its deliveries refused, reactivating it received again; each change is in the source's history. A province
officer and an anonymous visitor get 403 (national mode on) or 404 (off) on every page and action, and nothing
changes.

The limit: a burst of bad deliveries from one address stores DOLUONG_NATIONAL_REFUSAL_LIMIT refusals a minute one
by one (400), then answers 429 and counts the rest in one row per (address, reason, minute); another address and
a good delivery are not limited."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import re
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from doluong.exchange import aggregate, signing
from doluong.exchange.models import (
    NationalReceipt,
    NationalRefusal,
    NationalRefusalCount,
    NationalSource,
    OutboxEvent,
)
from doluong.geo.models import Province
from doluong.verification.models import Certificate

pytestmark = pytest.mark.django_db

SECRET_INPUT = re.compile(r'id="secret" readonly value="(whsec_[^"]+)"')


def untranslated(html: str) -> list[str]:
    """tests/core/test_no_english's checker."""
    import sys
    from pathlib import Path

    core = str(Path(__file__).resolve().parents[1] / "core")
    if core not in sys.path:
        sys.path.append(core)
    from test_no_english import untranslated as check

    return check(html)


def expected_fingerprint(key: str) -> str:
    """Computed here independently: SHA-256 of the 32 raw bytes, upper-case hex in groups of four."""
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))


@pytest.fixture
def national(settings):
    settings.DOLUONG_NATIONAL_MODE = True
    cert = Certificate.objects.filter(province__isnull=False, instrument__isnull=False).order_by("pk").first()
    return {"cert": cert, "province": cert.province}


def _signed(cert, secret):
    """A delivery of a fresh outbox event of `cert`'s province, signed with `secret` (and this instance's key)."""
    with transaction.atomic():
        cert.notes = f"thử {time.time()}"
        cert.save()
    envelope = OutboxEvent.objects.order_by("-pk").first().envelope()
    body = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return body, signing.headers(secret, envelope["id"], int(time.time()), body)


def _post(client, province_code, body, headers, address="127.0.0.1"):
    url = reverse("exchange_public:national_receive", args=[province_code])
    return client.post(url, data=body, content_type="application/json", headers=headers, REMOTE_ADDR=address)


def test_the_administrator_registers_rotates_deactivates_and_sees_the_secret_once(
    national, client_for, user_for, settings
):
    settings.DOLUONG_NATIONAL_SECRET_GRACE_HOURS = (
        0  # no grace: the old secret refused at once (test_secret_grace)
    )
    province, cert = national["province"], national["cert"]
    admin = client_for("admin")
    listing = admin.get(reverse("exchange:national_sources"))
    assert listing.status_code == 200 and untranslated(listing.content.decode()) == []
    key = signing.public_key()

    response = admin.post(
        reverse("exchange:national_sources"),
        {"province": province.pk, "name": "Hệ thống tỉnh thử", "public_key": f"  {key}\n", "notes": ""},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    secret = SECRET_INPUT.search(html).group(1)
    assert untranslated(html) == []
    source = NationalSource.objects.get(province=province)
    assert source.public_key == key and source.name == "Hệ thống tỉnh thử" and source.is_active
    assert source.secret != secret and signing.open_secret(source.secret) == secret  # stored sealed
    first = source.history.get()
    assert first.history_user == user_for("admin") and first.history_change_reason == "Đăng ký nguồn dữ liệu"
    # the secret verifies at the receiver
    body, headers = _signed(cert, secret)
    assert _post(admin, province.pk, body, headers).status_code == 204

    detail_url = reverse("exchange:national_source", args=[source.pk])
    for url in (reverse("exchange:national_sources"), detail_url):
        page = admin.get(url)
        text = page.content.decode()
        assert page.status_code == 200 and untranslated(text) == []
        assert secret not in text and source.secret not in text and secret.removeprefix("whsec_") not in text
        assert expected_fingerprint(key) in text
    row = re.search(
        rf'<tr id="source-{source.pk}".*?</tr>',
        admin.get(reverse("exchange:national_sources")).content.decode(),
        re.S,
    ).group(0)
    assert 'data-active="1"' in row and '<td data-col="receipts">1</td>' in row

    # rotation: a new secret, shown once; the old one is refused at once
    rotated = admin.post(reverse("exchange:national_source_rotate", args=[source.pk]))
    assert rotated.status_code == 200 and "no-store" in rotated["Cache-Control"]
    new_secret = SECRET_INPUT.search(rotated.content.decode()).group(1)
    assert new_secret != secret
    source.refresh_from_db()
    assert signing.open_secret(source.secret) == new_secret
    body, headers = _signed(cert, secret)
    assert _post(admin, province.pk, body, headers).status_code == 400
    assert NationalRefusal.objects.filter(reason="bad_signature", province_code=province.pk).count() == 1
    body, headers = _signed(cert, new_secret)
    assert _post(admin, province.pk, body, headers).status_code == 204
    text = admin.get(detail_url).content.decode()
    assert new_secret not in text and secret not in text and source.secret not in text
    assert "Đổi khóa bí mật" in text and untranslated(text) == []

    # deactivation: deliveries refused as from an unknown source; reactivation: received again
    response = admin.post(reverse("exchange:national_source_active", args=[source.pk]), {"active": "0"})
    assert response.status_code == 302
    source.refresh_from_db()
    assert not source.is_active
    body, headers = _signed(cert, new_secret)
    assert _post(admin, province.pk, body, headers).status_code == 400
    assert NationalRefusal.objects.filter(reason="unknown_source", province_code=province.pk).count() == 1
    admin.post(reverse("exchange:national_source_active", args=[source.pk]), {"active": "1"})
    source.refresh_from_db()
    assert source.is_active
    assert _post(admin, province.pk, body, headers).status_code == 204
    assert NationalReceipt.objects.filter(source=source).count() == 3
    reasons = list(source.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons == [
        "Đăng ký nguồn dữ liệu",
        "Đổi khóa bí mật",
        "Ngừng nhận từ nguồn",
        "Cho nguồn hoạt động lại",
    ]
    text = admin.get(detail_url).content.decode()
    assert new_secret not in text and untranslated(text) == []
    # the active flag's changes in the history, in Vietnamese
    assert "<td>Đang hoạt động</td><td>Có</td><td>Không</td>" in text
    assert ">True<" not in text and ">False<" not in text


@pytest.mark.parametrize(
    "bad",
    [
        "không phải khóa",
        base64.b64encode(b"\x01" * 31).decode(),  # 31 bytes
        base64.b64encode(b"\x01" * 33).decode(),  # 33 bytes
        base64.b64encode(b"\x01" * 32).decode()[:-2] + "*=",  # not base64
    ],
)
def test_a_bad_key_is_refused_in_vietnamese_and_creates_nothing(national, client_for, bad):
    admin = client_for("admin")
    response = admin.post(
        reverse("exchange:national_sources"),
        {"province": national["province"].pk, "name": "Thử", "public_key": bad},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Đây không phải khóa công khai Ed25519" in html and not SECRET_INPUT.search(html)
    assert untranslated(html) == []
    assert not NationalSource.objects.exists() and not NationalSource.history.exists()


def test_a_missing_key_and_a_taken_province_are_refused(national, client_for):
    admin = client_for("admin")
    url = reverse("exchange:national_sources")
    response = admin.post(url, {"province": national["province"].pk, "public_key": ""})
    assert response.status_code == 400 and not NationalSource.objects.exists()
    aggregate.add_source(national["province"], public_key=signing.public_key())
    response = admin.post(url, {"province": national["province"].pk, "public_key": signing.public_key()})
    assert response.status_code == 400 and NationalSource.objects.count() == 1
    assert not SECRET_INPUT.search(response.content.decode())


@pytest.mark.parametrize("mode", [True, False])
@pytest.mark.parametrize("persona", ["dt.sokhcn", None])
def test_others_get_403_or_404_and_nothing_changes(settings, national, client_for, persona, mode):
    source, secret = aggregate.add_source(national["province"], public_key=signing.public_key())
    settings.DOLUONG_NATIONAL_MODE = mode
    other = Province.objects.exclude(pk=source.province_id).order_by("pk").first()
    expected = 403 if mode else 404
    client = client_for(persona)
    assert client.get(reverse("exchange:national_sources")).status_code == expected
    assert client.get(reverse("exchange:national_source", args=[source.pk])).status_code == expected
    response = client.post(
        reverse("exchange:national_sources"), {"province": other.pk, "public_key": signing.public_key()}
    )
    assert response.status_code == expected
    response = client.post(reverse("exchange:national_source_rotate", args=[source.pk]))
    assert response.status_code == expected and "whsec_" not in response.content.decode()
    response = client.post(reverse("exchange:national_source_active", args=[source.pk]), {"active": "0"})
    assert response.status_code == expected
    source.refresh_from_db()
    assert signing.open_secret(source.secret) == secret and source.is_active
    assert NationalSource.objects.count() == 1 and source.history.count() == 1
    if not mode:  # the administrator too: the page exists only in national mode
        assert client_for("admin").get(reverse("exchange:national_sources")).status_code == 404


def test_the_command_checks_the_key_and_rotates(national):
    code = national["province"].pk
    with pytest.raises(CommandError, match="không phải khóa công khai Ed25519"):
        call_command("national_source", code, "--public-key", "abc", stdout=io.StringIO())
    assert not NationalSource.objects.exists()
    out = io.StringIO()
    call_command("national_source", code, "--public-key", signing.public_key(), stdout=out)
    first = out.getvalue().strip()
    out = io.StringIO()
    call_command("national_source", code, "--rotate", stdout=out)
    second = out.getvalue().strip()
    source = NationalSource.objects.get(province_id=code)
    assert second.startswith("whsec_") and second != first and signing.open_secret(source.secret) == second
    with pytest.raises(CommandError):
        call_command("national_source", "99", "--rotate", stdout=io.StringIO())


def test_a_burst_of_refusals_is_limited_per_address_and_counted(national, settings, client_for):
    import time_machine

    settings.DOLUONG_NATIONAL_REFUSAL_LIMIT = 3
    province, cert = national["province"], national["cert"]
    source, secret = aggregate.add_source(province, public_key=signing.public_key())
    client = client_for(None)
    # one minute, frozen: the limiter counts per address and minute
    start = timezone.now().replace(second=5, microsecond=0)
    with time_machine.travel(start, tick=False):
        body, headers = _signed(cert, signing.new_secret())  # a secret that is not the source's
        flood = "203.0.113.7"
        answers = [_post(client, province.pk, body, headers, flood).status_code for _ in range(10)]
        assert answers == [400] * 3 + [429] * 7
        limited = _post(client, province.pk, body, headers, flood)
        assert limited.status_code == 429 and limited["Retry-After"] == "60"
        # an unknown source from the same address: the same counter, its own reason row
        assert _post(client, "99", body, headers, flood).status_code == 429
        # another address is not limited by the first one's flood
        assert _post(client, province.pk, body, headers, "198.51.100.2").status_code == 400
        # a good delivery from the flooding address is received: only refusals are limited
        good, good_headers = _signed(cert, secret)
        assert _post(client, province.pk, good, good_headers, flood).status_code == 204

    assert NationalRefusal.objects.filter(client=flood).count() == 3
    assert NationalRefusal.objects.filter(client="198.51.100.2").count() == 1
    minute = int(start.timestamp() // 60)
    counted = {(r.client, r.reason, r.minute): r.count for r in NationalRefusalCount.objects.all()}
    assert counted == {(flood, "bad_signature", minute): 8, (flood, "unknown_source", minute): 1}
    # nothing silently dropped: 13 refused deliveries, 4 stored one by one and 9 counted
    assert NationalRefusal.objects.count() + sum(counted.values()) == 3 + 8 + 1 + 1
    assert aggregate.stats()["suppressed"] == 9
    # the next minute: stored one by one again
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        body, headers = _signed(cert, signing.new_secret())
        assert _post(client, province.pk, body, headers, flood).status_code == 400
    page = client_for("admin").get(reverse("exchange:national_sources")).content.decode()
    assert 'id="suppressed"' in page and "9 lần gửi bị từ chối" in page
    stats = client.get(reverse("exchange_public:national")).content.decode()
    assert "9 lần gửi bị từ chối" in stats and untranslated(stats) == []
