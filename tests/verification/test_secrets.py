"""Secrets apart: signing keys and the PAdES passphrase are sealed with their own key-encryption key, not with
SECRET_KEY; the KEK rotates; a wrong KEK is a clear Vietnamese refusal; the server refuses the default
SECRET_KEY with DEBUG=0."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import override_settings

from doluong.verification import actions, signing
from doluong.verification.models import CertificateSettings, SigningKey

pytestmark = pytest.mark.django_db


def _issue(kit, **overrides):
    record = actions.do_record_verification(**kit.args(**overrides))
    return actions.do_issue_certificate(record, user=kit.staff, issued_on=record.performed_on)


@pytest.fixture
def keys_copy(settings, tmp_path):
    """The session's KEK and root key copied into tmp_path (a rotation in a test must not touch var/keys)."""
    folder = tmp_path / "keys"
    folder.mkdir()
    for name, setting in (("kek", "DOLUONG_KEK_FILE"), ("root.json", "DOLUONG_ROOT_KEY_FILE")):
        source = signing.kek_file() if name == "kek" else signing.root_file()
        shutil.copy(source, folder / name)
        setattr(settings, setting, str(folder / name))
    return folder


def test_a_restore_under_another_secret_key_still_issues(kit, settings, client_for):
    settings.SECRET_KEY = "restored-on-another-server-" + "x" * 40
    cert = _issue(kit)
    assert signing.verify_certificate(cert)
    body = client_for(None).get("/api/public/certificates/", {"n": cert.number}).json()
    assert body["results"][0]["state"] == "valid"


def test_private_keys_are_not_sealed_with_the_secret_key(kit, settings):
    key = SigningKey.objects.filter(provider=kit.provider, retired_at__isnull=True).get()
    with pytest.raises(InvalidToken):
        signing.legacy_fernet(settings.SECRET_KEY).decrypt(key.private_key.encode())
    assert len(signing.unseal(key.private_key)) == 32


def test_pades_passphrase_is_sealed(kit):
    conf = CertificateSettings.objects.get(provider=kit.provider)
    conf.pades_passphrase = "mật khẩu PKCS#12"
    conf.save()
    stored = CertificateSettings.objects.values_list("pades_passphrase", flat=True).get(pk=conf.pk)
    assert stored.startswith("kek:") and "mật khẩu" not in stored
    assert CertificateSettings.objects.get(pk=conf.pk).passphrase() == "mật khẩu PKCS#12"
    conf = CertificateSettings.objects.get(pk=conf.pk)
    conf.save()  # saving again does not seal twice
    assert CertificateSettings.objects.get(pk=conf.pk).passphrase() == "mật khẩu PKCS#12"


def test_wrong_kek_is_a_clear_vietnamese_refusal(kit, settings, client_for):
    record = actions.do_record_verification(**kit.args())
    settings.DOLUONG_KEK = Fernet.generate_key().decode()
    with pytest.raises(signing.SealError) as info:
        actions.do_issue_certificate(record, user=kit.staff)
    assert "khóa mã hóa khóa" in " ".join(info.value.messages)
    client = client_for("ct.kiemdinh")
    response = client.post(f"/verification/records/{record.pk}/issue/", {"stamp_number": "1"})
    assert response.status_code == 302  # back to the record with the message, not a 500
    page = client.get(response["Location"]).content.decode()
    assert "Không mở được bí mật" in page
    response = client_for("ct.kiemdinh").post(
        f"/api/verification/records/{record.pk}/issue/", {}, content_type="application/json"
    )
    assert response.status_code == 400 and "khóa mã hóa khóa" in response.content.decode()


def test_missing_or_malformed_kek(kit, settings, tmp_path):
    settings.DOLUONG_KEK_FILE = str(tmp_path / "absent")
    with pytest.raises(signing.SealError) as info:
        signing.kek_keys()
    assert "Thiếu tệp khóa mã hóa khóa" in " ".join(info.value.messages)
    assert not (tmp_path / "absent").exists()  # a configured file is never invented
    settings.DOLUONG_KEK = "not-a-fernet-key"
    with pytest.raises(signing.SealError):
        signing.kek_keys()


def test_default_kek_file_is_created_0600(settings, tmp_path):
    settings.DOLUONG_KEK, settings.DOLUONG_KEK_FILE = "", ""
    settings.DOLUONG_KEYS_DIR = tmp_path / "keys"
    keys = signing.kek_keys()
    path = tmp_path / "keys" / "kek"
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    assert signing.kek_keys() == keys  # read back, not made again


def test_rotate_kek_round_trip(kit, keys_copy, client_for, capsys):
    conf = CertificateSettings.objects.get(provider=kit.provider)
    conf.pades_passphrase = "bí mật"
    conf.save()
    old_keys = signing.kek_keys()
    key = SigningKey.objects.filter(provider=kit.provider, retired_at__isnull=True).get()
    before = key.private_key
    call_command("rotate_kek")
    out = capsys.readouterr().out
    total = SigningKey.objects.count()
    assert f"signing keys: {total}" in out and "root key: 1" in out
    assert "PAdES passphrases: " in out and "PAdES passphrases: 0" not in out
    new_keys = signing.kek_keys()
    assert len(new_keys) == 1 and new_keys[0] not in old_keys
    key.refresh_from_db()
    assert key.private_key != before
    with pytest.raises(InvalidToken):
        Fernet(old_keys[0]).decrypt(key.private_key.encode())
    assert CertificateSettings.objects.get(pk=conf.pk).passphrase() == "bí mật"
    cert = _issue(kit)  # the provider key and the root key both open under the new KEK
    body = client_for(None).get("/api/public/certificates/", {"n": cert.number}).json()
    assert body["results"][0]["state"] == "valid"


def test_rotate_kek_from_the_environment(kit, settings, capsys):
    current = signing.kek_keys()
    settings.DOLUONG_KEK = current[0].decode()
    with pytest.raises(CommandError):
        call_command("rotate_kek")  # one key in the variable: nothing to rotate to
    new = Fernet.generate_key().decode()
    settings.DOLUONG_KEK = f"{new},{current[0].decode()}"
    # the root file is re-sealed too: work on a copy
    call_command("rotate_kek", "--generate")
    assert len(capsys.readouterr().out.strip()) == 44


def test_rotate_kek_env_reseals_under_the_first_key(kit, settings, keys_copy, capsys):
    current = signing.kek_keys()
    new = Fernet.generate_key().decode()
    settings.DOLUONG_KEK = f"{new},{current[0].decode()}"
    call_command("rotate_kek")
    assert "DOLUONG_KEK" in capsys.readouterr().out
    settings.DOLUONG_KEK = new  # the old key removed: everything still opens
    _issue(kit)


def test_deploy_check_refuses_the_default_secret_key():
    from django.conf import settings
    from django.core.checks import Tags, run_checks

    # the command as an operator runs it (every check) …
    with override_settings(DEBUG=False, SECRET_KEY=settings.INSECURE_SECRET_KEY):
        with pytest.raises(SystemCheckError) as info:
            call_command("check", "--deploy")
        assert "doluong.E001" in str(info.value)
    # … and the security checks alone for the cases that pass (the other checks do not read the key)
    with override_settings(DEBUG=True, SECRET_KEY=settings.INSECURE_SECRET_KEY):
        ids = [e.id for e in run_checks(tags=[Tags.security], include_deployment_checks=True)]
        assert "doluong.E001" not in ids
    with override_settings(DEBUG=False, SECRET_KEY="k" * 10 + "Zx8#pQ" * 10):
        ids = [e.id for e in run_checks(tags=[Tags.security], include_deployment_checks=True)]
        assert "doluong.E001" not in ids


def _server_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")}
    env.update(
        DEBUG="0",
        DOLUONG_DATA_DIR=str(tmp_path / "data"),
        DOLUONG_SECRET_KEY_FILE=str(tmp_path / "absent-secret"),
        DJANGO_SETTINGS_MODULE="doluong.settings",
        **extra,
    )
    return env


def test_the_wsgi_application_refuses_to_start_on_the_default_key(tmp_path):
    """What gunicorn and runserver load: with DEBUG=0 and the default key, it raises."""
    code = "import doluong.wsgi"
    refused = subprocess.run(
        [sys.executable, "-c", code], env=_server_env(tmp_path), capture_output=True, text=True
    )
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    good = subprocess.run(
        [sys.executable, "-c", code],
        env=_server_env(tmp_path, SECRET_KEY="s3cr3t-" + "aB9$" * 15),
        capture_output=True,
        text=True,
    )
    assert good.returncode == 0, good.stderr


def test_the_demo_keeps_a_random_secret_key(tmp_path, monkeypatch):
    from doluong import cli

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DOLUONG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOLUONG_SECRET_KEY_FILE", raising=False)
    cli._demo_secret_key()
    path = tmp_path / "secret_key"
    first = path.read_text()
    assert len(first.strip()) >= 50 and (path.stat().st_mode & 0o777) == 0o600
    cli._demo_secret_key()
    assert path.read_text() == first  # kept, not replaced


def test_migration_reseals_legacy_keys_and_passphrases(kit, settings):
    """Rows written before the KEK: a private key sealed under SECRET_KEY and a passphrase in clear."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("doluong.verification.migrations.0007_signed_status_key_history_void")
    key = SigningKey.objects.filter(provider=kit.provider, retired_at__isnull=True).get()
    raw = signing.unseal(key.private_key)
    legacy = signing.legacy_fernet(settings.SECRET_KEY).encrypt(raw).decode()
    SigningKey.objects.filter(pk=key.pk).update(private_key=legacy)
    CertificateSettings.objects.filter(provider=kit.provider).update(pades_passphrase="clear")
    migration.seal_and_sign_existing(apps, None)
    key.refresh_from_db()
    assert signing.unseal(key.private_key) == raw and signing.key_trusted(key)
    stored = CertificateSettings.objects.values_list("pades_passphrase", flat=True).get(provider=kit.provider)
    assert stored.startswith("kek:")
    cert = _issue(kit)
    assert signing.verify_certificate(cert)
