"""The home page's state-inspection panel: shown to the commune and province inspection officers with this year's
inspections planned and done, the violations still to follow up and the campaigns, counted here independently
from the demo's rows of the officer's area; absent for an enterprise user (who may read its own sites'
inspections, not plan them)."""

import datetime as dt
import re

import pytest

from doluong.core.scope import principal
from doluong.inspections.models import Campaign, Finding, Inspection, Remedy

pytestmark = pytest.mark.django_db

YEAR = 2026  # the suite's pinned clock (tests/conftest.py: 02/11/2026)


def _panel(html: str) -> str:
    start = html.index('id="inspections-panel"')
    return html[start : html.index("</p>\n</div></div>", start)]


def _count(panel: str, key: str) -> int:
    m = re.search(rf'data-count="{key}"><span[^>]*>([\d.]+)</span>', panel)
    assert m, key
    return int(m.group(1).replace(".", ""))


def test_commune_inspector_sees_the_panel_with_independent_counts(client_for, user_for):
    user = user_for("ct.kiemtra")
    commune_id = principal(user).scopes[0].commune_id
    html = client_for("ct.kiemtra").get("/").content.decode()
    panel = _panel(html)
    assert "Kiểm tra nhà nước về đo lường năm 2026" in panel
    visits = Inspection.objects.filter(site__commune_id=commune_id, date__year=YEAR)
    assert visits.exists()
    assert _count(panel, "planned") == visits.count()
    assert _count(panel, "done") == visits.filter(sealed_at__isnull=False).count() > 0
    open_findings = {
        r.finding_id
        for r in Remedy.objects.filter(
            finding__inspection__site__commune_id=commune_id, completed_on__isnull=True
        )
    }
    assert _count(panel, "open-findings") == len(open_findings)
    unconfirmed = Finding.objects.filter(
        inspection__site__commune_id=commune_id, sanction__in=["warning", "fine"], confirmed_on__isnull=True
    )
    assert _count(panel, "unconfirmed") == unconfirmed.count() > 0  # the demo's warning at stall 12
    camp = Campaign.objects.get(commune_id=commune_id, year=YEAR)
    assert camp.title in panel and "Đang tiến hành" in panel
    assert (
        "Đợt kiểm tra tiếp theo" in panel and "chưa có đợt nào" in panel
    )  # the demo's campaign runs all year


def test_panel_counts_a_new_violation_and_the_next_campaign(client_for, user_for):
    user = user_for("ct.kiemtra")
    commune_id = principal(user).scopes[0].commune_id
    client = client_for("ct.kiemtra")
    before = _count(_panel(client.get("/").content.decode()), "open-findings")
    camp = Campaign.objects.get(commune_id=commune_id, year=YEAR)
    visit = Inspection.objects.filter(
        campaign=camp, sealed_at__isnull=True, follow_up_of__isnull=True
    ).first()
    finding = Finding.objects.create(inspection=visit, code="expired", description="Cân hết hạn kiểm định")
    remedy = Remedy(finding=finding, kind="other", days=5)
    remedy.full_clean()
    remedy.save()
    nxt = Campaign.objects.create(
        province_id=camp.province_id,
        commune_id=commune_id,
        kind="unannounced",
        year=YEAR + 1,
        title="Kiểm tra đột xuất cột đo xăng dầu",
        start_date=dt.date(YEAR + 1, 2, 1),
        end_date=dt.date(YEAR + 1, 3, 31),
        leader_name=camp.leader_name,
        leader_training=camp.leader_training,
    )
    panel = _panel(client.get("/").content.decode())
    assert _count(panel, "open-findings") == before + 1
    assert f'href="{nxt.get_absolute_url()}" id="next-campaign"' in panel and "từ ngày 01/02/2027" in panel
    # carried out: no longer to follow up
    Remedy.objects.filter(pk=remedy.pk).update(completed_on=visit.date)
    assert _count(_panel(client.get("/").content.decode()), "open-findings") == before


def test_province_inspector_sees_it_and_an_enterprise_does_not(client_for):
    html = client_for("ct.thanhtra").get("/").content.decode()
    assert 'id="inspections-panel"' in html
    visits = Inspection.objects.filter(site__province_id="92", date__year=YEAR)
    assert _count(_panel(html), "planned") == visits.count()
    for username in ("ct.doanhnghiep", "dt.doanhnghiep"):
        page = client_for(username).get("/")
        assert page.status_code == 200
        assert 'id="inspections-panel"' not in page.content.decode()
