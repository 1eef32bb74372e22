"""Certificate numbers under concurrent issuing: real threads and real processes allocate numbers while some
transactions roll back; the committed numbers are exactly 1..N — no duplicate, no gap.

On PostgreSQL they run against the test database (committed rows, cleaned up after). The SQLite test database
lives in memory, where SQLite's shared cache answers "table is locked" instead of waiting, which is not how the
site runs; so on SQLite the same scenarios run in child processes against a file database configured like the
site's (WAL, IMMEDIATE transactions, busy timeout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

CHILD = Path(__file__).with_name("numbering_child.py")
sys.path.insert(0, str(CHILD.parent))
from numbering_child import YEAR, threads  # noqa: E402


def _run(args, env, timeout=180) -> str:
    done = subprocess.run(
        [sys.executable, str(CHILD), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def _expected_committed() -> int:
    return 6 * 8 - sum(1 for i in range(6) for a in range(8) if (i + a) % 5 == 0)


@pytest.fixture(scope="module")
def database(request, django_db_blocker, tmp_path_factory):
    """(environment for child processes, provider id) — a database every process and thread can reach."""
    if connection.vendor == "postgresql":
        request.getfixturevalue("django_db_setup")
        from doluong.parties.models import Organisation
        from doluong.verification.models import NumberCounter

        s = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        }
        with django_db_blocker.unblock():
            provider = Organisation.objects.filter(kind="service_provider").order_by("pk").first()
            NumberCounter.objects.filter(year=YEAR).delete()
            yield env, provider.pk
            NumberCounter.objects.filter(year=YEAR).delete()
        return
    # a copy of the demo template (already migrated: the child's `migrate` has nothing to do)
    request.getfixturevalue("django_db_setup")
    from tests.conftest import copy_sqlite_demo

    tmp_path = tmp_path_factory.mktemp("numbers")
    copy_sqlite_demo(tmp_path / "numbers.sqlite3")
    env = {**os.environ, "SQLITE_PATH": str(tmp_path / "numbers.sqlite3"), "DOLUONG_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    yield env, int(_run(["setup"], env))


def test_threads_get_gap_free_unique_numbers(database, django_db_blocker):
    env, provider = database
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock():
            result = threads(provider)
    else:
        result = json.loads(_run(["threads", str(provider)], env))
    assert not result["errors"], result["errors"]
    assert len(result["numbers"]) == _expected_committed()
    assert sorted(result["numbers"]) == list(range(1, _expected_committed() + 1))


def test_processes_get_gap_free_unique_numbers(database, django_db_blocker):
    env, provider = database
    if connection.vendor == "postgresql":
        from doluong.verification.models import NumberCounter

        with django_db_blocker.unblock():
            NumberCounter.objects.filter(year=YEAR).delete()
    else:
        _run(["reset", str(provider)], env)
    children = [
        subprocess.Popen(
            [sys.executable, str(CHILD), "allocate", str(provider)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    numbers = []
    for child in children:
        out, err = child.communicate(timeout=180)
        assert child.returncode == 0, err[-2000:]
        numbers += json.loads(out.strip().splitlines()[-1])
    assert sorted(numbers) == list(range(1, 61))
