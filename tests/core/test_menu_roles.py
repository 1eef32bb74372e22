"""The menu per role, read from the permission table: every link in each demo persona's menu answers 200; what a
role may not use is not offered; each role's home page shows its own panels (from the apps)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from doluong.core.personas import PERSONAS

pytestmark = pytest.mark.django_db

USERNAMES = [p.username for p in PERSONAS]


def _menu(html: str) -> list[str]:
    nav = html[html.index('id="mainnav"') : html.index("</nav>")]
    return re.findall(r'class="(?:dropdown-item|nav-link)" href="([^"#]+)"', nav)


@pytest.mark.parametrize("username", USERNAMES)
def test_every_menu_link_opens(client_for, username):
    client = client_for(username)
    links = _menu(client.get(reverse("home")).content.decode())
    assert links, username
    refused = {url: client.get(url).status_code for url in links}
    assert {url: code for url, code in refused.items() if code != 200} == {}


def _titles(client) -> str:
    html = client.get(reverse("home")).content.decode()
    return html[html.index('id="mainnav"') : html.index("</nav>")]


def test_an_enterprise_is_not_offered_keys_batches_or_permissions(client_for):
    menu = _titles(client_for("ct.doanhnghiep"))
    keys_batches_permissions = (
        reverse("verification:signingkey_list"),
        reverse("verification:batchjob_list"),
        reverse("parties:membership_list"),
        "/admin/",
    )
    for path in keys_batches_permissions:
        assert f'href="{path}"' not in menu
    assert f'href="{reverse("api-docs")}"' not in menu
    admin_menu = _titles(client_for("admin"))
    assert f'href="{reverse("verification:signingkey_list")}"' in admin_menu
    assert f'href="{reverse("parties:membership_list")}"' in _titles(client_for("ct.sokhcn"))
    assert f'href="{reverse("api-docs")}"' in admin_menu


def test_a_department_reporter_is_not_offered_the_bulk_load(client_for):
    upload = f'href="{reverse("registry:bulk_upload")}"'
    assert upload not in _titles(client_for("ct.songanh"))
    assert f'href="{reverse("parties:membership_list")}"' not in _titles(client_for("ct.songanh"))
    assert upload in _titles(client_for("ct.sokhcn"))


def test_api_docs_are_offered_to_an_account_that_uses_the_api(client_for, user_for):
    from rest_framework.authtoken.models import Token

    docs = f'href="{reverse("api-docs")}"'
    assert docs not in _titles(client_for("ct.kiemdinh"))
    Token.objects.create(user=user_for("ct.kiemdinh"))
    assert docs in _titles(client_for("ct.kiemdinh"))


def test_a_department_reporter_home_shows_the_report_it_owes(client_for, user_for):
    from doluong.programs.models import ReportRound

    html = client_for("ct.songanh").get(reverse("home")).content.decode()
    assert 'id="owed-reports"' in html
    assert 'id="metric-overdue"' not in html  # no instrument figures: the role views no instruments
    user = user_for("ct.songanh")
    org = user.memberships.get().organisation
    rounds = [
        r for r in ReportRound.objects.filter(status="open") if r.expected_units().filter(pk=org.pk).exists()
    ]
    assert rounds
    panel = html[html.index('id="owed-reports"') :]
    for round_ in rounds:
        assert round_.deadline.strftime("%d/%m/%Y") in panel


def test_instrument_figures_for_those_who_view_instruments(client_for):
    for username in ("ct.sokhcn", "ct.xa", "ct.kiemdinh", "ct.doanhnghiep", "admin"):
        html = client_for(username).get(reverse("home")).content.decode()
        assert 'id="metric-overdue"' in html, username
        assert 'id="owed-reports"' not in html or username == "ct.xa", username
