"""Limits of a public service: login lockout on every password login (django-axes, with the settings' own values),
API throttles, upload sizes refused before the file is read, files read as streams, error reports capped (the
count stays exact), and uploads that are refused, abandoned or interrupted deleted (docs/operations.md)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from doluong.core import bulk, uploads
from doluong.core import io as tabular
from doluong.core.models import Job as BulkJob
from doluong.parties.views import organisation as ORGANISATION

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
PASSWORD = "Mật-khẩu-đúng-2026"


@pytest.fixture
def person(user_for):
    user = user_for("ct.sokhcn")
    user.set_password(PASSWORD)
    user.save()
    return user


def _web_login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _admin_login(client, username, password, **extra):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}, **extra
    )


# ------------------------------------------------------------------------------------------------ lockout


def test_the_lockout_settings_are_the_documented_production_values():
    """The suite runs with the real values (nothing relaxes them): 5 failures, 15 minutes, username + address."""
    assert django_settings.AXES_ENABLED is True
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=15)
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert django_settings.AXES_RESET_ON_SUCCESS is True
    assert "axes.backends.AxesStandaloneBackend" in django_settings.AUTHENTICATION_BACKENDS
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_five_wrong_passwords_lock_the_web_login_then_the_admin_login_for_15_minutes(person):
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        for _attempt in range(4):
            response = _web_login(client, person.username, "sai-mat-khau")
            assert response.status_code == 200
            assert "Sai tên đăng nhập hoặc mật khẩu" in response.content.decode()
        # the fifth wrong password locks: the answer is the lockout page (HTTP 429)
        response = _web_login(client, person.username, "sai-mat-khau")
        assert response.status_code == 429
        assert 'id="lockout"' in response.content.decode()
        # then even the right password is refused, on the web login and on the admin's
        response = _web_login(client, person.username, PASSWORD)
        assert response.status_code == 429
        html = response.content.decode()
        assert 'id="lockout"' in html and "tạm khóa" in html and "15 phút" in html
        assert "_auth_user_id" not in client.session
        response = _admin_login(client, person.username, PASSWORD)
        assert response.status_code == 429
        assert 'id="lockout"' in response.content.decode()
        # the lock is for this user name from this address: another address, another user name still log in
        other = Client(REMOTE_ADDR="10.0.0.9")
        assert _web_login(other, person.username, PASSWORD).status_code == 302
        # 14 minutes later it still holds, and an attempt during the lock starts the 15 minutes again
        clock.shift(dt.timedelta(minutes=14))
        assert _web_login(Client(), person.username, PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=14))
        assert _web_login(Client(), person.username, PASSWORD).status_code == 429
        # 15 minutes after the last attempt it is lifted
        clock.shift(dt.timedelta(minutes=15, seconds=1))
        response = _web_login(Client(), person.username, PASSWORD)
        assert response.status_code == 302 and response["Location"] == reverse("home")


def test_wrong_passwords_on_the_admin_login_count_too_and_axes_reset_unlocks(person):
    client = Client()
    with time_machine.travel(T0, tick=False):
        for _attempt in range(4):
            assert _admin_login(client, person.username, "sai").status_code == 200
        assert _admin_login(client, person.username, "sai").status_code == 429
        assert _web_login(client, person.username, PASSWORD).status_code == 429
        call_command("axes_reset_username", person.username, stdout=io.StringIO())
        assert _web_login(client, person.username, PASSWORD).status_code == 302


def test_a_success_resets_the_count(person):
    with time_machine.travel(T0, tick=False):
        for _round in range(3):
            client = Client()
            for _attempt in range(4):
                assert _web_login(client, person.username, "sai").status_code == 200
            assert _web_login(client, person.username, PASSWORD).status_code == 302


def test_force_login_is_not_counted(client_for):
    """The suite logs in with force_login (no password): axes does not see those, and they keep working."""
    for _attempt in range(10):
        assert client_for("ct.sokhcn").get(reverse("home")).status_code == 200


# ------------------------------------------------------------------------------------------------ throttles


def test_api_throttle_settings():
    rates = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {"anon": "60/min", "user": "1200/min"}
    classes = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    assert "rest_framework.throttling.AnonRateThrottle" in classes
    assert "rest_framework.throttling.UserRateThrottle" in classes


def test_anonymous_api_requests_are_throttled_at_the_real_rate():
    cache.clear()  # the throttles count in the cache: start from nothing whatever ran before in this process
    client = Client()
    with time_machine.travel(T0, tick=False):
        codes = [client.get("/api/docs/").status_code for _ in range(61)]
    assert codes[:60] == [200] * 60
    assert codes[60] == 429


def test_a_users_api_requests_are_throttled(client_for, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    cache.clear()
    client = client_for("ct.sokhcn")
    # from the moment of the login (the suite's clock): the session must still be alive
    with time_machine.travel(timezone.now(), tick=False) as clock:
        codes = [client.get("/api/registry/instruments/", {"limit": 1}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        clock.shift(dt.timedelta(minutes=1, seconds=1))
        assert client.get("/api/registry/instruments/", {"limit": 1}).status_code == 200


def test_a_wrong_api_token_is_refused():
    """The API has no password login; a wrong token is refused (403: session authentication comes first)."""
    response = Client().get("/api/registry/instruments/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert response.status_code == 403
    assert response.json()["detail"]


@pytest.mark.parametrize("page", ["99999999999999999999999", "-1", "abc", "0", "1e9", "\x00"])
def test_html_list_pages_never_fail_on_a_strange_page_number(client_for, page):
    response = client_for("ct.sokhcn").get("/registry/instruments/", {"page": page, "per_page": "9" * 30})
    assert response.status_code in (200, 404)


# ------------------------------------------------------------------------------------------------ upload sizes


@pytest.fixture
def small_limits(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BULK_IMPORT_INLINE = True
    settings.VERIFICATION_BATCH_INLINE = True
    settings.DOLUONG_UPLOAD_LIMITS = {
        **settings.DOLUONG_UPLOAD_LIMITS,
        "import": 1000,
        "bulk": 1000,
        "batch": 1000,
    }
    return settings


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_import_above_the_limit_is_refused_before_reading(client_for, small_limits, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(tabular, "read_table", never)
    content = b"Ten,Loai\n" + b"Cong ty,enterprise\n" * 100
    response = client_for("ct.sokhcn").post(
        reverse(ORGANISATION.url_name("import")), {"file": SimpleUploadedFile("lon.csv", content)}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors == ["Tệp “lon.csv” có dung lượng 1 KB; tệp loại này chỉ được tối đa 1000 byte."]
    assert _files(uploads.imports_folder()) == []


def test_bulk_upload_above_the_limit_is_refused_and_no_job_is_made(client_for, small_limits):
    before = BulkJob.objects.count()
    upload = SimpleUploadedFile("lon.csv", b"x" * 5000)
    response = client_for("ct.sokhcn").post("/registry/bulk/new/", {"kind": "instruments", "file": upload})
    assert response.status_code == 200
    assert "chỉ được tối đa 1000 byte" in response.content.decode()
    assert BulkJob.objects.count() == before
    assert _files(Path(small_limits.DATA_DIR) / "bulk") == []


def test_batch_upload_above_the_limit_is_refused(client_for, small_limits):
    client = client_for("ct.kiemdinh")
    page = client.get(reverse("verification:batchjob_add"))
    provider = page.context["form"].fields["provider"].queryset.first()
    upload = SimpleUploadedFile("lon.xlsx", b"x" * 5000)
    response = client.post(reverse("verification:batchjob_add"), {"provider": provider.pk, "file": upload})
    assert response.status_code == 200
    assert "chỉ được tối đa 1000 byte" in response.content.decode()
    assert _files(Path(small_limits.DATA_DIR) / "batch") == []


def test_a_request_larger_than_every_limit_is_refused_before_it_is_read(client_for, settings):
    settings.DOLUONG_UPLOAD_LIMITS = dict.fromkeys(settings.DOLUONG_UPLOAD_LIMITS, 1000)
    response = client_for("ct.sokhcn").post(
        reverse(ORGANISATION.url_name("import")),
        {"file": SimpleUploadedFile("rat-lon.csv", b"x" * (1024 * 1024 + 2000))},
    )
    assert response.status_code == 413
    assert "Dữ liệu tải lên quá lớn" in response.content.decode()


def test_upload_size_settings_are_read_strictly(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import doluong.settings as module

    for bad in ("abc", "0", "-5"):
        monkeypatch.setenv("DOLUONG_UPLOAD_IMPORT_MB", bad)
        with pytest.raises(ImproperlyConfigured):
            importlib.reload(module)
    monkeypatch.setenv("DOLUONG_UPLOAD_IMPORT_MB", "3")
    monkeypatch.setenv("DOLUONG_API_USER_RATE", "lots")
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(module)
    monkeypatch.delenv("DOLUONG_API_USER_RATE")
    assert importlib.reload(module).DOLUONG_UPLOAD_LIMITS["import"] == 3 * 1024 * 1024
    monkeypatch.delenv("DOLUONG_UPLOAD_IMPORT_MB")
    assert importlib.reload(module).DOLUONG_UPLOAD_LIMITS["import"] == 10 * 1024 * 1024


# ------------------------------------------------------------------------------------------------ streams


class _CountingStream(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_a_csv_with_too_many_rows_is_refused_while_it_is_read(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_IMPORT_ROWS", 10)
    monkeypatch.setattr(tabular, "READ_CHUNK", 256)
    content = b"Ten,Loai\n" + b"".join(b"Cong ty %d,enterprise\n" % i for i in range(5000))
    stream = _CountingStream(content)
    with pytest.raises(tabular.ImportFileError, match="10"):
        tabular.read_table("nhieu.csv", stream)
    assert stream.bytes_read < len(content) / 20  # stopped after the 11th row, not at the end of the file


def test_streamed_csv_names_the_byte_that_is_not_utf8(monkeypatch):
    monkeypatch.setattr(tabular, "READ_CHUNK", 7)  # the bad byte is far from the first chunk
    content = "Tên,Loại\nCông ty Hòa,enterprise\n".encode() + b"Caf\xe9,enterprise\n"
    with pytest.raises(tabular.ImportFileError) as caught:
        tabular.read_table("sai.csv", content)
    position = content.index(b"\xe9") + 1
    assert f"byte thứ {position})" in str(caught.value)


def test_streamed_csv_reads_quoted_newlines_bom_and_semicolons():
    content = '\ufeffTên;Ghi chú\r\n“Hòa”;"dòng 1\ndòng 2"\r\nAn;\r\n'.encode()
    header, body = tabular.read_table("a.csv", content)
    assert header == ["Tên", "Ghi chú"]
    assert body == [["“Hòa”", "dòng 1\ndòng 2"], ["An", ""]]


# ------------------------------------------------------------------------------------------------ error reports


#: the bulk instruments file's columns (as tests/bulk/conftest.py)
BULK_HEADER = [
    "Loại phương tiện đo",
    "Chủ sở hữu",
    "Xã, phường",
    "Số sản xuất",
    "Nhà sản xuất",
    "Năm sản xuất",
    "Tình trạng",
    "Ngày kiểm định gần nhất",
    "Hiệu lực đến",
    "Địa điểm sử dụng",
]


def test_bulk_error_report_is_capped_and_its_count_stays_exact(client_for, small_limits, settings):
    settings.DOLUONG_UPLOAD_LIMITS = {**settings.DOLUONG_UPLOAD_LIMITS, "bulk": 50 * 1024 * 1024}
    long_type = "KHÔNG CÓ LOẠI NÀY " * 300  # 5,400 characters, quoted in each row's message
    rows = bulk.MAX_REPORTED_ERRORS + 200
    book = Workbook()
    sheet = book.active
    sheet.append(BULK_HEADER)
    for n in range(rows):  # the same long text in every row: the XLSX stores it once (shared strings)
        sheet.append([long_type, "0312687878", "31135", f"S{n}", "", "", "", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    assert len(content) < 200 * 1024

    client = client_for("ct.sokhcn")
    response = client.post(
        "/registry/bulk/new/", {"kind": "instruments", "file": SimpleUploadedFile("dai.xlsx", content)}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    job = BulkJob.objects.order_by("-pk").first()
    assert job.status == BulkJob.Status.REJECTED
    assert job.rows_bad == rows
    assert job.error_count >= rows  # every error counted
    assert len(job.errors) == bulk.MAX_REPORTED_ERRORS  # the first ones kept
    assert all(len(e["reason"]) <= bulk.MESSAGE_CHARS for e in job.errors)
    assert len(json.dumps(job.errors, ensure_ascii=False).encode()) < 500 * 1024
    html = client.get(f"/registry/bulk/{job.pk}/").content.decode()
    assert 'id="bulk-errors-capped"' in html
    assert f"{bulk.MAX_REPORTED_ERRORS:,}".replace(",", ".") in html
    assert f"{job.error_count:,}".replace(",", ".") in html
    assert _files(Path(small_limits.DATA_DIR) / "bulk") == []  # the rejected file is gone


def test_batch_error_rows_are_all_kept_with_short_messages():
    from doluong.verification.batch import MESSAGE_CHARS, MESSAGES_PER_ROW, cap_errors

    errors = [{"row": n, "errors": ["x" * 10000] * 9} for n in range(2, 3000)]
    capped = cap_errors(errors)
    assert [e["row"] for e in capped] == [e["row"] for e in errors]
    assert all(len(e["errors"]) == MESSAGES_PER_ROW + 1 for e in capped)
    assert all(len(m) <= MESSAGE_CHARS for e in capped for m in e["errors"])


def test_import_page_lists_at_most_500_errors_and_says_how_many_there_are(client_for, media_tmp):
    from test_import import csv_bytes, labels, organisation_rows, table

    from doluong.core.views import ERRORS_SHOWN

    client = client_for("admin")
    records = organisation_rows(ERRORS_SHOWN + 20)
    for record in records:
        record["kind"] = "không có loại này"
    content = csv_bytes(*table(records, labels(client, ORGANISATION)))
    response = client.post(
        reverse(ORGANISATION.url_name("import")), {"file": SimpleUploadedFile("loi.csv", content)}
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert len(result.errors) >= ERRORS_SHOWN + 20
    html = response.content.decode()
    start = html.index('id="import-errors"')
    table_html = html[start : html.index("</table>", start)]
    assert table_html.count("<tr><td>") == ERRORS_SHOWN
    assert f"Đang hiển thị {ERRORS_SHOWN} lỗi đầu tiên trong tổng số {len(result.errors)} lỗi" in html


# ------------------------------------------------------------------------------------------------ leftovers


def test_import_files_refused_or_confirmed_are_deleted_a_good_preview_waits(client_for, media_tmp):
    client = client_for("admin")
    url = reverse(ORGANISATION.url_name("import"))
    folder = uploads.imports_folder()
    # refused as a whole (an unknown column)
    client.post(url, {"file": SimpleUploadedFile("a.csv", b"Cot la\nx\n")})
    assert _files(folder) == []
    # rows with errors: nothing can be confirmed
    client.post(url, {"file": SimpleUploadedFile("b.csv", "Tên,Loại tổ chức\nA,không có\n".encode())})
    assert _files(folder) == []
    # a good file waits for the confirmation, then goes
    from test_import import csv_bytes, labels, organisation_rows, table

    content = csv_bytes(*table(organisation_rows(2), labels(client, ORGANISATION)))
    response = client.post(url, {"file": SimpleUploadedFile("c.csv", content)})
    assert response.context["result"].ok, response.context["result"].errors
    assert len(_files(folder)) == 1
    client.post(url, {"token": response.context["token"]})
    assert _files(folder) == []


def _old(path: Path, hours: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    stamp = time.time() - hours * 3600
    os.utime(path, (stamp, stamp))
    return path


def test_clean_uploads_deletes_old_leftovers_keeps_young_and_in_use_files_and_is_idempotent(
    settings, tmp_path, user_for
):
    from doluong.verification.models import BatchJob

    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    data = Path(settings.DATA_DIR)
    files = {
        "old import preview": _old(uploads.imports_folder() / "aaaa.csv", 30),
        "young import preview": _old(uploads.imports_folder() / "bbbb.csv", 1),
        "interrupted bulk load": _old(data / "bulk" / "cccc.csv", 48),
        "old batch upload": _old(data / "batch" / "dddd.xlsx", 25),
        "batch of a waiting job": _old(data / "batch" / "eeee.xlsx", 25),
        "old progress file": _old(data / "jobs" / "999999.json", 25),
    }
    provider = user_for("ct.kiemdinh").memberships.first().organisation
    BatchJob.objects.create(
        provider=provider, file_name="x.xlsx", mapping={"token": "eeee", "columns": {}}, total=1
    )
    out = io.StringIO()
    call_command("clean_uploads", stdout=out)
    assert out.getvalue().split() == ["batch:", "1", "bulk:", "1", "imports:", "1", "jobs:", "1"]
    kept = {name for name, path in files.items() if path.exists()}
    assert kept == {"young import preview", "batch of a waiting job"}
    out = io.StringIO()
    call_command("clean_uploads", stdout=out)
    assert out.getvalue().split() == ["batch:", "0", "bulk:", "0", "imports:", "0", "jobs:", "0"]
    call_command("clean_uploads", "--hours", "0", stdout=io.StringIO())
    assert {name for name, path in files.items() if path.exists()} == {"batch of a waiting job"}


def test_a_new_upload_cleans_previews_abandoned_long_ago(client_for, media_tmp):
    abandoned = _old(uploads.imports_folder() / "ffff.csv", 30)
    client_for("admin").post(
        reverse(ORGANISATION.url_name("import")), {"file": SimpleUploadedFile("a.csv", b"Cot la\nx\n")}
    )
    assert not abandoned.exists()


def test_a_batch_job_deletes_its_spreadsheet_when_it_ends(settings, tmp_path, user_for):
    from doluong.verification import batch
    from doluong.verification.models import BatchJob

    settings.DATA_DIR = tmp_path / "data"
    settings.VERIFICATION_BATCH_INLINE = True
    token = batch.store_upload(batch.template_xlsx())
    path = batch.upload_path(token)
    provider = user_for("ct.kiemdinh").memberships.first().organisation
    job = BatchJob.objects.create(
        provider=provider,
        created_by=user_for("ct.kiemdinh"),
        file_name="x.xlsx",
        mapping={"token": token, "columns": batch.guess_mapping(batch.read_sheet(path)[0])},
        total=1,
    )
    batch.run(job.pk)
    assert not path.exists()
