"""A bulk load killed halfway through its merge (SIGKILL, after the INSERT and before the commit) leaves the
database exactly as it was: the counts are equal, and only the job row says a load started."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.bulk.conftest import instrument_file

from doluong.core.validators import make_tax_code

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _wait_for_pause(process, limit: float = 120.0) -> str:
    """Read the child's output until it says it paused inside the merge transaction."""
    seen = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith("PAUSED"):
            return line
    process.kill()
    raise AssertionError("the child never reached the merge: " + "".join(seen) + process.stderr.read())


def test_sigkill_mid_merge_leaves_the_database_as_before(refdata, tmp_path, request):
    from django.db import connection

    from doluong.registry.models import BulkJob, Instrument

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    path = tmp_path / "kill.csv"
    if connection.vendor == "sqlite":
        # the test's own database is out of a child's reach (inside the test's transaction): the child gets a copy
        # of the demo database (migrated, with the reference data) and twenty owners loaded through the bulk path
        database = request.getfixturevalue("sqlite_demo_file")
        env["SQLITE_PATH"] = str(database)
        env.pop("DATABASE_URL", None)
        owners = tmp_path / "owners.csv"
        codes = [c for c in (make_tax_code(f"{950000000 + n:09d}") for n in range(40)) if c][:20]
        owners.write_text(
            "Tên,Loại hình,Mã số thuế,Tỉnh, thành phố\n".replace("Tỉnh, thành phố", '"Tỉnh, thành phố"')
            + "".join(f"Công ty {n},enterprise,{code},92\n" for n, code in enumerate(codes))
        )
        subprocess.run(
            [sys.executable, "-m", "doluong.cli", "manage", "bulk_import", "organisations", str(owners)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        with sqlite3.connect(database) as db:
            communes = [
                r[0] for r in db.execute("SELECT code FROM geo_commune WHERE province_id = '92' LIMIT 30")
            ]
            types = [r[0] for r in db.execute("SELECT code FROM registry_instrumenttype LIMIT 30")]
        path.write_text(
            "Loại phương tiện đo,Chủ sở hữu,commune,Số sản xuất\n"
            + "".join(f"{types[n % 30]},{codes[n % 20]},{communes[n % 30]},K{n}\n" for n in range(2000))
        )

        def counts():
            with sqlite3.connect(database) as db:
                return (
                    db.execute("SELECT count(*) FROM registry_instrument").fetchone()[0],
                    db.execute("SELECT count(*) FROM registry_instrument WHERE source = 'kill'").fetchone()[
                        0
                    ],
                    db.execute("SELECT status FROM registry_bulkjob ORDER BY id DESC LIMIT 1").fetchone(),
                )
    else:
        content, _expected = instrument_file(refdata, rows=2000, bad=0, seed=5)
        path.write_bytes(content)
        settings = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )

        def counts():
            return (
                Instrument.objects.count(),
                Instrument.objects.filter(source="kill").count(),
                BulkJob.objects.filter(source="kill").values_list("status").last(),
            )

    env["DOLUONG_BULK_PAUSE_AFTER"] = "inserted"
    before = counts()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "doluong.cli",
            "manage",
            "bulk_import",
            "instruments",
            str(path),
            "--source",
            "kill",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_pause(process)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    after = counts()
    assert after[0] == before[0]
    assert after[1] == 0
    assert after[2] == ("running",)  # the job row was written before the merge and says it never finished
    if connection.vendor == "sqlite":  # the same load, not killed, does load (the test above could fail)
        env.pop("DOLUONG_BULK_PAUSE_AFTER")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "doluong.cli",
                "manage",
                "bulk_import",
                "instruments",
                str(path),
                "--source",
                "kill",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        assert counts()[:2] == (before[0] + 2000, 2000)
