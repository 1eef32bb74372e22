"""Bulk loads on the web (registry/bulk_views.py): upload → job page → rows in the database; a file with bad rows
writes nothing and its errors are shown and downloadable; only the valid rows; who may load and who may see a
job; a job whose process ended is shown and saved as interrupted; the job list's queries do not grow with jobs.

The load is a background job (core.jobs); here django-tasks' immediate backend runs it inside the request (the
real worker is tested in test_kill.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from doluong.core import bulk
from doluong.core.models import Job as BulkJob
from doluong.registry.models import Instrument

from .conftest import instrument_file

pytestmark = pytest.mark.django_db

UPLOAD = "/registry/bulk/new/"


@pytest.fixture(autouse=True)
def inline(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def _post(client, content: bytes, name: str = "may-do.csv", kind: str = "instruments", **extra):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(UPLOAD, {"kind": kind, "source": "WEBTEST", "file": upload, **extra})


def _job(response) -> BulkJob:
    assert response.status_code == 302, response.content.decode()[:2000]
    pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    assert response["Location"] == f"/registry/bulk/{pk}/"
    return BulkJob.objects.get(pk=pk)


def _job_by(user, status=BulkJob.Status.DONE, **fields) -> BulkJob:
    from doluong.core import jobs

    job = jobs.create("instruments", user=user, source="S", file_name="f.csv", status=status, **fields)
    if status == BulkJob.Status.RUNNING:
        # A running job's start is compared with its process's start as /proc tells it, on the machine's real
        # clock: stamp it as the process that ran it would have, not on the suite's pinned clock.
        real_now = dt.datetime.fromtimestamp(time_machine.escape_hatch.time.time(), tz=dt.UTC)
        BulkJob.objects.filter(pk=job.pk).update(started_at=real_now, began_at=real_now)
        job.started_at = real_now
    return job


def test_upload_page_offers_the_kinds_the_user_may_add_and_templates(client_for):
    html = client_for("ct.kdv").get(UPLOAD).content.decode()
    assert "Nạp dữ liệu lớn" in html
    assert 'value="records"' in html and 'value="instruments"' not in html  # a verifier adds records only
    assert "/registry/bulk/template/records.xlsx" in html
    html = client_for("ct.sokhcn").get(UPLOAD).content.decode()
    assert all(f'value="{kind}"' in html for kind in ("instruments", "organisations", "records"))
    assert "chỉ nạp các dòng hợp lệ" in html.lower()
    assert 'href="/registry/bulk/new/"' in client_for("ct.xa").get("/").content.decode()  # the menu entry


@pytest.mark.parametrize("kind", ["instruments", "organisations", "records"])
def test_template_has_the_kind_columns_in_vietnamese_and_is_read_back(client_for, kind):
    response = client_for("ct.sokhcn").get(f"/registry/bulk/template/{kind}.xlsx")
    header = [c.value for c in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    columns = bulk.kinds()[kind].columns
    assert len(header) == len(columns)
    assert bulk.match_header(bulk.kinds()[kind], header) == [c.name for c in columns]
    if kind == "instruments":
        assert "Loại phương tiện đo" in header and "Số sản xuất" in header
    text = client_for("ct.sokhcn").get(f"/registry/bulk/template/{kind}.csv").content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == header


def test_upload_runs_the_job_and_the_rows_are_in_the_database(client_for, refdata, inline):
    client = client_for("ct.sokhcn")
    content, _bad = instrument_file(refdata, rows=12, bad=0, seed=11, start=800000)
    before = Instrument.objects.count()
    job = _job(_post(client, content))
    assert (job.status, job.rows_staged, job.rows_validated, job.rows_inserted) == ("done", 12, 12, 12)
    assert job.rows_expected == 12 and job.source == "WEBTEST" and job.created_by.username == "ct.sokhcn"
    assert job.pid == os.getpid() and job.host
    assert Instrument.objects.count() == before + 12
    assert Instrument.objects.filter(source="WEBTEST", serial="BK0800003").exists()
    assert list((inline / "jobs").iterdir()) == []  # the job's stored input is deleted after the load
    html = client.get(f"/registry/bulk/{job.pk}/").content.decode()
    assert "Đã nạp: 12 thêm mới, 0 sửa đổi, 0 không đổi." in html
    assert "may-do.csv" in html and "100 %" in html
    assert "hx-get" not in html  # finished: no polling
    # the same file again changes nothing
    job = _job(_post(client, content))
    assert (job.status, job.rows_inserted, job.rows_updated, job.rows_unchanged) == ("done", 0, 0, 12)
    assert Instrument.objects.count() == before + 12


def test_bad_rows_reject_the_file_errors_shown_and_downloadable(client_for, refdata):
    client = client_for("ct.sokhcn")
    content, expected = instrument_file(refdata, rows=30, bad=4, seed=5, start=810000)
    before = Instrument.objects.count()
    job = _job(_post(client, content))
    assert job.status == "rejected" and job.rows_bad == 4 and job.rows_inserted == 0
    assert Instrument.objects.count() == before  # nothing written
    html = client.get(f"/registry/bulk/{job.pk}/").content.decode()
    assert "4 dòng có lỗi: không có gì được ghi." in html
    assert "Báo cáo lỗi" in html
    for row, column in expected.items():
        assert f'<td class="text-end">{row}</td><td>{column}</td>' in html
    text = client.get(f"/registry/bulk/{job.pk}/errors.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Dòng", "Cột", "Lý do"]
    assert {(int(r[0]), r[1]) for r in rows[1:]} == set(expected.items())
    sheet = load_workbook(io.BytesIO(client.get(f"/registry/bulk/{job.pk}/errors.xlsx").content)).worksheets[
        0
    ]
    assert sheet.max_row == len(expected) + 1


def test_only_good_loads_the_valid_rows(client_for, refdata):
    client = client_for("ct.sokhcn")
    content, expected = instrument_file(refdata, rows=10, bad=2, seed=3, start=820000)
    before = Instrument.objects.count()
    job = _job(_post(client, content, only_good="on"))
    assert job.only_good and job.status == "done" and job.rows_bad == 2 and job.rows_inserted == 8
    assert Instrument.objects.count() == before + 8
    html = client.get(f"/registry/bulk/{job.pk}/").content.decode()
    assert "2 dòng lỗi đã bị bỏ qua" in html
    assert all(f'<td class="text-end">{row}</td>' in html for row in expected)


def test_a_file_that_cannot_be_read_shows_its_message(client_for):
    client = client_for("ct.sokhcn")
    job = _job(_post(client, b"this is not a workbook", name="hong.xlsx"))
    assert job.status == "rejected"
    html = client.get(f"/registry/bulk/{job.pk}/").content.decode()
    assert "Không đọc được tệp; không có gì được ghi." in html
    assert job.errors[0]["reason"] in html
    # a type the load does not read is refused by the form: no job
    count = BulkJob.objects.count()
    response = _post(client, b"%PDF", name="bao-cao.pdf")
    assert response.status_code == 200 and BulkJob.objects.count() == count
    assert "Loại tệp không được hỗ trợ" in response.content.decode()


def test_users_who_may_add_nothing_are_refused(client_for, refdata):
    client = client_for("ct.songanh")  # a department reporter adds no instruments, organisations or records
    response = client.get(UPLOAD)
    assert response.status_code == 403
    assert "Bạn không được nạp tệp." in response.content.decode()
    count = BulkJob.objects.count()
    content, _bad = instrument_file(refdata, rows=2, bad=0, start=830000)
    assert _post(client, content).status_code == 403
    # a verifier may load records, not instruments
    response = _post(client_for("ct.kdv"), content)
    assert response.status_code == 200 and "Chọn một giá trị hợp lệ" in response.content.decode()
    assert BulkJob.objects.count() == count
    assert client_for(None).get(UPLOAD).status_code == 302  # to the login page


def test_a_job_is_seen_by_its_user_their_province_officer_and_the_administrator_only(client_for, user_for):
    job = _job_by(
        user_for("ct.kiemdinh"),
        status=BulkJob.Status.REJECTED,
        errors=[{"row": 2, "column": "X", "reason": "R"}],
    )
    pages = [
        f"/registry/bulk/{job.pk}/",
        f"/registry/bulk/{job.pk}/progress/",
        f"/registry/bulk/{job.pk}/errors.csv",
    ]
    for username in ("ct.kiemdinh", "ct.sokhcn", "admin"):
        client = client_for(username)
        assert all(client.get(page).status_code == 200 for page in pages), username
        assert f'href="/registry/bulk/{job.pk}/"' in client.get("/registry/bulk/").content.decode()
    for username in ("ct.doanhnghiep", "ct.kdv", "dt.sokhcn", "dt.kiemdinh"):
        client = client_for(username)
        assert all(client.get(page).status_code == 404 for page in pages), username
        assert f'href="/registry/bulk/{job.pk}/"' not in client.get("/registry/bulk/").content.decode()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_running_job_whose_process_ended_is_shown_and_saved_as_interrupted(client_for, user_for):
    user = user_for("ct.sokhcn")
    gone = _job_by(user, status=BulkJob.Status.RUNNING, pid=_dead_pid(), rows_staged=500, rows_expected=1000)
    # the same process id, but the process now holding it started after the job: another process
    reused = _job_by(user, status=BulkJob.Status.RUNNING)
    BulkJob.objects.filter(pk=reused.pk).update(began_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    other_host = _job_by(user, status=BulkJob.Status.RUNNING, pid=_dead_pid(), host="may-khac")
    before_migration = _job_by(user, status=BulkJob.Status.RUNNING, pid=None, host="")
    alive = _job_by(user, status=BulkJob.Status.RUNNING, rows_staged=500, rows_expected=1000)
    client = client_for("ct.sokhcn")
    html = client.get(f"/registry/bulk/{gone.pk}/").content.decode()
    assert "Việc nạp đã bị gián đoạn." in html and "Không có gì được ghi" in html
    assert "hx-get" not in html
    gone.refresh_from_db()
    assert (gone.status, gone.interrupted) == ("failed", True) and gone.finished_at is not None
    client.get("/registry/bulk/")  # the list settles the jobs it shows, in one UPDATE
    statuses = dict(BulkJob.objects.filter(created_by=user).values_list("pk", "status"))
    assert statuses[reused.pk] == "failed"
    assert statuses[other_host.pk] == statuses[before_migration.pk] == statuses[alive.pk] == "running"
    html = client.get(f"/registry/bulk/{alive.pk}/").content.decode()
    assert f'hx-get="/registry/bulk/{alive.pk}/progress/"' in html and "Đang đọc tệp" in html
    assert "500 dòng đã đọc" in html and "trên khoảng 1.000" in html and "27 %" in html
    progress = client.get(f"/registry/bulk/{gone.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"


def test_the_job_list_queries_do_not_grow_with_jobs(client_for, user_for):
    user = user_for("ct.sokhcn")
    client = client_for("ct.sokhcn")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/registry/bulk/").status_code == 200
        return len(queries)

    for _ in range(2):
        _job_by(user)
    few = count()
    for n in range(30):
        _job_by(user_for("ct.kiemdinh" if n % 2 else "ct.sokhcn"), status=BulkJob.Status.REJECTED)
    assert count() == few


def test_a_verifier_loads_records_from_a_workbook(client_for, user_for):
    """An XLSX upload of another kind, headed by the downloaded template: a verifier's records of their own
    organisation for instruments of the demo."""
    from doluong.verification.models import VerificationRecord
    from doluong.verification.permissions import servable_instruments

    provider = user_for("ct.kdv").memberships.get().organisation
    day = dt.date(2026, 1, 10)
    instruments = [
        i
        for i in servable_instruments(provider, Instrument.objects.filter(province_id="92"))
        .exclude(serial="")
        .select_related("instrument_type")
        if i.instrument_type.rule_on(day) is not None
    ][:3]
    client = client_for("ct.kdv")
    template = client.get("/registry/bulk/template/records.xlsx").content
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    for n, inst in enumerate(instruments):
        values = {
            "Số biên bản": f"WEB-{n}",
            "Loại hình": "Kiểm định định kỳ",
            "Tổ chức kiểm định, hiệu chuẩn, thử nghiệm": provider.tax_code or provider.name,
            "Loại phương tiện đo": inst.instrument_type.code,
            "Nhà sản xuất": inst.manufacturer,
            "Số sản xuất": inst.serial,
            "Ngày thực hiện": day.strftime("%d/%m/%Y"),
            "Kết quả": "Đạt",
        }
        ws.append([values.get(h, "") for h in header])
    out = io.BytesIO()
    wb.save(out)
    before = VerificationRecord.objects.count()
    job = _job(_post(client, out.getvalue(), name="bien-ban.xlsx", kind="records"))
    assert (job.status, job.rows_inserted, job.rows_expected) == ("done", 3, 3), job.errors
    assert VerificationRecord.objects.count() == before + 3
    assert "bien-ban.xlsx" in client.get(f"/registry/bulk/{job.pk}/").content.decode()


def test_the_upload_queues_a_job_for_the_worker_and_the_worker_runs_it(client_for, refdata, settings, inline):
    """With the database backend (as served) the request only stores the file and queues the job: the row is
    "queued", the queue holds its task; the worker's part (`run_job`) then loads it and deletes the input."""
    from django_tasks_db.models import DBTaskResult

    from doluong.core import jobs

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    content, _bad = instrument_file(refdata, rows=5, bad=0, seed=3, start=810000)
    job = _job(_post(client_for("ct.sokhcn"), content))
    assert job.status == BulkJob.Status.QUEUED and job.input_file and job.rows_expected == 5
    assert (inline / "jobs" / job.input_file).is_file()
    task = DBTaskResult.objects.get(id=job.task_id)
    assert (task.status, task.args_kwargs["args"]) == ("READY", [job.pk])
    html = client_for("ct.sokhcn").get(f"/registry/bulk/{job.pk}/").content.decode()
    assert "Đang chờ" in html and "hx-get" in html
    assert jobs.run_job(job.pk) == "done"
    job.refresh_from_db()
    assert (job.rows_inserted, job.attempts, job.pid) == (5, 1, os.getpid())
    assert not (inline / "jobs" / job.input_file).exists()
    assert jobs.run_job(job.pk) == "done"  # a task delivered twice runs once


def test_a_job_whose_kind_breaks_is_failed_never_left_running(client_for, refdata, monkeypatch, inline):
    from doluong.core import bulk as core_bulk

    def broken(*args, **kwargs):
        raise RuntimeError("mất kết nối")

    monkeypatch.setattr(core_bulk, "run", broken)
    content, _bad = instrument_file(refdata, rows=3, bad=0, seed=4, start=820000)
    job = _job(_post(client_for("ct.sokhcn"), content))
    assert job.status == BulkJob.Status.FAILED and job.finished_at is not None
    assert "mất kết nối" in job.message
    assert list((inline / "jobs").iterdir()) == []


def test_a_queued_job_whose_queue_row_is_lost_is_queued_again_or_failed(
    client_for, refdata, settings, inline
):
    """The queue's row deleted (a restore, a hand-cleaned queue): the sweep queues the job again while its input
    is there, and fails it with a message when the input is gone; never "queued" for ever."""
    from django_tasks_db.models import DBTaskResult

    from doluong.core import jobs

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    content, _bad = instrument_file(refdata, rows=3, bad=0, seed=4, start=820000)
    kept = _job(_post(client_for("ct.sokhcn"), content))
    content, _bad = instrument_file(refdata, rows=3, bad=0, seed=5, start=830000)
    gone = _job(_post(client_for("ct.sokhcn"), content))
    fresh = _job(
        _post(client_for("ct.sokhcn"), instrument_file(refdata, rows=2, bad=0, seed=6, start=840000)[0])
    )
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=jobs.stale_seconds() + 5)
    assert jobs.orphans(now=later) == []  # every task is waiting: nothing to do
    DBTaskResult.objects.filter(id__in=[kept.task_id, gone.task_id]).delete()
    (inline / "jobs" / gone.input_file).unlink()
    assert jobs.orphans() == []  # not older than the stale delay yet (a job being queued right now)
    settled = jobs.orphans(now=later)
    assert sorted(job.pk for job in settled) == sorted([kept.pk, gone.pk])
    kept.refresh_from_db(), gone.refresh_from_db(), fresh.refresh_from_db()
    assert (
        kept.status == BulkJob.Status.QUEUED and kept.task_id != "" and "đưa lại vào hàng đợi" in kept.message
    )
    assert DBTaskResult.objects.get(id=kept.task_id).status == "READY"
    assert gone.status == BulkJob.Status.FAILED and "Hãy chạy lại" in gone.message
    assert fresh.status == BulkJob.Status.QUEUED
    assert jobs.run_job(kept.pk) == "done"
    kept.refresh_from_db()
    assert kept.rows_inserted == 3
    assert jobs.orphans(now=later) == []
