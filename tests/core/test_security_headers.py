"""Production security: the Content-Security-Policy (no inline script anywhere), Cache-Control on signed-in pages,
HSTS/HTTPS only when switched on, and `check --deploy` clean for the documented production setup
(docs/operations.md)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

#: the documented production environment (docs/operations.md, "Environment variables")
PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "doluong.example.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://doluong.example.gov.vn",
    "SITE_URL": "https://doluong.example.gov.vn",
    "DOLUONG_HTTPS": "1",
    "DOLUONG_TRUSTED_PROXIES": "1",
}


def _directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "path"),
    [(None, "/login/"), (None, "/verify/"), ("ct.sokhcn", "/"), ("ct.sokhcn", "/registry/instruments/"),
     ("admin", "/api/docs/"), ("admin", "/admin/")],
)  # fmt: skip
def test_every_page_has_a_strict_csp(client_for, username, path):
    response = client_for(username).get(path)
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]


SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _inline_scripts(html: str) -> list[str]:
    return [
        attrs for attrs in SCRIPT.findall(html) if "src=" not in attrs and "application/json" not in attrs
    ]


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_event_handler(client_for):
    from doluong.programs.models import Plan

    client = client_for("ct.sokhcn")
    plan = Plan.objects.filter(province_id="92").first()
    paths = ["/", "/registry/instruments/", "/registry/bulk/new/", "/login/"]
    if plan is not None:
        paths.append(reverse("programs:plan_dashboard", args=[plan.pk]))
    for path in paths:
        html = client.get(path).content.decode()
        assert _inline_scripts(html) == [], path
        assert not HANDLER.search(html), path
    html = Client().get("/verify/").content.decode()
    assert _inline_scripts(html) == [] and not HANDLER.search(html)


@pytest.mark.django_db
def test_swagger_ui_loads_its_script_from_a_url(client_for):
    html = client_for("admin").get("/api/docs/").content.decode()
    assert _inline_scripts(html) == []
    script = client_for("admin").get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


@pytest.mark.django_db
def test_signed_in_pages_are_not_cached_public_pages_keep_their_caching(client_for):
    client = client_for("ct.sokhcn")
    for path in ("/", "/registry/instruments/", "/api/registry/instruments/?limit=1"):
        assert client.get(path)["Cache-Control"] == "private, no-store", path
    # the public check keeps its own header (its view's), the same for everyone; static files theirs
    own = Client().get("/verify/").get("Cache-Control")
    assert client.get("/verify/").get("Cache-Control") == own != "private, no-store"
    assert client.get("/static/doluong/site.css").get("Cache-Control") != "private, no-store"


@pytest.mark.django_db
def test_hsts_and_the_https_redirect_only_when_switched_on(settings):
    response = Client().get("/verify/", secure=True)
    assert "Strict-Transport-Security" not in response
    assert Client().get("/verify/").status_code == 200  # no redirect to https by default (the local demo)

    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/verify/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    response = Client().get("/verify/")
    assert response.status_code == 301 and response["Location"].startswith("https://")


def _settings_in(env: dict, *names: str) -> list[str]:
    code = "import django, os; django.setup(); from django.conf import settings as s; " + "; ".join(
        f"print(repr(s.{name}))" for name in names
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")[: len(names)]


def _production_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOLUONG_", "SECURE_", "DATABASE_URL"))}
    env.update(PRODUCTION_ENV)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "doluong.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DOLUONG_DATA_DIR": str(tmp_path / "data"),
        }
    )
    return env


def test_doluong_https_switches_redirect_hsts_and_secure_cookies(tmp_path):
    env = _production_env(tmp_path)
    names = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
             "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER")  # fmt: skip
    assert _settings_in(env, *names) == [
        "True", "31536000", "True", "False", "True", "True", "('HTTP_X_FORWARDED_PROTO', 'https')"
    ]  # fmt: skip
    env.pop("DOLUONG_HTTPS")
    env.pop("DOLUONG_TRUSTED_PROXIES")
    assert _settings_in(env, *names) == ["False", "0", "True", "False", "False", "False", "None"]


def test_check_deploy_is_clean_in_the_production_setup(tmp_path):
    env = _production_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "doluong.cli", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output and "?: (" not in output
