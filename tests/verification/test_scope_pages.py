"""Who sees what (checked against an independent reading of the scope rules), the API's create/issue/revoke path, the
record form, and an owner's ZIP of its certificates. The surfaces' pages and API lists for every persona are tested
by tests/generic/test_surfaces.py."""

from __future__ import annotations

import io
import zipfile

import pytest

from doluong.core.personas import PERSONAS
from doluong.verification.models import Certificate, SigningKey, VerificationRecord

pytestmark = pytest.mark.django_db
USERNAMES = [p.username for p in PERSONAS]


def _expected(user, model):
    """The rows each role should see, computed from the membership directly (not through scope_q)."""
    from doluong.parties.models import Membership

    if user.is_superuser:
        return set(model.objects.values_list("pk", flat=True))
    ids = set()
    for m in Membership.objects.filter(user=user, is_active=True).select_related("organisation"):
        org = m.organisation
        rows = model.objects.all()
        if m.role in ("province_officer", "commune_officer"):
            ids |= {
                r.pk
                for r in rows
                if r.province_id == org.province_id or r.provider.province_id == org.province_id
            }
        elif m.role in ("provider_staff", "verifier"):
            ids |= {r.pk for r in rows if r.provider_id == org.pk}
        elif m.role == "enterprise_user":
            ids |= {r.pk for r in rows if r.owner_id == org.pk}
    return ids


@pytest.mark.parametrize("username", USERNAMES)
def test_scope_matrix(user_for, username):
    user = user_for(username)
    for model in (VerificationRecord, Certificate):
        seen = set(model.objects.restrict(user).values_list("pk", flat=True))
        assert seen == _expected(user, model), (username, model.__name__)


def test_the_demo_gives_every_viewer_something_to_see(user_for):
    for username in ("ct.sokhcn", "dt.sokhcn", "ct.xa", "ct.kiemdinh", "ct.kdv", "ct.doanhnghiep"):
        assert Certificate.objects.restrict(user_for(username)).exists(), username
    assert not Certificate.objects.restrict(user_for("ct.songanh")).exists()
    ct = set(Certificate.objects.restrict(user_for("ct.sokhcn")).values_list("pk", flat=True))
    dt_ = set(Certificate.objects.restrict(user_for("dt.sokhcn")).values_list("pk", flat=True))
    assert not ct & dt_  # other provinces see nothing
    states = set(Certificate.objects.values_list("status", flat=True))
    assert {"valid", "superseded", "revoked"} <= states
    assert VerificationRecord.objects.filter(result="failed", certificate__isnull=True).exists()


def test_who_may_change(user_for):
    from doluong.verification.models import CertificateSettings

    cert = Certificate.objects.filter(provider__short_name="TTKT TĐC Cần Thơ").first()
    for username, allowed in {
        "ct.kiemdinh": True,
        "ct.sokhcn": True,
        "ct.kdv": False,
        "ct.doanhnghiep": False,
        "ct.xa": False,
        "dt.kiemdinh": False,
    }.items():
        assert (
            Certificate.objects.restrict(user_for(username), "change").filter(pk=cert.pk).exists() == allowed
        ), username
    conf = CertificateSettings.objects.get(provider=cert.provider)
    assert CertificateSettings.objects.restrict(user_for("ct.kiemdinh"), "change").filter(pk=conf.pk).exists()
    assert (
        not CertificateSettings.objects.restrict(user_for("ct.sokhcn"), "change").filter(pk=conf.pk).exists()
    )
    assert not SigningKey.objects.restrict(user_for("ct.kiemdinh"), "change").exists()


def test_downloads_for_the_owner(client_for, user_for):
    client = client_for("ct.doanhnghiep")
    mine = Certificate.objects.restrict(user_for("ct.doanhnghiep"))
    cert = mine.first()
    assert client.get(f"/verification/certificates/{cert.pk}/pdf/")["Content-Type"] == "application/pdf"
    assert client.get(f"/verification/certificates/{cert.pk}/docx/").status_code == 200
    response = client.get("/verification/certificates/zip/")
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len(names) == mine.count() and all(n.endswith(".pdf") for n in names)
    other = Certificate.objects.exclude(owner=cert.owner).first()
    assert client.get(f"/verification/certificates/{other.pk}/pdf/").status_code == 404
    list_html = client.get("/verification/certificates/").content.decode()
    assert "Tải tất cả (ZIP)" in list_html


def test_api_create_issue_revoke(kit, client_for):
    client = client_for("ct.kiemdinh")
    payload = {
        "kind": "periodic",
        "provider": kit.provider.pk,
        "instrument": kit.instrument.pk,
        "verifier": kit.verifier.pk,
        "performed_on": kit.day.strftime("%d/%m/%Y"),
        "standards": [kit.standard.pk],
        "accuracy_class": "IIII",
        "mpe_params": {"e": "0.2", "Max": "60"},
        "procedure": "ĐLVN 30:2019",
        "points": [
            {"nominal": "5", "found": "5.1", "unit": "kg"},
            {"nominal": "60", "found": "60.1", "unit": "kg"},
        ],
    }
    response = client.post("/api/verification/records/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    record = response.json()
    assert record["result"] == "passed" and [p["verdict"] for p in record["points"]] == ["pass", "pass"]
    response = client.post(
        f"/api/verification/records/{record['id']}/issue/",
        {"stamp_number": "T-9"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    cert = response.json()
    assert cert["effective_status"] == "valid" and cert["public_url"].startswith("http")
    assert client.post(
        "/api/verification/certificates/", {}, content_type="application/json"
    ).status_code in (403, 405)
    response = client.post(
        f"/api/verification/certificates/{cert['id']}/revoke/",
        {"reason": "Sai số sản xuất"},
        content_type="application/json",
    )
    assert response.json()["status"] == "revoked"
    bad = dict(payload, standards=[], points=[{"nominal": "5", "found": "", "unit": "kg"}])
    response = client.post("/api/verification/records/", bad, content_type="application/json")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Điểm đo 1: giá trị đo được" in text and "chuẩn đo lường" in text
    assert (
        client_for("ct.doanhnghiep")
        .post("/api/verification/records/", payload, content_type="application/json")
        .status_code
        == 403
    )


def test_record_form_page(kit, client_for):
    client = client_for("ct.kiemdinh")
    data = {
        "kind": "periodic",
        "provider": kit.provider.pk,
        "instrument": str(kit.instrument.pk),
        "verifier": kit.verifier.pk,
        "performed_on": kit.day.strftime("%d/%m/%Y"),
        "standards": [kit.standard.pk],
        "accuracy_class": "IIII",
        "mpe_params": "e=0.2; Max=60",
        "visual_check_passed": "on",
        "technical_check_passed": "on",
        "points-TOTAL_FORMS": "6",
        "points-INITIAL_FORMS": "0",
        "points-0-nominal": "5",
        "points-0-found": "5,1",
        "points-0-unit": "kg",
        "points-1-nominal": "60",
        "points-1-found": "",
        "points-1-unit": "kg",
    }
    before = VerificationRecord.objects.count()
    html = client.post("/verification/records/add/", data).content.decode()
    assert "Chưa ghi nhận gì" in html and "Điểm đo 2: giá trị đo được" in html
    assert VerificationRecord.objects.count() == before
    data["points-1-found"] = "60,1"
    response = client.post("/verification/records/add/", data)
    record = VerificationRecord.objects.latest("pk")
    assert response["Location"] == record.get_absolute_url() and record.result == "passed"
    response = client.post(f"/verification/records/{record.pk}/issue/", {"stamp_number": "T-5"})
    cert = Certificate.objects.get(record=record)
    assert response["Location"] == cert.get_absolute_url()
    page = client.get(cert.get_absolute_url()).content.decode()
    assert "Chữ ký số hợp lệ" in page and "<svg" in page
    client.post(f"/verification/certificates/{cert.pk}/revoke/", {"reason": "Nhầm số tem"})
    cert.refresh_from_db()
    assert cert.status == "revoked"
