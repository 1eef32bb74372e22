"""The public check: every state, in HTML and JSON, no login, nothing private, independent signature check,
revocation at once, rate limit."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from doluong.verification import actions
from doluong.verification.models import Certificate

pytestmark = pytest.mark.django_db


def _issue(kit, **overrides):
    record = actions.do_record_verification(**kit.args(**overrides))
    return actions.do_issue_certificate(
        record, user=kit.staff, issued_on=record.performed_on, stamp_number="T-77"
    )


def _state(client, cert=None, number=None, short=None):
    params = {"n": number if number is not None else cert.number}
    if short is not None:
        params["s"] = short
    body = client.get("/api/public/certificates/", params).json()
    return [r["state"] for r in body["results"]], body


def test_states(kit, client_for):
    client = client_for(None)
    old = _issue(kit, performed_on=kit.day - dt.timedelta(days=40))
    cert = _issue(kit)
    assert _state(client, cert, short=cert.short_signature)[0] == ["valid"]
    assert _state(client, old)[0] == ["superseded"]
    # typed back loosely: spaces and case do not matter
    assert _state(client, number=cert.number.replace(" ", "").lower())[0] == ["valid"]
    assert _state(client, number="999999 - 99 (XX)")[0] == ["not_found"]
    assert _state(client, cert, short="A" * 16)[0] == ["signature_mismatch"]
    # revocation shows at once, without the internal reason
    actions.do_revoke_certificate(cert, user=kit.staff, reason="lý do nội bộ")
    states, body = _state(client, cert, short=cert.short_signature)
    assert states == ["revoked"]
    assert "lý do nội bộ" not in json.dumps(body, ensure_ascii=False)
    # a date changed after signing: not genuine
    Certificate.objects.filter(pk=cert.pk).update(valid_until=cert.valid_until + dt.timedelta(days=400))
    assert _state(client, cert)[0] == ["signature_mismatch"]
    html = client.get("/verify/", {"n": cert.number}).content.decode()
    assert "Không xác thực: chữ ký số không khớp" in html


def test_expired(kit, client_for, settings):
    import time_machine

    cert = _issue(kit)
    with time_machine.travel(
        dt.datetime.combine(cert.valid_until + dt.timedelta(days=1), dt.time(12)), tick=False
    ):
        assert _state(client_for(None), cert)[0] == ["expired"]


def test_html_page_in_vietnamese_with_the_paper_fields_only(kit, client_for):
    cert = _issue(kit)
    owner = kit.instrument.owner
    response = client_for(None).get(cert.public_url().split("8000", 1)[-1])
    html = response.content.decode()
    assert response.status_code == 200
    assert "Giấy chứng nhận là thật và còn hiệu lực." in html
    assert cert.number in html and owner.name in html and kit.instrument.serial in html
    assert kit.provider.name in html
    assert cert.valid_until.strftime("%d/%m/%Y") in html
    for private in (owner.tax_code, owner.phone, kit.verifier.card_number):
        if private:
            assert private not in html
    response = client_for(None).get("/verify/", {"n": "không có số này"})
    assert "Không tìm thấy" in response.content.decode()


def test_anyone_can_check_the_signature_with_the_published_key(kit, client_for):
    cert = _issue(kit)
    client = client_for(None)
    keys = {k["key_id"]: k for k in client.get("/api/public/keys/").json()["keys"]}
    _states, body = _state(client, cert)
    signed = body["results"][0]["signed"]
    raw = base64.urlsafe_b64decode(keys[cert.key.key_id]["public_key"] + "==")
    message = json.dumps(
        signed["payload"], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()
    signature = base64.urlsafe_b64decode(signed["signature"] + "==")
    Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)  # raises if not genuine
    altered = dict(signed["payload"], valid_until="2099-12-31")
    with pytest.raises(InvalidSignature):
        Ed25519PublicKey.from_public_bytes(raw).verify(
            signature, json.dumps(altered, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        )


def test_rate_limit(kit, client_for, settings):
    settings.VERIFY_RATE_LIMIT = 3
    client = client_for(None)
    for _ in range(3):
        assert client.get("/api/public/certificates/", {"n": "1"}).status_code == 200
    response = client.get("/api/public/certificates/", {"n": "1"})
    assert response.status_code == 429
    assert "Vui lòng chờ một phút" in response.json()["detail"]
    page = client.get("/verify/", {"n": "1"})
    assert page.status_code == 429 and "Vui lòng chờ một phút" in page.content.decode()
    other = client_for(None).get("/api/public/certificates/", {"n": "1"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_rate_limit_behind_a_trusted_proxy_counts_each_client(kit, client_for, settings):
    """Behind one reverse proxy (DOLUONG_TRUSTED_PROXIES=1) every visitor shares the proxy's REMOTE_ADDR: the
    check counts the address the proxy saw, like the login lockout and the API throttles do."""
    settings.VERIFY_RATE_LIMIT = 2
    settings.DOLUONG_TRUSTED_PROXIES = 1
    client = client_for(None)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(2):
        ok = client.get("/api/public/certificates/", {"n": "1"}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
        assert ok.status_code == 200
    refused = client.get("/api/public/certificates/", {"n": "1"}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert refused.status_code == 429
    # a forged entry to the left of the proxy's own is not believed: still the same client
    forged = client.get(
        "/api/public/certificates/", {"n": "1"}, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", **proxy
    )
    assert forged.status_code == 429
    other = client.get("/api/public/certificates/", {"n": "1"}, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy)
    assert other.status_code == 200


def test_rate_limit_is_counted_in_the_database_for_every_worker(kit, client_for, settings, monkeypatch):
    """The count lives in one table (not in a worker's memory); minutes before the previous one are pruned."""
    import time

    from doluong.verification.models import CheckCount

    settings.VERIFY_RATE_LIMIT = 5
    now = 1_790_000_000.0
    monkeypatch.setattr(time, "time", lambda: now)
    CheckCount.objects.create(client="127.0.0.1", minute=int(now // 60) - 5, count=99)  # long gone
    CheckCount.objects.create(client="10.1.1.1", minute=int(now // 60), count=5)  # another worker's counts
    client = client_for(None)
    assert client.get("/api/public/certificates/", {"n": "1"}).status_code == 200
    assert not CheckCount.objects.filter(minute__lt=int(now // 60) - 1).exists()
    assert CheckCount.objects.get(client="127.0.0.1").count == 1
    assert client.get("/api/public/certificates/", {"n": "1"}, REMOTE_ADDR="10.1.1.1").status_code == 429
    now += 60  # a new minute: allowed again
    assert client.get("/api/public/certificates/", {"n": "1"}, REMOTE_ADDR="10.1.1.1").status_code == 200


def test_compiled_lookup_returns_what_the_orm_returns(kit):
    """The check runs its query compiled once; the rows (dates, JSON, the newer number) equal `.values()`."""
    from doluong.verification import public

    first = _issue(kit)
    second = _issue(kit, performed_on=first.verified_on + dt.timedelta(days=1))
    first.refresh_from_db()
    assert first.superseded_by_id == second.pk
    for cert in (first, second):
        expected = list(public._query(cert.lookup_key))
        assert public._rows(cert.lookup_key) == expected
        assert expected and isinstance(expected[0]["issued_on"], dt.date)
        assert isinstance(expected[0]["snapshot"], dict)
    assert public._rows(first.lookup_key)[0]["newer"] == second.number
    assert public._rows("NO-SUCH-NUMBER") == []
