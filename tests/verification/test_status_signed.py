"""Signed status: revocation, supersession and reinstatement are statements signed by the provider's key, chained
from the certificate's own signature; the public check believes the status column only when it is the latest
valid statement's. Every tampering below is done in the database, as an attacker with SQL access would."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection

from doluong.verification import actions, public
from doluong.verification.models import Certificate, SigningKey, StatusStatement, VerificationRecord

pytestmark = pytest.mark.django_db

UNTRUSTED = ("status_untrusted", "key_untrusted")


def _issue(kit, **overrides):
    record = actions.do_record_verification(**kit.args(**overrides))
    return actions.do_issue_certificate(record, user=kit.staff, issued_on=record.performed_on)


def _check(client, cert):
    body = client.get("/api/public/certificates/", {"n": cert.number}).json()
    return [r["state"] for r in body["results"]], body


def _raw_delete(statement):
    """What an attacker does in SQL (the model and the queryset refuse to delete)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {StatusStatement._meta.db_table} WHERE id = %s", [statement.pk])


def test_revoke_reinstate_supersede_chain_verifies(kit, client_for):
    client = client_for(None)
    first = _issue(kit, performed_on=kit.day - dt.timedelta(days=5))
    assert _check(client, first)[0] == ["valid"]
    actions.do_revoke_certificate(first, user=kit.staff, reason="Niêm phong bị can thiệp")
    assert _check(client, first)[0] == ["revoked"]
    actions.do_reinstate_certificate(first, user=kit.staff, reason="Thu hồi nhầm")
    assert _check(client, first)[0] == ["valid"]
    second = _issue(kit)
    states, body = _check(client, first)
    assert states == ["superseded"]
    assert body["results"][0]["superseded_by"] == second.number
    assert _check(client, second)[0] == ["valid"]
    chain = list(StatusStatement.objects.filter(certificate=first).order_by("sequence"))
    assert [s.status for s in chain] == ["revoked", "valid", "superseded"]
    assert chain[2].superseded_by_number == second.number
    # the reasons are signed by their hash: the public answer never shows them
    assert "Niêm phong" not in json.dumps(body, ensure_ascii=False)


def test_anyone_can_verify_the_published_chain(kit, client_for):
    """The JSON answer carries the statements; with the published keys, `cryptography` alone checks each
    signature and each link (SHA-256 of the previous canonical payload, a dot and its signature)."""
    client = client_for(None)
    cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="x")
    actions.do_reinstate_certificate(cert, user=kit.staff, reason="y")
    keys = {k["key_id"]: k for k in client.get("/api/public/keys/").json()["keys"]}
    signed = _check(client, cert)[1]["results"][0]["signed"]

    def canon(data):
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    previous = hashlib.sha256(b"certificate." + signed["signature"].encode()).hexdigest()
    for st in signed["statements"]:
        assert st["payload"]["previous"] == previous
        raw = base64.urlsafe_b64decode(keys[st["payload"]["key_id"]]["public_key"] + "==")
        Ed25519PublicKey.from_public_bytes(raw).verify(
            base64.urlsafe_b64decode(st["signature"] + "=="), canon(st["payload"])
        )
        previous = hashlib.sha256(canon(st["payload"]) + b"." + st["signature"].encode()).hexdigest()
    assert [s["payload"]["status"] for s in signed["statements"]] == ["revoked", "valid"]


def test_status_column_set_back_to_valid_is_not_trusted(kit, client_for):
    client = client_for(None)
    cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="x")
    Certificate.objects.filter(pk=cert.pk).update(status="valid", status_reason="")
    assert _check(client, cert)[0] == ["status_untrusted"]
    html = client.get("/verify/", {"n": cert.number}).content.decode()
    assert "Không thể tin cậy" in html and "Còn hiệu lực" not in html


def test_status_column_revoked_without_a_statement_is_not_trusted(kit, client_for):
    cert = _issue(kit)
    Certificate.objects.filter(pk=cert.pk).update(status="revoked")
    assert _check(client_for(None), cert)[0] == ["status_untrusted"]


def test_tampered_statement_signature_or_content(kit, client_for):
    client = client_for(None)
    cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="x")
    st = StatusStatement.objects.get(certificate=cert)
    StatusStatement.objects.filter(pk=st.pk).update(signature="A" * 86)
    assert _check(client, cert)[0] == ["status_untrusted"]
    StatusStatement.objects.filter(pk=st.pk).update(signature=st.signature, effective_at=st.effective_at)
    assert _check(client, cert)[0] == ["revoked"]
    # the statement rewritten to say "valid" (and the column with it): its signature no longer matches
    StatusStatement.objects.filter(pk=st.pk).update(status="valid")
    Certificate.objects.filter(pk=cert.pk).update(status="valid")
    assert _check(client, cert)[0] == ["status_untrusted"]


def test_deleted_statement_breaks_the_chain(kit, client_for):
    client = client_for(None)
    cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="a")
    actions.do_reinstate_certificate(cert, user=kit.staff, reason="b")
    actions.do_revoke_certificate(cert, user=kit.staff, reason="c")
    assert _check(client, cert)[0] == ["revoked"]
    chain = list(StatusStatement.objects.filter(certificate=cert).order_by("sequence"))
    _raw_delete(chain[1])  # the reinstatement in the middle
    assert _check(client, cert)[0] == ["status_untrusted"]


def test_deleted_latest_statement_disagrees_with_the_column(kit, client_for):
    client = client_for(None)
    cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="a")
    actions.do_reinstate_certificate(cert, user=kit.staff, reason="b")
    actions.do_revoke_certificate(cert, user=kit.staff, reason="c")
    _raw_delete(StatusStatement.objects.get(certificate=cert, sequence=3))
    assert _check(client, cert)[0] == ["status_untrusted"]  # the column still says revoked


def test_reordered_statements_are_not_trusted(kit, client_for):
    client = client_for(None)
    cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="a")
    actions.do_reinstate_certificate(cert, user=kit.staff, reason="b")
    one, two = StatusStatement.objects.filter(certificate=cert).order_by("sequence")
    StatusStatement.objects.filter(pk=one.pk).update(sequence=99)
    StatusStatement.objects.filter(pk=two.pk).update(sequence=1)
    StatusStatement.objects.filter(pk=one.pk).update(sequence=2)
    Certificate.objects.filter(pk=cert.pk).update(status="revoked")  # the new "latest" says revoked
    assert _check(client, cert)[0] == ["status_untrusted"]


def test_statement_moved_to_another_certificate_is_not_trusted(kit, client_for):
    """A genuine revocation of one certificate does not revoke (or reinstate) another: it names its number and
    chains from its signature."""
    client = client_for(None)
    victim = _issue(kit)
    other = _issue(
        kit,
        instrument=kit.instrument.__class__.objects.filter(instrument_type=kit.itype, province_id="92")
        .exclude(pk=kit.instrument.pk)
        .order_by("pk")
        .first(),
    )
    actions.do_revoke_certificate(other, user=kit.staff, reason="x")
    StatusStatement.objects.filter(certificate=other).update(certificate=victim)
    Certificate.objects.filter(pk=victim.pk).update(status="revoked")
    assert _check(client, victim)[0] == ["status_untrusted"]


def test_superseded_by_column_must_match_the_statement(kit, client_for):
    client = client_for(None)
    first = _issue(kit, performed_on=kit.day - dt.timedelta(days=5))
    _issue(kit)
    third_party = _issue(
        kit,
        instrument=kit.instrument.__class__.objects.filter(instrument_type=kit.itype, province_id="92")
        .exclude(pk=kit.instrument.pk)
        .order_by("pk")
        .first(),
    )
    Certificate.objects.filter(pk=first.pk).update(superseded_by=third_party)
    assert _check(client, first)[0] == ["status_untrusted"]


def test_statement_signed_by_a_key_outside_the_history(kit, client_for):
    """A statement signed by a key the root never endorsed (the attacker's own, inserted in the table)."""
    from doluong.verification import signing

    client = client_for(None)
    cert = _issue(kit)
    key_id, public_key, sealed = signing.new_keypair()
    rogue = SigningKey.objects.create(
        provider=kit.provider,
        key_id=key_id,
        public_key=public_key,
        private_key=sealed,
        activated_on=kit.day,
        activated_at=cert.key.activated_at,
        sequence=99,
        root_id=cert.key.root_id,
        endorsement="A" * 86,
    )
    at = cert.key.activated_at
    data = signing.status_payload(
        number=cert.number,
        provider_id=cert.provider_id,
        sequence=1,
        status="revoked",
        effective_at=at,
        reason="",
        superseded_by="",
        previous=signing.genesis(cert.signature),
        key_id=key_id,
    )
    StatusStatement.objects.create(
        certificate=cert,
        province_id=cert.province_id,
        sequence=1,
        status="revoked",
        effective_at=at,
        previous=data["previous"],
        key=rogue,
        signature=signing._sign_raw(signing.unseal(sealed), data),
    )
    Certificate.objects.filter(pk=cert.pk).update(status="revoked")
    assert _check(client, cert)[0] == ["key_untrusted"]


def test_voided_record_with_a_valid_status_is_not_trusted(kit, client_for):
    from django.utils import timezone

    cert = _issue(kit)
    VerificationRecord.objects.filter(pk=cert.record_id).update(voided_on=timezone.now())
    assert _check(client_for(None), cert)[0] == ["status_untrusted"]


def test_reinstate_rules(kit, user_for):
    from django.core.exceptions import PermissionDenied, ValidationError

    cert = _issue(kit, performed_on=kit.day - dt.timedelta(days=5))
    with pytest.raises(ValidationError):
        actions.do_reinstate_certificate(cert, user=kit.staff, reason="x")  # not revoked
    actions.do_revoke_certificate(cert, user=kit.staff, reason="x")
    with pytest.raises(ValidationError):
        actions.do_reinstate_certificate(cert, user=kit.staff, reason="  ")
    for outsider in ("dt.kiemdinh", "ct.doanhnghiep", "ct.kdv"):
        with pytest.raises(PermissionDenied):
            actions.do_reinstate_certificate(cert, user=user_for(outsider), reason="x")
    newer = _issue(kit)  # a newer certificate since the revocation: no second valid certificate
    with pytest.raises(ValidationError) as info:
        actions.do_reinstate_certificate(cert, user=kit.staff, reason="x")
    assert newer.number in " ".join(info.value.messages)


def test_reinstate_through_the_web(kit, client_for):
    cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="x")
    url = f"/verification/certificates/{cert.pk}/reinstate/"
    assert client_for("dt.kiemdinh").post(url, {"reason": "y"}).status_code == 404
    cert.refresh_from_db()
    assert cert.status == "revoked"
    response = client_for("ct.kiemdinh").post(url, {"reason": "Thu hồi nhầm"})
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.status == "valid"


def test_the_check_reads_two_queries_besides_the_rate_count(kit, client_for, django_assert_max_num_queries):
    cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="x")
    client = client_for(None)
    client.get("/api/public/certificates/", {"n": "warm-up"})
    public._CERTIFICATES.forget()
    public._STATEMENTS.forget()
    # the rate count's upsert, the certificate, its statements, and the notices of the apps above (inspections:
    # one query for the stop-use orders of the certificates' instruments)
    with django_assert_max_num_queries(4):
        response = client.get("/api/public/certificates/", {"n": cert.number})
    assert response.json()["results"][0]["state"] == "revoked"


def test_compiled_statement_query_returns_what_the_orm_returns(kit):
    cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="x")
    actions.do_reinstate_certificate(cert, user=kit.staff, reason="y")
    expected = list(public._statement_query(cert.pk))
    assert public._statements(cert.pk) == expected and len(expected) == 2
    assert isinstance(expected[0]["effective_at"], dt.datetime)


def test_reinstate_through_the_api(kit, client_for):
    cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="x")
    url = f"/api/verification/certificates/{cert.pk}/reinstate/"
    assert (
        client_for("dt.kiemdinh").post(url, {"reason": "y"}, content_type="application/json").status_code
        == 404
    )
    response = client_for("ct.kiemdinh").post(
        url, {"reason": "Thu hồi nhầm"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "valid"
