"""The write matrix (issue #11; NetBox's generic view tests): every surface × every persona × create, edit and
delete, through the web (GET the form, POST it) and through the API (POST, PATCH, DELETE), with the expected answer
read from the permission table (`core.access`, each app's `permissions.py`):

- allowed → 2xx/302 and the row changed (created, edited, deleted — or kept because other rows protect it);
- refused → 403/404 (or 405 where the API is read-only, or a form error) and the row UNCHANGED (re-read).

Plus ID-guessing (rows of another province, another lab, another enterprise → 404 everywhere, nothing written),
the per-field rules tried by web POST and API PATCH, and the table's completeness: a model added without rows
fails here. Each attempt runs in a savepoint that is rolled back, so one persona's write never feeds the next.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from doluong.core import access
from doluong.core.models import BaseModel
from doluong.core.personas import PERSONAS
from doluong.core.scope import ADD, CHANGE, DELETE, VIEW
from doluong.core.surface import SURFACES

pytestmark = pytest.mark.django_db

USERNAMES = [p.username for p in PERSONAS]
SURFACE_LIST = sorted(SURFACES.values(), key=lambda s: s.model._meta.label)
ATTEMPTS: Counter = Counter()

#: surfaces whose rows are created by an action page, not the generic form (the record form, the batch upload);
#: their create is checked for refusal only, and the instrument scope of recording in test_record_* below
CREATE_BY_ACTION = {"verification.VerificationRecord", "verification.BatchJob"}
#: surfaces whose API has no create (files are uploaded through the web form)
NO_API_CREATE = {"programs.UnitReportAttachment", "verification.CertificateSettings"}
#: files a create form needs
UPLOADS = {
    "programs.UnitReportAttachment": lambda: {
        "file": SimpleUploadedFile(
            "bao-cao.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "application/pdf"
        )
    },
}


def _read_only_api(surface) -> bool:
    from doluong.verification.api.views import ReadOnlyApiMixin

    return surface.extra.get("api_mixin") is ReadOnlyApiMixin


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
        ATTEMPTS[self.kind] += 1
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        return self

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        return self.atomic.__exit__(*exc)


def _text_field(form, model, allowed):
    """A writable free-text field of the form to change in an edit (not unique, no choices)."""
    for name, field in form.fields.items():
        if field.disabled or (allowed is not None and name not in allowed):
            continue
        try:
            mf = model._meta.get_field(name)
        except Exception:
            continue
        if isinstance(mf, (models.CharField, models.TextField)) and not mf.choices and not mf.unique:
            if isinstance(mf, models.CharField) and mf.max_length and mf.max_length < 20:
                continue
            if any(
                name in c.fields for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)
            ):
                continue
            if isinstance(mf, models.EmailField | models.URLField):
                continue
            return name
    return None


def _form_data(helpers, surface, user, row, **overrides):
    form = surface.form(instance=row, user=user)
    return helpers.form_data(form, **overrides), form


def _fresh_value(model, name, old: str) -> str:
    mf = model._meta.get_field(name)
    length = getattr(mf, "max_length", None) or 60
    for i in range(1, 5000):
        value = f"{i:0{length}d}"[-length:] if length <= 5 else f"{old[: length - 7]}-m{i:04d}"
        if not model._base_manager.filter(**{name: value}).exists():
            return value
    raise AssertionError(f"no fresh value for {model.__name__}.{name}")


def _unique_char_fields(model, names) -> list[str]:
    groups = [tuple(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
    groups += [tuple(g) for g in model._meta.unique_together]
    groups += [(f.name,) for f in model._meta.concrete_fields if f.unique]
    out = []
    for group in groups:
        for name in group:
            mf = model._meta.get_field(name)
            if name in names and isinstance(mf, models.CharField) and not mf.choices:
                out.append(name)
                break
    return list(dict.fromkeys(out))


def _create_data(surface, user, base, helpers):
    """POST data for a new row like `base` (a row in the user's add scope): the base row is removed first in the
    attempt's savepoint so that its unique values are free; where other rows protect it, its unique text fields
    get fresh values instead."""
    from doluong.parties.models import Membership

    model = surface.model
    data, form = _form_data(helpers, surface, user, base)
    mine = Membership.objects.filter(user=user).count()
    try:
        with transaction.atomic():
            base.delete()
            if Membership.objects.filter(user=user).count() != mine:
                raise ProtectedError("the persona's own membership", set())  # keep the persona's own rows
        return data, {str(base.pk)}
    except ProtectedError:
        pass
    for name in _unique_char_fields(model, form.fields):
        data[name] = _fresh_value(model, name, str(data.get(name, "")))
    if "tax_code" in data:
        data["tax_code"] = ""
    _free_unique_numbers(model, data, form)
    return data, set()


def _free_unique_numbers(model, data, form) -> None:
    """A unique group of related rows and numbers only (a plan's reporting round of a year): another number."""
    groups = [tuple(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
    groups += [tuple(g) for g in model._meta.unique_together]
    for group in groups:
        fields = [model._meta.get_field(n) for n in group]
        if any(isinstance(f, models.CharField) for f in fields) or not all(n in data for n in group):
            continue
        numbers = [f for f in fields if isinstance(f, models.IntegerField)]
        if not numbers:
            continue
        number = numbers[0]
        lookup = {f.attname if f.is_relation else f.name: data[f.name] for f in fields if f is not number}
        for step in (1, -1, 2, -2, 3, -3, 4, -4, 5, -5):
            candidate = int(data[number.name]) + step
            if not model._base_manager.filter(**lookup, **{number.name: candidate}).exists():
                data[number.name] = str(candidate)
                break


def _api_payload(client, surface, pk, allowed, data):
    """The API's own representation of a row, limited to the fields the form posts (and writable ones)."""
    body = client.get(_api_url(surface, pk)).json()
    names = [n for n in surface.form._meta.fields if n in body and (allowed is None or n in allowed)]
    payload = {n: body[n] for n in names}
    for name in names:
        if name in data and name in _unique_char_fields(surface.model, names):
            payload[name] = data[name]
        mf = surface.model._meta.get_field(name)
        if isinstance(mf, models.FileField):
            payload.pop(name)
    if "tax_code" in payload:
        payload["tax_code"] = ""
    return payload


# ------------------------------------------------------------------------------------------- completeness


def test_every_model_and_surface_has_rows_in_the_table():
    table = access.collect()
    # every model with a row scope: the domain models and core's own (the background jobs, core.Job)
    concrete = {m._meta.label for m in apps.get_models() if issubclass(m, BaseModel) or hasattr(m, "scope_q")}
    surfaces = {s.model._meta.label for s in SURFACE_LIST}
    missing = sorted((concrete | surfaces) - set(table))
    assert not missing, f"add rows to the permission table (<app>/permissions.py) for: {missing}"
    unknown = sorted(label for label in table if label not in {m._meta.label for m in apps.get_models()})
    assert not unknown, unknown
    for entry in table.values():
        model = apps.get_model(entry.label)
        for role, grants in entry.grants.items():
            assert role in (*access.role_names(), access.ANONYMOUS), (entry.label, role)
            for action, grant in grants.items():
                assert action in (VIEW, ADD, CHANGE, DELETE), (entry.label, action)
                for name in (*(grant.fields or ()), *grant.exclude):
                    model._meta.get_field(name)
        for name in (*entry.protected, *entry.choices):
            model._meta.get_field(name)
    models_, roles, actions = access.table_size()
    print(
        f"\npermission table: {models_} models × {roles} roles × {actions} actions = {models_ * roles * actions}"
    )


def test_the_docs_table_is_the_code_table():
    from doluong.core.management.commands.permission_table import docs_path, replace_between_markers

    text = docs_path().read_text(encoding="utf-8")
    assert replace_between_markers(text, access.render_markdown()) == text, (
        "docs/permissions.md is out of date: run `doluong manage permission_table --write`"
    )


# ------------------------------------------------------------------------------------------- the matrix


def _check_create(surface, user, client, helpers):
    model = surface.model
    label = model._meta.label
    may_add = model.can_add(user)
    add_url = reverse(surface.url_name("add"))
    if label in CREATE_BY_ACTION:
        if not may_add:
            with attempt("web"):
                assert client.get(add_url).status_code == 403, (label, "GET add")
        return
    if not may_add:
        before = model._base_manager.count()
        with attempt("web"):
            assert client.get(add_url).status_code == 403, (label, "GET add")
            assert client.post(add_url, {}).status_code == 403, (label, "POST add")
        with attempt("api"):
            response = client.post(_api_url(surface), {}, content_type="application/json")
            assert response.status_code in (403, 405), (label, "API POST", response.status_code)
        assert model._base_manager.count() == before
        return
    candidates = model.objects.restrict(user, ADD).order_by("pk")
    if any(f.name == "user" for f in model._meta.concrete_fields):
        candidates = candidates.exclude(user=user)  # never copy (and remove) the persona's own membership
    base = candidates.first()
    if base is None:
        return  # nothing in the add scope to derive data from (the persona may add; no row to copy)
    base_pk = base.pk
    with attempt("web"):
        assert client.get(add_url).status_code == 200, (label, "GET add")
        data, gone = _create_data(surface, user, base, helpers)
        before = {str(pk) for pk in model._base_manager.values_list("pk", flat=True)}
        data.update(UPLOADS.get(label, dict)())
        response = client.post(add_url, data)
        assert response.status_code == 302, (label, user.username, _errors(response))
        after = {str(pk) for pk in model._base_manager.values_list("pk", flat=True)}
        assert len(after - before) == 1, (label, "web create wrote no row")
    if label in NO_API_CREATE or _read_only_api(surface):
        return
    with attempt("api"):
        base = model._base_manager.get(pk=base_pk)
        allowed = access.writable_fields(user, model)
        data, _form = _form_data(helpers, surface, user, base)
        payload = _api_payload(client, surface, base.pk, allowed, data)
        _data, gone = _create_data(surface, user, base, helpers)
        for name in _unique_char_fields(model, list(payload)):
            if not gone_free(model, name, payload[name]):
                payload[name] = _fresh_value(model, name, str(payload[name]))
        if not gone:
            _free_unique_numbers(model, payload, None)
        response = client.post(_api_url(surface), payload, content_type="application/json")
        assert response.status_code == 201, (label, user.username, response.content[:500])


def gone_free(model, name, value) -> bool:
    return not model._base_manager.filter(**{name: value}).exists()


def _errors(response):
    context = getattr(response, "context", None)
    if context and "form" in context:
        return context["form"].errors
    return response.status_code


def _check_edit(surface, user, client, helpers, row, expect: bool):
    model = surface.model
    label = model._meta.label
    url = surface.object_url(row, "edit")
    before = _snapshot(model, row.pk)
    with attempt("web"):
        if not expect:
            assert client.get(url).status_code == 404, (label, user.username, "GET edit")
            data, _form = _form_data(helpers, surface, access_user(), row)
            response = client.post(url, data)
            assert response.status_code == 404, (label, user.username, "POST edit")
            assert _snapshot(model, row.pk) == before
        else:
            assert client.get(url).status_code == 200, (label, "GET edit")
            data, form = _form_data(helpers, surface, user, row)
            name = _text_field(form, model, access.writable_fields(user, row))
            if name:
                data[name] = f"{data.get(name) or ''} (sửa)"
            response = client.post(url, data)
            assert response.status_code == 302, (label, user.username, _errors(response))
            if name:
                after = model._base_manager.get(pk=row.pk)
                assert getattr(after, name).endswith("(sửa)"), (label, name)
    with attempt("api"):
        response = client.patch(_api_url(surface, row.pk), {}, content_type="application/json")
        if _read_only_api(surface):
            assert response.status_code in (404, 405), (label, "API PATCH read-only")
        elif expect:
            assert response.status_code == 200, (label, user.username, response.content[:300])
        else:
            assert response.status_code == 404, (label, user.username, "API PATCH", response.status_code)
        if not expect:
            assert _snapshot(model, row.pk) == before


def _check_delete(surface, user, client, row, expect: bool):
    model = surface.model
    label = model._meta.label
    url = surface.object_url(row, "delete")
    with attempt("web"):
        if not expect:
            assert client.get(url).status_code == 404, (label, user.username, "GET delete")
            assert client.post(url).status_code == 404, (label, user.username, "POST delete")
            assert model._base_manager.filter(pk=row.pk).exists()
        else:
            assert client.get(url).status_code == 200, (label, "GET delete")
            response = client.post(url)
            assert response.status_code == 302, (label, user.username, response.status_code)
            if model._base_manager.filter(pk=row.pk).exists():
                assert response["Location"] == surface.object_url(row)  # kept: other rows protect it
    with attempt("api"):
        response = client.delete(_api_url(surface, row.pk))
        if _read_only_api(surface):
            assert response.status_code in (404, 405), (label, "API DELETE read-only")
        elif expect:
            assert response.status_code in (204, 400), (label, user.username, response.status_code)
        else:
            assert response.status_code == 404, (label, user.username, "API DELETE", response.status_code)
        if not expect or _read_only_api(surface):
            assert model._base_manager.filter(pk=row.pk).exists()


def access_user():
    """The administrator, to build the POST data of a row the persona may not see (a guessed write)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def _targets(model, user, action):
    """(a row the user may `action`, a row the user sees but may not `action`, a row the user does not see)."""
    allowed = model.objects.restrict(user, action)
    visible = model.objects.restrict(user, VIEW)
    ok = allowed.order_by("pk").first()
    seen_only = visible.exclude(pk__in=allowed.values("pk")).order_by("pk").first()
    hidden = model._base_manager.exclude(pk__in=visible.values("pk")).order_by("-pk").first()
    return ok, seen_only, hidden


@pytest.mark.parametrize("surface", SURFACE_LIST, ids=lambda s: s.model._meta.label)
def test_write_matrix(surface, user_for, helpers, media_tmp):
    model = surface.model
    for username in USERNAMES:
        user = user_for(username)
        client = _client(user)
        _check_create(surface, user, client, helpers)
        ok, seen_only, hidden = _targets(model, user, CHANGE)
        for row, expect in ((ok, True), (seen_only, False), (hidden, False)):
            if row is not None:
                _check_edit(surface, user, client, helpers, row, expect)
        ok, seen_only, hidden = _targets(model, user, DELETE)
        for row, expect in ((ok, True), (seen_only, False), (hidden, False)):
            if row is not None:
                _check_delete(surface, user, client, row, expect)


@pytest.fixture(scope="module", autouse=True)
def _print_attempts():
    yield
    total = sum(ATTEMPTS.values())
    print(f"\nwrite matrix: {total} write attempts (web {ATTEMPTS['web']}, API {ATTEMPTS['api']})")


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
