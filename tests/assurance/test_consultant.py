"""The consultant persona (issue 14, items 8 and 9) on the demo database: the technical centre's consultant
(ct.tuvan) is assigned by the province to the Cần Thơ food packer and water utility. The consultant views their
programme, processes, plan, confirmations and readiness surveys (pages, exports, API), drafts the water utility's
dossier with it, but never records its consultation or approval; sees nothing of an enterprise not assigned, of
one whose assignment has ended (pinned clock), or of another province. The assignment is the province officer's
to write; another province's officer, the consultant and the enterprise only read (their own)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from doluong.assurance.advisory_models import AdvisoryAssignment
from doluong.assurance.choices import Step
from doluong.assurance.models import (
    CalibrationPlan,
    Confirmation,
    Equipment,
    MeasurementProcess,
    PlanLine,
    Programme,
    Survey,
)
from doluong.core.dates import today
from doluong.parties.choices import OrganisationKind
from doluong.parties.models import Organisation

pytestmark = pytest.mark.django_db
CONSULTANT = "ct.tuvan"
MODELS = (Programme, MeasurementProcess, Confirmation, Equipment, CalibrationPlan, PlanLine, Survey)


def _d(day):
    return day.strftime("%d/%m/%Y")


def _org(user_for, username):
    return user_for(username).memberships.get().organisation


@pytest.fixture
def orgs(user_for):
    food, water, dt_water = (_org(user_for, u) for u in ("ct.chatluong", "ct.doanhnghiep", "dt.doanhnghiep"))
    return {"food": food, "water": water, "dt_water": dt_water}


def _other_ct_programme(orgs):
    """A programme of a Cần Thơ enterprise the consultant does not advise (at the draft stage, so that only the
    assignment decides)."""
    advised = AdvisoryAssignment.objects.values("enterprise_id")
    other = (
        Organisation.objects.filter(province_id="92", kind=OrganisationKind.ENTERPRISE)
        .exclude(pk__in=advised)
        .order_by("pk")
        .first()
    )
    return Programme.objects.create(
        enterprise=other,
        title="Chương trình của doanh nghiệp khác",
        period_start=dt.date(today().year, 1, 1),
        period_end=dt.date(today().year, 12, 31),
        step=Step.DRAFT,
    )


def test_the_demo_assigns_the_consultant_to_two_enterprises(user_for, orgs):
    consultant = user_for(CONSULTANT)
    m = consultant.memberships.get()
    assert m.role == "consultant" and m.organisation.kind == OrganisationKind.SERVICE_PROVIDER
    in_force = {
        a.enterprise_id for a in AdvisoryAssignment.objects.filter(consultant=m.organisation) if a.in_force
    }
    assert in_force == {orgs["food"].pk, orgs["water"].pk}
    # the food packer's assignment is on the province's consultancy activity; one earlier assignment has ended
    food = AdvisoryAssignment.objects.get(enterprise=orgs["food"])
    assert food.support is not None and food.support.beneficiary_id == orgs["food"].pk
    assert AdvisoryAssignment.objects.filter(consultant=m.organisation, valid_to__lt=today()).count() == 1


def test_the_consultant_sees_exactly_the_advised_enterprises_rows(user_for, orgs):
    consultant = user_for(CONSULTANT)
    advised = {orgs["food"].pk, orgs["water"].pk}
    for model in MODELS:
        path = "plan__enterprise_id" if model is PlanLine else "enterprise_id"
        seen = set(model.objects.restrict(consultant).values_list("pk", flat=True))
        expected = set(model.objects.filter(**{f"{path}__in": advised}).values_list("pk", flat=True))
        assert seen == expected, model.__name__
    assert Programme.objects.restrict(consultant).count() >= 2
    assert Survey.objects.restrict(consultant).exists() and Confirmation.objects.restrict(consultant).exists()
    # nothing to write but the draft dossier
    for model in MODELS[1:]:
        assert not model.objects.restrict(consultant, "change").exists(), model.__name__
        assert not model.objects.restrict(consultant, "delete").exists(), model.__name__


def test_pages_exports_and_api_assigned_and_not(client_for, user_for, orgs, helpers):
    client = client_for(CONSULTANT)
    other = _other_ct_programme(orgs)
    mine = Programme.objects.filter(enterprise=orgs["water"]).first()
    foreign = Programme.objects.filter(enterprise=orgs["dt_water"]).first()
    assert client.get(mine.get_absolute_url()).status_code == 200
    for p in (other, foreign):
        assert client.get(p.get_absolute_url()).status_code == 404
        assert client.get(f"/api/assurance/programmes/{p.pk}/").status_code == 404
    listed = client.get(reverse("assurance:programme_list"))
    assert listed.status_code == 200
    assert {Programme.objects.get(pk=pk).enterprise_id for pk in helpers.page_ids(listed)} <= {
        orgs["food"].pk,
        orgs["water"].pk,
    }
    exported = helpers.export_ids(client.get(reverse("assurance:programme_list"), {"export": "csv"}))
    expected = {
        str(pk) for pk in Programme.objects.restrict(user_for(CONSULTANT)).values_list("pk", flat=True)
    }
    assert exported == expected and str(other.pk) not in exported
    api = {r["id"] for r in helpers.api_rows(client, "/api/assurance/programmes/")}
    assert {str(i) for i in api} == expected
    # the survey and the confirmations of an advised enterprise open; another's do not
    survey = Survey.objects.filter(enterprise=orgs["water"]).first()
    assert client.get(survey.get_absolute_url()).status_code == 200
    dt_conf = (
        Confirmation.objects.filter(enterprise=orgs["dt_water"]).first()
        or Confirmation.objects.filter(province_id="82").first()
    )
    assert client.get(dt_conf.get_absolute_url()).status_code == 404
    surveys = {r["id"] for r in helpers.api_rows(client, "/api/assurance/readiness-surveys/")}
    assert surveys and all(
        Survey.objects.get(pk=i).enterprise_id in (orgs["food"].pk, orgs["water"].pk) for i in surveys
    )


def test_the_consultant_drafts_but_never_consults_nor_approves(client_for, user_for, orgs):
    client = client_for(CONSULTANT)
    draft = Programme.objects.filter(enterprise=orgs["water"], step=Step.DRAFT).first()
    assert draft is not None
    edit = reverse("assurance:programme_edit", args=[draft.pk])
    form = client.get(edit)
    assert form.status_code == 200
    data = {
        "title": "Chương trình do chuyên gia soạn cùng doanh nghiệp",
        "period_start": _d(draft.period_start),
        "period_end": _d(draft.period_end),
        "legal_basis": draft.legal_basis,
        "objectives": "Mục tiêu soạn cùng chuyên gia",
    }
    assert client.post(edit, data).status_code == 302
    draft.refresh_from_db()
    assert draft.objectives == "Mục tiêu soạn cùng chuyên gia" and draft.enterprise_id == orgs["water"].pk
    # the page offers no consultation form to the consultant, and the action is refused
    page = client.get(draft.get_absolute_url()).content.decode()
    assert reverse("assurance:programme_consult", args=[draft.pk]) not in page
    assert "là của chính doanh nghiệp" in page
    consult = client.post(
        reverse("assurance:programme_consult", args=[draft.pk]), {"on": _d(today()), "record": "Ý kiến"}
    )
    assert consult.status_code == 403
    draft.refresh_from_db()
    assert draft.step == Step.DRAFT and not draft.consulted_on
    # the enterprise records it; the approval is then refused to the consultant (not in its scope any more)
    owner = client_for("ct.doanhnghiep")
    owner.post(
        reverse("assurance:programme_consult", args=[draft.pk]), {"on": _d(today()), "record": "Ý kiến"}
    )
    draft.refresh_from_db()
    assert draft.step == Step.CONSULTATION
    approve = client.post(
        reverse("assurance:programme_approve", args=[draft.pk]), {"on": _d(today()), "approver": "Giám đốc"}
    )
    assert approve.status_code == 404
    assert client.post(edit, {**data, "title": "Sau khi lấy ý kiến"}).status_code == 404
    api = client.patch(
        f"/api/assurance/programmes/{draft.pk}/", {"title": "x"}, content_type="application/json"
    )
    assert api.status_code == 404
    draft.refresh_from_db()
    assert draft.step == Step.CONSULTATION and not draft.approved_on and draft.title != "x"


def test_the_consultant_writes_nothing_of_another_enterprise(client_for, user_for, orgs):
    client = client_for(CONSULTANT)
    other = _other_ct_programme(orgs)
    foreign = Programme.objects.filter(enterprise=orgs["dt_water"]).first()
    for p in (other, foreign):
        title = p.title
        assert (
            client.post(reverse("assurance:programme_edit", args=[p.pk]), {"title": "x"}).status_code == 404
        )
        assert client.post(reverse("assurance:programme_advance", args=[p.pk])).status_code == 404
        assert (
            client.patch(
                f"/api/assurance/programmes/{p.pk}/", {"title": "x"}, content_type="application/json"
            ).status_code
            == 404
        )
        p.refresh_from_db()
        assert p.title == title
    before = Programme.objects.count()
    start = dt.date(today().year + 1, 1, 1)
    for enterprise in (other.enterprise, orgs["dt_water"]):
        data = {
            "enterprise": enterprise.pk,
            "title": "Chương trình lạ",
            "period_start": _d(start),
            "period_end": _d(dt.date(start.year, 12, 31)),
            "legal_basis": "QĐ 510",
        }
        response = client.post(reverse("assurance:programme_add"), data)
        assert response.status_code in (200, 403)
        api = client.post(
            "/api/assurance/programmes/",
            {**data, "period_start": start.isoformat(), "period_end": f"{start.year}-12-31"},
        )
        assert api.status_code in (400, 403)
    assert Programme.objects.count() == before
    # an advised enterprise's new dossier: the enterprise opens it, not the consultant
    response = client.post(
        reverse("assurance:programme_add"),
        {
            "enterprise": orgs["water"].pk,
            "title": "Chương trình năm sau",
            "period_start": _d(start),
            "period_end": _d(dt.date(start.year, 12, 31)),
            "legal_basis": "QĐ 510",
        },
    )
    assert response.status_code == 403
    assert Programme.objects.count() == before
    # view only for the rest: no new process, no change of a confirmation
    process = MeasurementProcess.objects.filter(enterprise=orgs["food"]).first()
    assert client.get(reverse("assurance:measurementprocess_add")).status_code == 403
    assert client.post(reverse("assurance:measurementprocess_edit", args=[process.pk]), {}).status_code in (
        403,
        404,
    )


def test_an_ended_assignment_gives_nothing(client_for, user_for, orgs):
    consultant = user_for(CONSULTANT)
    water = Programme.objects.filter(enterprise=orgs["water"]).first()
    assignment = AdvisoryAssignment.objects.get(enterprise=orgs["water"])
    assignment.valid_to = today() - dt.timedelta(days=1)
    assignment.save()
    client = client_for(CONSULTANT)
    assert client.get(water.get_absolute_url()).status_code == 404
    for model in MODELS:
        path = "plan__enterprise_id" if model is PlanLine else "enterprise_id"
        assert not model.objects.restrict(consultant).filter(**{path: orgs["water"].pk}).exists()
    # still in force until the end of its last day; one that starts tomorrow gives nothing yet
    assignment.valid_to = today()
    assignment.save()
    assert client.get(water.get_absolute_url()).status_code == 200
    assignment.valid_from, assignment.valid_to = today() + dt.timedelta(days=1), None
    assignment.save()
    assert client.get(water.get_absolute_url()).status_code == 404


def test_the_province_officer_assigns_others_read(client_for, user_for, orgs, helpers):
    centre = _org(user_for, CONSULTANT)
    officer = client_for("ct.sokhcn")
    other = _other_ct_programme(orgs)
    data = {
        "enterprise": other.enterprise_id,
        "consultant": centre.pk,
        "person": "Phạm Quốc Bảo",
        "valid_from": _d(today()),
        "valid_to": "",
    }
    before = AdvisoryAssignment.objects.count()
    # bad input: the end before the start; the enterprise advising itself
    bad = officer.post(
        reverse("assurance:advisoryassignment_add"), {**data, "valid_to": _d(today() - dt.timedelta(days=3))}
    )
    assert bad.status_code == 200 and "Ngày kết thúc phân công trước ngày bắt đầu" in bad.content.decode()
    self_advice = officer.post(
        reverse("assurance:advisoryassignment_add"), {**data, "consultant": other.enterprise_id}
    )
    assert self_advice.status_code == 200 and "không tự tư vấn" in self_advice.content.decode()
    assert AdvisoryAssignment.objects.count() == before
    # others may not assign: another province's officer, the consultant, the enterprise
    for username in ("dt.sokhcn", CONSULTANT, "ct.doanhnghiep"):
        c = client_for(username)
        r = c.post(reverse("assurance:advisoryassignment_add"), data)
        assert r.status_code in (200, 403), username
        api = c.post("/api/assurance/advisory-assignments/", {**data, "valid_from": today().isoformat()})
        assert api.status_code in (400, 403), username
    assert AdvisoryAssignment.objects.count() == before
    consultant = user_for(CONSULTANT)
    assert not Programme.objects.restrict(consultant).filter(pk=other.pk).exists()
    assert officer.post(reverse("assurance:advisoryassignment_add"), data).status_code == 302
    made = AdvisoryAssignment.objects.get(enterprise=other.enterprise, valid_to__isnull=True)
    assert made.province_id == "92"
    from doluong.core.scope import forget

    forget(consultant)
    assert Programme.objects.restrict(consultant).filter(pk=other.pk).exists()
    # reads: another province's officer sees no Cần Thơ assignment; the enterprise its own; the consultant its own
    dt_officer = client_for("dt.sokhcn")
    assert dt_officer.get(made.get_absolute_url()).status_code == 404
    assert not helpers.api_rows(dt_officer, "/api/assurance/advisory-assignments/", province="92")
    water = {
        r["id"]
        for r in helpers.api_rows(client_for("ct.doanhnghiep"), "/api/assurance/advisory-assignments/")
    }
    assert water == set(
        AdvisoryAssignment.objects.filter(enterprise=orgs["water"]).values_list("pk", flat=True)
    )
    mine = {r["id"] for r in helpers.api_rows(client_for(CONSULTANT), "/api/assurance/advisory-assignments/")}
    assert mine == set(AdvisoryAssignment.objects.filter(consultant=centre).values_list("pk", flat=True))
    assert client_for(CONSULTANT).post(
        reverse("assurance:advisoryassignment_edit", args=[made.pk]), data
    ).status_code in (403, 404)


def test_another_provinces_officer_sees_nothing_of_the_consultants_enterprises(client_for, orgs):
    dt_officer = client_for("dt.sokhcn")
    food = Programme.objects.filter(enterprise=orgs["food"]).first()
    assert dt_officer.get(food.get_absolute_url()).status_code == 404
    assert dt_officer.get(reverse("assurance:advisoryassignment_list")).status_code == 200


def test_the_consultants_home_lists_the_advised_enterprises(client_for, orgs):
    page = client_for(CONSULTANT).get("/").content.decode()
    assert "Doanh nghiệp tôi tư vấn" in page
    assert str(orgs["food"]) in page and str(orgs["water"]) in page
    assert "Doanh nghiệp tôi tư vấn" not in client_for("ct.sokhcn").get("/").content.decode()


def _filter_choices(response, name="enterprise") -> set:
    field = response.context["filterset"].for_page().form.fields[name]
    return set(field.queryset.values_list("pk", flat=True))


def test_the_consultant_opens_the_advised_enterprises_organisation_page_only(
    client_for, user_for, orgs, helpers
):
    """The programme page links the enterprise's name to its organisation page: the consultant opens it (view
    only) while the assignment is in force, and finds the advised enterprises in the lists' "Doanh nghiệp"
    filter; not another enterprise's, not once the assignment has ended; never writes one, by page or API."""
    client = client_for(CONSULTANT)
    water, food = orgs["water"], orgs["food"]
    mine = Programme.objects.filter(enterprise=water).first()
    page = client.get(mine.get_absolute_url()).content.decode()
    assert water.get_absolute_url() in page
    opened = client.get(water.get_absolute_url())
    assert opened.status_code == 200 and str(water) in opened.content.decode()
    assert client.get(f"/api/parties/organisations/{water.pk}/").status_code == 200
    # the filter of the consultant's lists offers exactly the advised enterprises
    for url in (reverse("assurance:programme_list"), reverse("assurance:measurementprocess_list")):
        listed = client.get(url)
        assert listed.status_code == 200
        assert _filter_choices(listed) == {water.pk, food.pk}, url
        assert f'value="{water.pk}"' in listed.content.decode() and str(water) in listed.content.decode()
    api = {r["id"] for r in helpers.api_rows(client, "/api/parties/organisations/")}
    assert {str(i) for i in api} == {str(water.pk), str(food.pk)}
    # an enterprise not advised (of the province, of another province): 404
    other = _other_ct_programme(orgs).enterprise
    for org in (other, orgs["dt_water"]):
        assert client.get(org.get_absolute_url()).status_code == 404
        assert client.get(f"/api/parties/organisations/{org.pk}/").status_code == 404
    # nothing to write: the edit page, a POST, an API PATCH and DELETE
    edit = reverse("parties:organisation_edit", args=[water.pk])
    name, phone = water.name, water.phone
    assert client.get(edit).status_code in (403, 404)
    assert client.post(edit, {"name": "Đổi tên", "phone": "0999"}).status_code in (403, 404)
    url = f"/api/parties/organisations/{water.pk}/"
    assert client.patch(url, {"phone": "0999"}, content_type="application/json").status_code in (403, 404)
    assert client.delete(url).status_code in (403, 404)
    assert client.post(reverse("parties:organisation_add"), {"name": "Mới"}).status_code == 403
    water.refresh_from_db()
    assert (water.name, water.phone) == (name, phone)
    assert not Organisation.objects.restrict(user_for(CONSULTANT), "change").exists()
    # the assignment ended yesterday: the page closes and the filter forgets the enterprise
    assignment = AdvisoryAssignment.objects.get(enterprise=water)
    assignment.valid_to = today() - dt.timedelta(days=1)
    assignment.save()
    assert client.get(water.get_absolute_url()).status_code == 404
    assert client.get(f"/api/parties/organisations/{water.pk}/").status_code == 404
    assert _filter_choices(client.get(reverse("assurance:programme_list"))) == {food.pk}
    assert client.get(food.get_absolute_url()).status_code == 200
