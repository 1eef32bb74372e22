"""The demo's inspection sites have operators (existing demo organisations of their province), so that the
instruments registered at a site are found: by the campaign's risk-ranked targets (the "instruments" term), by
the field package of the day, and by the checks, which link to their registry record. Every expectation is counted
from the registry independently of the ranking code."""

from decimal import Decimal

import pytest

from doluong.inspections.field import build_package
from doluong.inspections.models import Campaign, InstrumentCheck, Site, TargetSite
from doluong.inspections.ranking import terms
from doluong.registry.choices import InstrumentStatus
from doluong.registry.models import Instrument

pytestmark = pytest.mark.django_db


def _in_use(owner_ids, commune_id):
    return Instrument.objects.filter(
        owner_id__in=owner_ids, commune_id=commune_id, status=InstrumentStatus.IN_USE
    )


@pytest.mark.parametrize("province", ["92", "82"])
def test_demo_petrol_station_has_its_operator_and_instruments(province):
    camp = Campaign.objects.get(province_id=province, title__startswith="Kiểm tra đo lường tại chợ")
    station = Site.objects.get(kind="petrol", commune=camp.commune)
    op = station.operator
    assert op is not None and op.sector == "petroleum" and op.province_id == province
    assert station.name == op.name  # the site is the enterprise's station
    dispensers = _in_use([op.pk], station.commune_id)
    n = dispensers.count()
    assert n > 0 and set(dispensers.values_list("instrument_type__code", flat=True)) == {"19"}
    # the target's stored inputs and the term shown on the page count them
    target = TargetSite.objects.get(campaign=camp, site=station)
    assert target.instruments == n
    term = next(t for t in terms(target).terms if t.name == "instruments")
    assert term.value == n and term.points == (Decimal(n) * target.weights.instrument).quantize(
        Decimal("0.01")
    )
    assert term.points > 0
    expired = dispensers.filter(valid_until__lt=target.reference_day).count()
    assert target.bad_certificates == expired + dispensers.filter(valid_until__isnull=True).count()
    # the station's check is of a registered dispenser
    check = InstrumentCheck.objects.get(inspection__site=station)
    assert check.instrument in dispensers and not check.found_unregistered


@pytest.mark.parametrize("province", ["92", "82"])
def test_demo_market_counts_its_stalls_instruments(province):
    camp = Campaign.objects.get(province_id=province, title__startswith="Kiểm tra đo lường tại chợ")
    market = Site.objects.get(kind="market", commune=camp.commune)
    stalls = list(market.stalls.all())
    assert len(stalls) == 2 and all(s.operator and s.operator.kind == "household" for s in stalls)
    assert len({s.operator_id for s in stalls}) == 2  # one household a stall
    n = _in_use([s.operator_id for s in stalls], market.commune_id).count()
    assert n >= 2
    target = TargetSite.objects.get(campaign=camp, site=market)
    assert target.instruments == n
    for stall in stalls:
        check = InstrumentCheck.objects.get(inspection__site=stall)
        assert check.instrument is not None and check.instrument.owner_id == stall.operator_id


def test_demo_field_package_carries_the_station_dispensers(user_for):
    officer = user_for("ct.kiemtra")
    camp = Campaign.objects.get(province_id="92", title__startswith="Kiểm tra đo lường tại chợ")
    station = Site.objects.get(kind="petrol", commune=camp.commune)
    day = station.inspections.order_by("date").first().date
    package = build_package(officer, day)
    site = next(s for s in package["sites"] if s["id"] == station.pk)
    ids = {i["id"] for i in site["instruments"]}
    expected = set(
        Instrument.objects.filter(owner=station.operator, commune=station.commune).values_list(
            "pk", flat=True
        )
    )
    assert ids == expected and len(ids) > 0
    assert {i["kind"] for i in site["instruments"]} == {"fuel_dispenser"}
    assert site["operator"] == station.operator.name
