"""A past-dated readiness survey reads the registry's ownership and retirement as of its date too (issue 14,
item 2), from the instruments' history (`assurance.readiness.owned_on`), on a pinned scenario of a new enterprise
E and another owner F (survey date D = today − 100 days; history rows dated by hand):

* I_sold — E's from D − 50, sold to F today: E's on D, not today;
* I_bought — F's from D − 50, bought by E today: not E's on D, E's today;
* I_retired_late — E's from D − 50, retired today: counted on D, not today;
* I_retired_early — E's from D − 50, retired D − 10: counted neither day;
* I_recorded_late — first recorded today (no earlier row): taken as recorded, E's on both days;
* I_bulk — loaded without any history row: as the registry holds it now, E's on both days.

On D: {sold, retired_late, recorded_late, bulk}; today: {bought, recorded_late, bulk}."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from doluong.assurance import readiness
from doluong.core.dates import today
from doluong.geo.models import Commune
from doluong.parties.models import Organisation
from doluong.registry.choices import InstrumentStatus
from doluong.registry.models import Instrument, InstrumentType

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def _at(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


@pytest.fixture
def scene(user_for):
    water = user_for("ct.doanhnghiep").memberships.get().organisation
    e = Organisation.objects.create(
        name="Công ty thử chủ sở hữu theo ngày", kind=water.kind, province_id="92"
    )
    f = Organisation.objects.create(name="Công ty thử chủ sở hữu khác", kind=water.kind, province_id="92")
    commune = Commune.objects.filter(province_id="92").first()
    itype = InstrumentType.objects.order_by("code").first()
    d = today() - 100 * DAY
    History = Instrument.history.model

    def make(serial, owner, since):
        i = Instrument(instrument_type=itype, owner=owner, commune=commune, serial=serial)
        i.save()
        if since is not None:
            History.objects.filter(id=i.pk).update(history_date=_at(since))
        return i

    def change(i, day=None, **fields):
        for name, value in fields.items():
            setattr(i, name, value)
        i.save()
        if day is not None:
            latest = History.objects.filter(id=i.pk).order_by("-history_id").first()
            History.objects.filter(history_id=latest.history_id).update(history_date=_at(day))

    s = {"e": e, "d": d}
    s["sold"] = make("OWN-SOLD", e, d - 50 * DAY)
    change(s["sold"], owner=f)
    s["bought"] = make("OWN-BOUGHT", f, d - 50 * DAY)
    change(s["bought"], owner=e)
    s["retired_late"] = make("OWN-RET-LATE", e, d - 50 * DAY)
    change(s["retired_late"], status=InstrumentStatus.RETIRED)
    s["retired_early"] = make("OWN-RET-EARLY", e, d - 50 * DAY)
    change(s["retired_early"], d - 10 * DAY, status=InstrumentStatus.RETIRED)
    s["recorded_late"] = make("OWN-LATE", e, None)
    bulk = Instrument(
        instrument_type=itype, owner=e, commune=commune, serial="OWN-BULK", province_id=commune.province_id
    )
    Instrument.objects.bulk_create([bulk])
    s["bulk"] = Instrument.objects.get(serial="OWN-BULK", owner=e)
    assert not History.objects.filter(id=s["bulk"].pk).exists()
    return s


def test_ownership_and_retirement_as_of_the_survey_date(scene):
    e, d = scene["e"], scene["d"]
    ids = {k: v.pk for k, v in scene.items() if isinstance(v, Instrument)}
    assert readiness.owned_on(e, d) == {ids["sold"], ids["retired_late"], ids["recorded_late"], ids["bulk"]}
    assert readiness.owned_on(e, today()) == {ids["bought"], ids["recorded_late"], ids["bulk"]}
    # the day before the sale was recorded (D − 51): none of the backdated ones yet, as first recorded
    before = readiness.owned_on(e, d - 51 * DAY)
    assert ids["retired_early"] in before and ids["sold"] in before and ids["bought"] not in before
    # the registry figures of the survey day count the instruments E owned that day
    assert readiness.registry_figures(e, d).group2 == 4
    assert readiness.registry_figures(e, today()).group2 == 3
    # a retirement recorded D − 10 counts from that day on
    assert ids["retired_early"] in readiness.owned_on(e, d - 11 * DAY)
    assert ids["retired_early"] not in readiness.owned_on(e, d - 10 * DAY)
