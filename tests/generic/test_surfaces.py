"""One test base for every surface (core/surface.py SURFACES), in the manner of NetBox's ViewTestCases: a surface
gets its list, detail, export, import, API, create, edit and delete tests by declaring a few facts about itself in
`CASES` below; who may do what is read from the permission table (`core.access`, each app's `permissions.py`):

- every persona: the list (sorted, second page), a detail page, the add and import pages (200 or 403), the API
  list (its count is the persona's scope) and detail, the CSV export (its IDs are the persona's rows);
- anonymous: the login page for every page, 401/403 from the API;
- create, edit, delete through the web (GET the form, POST it) and the API (POST, PATCH, DELETE): allowed → 2xx/302
  and the row changed (created, the declared field edited, deleted — or kept because other rows protect it);
  refused → 403/404 (405 where the API is read-only) and the row UNCHANGED (re-read); a field the persona may not
  write is posted anyway and stays as it was;
- import: the persona who may add uploads a file of one row exported from the list (its unique values changed)
  and confirms it — one row more; the others get 403 and nothing is written.

A surface without its `Case` fails `test_every_surface_is_declared`; a model without rows in the permission table
fails `test_every_model_and_surface_has_rows_in_the_table`. Each write attempt runs in a savepoint rolled back at
the end, so one persona's write never feeds the next.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from doluong.core import access
from doluong.core.models import BaseModel
from doluong.core.personas import PERSONAS
from doluong.core.scope import ADD, CHANGE, DELETE, VIEW
from doluong.core.surface import SURFACES

pytestmark = pytest.mark.django_db

USERNAMES = [p.username for p in PERSONAS]
ATTEMPTS: Counter = Counter()


# ------------------------------------------------------------------------------------------- the declarations


def _pdf():
    return {
        "file": SimpleUploadedFile(
            "bao-cao.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "application/pdf"
        )
    }


def _png():
    import io as _io

    from PIL import Image

    buf = _io.BytesIO()
    Image.new("RGB", (4, 4), (10, 20, 30)).save(buf, "PNG")
    return {"file": SimpleUploadedFile("anh.png", buf.getvalue(), "image/png")}


def _record_add_page(user) -> bool:
    """The record form opens for whoever may record for at least one provider."""
    from doluong.verification.forms import providers_for

    return providers_for(user).exists()


@dataclass(frozen=True)
class Case:
    """What a surface's generic tests need to know beyond the permission table.

    create: "form" — the add form and the API create a copy of a row in the persona's add scope (its unique values
            freed); "action" — rows come from an action page (the record form, the batch upload): the generic
            test checks the refusals only, the action's own tests the rest.
    edit:   the free-text field an edit changes (web POST and API PATCH); None — the form is posted back unchanged.
    api:    "rw"; "no-create" (files come through the web form); "read" (a read-only API).
    uploads: files the add form needs.
    add_page: who gets the add page, where more than the table decides (None: `model.can_add`).
    no_round_trip: why a row exported from the list cannot be imported again (the import's refusals still run).
    """

    create: str = "form"
    edit: str | None = None
    api: str = "rw"
    uploads: Callable[[], dict] | None = None
    add_page: Callable | None = None
    #: why the export → import round trip of one row cannot run (None: it runs)
    no_round_trip: str | None = None
    #: narrows the rows the write tests change, delete or copy to those still writable (e.g. draft versions)
    writable: Callable | None = None


APPROVED_PROGRAMME_STEPS = ("approved", "implementation", "monitoring", "superseded")

CASES: dict[str, Case] = {
    # geo: reference data, the administrator writes it
    "geo.Province": Case(edit="name"),
    "geo.Commune": Case(edit="name"),
    "geo.ProvinceAlias": Case(edit="old_name"),
    "geo.CommuneAlias": Case(edit="old_name"),
    # parties
    "parties.Organisation": Case(edit="short_name"),
    "parties.Registration": Case(edit="issuer"),
    "parties.RegistrationScope": Case(edit="quantity"),
    "parties.Designation": Case(edit="issuer"),
    "parties.Person": Case(edit="full_name"),
    "parties.Verifier": Case(),
    "parties.Membership": Case(),
    # registry
    "registry.InstrumentType": Case(edit="name"),
    "registry.InstrumentTypeRule": Case(edit="legal_basis"),
    "registry.Instrument": Case(edit="site_address"),
    "registry.MeasurementStandard": Case(edit="name"),
    "registry.ReminderLeadTime": Case(edit="notes"),
    "registry.ReminderContact": Case(edit="notes"),
    "registry.ReminderLog": Case(),
    # programs
    "programs.Plan": Case(edit="issuer"),
    "programs.Phase": Case(edit="name"),
    "programs.Target": Case(edit="text"),
    "programs.Task": Case(edit="section"),
    "programs.ReportingDuty": Case(edit="reporter"),
    "programs.ManualFigure": Case(
        no_round_trip="not yet diagnosed: the re-imported figure is refused (see report)"
    ),
    "programs.Training": Case(edit="title"),
    "programs.Event": Case(edit="title"),
    "programs.CommunicationItem": Case(edit="title"),
    "programs.MapEngagement": Case(edit="title"),
    "programs.LabAssessment": Case(edit="title"),
    "programs.StandardSupport": Case(edit="title"),
    "programs.Survey": Case(edit="title"),
    "programs.Attendance": Case(edit="full_name"),
    "programs.ReportRound": Case(),
    "programs.UnitReport": Case(edit="summary"),
    "programs.UnitReportItem": Case(
        edit="figure_label",
        no_round_trip="the export names the task by its code, which several plans share (the import asks for the pk)",
    ),
    "programs.UnitReportAttachment": Case(api="no-create", uploads=_pdf),
    # verification
    "verification.VerificationRecord": Case(create="action", edit="place", add_page=_record_add_page),
    "verification.MeasurementPoint": Case(edit="label", api="read"),
    "verification.Certificate": Case(edit="notes"),
    "verification.BatchJob": Case(create="action", api="read"),
    "verification.ValidityRule": Case(edit="procedure"),
    "verification.CertificateSettings": Case(edit="number_pattern", api="no-create"),
    "verification.SigningKey": Case(api="read"),
    # assurance
    # an approved programme version is never deleted (a pre_delete guard): the write tests pick the others
    "assurance.Programme": Case(writable=lambda rows: rows.exclude(step__in=APPROVED_PROGRAMME_STEPS)),
    "assurance.MeasurementProcess": Case(edit="notes"),
    "assurance.ProcessInstrument": Case(),
    "assurance.Confirmation": Case(edit="procedure"),
    "assurance.ConfirmationPoint": Case(),
    "assurance.CorrectiveAction": Case(edit="owner"),
    "assurance.OutOfToleranceCase": Case(edit="description"),
    "assurance.ImpactItem": Case(create="action", edit="evidence"),
    "assurance.SupportActivity": Case(edit="title"),
    "assurance.Equipment": Case(edit="notes"),
    "assurance.EquipmentCalibration": Case(edit="notes"),
    "assurance.CalibrationPlan": Case(edit="notes"),
    "assurance.PlanLine": Case(edit="notes"),
    # a published checklist's rows, and a used published checklist, are frozen: the demo's draft version is written
    "assurance.Checklist": Case(edit="notes", writable=lambda rows: rows.filter(status="draft")),
    "assurance.ChecklistItem": Case(
        edit="note", writable=lambda rows: rows.filter(checklist__status="draft")
    ),
    "assurance.Survey": Case(edit="notes"),
    "assurance.SurveyAnswer": Case(create="action", edit="gap"),
    "assurance.SurveyEvidence": Case(api="no-create", uploads=_pdf, edit="description"),
    "assurance.AdvisoryAssignment": Case(edit="notes"),
    # coverage
    "coverage.FormulaVersion": Case(edit="notes"),
    "coverage.ProviderCapacity": Case(edit="notes"),
    "coverage.SurveyEstimate": Case(edit="method"),
    "coverage.CoverageReport": Case(edit="notes"),
    # inspections
    "inspections.LimitRule": Case(edit="description"),
    "inspections.SanctionProvision": Case(edit="remedy"),
    "inspections.Campaign": Case(edit="members"),
    "inspections.Site": Case(edit="address"),
    "inspections.Inspection": Case(edit="notes"),
    "inspections.InstrumentCheck": Case(edit="found_unregistered"),
    "inspections.PrepackageLot": Case(edit="product"),
    "inspections.Finding": Case(edit="description"),
    "inspections.Remedy": Case(edit="notes"),
    "inspections.Photo": Case(
        api="no-create",
        uploads=_png,
        edit="caption",
        no_round_trip="a photo's bytes come through the web form",
    ),
    "inspections.Signature": Case(
        api="no-create",
        uploads=lambda: {"image": _png()["file"]},
        edit="signer",
        no_round_trip="a signature's PNG comes through the phone's sync or the web form",
    ),
    "inspections.RiskWeights": Case(edit="source"),
    "inspections.TargetSite": Case(create="action"),
    "inspections.Correction": Case(),
    "inspections.Complaint": Case(create="action", edit="handling"),
}

SURFACE_LIST = sorted(SURFACES.values(), key=lambda s: s.model._meta.label)
LABELS = [s.model._meta.label for s in SURFACE_LIST]


def _surface(label):
    return next(s for s in SURFACE_LIST if s.model._meta.label == label)


def _case(label) -> Case:
    return CASES[label]


# ------------------------------------------------------------------------------------------- completeness


def test_every_surface_is_declared():
    missing = sorted(set(LABELS) - set(CASES))
    assert not missing, (
        f"declare the generic tests' facts in tests/generic/test_surfaces.py CASES for: {missing}"
    )
    assert not sorted(set(CASES) - set(LABELS)), "CASES names a surface that does not exist"
    for label, case in CASES.items():
        assert case.create in ("form", "action") and case.api in ("rw", "no-create", "read"), label
        if case.edit:
            field = apps.get_model(label)._meta.get_field(case.edit)
            assert case.edit in _surface(label).form._meta.fields, (label, case.edit)
            assert isinstance(field, models.CharField | models.TextField | models.IntegerField), (
                label,
                field,
            )


def test_every_model_and_surface_has_rows_in_the_table():
    table = access.collect()
    # every model with a row scope: the domain models and core's own (the background jobs, core.Job)
    concrete = {m._meta.label for m in apps.get_models() if issubclass(m, BaseModel) or hasattr(m, "scope_q")}
    missing = sorted((concrete | set(LABELS)) - set(table))
    assert not missing, f"add rows to the permission table (<app>/permissions.py) for: {missing}"
    unknown = sorted(label for label in table if label not in {m._meta.label for m in apps.get_models()})
    assert not unknown, unknown
    for entry in table.values():
        model = apps.get_model(entry.label)
        for role, grants in entry.grants.items():
            assert role in (*access.role_names(), access.ANONYMOUS), (entry.label, role)
            for action, grant in grants.items():
                assert action in (VIEW, ADD, CHANGE, DELETE, access.LOAD_PROTECTED), (entry.label, action)
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


# ------------------------------------------------------------------------------------------- helpers


def _api_url(surface, pk=None) -> str:
    base = f"/api/{surface.namespace}/{surface.route}/"
    return base if pk is None else f"{base}{pk}/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _users():
    from django.contrib.auth import get_user_model

    by_name = {u.username: u for u in get_user_model().objects.filter(username__in=USERNAMES)}
    return [by_name[name] for name in USERNAMES]


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def _snapshot(model, pk):
    row = model._base_manager.filter(pk=pk).values().first()
    if row is not None:
        row.pop("last_updated", None)
    return row


def _pks(model) -> set[str]:
    return {str(pk) for pk in model._base_manager.values_list("pk", flat=True)}


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


def _errors(response):
    context = getattr(response, "context", None)
    if context and "form" in context:
        return context["form"].errors
    return response.status_code, response.content[:300]


def _may_add_page(surface, user) -> bool:
    case = _case(surface.model._meta.label)
    if not surface.model.can_add(user):
        return False
    return case.add_page(user) if case.add_page else True


def _form_data(helpers, surface, user, row, **overrides):
    form = surface.form(instance=row, user=user)
    return helpers.form_data(form, **overrides), form


def _edited(model, name, old):
    """A new value for the declared field: text gets " (sửa)" (within its length), a number one more."""
    field = model._meta.get_field(name)
    if isinstance(field, models.IntegerField):
        return str(int(old or 0) + 1)
    text = str(old or "")
    limit = getattr(field, "max_length", None) or 1000
    return f"{text[: limit - 6]} (sửa)".strip()  # forms strip text: an empty old value gives "(sửa)"


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


def _free_unique_numbers(model, data) -> None:
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


def _free_base(surface, user, base, data, names) -> None:
    """Make `data` (a copy of `base`) a valid new row: `base` is removed in the attempt's savepoint so that its
    unique values are free; where other rows protect it, its unique text fields get fresh values instead."""
    from doluong.parties.models import Membership

    model = surface.model
    mine = Membership.objects.filter(user=user).count()
    try:
        with transaction.atomic():
            base.delete()
            if Membership.objects.filter(user=user).count() != mine:
                raise ProtectedError("the persona's own membership", set())  # keep the persona's own rows
        return
    except ProtectedError:
        pass
    for name in _unique_char_fields(model, names):
        data[name] = _fresh_value(model, name, str(data.get(name, "")))
    if "tax_code" in data:
        data["tax_code"] = ""
    _free_unique_numbers(model, data)


def _api_payload(client, surface, pk, allowed):
    """The API's own representation of a row, limited to the fields the form posts (and the persona writes)."""
    body = client.get(_api_url(surface, pk)).json()
    names = [n for n in surface.form._meta.fields if n in body and (allowed is None or n in allowed)]
    payload = {n: body[n] for n in names}
    for name in names:
        if isinstance(surface.model._meta.get_field(name), models.FileField):
            payload.pop(name)
    if "tax_code" in payload:
        payload["tax_code"] = ""
    return payload


HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "object-table"}
EXPORT_LIMIT = 3000  # export checks skip the big public reference tables (communes, old communes)


def _pk_name(surface) -> str:
    return surface.model._meta.pk.name


def _shown(client, surface, helpers, **params):
    """(ids on the first list page at 500 a page, the page's total count)."""
    response = client.get(surface.list_url(), {**params, "per_page": 500}, **HTMX)
    assert response.status_code == 200
    return {str(pk) for pk in helpers.page_ids(response)}, response.context["table"].paginator.count


def _check_counts(client, surface, user, allowed: set[str], helpers) -> None:
    """The list page, the API and the CSV export count exactly `allowed` for `user`, and a row outside is a 404."""
    response = client.get(surface.list_url(), {"per_page": 1}, **HTMX)
    assert response.status_code == 200
    assert response.context["table"].paginator.count == len(allowed), (
        surface.model._meta.label,
        user.username,
    )
    shown = {str(pk) for pk in helpers.page_ids(response)}
    assert shown <= allowed, (surface.model._meta.label, user.username)
    body = client.get(_api_url(surface), {"limit": 1}).json()
    assert body["count"] == len(allowed), (surface.model._meta.label, user.username)
    assert {str(row[_pk_name(surface)]) for row in body["results"]} <= allowed, (
        surface.model._meta.label,
        user.username,
    )
    hidden = surface.model._base_manager.exclude(pk__in=surface.queryset(user).values("pk")).first()
    if hidden is not None:
        assert client.get(_api_url(surface, hidden.pk)).status_code == 404, (
            surface.model._meta.label,
            user.username,
        )
    if len(allowed) <= EXPORT_LIMIT:
        response = client.get(surface.list_url(), {"export": "csv"})
        assert response.status_code == 200, (surface.model._meta.label, user.username)
        assert len(helpers.read_export(response)) == len(allowed), (surface.model._meta.label, user.username)


def _targets(model, user, action):
    """(a row the user may `action`, a row the user sees but may not `action`, a row the user does not see)."""
    allowed = model.objects.restrict(user, action)
    visible = model.objects.restrict(user, VIEW)
    writable = _case(model._meta.label).writable
    ok = (writable(allowed) if writable else allowed).order_by("pk").first()
    seen_only = visible.exclude(pk__in=allowed.values("pk")).order_by("pk").first()
    hidden = model._base_manager.exclude(pk__in=visible.values("pk")).order_by("-pk").first()
    return ok, seen_only, hidden


def _add_base(model, user):
    """A row in the persona's add scope to copy (never the persona's own membership)."""
    candidates = model.objects.restrict(user, ADD).order_by("pk")
    writable = _case(model._meta.label).writable
    if writable:
        candidates = writable(candidates)
    if any(f.name == "user" for f in model._meta.concrete_fields):
        candidates = candidates.exclude(user=user)
    return candidates.first()


# ------------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("label", LABELS)
class TestSurface:
    """The generic tests of one surface (parametrised over every surface in SURFACES)."""

    # ------------------------------------------------------------------ reading
    def test_pages(self, label):
        """List (sorted, second page), detail, add and import pages for every persona."""
        surface = _surface(label)
        for user in _users():
            client = _client(user)
            response = client.get(surface.list_url(), {"sort": "-pk", "per_page": 10, "page": 2})
            assert response.status_code == 200, (label, user.username)
            assert response.context["filterset"] is not None
            obj = surface.queryset(user).order_by("pk").first()
            if obj is not None:
                response = client.get(surface.object_url(obj))
                assert response.status_code == 200, (label, user.username, surface.object_url(obj))
                assert escape(str(obj)) in response.content.decode(), (label, user.username)
            hidden = surface.model._base_manager.exclude(pk__in=surface.queryset(user).values("pk")).first()
            if hidden is not None:
                assert client.get(surface.object_url(hidden)).status_code == 404, (label, user.username)
            add = client.get(reverse(surface.url_name("add")))
            assert add.status_code == (200 if _may_add_page(surface, user) else 403), (label, user.username)
            response = client.get(reverse(surface.url_name("import")))
            expected = 200 if surface.can_import and surface.model.can_add(user) else 403
            if not surface.can_import and surface.model.can_add(user):
                expected = (
                    response.status_code
                )  # no import: whatever the page answers, nothing else is checked
            assert response.status_code == expected, (label, user.username, "import")

    def test_scope(self, label, helpers):
        """What each persona reads is its scope on every way out: the list page (at 500 a page) shows rows of the
        scope and counts all of them, the API lists exactly them (every page) and answers 404 for a hidden row, the
        CSV and XLSX exports hold exactly them (scopes up to EXPORT_LIMIT rows), and a search for a visible row
        finds it and nothing outside."""
        from doluong.core.text import fold

        surface = _surface(label)
        checked: set[frozenset] = set()
        for user in _users():
            client = _client(user)
            allowed = {str(pk) for pk in surface.queryset(user).values_list("pk", flat=True)}
            if frozenset(allowed) in checked:
                # the very rows another persona's full check has just read on every way out: here each way out
                # must count them (and hide what is outside), which a wrong scope of this persona would not pass
                _check_counts(client, surface, user, allowed, helpers)
                continue
            checked.add(frozenset(allowed))
            shown, total = _shown(client, surface, helpers)
            assert shown <= allowed and total == len(allowed), (label, user.username)
            api = {str(row[_pk_name(surface)]) for row in helpers.api_rows(client, _api_url(surface))}
            assert api == allowed, (label, user.username)
            obj = surface.queryset(user).order_by("pk").first()
            if obj is not None:
                body = client.get(_api_url(surface, obj.pk)).json()
                assert str(body[_pk_name(surface)]) == str(obj.pk), (label, body)
            hidden = surface.model._base_manager.exclude(pk__in=surface.queryset(user).values("pk")).first()
            if hidden is not None:
                assert client.get(_api_url(surface, hidden.pk)).status_code == 404, (label, user.username)
            if len(allowed) <= EXPORT_LIMIT:
                for fmt in ("csv", "xlsx"):
                    response = client.get(surface.list_url(), {"export": fmt})
                    assert response.status_code == 200, (label, user.username, fmt)
                    assert helpers.export_ids(response) == allowed, (label, user.username, fmt)
            text = getattr(obj, "search_text", "") if obj is not None else ""
            term = fold(text).split(" ")[0] if text else ""
            if term:
                found, count = _shown(client, surface, helpers, q=term)
                assert str(obj.pk) in found or count > 500, (label, user.username, term)
                assert found <= allowed
                rows = helpers.api_rows(client, _api_url(surface), q=term)
                assert {str(r[_pk_name(surface)]) for r in rows} <= allowed, (label, user.username, term)

    def test_anonymous(self, label):
        surface = _surface(label)
        client = Client()
        obj = surface.model._base_manager.order_by("pk").first()
        urls = [surface.list_url(), reverse(surface.url_name("add")), reverse(surface.url_name("import"))]
        if obj is not None:
            urls += [
                surface.object_url(obj),
                surface.object_url(obj, "edit"),
                surface.object_url(obj, "delete"),
            ]
        before = _pks(surface.model)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
            assert client.post(url, {}).status_code in (302, 403), url
        assert client.get(_api_url(surface)).status_code in (401, 403)
        assert client.post(_api_url(surface), {}, content_type="application/json").status_code in (401, 403)
        if obj is not None:
            assert client.delete(_api_url(surface, obj.pk)).status_code in (401, 403)
        assert _pks(surface.model) == before

    # ------------------------------------------------------------------ writing
    def test_create(self, label, helpers, media_tmp):
        surface = _surface(label)
        case = _case(label)
        model = surface.model
        add_url = reverse(surface.url_name("add"))
        for user in _users():
            client = _client(user)
            if not model.can_add(user):
                before = _pks(model)
                with attempt("web"):
                    assert client.get(add_url).status_code == 403, (label, user.username, "GET add")
                    assert client.post(add_url, {}).status_code == 403, (label, user.username, "POST add")
                with attempt("api"):
                    response = client.post(_api_url(surface), {}, content_type="application/json")
                    assert response.status_code in (403, 405), (label, "API POST", response.status_code)
                assert _pks(model) == before
                continue
            if case.create == "action":
                continue  # the record form and the batch upload have tests of their own
            base = _add_base(model, user)
            if base is None:
                continue  # nothing in the add scope to derive data from
            base_pk = base.pk
            with attempt("web"):
                assert client.get(add_url).status_code == 200, (label, "GET add")
                data, form = _form_data(helpers, surface, user, base)
                _free_base(surface, user, base, data, form.fields)
                before = _pks(model)
                data.update(case.uploads() if case.uploads else {})
                response = client.post(add_url, data)
                assert response.status_code == 302, (label, user.username, _errors(response))
                assert len(_pks(model) - before) == 1, (label, "web create wrote no row")
            if case.api != "rw":
                continue
            with attempt("api"):
                base = model._base_manager.get(pk=base_pk)
                payload = _api_payload(client, surface, base.pk, access.writable_fields(user, model))
                _free_base(surface, user, base, payload, list(payload))
                for name in _unique_char_fields(model, list(payload)):
                    if model._base_manager.filter(**{name: payload[name]}).exists():
                        payload[name] = _fresh_value(model, name, str(payload[name]))
                before = _pks(model)
                response = client.post(_api_url(surface), payload, content_type="application/json")
                assert response.status_code == 201, (label, user.username, response.content[:500])
                assert len(_pks(model) - before) == 1, (label, "API create wrote no row")

    def test_edit(self, label, helpers, media_tmp):
        surface = _surface(label)
        for user in _users():
            client = _client(user)
            ok, seen_only, hidden = _targets(surface.model, user, CHANGE)
            for row, expect in ((ok, True), (seen_only, False), (hidden, False)):
                if row is not None:
                    self._edit(surface, user, client, helpers, row, expect)

    def _edit(self, surface, user, client, helpers, row, expect: bool):
        model = surface.model
        label = model._meta.label
        name = _case(label).edit
        url = surface.object_url(row, "edit")
        before = _snapshot(model, row.pk)
        with attempt("web"):
            if not expect:
                assert client.get(url).status_code == 404, (label, user.username, "GET edit")
                data, _form = _form_data(helpers, surface, _admin(), row)
                if name:
                    data[name] = _edited(model, name, data.get(name))
                assert client.post(url, data).status_code == 404, (label, user.username, "POST edit")
                assert _snapshot(model, row.pk) == before
            else:
                assert client.get(url).status_code == 200, (label, "GET edit")
                data, form = _form_data(helpers, surface, user, row)
                writable = access.writable_fields(user, row)
                may_write = name and name in form.fields and not form.fields[name].disabled
                may_write = may_write and (writable is None or name in writable)
                if name:
                    data[name] = _edited(model, name, getattr(row, name))
                response = client.post(url, data)
                assert response.status_code == 302, (label, user.username, _errors(response))
                if name:
                    stored = str(getattr(model._base_manager.get(pk=row.pk), name))
                    if may_write:
                        assert stored == data[name], (label, user.username, name, stored)
                    else:  # a field the persona may not write stays as it was
                        assert stored == str(before[model._meta.get_field(name).attname]), (label, name)
        with attempt("api"):
            body = {name: _edited(model, name, getattr(row, name))} if name else {}
            response = client.patch(_api_url(surface, row.pk), body, content_type="application/json")
            if _case(label).api == "read":
                assert response.status_code in (404, 405), (label, "API PATCH read-only")
                assert _snapshot(model, row.pk) == before
            elif expect:
                assert response.status_code == 200, (label, user.username, response.content[:300])
                writable = access.writable_fields(user, row)
                if name and (writable is None or name in writable):
                    assert str(getattr(model._base_manager.get(pk=row.pk), name)) == body[name], (label, name)
            else:
                assert response.status_code == 404, (label, user.username, "API PATCH", response.status_code)
                assert _snapshot(model, row.pk) == before

    def test_delete(self, label, media_tmp):
        surface = _surface(label)
        for user in _users():
            client = _client(user)
            ok, seen_only, hidden = _targets(surface.model, user, DELETE)
            for row, expect in ((ok, True), (seen_only, False), (hidden, False)):
                if row is not None:
                    self._delete(surface, user, client, row, expect)

    def _delete(self, surface, user, client, row, expect: bool):
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
            if _case(label).api == "read":
                assert response.status_code in (404, 405), (label, "API DELETE read-only")
            elif expect:
                assert response.status_code in (204, 400), (label, user.username, response.status_code)
                if response.status_code == 204:
                    assert not model._base_manager.filter(pk=row.pk).exists(), (label, "API DELETE kept it")
            else:
                assert response.status_code == 404, (label, user.username, "API DELETE", response.status_code)
            if not expect or _case(label).api == "read":
                assert model._base_manager.filter(pk=row.pk).exists()

    def test_import(self, label, helpers, media_tmp):
        """A row exported from the list, its unique values changed, imported and confirmed: one row more; a persona
        who may not add gets 403 and nothing is written."""
        surface = _surface(label)
        if not surface.can_import:
            return
        model = surface.model
        url = reverse(surface.url_name("import"))
        for user in _users():
            client = _client(user)
            if not model.can_add(user):
                before = _pks(model)
                assert client.post(url, {"file": _csv_upload([["ID"], [""]])}).status_code == 403
                assert _pks(model) == before
                continue
        if _case(label).no_round_trip:
            return
        user = next(
            u for u in _users() if model.can_add(u) and _add_base(model, u) is not None and u.is_superuser
        )
        client = _client(user)
        base = _add_base(model, user)
        exported = client.get(surface.list_url(), {"export": "csv"})
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        header, row = rows[0], next(r for r in rows[1:] if r[0] == str(base.pk))
        with attempt("web"):
            values = dict(zip(header, row, strict=False))
            values["ID"] = ""
            form = surface.form(instance=base, user=user)
            data = helpers.form_data(form)
            original = dict(data)
            _free_base(surface, user, base, data, form.fields)
            from doluong.core.io import column_label

            for name in surface.import_fields:
                column = column_label(model, name)
                if column in values and name in _unique_char_fields(model, [name]) and data.get(name):
                    values[column] = data[name]
                if column in values and data.get(name) != original.get(name):  # freed unique values
                    values[column] = data.get(name, "")
            before = _pks(model)
            response = client.post(url, {"file": _csv_upload([list(values), list(values.values())])})
            assert response.status_code == 200, (label, response.status_code)
            result = response.context["result"] if "result" in response.context else None
            assert result is not None and result.ok, (label, result and result.errors[:3], values)
            assert _pks(model) == before, (label, "the preview wrote rows")
            response = client.post(url, {"token": response.context["token"]})
            assert response.status_code == 302, (label, response.status_code)
            assert len(_pks(model) - before) == 1, (label, "the import wrote no row")


def _csv_upload(rows) -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile("nhap.csv", out.getvalue().encode("utf-8-sig"), "text/csv")


@pytest.fixture(scope="module", autouse=True)
def _print_attempts():
    yield
    total = sum(ATTEMPTS.values())
    print(f"\ngeneric surface tests: {total} write attempts (web {ATTEMPTS['web']}, API {ATTEMPTS['api']})")
