"""The landing dashboard per role: scoped figures, the commune officer's own commune, papers lapsing soon."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from doluong.core.dates import today
from doluong.core.scope import principal
from doluong.parties.models import Designation, Registration, Verifier
from doluong.registry.home import LAPSING_DAYS
from doluong.registry.models import Instrument, MeasurementStandard

pytestmark = pytest.mark.django_db


def _metric(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}">([\d.]+)<', html)
    assert match, element_id
    return int(match.group(1).replace(".", ""))


@pytest.mark.parametrize("username", ["ct.sokhcn", "dt.xa", "ct.kiemdinh", "ct.doanhnghiep", "admin"])
def test_figures_are_the_users_scope(client_for, user_for, username):
    user = user_for(username)
    html = client_for(username).get(reverse("home")).content.decode()
    now = today()
    mine = Instrument.objects.restrict(user)
    assert _metric(html, "metric-overdue") == mine.filter(next_due__lt=now).count()
    assert (
        _metric(html, "metric-due30")
        == mine.filter(next_due__gte=now, next_due__lte=now + dt.timedelta(days=30)).count()
    )


def test_commune_officer_sees_own_commune_first(client_for, user_for):
    user = user_for("dt.xa")
    (commune,) = {s.commune_id for s in principal(user).scopes if s.role == "commune_officer"}
    html = client_for("dt.xa").get(reverse("home")).content.decode()
    block = html[html.index('id="own-commune"') : html.index("</div>", html.index('id="own-commune"'))]
    total = Instrument.objects.filter(commune_id=commune).count()
    assert f"?commune={commune}" in block
    assert re.search(rf">{total:,}<".replace(",", "."), block), (total, block)
    assert 'id="own-commune"' not in client_for("ct.sokhcn").get(reverse("home")).content.decode()


def test_lapsing_papers_stay_in_scope(client_for, user_for):
    now = today()
    until = now + dt.timedelta(days=LAPSING_DAYS)
    # make sure each province has something lapsing soon
    for province in ("92", "82"):
        card = Verifier.objects.filter(organisation__province_id=province).order_by("pk").first()
        card.valid_until = now + dt.timedelta(days=10)
        card.save()
    html = client_for("ct.sokhcn").get(reverse("home")).content.decode()
    assert 'id="lapsing"' in html
    panel = html[html.index('id="lapsing"') :]
    seen = set(re.findall(r'href="(/[^"]+/\d+/)"', panel[: panel.index("</table>")]))
    user = user_for("ct.sokhcn")
    expected = set()
    for model in (Registration, Designation, Verifier, MeasurementStandard):
        for obj in model.objects.restrict(user).filter(valid_until__gte=now, valid_until__lte=until):
            expected.add(obj.get_absolute_url())
    assert seen and seen <= expected
    other = Verifier.objects.filter(
        organisation__province_id="82", valid_until__lte=until, valid_until__gte=now
    )
    assert not {v.get_absolute_url() for v in other} & seen
