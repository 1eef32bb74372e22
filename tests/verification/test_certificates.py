"""Issuing: number pattern, validity from the rule in force on the verification day (or the provider's rule),
unknown cycle refused, instrument dates in the same transaction, supersede, revoke, no certificate for a
failed verification, no re-issue after revocation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doluong.core.dates import add_months
from doluong.registry.models import Instrument, InstrumentTypeRule
from doluong.verification import actions, signing
from doluong.verification.models import Certificate, CertificateSettings, NumberCounter, ValidityRule

pytestmark = pytest.mark.django_db


def _issue(kit, **overrides):
    record = actions.do_record_verification(**kit.args(**overrides))
    return record, actions.do_issue_certificate(
        record, user=kit.staff, issued_on=record.performed_on, stamp_number="T-1"
    )


def test_number_follows_the_provider_pattern_and_counts_per_year(kit):
    conf = CertificateSettings.objects.get(provider=kit.provider)
    conf.number_pattern = "{n} - {yy} (YB)"
    conf.number_digits = 1
    conf.save()
    _record, cert = _issue(kit)
    year = kit.day.year
    last = NumberCounter.objects.get(provider=kit.provider, series="certificate", year=year).last_value
    assert cert.number == f"{last} - {year % 100:02d} (YB)"
    _record, second = _issue(kit)
    assert second.number == f"{last + 1} - {year % 100:02d} (YB)"


def test_pattern_must_hold_the_sequence_once(kit):
    conf = CertificateSettings.objects.get(provider=kit.provider)
    conf.number_pattern = "GCN-{yy}"
    with pytest.raises(ValidationError):
        conf.full_clean()
    conf.number_pattern = "{n}-{x}"
    with pytest.raises(ValidationError):
        conf.full_clean()


@pytest.mark.parametrize(
    "pattern", ["{n.__class__.__init__.__globals__}", "{n:>999999999}", "{n!r}", "{n[0]}", "{0}{n}", "{n}{"]
)
def test_a_pattern_is_plain_fields_only_at_save_and_at_issue(kit, pattern):
    conf = CertificateSettings.objects.get(provider=kit.provider)
    conf.number_pattern = pattern
    with pytest.raises(ValidationError):
        conf.full_clean()
    # stored past the form (an old row, the database edited by hand): issuing is refused, nothing is numbered
    CertificateSettings.objects.filter(pk=conf.pk).update(number_pattern=pattern)
    record = actions.do_record_verification(**kit.args())
    counters = list(NumberCounter.objects.filter(provider=kit.provider).values_list("series", "last_value"))
    with pytest.raises(ValidationError, match="thiết lập giấy chứng nhận"):
        actions.do_issue_certificate(
            record, user=kit.staff, issued_on=record.performed_on, stamp_number="T-1"
        )
    assert list(NumberCounter.objects.filter(provider=kit.provider).values_list("series", "last_value")) == (
        counters
    )


def test_validity_is_the_cycle_in_force_on_the_verification_day(kit):
    # a new rule version from the day after the verification: the old cycle (24 months) still applies to it,
    # and the new one (12 months) to a verification on or after its start
    current = kit.itype.rules.get(effective_to__isnull=True)
    assert current.cycle_months == 24
    start = kit.day + dt.timedelta(days=1)
    current.effective_to = kit.day
    current.save()
    InstrumentTypeRule.objects.create(
        instrument_type=kit.itype,
        cycle_status="known",
        cycle_months=12,
        legal_basis="Thông tư thử nghiệm",
        effective_from=start,
        periodic_verification=True,
    )
    _record, cert = _issue(kit)
    assert cert.valid_until == add_months(kit.day, 24)
    _record, later = _issue(kit, performed_on=start)
    assert later.valid_until == add_months(start, 12)


def test_unknown_cycle_is_refused_never_guessed(kit):
    kit.itype.rules.update(cycle_status="unknown", cycle_months=None)
    record = actions.do_record_verification(**kit.args())
    with pytest.raises(ValidationError) as info:
        actions.do_issue_certificate(record, user=kit.staff)
    assert "chưa được xác định" in " ".join(info.value.messages)
    assert not Certificate.objects.filter(record=record).exists()
    # the provider's own rule for the procedure then gives the validity
    ValidityRule.objects.create(
        provider=kit.provider, procedure="ĐLVN 30 : 2019", months=6, effective_from=dt.date(2020, 1, 1)
    )
    cert = actions.do_issue_certificate(record, user=kit.staff)
    assert cert.valid_until == add_months(kit.day, 6)


def test_a_provider_rule_may_not_exceed_the_legal_cycle(kit):
    ValidityRule.objects.create(
        provider=kit.provider, procedure="ĐLVN 30:2019", months=36, effective_from=dt.date(2020, 1, 1)
    )
    record = actions.do_record_verification(**kit.args())
    with pytest.raises(ValidationError):
        actions.do_issue_certificate(record, user=kit.staff)


def test_instrument_dates_move_with_the_certificate(kit):
    _record, cert = _issue(kit)
    inst = Instrument.objects.get(pk=kit.instrument.pk)
    assert inst.last_verified_on == kit.day
    assert inst.last_verified_by_id == kit.provider.pk
    assert inst.valid_until == cert.valid_until == inst.next_due


def test_instrument_dates_roll_back_with_a_failed_issue(kit, monkeypatch):
    record = actions.do_record_verification(**kit.args())
    before = Instrument.objects.values("last_verified_on", "valid_until", "next_due").get(
        pk=kit.instrument.pk
    )
    counter = NumberCounter.objects.get(provider=kit.provider, series="record", year=kit.day.year).last_value

    def boom(*args, **kwargs):
        raise RuntimeError("signing device unplugged")

    monkeypatch.setattr(
        actions, "_update_subject", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full"))
    )
    with pytest.raises(RuntimeError):
        actions.do_issue_certificate(record, user=kit.staff)
    assert (
        Instrument.objects.values("last_verified_on", "valid_until", "next_due").get(pk=kit.instrument.pk)
        == before
    )
    assert not Certificate.objects.filter(record=record).exists()
    assert (
        not NumberCounter.objects.filter(
            provider=kit.provider, series="certificate", year=kit.day.year, last_value__gt=0
        )
        .exclude(
            last_value=Certificate.objects.filter(provider=kit.provider, issued_on__year=kit.day.year).count()
        )
        .exists()
    )
    assert (
        NumberCounter.objects.get(provider=kit.provider, series="record", year=kit.day.year).last_value
        == counter
    )


def test_a_failed_verification_gets_no_certificate(kit):
    record = actions.do_record_verification(**kit.args(points=[{"nominal": "5", "found": "6", "unit": "kg"}]))
    assert record.result == "failed"
    with pytest.raises(ValidationError) as info:
        actions.do_issue_certificate(record, user=kit.staff)
    assert "biên bản" in " ".join(info.value.messages)


def test_a_new_certificate_supersedes_the_previous_one(kit):
    _r1, first = _issue(kit, performed_on=kit.day - dt.timedelta(days=2))
    _r2, second = _issue(kit)
    first.refresh_from_db()
    assert first.status == "superseded" and first.superseded_by == second
    assert second.status == "valid"


def test_revocation_and_no_reissue(kit, user_for):
    record, cert = _issue(kit)
    with pytest.raises(ValidationError):
        actions.do_revoke_certificate(cert, user=kit.staff, reason="  ")
    with pytest.raises(PermissionDenied):
        actions.do_revoke_certificate(cert, user=user_for("ct.doanhnghiep"), reason="x")
    actions.do_revoke_certificate(cert, user=kit.staff, reason="Niêm phong bị can thiệp")
    cert.refresh_from_db()
    assert cert.status == "revoked" and cert.status_reason == "Niêm phong bị can thiệp"
    inst = Instrument.objects.get(pk=kit.instrument.pk)
    assert inst.valid_until == cert.status_changed_on  # due again from the day of revocation
    with pytest.raises(ValidationError) as info:
        actions.do_issue_certificate(record, user=kit.staff)
    assert "thu hồi" in " ".join(info.value.messages)
    assert Certificate.objects.filter(record=record).count() == 1


def test_verifiers_and_owners_may_not_issue(kit, user_for):
    record = actions.do_record_verification(**kit.args())
    for username in ("ct.kdv", "ct.doanhnghiep", "dt.kiemdinh", "ct.xa"):
        with pytest.raises(PermissionDenied):
            actions.do_issue_certificate(record, user=user_for(username))


def test_signature_round_trip_and_tamper_detection(kit):
    _record, cert = _issue(kit)
    assert signing.verify_certificate(cert)
    Certificate.objects.filter(pk=cert.pk).update(valid_until=cert.valid_until + dt.timedelta(days=365))
    assert not signing.verify_certificate(Certificate.objects.get(pk=cert.pk))
    Certificate.objects.filter(pk=cert.pk).update(valid_until=cert.valid_until)
    snapshot = dict(cert.snapshot)
    snapshot["owner"] = {**snapshot["owner"], "name": "Công ty khác"}
    Certificate.objects.filter(pk=cert.pk).update(snapshot=snapshot)
    assert not signing.verify_certificate(Certificate.objects.get(pk=cert.pk))


def test_rotated_keys_still_verify_old_certificates(kit, user_for):
    _record, old = _issue(kit)
    new_key = actions.do_rotate_signing_key(kit.provider, user=user_for("admin"))  # administrators only
    _record, new = _issue(kit)
    assert new.key == new_key and old.key != new_key
    old.refresh_from_db()
    assert old.key.retired_on is not None
    assert signing.verify_certificate(old) and signing.verify_certificate(new)
