"""The assurance app on the demo database: a dossier walked from reception to an approved revision, the
confirmation of the issue's example re-evaluated when the requirement changes, bad input refused (web and API,
nothing written), and other provinces, enterprises and providers refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from doluong.assurance.choices import ActionStatus, Step, Verdict
from doluong.assurance.models import (
    Confirmation,
    ConfirmationPoint,
    CorrectiveAction,
    MeasurementProcess,
    Programme,
)
from doluong.core.dates import today
from doluong.registry.models import Instrument

pytestmark = pytest.mark.django_db
QM = "ct.chatluong"


def _d(day):
    return day.strftime("%d/%m/%Y")


def _enterprise(user_for):
    return user_for(QM).memberships.get().organisation


def _programme_data(org, months=12):
    start = dt.date(today().year + 1, 1, 1)
    end = (
        dt.date(start.year + 1, 1, 1) - dt.timedelta(days=1)
        if months >= 12
        else start + dt.timedelta(days=200)
    )
    return {
        "enterprise": org.pk,
        "title": "Chương trình thử",
        "period_start": _d(start),
        "period_end": _d(end),
        "legal_basis": "QĐ 510",
    }


def test_dossier_walk_from_reception_to_approved_revision(client_for, user_for):
    client = client_for(QM)
    org = _enterprise(user_for)
    response = client.post(reverse("assurance:programme_add"), _programme_data(org))
    assert response.status_code == 302, response.content[:2000]
    p = Programme.objects.get(enterprise=org, title="Chương trình thử")
    assert p.step == Step.RECEPTION
    assert (
        reverse("assurance:programme_edit", args=[p.pk]) in client.get(p.get_absolute_url()).content.decode()
    )
    advance = reverse("assurance:programme_advance", args=[p.pk])
    for expected in (Step.DATA_COLLECTION, Step.ANALYSIS, Step.EXPECTED_EFFECT, Step.PLANNING, Step.DRAFT):
        client.post(advance)
        p.refresh_from_db()
        assert p.step == expected
    # no approval without a recorded consultation; advancing a draft is refused too
    client.post(
        reverse("assurance:programme_approve", args=[p.pk]), {"on": _d(today()), "approver": "Giám đốc"}
    )
    client.post(advance)
    p.refresh_from_db()
    assert p.step == Step.DRAFT and p.approved_on is None
    client.post(
        reverse("assurance:programme_consult", args=[p.pk]), {"on": _d(today()), "record": "Ý kiến các phòng"}
    )
    client.post(
        reverse("assurance:programme_approve", args=[p.pk]), {"on": _d(today()), "approver": "Giám đốc"}
    )
    p.refresh_from_db()
    assert p.step == Step.APPROVED and p.approved_by == "Giám đốc"
    # the approved version's page offers no "Sửa" (edit) button; a draft's does
    edit_url = reverse("assurance:programme_edit", args=[p.pk])
    assert edit_url not in client.get(p.get_absolute_url()).content.decode()
    # the approved version is immutable: form, API
    edit = client.post(
        reverse("assurance:programme_edit", args=[p.pk]), {**_programme_data(org), "title": "Đổi"}
    )
    assert edit.status_code == 200 and "phiên bản đã phê duyệt".lower() in edit.content.decode().lower()
    api = client.patch(
        f"/api/assurance/programmes/{p.pk}/", {"title": "Đổi"}, content_type="application/json"
    )
    assert api.status_code == 400
    p.refresh_from_db()
    assert p.title == "Chương trình thử"
    # the dossier prints
    pdf = client.get(reverse("assurance:programme_document", args=[p.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = client.get(reverse("assurance:programme_document", args=[p.pk, "docx"]))
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    # a revision without a reason is refused; with one it makes version 2 at the draft step
    client.post(reverse("assurance:programme_revise", args=[p.pk]), {"reason": ""})
    assert not Programme.objects.filter(previous=p).exists()
    client.post(reverse("assurance:programme_revise", args=[p.pk]), {"reason": "Thêm dây chuyền mới"})
    p.refresh_from_db()
    v2 = Programme.objects.get(previous=p)
    assert p.step == Step.SUPERSEDED and v2.version == 2 and v2.step == Step.DRAFT and v2.approved_on is None
    client.post(reverse("assurance:programme_consult", args=[v2.pk]), {"on": _d(today()), "record": "Lần 2"})
    client.post(
        reverse("assurance:programme_approve", args=[v2.pk]), {"on": _d(today()), "approver": "Giám đốc"}
    )
    v2.refresh_from_db()
    assert v2.step == Step.APPROVED and v2.revision_reason == "Thêm dây chuyền mới"


def test_period_under_twelve_months_refused_web_and_api(client_for, user_for):
    client = client_for(QM)
    org = _enterprise(user_for)
    before = Programme.objects.count()
    data = _programme_data(org, months=6)
    response = client.post(reverse("assurance:programme_add"), data)
    assert response.status_code == 200 and "ít nhất 12 tháng" in response.content.decode()
    start = dt.date(today().year + 2, 1, 1)
    api = client.post(
        "/api/assurance/programmes/",
        {
            "enterprise": org.pk,
            "title": "x",
            "legal_basis": "x",
            "period_start": start.isoformat(),
            "period_end": (start + dt.timedelta(days=300)).isoformat(),
        },
    )
    assert api.status_code == 400 and "12 tháng" in api.content.decode()
    assert Programme.objects.count() == before


def _instrument(org):
    return Instrument.objects.filter(owner=org).first()


def test_issue_example_requirement_change_reevaluates(client_for, user_for):
    client = client_for(QM)
    org = _enterprise(user_for)
    instrument = _instrument(org)
    process_data = {
        "enterprise": org.pk,
        "name": "Đo đường kính chốt",
        "characteristic": "đường kính",
        "unit": "mm",
        "process_mpe": "0.05",
    }
    assert client.post(reverse("assurance:measurementprocess_add"), process_data).status_code == 302
    process = MeasurementProcess.objects.get(enterprise=org, name="Đo đường kính chốt")
    confirmation = Confirmation.objects.create(
        process=process,
        instrument=instrument,
        confirmed_on=today(),
        rule="guard_band",
        responsible_person="Trưởng phòng",
    )
    response = client.post(
        reverse("assurance:confirmationpoint_add"),
        {
            "confirmation": confirmation.pk,
            "position": 1,
            "nominal": "10",
            "error": "0.012",
            "uncertainty": "0.010",
            "coverage_factor": "2",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    confirmation.refresh_from_db()
    # by hand: |e| + U = 0.022 ≤ 0.05 → phù hợp
    assert Decimal("0.012") + Decimal("0.010") <= Decimal("0.05")
    assert confirmation.verdict == Verdict.CONFORMING and confirmation.label == "in_use"
    assert not CorrectiveAction.objects.filter(confirmation=confirmation).exists()
    # the requirement becomes 0.02 mm: 0.022 > 0.02 → không phù hợp, and a corrective action opens
    response = client.post(
        reverse("assurance:measurementprocess_edit", args=[process.pk]),
        {**process_data, "process_mpe": "0.02", "owner": "Trưởng phòng QLCL"},
    )
    assert response.status_code == 302
    confirmation.refresh_from_db()
    assert Decimal("0.012") + Decimal("0.010") > Decimal("0.02")
    assert confirmation.verdict == Verdict.NONCONFORMING and confirmation.label == "blocked"
    action = CorrectiveAction.objects.get(confirmation=confirmation)
    assert (
        action.status == ActionStatus.OPEN
        and action.owner == "Trưởng phòng QLCL"
        and action.deadline > today()
    )
    page = client.get(confirmation.get_absolute_url()).content.decode()
    assert "Không phù hợp" in page


def test_bad_requirement_and_points_refused(client_for, user_for):
    client = client_for(QM)
    org = _enterprise(user_for)
    before = MeasurementProcess.objects.count()
    base = {"enterprise": org.pk, "name": "x", "characteristic": "x", "unit": "g"}
    r = client.post(reverse("assurance:measurementprocess_add"), base)
    assert r.status_code == 200 and "dung sai" in r.content.decode().lower()
    r = client.post(
        reverse("assurance:measurementprocess_add"), {**base, "tolerance": "0.01", "max_uncertainty": "0.02"}
    )
    assert r.status_code == 200 and "độ không đảm bảo" in r.content.decode().lower()
    api = client.post("/api/assurance/processes/", base)
    assert api.status_code == 400
    api = client.post("/api/assurance/processes/", {**base, "tolerance": "0.01", "max_uncertainty": "0.02"})
    assert api.status_code == 400
    assert MeasurementProcess.objects.count() == before
    confirmation = Confirmation.objects.filter(enterprise=org).first()
    points = ConfirmationPoint.objects.count()
    r = client.post(
        reverse("assurance:confirmationpoint_add"),
        {"confirmation": confirmation.pk, "position": 3, "nominal": "1", "coverage_factor": "2"},
    )
    assert r.status_code == 200
    api = client.post("/api/assurance/points/", {"confirmation": confirmation.pk, "nominal": "1"})
    assert api.status_code == 400
    assert ConfirmationPoint.objects.count() == points


@pytest.mark.parametrize("attacker", ["dt.sokhcn", "dt.doanhnghiep", "ct.kiemdinh", "ct.doanhnghiep"])
def test_attackers_refused(client_for, user_for, attacker):
    org = _enterprise(user_for)
    p = Programme.objects.filter(enterprise=org).first()
    c = Confirmation.objects.filter(enterprise=org).first()
    client = client_for(attacker)
    step = p.step
    assert client.get(p.get_absolute_url()).status_code == 404
    assert client.post(reverse("assurance:programme_advance", args=[p.pk])).status_code == 404
    assert client.post(reverse("assurance:programme_edit", args=[p.pk]), {"title": "x"}).status_code == 404
    assert (
        client.patch(
            f"/api/assurance/programmes/{p.pk}/", {"title": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("assurance:confirmation_sign", args=[c.pk]), {"signer": "x"}).status_code == 404
    )
    assert client.post("/api/assurance/programmes/", {"enterprise": org.pk, "title": "x"}).status_code in (
        400,
        403,
    )
    p.refresh_from_db()
    c.refresh_from_db()
    assert p.step == step and p.title != "x" and not c.signed_by


def test_province_officer_reads_but_does_not_write(client_for, user_for):
    org = _enterprise(user_for)
    p = Programme.objects.filter(enterprise=org).first()
    client = client_for("ct.sokhcn")
    assert client.get(p.get_absolute_url()).status_code == 200
    step = p.step
    assert client.post(reverse("assurance:programme_advance", args=[p.pk])).status_code == 404
    p.refresh_from_db()
    assert p.step == step
    assert client.get("/").status_code == 200


def test_demo_has_a_failing_confirmation_and_reminders(user_for):
    from django.core.management import call_command

    assert Confirmation.objects.filter(verdict=Verdict.NONCONFORMING).exists()
    assert CorrectiveAction.objects.filter(status=ActionStatus.OPEN).exists()
    assert set(Programme.objects.values_list("province_id", flat=True)) >= {"92", "82"}
    p = Programme.objects.filter(step=Step.IMPLEMENTATION).first()
    from doluong.assurance.models import send_review_reminders

    later = p.approved_on + dt.timedelta(days=400)
    assert p in send_review_reminders(later, dry_run=True)
    assert p in send_review_reminders(later)
    assert p not in send_review_reminders(later)  # once per due date
    call_command("send_programme_reminders", "--dry-run")
