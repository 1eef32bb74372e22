"""The real `doluong worker` process, killed with SIGKILL in the middle of a bulk load's merge (after the INSERT,
before the commit), on SQLite and on PostgreSQL:

- the database is exactly as it was (the merge is one transaction): the counts are equal, no row of the load;
- the job row says "running" until a worker (or a page) notices that its process is gone — never longer: a new
  worker settles it at start, by the dead pid; with one attempt allowed the job is marked failed and its message
  says, in Vietnamese, that the worker stopped and nothing was written; with two, it is queued again and the new
  worker loads the whole file (the test above could fail: the same load, not killed, does load);
- the queue's own row of the killed task (django-tasks' database backend) is closed, not left "running".

The jobs are queued by a child (`bulk_import --queue`) so that the worker sees them committed; the test's own
connection only reads."""

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


def _manage(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "doluong.cli", "manage", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _wait_for(process, prefix: str, limit: float = 120.0) -> str:
    """Read the child's output until a line starts with `prefix`."""
    seen = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith(prefix):
            return line
    process.kill()
    raise AssertionError(f"the worker never said {prefix!r}: " + "".join(seen) + process.stderr.read())


@pytest.fixture
def world(refdata, tmp_path, request):
    """(env for the children, the file to load, sql(query) → rows) on the database under test."""
    from django.db import connection

    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DOLUONG_TASKS_BACKEND": "database",
        "DOLUONG_DATA_DIR": str(tmp_path / "data"),
    }
    path = tmp_path / "kill.csv"
    if connection.vendor == "sqlite":
        # the test's own database is out of a child's reach (inside the test's transaction): the children get a
        # copy of the demo database (migrated, with the reference data) and twenty owners loaded through the bulk
        # path itself
        database = request.getfixturevalue("sqlite_demo_file")
        env["SQLITE_PATH"] = str(database)
        env.pop("DATABASE_URL", None)
        owners = tmp_path / "owners.csv"
        codes = [c for c in (make_tax_code(f"{950000000 + n:09d}") for n in range(40)) if c][:20]
        owners.write_text(
            'Tên,Loại hình,Mã số thuế,"Tỉnh, thành phố"\n'
            + "".join(f"Công ty {n},enterprise,{code},92\n" for n, code in enumerate(codes))
        )
        _manage(env, "bulk_import", "organisations", str(owners))
        with sqlite3.connect(database) as db:
            communes = [
                r[0] for r in db.execute("SELECT code FROM geo_commune WHERE province_id = '92' LIMIT 30")
            ]
            types = [r[0] for r in db.execute("SELECT code FROM registry_instrumenttype LIMIT 30")]
        path.write_text(
            "Loại phương tiện đo,Chủ sở hữu,commune,Số sản xuất\n"
            + "".join(f"{types[n % 30]},{codes[n % 20]},{communes[n % 30]},K{n}\n" for n in range(2000))
        )

        def sql(query, params=()):
            with sqlite3.connect(database) as db:
                return db.execute(query, params).fetchall()

        yield env, path, sql
        return
    content, _expected = instrument_file(refdata, rows=2000, bad=0, seed=5)
    path.write_bytes(content)
    settings = connection.settings_dict
    env["DATABASE_URL"] = (
        f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )

    def sql(query, params=()):  # the test's connection: READ COMMITTED sees what the children committed
        with connection.cursor() as cursor:
            cursor.execute(query.replace("?", "%s"), params)
            return cursor.fetchall()

    yield env, path, sql
    # the children committed: take their rows out of the shared test database again
    _manage(
        env,
        "shell",
        "-c",
        "from doluong.registry.models import Instrument; from doluong.core.models import Job; "
        "Instrument.objects.filter(source='kill').delete(); Job.objects.filter(source='kill').delete()",
    )


def _kill_mid_merge(env, path, sql) -> tuple[int, dict]:
    """Queue a load, start a worker that pauses inside the merge transaction, SIGKILL it there."""
    out = _manage(env, "bulk_import", "instruments", str(path), "--source", "kill", "--queue")
    job = int(next(line for line in out.splitlines() if line.startswith("QUEUED")).split()[1])
    assert sql("SELECT status FROM core_job WHERE id = ?", (job,)) == [("queued",)]
    clock = time.monotonic()
    worker = subprocess.Popen(
        [sys.executable, "-m", "doluong.cli", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env={**env, "DOLUONG_BULK_PAUSE_AFTER": "inserted"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _wait_for(worker, "PAUSED")
        paused = time.monotonic() - clock
        assert line.split() == ["PAUSED", "inserted", "job", str(job)]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    return job, {"start → paused in the merge": paused}


def _restart(env, attempts: int) -> float:
    """A new worker (one pass over the queue, then exit): it settles the dead worker's job at start."""
    clock = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "doluong.cli", "worker", "--batch", "--interval", "0.2"],
        cwd=ROOT,
        env={**env, "DOLUONG_JOB_ATTEMPTS": str(attempts)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 job(s) of stopped workers settled" in done.stdout, done.stdout
    return time.monotonic() - clock


def test_kill_9_of_the_worker_mid_merge_writes_nothing_and_the_job_is_failed_or_retried(
    world, client_for, capsys
):
    from django.db import connection

    env, path, sql = world

    def counts():
        return sql(
            "SELECT count(*), sum(CASE WHEN source = 'kill' THEN 1 ELSE 0 END) FROM registry_instrument"
        )[0]

    def job_row(pk):
        return sql(
            "SELECT status, interrupted, attempts, message, task_id, finished_at FROM core_job WHERE id = ?",
            (pk,),
        )[0]

    def task_status(task_id):
        return sql(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?", (task_id.replace("-", ""),)
        )

    before = counts()
    timings = {}

    # 1. one attempt allowed: the job whose worker was killed is failed, and says why
    failed, took = _kill_mid_merge(env, path, sql)
    timings.update(took)
    assert counts() == before  # nothing of the load is in the database
    status, interrupted, attempts, message, task_id, finished_at = job_row(failed)
    assert (status, attempts) == ("running", 1)  # as the kill left it, until a worker or a page notices
    timings["restart → settled (failed)"] = _restart(env, attempts=1)
    status, interrupted, attempts, message, task_id, finished_at = job_row(failed)
    assert (status, bool(interrupted), attempts) == ("failed", True, 1) and finished_at is not None
    assert "đã dừng trước khi việc kết thúc" in message and "không có gì được ghi" in message
    assert "Hãy chạy lại" in message
    assert counts() == before
    queue_rows = sql("SELECT status FROM django_tasks_database_dbtaskresult")
    assert ("RUNNING",) not in queue_rows  # the killed task's row of the queue is closed too

    # 2. two attempts allowed: queued again at the new worker's start, and loaded in full
    retried, took = _kill_mid_merge(env, path, sql)
    timings["start → paused in the merge (2nd)"] = took["start → paused in the merge"]
    assert counts() == before
    timings["restart → settled, re-run, loaded"] = _restart(env, attempts=2)
    status, interrupted, attempts, message, task_id, finished_at = job_row(retried)
    assert (status, bool(interrupted), attempts) == ("done", True, 2)
    assert "đã được đưa lại vào hàng đợi" in message
    assert counts() == (before[0] + 2000, 2000)
    assert task_status(task_id) == [("SUCCESSFUL",)]
    assert sql("SELECT count(*) FROM core_job WHERE status IN ('running', 'queued')") == [(0,)]

    if connection.vendor == "postgresql":  # the job pages say it, in Vietnamese (the rows are committed)
        admin = client_for("admin")
        html = admin.get(f"/registry/bulk/{failed}/").content.decode()
        assert "Việc nạp đã bị gián đoạn." in html and "đã dừng trước khi việc kết thúc" in html
        html = admin.get(f"/registry/bulk/{retried}/").content.decode()
        assert "Đã nạp: 2.000 thêm mới" in html and "đưa lại vào hàng đợi" in html
    with capsys.disabled():
        print(
            f"\n[{connection.vendor}] worker kill test: "
            + "; ".join(f"{k} {v:.2f} s" for k, v in timings.items())
        )
