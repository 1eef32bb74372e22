"""Field work offline, the server side: the day's package (scoped to the signed-in inspector) and the sync of the
phone's queued changes (conflicts with both versions, idempotent photos, sealed inspections refused, validation
errors per record, other communes and provinces refused)."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from doluong.core.scope import principal
from doluong.geo.models import Commune
from doluong.inspections.models import Campaign, Inspection, InstrumentCheck, Site
from doluong.programs.models import Attendance, Training
from doluong.registry.models import Instrument

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)
PACKAGE = "/inspections/field/package.json?date=2026-06-01"
SYNC = "/inspections/field/sync/"


def _png(color=(10, 20, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def world(user_for):
    officer = user_for("ct.xa")
    scope = principal(officer).scopes[0]
    commune = Commune.objects.get(pk=scope.commune_id)
    other = Commune.objects.filter(province_id=commune.province_id).exclude(pk=commune.pk).first()
    training = Training.objects.create(
        province_id=commune.province_id,
        date=dt.date(2025, 3, 1),
        title="Tập huấn kiểm tra nhà nước về đo lường",
    )
    leader = Attendance.objects.create(training=training, full_name="Lê Minh Tâm")

    def campaign(commune_row):
        return Campaign.objects.create(
            province_id=commune.province_id,
            commune=commune_row,
            kind="thematic",
            year=2026,
            title="Kiểm tra cân tại chợ",
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 12, 31),
            leader_name="Lê Minh Tâm",
            leader_training=leader,
        )

    mine = campaign(commune)
    instrument = (
        Instrument.objects.filter(commune=commune, certificates__isnull=False).order_by("pk").first()
        or Instrument.objects.filter(commune=commune).order_by("pk").first()
    )
    assert instrument is not None
    shop = Site.objects.create(kind="shop", name="Cửa hàng A", commune=commune, operator=instrument.owner)
    visit = Inspection.objects.create(campaign=mine, site=shop, date=DAY, inspector="Lê Minh Tâm")
    sealed = Inspection.objects.create(campaign=mine, site=shop, date=DAY, inspector="Lê Minh Tâm")
    other_site = Site.objects.create(kind="shop", name="Cửa hàng xã khác", commune=other)
    other_visit = Inspection.objects.create(
        campaign=campaign(other), site=other_site, date=DAY, inspector="Người khác"
    )
    return dict(
        commune=commune, instrument=instrument, shop=shop, visit=visit, sealed=sealed, other_visit=other_visit
    )


def _seal(visit, user):
    from doluong.inspections import seal as sealing

    InstrumentCheck.objects.create(
        inspection=visit,
        kind="nawi",
        found_unregistered="Cân 15 kg",
        accuracy_class="III",
        e=Decimal("50"),
        max_capacity=Decimal("15000"),
        reference=Decimal("10000"),
        indicated=Decimal("10020"),
    )
    sealing.seal(visit, user)


def test_package_holds_the_days_work_in_scope(world, client_for, user_for):
    _seal(world["sealed"], user_for("ct.xa"))
    body = client_for("ct.xa").get(PACKAGE).json()
    ids = [v["id"] for v in body["inspections"]]
    assert ids == [world["visit"].pk]  # sealed and other-commune visits left out
    (site,) = body["sites"]
    assert site["name"] == "Cửa hàng A"
    inst = next(i for i in site["instruments"] if i["id"] == world["instrument"].pk)
    cert = world["instrument"].certificates.order_by("-issued_on", "-pk").first()
    if cert is not None:
        assert inst["certificate"]["number"] == cert.number
        assert inst["certificate"]["valid_until"] == (
            cert.valid_until.isoformat() if cert.valid_until else None
        )
    codes = {r["code"]: Decimal(r["factor"]) for r in body["limit_rules"]}
    assert codes == {"TT09-2017-SCALE": 2, "TT15-2015-FUEL": Decimal("1.5")}
    # class III: 0.5 e up to 500 e, 1 e up to 2000 e, 1.5 e up to 10000 e (R 76-1 Table 6)
    assert [(b["upper_e"], b["mpe_e"]) for b in body["mpe"]["nawi"]["III"]] == [
        ("500", "0.5"),
        ("2000", "1"),
        ("10000", "1.5"),
    ]
    assert body["keys"]["algorithm"] == "Ed25519" and "keys" in body["keys"]
    # the province's officer has both communes' open visits of the day
    province_day = client_for("ct.sokhcn").get(PACKAGE).json()
    assert {v["id"] for v in province_day["inspections"]} == {world["visit"].pk, world["other_visit"].pk}


@pytest.mark.parametrize("who", ["dt.xa", "dt.sokhcn", "ct.doanhnghiep", "ct.kiemdinh"])
def test_package_of_an_outsider_is_empty(world, client_for, who):
    body = client_for(who).get(PACKAGE).json()
    assert body["inspections"] == [] and body["sites"] == []


def test_package_needs_a_login(client_for):
    r = client_for(None).get(PACKAGE)
    assert r.status_code == 302 and "/login/" in r["Location"]
