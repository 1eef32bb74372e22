"""The province's support per year (issue #14, items 7–8; Sơn La's "hướng dẫn, tư vấn cho ít nhất 30 doanh
nghiệp, hợp tác xã, tổ chức, cá nhân"): the page counts per year the lượt, the distinct organisations guided or
advised (service providers apart), those of them advised through consultancy, the providers supported and the
consultant hours — checked against a count made row by row in Python, then against fixed changes: a second
activity for an organisation already counted adds a lượt but no organisation; a new organisation adds one.
Each user sees the figures of the rows they may view (another province's officer, the enterprise itself)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from doluong.assurance.choices import FROM_MAP_KIND, SupportKind
from doluong.assurance.models import SupportActivity
from doluong.core.dates import today
from doluong.parties.choices import OrganisationKind
from doluong.parties.models import Organisation
from doluong.programs.models import MapEngagement

pytestmark = pytest.mark.django_db
URL = "/assurance/support/per-year/"


def _cells(page: str, year) -> list[str]:
    row = re.search(rf'<tr[^>]*data-year="{year}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {year}"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def _by_hand(province_id=None, beneficiary_id=None, legacy=True):
    """{year: [lượt, organisations, advised, providers, hours]} read row by row."""
    providers = set(OrganisationKind.providers())
    rows = [
        (a.date, a.beneficiary_id, a.kind, a.beneficiary.kind, a.hours or 0, a.province_id)
        for a in SupportActivity.objects.all()
    ]
    if legacy:
        rows += [
            (e.date, e.beneficiary_id, FROM_MAP_KIND.get(e.kind, "x"), e.beneficiary.kind, 0, e.province_id)
            for e in MapEngagement.objects.all()
            if not SupportActivity.objects.filter(engagement_id=e.pk).exists()
        ]
    out = {}
    for day, who, kind, who_kind, hours, province in rows:
        if province_id is not None and province != province_id:
            continue
        if beneficiary_id is not None and who != beneficiary_id:
            continue
        for key in (day.year, "total"):
            y = out.setdefault(key, [0, set(), set(), set(), Decimal(0)])
            y[0] += 1
            if who_kind in providers:
                y[3].add(who)
            else:
                y[1].add(who)
                if kind == SupportKind.CONSULTANCY:
                    y[2].add(who)
            y[4] += hours
    return {k: [v[0], len(v[1]), len(v[2]), len(v[3]), v[4]] for k, v in out.items()}


def _as_cells(figures):
    n, orgs, advised, providers, hours = figures
    shown = f"{hours.normalize():f}".replace(".", ",") if hours else "—"  # no hours entered: a dash
    return [str(n), str(orgs), str(advised), str(providers), shown]


def _officer_province(user_for, who):
    return user_for(who).memberships.get().organisation.province_id


def test_officer_figures_match_a_count_by_hand_then_fixed_changes(client_for, user_for):
    province = _officer_province(user_for, "ct.sokhcn")
    expected = _by_hand(province)
    year = today().year
    assert expected.get(year, [0])[0] > 0  # the demo supported Cần Thơ's enterprises this year
    client = client_for("ct.sokhcn")
    page = client.get(URL).content.decode()
    for key, figures in expected.items():
        assert _cells(page, key)[1:] == _as_cells(figures), key
    # a second activity (consultancy) for an organisation already supported this year: one lượt more
    seen = SupportActivity.objects.filter(province_id=province, date__year=year).exclude(
        beneficiary__kind__in=OrganisationKind.providers()
    )
    known = seen.first().beneficiary
    before = expected[year]
    was_advised = seen.filter(beneficiary=known, kind=SupportKind.CONSULTANCY).exists()
    SupportActivity(
        province_id=province,
        date=today() - dt.timedelta(days=1),
        title="Tư vấn bổ sung",
        beneficiary=known,
        kind=SupportKind.CONSULTANCY,
        hours=Decimal("2.5"),
    ).save()
    # a new organisation of the province, never supported
    supported = set(SupportActivity.objects.values_list("beneficiary_id", flat=True)) | set(
        MapEngagement.objects.values_list("beneficiary_id", flat=True)
    )
    new = (
        Organisation.objects.filter(province_id=province, kind=OrganisationKind.ENTERPRISE)
        .exclude(pk__in=supported)
        .order_by("pk")
        .first()
    )
    SupportActivity(
        province_id=province,
        date=today() - dt.timedelta(days=2),
        title="Hướng dẫn kiểm định",
        beneficiary=new,
        kind=SupportKind.CALIBRATION_SUPPORT,
    ).save()
    after = _cells(client.get(URL).content.decode(), year)[1:]
    assert int(after[0]) == before[0] + 2
    assert int(after[1]) == before[1] + 1  # the known one is counted once; the new one adds one
    assert int(after[2]) == before[2] + (0 if was_advised else 1)  # calibration support is not consultancy
    assert after[4] == _as_cells([0, 0, 0, 0, before[4] + Decimal("2.5")])[4]
    assert after == _as_cells(_by_hand(province)[year])


def test_each_user_sees_the_figures_of_the_rows_they_may_view(client_for, user_for):
    dt_province = _officer_province(user_for, "dt.sokhcn")
    page = client_for("dt.sokhcn").get(URL).content.decode()
    expected = _by_hand(dt_province)
    if expected:
        assert _cells(page, "total")[1:] == _as_cells(expected["total"])
    else:
        assert "Chưa có hoạt động hỗ trợ nào." in page
    water = user_for("ct.doanhnghiep").memberships.get().organisation
    page = client_for("ct.doanhnghiep").get(URL).content.decode()
    mine = _by_hand(beneficiary_id=water.pk, legacy=False)
    assert mine, "the demo supported the water utility"
    assert _cells(page, "total")[1:] == _as_cells(mine["total"])
    assert _by_hand(_officer_province(user_for, "ct.sokhcn"))["total"][0] > mine["total"][0]


def test_the_support_list_links_to_the_figures_and_the_page_is_vietnamese(client_for):
    client = client_for("ct.sokhcn")
    listing = client.get(reverse("assurance:supportactivity_list")).content.decode()
    assert URL in listing and "Số liệu theo năm" in listing
    page = client.get(URL).content.decode()
    for text in (
        "Hỗ trợ chương trình đảm bảo đo lường theo năm",
        "doanh nghiệp, tổ chức được hướng dẫn, tư vấn",
    ):
        assert text in page


def test_support_list_filters_by_year_and_consultant(client_for, user_for):
    from tests.conftest import page_ids

    province = _officer_province(user_for, "ct.sokhcn")
    year = today().year
    client = client_for("ct.sokhcn")
    r = client.get(reverse("assurance:supportactivity_list"), {"year": year})
    expected = set(
        SupportActivity.objects.filter(province_id=province, date__year=year).values_list("pk", flat=True)
    )
    shown = page_ids(r)
    assert shown and set(shown) <= expected
    if len(expected) <= 20:  # one page
        assert set(shown) == expected
    older = SupportActivity.objects.filter(province_id=province).exclude(date__year=year)
    assert not set(shown) & set(older.values_list("pk", flat=True))
    r = client.get(reverse("assurance:supportactivity_list"), {"consultant": "minh khoa"})
    with_name = set(
        SupportActivity.objects.filter(province_id=province, consultants__icontains="Minh Khoa").values_list(
            "pk", flat=True
        )
    )
    assert with_name and set(page_ids(r)) <= with_name
    r = client.get(reverse("assurance:supportactivity_list"), {"consultant": "Không có ai tên này"})
    assert page_ids(r) == []
