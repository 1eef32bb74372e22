"""Due lists: counts by commune, owner and type against a hand count of the demo rows, drill-down lists that
match each count, exports, and scope (nobody sees another province's instruments)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.urls import reverse

from doluong.core.dates import today
from doluong.registry.models import Instrument

pytestmark = pytest.mark.django_db

SUMMARY = "/registry/due/"
LIST = "/registry/due/list/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime.combine(today(), dt.time(10, 0)), tick=False):
        yield


def hand_bucket(due: dt.date | None, on: dt.date) -> str | None:
    """Independent oracle: the bucket of a due date, by plain day arithmetic."""
    if due is None:
        return None
    days = (due - on).days
    if days < 0:
        return "overdue"
    if days <= 30:
        return "due_30"
    if days <= 60:
        return "due_60"
    if days <= 90:
        return "due_90"
    return None


def hand_counts(rows, key: str, on: dt.date) -> dict:
    counts: dict = {}
    for row in rows:
        bucket = hand_bucket(row["next_due"], on)
        if bucket:
            counts.setdefault(row[key], Counter())[bucket] += 1
    return counts


@pytest.mark.parametrize(
    ("by", "key"), [("commune", "commune_id"), ("owner", "owner_id"), ("type", "instrument_type_id")]
)
def test_counts_match_a_hand_count_of_the_demo_rows(client_for, by, key):
    on = today()
    rows = list(
        Instrument.objects.filter(province_id="92").values(
            "commune_id", "owner_id", "instrument_type_id", "next_due"
        )
    )
    expected = hand_counts(rows, key, on)
    assert expected, "the demo has due instruments"
    response = client_for("ct.sokhcn").get(SUMMARY, {"by": by})
    assert response.status_code == 200
    page = response.context["rows"]
    assert page.paginator.count == len(expected)
    shown = {
        r["key"]: Counter({n: r[n] for n in ("overdue", "due_30", "due_60", "due_90") if r[n]})
        for r in page.paginator.object_list
    }
    assert shown == expected
    totals = response.context["totals"]
    overall = sum(expected.values(), Counter())
    assert {n: totals[n] for n in ("overdue", "due_30", "due_60", "due_90")} == {
        n: overall[n] for n in ("overdue", "due_30", "due_60", "due_90")
    }
    assert totals["total"] == sum(overall.values())
    # worst first
    overdue = [r["overdue"] for r in page.paginator.object_list]
    assert overdue == sorted(overdue, reverse=True)


def test_each_count_opens_exactly_its_instruments(client_for, helpers):
    on = today()
    client = client_for("ct.sokhcn")
    row = client.get(SUMMARY, {"by": "commune"}).context["rows"][0]
    for bucket, count, link in row["cells"]:
        expected = {
            pk
            for pk, due in Instrument.objects.filter(province_id="92", commune_id=row["key"]).values_list(
                "pk", "next_due"
            )
            if hand_bucket(due, on) == bucket
        }
        assert count == len(expected)
        response = client.get(LIST + link + "&per_page=500")
        assert response.status_code == 200
        assert set(helpers.page_ids(response)) == expected, bucket
        export = client.get(LIST + link + "&export=csv")
        rows = helpers.read_export(export)
        assert {int(r["ID"]) for r in rows} == expected
        for r in rows:  # days left, and the due date written dd/mm/yyyy
            instrument = Instrument.objects.get(pk=int(r["ID"]))
            assert int(r["Số ngày còn lại"]) == (instrument.next_due - on).days
            assert instrument.next_due.strftime("%d/%m/%Y") in r.values()


def test_summary_exports_xlsx_and_csv(client_for, helpers):
    client = client_for("dt.sokhcn")
    page = client.get(SUMMARY, {"by": "type"}).context["rows"].paginator.object_list
    for fmt in ("csv", "xlsx"):
        response = client.get(SUMMARY, {"by": "type", "export": fmt})
        assert response.status_code == 200
        rows = helpers.read_export(response)
        assert len(rows) == len(page)
        first = rows[0]
        assert first["Loại phương tiện đo"] == page[0]["label"]
        assert int(first["Quá hạn"]) == page[0]["overdue"]
        assert int(first["Tổng số"]) == page[0]["total"]


@pytest.mark.parametrize(
    "username", ["dt.sokhcn", "dt.xa", "dt.kiemdinh", "dt.doanhnghiep", "ct.doanhnghiep"]
)
def test_nobody_sees_another_provinces_instruments(client_for, user_for, helpers, username):
    user = user_for(username)
    allowed = set(Instrument.objects.restrict(user).values_list("pk", flat=True))
    client = client_for(username)
    response = client.get(LIST, {"bucket": "all", "per_page": 500})
    listed = set(helpers.page_ids(response))
    assert listed <= allowed
    exported = {
        int(r["ID"]) for r in helpers.read_export(client.get(LIST, {"bucket": "all", "export": "xlsx"}))
    }
    assert exported <= allowed
    assert len(exported) == response.context["table"].paginator.count
    other = "92" if username.startswith("dt.") else "82"
    assert not Instrument.objects.filter(pk__in=exported, province_id=other).exists()
    for by in ("commune", "owner", "type"):
        summary = client.get(SUMMARY, {"by": by}).context
        assert summary["totals"]["total"] == len(exported)
    # a foreign commune in the filter finds nothing rather than leaking
    foreign = Instrument.objects.filter(province_id=other).values_list("commune_id", flat=True).first()
    response = client.get(LIST, {"bucket": "all", "commune": foreign})
    assert response.context["table"].paginator.count == 0


def test_enterprise_sees_only_its_own_instruments(client_for, user_for, helpers):
    user = user_for("ct.doanhnghiep")
    own = user.memberships.get().organisation
    response = client_for("ct.doanhnghiep").get(LIST, {"bucket": "all", "per_page": 500})
    ids = helpers.page_ids(response)
    assert ids
    assert set(Instrument.objects.filter(pk__in=ids).values_list("owner_id", flat=True)) == {own.pk}


def test_due_pages_are_in_the_registry_menu_and_need_a_login(client_for):
    home = client_for("ct.xa").get(reverse("home"))
    assert f'href="{reverse("registry:due")}"' in home.content.decode()
    assert "Phương tiện đo đến hạn kiểm định" in home.content.decode()
    anonymous = client_for(None)
    for url in (SUMMARY, LIST):
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_summary_page_renders_in_vietnamese(client_for):
    response = client_for("ct.sokhcn").get(SUMMARY, {"by": "owner"})
    html = response.content.decode()
    assert "Quá hạn" in html and "Còn 0–30 ngày" in html and "Thống kê theo" in html
    assert f"tính đến ngày {today():%d/%m/%Y}" in html


def test_a_bad_filter_value_shows_an_error_and_no_rows(client_for):
    response = client_for("ct.sokhcn").get(LIST, {"bucket": "all", "owner": "không-phải-số"})
    assert response.status_code == 200
    assert response.context["table"].paginator.count == 0
    assert response.context["filterset"].errors
