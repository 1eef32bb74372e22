"""The holes of the write matrix (issue #11): ID-guessing (rows of another province, another lab, another enterprise →
404 everywhere, nothing written) and the per-field rules tried by web POST and API PATCH.

The matrix itself — every surface × every persona × create, edit and delete through the web and the API, with the
answer read from the permission table, and the table's completeness — is the generic surface test base,
tests/generic/test_surfaces.py. Each attempt here runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from doluong.core.personas import PERSONAS
from doluong.core.scope import CHANGE, VIEW
from doluong.core.surface import SURFACES

pytestmark = pytest.mark.django_db


def _api_url(surface, pk=None) -> str:
    base = f"/api/{surface.namespace}/{surface.route}/"
    return base if pk is None else f"{base}{pk}/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _snapshot(model, pk):
    row = model._base_manager.filter(pk=pk).values().first()
    if row is not None:
        row.pop("last_updated", None)
    return row


class attempt:
    """One write attempt in a savepoint rolled back at the end."""

    def __init__(self, kind: str):
        self.kind = kind

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        return self

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        return self.atomic.__exit__(*exc)


def access_user():
    """The administrator, to build the POST data of a row the persona may not see (a guessed write)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


# ------------------------------------------------------------------------------------------- ID guessing


def _org_of(username):
    from doluong.parties.models import Organisation

    return Organisation.objects.get(memberships__user__username=username)


def _guessed_rows():
    """Rows of another province, another lab and another enterprise, picked from the demo."""
    from doluong.registry.models import Instrument, MeasurementStandard
    from doluong.verification.models import Certificate, CertificateSettings, VerificationRecord

    dt_lab, dt_enterprise = _org_of("dt.kiemdinh"), _org_of("dt.doanhnghiep")
    return [
        Instrument.objects.filter(province_id="82").order_by("pk").first(),
        Instrument.objects.filter(owner=dt_enterprise).order_by("pk").first(),
        dt_enterprise,
        VerificationRecord.objects.filter(provider=dt_lab).order_by("pk").first(),
        Certificate.objects.filter(provider=dt_lab).order_by("pk").first(),
        CertificateSettings.objects.filter(provider=dt_lab).first(),
        MeasurementStandard.objects.filter(holder=dt_lab).order_by("pk").first(),
    ]


@pytest.mark.parametrize("username", [p.username for p in PERSONAS if p.province == "92"])
def test_id_guessing_gives_404_and_writes_nothing(username, user_for, helpers):
    user = user_for(username)
    client = _client(user)
    admin = access_user()
    for row in _guessed_rows():
        assert row is not None
        model = type(row)
        surface = SURFACES[model]
        assert not model.objects.restrict(user, VIEW).filter(pk=row.pk).exists(), (username, row)
        before = _snapshot(model, row.pk)
        with attempt("web"):
            assert client.get(surface.object_url(row)).status_code == 404
            data = helpers.form_data(surface.form(instance=row, user=admin))
            assert client.post(surface.object_url(row, "edit"), data).status_code == 404
            assert client.post(surface.object_url(row, "delete")).status_code == 404
        with attempt("api"):
            assert client.get(_api_url(surface, row.pk)).status_code == 404
            response = client.patch(
                _api_url(surface, row.pk), {"notes": "x"}, content_type="application/json"
            )
            assert response.status_code in (404, 405)
            assert client.delete(_api_url(surface, row.pk)).status_code in (404, 405)
        assert _snapshot(model, row.pk) == before


# ------------------------------------------------------------------------------------------- the holes of #11


def _record_post(provider, instrument, verifier, standards, day):
    return {
        "kind": "periodic",
        "provider": provider.pk,
        "instrument": str(instrument.pk),
        "verifier": verifier.pk if verifier else "",
        "performed_on": day.strftime("%d/%m/%Y"),
        "standards": [s.pk for s in standards],
        "visual_check_passed": "on",
        "technical_check_passed": "on",
        "points-TOTAL_FORMS": "1",
        "points-INITIAL_FORMS": "0",
        "points-0-nominal": "10",
        "points-0-found": "10",
        "points-0-unit": "km",
        "points-0-mpe": "1",
    }


@pytest.mark.parametrize("username", ["ct.kiemdinh", "ct.kdv"])
def test_a_lab_cannot_record_for_an_instrument_it_may_not_serve(username, user_for):
    """Another province's instrument: the form says "not found" (nothing of it shown), the API and the action
    refuse, no record is written and the instrument is untouched."""
    from django.core.exceptions import PermissionDenied

    from doluong.registry.models import Instrument
    from doluong.verification import actions
    from doluong.verification.models import VerificationRecord
    from doluong.verification.permissions import servable_instruments

    user = user_for(username)
    client = _client(user)
    lab = _org_of(username)
    other = Instrument.objects.filter(province_id="82").exclude(serial="").order_by("pk").first()
    assert not servable_instruments(lab).filter(pk=other.pk).exists()
    before, records = _snapshot(Instrument, other.pk), VerificationRecord.objects.count()
    day = dt.date(2026, 1, 10)
    response = client.post(reverse("verification:record_add"), _record_post(lab, other, None, [], day))
    assert response.status_code == 200
    html = response.content.decode()
    assert other.serial not in html and str(other.owner) not in html
    response = client.post(
        "/api/verification/records/",
        {
            "kind": "periodic",
            "provider": lab.pk,
            "instrument": other.pk,
            "performed_on": "2026-01-10",
            "standards": [],
            "points": [{"nominal": "10", "found": "10", "unit": "km", "mpe": "1"}],
        },
        content_type="application/json",
    )
    assert response.status_code in (400, 403), response.content
    assert other.serial not in response.content.decode()
    with pytest.raises(PermissionDenied):
        actions.do_record_verification(
            user=user,
            kind="periodic",
            provider=lab,
            instrument=other,
            performed_on=day,
            points=[{"nominal": "10", "found": "10", "unit": "km", "mpe": "1"}],
        )
    assert VerificationRecord.objects.count() == records
    assert _snapshot(Instrument, other.pk) == before


def test_a_lab_may_not_change_an_instrument_it_served(user_for, helpers):
    from doluong.registry.models import Instrument

    user = user_for("ct.kiemdinh")
    lab = _org_of("ct.kiemdinh")
    served = Instrument.objects.filter(last_verified_by=lab).exclude(owner=lab).order_by("pk").first()
    assert served.permits(user, VIEW) and not served.permits(user, CHANGE)
    surface = SURFACES[Instrument]
    client = _client(user)
    before = _snapshot(Instrument, served.pk)
    data = helpers.form_data(
        surface.form(instance=served, user=access_user()), serial="CHIEM-1", owner=lab.pk
    )
    assert client.post(surface.object_url(served, "edit"), data).status_code == 404
    response = client.patch(
        _api_url(surface, served.pk), {"serial": "CHIEM-1", "owner": lab.pk}, content_type="application/json"
    )
    assert response.status_code == 404
    assert _snapshot(Instrument, served.pk) == before


def test_a_commune_officer_writes_no_verifier_card_and_no_other_organisation(user_for, helpers):
    from doluong.parties.models import Organisation, Verifier

    user = user_for("ct.xa")
    client = _client(user)
    assert not Verifier.can_add(user)
    lab_card = Verifier.objects.filter(organisation=_org_of("ct.kiemdinh")).first()
    data = helpers.form_data(
        SURFACES[Verifier].form(instance=lab_card, user=access_user()), card_number="X-1"
    )
    assert client.post(reverse("parties:verifier_add"), data).status_code == 403
    response = client.post("/api/parties/verifiers/", {"card_number": "X-2"}, content_type="application/json")
    assert response.status_code == 403
    assert not Verifier.objects.filter(card_number__in=["X-1", "X-2"]).exists()
    commune = user.memberships.get().organisation.commune_id
    neighbour = Organisation.objects.filter(commune_id=commune).exclude(memberships__user=user).first()
    assert neighbour is not None and neighbour.permits(user, VIEW) and not neighbour.permits(user, CHANGE)
    before = _snapshot(Organisation, neighbour.pk)
    response = client.patch(
        f"/api/parties/organisations/{neighbour.pk}/", {"name": "Đổi tên"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert _snapshot(Organisation, neighbour.pk) == before


@pytest.mark.parametrize(
    "field,value",
    [
        ("province", "82"),
        ("commune", None),
        ("kind", "household"),
        ("tax_code", "0100109106"),
        ("name", "Tên khác"),
    ],
)
def test_an_enterprise_may_not_move_or_rename_itself(user_for, helpers, field, value):
    """Web POST and API PATCH of a field outside the enterprise's contact data leave the row as it was; a
    contact field is written."""
    from doluong.parties.models import Organisation

    user = user_for("ct.doanhnghiep")
    client = _client(user)
    org = _org_of("ct.doanhnghiep")
    surface = SURFACES[Organisation]
    if value is None:
        value = org.commune.province.communes.exclude(pk=org.commune_id).first().pk
    before = _snapshot(Organisation, org.pk)
    data = helpers.form_data(surface.form(instance=org, user=user), **{field: value})
    with attempt("web"):
        assert client.post(surface.object_url(org, "edit"), data).status_code == 302
        assert _snapshot(Organisation, org.pk) == before
    with attempt("api"):
        response = client.patch(_api_url(surface, org.pk), {field: value}, content_type="application/json")
        assert response.status_code == 200
        assert _snapshot(Organisation, org.pk) == before
    with attempt("api"):
        response = client.patch(
            _api_url(surface, org.pk), {"phone": "0292 3 999 999"}, content_type="application/json"
        )
        assert response.status_code == 200
        assert Organisation.objects.get(pk=org.pk).phone == "0292 3 999 999"


@pytest.mark.parametrize("username", ["ct.doanhnghiep", "ct.xa", "ct.sokhcn"])
def test_nobody_but_the_administrator_types_an_instrument_valid_until(username, user_for, helpers):
    from doluong.registry.models import Instrument

    user = user_for(username)
    client = _client(user)
    inst = Instrument.objects.restrict(user, CHANGE).order_by("pk").first()
    surface = SURFACES[Instrument]
    before = _snapshot(Instrument, inst.pk)
    data = helpers.form_data(surface.form(instance=inst, user=user), valid_until="01/01/2099")
    with attempt("web"):
        assert client.post(surface.object_url(inst, "edit"), data).status_code == 302
        assert _snapshot(Instrument, inst.pk) == before
    with attempt("api"):
        response = client.patch(
            _api_url(surface, inst.pk),
            {"valid_until": "2099-01-01", "last_verified_on": "2026-01-01"},
            content_type="application/json",
        )
        assert response.status_code == 200
        assert _snapshot(Instrument, inst.pk) == before
    with attempt("api"):  # a new instrument with a valid-until: created without it
        payload = {
            k: v
            for k, v in client.get(_api_url(surface, inst.pk)).json().items()
            if k in surface.form._meta.fields
        }
        payload.update(serial="MOI-2099", valid_until="2099-01-01")
        response = client.post(_api_url(surface), payload, content_type="application/json")
        assert response.status_code == 201, response.content
        assert Instrument.objects.get(pk=response.json()["id"]).valid_until is None


def test_the_memberships_api_applies_the_form_rules(user_for):
    """No role for the administrator, for another province's officer; no account enumeration."""
    from django.contrib.auth import get_user_model

    from doluong.parties.models import Membership

    client = _client(user_for("ct.sokhcn"))
    dost = _org_of("ct.sokhcn")
    before = Membership.objects.count()
    for target in ("admin", "dt.sokhcn"):
        account = get_user_model().objects.get(username=target)
        response = client.post(
            "/api/parties/memberships/",
            {"user": account.pk, "organisation": dost.pk, "role": "province_officer", "is_active": True},
            content_type="application/json",
        )
        assert response.status_code == 400, (target, response.status_code)
        unknown = client.post(
            "/api/parties/memberships/",
            {"user": 10**6, "organisation": dost.pk, "role": "province_officer", "is_active": True},
            content_type="application/json",
        )
        # the refusal of a real account outside reach reads like that of an account that does not exist
        assert response.json()["user"][0].replace(str(account.pk), "N") == unknown.json()["user"][0].replace(
            str(10**6), "N"
        )
    assert Membership.objects.count() == before
    listed = {
        row["user"] for row in client.get("/api/parties/memberships/", {"limit": 1000}).json()["results"]
    }
    assert get_user_model().objects.get(username="dt.sokhcn").pk not in listed
