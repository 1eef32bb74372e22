"""The province's support counted from the programme (issue #14, item 7), on the demo database with the seed
plans: every MAP target's figures (each year and the whole phase) are the same through the old code path
(programs.progress, MapEngagement only) and the new calculators (assurance.progress), before and after the
engagements are migrated; a new support activity counts; bad input is refused; enterprises only read their own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from doluong.assurance.models import SupportActivity
from doluong.assurance.progress import migrate_engagements
from doluong.core.dates import today
from doluong.programs import progress as old
from doluong.programs.models import MapEngagement, Source, Target

pytestmark = pytest.mark.django_db

MAP = {
    Source.MAP_ENGAGEMENTS: old.map_engagements,
    Source.MAP_ENTERPRISES: old.map_enterprises,
    Source.MAP_PROVIDERS: old.map_providers,
    Source.MAP_STATE: old.map_state,
    Source.MAP_PRIVATE: old.map_private,
}


def _windows(target):
    years = [(dt.date(y, 1, 1), dt.date(y, 12, 31)) for y in range(target.first_year, target.last_year + 1)]
    return [*years, (dt.date(target.first_year, 1, 1), dt.date(target.last_year, 12, 31))]


def _figures(fn_for):
    out = {}
    for target in Target.objects.filter(source__in=list(MAP)).order_by("pk"):
        for start, end in _windows(target):
            out[(target.pk, target.source, start, end)] = fn_for(target.source)(target, start, end)
    return out


def _old_figures():
    return _figures(lambda key: MAP[key])


def _new_figures():
    return _figures(lambda key: old.CALCULATORS[key].compute)


def test_the_map_calculators_are_assurances():
    for key in MAP:
        assert old.CALCULATORS[key].compute.__module__ == "doluong.assurance.progress"


def test_same_figures_before_and_after_the_migration():
    # the demo is an installation that migrated and then recorded support of its own: back to before it
    SupportActivity.objects.all().delete()
    engagements = MapEngagement.objects.count()
    assert engagements > 0 and Target.objects.filter(source__in=list(MAP)).exists()
    before_old = _old_figures()
    assert any(v > 0 for v in before_old.values())
    assert _new_figures() == before_old  # nothing migrated yet: read from the engagements
    copied = migrate_engagements()
    assert copied == engagements
    assert SupportActivity.objects.exclude(engagement=None).count() == engagements
    assert migrate_engagements() == 0  # idempotent
    assert _new_figures() == before_old  # read from the copies, never twice
    # each copy keeps what the engagement held
    for e in MapEngagement.objects.prefetch_related("targets"):
        s = e.support_activity
        assert (s.province_id, s.date, s.title, s.beneficiary_id, s.organiser_id, s.notes) == (
            e.province_id,
            e.date,
            e.title,
            e.beneficiary_id,
            e.organiser_id,
            e.notes,
        )
        assert set(s.targets.values_list("pk", flat=True)) == set(e.targets.values_list("pk", flat=True))


def _target_in_force(province):
    year = today().year
    rows = Target.objects.filter(source=Source.MAP_ENGAGEMENTS, plan__province_id=province).order_by("pk")
    return next((t for t in rows if t.first_year <= year <= t.last_year), None)


def test_a_new_support_activity_counts_and_bad_input_is_refused(client_for, user_for):
    migrate_engagements()
    target = _target_in_force("92")
    assert target is not None
    start, end = dt.date(today().year, 1, 1), dt.date(today().year, 12, 31)
    before = old.CALCULATORS[target.source].compute(target, start, end)
    legacy = old.map_engagements(target, start, end)
    food = user_for("ct.chatluong").memberships.get().organisation
    officer = client_for("ct.sokhcn")
    data = {
        "province": "92",
        "date": today().strftime("%d/%m/%Y"),
        "title": "Tư vấn xây dựng chương trình đảm bảo đo lường",
        "beneficiary": food.pk,
        "kind": "consultancy",
        "consultants": "ThS. Trần Văn A",
        "hours": "16",
        "funding": "state",
        "targets": [target.pk],
    }
    rows = SupportActivity.objects.count()
    bad = officer.post(reverse("assurance:supportactivity_add"), {**data, "hours": "-2"})
    assert bad.status_code == 200 and "lớn hơn hoặc bằng" in bad.content.decode()
    assert SupportActivity.objects.count() == rows
    ok = officer.post(reverse("assurance:supportactivity_add"), data)
    assert ok.status_code == 302, ok.content.decode()[:3000]
    assert old.CALCULATORS[target.source].compute(target, start, end) == before + 1
    assert old.map_engagements(target, start, end) == legacy  # the old path never sees it
    row = SupportActivity.objects.get(title=data["title"])
    # the enterprise reads its own support, adds none; another province's officer sees nothing
    qm = client_for("ct.chatluong")
    assert qm.get(row.get_absolute_url()).status_code == 200
    assert qm.post(reverse("assurance:supportactivity_add"), data).status_code == 403
    assert client_for("ct.doanhnghiep").get(row.get_absolute_url()).status_code == 404
    assert client_for("dt.sokhcn").get(row.get_absolute_url()).status_code == 404
    api = client_for("dt.sokhcn").patch(
        f"/api/assurance/support/{row.pk}/", {"title": "x"}, content_type="application/json"
    )
    assert api.status_code == 404
    row.refresh_from_db()
    assert row.title == data["title"]
