"""`doluong manage backup` / `restore`: a backup of the test database (it holds the demo) is restored into a FRESH
database in another process — PostgreSQL: a new database `doluong_backup_restore_<pid>`; SQLite: a new file — and
the restored site then verifies an existing certificate through the public check and issues a new one through the
actions; the uploaded files come back byte-identical. A damaged archive is refused before anything is touched.

The backup reads only committed data (pg_dump is another process), so these tests run outside the per-test
transaction (`django_db_blocker`) on the demo that tests/conftest.py commits, and change nothing in it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command

from doluong.core import backup

# the mark makes pytest-django set up the test database; the module's fixtures read it outside the transaction
pytestmark = pytest.mark.django_db

CHILD = Path(__file__).with_name("backup_child.py")
MEDIA_FILE = "verification/templates/mẫu-giấy-chứng-nhận.docx"
MEDIA_BYTES = bytes(range(256)) * 64 + "Giấy chứng nhận kiểm định".encode()


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English here (the subprocesses speak the site's Vietnamese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def db_access(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="module")
def site(tmp_path_factory, db_access):
    """The test site with an uploaded file in a MEDIA_ROOT of its own and a KEK file in a DATA_DIR of its own."""
    from django.conf import settings

    from doluong.verification import signing

    root = tmp_path_factory.mktemp("site")
    saved = settings.MEDIA_ROOT, settings.DATA_DIR, settings.DOLUONG_KEYS_DIR
    settings.MEDIA_ROOT = root / "media"
    settings.DATA_DIR = root / "data"
    upload = settings.MEDIA_ROOT / MEDIA_FILE
    upload.parent.mkdir(parents=True)
    upload.write_bytes(MEDIA_BYTES)
    # the keys the demo's signing keys are sealed with (KEK) and endorsed by (root key), in this site's folder
    signing.root_public()  # makes them if no test made them yet
    keys = settings.DATA_DIR / "keys"
    shutil.copytree(saved[2], keys)
    settings.DOLUONG_KEYS_DIR = keys
    try:
        yield root
    finally:
        settings.MEDIA_ROOT, settings.DATA_DIR, settings.DOLUONG_KEYS_DIR = saved


@pytest.fixture(scope="module")
def archive(site):
    path = site / "backup.tar.gz"
    out = io.StringIO()
    call_command("backup", output=str(path), include_kek=True, stdout=out, stderr=io.StringIO())
    print(
        f"\nbackup of the test demo: {path.stat().st_size} bytes — {out.getvalue().strip().splitlines()[-1]}"
    )
    return path


@pytest.fixture(scope="module")
def plain_archive(site, archive):
    """A backup made without --include-kek."""
    path = site / "plain.tar.gz"
    call_command("backup", output=str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return path


@pytest.fixture(scope="module")
def fresh_target(tmp_path_factory, db_access):
    """(environment, data dir) of a fresh, empty site: a new PostgreSQL database or a new SQLite file path."""
    from django.db import connection

    data = tmp_path_factory.mktemp("restored")
    env = {k: v for k, v in os.environ.items() if k not in {"MEDIA_ROOT", "SQLITE_PATH", "DATABASE_URL"}}
    env.update(DOLUONG_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="doluong.settings", PYTHONUTF8="1")
    # the child works on the restored demo, which was built on the suite's pinned clock: it runs on it too
    from django.utils import timezone

    env["DOLUONG_TEST_CHILD_NOW"] = timezone.now().isoformat()
    name = None
    if connection.vendor == "postgresql":
        name = f"doluong_backup_restore_{os.getpid()}"
        params = connection.settings_dict
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        auth = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
        env["DATABASE_URL"] = (
            f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
        )
    else:
        env["SQLITE_PATH"] = str(data / "restored.sqlite3")
    yield env, data
    if name:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def manage(env, *args) -> subprocess.CompletedProcess:
    return run(env, "-m", "doluong.cli", "manage", *args)


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def repack(source: Path, target: Path, change, extra: dict[str, bytes] | None = None) -> Path:
    """A copy of the archive with `change(name, data) -> data | None` applied to each member (None: left out),
    plus the `extra` members."""
    with tarfile.open(target, "w:gz") as tar:
        for name, data in [*members(source).items(), *(extra or {}).items()]:
            data = change(name, data)
            if data is None:
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def unchanged(name, data):
    return data


# ------------------------------------------------------------------------------------------- the archive


def test_the_archive_holds_a_manifest_the_database_the_media_and_the_kek_only_when_asked(
    archive, plain_archive, site
):
    from django.db import connection

    files = members(archive)
    manifest = json.loads(files["manifest.json"])
    vendor = connection.vendor
    assert manifest["database"]["vendor"] == vendor
    assert manifest["database"]["file"] in files
    assert manifest["migrations"] == backup.applied_migrations()
    assert {"geo", "verification", "registry"} <= set(manifest["migrations"])
    assert manifest["doluong_version"] == backup.doluong_version()
    assert manifest["includes_kek"] is True
    listed = {e["path"]: e for e in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json"}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest()
        assert entry["size"] == len(files[name])
    assert files["media/" + MEDIA_FILE] == MEDIA_BYTES
    assert files["keys/kek"] == (site / "data" / "keys" / "kek").read_bytes()

    without = members(plain_archive)
    assert not [name for name in without if name.startswith("keys/")]
    assert json.loads(without["manifest.json"])["includes_kek"] is False


# ------------------------------------------------------------------------------------------- round trip


def test_restore_into_a_fresh_database_then_verify_and_issue(archive, fresh_target, site):
    from doluong.verification import public, signing
    from doluong.verification.models import Certificate, CertificateStatus

    env, data = fresh_target
    cert = Certificate.objects.filter(status=CertificateStatus.VALID).order_by("pk").first()
    short = signing.short(cert.signature)
    expected = [{"state": e["state"], "number": e["number"]} for e in public.check(cert.number, short)]
    assert expected[0]["number"] == cert.number
    demo_count = Certificate.objects.count()

    restored = manage(env, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert str(archive) in restored.stdout

    child = run(env, str(CHILD), cert.number, short)
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["existing"] == expected
    assert result["certificates_before"] == demo_count
    assert result["certificates_after"] == demo_count + 1
    assert result["issued"]["verifies"] is True
    assert [e["state"] for e in result["issued_check"]] == ["valid"]
    print(f"\nrestored round trip: {result}")

    assert (data / "media" / MEDIA_FILE).read_bytes() == MEDIA_BYTES
    assert (data / "keys" / "kek").read_bytes() == (site / "data" / "keys" / "kek").read_bytes()

    # the restored site now holds data: a second restore is refused without --force …
    again = manage(env, "restore", str(archive))
    assert again.returncode != 0
    assert "--force" in again.stderr

    # … and a damaged archive is refused even with --force, before anything changes
    (data / "media" / "kept.txt").write_text("written after the restore")

    def flip(name, content):
        if name == "media/" + MEDIA_FILE:
            return content[:-1] + bytes([content[-1] ^ 1])
        return content

    damaged = repack(archive, site / "damaged.tar.gz", flip)
    refused = manage(env, "restore", "--force", str(damaged))
    assert refused.returncode != 0
    assert "SHA-256" in refused.stderr, refused.stderr
    assert (data / "media" / "kept.txt").exists()
    assert (data / "media" / MEDIA_FILE).read_bytes() == MEDIA_BYTES
    count = run(
        env,
        "-c",
        "import django, os; django.setup(); from doluong.verification.models import Certificate; "
        "print(Certificate.objects.count())",
    )
    assert count.returncode == 0, count.stderr
    assert (
        int(count.stdout.strip()) == demo_count + 1
    )  # the certificate issued after the restore is still there


# ------------------------------------------------------------------------------------------- refusals


def _refusal(path: Path, scratch: Path) -> str:
    with pytest.raises(backup.BackupError) as caught:
        backup.read_archive(path, scratch)
    return str(caught.value)


def test_a_tampered_archive_is_refused(archive, tmp_path):
    extra = repack(archive, tmp_path / "extra.tar.gz", unchanged, {"media/unlisted.txt": b"bad"})
    assert "not in its manifest" in _refusal(extra, tmp_path / "s1")

    twice = repack(archive, tmp_path / "twice.tar.gz", unchanged, {"manifest.json": b"{}"})
    assert "twice" in _refusal(twice, tmp_path / "s1b")

    missing = repack(archive, tmp_path / "missing.tar.gz", lambda n, c: None if n.startswith("media/") else c)
    assert "missing from the archive" in _refusal(missing, tmp_path / "s2")

    with tarfile.open(tmp_path / "escape.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    assert "not a plain file inside the archive" in _refusal(tmp_path / "escape.tar.gz", tmp_path / "s3")
    assert not (tmp_path / "escape.txt").exists()

    (tmp_path / "junk.tar.gz").write_bytes(b"\x1f\x8b not really gzip")
    assert "not a readable backup archive" in _refusal(tmp_path / "junk.tar.gz", tmp_path / "s4")

    no_manifest = repack(
        archive, tmp_path / "nomanifest.tar.gz", lambda n, c: None if n == "manifest.json" else c
    )
    assert "no manifest.json" in _refusal(no_manifest, tmp_path / "s5")


def test_a_backup_with_newer_migrations_is_refused(archive, tmp_path):
    def future(name, content):
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        manifest["migrations"]["verification"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    newer = repack(archive, tmp_path / "newer.tar.gz", future)
    with pytest.raises(backup.BackupError) as caught:
        backup.restore_backup(newer, check_only=True)
    assert "verification.9999_from_the_future" in str(caught.value)
    assert "newer doluong" in str(caught.value)


def test_restore_refuses_another_vendor_and_a_database_that_holds_data(archive, tmp_path):
    from django.db import connection

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def vendor(name, content):
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        manifest["database"]["vendor"] = other
        return json.dumps(manifest).encode()

    with pytest.raises(backup.BackupError, match="configured database is"):
        backup.restore_backup(repack(archive, tmp_path / "vendor.tar.gz", vendor), check_only=True)
    # the test database holds the demo: without --force the restore stops before touching it
    with pytest.raises(backup.BackupError, match="--force"):
        backup.restore_backup(archive)
    assert backup.is_database_empty() is False
