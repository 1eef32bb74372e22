"""The provider's own page (issue 14, item 8) on the demo database: the Cần Thơ provider's staff (ct.kiemdinh)
sees the calibration plan lines that name its organisation as provider (the enterprises' requests) and the
confirmations fed by its certificates — exactly those, on the page, the detail pages and the API; another lab
(dt.kiemdinh, and a line moved to another Cần Thơ provider) sees none of them; the provider writes nothing of
them; a user who is no provider's staff is refused the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doluong.assurance.models import Confirmation, ConfirmationPoint, PlanLine
from doluong.parties.choices import OrganisationKind
from doluong.parties.models import Organisation

pytestmark = pytest.mark.django_db
PROVIDER = "ct.kiemdinh"
OTHER_LAB = "dt.kiemdinh"


@pytest.fixture
def lab(user_for):
    return user_for(PROVIDER).memberships.get().organisation


def test_the_provider_sees_exactly_its_own_requests_and_confirmations(client_for, user_for, lab, helpers):
    other = (
        Organisation.objects.filter(province_id="92", kind__in=OrganisationKind.providers())
        .exclude(pk=lab.pk)
        .order_by("pk")
        .first()
    )
    lines = PlanLine.objects.filter(provider=lab).order_by("pk")
    assert lines.count() >= 2, "the demo plans name the Cần Thơ provider"
    moved = lines.last()
    PlanLine.objects.filter(pk=moved.pk).update(provider=other)
    user = user_for(PROVIDER)
    mine = set(PlanLine.objects.filter(provider=lab).values_list("pk", flat=True))
    assert set(PlanLine.objects.restrict(user).values_list("pk", flat=True)) == mine
    fed = set(Confirmation.objects.filter(certificate__provider=lab).values_list("pk", flat=True))
    assert fed, "a demo confirmation rests on the provider's certificate"
    assert set(Confirmation.objects.restrict(user).values_list("pk", flat=True)) == fed
    assert set(ConfirmationPoint.objects.restrict(user).values_list("confirmation_id", flat=True)) == fed

    client = client_for(PROVIDER)
    page = client.get(reverse("assurance:provider_work"))
    assert page.status_code == 200
    listed = {line.pk for line in page.context["open_lines"] + page.context["done_lines"]}
    assert listed == mine and moved.pk not in listed
    assert {c.pk for c in page.context["confirmations"]} == fed
    html = page.content.decode()
    assert "Yêu cầu hiệu chuẩn và xác nhận đo lường" in html
    # the menu offers the page to the provider
    assert reverse("assurance:provider_work") in client.get("/").content.decode()
    api_lines = {r["id"] for r in helpers.api_rows(client, "/api/assurance/plan-lines/")}
    assert api_lines == mine
    api_conf = {r["id"] for r in helpers.api_rows(client, "/api/assurance/confirmations/")}
    assert api_conf == fed
    line = PlanLine.objects.get(pk=min(mine))
    assert client.get(line.get_absolute_url()).status_code == 200
    assert client.get(PlanLine.objects.get(pk=moved.pk).get_absolute_url()).status_code == 404
    confirmation = Confirmation.objects.get(pk=min(fed))
    assert client.get(confirmation.get_absolute_url()).status_code == 200
    # read only: no edit of a request nor of a confirmation, web or API
    planned = line.planned_on
    assert client.post(reverse("assurance:planline_edit", args=[line.pk]), {}).status_code in (403, 404)
    api = client.patch(
        f"/api/assurance/plan-lines/{line.pk}/", {"notes": "x"}, content_type="application/json"
    )
    assert api.status_code in (403, 404)
    assert client.post(reverse("assurance:planline_done", args=[line.pk])).status_code in (403, 404)
    line.refresh_from_db()
    assert line.planned_on == planned and line.notes != "x"
    assert (
        client.post(
            reverse("assurance:confirmation_sign", args=[confirmation.pk]), {"signer": "x"}
        ).status_code
        == 404
    )


def test_another_lab_sees_none_of_them(client_for, user_for, lab, helpers):
    client = client_for(OTHER_LAB)
    user = user_for(OTHER_LAB)
    ct_lines = set(PlanLine.objects.filter(provider=lab).values_list("pk", flat=True))
    ct_conf = set(Confirmation.objects.filter(certificate__provider=lab).values_list("pk", flat=True))
    assert not PlanLine.objects.restrict(user).filter(pk__in=ct_lines).exists()
    assert not Confirmation.objects.restrict(user).filter(pk__in=ct_conf).exists()
    page = client.get(reverse("assurance:provider_work"))
    assert page.status_code == 200
    listed = {line.pk for line in page.context["open_lines"] + page.context["done_lines"]}
    assert not listed & ct_lines and not {c.pk for c in page.context["confirmations"]} & ct_conf
    assert not {r["id"] for r in helpers.api_rows(client, "/api/assurance/plan-lines/")} & ct_lines
    assert not {r["id"] for r in helpers.api_rows(client, "/api/assurance/confirmations/")} & ct_conf
    assert client.get(PlanLine.objects.get(pk=min(ct_lines)).get_absolute_url()).status_code == 404
    assert client.get(Confirmation.objects.get(pk=min(ct_conf)).get_absolute_url()).status_code == 404


@pytest.mark.parametrize("username", ["ct.doanhnghiep", "ct.sokhcn", "ct.tuvan"])
def test_the_page_is_the_providers(client_for, username):
    assert client_for(username).get(reverse("assurance:provider_work")).status_code == 403
    assert reverse("assurance:provider_work") not in client_for(username).get("/").content.decode()
