"""Shared fixtures: the demo database (built once per test session), persona clients and small HTTP helpers.

Top-level imports stay free of Django: `tests/metrology` and `tests/programs` are plain tests and some of them
run with `-p no:django`, so nothing here may touch Django until a fixture that needs the database is used.

Database tests use `@pytest.mark.django_db`: they see the demo provinces (Cần Thơ "92", Đồng Tháp "82") built by
`doluong.core.demo.build_demo`, with every persona of `doluong.core.personas`, and each test's changes roll back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

#: instruments in the test demo: enough for several pages and every persona's scope, small enough to be quick
DEMO_INSTRUMENTS = 400

#: The clock every test runs under: the demo database and every expectation are built under it, so no test depends
#: on the day the suite runs (CI runs the suite a second time under `faketime` 400 days ahead, which moves only
#: what this pin cannot reach: child processes, the C library's clock). It ticks, so durations still pass; tests
#: that need another day travel from here (`time_machine.travel(...)`), and data they read was made at PINNED_NOW.
#: 08:00 in Hồ Chí Minh City (UTC+7), a Monday; the suite never runs long enough to cross midnight.
PINNED_NOW = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)

_pinned_clock = None


def pytest_configure(config):
    """Start the pinned clock before anything (Django's setup, the demo build, hypothesis) reads the time."""
    global _pinned_clock
    import time_machine

    _pinned_clock = time_machine.travel(PINNED_NOW, tick=True)
    _pinned_clock.start()


def pytest_unconfigure(config):
    if _pinned_clock is not None:
        _pinned_clock.stop()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database with the demo data, built once and committed (tests roll back on top of it)."""
    from doluong.core.demo import build_demo

    with django_db_blocker.unblock():
        build_demo(instruments=DEMO_INSTRUMENTS, stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """A private in-memory cache per test (the site's file cache is shared by processes: the rate limit of one
    test worker must not count another's requests)."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    settings = request.getfixturevalue("settings")
    # a LOCATION of its own: LocMemCache keeps its data per location for the whole process, so caches of the
    # same name would share the API throttles' counts (and the rate limits') across the tests of one worker
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }
    # background jobs run inside the request that starts them (django-tasks' immediate backend); the tests that
    # run the real `doluong worker` (tests/bulk/test_kill.py) give their child processes the database backend
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield


@pytest.fixture
def user_for(db):
    """`user_for("ct.sokhcn")` → the persona's User (a fresh object, so its scope cache is fresh too)."""
    from django.contrib.auth import get_user_model

    def get(username: str):
        return get_user_model().objects.get(username=username)

    return get


@pytest.fixture
def client_for(db, user_for):
    """`client_for("ct.sokhcn")` → a Django test client logged in as that persona; `client_for(None)` is
    anonymous. The same client serves pages and the API (session authentication)."""
    from django.test import Client

    def make(username: str | None):
        client = Client()
        if username is not None:
            client.force_login(user_for(username))
        return client

    return make


@pytest.fixture
def media_tmp(settings, tmp_path):
    """Keep uploaded import files out of var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# ------------------------------------------------------------------------------------------- helpers


def form_data(form, **overrides) -> dict:
    """POST data that re-submits `form` (an unbound model form) unchanged, with `overrides` applied.

    Dates are written dd/mm/yyyy, as a person types them; False check boxes are left out; None → "".
    """
    data: dict = {}
    for name, bound in form.fields.items():
        value = form[name].value()
        if isinstance(value, bool) or isinstance(bound.widget, _checkbox_type()):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        elif isinstance(value, dt.date):
            data[name] = value.strftime("%d/%m/%Y")
        elif value is None:
            data[name] = ""
        else:
            data[name] = str(value)
    for name, value in overrides.items():
        if value is None or value is False:
            data.pop(name, None)
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return data


def _checkbox_type():
    from django import forms

    return forms.CheckboxInput


def read_export(response) -> list[dict]:
    """Rows of an `?export=csv|xlsx` (or `?template=`) response as dicts keyed by the header row."""
    content_type = response["Content-Type"]
    if content_type.startswith("text/csv"):
        text = response.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    return [dict(zip(header, row, strict=False)) for row in body]


def export_ids(response) -> set[str]:
    return {str(row["ID"]) for row in read_export(response)}


def api_rows(client, url: str, **params) -> list[dict]:
    """Every row of a paginated API list (LimitOffsetPagination), following `next`."""
    response = client.get(url, {"limit": 1000, **params})
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    payload = response.json()
    rows = list(payload["results"])
    while payload.get("next"):
        payload = client.get(payload["next"]).json()
        rows.extend(payload["results"])
    return rows


def page_ids(response) -> list:
    """Primary keys of the rows on the list page's current page."""
    table = response.context["table"]
    return [row.record.pk for row in table.paginated_rows]


@pytest.fixture
def helpers():
    """The helper functions above, for test modules in other folders."""

    class Helpers:
        pass

    h = Helpers()
    for fn in (form_data, read_export, export_ids, api_rows, page_ids):
        setattr(h, fn.__name__, staticmethod(fn))
    return h
