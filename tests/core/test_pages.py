"""The site around the surfaces: every persona exists with its role, the dashboard for every persona, login, the API
schema and its offline documentation, token authentication, Vietnamese first. Every surface's own pages (list,
detail, add, import, export, API, create, edit, delete) are tested by tests/generic/test_surfaces.py."""

from __future__ import annotations

import os
import re

import pytest
from django.urls import reverse
from django.utils import translation

from doluong.core.personas import PERSONAS
from doluong.core.surface import SURFACES

USERNAMES = [p.username for p in PERSONAS]

pytestmark = pytest.mark.django_db


def test_every_persona_exists_with_its_role(user_for):
    from doluong.core.scope import principal

    for persona in PERSONAS:
        user = user_for(persona.username)
        who = principal(user)
        if persona.role == "admin":
            assert who.is_admin
        else:
            assert not who.is_admin
            assert who.roles() == {persona.role}, persona.username
            assert who.province_ids == {persona.province}, persona.username


@pytest.mark.parametrize("username", USERNAMES)
def test_dashboard(client_for, username):
    response = client_for(username).get(reverse("home"))
    assert response.status_code == 200
    # instrument figures (and their chart) for the roles that view instruments, the enterprises advised for a
    # consultant, the reports owed for the others
    assert any(
        mark in response.content for mark in (b"chart-data", b'id="consultant-panel"', b"owed-reports")
    )


def test_dashboard_anonymous_redirects(client_for):
    response = client_for(None).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page(client_for):
    response = client_for(None).get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_login_with_demo_password(client_for):
    from doluong.core.personas import DEMO_PASSWORD

    client = client_for(None)
    response = client.post(reverse("login"), {"username": "ct.sokhcn", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_api_schema(client_for):
    response = client_for("ct.sokhcn").get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    for surface in SURFACES.values():
        assert f"/api/{surface.namespace}/{surface.route}/" in body


def test_api_docs_are_served_offline(client_for):
    response = client_for("ct.sokhcn").get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # every script, style sheet and image comes from our own static files, never from a CDN
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert refs, html[:500]
    assert not [r for r in refs if re.match(r"(?i)(https?:)?//", r)]
    assert not re.search(r"""["'](?:https?:)?//(?:cdn|unpkg|fonts)\.""", html)


def test_api_token_authentication(client_for, user_for):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user_for("ct.kiemdinh"))
    client = client_for(None)
    response = client.get("/api/registry/instruments/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    response = client.get("/api/registry/instruments/", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code in (401, 403)


def test_screens_are_vietnamese_first_and_english_on_request(client_for):
    client = client_for("ct.sokhcn")
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="vi">' in html
    with translation.override("vi"):
        overview = translation.gettext("Overview")
        instruments = translation.gettext("measuring instruments")
    assert overview == "Tổng quan"
    assert f">{overview}</h1>" in html
    html = client.get(reverse("registry:instrument_list")).content.decode()
    assert f">{instruments[:1].upper()}{instruments[1:]}</h1>" in html

    client.cookies["doluong_language"] = "en"
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert ">Overview</h1>" in html


def test_absolute_url_does_not_depend_on_import_order():
    import subprocess
    import sys

    code = (
        "import django; django.setup()\n"
        "from doluong.registry.models import Instrument\n"
        "print(Instrument(pk=7).get_absolute_url())\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "doluong.settings"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "/registry/instruments/7/"


def test_long_choice_lists_are_not_drop_downs_but_still_filter(client_for, settings):
    """An administrator's 3,321 communes do not fit a drop-down: the list page renders the commune filter hidden
    (a link still filters); a provincial officer's own communes (fewer than the limit) stay a drop-down."""
    import re

    from doluong.core import filtersets
    from doluong.geo.models import Commune
    from doluong.registry.models import Instrument

    assert Commune.objects.count() > filtersets.MAX_SELECT >= Commune.objects.filter(province_id="92").count()
    admin = client_for("admin").get("/registry/instruments/").content.decode()
    assert re.search(r'<input type="hidden" name="commune"', admin)
    assert not re.search(r'<select name="commune"', admin)
    officer = client_for("ct.sokhcn").get("/registry/instruments/").content.decode()
    assert re.search(r'<select name="commune"', officer)
    commune = Instrument.objects.filter(province_id="92").values_list("commune_id", flat=True).first()
    linked = client_for("admin").get("/registry/instruments/", {"commune": commune})
    shown = linked.context["table"].page.paginator.count
    assert shown == Instrument.objects.filter(commune_id=commune).count() > 0
