"""Batch issue from Excel: template, column mapping for the provider's own sheet, preview that writes nothing,
a job that issues every row or none (a bad row: nothing issued, the row in the error report), and progress that
other requests can read while the job runs."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from doluong.verification import batch
from doluong.verification.models import BatchJob, Certificate, VerificationRecord

pytestmark = pytest.mark.django_db

HEADERS = [
    "Số máy",
    "Loại",
    "Hình thức",
    "Ngày KĐ",
    "Thẻ KĐV",
    "Chuẩn",
    "Đơn vị",
    "Kết quả",
    "Tem",
    "Thông số",
    "Cấp",
]


def _sheet(kit, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _row(kit, inst, found="30.2", card=None, standard=None):
    return [
        inst.serial,
        inst.instrument_type.code,
        "Kiểm định định kỳ",
        kit.day.strftime("%d/%m/%Y"),
        card or kit.verifier.card_number,
        standard or kit.standard.serial,
        "kg",
        f"5=5.1; 30={found}; 60=59.8",
        f"T-{inst.pk}",
        "e=0.2; Max=60",
        "IIII",
    ]


MAPPING = {
    "serial": "Số máy",
    "type_code": "Loại",
    "kind": "Hình thức",
    "performed_on": "Ngày KĐ",
    "verifier_card": "Thẻ KĐV",
    "standards": "Chuẩn",
    "unit": "Đơn vị",
    "points": "Kết quả",
    "stamp_number": "Tem",
    "mpe_params": "Thông số",
    "accuracy_class": "Cấp",
}


@pytest.fixture
def instruments(kit):
    from doluong.registry.models import Instrument

    found = list(
        Instrument.objects.filter(instrument_type=kit.itype, province_id="92")
        .exclude(serial="")
        .order_by("pk")[:6]
    )
    assert len(found) >= 4
    return found


def _upload(client, kit, content):
    response = client.post(
        "/verification/batch-jobs/add/",
        {"provider": kit.provider.pk, "file": io.BytesIO(content)},
        format="multipart",
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def _post_mapping(client, url, **extra):
    return client.post(url, {**{f"col_{k}": v for k, v in MAPPING.items()}, **extra})


def test_template_download_has_every_column(client_for):
    response = client_for("ct.kiemdinh").get("/verification/batch-jobs/template.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header == [str(label) for label, _r, _h in batch.COLUMNS.values()]
    assert batch.guess_mapping(header) == {key: str(label) for key, (label, _r, _h) in batch.COLUMNS.items()}


def test_preview_writes_nothing_then_the_job_issues_every_row(kit, instruments, client_for, settings, media):
    settings.VERIFICATION_BATCH_INLINE = True
    client = client_for("ct.kiemdinh")
    rows = [_row(kit, inst) for inst in instruments[:3]] + [
        _row(kit, instruments[3], found="31.5")
    ]  # one fails
    url = _upload(client, kit, _sheet(kit, rows))
    records, certs = VerificationRecord.objects.count(), Certificate.objects.count()
    response = _post_mapping(client, url, preview="1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sẽ cấp 3 giấy chứng nhận." in html
    assert (VerificationRecord.objects.count(), Certificate.objects.count()) == (records, certs)
    response = _post_mapping(client, url, confirm="1")
    job = BatchJob.objects.latest("pk")
    assert response["Location"] == job.get_absolute_url()
    assert job.status == "done" and job.issued == 3 and job.failed_records == 1 and job.errors == []
    assert Certificate.objects.count() == certs + 3
    assert VerificationRecord.objects.count() == records + 4
    assert set(
        Certificate.objects.filter(stamp_number__in=[f"T-{i.pk}" for i in instruments[:3]]).values_list(
            "instrument_id", flat=True
        )
    ) == {i.pk for i in instruments[:3]}
    page = client.get(job.get_absolute_url()).content.decode()
    assert "100 %" in page
    progress = client.get(f"/verification/batch-jobs/{job.pk}/progress/").content.decode()
    assert "4/4 dòng" in progress


def test_a_bad_row_means_nothing_is_issued(kit, instruments, client_for, settings, media):
    settings.VERIFICATION_BATCH_INLINE = True
    client = client_for("ct.kiemdinh")
    rows = [_row(kit, inst) for inst in instruments[:3]]
    rows.insert(1, _row(kit, instruments[3], card="KHÔNG-CÓ"))
    rows.append(_row(kit, instruments[4], standard="SAI-SỐ"))
    url = _upload(client, kit, _sheet(kit, rows))
    records, certs = VerificationRecord.objects.count(), Certificate.objects.count()
    html = _post_mapping(client, url, preview="1").content.decode()
    assert "2 dòng có lỗi" in html and "KHÔNG-CÓ" in html
    assert 'name="confirm"' not in html
    # even if the confirmation is forced, the job rolls back entirely
    _post_mapping(client, url, confirm="1")
    job = BatchJob.objects.latest("pk")
    assert job.status == "failed" and job.issued == 0
    assert [e["row"] for e in job.errors] == [3, 6]
    assert "KHÔNG-CÓ" in " ".join(job.errors[0]["errors"])
    assert (VerificationRecord.objects.count(), Certificate.objects.count()) == (records, certs)
    assert "Dòng 3" in client.get(job.get_absolute_url()).content.decode()


def test_mapping_problems_are_named(kit, instruments, client_for, media):
    client = client_for("ct.kiemdinh")
    url = _upload(client, kit, _sheet(kit, [_row(kit, instruments[0])]))
    html = client.post(url, {"col_kind": "Hình thức", "preview": "1"}).content.decode()
    assert "Hãy chọn cột chứa" in html


def test_not_a_workbook(kit, client_for, media):
    response = client_for("ct.kiemdinh").post(
        "/verification/batch-jobs/add/", {"provider": kit.provider.pk, "file": io.BytesIO(b"hello")}
    )
    assert "không phải bảng tính Excel" in response.content.decode()


def test_only_issuers_may_batch(client_for):
    for username in ("ct.kdv", "ct.doanhnghiep", "ct.xa", "ct.songanh"):
        assert client_for(username).get("/verification/batch-jobs/add/").status_code == 403
    assert client_for("ct.kiemdinh").get("/verification/batch-jobs/add/").status_code == 200


def test_progress_is_reported_to_the_job_while_the_transaction_is_open(kit, instruments, media):
    """While the batch's transaction is open, the progress it reports is the background job's (core.jobs: the
    worker's heartbeat thread writes it from its own connection) and the batch page shows it."""
    from doluong.core import jobs

    seen = []
    rows = batch.rows_from(HEADERS, [_row(kit, inst) for inst in instruments[:5]], MAPPING)
    record = BatchJob.objects.create(
        provider=kit.provider, created_by=kit.staff, file_name="x.xlsx", total=5, status="running"
    )
    job = jobs.create("certificates", user=kit.staff, params={"batch_job": record.pk}, status="running")
    record.job = job
    record.save()

    def on_progress(n):
        jobs.report_progress(job, n, 5)
        seen.append(jobs._progress[job.pk][0])
        seen.append(batch.progress(record)["percent"])

    batch.PROGRESS_EVERY, old = 1, batch.PROGRESS_EVERY
    try:
        outcomes = batch.process_all(rows, kit.provider, kit.staff, commit=False, on_progress=on_progress)
    finally:
        batch.PROGRESS_EVERY = old
        jobs._progress.pop(job.pk, None)
    assert all(o.certificate for o in outcomes)
    assert seen == [1, 20, 2, 40, 3, 60, 4, 80, 5, 100]


def test_the_confirmed_batch_is_queued_for_the_worker(kit, instruments, client_for, settings, media):
    """With the database backend (as served) confirming only queues: the batch waits, its spreadsheet is in the
    job input store, the queue holds the task; the worker's part then issues every row."""
    from django_tasks_db.models import DBTaskResult

    from doluong.core import jobs

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = client_for("ct.kiemdinh")
    url = _upload(client, kit, _sheet(kit, [_row(kit, inst) for inst in instruments[:2]]))
    certs = Certificate.objects.count()
    response = _post_mapping(client, url, confirm="1")
    record = BatchJob.objects.latest("pk")
    assert response["Location"] == record.get_absolute_url()
    assert record.status == "pending" and record.job.status == "queued"
    assert jobs.input_path(record.job.input_file) is not None
    assert DBTaskResult.objects.get(id=record.job.task_id).args_kwargs["args"] == [record.job.pk]
    assert Certificate.objects.count() == certs
    assert jobs.run_job(record.job.pk) == "done"
    record.refresh_from_db()
    assert (record.status, record.issued) == ("done", 2) and Certificate.objects.count() == certs + 2
    assert jobs.input_path(record.job.input_file) is None
    assert record.job.rows_inserted == 2 and record.job.organisation_id == kit.provider.pk
