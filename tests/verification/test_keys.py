"""The signed key history: every provider key is endorsed by the site root key and chained to the provider's
previous key; the public key list publishes fingerprints and validity; a key replaced in the database is refused
by the public check and the list; only an administrator makes or rotates keys (web, admin, API)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.exceptions import PermissionDenied, ValidationError

from doluong.parties.models import Organisation
from doluong.verification import actions, signing
from doluong.verification.models import Certificate, SigningKey

pytestmark = pytest.mark.django_db


def _issue(kit, **overrides):
    record = actions.do_record_verification(**kit.args(**overrides))
    return actions.do_issue_certificate(record, user=kit.staff, issued_on=record.performed_on)


def _state(client, cert):
    return [r["state"] for r in client.get("/api/public/certificates/", {"n": cert.number}).json()["results"]]


def _keys(client):
    return client.get("/api/public/keys/").json()


def test_keys_are_published_with_fingerprint_validity_and_endorsement(kit, client_for):
    cert = _issue(kit)
    body = _keys(client_for(None))
    entry = next(k for k in body["keys"] if k["key_id"] == cert.key.key_id)
    raw = base64.urlsafe_b64decode(entry["public_key"] + "==")
    import hashlib

    digest = hashlib.sha256(raw).hexdigest().upper()
    assert entry["fingerprint"].replace(" ", "") == digest
    assert len(entry["fingerprint"].split(" ")) == 16  # groups of four
    assert entry["valid_from"] and entry["valid_until"] is None
    # anyone verifies the endorsement with the published root key and `cryptography` alone
    root = base64.urlsafe_b64decode(body["root"]["public_key"] + "==")
    Ed25519PublicKey.from_public_bytes(root).verify(
        base64.urlsafe_b64decode(entry["endorsement"] + "=="), signing.canonical(entry["record"])
    )
    assert entry["record"]["public_key"] == entry["public_key"]
    assert body["refused"] == []
    html = client_for(None).get("/verify/keys/").content.decode()
    assert entry["fingerprint"] in html and "Khóa ký công khai" in html


def test_replaced_public_key_is_refused_by_the_check_and_the_list(kit, client_for):
    """The forger replaces the provider's public key with their own and re-signs a certificate with it: every
    signature then matches, but the key is not the one the root endorsed."""
    client = client_for(None)
    cert = _issue(kit)
    key_id, public_key, sealed = signing.new_keypair()
    SigningKey.objects.filter(pk=cert.key_id).update(public_key=public_key, private_key=sealed)
    forged_key = SigningKey.objects.get(pk=cert.key_id)
    forged = Certificate.objects.get(pk=cert.pk)
    data = signing.payload(forged)
    Certificate.objects.filter(pk=cert.pk).update(signature=signing._sign_raw(signing.unseal(sealed), data))
    forged = Certificate.objects.get(pk=cert.pk)
    assert signing.verify(forged_key.public_key, data, forged.signature)  # the signature itself matches
    assert _state(client, forged) == ["key_untrusted"]
    assert not signing.verify_certificate(forged)
    body = _keys(client)
    assert public_key not in str(body["keys"])
    assert [r["key_id"] for r in body["refused"]] == [cert.key.key_id]
    html = client.get("/verify/", {"n": cert.number}).content.decode()
    assert "Không thể tin cậy: khóa ký không có trong lịch sử khóa đã ký" in html
    assert "Khóa bị từ chối" in client.get("/verify/keys/").content.decode()
    # and the provider cannot sign with the forged key either
    with pytest.raises(ValidationError):
        _issue(kit)


def test_a_key_moved_to_another_provider_is_refused(kit, client_for):
    cert = _issue(kit)
    other = SigningKey.objects.exclude(provider=kit.provider).filter(retired_at__isnull=True).first()
    # the other provider's genuine key, copied onto this provider's key row
    SigningKey.objects.filter(pk=cert.key_id).update(
        public_key=other.public_key,
        endorsement=other.endorsement,
        sequence=other.sequence,
        activated_at=other.activated_at,
        previous_hash=other.previous_hash,
    )
    assert _state(client_for(None), cert) in (["key_untrusted"], ["signature_mismatch"])


def test_chain_tampering_is_refused_in_the_list(kit, client_for, user_for):
    admin = user_for("admin")
    actions.do_rotate_signing_key(kit.provider, user=admin)
    first, second = SigningKey.objects.filter(provider=kit.provider).order_by("sequence")[:2]
    client = client_for(None)
    assert not _keys(client)["refused"]
    SigningKey.objects.filter(pk=second.pk).update(previous_hash="0" * 64)
    assert [r["key_id"] for r in _keys(client)["refused"]] == [second.key_id]
    SigningKey.objects.filter(pk=second.pk).update(previous_hash=second.previous_hash)
    # the old key's retirement removed (to make it look active): refused
    SigningKey.objects.filter(pk=first.pk).update(retired_at=None, retired_on=None, retirement="")
    assert first.key_id in [r["key_id"] for r in _keys(client)["refused"]]
    SigningKey.objects.filter(pk=first.pk).update(
        retired_at=first.retired_at, retired_on=first.retired_on, retirement=first.retirement
    )
    assert not _keys(client)["refused"]


def test_rotation_keeps_old_certificates_verifiable(kit, client_for, user_for):
    client = client_for(None)
    old = _issue(kit)
    actions.do_revoke_certificate(old, user=kit.staff, reason="x")
    new_key = actions.do_rotate_signing_key(kit.provider, user=user_for("admin"))
    old_key = SigningKey.objects.get(pk=old.key_id)
    assert old_key.retired_at is not None and new_key.sequence == old_key.sequence + 1
    assert new_key.previous_hash == signing.link_hash(signing.key_record(old_key), old_key.endorsement)
    assert _state(client, old) == ["revoked"]
    # a reinstatement after the rotation is signed by the new key; the chain still verifies
    actions.do_reinstate_certificate(old, user=kit.staff, reason="y")
    assert _state(client, old) == ["valid"]
    assert old.statements.order_by("-sequence").first().key_id == new_key.pk
    new = _issue(kit)
    assert new.key_id == new_key.pk
    old.refresh_from_db()
    assert _state(client, old) == ["superseded"] and _state(client, new) == ["valid"]
    published = {k["key_id"]: k for k in _keys(client)["keys"]}
    assert published[old_key.key_id]["valid_until"] and published[new_key.key_id]["valid_until"] is None
    # a retired key signs nothing new
    with pytest.raises(ValidationError):
        signing.sign(old_key, {"x": "1"})


def test_provider_staff_cannot_make_or_rotate_keys(kit, client_for, user_for):
    before = set(SigningKey.objects.values_list("pk", flat=True))
    key = SigningKey.objects.filter(provider=kit.provider, retired_at__isnull=True).get()
    for username in ("ct.kiemdinh", "ct.sokhcn", "ct.kdv"):
        with pytest.raises(PermissionDenied):
            actions.do_rotate_signing_key(kit.provider, user=user_for(username))
        with pytest.raises(PermissionDenied):
            actions.do_retire_signing_key(key, user=user_for(username))
        client = client_for(username)
        response = client.post("/verification/signing-keys/rotate/", {"provider": kit.provider.pk})
        assert response.status_code == 403
        assert client.get("/verification/signing-keys/rotate/").status_code == 403
        assert client.post(f"/verification/signing-keys/{key.pk}/retire/").status_code == 403
        response = client.post(
            "/api/verification/signing-keys/",
            {"provider": kit.provider.pk, "key_id": "x", "public_key": "x", "activated_on": "2026-01-01"},
            content_type="application/json",
        )
        assert response.status_code in (403, 405)
        response = client.patch(
            f"/api/verification/signing-keys/{key.pk}/",
            {"retired_on": "2026-01-01"},
            content_type="application/json",
        )
        assert response.status_code in (403, 404, 405)
        assert client.post(
            f"/verification/signing-keys/{key.pk}/edit/", {"retired_on": "01/01/2026"}
        ).status_code in (
            403,
            404,
        )
        # the admin site: not staff, sent to the login page; nothing made
        response = client.post("/admin/verification/signingkey/add/", {"provider": kit.provider.pk})
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert set(SigningKey.objects.values_list("pk", flat=True)) == before
    key.refresh_from_db()
    assert key.retired_at is None and key.retired_on is None


def test_the_admin_site_makes_no_key_even_for_a_superuser(kit, client_for):
    before = SigningKey.objects.count()
    client = client_for("admin")
    assert (
        client.post("/admin/verification/signingkey/add/", {"provider": kit.provider.pk}).status_code == 403
    )
    key = SigningKey.objects.filter(provider=kit.provider).first()
    response = client.post(f"/admin/verification/signingkey/{key.pk}/change/", {"retired_on": "2026-01-01"})
    assert response.status_code == 403
    assert SigningKey.objects.count() == before


def test_an_administrator_rotates_through_the_web(kit, client_for):
    client = client_for("admin")
    old = SigningKey.objects.get(provider=kit.provider, retired_at__isnull=True)
    assert client.get("/verification/signing-keys/rotate/").status_code == 200
    response = client.post("/verification/signing-keys/rotate/", {"provider": kit.provider.pk})
    assert response.status_code == 302
    new = SigningKey.objects.get(provider=kit.provider, retired_at__isnull=True)
    assert new.pk != old.pk and signing.key_trusted(new)
    assert client.post(f"/verification/signing-keys/{new.pk}/retire/").status_code == 302
    new.refresh_from_db()
    assert new.retired_at is not None
    with pytest.raises(ValidationError) as info:
        _issue(kit)  # no active key: a clear refusal
    assert "quản trị hệ thống" in " ".join(info.value.messages)


def test_a_provider_without_a_key_cannot_issue_until_an_administrator_makes_one(kit, user_for):
    province = kit.provider.province
    lab = Organisation.objects.create(name="Phòng thí nghiệm mới", kind="service_provider", province=province)
    with pytest.raises(ValidationError) as info:
        actions.active_key(lab)
    assert "chưa có khóa ký" in " ".join(info.value.messages)
    key = actions.do_rotate_signing_key(lab, user=user_for("admin"))
    assert key.sequence == 1 and key.previous_hash == "" and actions.active_key(lab) == key
