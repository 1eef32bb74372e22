"""Risk-ranked target sites of a campaign: the pure score against a hand calculation, the ranking built from the
registry (order, stored inputs and weights version), idempotent re-generation, and scoping of the page (GET and
POST) by the permission table."""

import datetime as dt
from decimal import Decimal

import pytest

from doluong.core.scope import principal
from doluong.geo.models import Commune
from doluong.inspections.models import (
    Campaign,
    Complaint,
    Finding,
    Inspection,
    RiskWeights,
    Site,
    TargetSite,
)
from doluong.metrology import inspection_risk as risk
from doluong.metrology.errors import InvalidInput
from doluong.parties.models import Organisation
from doluong.programs.models import Attendance, Training
from doluong.registry.models import Instrument, InstrumentType

W = risk.RiskWeights(
    violation=Decimal("3"),
    certificate=Decimal("2"),
    complaint=Decimal("2"),
    instrument=Decimal("0.2"),
    year_since_visit=Decimal("1"),
    days_cap=730,
)


# ------------------------------------------------------------------------------------ the pure score


def test_score_against_a_hand_calculation():
    # 1 violation × 3 + 2 bad certificates × 2 + 2 complaints × 2 + 4 instruments × 0.2 + 154/365 years × 1
    # = 3 + 4 + 4 + 0.80 + 0.42 (0.4219… rounded) = 12.22
    r = risk.risk_score(
        risk.RiskInputs(violations=1, bad_certificates=2, complaints=2, instruments=4, days_since_visit=154),
        W,
    )
    assert [t.points for t in r.terms] == [
        Decimal("3"),
        Decimal("4"),
        Decimal("4"),
        Decimal("0.80"),
        Decimal("0.42"),
    ]
    assert r.score == Decimal("12.22") and r.days_used == 154 and not r.never_visited
    assert [t.name for t in r.terms] == list(risk.TERMS)


def test_never_visited_counts_the_cap_and_longer_is_capped():
    never = risk.risk_score(risk.RiskInputs(), W)
    assert never.score == Decimal("2.00") and never.never_visited and never.days_used == 730
    old = risk.risk_score(risk.RiskInputs(days_since_visit=5000), W)
    assert old.score == Decimal("2.00") and not old.never_visited
    # 365 days → exactly one year
    assert risk.risk_score(risk.RiskInputs(days_since_visit=365), W).score == Decimal("1.00")


@pytest.mark.parametrize(
    "inputs",
    [risk.RiskInputs(violations=-1), risk.RiskInputs(instruments=1.5), risk.RiskInputs(complaints=True)],
)
def test_bad_inputs_refused(inputs):
    with pytest.raises(InvalidInput):
        risk.risk_score(inputs, W)


def test_negative_weight_refused():
    with pytest.raises(InvalidInput):
        risk.risk_score(risk.RiskInputs(), risk.RiskWeights(-1, 0, 0, 0, 0))


# ------------------------------------------------------------------------------------ the ranking


@pytest.fixture
def area(user_for, db):
    officer = user_for("ct.xa")
    commune = Commune.objects.get(pk=principal(officer).scopes[0].commune_id)
    other = (
        Commune.objects.filter(province_id=commune.province_id).exclude(pk=commune.pk).order_by("pk").first()
    )
    training = Training.objects.create(
        province_id=commune.province_id,
        date=dt.date(2025, 3, 1),
        title="Tập huấn kiểm tra nhà nước về đo lường",
    )
    leader = Attendance.objects.create(training=training, full_name="Lê Minh Tâm")

    def campaign(c):
        return Campaign.objects.create(
            province_id=commune.province_id,
            commune=c,
            kind="thematic",
            year=2026,
            title=f"Kiểm tra chợ {c.name}",
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2027, 12, 31),
            leader_name="Lê Minh Tâm",
            leader_training=leader,
        )

    camp = campaign(commune)
    owner = Organisation.objects.create(
        name="Hộ kinh doanh Rủi Ro Một", kind="household", province_id=commune.province_id, commune=commune
    )
    owner2 = Organisation.objects.create(
        name="Hộ kinh doanh Rủi Ro Hai", kind="household", province_id=commune.province_id, commune=commune
    )
    market = Site.objects.create(kind="market", name="Chợ Rủi Ro Thử Nghiệm", commune=commune, operator=owner)
    stall = Site.objects.create(kind="stall", name="Sạp R1", parent=market, commune=commune, operator=owner2)
    shop = Site.objects.create(kind="shop", name="Cửa hàng Chưa Kiểm Tra Bao Giờ", commune=commune)
    Site.objects.create(kind="shop", name="Cửa hàng Xã Bên", commune=other)
    itype = InstrumentType.objects.order_by("pk").first()

    def instrument(org, valid_until):
        return Instrument.objects.create(
            instrument_type=itype, owner=org, commune=commune, valid_until=valid_until
        )

    a = instrument(owner, dt.date(2027, 1, 1))  # valid
    instrument(owner, dt.date(2026, 1, 1))  # expired
    instrument(owner, None)  # no certificate
    instrument(owner2, dt.date(2027, 6, 1))  # valid, at the stall
    visit = Inspection.objects.create(
        campaign=camp, site=stall, date=dt.date(2026, 6, 1), inspector="Lê Minh Tâm"
    )
    Finding.objects.create(inspection=visit, code="expired", description="Cân hết hạn kiểm định")
    Complaint.objects.create(commune=commune, place="Sạp khác", text="Cân thiếu", instrument=a)
    Complaint.objects.create(commune=commune, place="Sạp 3, chợ Rủi Ro Thử Nghiệm", text="Cân thiếu 100 g")
    return dict(
        commune=commune, other=other, campaign=camp, market=market, shop=shop, other_campaign=campaign(other)
    )


def test_generated_targets_scores_and_order(area, client_for):
    client = client_for("ct.xa")
    url = f"/inspections/campaigns/{area['campaign'].pk}/targets/"
    r = client.post(url)
    assert r.status_code == 302
    rows = list(TargetSite.objects.filter(campaign=area["campaign"]).order_by("rank"))
    market = next(t for t in rows if t.site_id == area["market"].pk)
    # the hand calculation above, from what the fixture put in the registry (day: the pinned 02/11/2026)
    assert (market.violations, market.bad_certificates, market.complaints, market.instruments) == (1, 2, 2, 4)
    assert market.last_visit == dt.date(2026, 6, 1) and market.days_used == 154
    assert market.score == Decimal("12.22")
    assert market.weights == RiskWeights.objects.get(code="RISK-2025")
    shop = next(t for t in rows if t.site_id == area["shop"].pk)
    assert shop.score == Decimal("2.00") and shop.last_visit is None
    # ranks are 1..n by descending score; a stall is counted with its market, not ranked alone
    assert [t.rank for t in rows] == list(range(1, len(rows) + 1))
    assert [t.score for t in rows] == sorted((t.score for t in rows), reverse=True)
    assert market.rank < shop.rank
    assert not any(t.site and t.site.kind == "stall" for t in rows)
    assert {t.commune_id for t in rows} == {area["commune"].pk}
    page = client.get(url).content.decode()
    assert "Chợ Rủi Ro Thử Nghiệm" in page and "12.22" in page.replace(",", ".")
    assert "Tạo danh sách mục tiêu" in page and "vi phạm" in page
    # the formula written out with the weights of the version used (Vietnamese decimal comma)
    assert "điểm = 3 × số vi phạm đã phát hiện + 2 × số phương tiện đo hết hạn" in page
    assert "0,2 × số phương tiện đo" in page and "min(số ngày kể từ lần kiểm tra trước, 730) / 365" in page


def test_regeneration_is_idempotent(area, client_for):
    client = client_for("ct.sokhcn")
    url = f"/inspections/campaigns/{area['campaign'].pk}/targets/"
    client.post(url)
    first = list(
        TargetSite.objects.filter(campaign=area["campaign"]).values_list("pk", "rank", "score", "site_id")
    )
    client.post(url)
    again = list(
        TargetSite.objects.filter(campaign=area["campaign"]).values_list("pk", "rank", "score", "site_id")
    )
    assert first and again == first
    # a site gone from the registry leaves the list; a new one enters it
    area["shop"].delete()
    Site.objects.create(kind="petrol", name="CHXD Mới Vào", commune=area["commune"])
    client.post(url)
    names = set(TargetSite.objects.filter(campaign=area["campaign"]).values_list("name", flat=True))
    assert "CHXD Mới Vào" in names and "Cửa hàng Chưa Kiểm Tra Bao Giờ" not in names


def test_scoping_by_get_and_post(area, client_for):
    url = f"/inspections/campaigns/{area['campaign'].pk}/targets/"
    foreign = client_for("dt.sokhcn")
    assert foreign.get(url).status_code == 404
    assert foreign.post(url).status_code == 404
    assert not TargetSite.objects.filter(campaign=area["campaign"]).exists()
    # a commune officer reaches only their commune's campaign
    other_url = f"/inspections/campaigns/{area['other_campaign'].pk}/targets/"
    ct_xa = client_for("ct.xa")
    assert ct_xa.get(other_url).status_code == 404
    assert ct_xa.post(other_url).status_code == 404
    assert not TargetSite.objects.filter(campaign=area["other_campaign"]).exists()
    # the province officer of the campaign's province may
    assert client_for("ct.sokhcn").post(other_url).status_code == 302
    assert TargetSite.objects.filter(campaign=area["other_campaign"]).exists()
    assert client_for(None).post(url).status_code == 302  # to the login page


# ------------------------------------------------------------------------------------ an inspection from a target


def _target_urls(area, site_key="shop"):
    camp = area["campaign"]
    target = TargetSite.objects.get(campaign=camp, site=area[site_key])
    return (
        f"/inspections/campaigns/{camp.pk}/targets/",
        f"/inspections/campaigns/{camp.pk}/targets/{target.pk}/inspection/",
        target,
    )


def test_target_opens_one_inspection_and_links_to_it(area, client_for, user_for):
    client = client_for("ct.xa")
    client.post(f"/inspections/campaigns/{area['campaign'].pk}/targets/")
    url, action, target = _target_urls(area)
    page = client.get(url).content.decode()
    assert f'action="{action}"' in page and "Lập cuộc kiểm tra" in page
    before = Inspection.objects.count()
    r = client.post(action)
    assert r.status_code == 302
    target.refresh_from_db()
    visit = target.inspection
    assert visit is not None and r["Location"] == visit.get_absolute_url()
    officer = user_for("ct.xa")
    # the pinned day (02/11/2026) lies inside the campaign (2025–2027); the inspector is who pressed the button
    assert (visit.campaign_id, visit.site_id, visit.date) == (
        area["campaign"].pk,
        area["shop"].pk,
        dt.date(2026, 11, 2),
    )
    assert visit.inspector == (officer.get_full_name() or officer.get_username())
    assert Inspection.objects.count() == before + 1
    assert visit.history.first().history_user == officer
    # the row now links to it, and offers no second one
    page = client.get(url).content.decode()
    assert f'href="{visit.get_absolute_url()}"' in page and f'action="{action}"' not in page
    # pressed again (a second tab, a double tap): the same inspection, none added
    r = client.post(action)
    assert r.status_code == 302 and r["Location"] == visit.get_absolute_url()
    assert Inspection.objects.count() == before + 1
    # regenerating the ranked list keeps the link
    client.post(url)
    target.refresh_from_db()
    assert target.inspection_id == visit.pk


def test_target_inspection_scoped_like_the_other_buttons(area, client_for):
    client_for("ct.sokhcn").post(f"/inspections/campaigns/{area['campaign'].pk}/targets/")
    url, action, target = _target_urls(area)
    before = Inspection.objects.count()
    # another province's officer: 404 on POST, nothing written
    assert client_for("dt.sokhcn").post(action).status_code == 404
    # not a GET
    assert client_for("ct.xa").get(action).status_code == 405
    # a target of this campaign under another campaign's address: 404
    other = area["other_campaign"]
    assert (
        client_for("ct.sokhcn")
        .post(f"/inspections/campaigns/{other.pk}/targets/{target.pk}/inspection/")
        .status_code
        == 404
    )
    # the officer of another commune of the province does not reach this campaign
    client_for("ct.sokhcn").post(f"/inspections/campaigns/{other.pk}/targets/")
    other_target = TargetSite.objects.filter(campaign=other, site__isnull=False).order_by("rank").first()
    assert other_target is not None
    assert (
        client_for("ct.xa")
        .post(f"/inspections/campaigns/{other.pk}/targets/{other_target.pk}/inspection/")
        .status_code
        == 404
    )
    assert client_for(None).post(action).status_code == 302  # to the login page
    assert Inspection.objects.count() == before
    target.refresh_from_db()
    assert target.inspection_id is None
    # the province's officer may
    assert client_for("ct.sokhcn").post(action).status_code == 302
    target.refresh_from_db()
    assert target.inspection is not None and target.inspection.campaign_id == area["campaign"].pk


def test_weights_are_provisional_and_the_administrator_versions_them(area, client_for):
    """RISK-2025 is the project's proposal: the formula's page says it waits for the authority's decision. An
    officer may not add weights (view only); the administrator adds the authority's version, dated, and the next
    generation ranks with it (the notice gone, the version named on the page)."""
    url = f"/inspections/campaigns/{area['campaign'].pk}/targets/"
    officer = client_for("ct.sokhcn")
    officer.post(url)
    page = officer.get(url).content.decode()
    assert 'id="weights-provisional"' in page
    assert "Các trọng số này là tạm thời, chờ quyết định của cơ quan có thẩm quyền" in page
    assert "/inspections/risk-weights/" in page
    assert RiskWeights.objects.get(code="RISK-2025").provisional
    data = {
        "code": "QD-2026",
        "valid_from": "01/10/2026",
        "violation": "4",
        "certificate": "2",
        "complaint": "1",
        "instrument": "0.5",
        "year_since_visit": "1",
        "days_cap": "730",
        "source": "Quyết định của Sở Khoa học và Công nghệ (thử nghiệm)",
    }
    refused = officer.post("/inspections/risk-weights/add/", data)
    assert refused.status_code in (403, 404)
    api = officer.post("/api/inspections/risk-weights/", {**data, "valid_from": "2026-10-01"})
    assert api.status_code in (403, 404)
    assert not RiskWeights.objects.filter(code="QD-2026").exists()
    admin = client_for("admin")
    assert admin.post("/inspections/risk-weights/add/", data).status_code == 302
    version = RiskWeights.objects.get(code="QD-2026")
    assert not version.provisional and version.instrument == Decimal("0.5")
    assert RiskWeights.in_force(dt.date(2026, 11, 2)) == version
    assert RiskWeights.in_force(dt.date(2026, 9, 30)).code == "RISK-2025"  # the earlier version stays dated
    officer.post(url)
    market = TargetSite.objects.get(campaign=area["campaign"], site=area["market"])
    # 4 × 1 + 2 × 2 + 1 × 2 + 0,5 × 4 + 1 × 154/365 (0,42) = 12,42
    assert market.weights == version and market.score == Decimal("12.42")
    page = officer.get(url).content.decode()
    assert 'id="weights-provisional"' not in page and "QD-2026" in page
