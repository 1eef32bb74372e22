"""Recording a verification: every refusal (nothing written), MPE and verdicts from the metrology library,
the overall result, the record number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doluong.verification import actions
from doluong.verification.models import MeasurementPoint, NumberCounter, VerificationRecord

pytestmark = pytest.mark.django_db


def _refused(kit, fragment, **overrides):
    before = (
        VerificationRecord.objects.count(),
        MeasurementPoint.objects.count(),
        list(NumberCounter.objects.values_list("last_value", flat=True)),
    )
    with pytest.raises(ValidationError) as info:
        actions.do_record_verification(**kit.args(**overrides))
    text = " ".join(info.value.messages)
    assert fragment in text, text
    after = (
        VerificationRecord.objects.count(),
        MeasurementPoint.objects.count(),
        list(NumberCounter.objects.values_list("last_value", flat=True)),
    )
    assert after == before
    return text


def test_a_valid_record_gets_library_mpe_and_verdicts(kit):
    record = actions.do_record_verification(**kit.args())
    points = list(record.points.order_by("position"))
    # OIML R 76 class IIII in service: twice the initial MPE; e = 0.2 kg.
    # 5 kg = 25e (0–50e: 0.5e), 30 kg = 150e (50e–200e: 1e), 60 kg = 300e (200e–1000e: 1.5e)
    expected = [Decimal("0.2"), Decimal("0.4"), Decimal("0.6")]
    assert [p.mpe for p in points] == expected
    assert [p.error for p in points] == [Decimal("0.1"), Decimal("0.2"), Decimal("-0.2")]
    assert [p.verdict for p in points] == ["pass", "pass", "pass"]
    assert record.result == "passed"
    assert (
        record.number
        == f"BB {NumberCounter.objects.get(provider=kit.provider, series='record', year=kit.day.year).last_value}/{kit.day.year}"
    )
    assert record.owner == kit.instrument.owner and record.province_id == "92"
    link = record.standard_links.get()
    assert link.standard_valid_until == kit.standard.valid_until


def test_one_point_outside_the_mpe_fails_the_record(kit):
    record = actions.do_record_verification(
        **kit.args(
            points=[
                {"nominal": "30", "found": "30.41", "unit": "kg"},
                {"nominal": "5", "found": "5", "unit": "kg"},
            ]
        )
    )
    assert [p.verdict for p in record.points.order_by("position")] == ["fail", "pass"]
    assert record.result == "failed"


def test_a_reading_exactly_on_the_limit_passes(kit):
    record = actions.do_record_verification(
        **kit.args(points=[{"nominal": "30", "found": "30.4", "unit": "kg"}])
    )
    assert record.result == "passed"


def test_a_failed_visual_check_fails_the_record(kit):
    record = actions.do_record_verification(**kit.args(visual_check_passed=False))
    assert record.result == "failed"


def test_refused_when_the_verifier_card_has_expired(kit):
    kit.verifier.valid_until = kit.day - dt.timedelta(days=1)
    kit.verifier.issued_on = kit.day - dt.timedelta(days=400)
    kit.verifier.save()
    _refused(kit, "không có hiệu lực vào ngày")


def test_refused_when_the_card_does_not_cover_the_type(kit):
    kit.verifier.instrument_types.remove(kit.itype)
    _refused(kit, "không bao gồm")


def test_refused_when_the_verifier_works_elsewhere(kit):
    from doluong.parties.models import Verifier

    other = Verifier.objects.exclude(organisation=kit.provider).first()
    _refused(kit, "không thuộc", verifier=other)


def test_refused_without_a_verifier(kit):
    _refused(kit, "kiểm định viên", verifier=None)


def test_refused_when_a_standard_is_out_of_date(kit):
    kit.standard.valid_until = kit.day - dt.timedelta(days=1)
    kit.standard.save()
    _refused(kit, "chỉ có hiệu lực đến")


def test_refused_when_a_standard_belongs_to_another_holder(kit):
    from doluong.registry.models import MeasurementStandard

    other = MeasurementStandard.objects.exclude(holder=kit.provider).first()
    _refused(kit, "không thuộc", standards=[other])


def test_refused_without_standards(kit):
    _refused(kit, "chuẩn đo lường", standards=[])


def test_refused_when_the_provider_is_not_designated_for_the_type(kit):
    for designation in kit.provider.designations.all():
        designation.instrument_types.remove(kit.itype)
    _refused(kit, "không được chỉ định")


def test_refused_when_outside_the_registered_scope(kit):
    from doluong.parties.models import RegistrationScope

    RegistrationScope.objects.filter(
        registration__organisation=kit.provider, instrument_type=kit.itype
    ).delete()
    _refused(kit, "Lĩnh vực đăng ký")


def test_refused_when_the_registration_has_lapsed(kit):
    kit.provider.registrations.update(valid_until=kit.day - dt.timedelta(days=1))
    _refused(kit, "không có giấy chứng nhận đăng ký")


def test_refused_with_a_missing_value_found(kit):
    _refused(
        kit,
        "Điểm đo 2: giá trị đo được",
        points=[{"nominal": "5", "found": "5", "unit": "kg"}, {"nominal": "30", "found": "", "unit": "kg"}],
    )


def test_refused_with_no_points(kit):
    _refused(kit, "chưa có điểm đo", points=[])


def test_refused_with_a_point_outside_the_rule(kit):
    _refused(kit, "nằm ngoài mọi khoảng", points=[{"nominal": "80", "found": "80", "unit": "kg"}])


def test_refused_in_the_future(kit):
    from doluong.core.dates import today

    _refused(kit, "tương lai", performed_on=today() + dt.timedelta(days=1))


def test_every_problem_is_reported_at_once(kit):
    text = _refused(kit, "kiểm định viên", verifier=None, standards=[], points=[])
    assert "chuẩn đo lường" in text and "điểm đo" in text


def test_other_people_may_not_record_for_the_provider(kit, user_for):
    for username in ("dt.kiemdinh", "ct.doanhnghiep", "ct.xa", "ct.songanh"):
        with pytest.raises(PermissionDenied):
            actions.do_record_verification(**kit.args(user=user_for(username)))
    assert actions.do_record_verification(**kit.args(user=user_for("ct.kdv"))).pk
    assert actions.do_record_verification(**kit.args(user=user_for("ct.sokhcn"))).pk


def test_manual_mpe_where_the_library_has_no_rule(kit):
    kit.itype.mpe_rule = ""
    kit.itype.save()
    _refused(kit, "chưa có quy định sai số cho phép")
    record = actions.do_record_verification(
        **kit.args(points=[{"nominal": "10", "found": "10.3", "unit": "kg", "mpe": "0.25"}])
    )
    point = record.points.get()
    assert point.mpe == Decimal("0.25") and point.verdict == "fail" and record.result == "failed"


def test_calibration_needs_uncertainty_and_uses_the_conformity_decision(kit):
    from doluong.parties.models import RegistrationScope

    RegistrationScope.objects.create(
        registration=kit.provider.registrations.first(), activity="calibration", instrument_type=kit.itype
    )
    _refused(
        kit,
        "độ không đảm bảo đo mở rộng",
        kind="calibration",
        points=[{"nominal": "5", "found": "5.1", "unit": "kg"}],
    )
    record = actions.do_record_verification(
        **kit.args(
            kind="calibration",
            mpe_rule="",
            points=[
                {"nominal": "5", "found": "5.01", "unit": "kg", "uncertainty": "0.02"},
                {"nominal": "10", "found": "10.02", "unit": "kg", "uncertainty": "0.02", "mpe": "0.05"},
            ],
        )
    )
    verdicts = [p.verdict for p in record.points.order_by("position")]
    assert verdicts == ["", "pass"]
    assert record.result == "reported"
