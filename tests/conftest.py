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


# ------------------------------------------------------------------------------------------- the demo database
# Built once and copied: the first test process that needs the database migrates it and builds the demo (under the
# pinned clock), then saves it as a template (SQLite: a file; PostgreSQL: a template database); every other xdist
# worker, and the next `pytest` run while nothing it depends on changed, copies the template instead of
# migrating and building again (`CREATE DATABASE … TEMPLATE …`, a file copy). The template's key is a hash of
# everything the build reads: the source tree (models, migrations, the demo, the seeds), this file, the
# instrument count and the pinned clock, the signing keys' files, the versions, and whether the process clock is
# shifted (faketime runs build their own). `pytest --create-db` or DOLUONG_TEST_TEMPLATE=0 builds afresh.


def _template_key(vendor: str) -> str:
    import hashlib
    import os
    import sys
    from pathlib import Path

    import django
    from django.conf import settings

    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent / "src" / "doluong"
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(Path(__file__).read_bytes())
    key_files = [Path(settings.DOLUONG_KEYS_DIR) / name for name in ("kek", "root.json")]
    key_files += [Path(f) for f in (settings.DOLUONG_KEK_FILE, settings.DOLUONG_ROOT_KEY_FILE) if f]
    for path in key_files:
        digest.update(path.read_bytes() if path.is_file() else b"absent")
    shifted = "faketime" in os.environ.get("LD_PRELOAD", "") or bool(os.environ.get("FAKETIME"))
    facts = (
        vendor,
        DEMO_INSTRUMENTS,
        PINNED_NOW.isoformat(),
        django.__version__,
        sys.version,
        shifted,
        settings.DOLUONG_KEK,
        os.environ.get("DOLUONG_ROOT_PUBLIC_KEY", ""),
    )
    digest.update(repr(facts).encode())
    return digest.hexdigest()[:16]


class _Templates:
    """Where the demo templates live and how a test database is made from one (one lock for every process of
    this working tree)."""

    def __init__(self, connection):
        import hashlib
        import tempfile
        from pathlib import Path

        self.connection = connection
        self.vendor = connection.vendor
        tree = hashlib.sha256(str(Path(__file__).resolve().parent.parent).encode()).hexdigest()[:10]
        base = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
        self.dir = base / f"doluong-tests-{tree}"
        self.dir.mkdir(parents=True, exist_ok=True)

    # -------------------------------------------------------------- lock
    def lock(self):
        import contextlib
        import fcntl

        @contextlib.contextmanager
        def held():
            with open(self.dir / "lock", "w") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

        return held()

    # -------------------------------------------------------------- names
    def sqlite_path(self, key: str):
        return self.dir / f"demo-{key}.sqlite3"

    def pg_name(self, key: str) -> str:
        return f"{self._pg_base()}_t{key[:12]}"

    def _pg_base(self) -> str:
        name = (
            self.connection.settings_dict["TEST"]["NAME"] or f"test_{self.connection.settings_dict['NAME']}"
        )
        import re

        return re.sub(r"_gw\d+$", "", name)[:40]

    def _pg(self, sql: str, params=None):
        with self.connection._nodb_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def _pg_exists(self, name: str) -> bool:
        return bool(self._pg("SELECT 1 FROM pg_database WHERE datname = %s", [name]))

    # -------------------------------------------------------------- use
    def exists(self, key: str) -> bool:
        if self.vendor == "sqlite":
            return self.sqlite_path(key).is_file()
        return self._pg_exists(self.pg_name(key))

    def copy_to_test_database(self, key: str) -> None:
        """Make the test database (not yet created) a copy of the template."""
        import shutil
        from pathlib import Path

        test_name = self.connection.creation._get_test_db_name()
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{test_name}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.sqlite_path(key), test_name)
            return
        qn = self.connection.ops.quote_name
        self._pg(f"DROP DATABASE IF EXISTS {qn(test_name)}")
        self._pg(f"CREATE DATABASE {qn(test_name)} TEMPLATE {qn(self.pg_name(key))}")

    def save_from_test_database(self, key: str) -> None:
        """Save the (built) test database as the template of `key`, replacing older templates."""
        import os

        test_name = self.connection.settings_dict["NAME"]
        if self.vendor == "sqlite":
            target = self.sqlite_path(key)
            partial = target.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            with self.connection.cursor() as cursor:
                cursor.execute("VACUUM INTO %s", [str(partial)])
            os.replace(partial, target)
            for old in self.dir.glob("demo-*.sqlite3"):
                if old != target:
                    old.unlink(missing_ok=True)
            return
        qn = self.connection.ops.quote_name
        name, partial = self.pg_name(key), f"{self.pg_name(key)}_partial"
        self.connection.close()  # a template copy needs the source database without sessions
        self._pg(f"DROP DATABASE IF EXISTS {qn(partial)}")
        self._pg(f"CREATE DATABASE {qn(partial)} TEMPLATE {qn(test_name)}")
        self._pg(f"ALTER DATABASE {qn(partial)} RENAME TO {qn(name)}")
        prefix = f"{self._pg_base()}_t"
        for (old,) in self._pg(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix.replace("_", "\\_") + "%"]
        ):
            if old != name:
                self._pg(f"DROP DATABASE IF EXISTS {qn(old)}")


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """The test database with the demo data, committed (each test rolls back on top of it): a copy of the demo
    template when there is one for this source tree, else migrated and built here (and saved as the template)."""
    import os
    import time

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    from doluong.core.demo import build_demo

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    verbosity = request.config.option.verbose
    reuse = os.environ.get("DOLUONG_TEST_TEMPLATE", "1") != "0" and not request.config.getoption("create_db")
    templates = _Templates(connection)
    if connection.vendor == "sqlite":
        # a file per test process (a template copies as a file), in memory on Linux (/dev/shm)
        connection.settings_dict["TEST"]["NAME"] = str(templates.dir / f"test_{os.getpid()}.sqlite3")
    started = time.monotonic()
    with django_db_blocker.unblock():
        with templates.lock():
            key = _template_key(connection.vendor)
            copied = reuse and templates.exists(key)
            if copied:
                templates.copy_to_test_database(key)
            db_cfg = setup_databases(
                verbosity=verbosity,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                keepdb=copied,
            )
            if not copied:
                build_demo(instruments=DEMO_INSTRUMENTS, stdout=io.StringIO())
                templates.save_from_test_database(_template_key(connection.vendor))
    how = "copied the demo template" if copied else "migrated and built the demo (saved as the template)"
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    with open(templates.dir / "setup.log", "a", encoding="utf-8") as log:
        # the xdist controller (the workers' parent) prints these lines at the end of the run
        log.write(f"{os.getppid()} {os.getpid()} {worker}: {how} in {time.monotonic() - started:.1f} s\n")
    yield
    with django_db_blocker.unblock():
        try:
            teardown_databases(db_cfg, verbosity=verbosity)
        except Exception as exc:
            request.node.warn(pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}"))


def copy_sqlite_demo(target):
    """Copy the demo template (migrated, reference data and demo loaded) to the file `target`; the test database
    must be set up already (`django_db_setup`), which makes the template."""
    import shutil

    from django.db import connection

    assert connection.vendor == "sqlite"
    templates = _Templates(connection)
    with templates.lock():
        source = max(templates.dir.glob("demo-*.sqlite3"), key=lambda p: p.stat().st_mtime)
        shutil.copyfile(source, target)
    return target


@pytest.fixture
def sqlite_demo_file(django_db_setup, tmp_path):
    """A file copy of the demo database for a child process of an SQLite run (`SQLITE_PATH=…`): a child cannot
    reach the test's own database inside its transaction."""
    return copy_sqlite_demo(tmp_path / "demo.sqlite3")


_SPENT: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """Adds up each test file's setup, call and teardown time (with xdist the workers' reports arrive here)."""
    _SPENT[report.nodeid.split("::", 1)[0]] = (
        _SPENT.get(report.nodeid.split("::", 1)[0], 0.0) + report.duration
    )


def _time_summary(terminalreporter) -> None:
    """Where the suite's time goes: seconds per folder and the ten costliest files, summed over the workers (so
    with -n 2 the wall time is about half the total). A worker's database build or template copy counts in the
    first file it ran: the "test database:" lines give that time."""
    if not _SPENT:
        return
    folders: dict[str, float] = {}
    for path, seconds in _SPENT.items():
        folder = path.rsplit("/", 1)[0]
        folders[folder] = folders.get(folder, 0.0) + seconds
    total = sum(folders.values())
    terminalreporter.write_line(
        f"time per folder (worker-seconds, total {total:.0f} s): "
        + ", ".join(f"{f} {s:.0f}" for f, s in sorted(folders.items(), key=lambda kv: -kv[1]))
    )
    costliest = sorted(_SPENT.items(), key=lambda kv: -kv[1])[:10]
    terminalreporter.write_line("costliest files: " + ", ".join(f"{p} {s:.0f}" for p, s in costliest))


def pytest_terminal_summary(terminalreporter):
    """Per test process: how its database was made and how long it took (a template copy or a build); then where
    the time went (`_time_summary`)."""
    _time_summary(terminalreporter)
    import hashlib
    import os
    import tempfile
    from pathlib import Path

    tree = hashlib.sha256(str(Path(__file__).resolve().parent.parent).encode()).hexdigest()[:10]
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    log = base / f"doluong-tests-{tree}" / "setup.log"
    if not log.is_file():
        return
    me = str(os.getpid())
    lines = log.read_text(encoding="utf-8").splitlines()
    for line in lines:
        parent, pid, text = line.split(" ", 2)
        if me in (parent, pid):
            terminalreporter.write_line(f"test database: {text}")
    if len(lines) > 200:
        log.write_text("\n".join(lines[-50:]) + "\n", encoding="utf-8")


@pytest.fixture(autouse=True, scope="session")
def _static_files_found_per_request():
    """WhiteNoise finds a static file when it is asked for, instead of listing every static file each time a
    test client builds its middleware (about 35 ms a client, thousands of clients)."""
    from django.conf import settings

    settings.WHITENOISE_AUTOREFRESH = True


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
