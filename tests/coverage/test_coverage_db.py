"""Coverage through the database: the worked check read from instruments, scopes and rules; the frozen report that
reproduces after the parameters change; the plan-progress sources; the pages and the what-if per persona."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from doluong.core.dates import today
from doluong.core.models import prepare_for_bulk
from doluong.coverage import data
from doluong.coverage.formula import capability, realised
from doluong.coverage.models import CoverageReport, FormulaVersion, ProviderCapacity, SurveyEstimate
from doluong.geo.models import Commune
from doluong.parties.models import Organisation, Registration, RegistrationScope
from doluong.registry.models import Instrument, InstrumentType, InstrumentTypeRule

pytestmark = pytest.mark.django_db

PROVINCE = "01"  # Hà Nội: no demo data, so the worked check stands alone
WORKED = [  # code, name, field, count, cycle
    ("T-SCALE", "Cân đồng hồ lò xo (thử)", "mass", 12_000, 24),
    ("T-FUEL", "Cột đo xăng dầu (thử)", "volume_flow", 900, 12),
    ("T-WATER", "Đồng hồ nước (thử)", "volume_flow", 40_000, 60),
    ("T-3PH", "Công tơ điện 3 pha (thử)", "electricity", 6_000, 24),
    ("T-BP", "Huyết áp kế (thử)", "medical", 1_500, 12),
]


def _field():
    from doluong.registry.choices import Field

    return Field.values[0]


@pytest.fixture
def worked():
    communes = list(Commune.objects.filter(province_id=PROVINCE).order_by("code")[:2])
    owner = Organisation.objects.create(
        name="Công ty Chủ sở hữu Thử", kind="enterprise", province_id=PROVINCE
    )
    provider = Organisation.objects.create(
        name="Trung tâm Kiểm định Thử", kind="service_provider", province_id=PROVINCE
    )
    reg = Registration.objects.create(
        organisation=provider,
        certificate_number="ĐK-THU-1",
        issuer="Tổng cục",
        issued_on=dt.date(2020, 1, 1),
        verification=True,
    )
    types = {}
    for code, name, _f, count, cycle in WORKED:
        type_ = InstrumentType.objects.create(code=code, name=name, field=_field())
        InstrumentTypeRule.objects.create(
            instrument_type=type_,
            periodic_verification=True,
            cycle_status="known",
            cycle_months=cycle,
            legal_basis="Thử",
            effective_from=dt.date(2014, 1, 1),
        )
        types[code] = type_
        rows = [
            Instrument(
                instrument_type=type_,
                owner=owner,
                commune=communes[i % 2],
                province_id=PROVINCE,
                status="in_use",
            )
            for i in range(count)
        ]
        Instrument.objects.bulk_create(prepare_for_bulk(rows), batch_size=2000)
    # registered long ago: a report of a past day sees them
    Instrument.objects.filter(province_id=PROVINCE).update(created=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    lines = {
        code: RegistrationScope.objects.create(
            registration=reg, activity="verification", instrument_type=types[code]
        )
        for code in ("T-SCALE", "T-FUEL", "T-BP")
    }
    return {"types": types, "lines": lines, "provider": provider, "communes": communes}


def test_the_worked_check_through_the_database(worked):
    day = today()
    pops = data.populations(PROVINCE, day)
    caps = data.capacities(PROVINCE, day)
    result = capability(pops, caps)
    assert result.demand == Decimal(19_400)
    assert result.covered == Decimal(8_400)
    assert result.percent == Decimal("43.3")
    assert [g.key for g in result.gaps] == ["T-WATER", "T-3PH"]
    # the communes share the coverage pro rata and add up to the province
    assert sum(line.covered for line in result.by_commune) == result.covered
    # a declared capacity caps it: 2,000 scales a year instead of 6,000
    ProviderCapacity.objects.create(
        scope_line=worked["lines"]["T-SCALE"], annual_capacity=2_000, declared_on=dt.date(day.year, 1, 2)
    )
    capped = capability(data.populations(PROVINCE, day), data.capacities(PROVINCE, day))
    assert capped.covered == 8_400 - 4_000
    # a survey estimate adds demand with its uncertainty
    SurveyEstimate.objects.create(
        province_id=PROVINCE,
        instrument_type=worked["types"]["T-BP"],
        year=day.year,
        count=300,
        uncertainty=60,
        method="Khảo sát mẫu",
    )
    surveyed = capability(data.populations(PROVINCE, day), data.capacities(PROVINCE, day))
    assert surveyed.demand == 19_700 and surveyed.uncertainty == 60


def test_the_cycle_in_force_on_the_day_is_used(worked):
    rule = worked["types"]["T-WATER"].rules.get()
    day = today()
    rule.effective_to = day - dt.timedelta(days=1)
    rule.save()
    InstrumentTypeRule.objects.create(
        instrument_type=worked["types"]["T-WATER"],
        periodic_verification=True,
        cycle_status="known",
        cycle_months=120,
        legal_basis="Thử, sửa đổi",
        effective_from=day,
    )
    assert capability(data.populations(PROVINCE, day), []).demand == 19_400 - 4_000
    earlier = day - dt.timedelta(days=2)
    assert capability(data.populations(PROVINCE, earlier), []).demand == 19_400


def test_a_past_report_reproduces_after_the_parameters_change(worked):
    report = CoverageReport.objects.create(province_id=PROVINCE, year=today().year)
    report.refresh_from_db()
    assert report.capability_percent == Decimal("43.3")
    v1 = report.formula_version
    # the stricter parameter set is a new version, in force from today; the old version cannot be edited
    FormulaVersion.objects.create(
        version=v1.version + 100, effective_from=today(), parameters={"undeclaredCapacity": "none"}
    )
    v1.parameters = {"undeclaredCapacity": "none"}
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        v1.full_clean()
    # the registry changes too: more water meters covered
    RegistrationScope.objects.create(
        registration=worked["lines"]["T-SCALE"].registration,
        activity="verification",
        instrument_type=worked["types"]["T-WATER"],
    )
    report.refresh_from_db()
    assert report.recompute() == report.figures
    assert report.figures["capability"]["percent"] == "43.3"
    now = data.current(PROVINCE, today())
    assert now["capability"]["percent"] == "0.0"  # today's version: undeclared capacity counts as none


def test_realised_coverage_against_an_independent_count():
    from doluong.verification.models import Certificate

    province, day = "82", today()
    start = dt.date(day.year, 1, 1)
    certs = [
        c
        for c in Certificate.objects.select_related("instrument", "provider")
        if c.instrument_id
        and c.instrument.province_id == province
        and start <= c.issued_on <= day
        and c.status != "revoked"
        and c.kind in ("initial", "periodic", "after_repair", "calibration")
    ]
    local = sum(1 for c in certs if c.provider.province_id == province)
    result = realised(data.services(province, start, day))
    assert (result.demand, result.covered) == (len(certs), local)
    assert certs, "the demo has certificates to count"


def test_the_plan_target_binds_to_a_coverage_source():
    from doluong.programs.models import Target
    from doluong.programs.progress import target_progress

    target = Target.objects.get(plan__slug="dong-thap-2026-2030", code="II.2.a")
    target.source = "coverage_capability"
    target.full_clean()
    target.save()
    progress = target_progress(target)
    expected = data.current("82", today())["capability"]["percent"]
    assert progress.total == Decimal(expected).quantize(Decimal("0.1"))
    target.source = "coverage_realised"
    target.full_clean()
    assert target_progress(target).total is not None


def test_the_public_pages_show_the_figures_and_formulas(client):
    page = client.get(reverse("coverage_public:index"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-province="82"' in body and "19.400" in body and "43,3 %" in body
    detail = client.get(reverse("coverage_public:province", args=["82"]))
    assert detail.status_code == 200
    expected = data.current("82", today())["capability"]["percent"]
    shown = expected.replace(".", ",")  # Vietnamese decimal comma (the figure is below 1 000: no grouping)
    html = detail.content.decode()
    assert f'data-figure="capability">{shown} %' in html
    # the parameters are a table of words, never the raw JSON
    assert 'id="parameters"' in html and "undeclaredCapacity" not in html and "{&#x27;" not in html
    assert "không giới hạn" in html
    assert client.get(reverse("coverage_public:province", args=["ZZ"])).status_code == 404


def test_the_what_if_is_the_officers_and_writes_nothing(client_for):
    type_ = InstrumentType.objects.filter(instruments__province_id="82").first()
    provider = Organisation.objects.filter(kind="service_provider").first()
    url = reverse("coverage:what_if", args=["82"])
    post = {"provider": provider.pk, "instrument_type": type_.pk, "capacity": "100000"}
    counts = (
        ProviderCapacity.objects.count(),
        RegistrationScope.objects.count(),
        CoverageReport.objects.count(),
    )
    officer = client_for("dt.sokhcn")
    page = officer.post(url, post)
    assert page.status_code == 200
    after = page.context["after"]
    assert Decimal(after["capability"]["percent"]) >= Decimal(page.context["before"]["capability"]["percent"])
    assert (
        ProviderCapacity.objects.count(),
        RegistrationScope.objects.count(),
        CoverageReport.objects.count(),
    ) == counts
    bad = officer.post(url, {"provider": provider.pk, "instrument_type": type_.pk, "capacity": "nhiều"})
    assert bad.status_code == 400 and "số nguyên" in bad.content.decode()
    for other in ("ct.sokhcn", "dt.doanhnghiep", "dt.kiemdinh"):
        assert client_for(other).post(url, post).status_code == 403
    assert client_for(None).post(url, post).status_code in (302, 403)


def test_reports_are_the_provinces_officers(client_for):
    url = reverse("coverage:coveragereport_list")
    own = client_for("dt.sokhcn").get(url)
    assert own.status_code == 200
    add = reverse("coverage:coveragereport_add")
    year = today().year - 1
    before = CoverageReport.objects.count()
    refused = client_for("ct.sokhcn").post(add, {"province": "82", "year": year})
    assert refused.status_code in (200, 403) and CoverageReport.objects.count() == before
    for persona in ("dt.doanhnghiep", "dt.kiemdinh"):
        assert client_for(persona).post(add, {"province": "82", "year": year}).status_code == 403
    made = client_for("dt.sokhcn").post(add, {"province": "82", "year": year, "notes": "năm trước"})
    assert made.status_code == 302 and CoverageReport.objects.count() == before + 1
    report = CoverageReport.objects.latest("pk")
    assert report.data_date == dt.date(year, 12, 31) and "populations" in report.inputs
    api = client_for("ct.sokhcn").get("/api/coverage/reports/")
    assert api.status_code == 200
    ids = {row["id"] for row in api.json()["results"]}
    assert report.pk not in ids


def test_a_provider_declares_capacity_only_for_its_own_scope_lines(client_for, user_for):
    from doluong.parties.models import Membership

    member = Membership.objects.filter(user=user_for("dt.kiemdinh")).first()
    own = RegistrationScope.objects.filter(
        registration__organisation=member.organisation, instrument_type__isnull=False
    ).first()
    other = (
        RegistrationScope.objects.exclude(registration__organisation=member.organisation)
        .filter(instrument_type__isnull=False)
        .first()
    )
    client = client_for("dt.kiemdinh")
    payload = {"annual_capacity": 400, "declared_on": today().isoformat()}
    ok = client.post(
        "/api/coverage/capacities/", {**payload, "scope_line": own.pk}, content_type="application/json"
    )
    assert ok.status_code == 201, ok.content
    before = ProviderCapacity.objects.count()
    refused = client.post(
        "/api/coverage/capacities/", {**payload, "scope_line": other.pk}, content_type="application/json"
    )
    assert refused.status_code in (400, 403) and ProviderCapacity.objects.count() == before
    future = client.post(
        "/api/coverage/capacities/",
        {**payload, "scope_line": own.pk, "declared_on": (today() + dt.timedelta(days=3)).isoformat()},
        content_type="application/json",
    )
    assert future.status_code == 400 and ProviderCapacity.objects.count() == before


def test_figures_read_the_vietnamese_way():
    from django.utils import translation

    from doluong.coverage.templatetags.coverage_tags import dec, pct

    with translation.override("vi"):
        assert dec("8400.00") == "8.400"
        assert dec("43.3") == "43,3"
        assert dec("19400") == "19.400"
        assert dec("0.50") == "0,5"
        assert dec("1234567.25") == "1.234.567,25"
        assert dec(None) is None and dec("—") == "—"
        assert pct("97.0") == "97,0" and pct("43.3") == "43,3" and pct(None) is None
