"""Forms the way officials fill them: dd/mm/yyyy dates in and out, impossible dates refused with the data left as
it was, duplicate serial numbers refused, unknown communes refused."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from doluong.geo.models import Commune
from doluong.registry.models import Instrument, InstrumentType
from doluong.registry.views import instrument as INSTRUMENT

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 11, 21, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

#: who may type an instrument's verification dates: only the administrator (the permission table: they follow
#: from records and certificates; a province officer's form shows them disabled)
WRITERS = ["admin"]


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


def _taximeter(province="92") -> Instrument:
    """A Cần Thơ taximeter (type "2": periodic verification every 18 months)."""
    return Instrument.objects.filter(province_id=province, instrument_type__code="2").order_by("pk").first()


def _post_edit(client, user, obj, helpers, **changes):
    form = INSTRUMENT.form(instance=obj, user=user)
    return client.post(INSTRUMENT.object_url(obj, "edit"), helpers.form_data(form, **changes))


@pytest.mark.parametrize("username", WRITERS)
def test_ddmmyyyy_date_is_stored_and_shown_day_first(helpers, client_for, user_for, today, username):
    user = user_for(username)
    obj = _taximeter()
    response = _post_edit(
        client_for(username), user, obj, helpers, last_verified_on="15/03/2026", valid_until=""
    )
    assert response.status_code == 302, response.context["form"].errors
    obj.refresh_from_db()
    assert obj.last_verified_on == dt.date(2026, 3, 15)
    assert obj.valid_until == dt.date(2027, 9, 15)  # 18 months, from the type's rule
    assert obj.next_due == dt.date(2027, 9, 15)

    html = client_for(username).get(INSTRUMENT.object_url(obj)).content.decode()
    assert "15/03/2026" in html
    assert "15/09/2027" in html
    assert "2026-03-15" not in html
    # the edit form shows the date back as it was typed
    html = client_for(username).get(INSTRUMENT.object_url(obj, "edit")).content.decode()
    assert 'value="15/03/2026"' in html


def test_ddmmyyyy_date_in_the_form_for_a_province_officer(helpers, user_for, today):
    """The form itself parses dd/mm/yyyy for whoever fills it."""
    obj = _taximeter()
    form = INSTRUMENT.form(instance=obj, user=user_for("admin"))
    bound = INSTRUMENT.form(
        data=helpers.form_data(form, last_verified_on="05/01/2026", valid_until=""),
        instance=obj,
        user=user_for("admin"),
    )
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["last_verified_on"] == dt.date(2026, 1, 5)  # 5 January, not 1 May


def test_verification_dates_are_not_written_by_a_province_officer(helpers, client_for, user_for, today):
    """Derived dates are written by records and certificates only: the officer's form ignores them, the API
    leaves them, and a direct save is refused."""
    from django.core.exceptions import PermissionDenied

    from doluong.core.actions import save_object

    obj = _taximeter()
    before = (obj.last_verified_on, obj.valid_until)
    response = _post_edit(
        client_for("ct.sokhcn"),
        user_for("ct.sokhcn"),
        obj,
        helpers,
        last_verified_on="15/03/2026",
        valid_until="",
    )
    assert response.status_code == 302
    obj.refresh_from_db()
    assert (obj.last_verified_on, obj.valid_until) == before
    response = client_for("ct.sokhcn").patch(
        f"/api/registry/instruments/{obj.pk}/", {"valid_until": "01/01/2099"}, content_type="application/json"
    )
    assert response.status_code == 200
    obj.refresh_from_db()
    assert obj.valid_until == before[1]
    obj.valid_until = dt.date(2099, 1, 1)
    with pytest.raises(PermissionDenied):
        save_object(obj, user_for("ct.sokhcn"))


def test_ddmmyyyy_date_through_the_api(client_for, today):
    obj = _taximeter()
    response = client_for("admin").patch(
        f"/api/registry/instruments/{obj.pk}/",
        {"last_verified_on": "15/03/2026", "valid_until": None},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    obj.refresh_from_db()
    assert obj.last_verified_on == dt.date(2026, 3, 15)
    assert obj.valid_until == dt.date(2027, 9, 15)


@pytest.mark.parametrize("username", WRITERS)
@pytest.mark.parametrize("bad", ["31/02/2026", "2026-02-31", "15/13/2026", "hôm qua", "01/01/2027"])
def test_impossible_or_future_date_is_refused_and_nothing_changes(
    helpers, client_for, user_for, today, username, bad
):
    user = user_for(username)
    obj = _taximeter()
    before = Instrument.objects.filter(pk=obj.pk).values().get()
    history = obj.history.count()
    response = _post_edit(client_for(username), user, obj, helpers, last_verified_on=bad, valid_until="")
    assert response.status_code == 200
    assert "last_verified_on" in response.context["form"].errors
    assert Instrument.objects.filter(pk=obj.pk).values().get() == before
    assert obj.history.count() == history


@pytest.mark.parametrize("username", WRITERS)
def test_duplicate_serial_for_same_type_and_manufacturer_is_refused(
    helpers, client_for, user_for, today, username
):
    user = user_for(username)
    existing = Instrument.objects.filter(province_id="92").exclude(serial="").first()
    form = INSTRUMENT.form(instance=existing, user=user)
    data = helpers.form_data(form, notes="bản sao")
    before = Instrument.objects.count()
    response = client_for(username).post(reverse("registry:instrument_add"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors.get("__all__") == [
        "Đã có phương tiện đo cùng loại, cùng nhà sản xuất với số sản xuất này."
    ], errors
    assert Instrument.objects.count() == before

    # same serial, other manufacturer: a different instrument, accepted
    data["manufacturer"] = existing.manufacturer + " Khác"
    response = client_for(username).post(reverse("registry:instrument_add"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Instrument.objects.count() == before + 1


def test_duplicate_serial_is_refused_by_the_api(client_for, today):
    existing = Instrument.objects.filter(province_id="92").exclude(serial="").first()
    before = Instrument.objects.count()
    response = client_for("admin").post(
        "/api/registry/instruments/",
        {
            "instrument_type": existing.instrument_type_id,
            "owner": existing.owner_id,
            "commune": existing.commune_id,
            "serial": existing.serial,
            "manufacturer": existing.manufacturer,
        },
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert Instrument.objects.count() == before


@pytest.mark.parametrize("username", ["admin", "ct.sokhcn"])
def test_unknown_commune_is_refused(helpers, client_for, user_for, today, username):
    user = user_for(username)
    obj = _taximeter()
    response = _post_edit(client_for(username), user, obj, helpers, commune="99999")
    assert response.status_code == 200
    assert "commune" in response.context["form"].errors
    obj.refresh_from_db()
    assert obj.commune_id != "99999"


def test_a_province_officer_is_offered_the_communes_of_its_province_only(user_for):
    form = INSTRUMENT.form(user=user_for("ct.sokhcn"))
    assert form.fields["commune"].queryset.count() == Commune.objects.filter(province_id="92").count()
    assert form.fields["instrument_type"].queryset.count() == InstrumentType.objects.count()
    assert not form.fields["commune"].queryset.exclude(province_id="92").exists()
    assert not form.fields["owner"].queryset.exclude(province_id="92").exists()


def test_valid_until_before_last_verification_is_refused(helpers, client_for, user_for, today):
    obj = _taximeter()
    response = _post_edit(
        client_for("admin"),
        user_for("admin"),
        obj,
        helpers,
        last_verified_on="15/03/2026",
        valid_until="14/03/2026",
    )
    assert response.status_code == 200
    assert "valid_until" in response.context["form"].errors


def test_unknown_cycle_leaves_valid_until_empty(helpers, client_for, user_for, today):
    unknown = InstrumentType.objects.get(code="34.1")  # clinical glass thermometer: no periodic cycle
    obj = Instrument.objects.filter(instrument_type=unknown).first()
    response = _post_edit(
        client_for("admin"), user_for("admin"), obj, helpers, last_verified_on="15/03/2026", valid_until=""
    )
    assert response.status_code == 302, response.context["form"].errors
    obj.refresh_from_db()
    assert obj.last_verified_on == dt.date(2026, 3, 15)
    assert obj.valid_until is None and obj.next_due is None
