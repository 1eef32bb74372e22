"""The scope matrix: every persona sees and changes only what its organisation and area allow, on every way out
of the database (list page, search, XLSX/CSV export, API, detail pages, filter choices), with no leak between
Cần Thơ (92) and Đồng Tháp (82)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doluong.core.personas import BY_USERNAME, PERSONAS
from doluong.geo.views import SURFACES as GEO
from doluong.parties.models import (
    Designation,
    Membership,
    Organisation,
    Person,
    Registration,
    RegistrationScope,
    Verifier,
)
from doluong.parties.views import SURFACES as PARTIES
from doluong.registry.models import Instrument, MeasurementStandard
from doluong.registry.views import SURFACES as REGISTRY

pytestmark = pytest.mark.django_db

SURFACES = [*GEO, *PARTIES, *REGISTRY]
USERNAMES = [p.username for p in PERSONAS]
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "object-table"}
EXPORT_LIMIT = 3000  # export checks skip the big public reference tables (communes, old communes)

#: how each provincial model reaches its province
PROVINCE_PATH = {
    Organisation: "province_id",
    Registration: "organisation__province_id",
    RegistrationScope: "registration__organisation__province_id",
    Designation: "organisation__province_id",
    Person: "organisation__province_id",
    Verifier: "organisation__province_id",
    Membership: "organisation__province_id",
    Instrument: "province_id",
    MeasurementStandard: "province_id",
}
#: the text that finds one row by search
SEARCH_KEY = {
    Organisation: "name",
    Registration: "certificate_number",
    RegistrationScope: "registration__certificate_number",
    Designation: "decision_number",
    Person: "full_name",
    Verifier: "card_number",
    Membership: "user__username",
    Instrument: "serial",
    MeasurementStandard: "serial",
}
CT = [p.username for p in PERSONAS if p.province == "92"]
DT = [p.username for p in PERSONAS if p.province == "82"]
PUBLIC_SURFACES = [s for s in SURFACES if s.model not in PROVINCE_PATH]


def _surface(model):
    return next(s for s in SURFACES if s.model is model)


def _pk_name(surface) -> str:
    return surface.model._meta.pk.name


def _ids(values) -> set:
    return {str(v) for v in values}


def _shown(client, surface, helpers, **params):
    """(ids on the first list page at 500 a page, the page's total count)."""
    response = client.get(surface.list_url(), {**params, "per_page": 500}, **HTMX)
    assert response.status_code == 200
    return _ids(helpers.page_ids(response)), response.context["table"].paginator.count


# ------------------------------------------------------------------------ the matrix


@pytest.mark.parametrize("username", USERNAMES)
def test_restrict_never_crosses_province(user_for, username):
    """The oracle: what restrict() returns for a provincial persona lies in its own province."""
    persona = BY_USERNAME[username]
    user = user_for(username)
    for model, path in PROVINCE_PATH.items():
        provinces = set(model.objects.restrict(user).values_list(path, flat=True).distinct())
        if persona.province is None:
            assert provinces == {"92", "82"}, model
        else:
            assert provinces <= {persona.province}, (model, provinces)


def _other_province_rows(province: str):
    """One known row of each provincial model in `province`."""
    rows = {}
    for model, path in PROVINCE_PATH.items():
        obj = model.objects.filter(**{path: province}).order_by("pk").first()
        assert obj is not None, f"the demo has no {model.__name__} in {province}"
        rows[model] = obj
    rows[Organisation] = Organisation.objects.get(province_id=province, kind="dost")
    return rows


def _key(obj) -> str:
    value = obj
    for attr in SEARCH_KEY[type(obj)].split("__"):
        value = getattr(value, attr)
    return str(value)


@pytest.mark.parametrize("username", [*CT, *DT])
def test_no_row_of_the_other_province_leaks(client_for, helpers, username):
    own = BY_USERNAME[username].province
    other = "82" if own == "92" else "92"
    client = client_for(username)
    for model, obj in _other_province_rows(other).items():
        surface = _surface(model)
        pk = str(obj.pk)
        api_url = f"/api/{surface.namespace}/{surface.route}/"
        assert client.get(surface.object_url(obj)).status_code == 404, model
        assert client.get(surface.object_url(obj, "edit")).status_code == 404, model
        assert client.get(surface.object_url(obj, "delete")).status_code == 404, model
        assert client.post(surface.object_url(obj, "delete")).status_code == 404, model
        assert client.get(f"{api_url}{pk}/").status_code == 404, model
        assert client.patch(f"{api_url}{pk}/", {}, content_type="application/json").status_code in (403, 404)
        assert client.delete(f"{api_url}{pk}/").status_code in (403, 404), model
        assert model.objects.filter(pk=obj.pk).exists()

        shown, _count = _shown(client, surface, helpers, q=_key(obj))
        assert pk not in shown, model
        api = helpers.api_rows(client, api_url, q=_key(obj))
        assert pk not in _ids(r[_pk_name(surface)] for r in api), model
        for fmt in ("csv", "xlsx"):
            exported = client.get(surface.list_url(), {"export": fmt, "q": _key(obj)})
            assert pk not in _ids(helpers.export_ids(exported)), (model, fmt)
        exported = client.get(surface.list_url(), {"export": "csv"}).content.decode("utf-8-sig")
        if model is Organisation:
            assert obj.name not in exported


@pytest.mark.parametrize("username", ["ct.sokhcn", "ct.xa", "ct.kiemdinh", "ct.doanhnghiep"])
def test_other_province_rows_are_not_on_the_dashboard(client_for, username):
    html = client_for(username).get(reverse("home")).content.decode()
    assert "Đồng Tháp" not in html


# ------------------------------------------------------------------------ public reference data


@pytest.mark.parametrize(
    "username",
    ["admin", "ct.sokhcn", "dt.xa", "ct.doanhnghiep", "dt.songanh"],
)
def test_reference_data_is_visible_to_everyone(client_for, user_for, helpers, username):
    from doluong.geo.models import Commune, CommuneAlias, Province, ProvinceAlias
    from doluong.registry.models import InstrumentType, InstrumentTypeRule

    client = client_for(username)
    user = user_for(username)
    for model in (Province, Commune, ProvinceAlias, CommuneAlias, InstrumentType, InstrumentTypeRule):
        surface = _surface(model)
        assert model.objects.restrict(user).count() == model.objects.count(), model
        response = client.get(f"/api/{surface.namespace}/{surface.route}/", {"limit": 1})
        assert response.json()["count"] == model.objects.count(), model
    assert client.get(reverse("geo:province_detail", args=["92"])).status_code == 200


# ------------------------------------------------------------------------ filter choices


@pytest.mark.parametrize("username", ["ct.sokhcn", "dt.xa", "ct.doanhnghiep"])
def test_filter_choices_stay_in_scope(client_for, user_for, username):
    user = user_for(username)
    client = client_for(username)
    for surface in (_surface(Instrument), _surface(Organisation), _surface(Verifier)):
        form = client.get(surface.list_url()).context["filterset"].form
        for name, field in form.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None or not hasattr(queryset.model.objects, "restrict"):
                continue
            allowed = set(queryset.model.objects.restrict(user).values_list("pk", flat=True))
            offered = set(queryset.values_list("pk", flat=True))
            assert offered <= allowed, (surface.basename, name, len(offered - allowed))


# ------------------------------------------------------------------------ roles


@pytest.mark.parametrize("username", ["ct.xa", "dt.xa"])
def test_commune_officer_views_the_province_and_edits_only_its_commune(
    client_for, user_for, helpers, username
):
    user = user_for(username)
    membership = user.memberships.get()
    own_commune = membership.organisation.commune_id
    province = membership.organisation.province_id
    client = client_for(username)

    _shown_ids, total = _shown(client, _surface(Instrument), helpers)
    assert total == Instrument.objects.filter(province_id=province).count()

    elsewhere = Instrument.objects.filter(province_id=province).exclude(commune_id=own_commune).first()
    surface = _surface(Instrument)
    assert client.get(surface.object_url(elsewhere)).status_code == 200
    assert client.get(surface.object_url(elsewhere, "edit")).status_code == 404
    assert client.post(surface.object_url(elsewhere, "edit"), {"notes": "x"}).status_code == 404
    assert client.post(surface.object_url(elsewhere, "delete")).status_code == 404
    assert (
        client.patch(
            f"/api/registry/instruments/{elsewhere.pk}/", {"notes": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    elsewhere.refresh_from_db()
    assert elsewhere.notes != "x"


def test_commune_officer_edits_an_instrument_of_its_own_commune(client_for, user_for, helpers):
    user = user_for("ct.xa")
    commune = user.memberships.get().organisation.commune_id
    instrument = Instrument.objects.filter(province_id="92").first()
    Instrument.objects.filter(pk=instrument.pk).update(commune_id=commune)
    instrument.refresh_from_db()
    surface = _surface(Instrument)
    client = client_for("ct.xa")
    form = surface.form(instance=instrument, user=user)
    response = client.post(
        surface.object_url(instrument, "edit"), helpers.form_data(form, notes="Đã kiểm tra tại chợ")
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    instrument.refresh_from_db()
    assert instrument.notes == "Đã kiểm tra tại chợ"


def test_commune_officer_api_edits_only_its_commune(client_for, user_for):
    user = user_for("ct.xa")
    commune = user.memberships.get().organisation.commune_id
    own = Instrument.objects.filter(province_id="92").first()
    Instrument.objects.filter(pk=own.pk).update(commune_id=commune)
    client = client_for("ct.xa")
    response = client.patch(
        f"/api/registry/instruments/{own.pk}/", {"notes": "Kiểm tra 2026"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    own.refresh_from_db()
    assert own.notes == "Kiểm tra 2026"
    assert own.history.order_by("-history_id").first().history_user == user


@pytest.mark.parametrize("username", ["ct.doanhnghiep", "dt.doanhnghiep"])
def test_enterprise_sees_only_its_own_instruments(client_for, user_for, helpers, username):
    user = user_for(username)
    org = user.memberships.get().organisation
    client = client_for(username)
    owned = _ids(Instrument.objects.filter(owner=org).values_list("pk", flat=True))
    assert owned, "the demo gives the enterprise persona some instruments"
    surface = _surface(Instrument)
    shown, total = _shown(client, surface, helpers)
    assert shown == owned and total == len(owned)
    assert _ids(r["id"] for r in helpers.api_rows(client, "/api/registry/instruments/")) == owned
    assert _ids(helpers.export_ids(client.get(surface.list_url(), {"export": "xlsx"}))) == owned
    other = Instrument.objects.filter(province_id=org.province_id).exclude(owner=org).first()
    assert client.get(surface.object_url(other)).status_code == 404
    assert client.get(f"/api/registry/instruments/{other.pk}/").status_code == 404
    # its own organisation only, among organisations
    assert _ids(Organisation.objects.restrict(user).values_list("pk", flat=True)) == {str(org.pk)}


@pytest.mark.parametrize("username", ["ct.kiemdinh", "ct.kdv"])
def test_provider_sees_what_it_serves_or_owns(user_for, username):
    user = user_for(username)
    org = user.memberships.get().organisation
    visible = Instrument.objects.restrict(user)
    assert visible.exists()
    assert not visible.exclude(last_verified_by=org).exclude(owner=org).exists()
    assert visible.count() == Instrument.objects.filter(last_verified_by=org).count()


def test_serving_an_instrument_gives_no_right_over_it(user_for):
    """Provider staff change only their own organisation's instruments, never the ones they served (the
    permission table: issue #11); verifiers change none."""
    staff, verifier = user_for("ct.kiemdinh"), user_for("ct.kdv")
    org = staff.memberships.get().organisation
    assert Instrument.objects.filter(last_verified_by=org).exclude(owner=org).exists()
    assert not Instrument.objects.restrict(staff, "change").exclude(owner=org).exists()
    assert Instrument.can_add(staff)  # its own instruments
    assert not Instrument.objects.restrict(verifier, "change").exists()
    assert not Instrument.can_add(verifier)
    assert not Verifier.objects.restrict(verifier, "change").exists()


def test_department_reporter_sees_its_organisation_only(user_for):
    user = user_for("ct.songanh")
    org = user.memberships.get().organisation
    assert list(Organisation.objects.restrict(user)) == [org]
    assert not Instrument.objects.restrict(user).exists()
    assert not MeasurementStandard.objects.restrict(user).exists()


def test_anonymous_api_is_refused(client_for):
    client = client_for(None)
    instrument = Instrument.objects.first()
    for surface in SURFACES:
        url = f"/api/{surface.namespace}/{surface.route}/"
        assert client.get(url).status_code in (401, 403), url
        assert client.post(url, {}, content_type="application/json").status_code in (401, 403), url
    assert client.get(f"/api/registry/instruments/{instrument.pk}/").status_code in (401, 403)
    assert client.delete(f"/api/registry/instruments/{instrument.pk}/").status_code in (401, 403)
    assert Instrument.objects.filter(pk=instrument.pk).exists()


def test_api_create_outside_scope_is_refused(client_for):
    """A Cần Thơ officer cannot create an organisation in Đồng Tháp through the API."""
    before = Organisation.objects.count()
    response = client_for("ct.sokhcn").post(
        "/api/parties/organisations/",
        {"name": "Công ty Lấn Ranh", "kind": "enterprise", "province": "82"},
        content_type="application/json",
    )
    assert response.status_code in (400, 403)
    assert Organisation.objects.count() == before
