"""The public check: every state, in HTML and JSON, no login, nothing private, independent signature check,
revocation at once, rate limit."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.cache import cache

from doluong.verification import actions
from doluong.verification.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


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
