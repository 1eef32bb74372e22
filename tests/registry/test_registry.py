"""Group 2 catalogue rules drive due dates (never guessed), and standards trace up an acyclic chain."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from doluong.core.actions import save_object
from doluong.core.dates import add_months
from doluong.parties.models import Organisation
from doluong.registry.choices import CycleStatus, DueState, StandardLevel
from doluong.registry.models import (
    Instrument,
    InstrumentType,
    InstrumentTypeRule,
    MeasurementStandard,
    due_state,
)
from doluong.registry.views import standard as STANDARD

pytestmark = pytest.mark.django_db


def _new_instrument(code: str, last: dt.date | None, **extra) -> Instrument:
    owner = Organisation.objects.get(memberships__user__username="ct.doanhnghiep")
    return Instrument(
        instrument_type=InstrumentType.objects.get(code=code),
        owner=owner,
        commune_id="31135",
        serial=f"T-{code}-{last}",
        manufacturer="Kiểm thử",
        last_verified_on=last,
        **extra,
    )


def test_taximeter_rule_is_an_18_month_cycle():
    rule = InstrumentType.objects.get(code="2").rule_on(dt.date(2026, 3, 15))
    assert rule.cycle_status == CycleStatus.KNOWN
    assert rule.cycle_months == 18
    assert rule.periodic_verification
    assert "23/2013/TT-BKHCN" in rule.legal_basis


@pytest.mark.parametrize(
    ("code", "last", "expected"),
    [
        ("2", dt.date(2026, 3, 15), dt.date(2027, 9, 15)),  # taximeter, 18 months
        ("2", dt.date(2025, 8, 31), dt.date(2027, 2, 28)),  # clamped to the month's last day
        ("10", dt.date(2026, 1, 31), dt.date(2027, 1, 31)),  # vehicle scale, 12 months
        ("21.1", dt.date(2025, 2, 28), dt.date(2030, 2, 28)),  # water meter, 60 months
    ],
)
def test_valid_until_is_last_verification_plus_the_cycle(user_for, code, last, expected):
    obj = save_object(_new_instrument(code, last), user_for("admin"))
    obj.refresh_from_db()
    rule = obj.instrument_type.rule_on(last)
    assert obj.valid_until == add_months(last, rule.cycle_months) == expected
    assert obj.next_due == expected
    assert obj.province_id == "92"


@pytest.mark.parametrize("code", ["1.1", "34.1", "43.1", "UNKNOWN"])
def test_unknown_or_no_periodic_cycle_is_never_guessed(user_for, code):
    if code == "UNKNOWN":  # the catalogue has no unknown cycle any more: an administrator's new type
        itype = InstrumentType.objects.create(code="T-UNKNOWN", name="Loại thử chưa rõ chu kỳ", field="other")
        InstrumentTypeRule.objects.create(
            instrument_type=itype,
            legal_basis="x",
            effective_from=dt.date(2020, 1, 1),
            periodic_verification=True,
        )
        code = itype.code
    rule = InstrumentType.objects.get(code=code).rule_on(dt.date(2026, 3, 15))
    if code == "43.1":  # removed from the list on 15/10/2024: no rule at all, so no due date either
        assert rule is None
    else:
        assert rule.cycle_status in (CycleStatus.UNKNOWN, CycleStatus.NO_PERIODIC)
        assert rule.cycle_months is None
    obj = save_object(_new_instrument(code, dt.date(2026, 3, 15)), user_for("admin"))
    obj.refresh_from_db()
    assert obj.valid_until is None
    assert obj.next_due is None
    assert obj.due_state == DueState.UNKNOWN


def test_a_typed_valid_until_is_kept(user_for):
    obj = save_object(
        _new_instrument("2", dt.date(2026, 3, 15), valid_until=dt.date(2026, 12, 31)), user_for("admin")
    )
    obj.refresh_from_db()
    assert obj.valid_until == obj.next_due == dt.date(2026, 12, 31)


def test_rule_versions_are_chosen_by_date():
    taxi = InstrumentType.objects.get(code="2")
    old = taxi.rule_on(dt.date(2020, 1, 1))
    new = taxi.rule_on(dt.date(2025, 1, 1))
    assert old.effective_to == dt.date(2024, 10, 14)
    assert new.effective_from == dt.date(2024, 10, 15)
    assert old != new
    assert taxi.rule_on(dt.date(2019, 12, 31)) is None  # the 2013 wording is not in the catalogue


def test_an_overlapping_rule_version_is_refused():
    taxi = InstrumentType.objects.get(code="2")
    rule = InstrumentTypeRule(
        instrument_type=taxi,
        cycle_status=CycleStatus.KNOWN,
        cycle_months=12,
        legal_basis="Thông tư giả định",
        effective_from=dt.date(2025, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert "effective_from" in excinfo.value.message_dict


@pytest.mark.parametrize(("status", "months"), [(CycleStatus.KNOWN, None), (CycleStatus.UNKNOWN, 12)])
def test_cycle_status_and_months_must_agree(status, months):
    rule = InstrumentTypeRule(
        instrument_type=InstrumentType.objects.get(code="2"),
        cycle_status=status,
        cycle_months=months,
        legal_basis="x",
        effective_from=dt.date(2030, 1, 1),
    )
    with pytest.raises(ValidationError):
        rule.full_clean()


def test_due_state_thresholds():
    today = dt.date(2026, 11, 21)
    assert due_state(None, today) == DueState.UNKNOWN
    assert due_state(today - dt.timedelta(days=1), today) == DueState.OVERDUE
    assert due_state(today, today) == DueState.DUE_30
    assert due_state(today + dt.timedelta(days=31), today) == DueState.DUE_60
    assert due_state(today + dt.timedelta(days=90), today) == DueState.DUE_90
    assert due_state(today + dt.timedelta(days=91), today) == DueState.LATER


# ---------------------------------------------------------------------------- traceability


def _working_standard(province="92") -> MeasurementStandard:
    return (
        MeasurementStandard.objects.filter(
            province_id=province, level=StandardLevel.WORKING, parent__isnull=False
        )
        .order_by("pk")
        .first()
    )


def test_working_standard_chain_reaches_its_top(client_for):
    working = _working_standard()
    chain = working.chain()
    assert chain[0] == working
    top = chain[-1]
    assert top.parent is None
    assert top.external_calibrator  # the top is traced to an outside certificate (VMI)
    assert len(chain) >= 2

    html = client_for("ct.sokhcn").get(STANDARD.object_url(working)).content.decode()
    start = html.index('id="traceability"')
    panel = html[start : html.index("</ol>", start)]
    for link in chain:
        assert f'href="{link.get_absolute_url()}"' in panel
    assert escape(top.external_calibrator) in panel
    assert panel.index(working.get_absolute_url()) < panel.index(top.get_absolute_url())


def test_parent_loop_is_refused(client_for, user_for, helpers):
    working = _working_standard()
    top = working.chain()[-1]
    before = MeasurementStandard.objects.filter(pk=top.pk).values().get()

    # the model refuses it
    top.parent = working
    top.external_calibrator = top.external_certificate = ""
    with pytest.raises(ValidationError) as excinfo:
        top.full_clean()
    assert "parent" in excinfo.value.message_dict

    # and so does the edit page, leaving the row as it was
    user = user_for("ct.sokhcn")
    top.refresh_from_db()
    form = STANDARD.form(instance=top, user=user)
    data = helpers.form_data(form, parent=str(working.pk), external_calibrator="", external_certificate="")
    response = client_for("ct.sokhcn").post(STANDARD.object_url(top, "edit"), data)
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert MeasurementStandard.objects.filter(pk=top.pk).values().get() == before


def test_a_standard_cannot_be_its_own_parent():
    working = _working_standard()
    working.parent = working
    with pytest.raises(ValidationError) as excinfo:
        working.full_clean()
    assert "parent" in excinfo.value.message_dict


def test_parent_and_outside_certificate_are_exclusive():
    working = _working_standard()
    working.external_calibrator = "Viện Đo lường Việt Nam (VMI)"
    with pytest.raises(ValidationError):
        working.full_clean()


def test_standard_province_follows_its_holder(user_for):
    working = _working_standard("82")
    assert working.province_id == working.holder.province_id == "82"


def test_instrument_type_detail_shows_the_rule_in_force(client_for):
    taxi = InstrumentType.objects.get(code="2")
    response = client_for("ct.kdv").get(taxi.get_absolute_url())
    assert response.status_code == 200
    assert response.context["rule_now"].cycle_months == 18


def test_verification_before_the_first_recorded_rule_gets_no_guessed_date(user_for):
    """The catalogue's rules start on 01/01/2020 (the 07/2019 wording; the 2013 wording is not recorded): an
    earlier verification has no rule, so no date is made up."""
    obj = save_object(_new_instrument("2", dt.date(2019, 12, 31)), user_for("admin"))
    obj.refresh_from_db()
    assert obj.valid_until is None
