"""The current-state analysis and readiness survey (issue 14, item 2) on the demo database: the checklist's
weights validated on publish (nothing changed when refused), a used published checklist frozen, "New version",
the registry pre-fill against an independent count, the score and band against a hand calculation, the delta,
the province's overview and progress figures, and other provinces and enterprises refused (web and API)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from doluong.assurance import actions, readiness
from doluong.assurance.choices import ActionStatus, ChecklistStatus, Prefill, SurveyStatus
from doluong.assurance.models import (
    Checklist,
    ChecklistItem,
    Equipment,
    ImpactItem,
    OutOfToleranceCase,
    Survey,
    SurveyAnswer,
)
from doluong.core.dates import today

pytestmark = pytest.mark.django_db
WATER = "ct.doanhnghiep"  # the demo water utility of Cần Thơ
DATA = Path(readiness.__file__).with_name("data")
FROZEN = "không thể sửa hoặc xóa"


def _org(user_for, who=WATER):
    return user_for(who).memberships.get().organisation


def _seeded():
    return Checklist.objects.get(version=1, status=ChecklistStatus.PUBLISHED)


def _water_surveys(user_for):
    return list(Survey.objects.filter(enterprise=_org(user_for)).order_by("surveyed_on", "pk"))


# ------------------------------------------------------------------------------------------ the checklist


def test_seed_has_sixteen_rows_a_to_h_unverified_summing_to_one():
    data = json.loads((DATA / "readiness_checklist_v1.json").read_text(encoding="utf-8"))
    c = _seeded()
    items = list(c.items.all())
    assert len(items) == len(data["items"]) == 16
    assert {i.group for i in items} == set("ABCDEFGH")
    assert {i.factor for i in items} == {"organisation", "method", "technical"}
    assert sum(i.weight for i in items) == Decimal("1")
    assert not c.source_verified and not any(i.source_verified for i in items)
    assert all("510" in i.note for i in items)


def _draft(user_for):
    admin = user_for("admin")
    return actions.do_new_checklist_version(_seeded(), admin), admin


def test_weights_not_summing_to_one_refused_nothing_changed(user_for, client_for):
    draft, admin = _draft(user_for)
    row = draft.items.get(code="A1")
    row.weight = Decimal("0.0610")  # sum 1.001: beyond the tolerance of 0.0005
    row.save()
    before = list(draft.items.order_by("pk").values_list("pk", "weight"))
    r = client_for("admin").post(reverse("assurance:checklist_publish", args=[draft.pk]), follow=True)
    page = r.content.decode()
    assert "phải có tổng bằng 1" in page and "1.001" in page
    draft.refresh_from_db()
    assert draft.status == ChecklistStatus.DRAFT and draft.published_at is None
    assert list(draft.items.order_by("pk").values_list("pk", "weight")) == before
    with pytest.raises(ValidationError):
        actions.do_publish_checklist(draft, admin)
    # within the tolerance: 1.0004 is published
    row.weight = Decimal("0.0604")
    row.save()
    actions.do_publish_checklist(draft, admin)
    draft.refresh_from_db()
    assert draft.status == ChecklistStatus.PUBLISHED and draft.published_at is not None
    # a published checklist's rows no longer change
    row.refresh_from_db()
    row.weight = Decimal("0.06")
    with pytest.raises(ValidationError):
        row.save()


def test_used_published_checklist_is_frozen_web_and_api(client_for):
    c = _seeded()
    assert c.is_used and c.is_frozen
    client = client_for("admin")
    page = client.get(c.get_absolute_url()).content.decode()
    assert reverse("assurance:checklist_delete", args=[c.pk]) not in page
    assert reverse("assurance:checklist_edit", args=[c.pk]) not in page
    assert FROZEN in page
    r = client.post(
        reverse("assurance:checklist_edit", args=[c.pk]),
        {"name": "Đổi tên", "legal_basis": c.legal_basis, "notes": c.notes},
    )
    assert r.status_code == 200 and FROZEN in r.content.decode()
    r = client.post(reverse("assurance:checklist_delete", args=[c.pk]), follow=True)
    assert Checklist.objects.filter(pk=c.pk).exists()
    api = client.delete(f"/api/assurance/checklists/{c.pk}/")
    assert api.status_code == 400 and FROZEN in api.content.decode()
    api = client.patch(
        f"/api/assurance/checklists/{c.pk}/", {"name": "Đổi tên"}, content_type="application/json"
    )
    assert api.status_code == 400
    item = c.items.get(code="A1")
    r = client.post(
        reverse("assurance:checklistitem_edit", args=[item.pk]),
        {
            "checklist": c.pk,
            "position": 1,
            "code": "A1",
            "group": "A",
            "group_title": item.group_title,
            "factor": item.factor,
            "text": item.text,
            "weight": "0.5",
        },
    )
    assert r.status_code == 200
    c.refresh_from_db()
    item.refresh_from_db()
    assert c.name != "Đổi tên" and item.weight == Decimal("0.06")


def test_new_version_copies_as_next_draft(client_for):
    c = _seeded()
    r = client_for("admin").post(reverse("assurance:checklist_new_version", args=[c.pk]))
    assert r.status_code == 302
    copy = Checklist.objects.get(name=c.name, version=c.version + 1)
    assert copy.status == ChecklistStatus.DRAFT and copy.previous_id == c.pk
    pairs = lambda ch: list(ch.items.values_list("code", "weight", "factor", "prefill"))  # noqa: E731
    assert pairs(copy) == pairs(c)
    row = copy.items.get(code="A1")
    row.text = "Sửa được trong bản nháp"
    row.save()
    # an enterprise may not make versions
    r = client_for(WATER).post(reverse("assurance:checklist_new_version", args=[c.pk]))
    assert r.status_code == 403


# ------------------------------------------------------------------------------------------ the pre-fill


def _independent(org):
    """The registry figures counted another way: every instrument and certificate read in Python."""
    from doluong.registry.models import Instrument
    from doluong.verification.models import Certificate

    on = today()
    instruments = [i for i in Instrument.objects.all() if i.owner_id == org.pk and i.status != "retired"]
    overdue = {i.pk for i in instruments if i.next_due and i.next_due < on}
    certs = {}
    for cert in Certificate.objects.all():
        if cert.instrument_id in {i.pk for i in instruments}:
            certs.setdefault(cert.instrument_id, []).append(cert)
    expired = set()
    for pk, rows in certs.items():
        last = max(rows, key=lambda c: (c.issued_on, c.pk))
        if last.status in ("expired", "revoked") or (last.valid_until and last.valid_until < on):
            expired.add(pk)
    missing = {i.pk for i in instruments} - set(certs)
    cases = {
        c.pk
        for c in OutOfToleranceCase.objects.all()
        if c.status == ActionStatus.OPEN
        and (c.holder_id == org.pk or (c.instrument_id and c.instrument.owner_id == org.pk))
    } | {i.case_id for i in ImpactItem.objects.all() if i.enterprise_id == org.pk and i.status == "open"}
    group1 = [
        e for e in Equipment.objects.all() if e.enterprise_id == org.pk and e.in_use and not e.instrument_id
    ]
    return {
        "group2": len(instruments),
        "overdue": len(overdue),
        "expired": len(expired),
        "missing_certificate": len(missing),
        "group2_not_in_order": len(overdue | expired | missing),
        "group1": len(group1),
        "open_cases": len(cases),
    }


def test_prefill_figures_match_an_independent_count(user_for):
    from doluong.registry.models import Instrument

    org = _org(user_for)
    # make the figures non-trivial: one instrument overdue
    first = Instrument.objects.filter(owner=org).order_by("pk").first()
    Instrument.objects.filter(pk=first.pk).update(next_due=today().replace(year=today().year - 1))
    expected = _independent(org)
    f = readiness.registry_figures(org)
    got = {k: getattr(f, k) for k in expected}
    assert got == expected
    assert expected["group2"] > 0 and expected["overdue"] >= 1 and expected["open_cases"] >= 1
    survey = Survey.objects.create(
        enterprise=org, checklist=_seeded(), surveyed_on=today(), surveyor="Kiểm thử"
    )
    d1 = survey.answers.get(item__prefill=Prefill.GROUP2)
    assert f"{expected['group2']} phương tiện đo nhóm 2" in d1.prefill_note
    assert f"{expected['overdue']} quá hạn kiểm định" in d1.prefill_note
    bad, total = expected["group2_not_in_order"], expected["group2"]
    assert d1.value == ("1" if bad == 0 else ("0.5" if (total - bad) * 2 >= total else "0"))
    d3 = survey.answers.get(item__prefill=Prefill.OOT)
    assert d3.value == "0" and f"{expected['open_cases']} vụ việc" in d3.prefill_note
    # the rows no figure bears on are left to the surveyor
    assert not survey.answers.get(item__code="A1").value


# ------------------------------------------------------------------------------------------ score, bands, delta

BANDS = [(Decimal(80), "Sẵn sàng"), (Decimal(50), "Sẵn sàng một phần"), (Decimal(0), "Chưa sẵn sàng")]


def _hand(values: dict, weights: dict) -> Decimal:
    num = sum(float(weights[c]) * float(v) for c, v in values.items() if v != "na")
    den = sum(float(weights[c]) for c, v in values.items() if v != "na")
    return Decimal(str(round(100 * num / den, 1)))


def _band(score):
    return next(label for lower, label in BANDS if score >= lower)


@pytest.mark.parametrize(
    "overrides,expected,label",
    [
        ({"A1": "0", "F1": "na"}, Decimal("93.7"), "Sẵn sàng"),  # 100 × 0.89 / 0.95
        ({"*": "0.5"}, Decimal("50.0"), "Sẵn sàng một phần"),  # the band's lower bound belongs to it
        ({"*": "0", "A1": "1", "D1": "na"}, Decimal("6.6"), "Chưa sẵn sàng"),  # 100 × 0.06 / 0.91
    ],
)
def test_score_and_band_against_a_hand_calculation(user_for, overrides, expected, label):
    org = _org(user_for)
    survey = Survey.objects.create(
        enterprise=org, checklist=_seeded(), surveyed_on=today(), surveyor="Kiểm thử"
    )
    weights = dict(survey.checklist.items.values_list("code", "weight"))
    values = {code: overrides.get(code, overrides.get("*", "1")) for code in weights}
    for a in survey.answers.select_related("item"):
        a.value = values[a.item.code]
        a.save()
    assert _hand(values, weights) == expected
    r = readiness.result(survey)
    assert r.score == expected and r.band["label"] == label == _band(expected)


def test_demo_before_after_delta_on_the_page(client_for, user_for):
    before, after = _water_surveys(user_for)[-2:]
    weights = dict(before.checklist.items.values_list("code", "weight"))
    scores = []
    for s in (before, after):
        values = {a.item.code: (a.value or "0") for a in s.answers.select_related("item")}
        scores.append(_hand(values, weights))
    r = readiness.result(after)
    assert r.previous.pk == before.pk and r.score == scores[1] and r.previous_score == scores[0]
    assert r.delta == scores[1] - scores[0] and r.delta > 0
    page = client_for(WATER).get(after.get_absolute_url()).content.decode()
    assert f"+{r.delta:.1f}".replace(".", ",") in page or f"+{r.delta:.1f}" in page
    assert r.band["label"] in page


def test_province_overview_and_progress(client_for, user_for):
    before, after = _water_surveys(user_for)[-2:]
    delta = readiness.result(after).delta
    page = client_for("ct.sokhcn").get(reverse("assurance:readiness")).content.decode()
    assert str(after.enterprise) in page
    assert after.get_absolute_url() in page
    assert f"+{delta:.1f}".replace(".", ",") in page
    other = client_for("dt.sokhcn").get(reverse("assurance:readiness")).content.decode()
    assert str(after.enterprise) not in other and after.get_absolute_url() not in other
    p = readiness.province_progress(after.province_id, before.surveyed_on, after.surveyed_on)
    assert (
        p["surveys"]
        == Survey.objects.filter(
            province_id=after.province_id,
            status=SurveyStatus.DONE,
            surveyed_on__range=(before.surveyed_on, after.surveyed_on),
        ).count()
    )
    assert p["average_delta"] == delta.quantize(Decimal("0.1"))
    from doluong.assurance.progress import READINESS_IMPROVEMENT, READINESS_SURVEYS
    from doluong.programs.progress import CALCULATORS

    assert READINESS_SURVEYS in CALCULATORS and READINESS_IMPROVEMENT in CALCULATORS


# ------------------------------------------------------------------------------------------ permissions


def _answer_data(**over):
    data = {
        "value": "1",
        "evidence": "",
        "gap": "",
        "cause": "",
        "proposed_task": "",
        "owner": "",
        "deadline": "",
    }
    data.update(over)
    return data


def test_own_enterprise_and_province_officer_answer_and_survey(client_for, user_for):
    org = _org(user_for)
    survey = _water_surveys(user_for)[-1]
    answer = survey.answers.get(item__code="E2")
    r = client_for(WATER).post(
        reverse("assurance:surveyanswer_edit", args=[answer.pk]), _answer_data(value="0.5", gap="Thiếu")
    )
    assert r.status_code == 302
    answer.refresh_from_db()
    assert answer.value == "0.5" and answer.gap == "Thiếu"
    officer = client_for("ct.sokhcn")
    assert officer.get(survey.get_absolute_url()).status_code == 200
    n = Survey.objects.filter(enterprise=org).count()
    r = officer.post(
        reverse("assurance:readinesssurvey_add"),
        {
            "enterprise": org.pk,
            "checklist": _seeded().pk,
            "surveyed_on": today().strftime("%d/%m/%Y"),
            "surveyor": "Cán bộ Sở",
            "status": "draft",
        },
    )
    assert r.status_code == 302
    assert Survey.objects.filter(enterprise=org).count() == n + 1
    made = Survey.objects.filter(enterprise=org).latest("pk")
    assert made.answers.count() == 16
    # the same through the API, and the enterprise reads its survey there
    body = {
        "enterprise": org.pk,
        "checklist": _seeded().pk,
        "surveyed_on": "2026-12-01",
        "surveyor": "Cán bộ Sở",
    }
    assert (
        officer.post("/api/assurance/readiness-surveys/", body, content_type="application/json").status_code
        == 201
    )
    assert Survey.objects.filter(enterprise=org).count() == n + 2
    assert client_for(WATER).get(f"/api/assurance/readiness-surveys/{survey.pk}/").status_code == 200


@pytest.mark.parametrize("other", ["dt.sokhcn", "dt.doanhnghiep", "ct.chatluong"])
def test_other_provinces_and_enterprises_refused(client_for, user_for, other):
    org = _org(user_for)
    survey = _water_surveys(user_for)[-1]
    answer = survey.answers.get(item__code="E2")
    value = answer.value
    client = client_for(other)
    assert client.get(survey.get_absolute_url()).status_code == 404
    assert client.post(reverse("assurance:readinesssurvey_edit", args=[survey.pk]), {}).status_code == 404
    assert client.post(reverse("assurance:readinesssurvey_delete", args=[survey.pk])).status_code == 404
    assert (
        client.post(
            reverse("assurance:surveyanswer_edit", args=[answer.pk]), _answer_data(value="0")
        ).status_code
        == 404
    )
    assert client.get(f"/api/assurance/readiness-surveys/{survey.pk}/").status_code == 404
    api = client.patch(
        f"/api/assurance/survey-answers/{answer.pk}/", {"value": "0"}, content_type="application/json"
    )
    assert api.status_code in (403, 404)
    assert client.delete(f"/api/assurance/readiness-surveys/{survey.pk}/").status_code in (403, 404)
    n = Survey.objects.filter(enterprise=org).count()
    body = {"enterprise": org.pk, "checklist": _seeded().pk, "surveyed_on": "2026-12-01", "surveyor": "X"}
    assert client.post(
        "/api/assurance/readiness-surveys/", body, content_type="application/json"
    ).status_code in (
        400,
        403,
    )
    client.post(
        reverse("assurance:readinesssurvey_add"),
        {**body, "surveyed_on": "01/12/2026", "status": "draft"},
    )
    assert Survey.objects.filter(enterprise=org).count() == n
    assert Survey.objects.filter(pk=survey.pk).exists()
    answer.refresh_from_db()
    assert answer.value == value


def test_answers_are_not_added_or_deleted_through_the_api(client_for, user_for):
    survey = _water_surveys(user_for)[-1]
    answer = survey.answers.first()
    client = client_for(WATER)
    got = client.get(f"/api/assurance/survey-answers/{answer.pk}/")
    assert got.status_code == 200 and got.json()["prefill_note"] == answer.prefill_note
    assert client.delete(f"/api/assurance/survey-answers/{answer.pk}/").status_code in (403, 404, 405)
    r = client.patch(
        f"/api/assurance/survey-answers/{answer.pk}/", {"value": "0.5"}, content_type="application/json"
    )
    assert r.status_code == 200
    answer.refresh_from_db()
    assert answer.value == "0.5"
    assert SurveyAnswer.objects.filter(pk=answer.pk).exists()
    assert ChecklistItem.objects.filter(checklist=survey.checklist).count() == survey.answers.count()
