"""The readiness pre-fill reads the registry as it stood on the survey's date (issue 14, item 2), on a pinned
scenario of a new enterprise (survey date D = today − 200 days):

* I_late — its only certificate issued D + 10: no certificate on D (not in order), not overdue then;
* I_lapsed — certificate issued D − 100, valid until D + 50, stored status "expired" today: valid on D;
* I_revoked_late — certificate issued D − 30, revoked today (signed statement): valid on D;
* I_revoked_early — certificate issued D − 60, revoked by a statement effective D − 10: revoked on D;
* I_reverified — certificate valid until D − 35, renewed D + 20 (registry due date now D + 385): expired and
  overdue on D;
* a Group 1 item with a 12-month interval, calibrated D − 400 and D + 30: overdue on D;
* an out-of-tolerance case found D − 20 whose only impact item closed D + 10: open on D; a case found D + 5: not.

On D: 5 Group 2 instruments, 1 overdue, 2 expired or revoked, 1 without certificate, 3 not in order, 1 Group 1
item overdue, 1 open case. Today: 0 missing, 3 expired or revoked, 1 overdue (I_lapsed), no Group 1 item overdue, 1 open case (the
later one)."""

from __future__ import annotations

import datetime as dt

import pytest

from doluong.assurance import readiness
from doluong.assurance.choices import ActionStatus, ChecklistStatus, Prefill
from doluong.assurance.models import (
    Checklist,
    Equipment,
    EquipmentCalibration,
    ImpactItem,
    OutOfToleranceCase,
    Survey,
)
from doluong.core.dates import add_months, today
from doluong.geo.models import Commune
from doluong.parties.models import Organisation
from doluong.registry.models import Instrument, InstrumentType
from doluong.verification import actions as vactions
from doluong.verification.choices import CertificateStatus, RecordKind, Result
from doluong.verification.models import Certificate, SigningKey, StatusStatement, VerificationRecord

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


class Scenario:
    def __init__(self, user_for):
        self.kiemdinh = user_for("ct.kiemdinh")
        self.provider = self.kiemdinh.memberships.get().organisation
        water = user_for("ct.doanhnghiep").memberships.get().organisation
        self.org = Organisation.objects.create(
            name="Công ty thử kiểm tra theo ngày", kind=water.kind, province_id=water.province_id
        )
        self.commune = Commune.objects.filter(province_id=water.province_id).first()
        self.key = SigningKey.objects.filter(provider=self.provider).first()
        self.itype = InstrumentType.objects.order_by("code").first()
        self.n = 0
        self.t = today()
        self.d = d = self.t - 200 * DAY
        self.late = self.instrument("ASOF-LATE")
        self.cert(self.late, d + 10 * DAY, d + 375 * DAY)
        self.lapsed = self.instrument("ASOF-LAPSED")
        lapsed = self.cert(self.lapsed, d - 100 * DAY, d + 50 * DAY)
        Certificate.objects.filter(pk=lapsed.pk).update(
            status=CertificateStatus.EXPIRED, status_changed_on=d + 51 * DAY
        )
        self.revoked_late = self.instrument("ASOF-REV-LATE")
        c = self.cert(self.revoked_late, d - 30 * DAY, self.t + 300 * DAY)
        vactions.do_revoke_certificate(c, user=self.kiemdinh, reason="Thu hồi hôm nay")
        self.revoked_early = self.instrument("ASOF-REV-EARLY")
        c = self.cert(self.revoked_early, d - 60 * DAY, self.t + 300 * DAY)
        StatusStatement.objects.create(
            certificate=c,
            province_id=c.province_id,
            sequence=1,
            status=CertificateStatus.REVOKED,
            reason="Thu hồi trước ngày khảo sát",
            effective_at=dt.datetime.combine(d - 10 * DAY, dt.time(9), tzinfo=dt.UTC),
            previous="x",
            key=self.key,
            signature="test",
        )
        Certificate.objects.filter(pk=c.pk).update(
            status=CertificateStatus.REVOKED, status_changed_on=d - 10 * DAY
        )
        self.reverified = self.instrument("ASOF-REVERIFIED")
        self.cert(self.reverified, d - 400 * DAY, d - 35 * DAY)
        self.cert(self.reverified, d + 20 * DAY, d + 385 * DAY)
        # Group 1: calibrated D − 400 (due D − 400 + 12 months < D) and again D + 30
        self.g1 = Equipment(enterprise=self.org, name="Nhiệt kế thử", interval_months=12)
        self.g1.save()
        for day in (d - 400 * DAY, d + 30 * DAY):
            EquipmentCalibration(equipment=self.g1, calibrated_on=day, in_tolerance=True).save()
        # out-of-tolerance cases on the enterprise's instrument
        self.case_closed_later = self.case(d - 20 * DAY)
        ImpactItem.objects.create(
            case=self.case_closed_later,
            enterprise=self.org,
            province_id=self.org.province_id,
            case_province_id=self.org.province_id,
            case_holder=self.org,
            status=ActionStatus.CLOSED,
            closed_on=d + 10 * DAY,
            evidence="Đã hiệu chuẩn lại",
        )
        # whatever impact the case found of its own is closed D + 10 as well
        self.case_closed_later.items.update(
            status=ActionStatus.CLOSED, closed_on=d + 10 * DAY, evidence="Đã hiệu chuẩn lại"
        )
        self.case_closed_later.refresh_status()
        self.case_closed_later.refresh_from_db()
        self.case_after = self.case(d + 5 * DAY)

    def instrument(self, serial):
        i = Instrument(instrument_type=self.itype, owner=self.org, commune=self.commune, serial=serial)
        i.save()
        return i

    def record(self, instrument, day, result=Result.PASSED):
        self.n += 1
        r = VerificationRecord(
            number=f"ASOF-R-{self.n}",
            kind=RecordKind.PERIODIC,
            instrument=instrument,
            provider=self.provider,
            performed_on=day,
            result=result,
            province_id=instrument.province_id,
            owner=self.org,
        )
        r.save()
        return r

    def cert(self, instrument, day, valid_until):
        r = self.record(instrument, day)
        c = Certificate(
            number=f"ASOF-C-{self.n}",
            record=r,
            provider=self.provider,
            instrument=instrument,
            owner=self.org,
            province_id=r.province_id,
            kind=r.kind,
            issued_on=day,
            verified_on=day,
            valid_until=valid_until,
            key=self.key,
            signature="test",
        )
        c.save()
        # the registry's own dates follow the latest verification, as do_issue_certificate leaves them
        inst = Instrument.objects.get(pk=instrument.pk)
        if inst.last_verified_on is None or inst.last_verified_on < day:
            inst.last_verified_on, inst.valid_until = day, valid_until
            inst.save()
        return c

    def case(self, day):
        case = OutOfToleranceCase(record=self.record(self.late, day, Result.FAILED), error_found=1, unit="kg")
        case.save()
        return case


@pytest.fixture
def scenario(user_for):
    return Scenario(user_for)


def test_the_scenario_is_what_the_docstring_says(scenario):
    s = scenario
    assert s.case_closed_later.status == ActionStatus.CLOSED and s.case_after.status == ActionStatus.OPEN
    assert s.case_closed_later.found_on == s.d - 20 * DAY
    assert Instrument.objects.get(pk=s.reverified.pk).next_due == s.d + 385 * DAY
    assert Certificate.objects.get(instrument=s.revoked_late).status == CertificateStatus.REVOKED
    assert add_months(s.d - 400 * DAY, 12) < s.d < add_months(s.d + 30 * DAY, 12)


def test_figures_on_the_survey_date(scenario):
    f = readiness.registry_figures(scenario.org, scenario.d)
    got = {
        k: getattr(f, k)
        for k in ("group2", "overdue", "expired", "missing_certificate", "group2_not_in_order")
    }
    assert got == {
        "group2": 5,
        "overdue": 1,  # I_reverified (its certificate in force on D ran out D − 35)
        "expired": 2,  # I_reverified, I_revoked_early — not I_lapsed nor I_revoked_late
        "missing_certificate": 1,  # I_late: its certificate came after D
        "group2_not_in_order": 3,
    }
    assert (f.group1, f.group1_overdue) == (1, 1)
    assert f.case_ids == [scenario.case_closed_later.pk]


def test_figures_today_differ(scenario):
    f = readiness.registry_figures(scenario.org)
    assert (f.group2, f.overdue, f.expired, f.missing_certificate) == (5, 1, 3, 0)
    assert (f.group1, f.group1_overdue) == (1, 0)
    assert f.case_ids == [scenario.case_after.pk]


def test_survey_dated_in_the_past_prefills_from_that_date(scenario):
    checklist = Checklist.objects.get(version=1, status=ChecklistStatus.PUBLISHED)
    survey = Survey.objects.create(
        enterprise=scenario.org, checklist=checklist, surveyed_on=scenario.d, surveyor="Kiểm thử"
    )
    d1 = survey.answers.get(item__prefill=Prefill.GROUP2)
    assert f"{scenario.d:%d/%m/%Y}" in d1.prefill_note
    assert "5 phương tiện đo nhóm 2" in d1.prefill_note
    assert "1 quá hạn kiểm định" in d1.prefill_note
    assert "2 có giấy chứng nhận hết hiệu lực hoặc bị thu hồi" in d1.prefill_note
    assert "1 chưa có giấy chứng nhận trong doluong (3 chưa đạt)" in d1.prefill_note
    assert d1.value == "0"  # 3 of 5 not in order: fewer than half in order
    d2 = survey.answers.get(item__prefill=Prefill.GROUP1)
    assert d2.value == "0"  # the only Group 1 item was overdue on D
    d3 = survey.answers.get(item__prefill=Prefill.OOT)
    assert d3.value == "0" and "1 vụ việc" in d3.prefill_note
