"""Forms that guide (tracker #13, item 3 and the list/instrument parts of item 2): type-to-find lookups scoped to
what the user may view, the record form's choices valid on the day for the type, preset measurement points,
plausible ranges, no delete of a numbered record, the instrument's history and actions, and every list row
leading to its object."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from doluong.core import lookups
from doluong.core.dates import today
from doluong.parties.models import Organisation, Verifier
from doluong.registry.models import Instrument, InstrumentType, MeasurementStandard
from doluong.verification.models import Certificate, VerificationRecord

pytestmark = pytest.mark.django_db


def _picks(response) -> list[int]:
    assert response.status_code == 200, response.content[:300]
    return [int(pk) for pk in re.findall(r'data-ac-pick="(\d+)"', response.content.decode())]


# ------------------------------------------------------------------------------------------ lookups


def test_lookup_finds_folded_text_and_only_rows_the_user_may_view(client_for, user_for):
    ct_org = Organisation.objects.filter(province_id="92", name__icontains="Cần Thơ").first()
    dt_org = Organisation.objects.filter(province_id="82", name__icontains="Đồng Tháp").first()
    url = reverse("lookup", args=["parties.organisation"])
    for username, own, foreign in (("ct.sokhcn", ct_org, dt_org), ("dt.sokhcn", dt_org, ct_org)):
        user = user_for(username)
        viewable = set(Organisation.objects.restrict(user).values_list("pk", flat=True))
        # folded: no diacritics, no capitals, still found
        found = _picks(client_for(username).get(url, {"q": "can tho" if own is ct_org else "dong thap"}))
        assert own.pk in found or len(found) == lookups.LIMIT
        assert set(found) <= viewable
        assert foreign.pk not in _picks(client_for(username).get(url, {"q": foreign.name}))
        assert len(found) <= lookups.LIMIT


def test_enterprise_lookup_sees_no_foreign_organisation(client_for, user_for):
    user = user_for("ct.doanhnghiep")
    viewable = set(Organisation.objects.restrict(user).values_list("pk", flat=True))
    found = _picks(
        client_for("ct.doanhnghiep").get(reverse("lookup", args=["parties.organisation"]), {"q": "c"})
    )
    assert set(found) <= viewable
    assert set(found) != set(Organisation.objects.values_list("pk", flat=True)[: len(found) + 1])


def test_lookup_refuses_anonymous_and_unknown_names(client_for):
    assert (
        client_for(None).get(reverse("lookup", args=["parties.organisation"]), {"q": "a"}).status_code == 302
    )
    assert client_for("admin").get(reverse("lookup", args=["auth.user"]), {"q": "a"}).status_code == 404
    assert client_for("admin").get(reverse("lookup", args=["nothing"]), {"q": "a"}).status_code == 404


def test_instrument_lookup_of_the_record_form_is_the_providers_instruments(kit, client_for):
    url = reverse("lookup", args=["verification.instrument"])
    serial = kit.instrument.serial
    assert kit.instrument.pk in _picks(client_for("ct.kiemdinh").get(url, {"q": serial}))
    # a provider of another province does not find it, nor does an enterprise
    assert kit.instrument.pk not in _picks(client_for("dt.kiemdinh").get(url, {"q": serial}))
    html = client_for("ct.kiemdinh").get(url, {"q": serial}).content.decode()
    assert kit.instrument.instrument_type.name in html and kit.instrument.owner.name in html


def test_a_filter_above_the_limit_is_a_lookup_and_still_filters(client_for, monkeypatch):
    from doluong.core import filtersets

    monkeypatch.setattr(filtersets, "MAX_SELECT", 3)
    client = client_for("admin")
    response = client.get("/registry/instruments/")
    form = response.context["filterset"].form
    assert isinstance(form.fields["owner"].widget, lookups.AutocompleteWidget)
    html = response.content.decode()
    assert 'data-url="/lookup/parties.organisation/"' in html
    owner = Instrument.objects.values_list("owner", flat=True).first()
    response = client.get("/registry/instruments/", {"owner": owner})
    rows = [row.record for row in response.context["table"].paginated_rows]
    assert rows and all(r.owner_id == owner for r in rows)
    # the chosen owner is named in the box
    assert str(Organisation.objects.get(pk=owner)) in response.content.decode()


def test_a_form_choice_above_the_limit_is_a_lookup(client_for, monkeypatch):
    from doluong.core import filtersets

    monkeypatch.setattr(filtersets, "MAX_SELECT", 3)
    response = client_for("admin").get("/programs/trainings/add/")
    form = response.context["form"]
    assert isinstance(form.fields["organiser"].widget, lookups.AutocompleteWidget)


# ------------------------------------------------------------------------------------------ the record form


def _record_form(client, **params):
    response = client.get("/verification/records/add/", params)
    assert response.status_code == 200
    return response.context["form"], response


def test_verifier_cards_not_valid_that_day_or_for_the_type_are_left_out_with_a_note(kit, client_for):
    expired = Verifier.objects.create(
        person=kit.verifier.person,
        organisation=kit.provider,
        card_number="KĐV-TEST-EXPIRED",
        issuer="Tổng cục TCĐLCL",
        issued_on=kit.day - dt.timedelta(days=900),
        valid_until=kit.day - dt.timedelta(days=10),
    )
    expired.instrument_types.add(kit.itype)
    uncovered = Verifier.objects.create(
        person=kit.verifier.person,
        organisation=kit.provider,
        card_number="KĐV-TEST-OTHER-TYPE",
        issuer="Tổng cục TCĐLCL",
        issued_on=kit.day - dt.timedelta(days=10),
        valid_until=kit.day + dt.timedelta(days=900),
    )
    form, response = _record_form(
        client_for("ct.kiemdinh"),
        instrument=kit.instrument.pk,
        provider=kit.provider.pk,
        performed_on=kit.day.strftime("%d/%m/%Y"),
        kind="periodic",
    )
    offered = set(form.fields["verifier"].queryset.values_list("pk", flat=True))
    assert kit.verifier.pk in offered
    assert expired.pk not in offered and uncovered.pk not in offered
    html = response.content.decode()
    assert "không được liệt kê" in html
    notes = " ".join(form.guidance["verifier"])
    assert kit.itype.name in notes


def test_standards_without_a_valid_calibration_are_left_out_and_still_refused(kit, client_for):
    old = MeasurementStandard.objects.create(
        holder=kit.provider,
        name="Quả cân hết hạn kiểm tra",
        quantity="khối lượng",
        uncertainty="M1",
        level="working",
        calibrated_on=kit.day - dt.timedelta(days=800),
        valid_until=kit.day - dt.timedelta(days=1),
    )
    client = client_for("ct.kiemdinh")
    form, response = _record_form(
        client,
        instrument=kit.instrument.pk,
        provider=kit.provider.pk,
        performed_on=kit.day.strftime("%d/%m/%Y"),
    )
    offered = set(form.fields["standards"].queryset.values_list("pk", flat=True))
    assert kit.standard.pk in offered and old.pk not in offered
    assert form.guidance["standards"] and "không được liệt kê" in response.content.decode()
    # the standards are check boxes with their whole names, not a four-row select
    assert 'type="checkbox" name="standards"' in response.content.decode()
    # posting it anyway: the action's message, nothing recorded
    before = VerificationRecord.objects.count()
    data = _post_data(kit, standards=[old.pk])
    html = client.post("/verification/records/add/", data).content.decode()
    assert VerificationRecord.objects.count() == before
    assert "Quả cân hết hạn kiểm tra" in html and "Chưa ghi nhận gì" in html


def _post_data(kit, **overrides):
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
        "points-TOTAL_FORMS": "4",
        "points-INITIAL_FORMS": "0",
        "points-0-nominal": "5",
        "points-0-found": "5,1",
        "points-0-unit": "kg",
        # a preset row left without values is not a measurement: ignored
        "points-1-label": "Max",
        "points-1-unit": "kg",
    }
    data.update(overrides)
    return data


def test_the_record_form_saves_with_a_preset_row_left_empty(kit, client_for):
    response = client_for("ct.kiemdinh").post("/verification/records/add/", _post_data(kit))
    record = VerificationRecord.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    assert record.points.count() == 1


def test_preset_points_come_from_the_types_mpe_rule(kit, client_for):
    client = client_for("ct.kiemdinh")
    form, response = _record_form(
        client, instrument=kit.instrument.pk, provider=kit.provider.pk, mpe_params="e=0.2; Max=60"
    )
    points = response.context["points"]
    labels = [f.initial.get("label") for f in points.forms if f.initial]
    assert labels == ["Min (20e)", "½ Max", "Max"]
    assert [f.initial.get("nominal") for f in points.forms if f.initial] == ["4", "30", "60"]
    assert len(points.forms) == 4  # one empty row under the presets
    water = InstrumentType.objects.filter(mpe_rule="water_meter").first()
    meter = Instrument.objects.filter(instrument_type=water, province_id="92").first()
    if meter is not None and lookups.get_lookup("verification.instrument") is not None:
        from doluong.verification.forms import recordable_instruments

        if recordable_instruments(kit.staff).filter(pk=meter.pk).exists():
            _form, response = _record_form(client, instrument=meter.pk, mpe_params="Q3=2.5; R=80")
            rows = [f.initial for f in response.context["points"].forms if f.initial]
            assert [r["label"] for r in rows] == ["Q1", "Q2", "Q3"]
            assert rows[0]["conditions"].startswith("flow_rate=0,03125")


def test_more_rows_without_javascript_keeps_the_values_and_saves_nothing(kit, client_for):
    before = VerificationRecord.objects.count()
    data = _post_data(kit, more_rows="1")
    response = client_for("ct.kiemdinh").post("/verification/records/add/", data)
    assert response.status_code == 200 and VerificationRecord.objects.count() == before
    points = response.context["points"]
    assert len(points.forms) == 2 + 3  # the two rows typed, three empty ones
    assert points.forms[0].initial["found"] == "5,1"
    html = response.content.decode()
    assert 'value="5,1"' in html and "Chưa ghi nhận gì" not in html
    # the add-row template for JavaScript is on the page
    assert 'id="points-empty-row"' in html and "__prefix__" in html


def test_the_instrument_box_shows_the_instrument_before_saving(kit, client_for):
    _form, response = _record_form(client_for("ct.kiemdinh"), instrument=kit.instrument.pk)
    html = response.content.decode()
    chosen = html.split("data-ac-chosen", 1)[1].split("</div></div>", 1)[0]
    assert kit.instrument.instrument_type.name in chosen and kit.instrument.owner.name in chosen
    assert str(kit.instrument.get_due_state_display()) in chosen
    # a serial typed without JavaScript is still accepted (instrument_text)
    data = _post_data(kit, instrument="", instrument_text=kit.instrument.serial)
    client_for("ct.kiemdinh").post("/verification/records/add/", data)
    assert VerificationRecord.objects.latest("pk").instrument_id == kit.instrument.pk


# ------------------------------------------------------------------------------------------ plausible values


def test_an_implausible_temperature_is_refused_in_the_form_and_the_action(kit, client_for):
    from django.core.exceptions import ValidationError

    from doluong.verification import actions

    before = VerificationRecord.objects.count()
    response = client_for("ct.kiemdinh").post(
        "/verification/records/add/", _post_data(kit, temperature="-500")
    )
    errors = response.context["form"].errors["temperature"]
    assert errors == ["Nhiệt độ môi trường phải trong khoảng từ -10 đến 60 °C."]
    with pytest.raises(ValidationError) as caught:
        actions.do_record_verification(**kit.args(temperature="-500"))
    assert "Nhiệt độ môi trường" in " ".join(caught.value.messages)
    with pytest.raises(ValidationError) as caught:
        actions.do_record_verification(
            **kit.args(
                points=[{"nominal": "5", "found": "5", "unit": "kg", "conditions": {"temperature": 900}}]
            )
        )
    assert "Điểm đo 1" in " ".join(caught.value.messages)
    assert VerificationRecord.objects.count() == before


@pytest.mark.parametrize("year", ["0", "-2020", "1899", str(today().year + 2)])
def test_an_implausible_year_of_manufacture_gets_one_clear_message(client_for, year):
    instrument = Instrument.objects.filter(province_id="92").first()
    client = client_for("ct.sokhcn")
    form = client.get(f"/registry/instruments/{instrument.pk}/edit/").context["form"]
    from tests.conftest import form_data

    response = client.post(f"/registry/instruments/{instrument.pk}/edit/", form_data(form, year=year))
    assert response.status_code == 200
    errors = response.context["form"].errors["year"]
    assert errors == [f"Năm sản xuất phải trong khoảng từ 1900 đến {today().year + 1}."]
    instrument.refresh_from_db()
    assert instrument.year != int(year)


def test_a_plausible_year_is_kept(client_for):
    instrument = Instrument.objects.filter(province_id="92").first()
    client = client_for("ct.sokhcn")
    form = client.get(f"/registry/instruments/{instrument.pk}/edit/").context["form"]
    from tests.conftest import form_data

    response = client.post(
        f"/registry/instruments/{instrument.pk}/edit/", form_data(form, year=str(today().year + 1))
    )
    assert response.status_code == 302, response.context["form"].errors
    instrument.refresh_from_db()
    assert instrument.year == today().year + 1


def test_validation_doc_lists_every_range():
    from pathlib import Path

    from doluong.core import plausible

    text = (Path(__file__).resolve().parents[2] / "docs" / "validation.md").read_text(encoding="utf-8")
    for rng in [
        plausible.AMBIENT_TEMPERATURE,
        plausible.RELATIVE_HUMIDITY,
        *plausible.CONDITION_RANGES.values(),
    ]:
        assert str(rng.label) in text, rng.label
    assert "1900" in text and "2000" in text


# ------------------------------------------------------------------------------------------ records and pages


def test_no_delete_on_a_record_with_a_certificate(client_for):
    cert = Certificate.objects.filter(provider__short_name="TTKT TĐC Cần Thơ").first()
    record = cert.record
    for username in ("ct.kiemdinh", "admin"):
        client = client_for(username)
        html = client.get(record.get_absolute_url()).content.decode()
        assert f"/verification/records/{record.pk}/delete/" not in html
        assert client.get(f"/verification/records/{record.pk}/delete/").status_code == 404
        assert client.post(f"/verification/records/{record.pk}/delete/").status_code == 404
    assert VerificationRecord.objects.filter(pk=record.pk).exists()


def test_instrument_page_shows_its_history_and_the_record_action(client_for, user_for):
    cert = Certificate.objects.filter(
        provider__short_name="TTKT TĐC Cần Thơ", instrument__isnull=False
    ).first()
    instrument = cert.instrument
    response = client_for("ct.kiemdinh").get(instrument.get_absolute_url())
    html = response.content.decode()
    assert cert.number in html and cert.record.number in html
    assert 'id="due-state"' in html and str(instrument.get_due_state_display()) in html
    add = reverse("verification:record_add")
    assert f"{add}?instrument={instrument.pk}" in html
    # the action opens the form with the instrument chosen
    link = re.search(rf'href="({re.escape(add)}\?[^"]+)"', html).group(1).replace("&amp;", "&")
    form = client_for("ct.kiemdinh").get(link).context["form"]
    assert form.chosen_instrument() == instrument
    # the owner sees the history but may not record
    owner_html = client_for("ct.doanhnghiep").get(instrument.get_absolute_url())
    if owner_html.status_code == 200:
        assert f"{add}?instrument=" not in owner_html.content.decode()
    # only records the user may view: another province's provider sees none of them
    user = user_for("ct.kiemdinh")
    panel_records = response.context["panels"][0]["records"]
    assert all(r.permits(user) for r in panel_records)


def test_instrument_history_is_scoped(client_for, user_for):
    from doluong.verification.views import _instrument_history

    cert = Certificate.objects.filter(
        provider__short_name="TTKT TĐC Cần Thơ", instrument__isnull=False
    ).first()

    class Request:
        def __init__(self, user):
            self.user = user

    seen = _instrument_history(cert.instrument, Request(user_for("dt.kiemdinh")))
    assert seen["records"] == [] and seen["certificates"] == [] and seen["actions"] == []


def test_every_plan_opens_from_the_plans_list(client_for):
    from doluong.programs.models import Plan

    client = client_for("admin")
    html = client.get("/programs/plans/", {"per_page": 500}).content.decode()
    unnumbered = Plan.objects.filter(number="")
    for plan in Plan.objects.all():
        assert f'href="{plan.get_absolute_url()}"' in html, plan
    if unnumbered.exists():
        assert client.get(unnumbered.first().get_absolute_url()).status_code == 200


def test_every_list_row_leads_to_its_object(client_for):
    """Over every surface with a list: each row on the first page links to the row's own page."""
    from doluong.core.surface import SURFACES

    client = client_for("admin")
    checked = 0
    for surface in SURFACES.values():
        response = client.get(surface.list_url(), {"per_page": 10})
        assert response.status_code == 200, surface.basename
        html = response.content.decode()
        for row in list(response.context["table"].paginated_rows)[:10]:
            url = surface.object_url(row.record)
            assert f'href="{url}"' in html, (surface.basename, row.record.pk)
            checked += 1
    assert checked > 50


def test_unit_reports_open_from_their_list(client_for):
    from doluong.programs.models import UnitReport

    report = UnitReport.objects.first()
    if report is None:
        pytest.skip("the demo has no unit report")
    html = client_for("admin").get("/programs/unit-reports/", {"per_page": 500}).content.decode()
    assert f'href="{report.get_absolute_url()}"' in html


def test_training_targets_are_grouped_by_plan_with_its_name(client_for):
    from doluong.programs.models import Target

    response = client_for("ct.sokhcn").get("/programs/trainings/add/")
    form = response.context["form"]
    groups = form.fields["targets"].widget.choices
    targets = list(form.fields["targets"].queryset)
    if not targets:
        pytest.skip("no target in scope")
    plan = targets[0].plan
    assert any(label.startswith(str(plan)) and plan.title in label for label, _choices in groups)
    html = response.content.decode()
    target = Target.objects.get(pk=targets[0].pk)
    assert target.text in html  # the whole text, not cut
