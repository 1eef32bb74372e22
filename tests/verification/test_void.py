"""A numbered record is voided with a reason, never deleted: not through the generic delete page, not through
the API, not by a superuser, not in the admin; voiding revokes its certificate by a signed statement, and
numbering stays gap-free."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from doluong.verification import actions
from doluong.verification.models import Certificate, NumberCounter, StatusStatement, VerificationRecord

pytestmark = pytest.mark.django_db


def _issue(kit, **overrides):
    record = actions.do_record_verification(**kit.args(**overrides))
    return record, actions.do_issue_certificate(record, user=kit.staff, issued_on=record.performed_on)


def _counters(kit):
    return dict(
        NumberCounter.objects.filter(provider=kit.provider)
        .values_list("series", "last_value")
        .order_by("series")
    )


def test_void_revokes_the_certificate_by_a_signed_statement(kit, client_for):
    record, cert = _issue(kit)
    numbers = _counters(kit)
    with pytest.raises(ValidationError):
        actions.do_void_record(record, user=kit.staff, reason=" ")
    actions.do_void_record(record, user=kit.staff, reason="Ghi nhầm phương tiện đo")
    record.refresh_from_db()
    cert.refresh_from_db()
    assert (
        record.is_voided and record.void_reason == "Ghi nhầm phương tiện đo" and record.voided_by == kit.staff
    )
    assert cert.status == "revoked"
    assert StatusStatement.objects.get(certificate=cert).status == "revoked"
    assert _counters(kit) == numbers  # nothing renumbered, nothing given back
    body = client_for(None).get("/api/public/certificates/", {"n": cert.number}).json()
    assert body["results"][0]["state"] == "revoked" and body["results"][0]["record_voided"] is True
    assert (
        "Đã bị tổ chức cung cấp dịch vụ hủy"
        in client_for(None).get("/verify/", {"n": cert.number}).content.decode()
    )
    with pytest.raises(ValidationError):
        actions.do_void_record(record, user=kit.staff, reason="again")
    with pytest.raises(ValidationError):
        actions.do_reinstate_certificate(cert, user=kit.staff, reason="x")  # its record is voided


def test_a_voided_record_gets_no_certificate(kit):
    record = actions.do_record_verification(**kit.args())
    actions.do_void_record(record, user=kit.staff, reason="x")
    with pytest.raises(ValidationError) as info:
        actions.do_issue_certificate(record, user=kit.staff)
    assert "đã bị hủy" in " ".join(info.value.messages)


def test_who_may_void(kit, user_for):
    record = actions.do_record_verification(**kit.args())
    for outsider in ("dt.kiemdinh", "ct.doanhnghiep", "ct.kdv", "ct.xa", "dt.sokhcn"):
        with pytest.raises(PermissionDenied):
            actions.do_void_record(record, user=user_for(outsider), reason="x")
    actions.do_void_record(record, user=user_for("ct.sokhcn"), reason="Sở hủy")
    assert VerificationRecord.objects.get(pk=record.pk).is_voided


def test_void_through_the_record_page(kit, client_for):
    record, cert = _issue(kit)
    page = client_for("ct.kiemdinh").get(f"/verification/records/{record.pk}/").content.decode()
    assert "Hủy biên bản" in page and f"/verification/records/{record.pk}/delete/" not in page
    assert (
        client_for("dt.kiemdinh")
        .post(f"/verification/records/{record.pk}/void/", {"reason": "x"})
        .status_code
        == 404
    )
    assert not VerificationRecord.objects.get(pk=record.pk).is_voided
    client = client_for("ct.kiemdinh")
    response = client.post(f"/verification/records/{record.pk}/void/", {"reason": "Sai số máy"})
    assert response.status_code == 302
    assert VerificationRecord.objects.get(pk=record.pk).is_voided
    page = client.get(f"/verification/records/{record.pk}/").content.decode()
    assert "Biên bản này đã bị hủy." in page and "Sai số máy" in page
    listing = client.get("/verification/records/", {"q": record.number}).content.decode()
    assert "Đã hủy" in listing


@pytest.mark.parametrize("username", ["ct.kiemdinh", "ct.sokhcn", "dt.kiemdinh"])
def test_no_one_deletes_a_numbered_record_or_certificate(kit, client_for, username):
    record, cert = _issue(kit)
    numbers = _counters(kit)
    client = client_for(username)
    for url in (
        f"/verification/records/{record.pk}/delete/",
        f"/verification/certificates/{cert.pk}/delete/",
    ):
        assert client.get(url).status_code in (403, 404)
        assert client.post(url).status_code in (403, 404)
    for url in (f"/api/verification/records/{record.pk}/", f"/api/verification/certificates/{cert.pk}/"):
        assert client.delete(url).status_code in (403, 404, 405)
    assert VerificationRecord.objects.filter(pk=record.pk).exists()
    assert Certificate.objects.filter(pk=cert.pk).exists()
    assert _counters(kit) == numbers


def test_not_even_a_superuser_deletes(kit, client_for):
    record, cert = _issue(kit)
    client = client_for("admin")
    # the permission table forbids the delete to everybody: the row is outside even the superuser's delete scope
    assert client.post(f"/verification/records/{record.pk}/delete/").status_code in (403, 404)
    assert client.post(f"/verification/certificates/{cert.pk}/delete/").status_code in (403, 404)
    assert client.delete(f"/api/verification/records/{record.pk}/").status_code in (403, 404, 405)
    assert client.delete(f"/api/verification/certificates/{cert.pk}/").status_code in (403, 404, 405)
    for model in ("verificationrecord", "certificate"):
        pk = record.pk if model == "verificationrecord" else cert.pk
        response = client.post(f"/admin/verification/{model}/{pk}/delete/", {"post": "yes"})
        assert response.status_code == 403
        response = client.post(
            f"/admin/verification/{model}/",
            {"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
        )
        assert response.status_code in (200, 302)  # the action is not offered
    assert VerificationRecord.objects.filter(pk=record.pk).exists()
    assert Certificate.objects.filter(pk=cert.pk).exists()


def test_model_and_queryset_deletes_are_refused(kit):
    record, cert = _issue(kit)
    actions.do_revoke_certificate(cert, user=kit.staff, reason="x")
    for obj in (record, cert, StatusStatement.objects.get(certificate=cert)):
        with pytest.raises(PermissionDenied):
            obj.delete()
    bare = actions.do_record_verification(**kit.args())  # no certificate protects it: the refusal is ours
    with pytest.raises(PermissionDenied), transaction.atomic():
        VerificationRecord.objects.filter(pk=bare.pk).delete()
    assert VerificationRecord.objects.filter(pk=bare.pk).exists()
    with pytest.raises(PermissionDenied), transaction.atomic():
        StatusStatement.objects.filter(certificate=cert).delete()
    assert VerificationRecord.objects.filter(pk=record.pk).exists()
    assert StatusStatement.objects.filter(certificate=cert).count() == 1


def test_void_through_the_api(kit, client_for):
    record, cert = _issue(kit)
    url = f"/api/verification/records/{record.pk}/void/"
    assert (
        client_for("dt.kiemdinh").post(url, {"reason": "x"}, content_type="application/json").status_code
        == 404
    )
    assert client_for("ct.doanhnghiep").post(
        url, {"reason": "x"}, content_type="application/json"
    ).status_code in (
        403,
        404,
    )
    client = client_for("ct.kiemdinh")
    assert client.post(url, {}, content_type="application/json").status_code == 400
    assert client.post(url, {"reason": "Sai"}, content_type="application/json").status_code == 200
    assert VerificationRecord.objects.get(pk=record.pk).is_voided
    assert Certificate.objects.get(pk=cert.pk).status == "revoked"
