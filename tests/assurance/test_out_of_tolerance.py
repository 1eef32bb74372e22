"""Out-of-tolerance impact across organisations (issue #14, item 6), on the demo database.

A provider's standard S was calibrated good 100 days ago and fails today − 5 days (as-found error 0.004 mm).
Certificates issued with S: one before the last good calibration (must NOT appear), one for each of two
enterprises after it, one of a voided record (must not appear), one of another standard S2 calibrated against S
(which carries the chain on to a certificate issued with S2 since then, and not to one before). The chain must
return exactly those certificates, instruments and processes; the confirmations are recomputed by hand; each
enterprise sees and closes only its own part (web POST and API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from doluong.assurance.choices import ActionStatus, Verdict
from doluong.assurance.models import (
    Confirmation,
    ConfirmationPoint,
    ImpactItem,
    MeasurementProcess,
    OutOfToleranceCase,
    ProcessInstrument,
)
from doluong.core.dates import today
from doluong.geo.models import Commune
from doluong.registry.models import Instrument, InstrumentType, MeasurementStandard
from doluong.verification.choices import CertificateStatus, RecordKind, Result
from doluong.verification.models import (
    Certificate,
    MeasurementPoint,
    RecordStandard,
    SigningKey,
    VerificationRecord,
)

pytestmark = pytest.mark.django_db


def _org(user_for, username):
    return user_for(username).memberships.get().organisation


class World:
    def __init__(self, user_for):
        self.provider = _org(user_for, "ct.kiemdinh")
        self.food = _org(user_for, "ct.chatluong")
        self.water = _org(user_for, "ct.doanhnghiep")
        for org, email in ((self.food, "qa@food.example"), (self.water, "qa@water.example")):
            org.email = email
            org.save()
        self.key = SigningKey.objects.filter(provider=self.provider).first()
        self.itype = InstrumentType.objects.order_by("code").first()
        self.n = 0
        t = today()
        self.t = t
        self.s = self.standard("Chuẩn độ dài thử OOT", t - dt.timedelta(days=100))
        self.other = self.standard("Chuẩn khác", t - dt.timedelta(days=100))
        self.good = self.record(standard=self.s, day=t - dt.timedelta(days=100), result=Result.PASSED)
        self.failed = self.record(standard=self.s, day=t - dt.timedelta(days=5), result=Result.FAILED)
        MeasurementPoint.objects.create(
            record=self.failed,
            position=1,
            unit="mm",
            nominal=Decimal("10"),
            found=Decimal("10.004"),
            error=Decimal("0.004"),
            mpe=Decimal("0.002"),
            verdict="fail",
        )
        self.i1 = self.instrument(self.food, "OOT-I1")
        self.i2 = self.instrument(self.water, "OOT-I2")
        self.i3 = self.instrument(self.water, "OOT-I3")
        # before the last good calibration: not affected
        self.c_old = self.cert(self.i1, t - dt.timedelta(days=150), [self.s])
        self.c1 = self.cert(self.i1, t - dt.timedelta(days=50), [self.s])
        self.c2 = self.cert(self.i2, t - dt.timedelta(days=30), [self.s])
        # another standard: not affected
        self.c3 = self.cert(self.i2, t - dt.timedelta(days=20), [self.other])
        # a voided record with S: not affected
        voided = self.cert(self.i2, t - dt.timedelta(days=25), [self.s])
        VerificationRecord.objects.filter(pk=voided.record_id).update(voided_on=dt.datetime.now(dt.UTC))
        self.c_voided = voided
        # S2 calibrated against S 60 days ago carries the chain to what S2 certified since
        self.s2 = self.standard("Chuẩn công tác S2", t - dt.timedelta(days=60))
        self.c_s2 = self.cert(None, t - dt.timedelta(days=60), [self.s], standard=self.s2)
        self.c_before_s2 = self.cert(self.i3, t - dt.timedelta(days=70), [self.s2])
        self.c_i3 = self.cert(self.i3, t - dt.timedelta(days=10), [self.s2])
        # processes of the food packer served by I1, confirmed on C1
        self.x = self.process(self.food, "Đo chiều dày nắp", "0.025")
        self.y = self.process(self.food, "Đo chiều dài thùng", "0.05")
        self.cx = self.confirm(self.x, self.i1, self.c1)
        self.cy = self.confirm(self.y, self.i1, self.c1)

    def standard(self, name, calibrated_on):
        s = MeasurementStandard(
            holder=self.provider,
            name=name,
            quantity="độ dài",
            uncertainty="0,002 mm",
            level="working",
            serial=f"OOT-{name[-3:]}",
            calibrated_on=calibrated_on,
            valid_until=calibrated_on + dt.timedelta(days=365),
        )
        s.save()
        return s

    def instrument(self, owner, serial):
        commune = owner.commune or Commune.objects.filter(province_id=owner.province_id).first()
        i = Instrument(instrument_type=self.itype, owner=owner, commune=commune, serial=serial)
        i.save()
        return i

    def record(self, *, day, result=Result.PASSED, instrument=None, standard=None, used=()):
        self.n += 1
        subject = instrument or standard
        r = VerificationRecord(
            number=f"OOT-R-{self.n}",
            kind=RecordKind.CALIBRATION,
            instrument=instrument,
            standard=standard,
            provider=self.provider,
            performed_on=day,
            result=result,
            province_id=subject.province_id,
            owner=instrument.owner if instrument else standard.holder,
        )
        r.save()
        for std in used:
            RecordStandard.objects.create(record=r, standard=std)
        return r

    def cert(self, instrument, day, used, standard=None):
        r = self.record(day=day, instrument=instrument, standard=standard, used=used)
        c = Certificate(
            number=f"OOT-C-{self.n}",
            record=r,
            provider=self.provider,
            instrument=instrument,
            standard=standard,
            owner=r.owner,
            province_id=r.province_id,
            kind=r.kind,
            issued_on=day,
            verified_on=day,
            key=self.key,
            signature="test",
        )
        c.save()
        return c

    def process(self, org, name, mpe):
        p = MeasurementProcess(
            enterprise=org, name=name, characteristic=name, unit="mm", process_mpe=Decimal(mpe), owner="QA"
        )
        p.save()
        ProcessInstrument(process=p, instrument=self.i1).save()
        return p

    def confirm(self, process, instrument, cert):
        c = Confirmation(
            process=process,
            instrument=instrument,
            confirmed_on=cert.verified_on,
            rule="guard_band",
            certificate=cert,
        )
        c.save()
        ConfirmationPoint(
            confirmation=c,
            position=1,
            nominal=Decimal("10"),
            error=Decimal("0.012"),
            uncertainty=Decimal("0.010"),
        ).save()
        c.refresh_from_db()
        return c


@pytest.fixture
def world(user_for):
    return World(user_for)


def _open(client, record):
    return client.post(
        reverse("assurance:outoftolerancecase_add"), {"record": record.pk, "description": "Chuẩn lệch"}
    )


def test_chain_returns_exactly_the_affected(world, client_for, django_capture_on_commit_callbacks):
    w = world
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the e-mails leave once the case commits
        response = _open(client_for("ct.kiemdinh"), w.failed)
    assert response.status_code == 302, response.content.decode()[:3000]
    case = OutOfToleranceCase.objects.get(record=w.failed)
    assert case.standard == w.s and case.holder == w.provider
    assert case.last_good_on == w.t - dt.timedelta(days=100)
    assert case.error_found == Decimal("0.004") and case.unit == "mm"
    items = list(ImpactItem.objects.filter(case=case))
    assert {i.certificate for i in items} == {w.c1, w.c2, w.c_s2, w.c_i3}
    assert {i.instrument for i in items if i.instrument} == {w.i1, w.i2, w.i3}
    assert {i.process for i in items if i.process} == {w.x, w.y}
    assert {i.enterprise for i in items} == {w.food, w.water, w.provider}
    assert {i.depth for i in items if i.certificate == w.c_i3} == {2}
    # recomputed by hand, guard band w = U: accept when |e| <= E − U
    # X (E = 0.025): before 0.012 <= 0.015 conforming; after 0.012 + 0.004 = 0.016 > 0.015 nonconforming
    # Y (E = 0.05):  after 0.016 <= 0.040 conforming
    x = next(i for i in items if i.process == w.x)
    y = next(i for i in items if i.process == w.y)
    assert Decimal("0.012") <= Decimal("0.025") - Decimal("0.010") < Decimal("0.016")
    assert (x.verdict_before, x.verdict_after, x.changes) == (
        Verdict.CONFORMING,
        Verdict.NONCONFORMING,
        True,
    )
    assert (y.verdict_before, y.verdict_after, y.changes) == (Verdict.CONFORMING, Verdict.CONFORMING, False)
    assert x.confirmation == w.cx and y.confirmation == w.cy
    # each affected enterprise is e-mailed once
    # (to the reminder address of registry.ReminderContact when the enterprise has one, else its own e-mail)
    from doluong.registry.models import ReminderContact

    def address(org):
        contact = ReminderContact.objects.filter(owner=org, opted_out=False).first()
        return (contact.address if contact else "") or org.email

    to = [m.to[0] for m in mail.outbox]
    assert to.count(address(w.food)) == 1 and to.count(address(w.water)) == 1
    assert "qa@food.example" in to or address(w.food) != "qa@food.example"
    assert all(i.notified_on == today() for i in items if i.enterprise in (w.food, w.water))
    page = client_for("ct.kiemdinh").get(case.get_absolute_url()).content.decode()
    assert w.c1.number in page and w.c_old.number not in page


def test_each_enterprise_sees_and_closes_only_its_part(world, client_for):
    w = world
    assert _open(client_for("ct.kiemdinh"), w.failed).status_code == 302
    case = OutOfToleranceCase.objects.get(record=w.failed)
    food_item = ImpactItem.objects.filter(case=case, enterprise=w.food).first()
    water_ids = set(ImpactItem.objects.filter(case=case, enterprise=w.water).values_list("pk", flat=True))
    water = client_for("ct.doanhnghiep")
    # the other enterprise: not seen, not closed (web and API), its list holds only its own rows
    assert water.get(food_item.get_absolute_url()).status_code == 404
    close = {"status": "closed", "closed_on": today().strftime("%d/%m/%Y"), "evidence": "Đã hiệu chuẩn lại"}
    assert water.post(reverse("assurance:impactitem_edit", args=[food_item.pk]), close).status_code == 404
    api = water.patch(
        f"/api/assurance/impacts/{food_item.pk}/",
        {"status": "closed", "closed_on": today().isoformat(), "evidence": "x"},
        content_type="application/json",
    )
    assert api.status_code == 404
    listed = {row["id"] for row in water.get("/api/assurance/impacts/?page_size=200").json()["results"]}
    assert listed & set(ImpactItem.objects.filter(case=case).values_list("pk", flat=True)) == water_ids
    assert water.get(case.get_absolute_url()).status_code == 404
    food_item.refresh_from_db()
    assert food_item.status == ActionStatus.OPEN
    # other province's officer and provider see nothing
    for other in ("dt.sokhcn", "dt.kiemdinh"):
        assert client_for(other).get(food_item.get_absolute_url()).status_code == 404
    # the province's officer reads the case and every row, writes none
    officer = client_for("ct.sokhcn")
    assert officer.get(case.get_absolute_url()).status_code == 200
    assert officer.post(reverse("assurance:impactitem_edit", args=[food_item.pk]), close).status_code == 404
    # the food packer: closing without evidence is refused in Vietnamese, nothing written; with evidence closed
    food = client_for("ct.chatluong")
    page = food.get(food_item.get_absolute_url()).content.decode()
    assert w.s.name in page  # the case's summary on the row's page
    refused = food.post(reverse("assurance:impactitem_edit", args=[food_item.pk]), {**close, "evidence": ""})
    assert refused.status_code == 200 and "bằng chứng" in refused.content.decode()
    food_item.refresh_from_db()
    assert food_item.status == ActionStatus.OPEN
    done = food.post(reverse("assurance:impactitem_edit", args=[food_item.pk]), close)
    assert done.status_code == 302
    food_item.refresh_from_db()
    assert food_item.status == ActionStatus.CLOSED and food_item.evidence == "Đã hiệu chuẩn lại"
    # derived fields cannot be written by the enterprise through the API
    food.patch(
        f"/api/assurance/impacts/{food_item.pk}/",
        {"changes": False, "note": "x"},
        content_type="application/json",
    )
    food_item.refresh_from_db()
    assert food_item.note != "x"
    case.refresh_from_db()
    assert case.status == ActionStatus.OPEN  # the water utility's rows are still open
    for item in ImpactItem.objects.filter(case=case).exclude(pk=food_item.pk):
        item.status, item.closed_on, item.evidence = ActionStatus.CLOSED, today(), "ok"
        item.save()
    case.refresh_from_db()
    assert case.status == ActionStatus.CLOSED


def test_bad_cases_refused_in_vietnamese_nothing_written(world, client_for):
    w = world
    client = client_for("ct.kiemdinh")
    before = (OutOfToleranceCase.objects.count(), ImpactItem.objects.count())
    # a record that passed
    r = _open(client, w.good)
    assert r.status_code == 200 and "không có gì vượt dung sai" in r.content.decode()
    # neither a record nor a certificate; both
    r = client.post(reverse("assurance:outoftolerancecase_add"), {"description": "x"})
    assert r.status_code == 200 and "Chọn biên bản hiệu chuẩn không đạt hoặc giấy chứng nhận bị thu hồi" in (
        r.content.decode()
    )
    # a certificate that is not revoked
    r = client.post(reverse("assurance:outoftolerancecase_add"), {"certificate": w.c1.pk})
    assert r.status_code == 200 and "chưa bị thu hồi" in r.content.decode()
    api = client.post(
        "/api/assurance/out-of-tolerance/", {"record": w.good.pk}, content_type="application/json"
    )
    assert api.status_code == 400
    # another province's provider cannot open a case on this provider's record
    other = client_for("dt.kiemdinh")
    assert _open(other, w.failed).status_code in (200, 403, 404)
    assert (OutOfToleranceCase.objects.count(), ImpactItem.objects.count()) == before


def test_revoked_certificate_lists_without_recomputing(world, client_for):
    w = world
    Certificate.objects.filter(pk=w.c_s2.pk).update(status=CertificateStatus.REVOKED)
    response = client_for("ct.kiemdinh").post(
        reverse("assurance:outoftolerancecase_add"), {"certificate": w.c_s2.pk}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = OutOfToleranceCase.objects.get(certificate=w.c_s2)
    assert case.standard == w.s2 and case.error_found is None
    items = list(ImpactItem.objects.filter(case=case))
    # S2's calibration on day −60 is revoked: no good calibration of S2 before it in the records, the registry's
    # date is that same day (not earlier) → no lower bound; both certificates issued with S2 are listed
    assert {i.certificate for i in items} == {w.c_before_s2, w.c_i3}
    assert all(i.verdict_after == "" and i.changes is None for i in items)
