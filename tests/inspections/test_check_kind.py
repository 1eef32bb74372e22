"""The kind a new instrument check starts with follows the registered instrument's type: a scale (MPE rule
"nawi") is weighed with check weights, a fuel dispenser ("fuel_dispenser") delivers into a standard measure, any
other type has no kind of its own and the officer chooses — on the web form, through the API, in the phone's
package, and in the field app's default."""

import datetime as dt
import re
from pathlib import Path

import pytest

from doluong.core.scope import principal
from doluong.geo.models import Commune
from doluong.inspections.models import Campaign, Inspection, InstrumentCheck, Site, check_kind_for
from doluong.parties.models import Organisation
from doluong.programs.models import Attendance, Training
from doluong.registry.models import Instrument, InstrumentType

pytestmark = pytest.mark.django_db

FIELD_JS = (
    Path(__file__).resolve().parents[2] / "src/doluong/inspections/static/inspections/field/field.js"
).read_text(encoding="utf-8")


@pytest.fixture
def world(user_for):
    officer = user_for("ct.xa")
    commune = Commune.objects.get(pk=principal(officer).scopes[0].commune_id)
    training = Training.objects.create(
        province_id=commune.province_id,
        date=dt.date(2025, 3, 1),
        title="Tập huấn kiểm tra nhà nước về đo lường",
    )
    leader = Attendance.objects.create(training=training, full_name="Lê Minh Tâm")
    campaign = Campaign.objects.create(
        province_id=commune.province_id,
        commune=commune,
        kind="thematic",
        year=2026,
        title="Kiểm tra phương tiện đo",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        leader_name="Lê Minh Tâm",
        leader_training=leader,
    )
    owner = Organisation.objects.create(
        name="Hộ kinh doanh Loại Phương Tiện",
        kind="household",
        province_id=commune.province_id,
        commune=commune,
    )
    site = Site.objects.create(kind="shop", name="Cửa hàng Ba Loại", commune=commune, operator=owner)
    visit = Inspection.objects.create(
        campaign=campaign, site=site, date=dt.date(2026, 6, 1), inspector="Lê Minh Tâm"
    )

    def instrument(mpe_rule):
        itype = InstrumentType.objects.filter(mpe_rule=mpe_rule).order_by("pk").first()
        assert itype is not None, mpe_rule
        return Instrument.objects.create(instrument_type=itype, owner=owner, commune=commune)

    other_type = (
        InstrumentType.objects.exclude(mpe_rule__in=["nawi", "fuel_dispenser"]).order_by("pk").first()
    )
    return dict(
        visit=visit,
        scale=instrument("nawi"),
        dispenser=instrument("fuel_dispenser"),
        other=Instrument.objects.create(instrument_type=other_type, owner=owner, commune=commune),
    )


def test_kind_from_the_registry_type(world):
    assert check_kind_for(world["scale"]) == "nawi"
    assert check_kind_for(world["dispenser"]) == "fuel_dispenser"
    assert check_kind_for(world["other"]) == ""
    assert check_kind_for(None) == ""


def _selected_kind(html: str) -> str | None:
    select = re.search(r'<select name="kind".*?</select>', html, re.S)
    assert select, "the form has the kind select"
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else None


@pytest.mark.parametrize(
    "which, expected", [("scale", "nawi"), ("dispenser", "fuel_dispenser"), ("other", "")]
)
def test_web_form_starts_with_the_instruments_kind(world, client_for, which, expected):
    url = f"/inspections/checks/add/?inspection={world['visit'].pk}&instrument={world[which].pk}"
    r = client_for("ct.xa").get(url)
    assert r.status_code == 200
    assert (_selected_kind(r.content.decode()) or "") == expected


def _post(world, which, **kw):
    data = dict(inspection=world["visit"].pk, instrument=world[which].pk, reference="20", indicated="20.05")
    if which == "scale":
        data.update(accuracy_class="III", e="50", max_capacity="15000", reference="10000", indicated="10020")
    data.update(kw)
    return data


def test_saved_without_a_kind_takes_the_instruments(world, client_for):
    client = client_for("ct.xa")
    r = client.post("/inspections/checks/add/", _post(world, "scale", kind=""))
    assert r.status_code == 302, r.content.decode()[:2000]
    scale = InstrumentCheck.objects.get(instrument=world["scale"])
    assert scale.kind == "nawi" and scale.verdict == "pass"
    # the API the same: no kind sent, the dispenser's
    r = client.post("/api/inspections/checks/", _post(world, "dispenser"))
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "fuel_dispenser" and r.json()["verdict"] == "pass"  # +0,25 % ≤ 0,75 %
    # a kind chosen by the officer is kept
    r = client.post(
        "/api/inspections/checks/",
        _post(
            world,
            "dispenser",
            kind="nawi",
            reference="10000",
            indicated="10020",
            accuracy_class="III",
            e="50",
            max_capacity="15000",
        ),
    )
    assert r.status_code == 201 and r.json()["kind"] == "nawi"


def test_no_kind_of_its_own_refused_until_chosen(world, client_for):
    client = client_for("ct.xa")
    before = InstrumentCheck.objects.count()
    r = client.post("/inspections/checks/add/", _post(world, "other", kind=""))
    assert r.status_code == 200
    assert "Chọn loại phương tiện được kiểm tra" in r.content.decode()
    r = client.post(
        "/api/inspections/checks/",
        dict(inspection=world["visit"].pk, found_unregistered="Cân lạ", reference="20", indicated="20"),
    )
    assert r.status_code == 400 and "Chọn loại phương tiện được kiểm tra" in r.content.decode()
    assert InstrumentCheck.objects.count() == before
    r = client.post("/inspections/checks/add/", _post(world, "other", kind="fuel_dispenser"))
    assert (
        r.status_code == 302
        and InstrumentCheck.objects.get(instrument=world["other"]).kind == "fuel_dispenser"
    )


def test_package_tells_the_phone_each_instruments_kind(world, client_for):
    body = client_for("ct.xa").get("/inspections/field/package.json?date=2026-06-01").json()
    (site,) = [s for s in body["sites"] if s["name"] == "Cửa hàng Ba Loại"]
    kinds = {i["id"]: i["kind"] for i in site["instruments"]}
    assert kinds == {
        world["scale"].pk: "nawi",
        world["dispenser"].pk: "fuel_dispenser",
        world["other"].pk: "",
    }


def test_field_app_default_follows_the_package():
    # a new check on the phone starts with the instrument's kind from the package, never a fixed "nawi"
    start = FIELD_JS[FIELD_JS.index("async function startCheck") :]
    start = start[: start.index("\n  }\n")]
    assert "kind: defaultKind(i)" in start and 'kind: "nawi"' not in start
    assert 'return i && KINDS[i.kind] ? i.kind : "";' in FIELD_JS
    assert (
        'if (!d.kind) return { error: gettext("Choose the kind of instrument to get a verdict.") };'
        in FIELD_JS
    )
