"""Lists that may hold millions of rows (core.paging): the count is exact up to a bound and an estimate above it
(PostgreSQL), page numbers stop where an OFFSET would grow, and the default order continues by key. The bounds
are lowered here so that the demo's lists cross them; every row must still come exactly once, in order."""

from __future__ import annotations

import pytest
from django.db import connection

from doluong.core import paging
from doluong.registry.models import Instrument
from doluong.verification.models import VerificationRecord

pytestmark = pytest.mark.django_db


def page_ids(response) -> list:
    return [row.record.pk for row in response.context["table"].paginated_rows]


def test_count_is_exact_up_to_the_bound_and_estimated_above(monkeypatch):
    queryset = Instrument.objects.all()
    exact = queryset.count()
    assert paging.bounded_count(queryset, exact_up_to=exact) == (exact, False)
    count, estimated = paging.bounded_count(queryset, exact_up_to=exact - 1)
    if connection.vendor == "postgresql":
        # the planner's figure, never below what was counted (bound + 1); ANALYZE makes it close to the truth
        assert estimated and count >= exact
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_instrument")
        count, estimated = paging.bounded_count(queryset, exact_up_to=exact - 1)
        assert estimated and abs(count - exact) <= exact * 0.2
    else:  # SQLite has no estimate: the exact count
        assert (count, estimated) == (exact, False)


def _walk(client, url: str, **params) -> list:
    """Every row of a list, page by page: numbered pages, then the "next rows" links."""
    seen, page = [], 1
    response = client.get(url, {**params, "page": page})
    while True:
        assert response.status_code == 200
        seen.extend(page_ids(response))
        listing = response.context["listing"]
        if listing.get("after"):
            response = client.get(url, {**params, "after": listing["after"]})
            continue
        if listing.get("by_key") or listing.get("capped"):
            return seen
        paginator = response.context["table"].paginator
        if page >= paginator.num_pages:
            return seen
        page += 1
        response = client.get(url, {**params, "page": page})


@pytest.mark.parametrize(
    ("model", "url"),
    [(Instrument, "/registry/instruments/"), (VerificationRecord, "/verification/records/")],
)
def test_every_row_once_in_order_past_the_numbered_pages(client_for, user_for, monkeypatch, model, url):
    # records order by -performed_on, -pk: many rows share a day, so the key must carry the pk
    monkeypatch.setattr(paging, "OFFSET_UP_TO", 30)
    client = client_for("ct.sokhcn")
    expected = list(model.objects.restrict(user_for("ct.sokhcn"), "view").values_list("pk", flat=True))
    assert len(expected) > 60, "the demo list must cross the bound several times"
    seen = _walk(client, url, per_page=10)
    assert seen == expected
    last = client.get(url, {"per_page": 10, "page": 3})
    assert last.context["table"].paginator.num_pages == 3 and last.context["listing"]["after"]
    assert "Hàng tiếp theo" in last.content.decode()


def test_a_user_sort_stops_at_the_numbered_pages(client_for, monkeypatch):
    monkeypatch.setattr(paging, "OFFSET_UP_TO", 30)
    client = client_for("ct.sokhcn")
    response = client.get("/registry/instruments/", {"per_page": 10, "sort": "serial", "page": 3})
    listing = response.context["listing"]
    assert listing["capped"] and not listing["after"]
    assert "bộ lọc" in response.content.decode()
    # a page number past the last numbered page is the last numbered page, not an error
    far = client.get("/registry/instruments/", {"per_page": 10, "sort": "serial", "page": 99999})
    assert far.status_code == 200 and page_ids(far) == page_ids(response)


@pytest.mark.parametrize("token", ["garbage", "W10", "WzEsMiwzXQ", "e30", "W3siZCI6Im5vIGRhdGUifSwxXQ"])
def test_a_foreign_or_broken_key_gives_the_first_page(client_for, token):
    client = client_for("ct.sokhcn")
    response = client.get("/registry/instruments/", {"after": token})
    assert response.status_code == 200
    assert page_ids(response) == page_ids(client.get("/registry/instruments/"))


def test_the_key_never_reaches_rows_outside_the_scope(client_for, monkeypatch):
    """A key made from another province's row continues the officer's own list, never shows the other rows."""
    monkeypatch.setattr(paging, "OFFSET_UP_TO", 30)
    client = client_for("ct.sokhcn")
    other = Instrument.objects.exclude(province_id="92").order_by(*Instrument._meta.ordering, "pk").first()
    fields = paging.order_fields(Instrument.objects.all())
    token = paging.next_token(other, fields)
    response = client.get("/registry/instruments/", {"after": token})
    assert response.status_code == 200
    ids = page_ids(response)
    assert ids and set(Instrument.objects.filter(pk__in=ids).values_list("province_id", flat=True)) == {"92"}


def test_the_api_says_when_its_count_is_an_estimate(client_for, monkeypatch):
    client = client_for("admin")
    payload = client.get("/api/registry/instruments/", {"limit": 5}).json()
    assert payload["count"] == Instrument.objects.count() and payload["count_estimated"] is False
    monkeypatch.setattr(paging, "API_EXACT_UP_TO", 10)
    payload = client.get("/api/registry/instruments/", {"limit": 5}).json()
    assert payload["count_estimated"] is (connection.vendor == "postgresql")
    assert payload["count"] > 10


def test_the_list_page_counts_through_the_bound(client_for, monkeypatch):
    """The page's paginator is handed django-tables2's rows, not the queryset: the bound must still apply."""
    monkeypatch.setattr(paging, "EXACT_UP_TO", 10)
    client = client_for("admin")
    response = client.get("/registry/instruments/")
    listing = response.context["listing"]
    assert listing["estimated"] is (connection.vendor == "postgresql")
    line = response.content.decode().split('id="list-count">', 1)[1].split("</p>", 1)[0]
    assert line.startswith("khoảng ") is (connection.vendor == "postgresql"), line
    monkeypatch.setattr(paging, "EXACT_UP_TO", 10**9)
    listing = client.get("/registry/instruments/").context["listing"]
    assert (listing["count"], listing["estimated"]) == (Instrument.objects.count(), False)


@pytest.mark.parametrize(
    ("url", "sort"),
    [
        ("/registry/instruments/", None),
        ("/registry/instruments/", "-owner"),
        ("/verification/records/", None),
        ("/verification/certificates/", None),
    ],
)
def test_deep_pages_by_deferred_join_hold_the_same_rows_as_the_offset(client_for, monkeypatch, url, sort):
    """From DEFERRED_JOIN_FROM on, a page picks its keys first and reads the rows by key: the same rows, in the
    same order, rendered the same, as the plain OFFSET gives."""
    client = client_for("ct.sokhcn")
    params = {"per_page": 10, "page": 4, **({"sort": sort} if sort else {})}
    monkeypatch.setattr(paging, "DEFERRED_JOIN_FROM", 10**9)
    plain = client.get(url, params)
    monkeypatch.setattr(paging, "DEFERRED_JOIN_FROM", 10)
    deferred = client.get(url, params)
    assert plain.status_code == deferred.status_code == 200
    assert len(page_ids(plain)) == 10
    assert page_ids(deferred) == page_ids(plain)
    table = deferred.context["table"]
    assert isinstance(table.page.object_list.data, list), "the deep page was read by key"
    assert not isinstance(plain.context["table"].page.object_list.data, list)
    assert [list(row) for row in table.paginated_rows] == [
        list(row) for row in plain.context["table"].paginated_rows
    ]
    last = table.paginator.num_pages
    assert page_ids(client.get(url, {**params, "page": last})) != []


def test_an_estimate_far_above_the_bound_is_shown_without_counting(monkeypatch):
    """PostgreSQL: an estimate more than ESTIMATE_ONLY_FACTOR times the bound skips the capped count; near the
    bound the capped count still runs and decides (SQLite always counts exactly)."""
    from django.test.utils import CaptureQueriesContext

    queryset = Instrument.objects.all()
    exact = queryset.count()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE registry_instrument")
    bound = exact // (paging.ESTIMATE_ONLY_FACTOR * 2)
    with CaptureQueriesContext(connection) as far:
        count, estimated = paging.bounded_count(queryset, exact_up_to=bound)
    counted = [q["sql"] for q in far.captured_queries if "COUNT(" in q["sql"].upper()]
    if connection.vendor == "postgresql":
        assert estimated and abs(count - exact) <= exact * 0.2 and counted == []
        with CaptureQueriesContext(connection) as near:
            count, estimated = paging.bounded_count(queryset, exact_up_to=exact - 1)
        assert estimated and count >= exact
        assert [q for q in near.captured_queries if "COUNT(" in q["sql"].upper()]
    else:
        assert (count, estimated) == (exact, False) and counted


def test_a_list_django_knows_is_empty_counts_zero():
    """A filter ``__in`` an empty list (a user with no memberships) has no SQL for the planner to explain: the
    count is 0 on both databases, not an error page."""
    assert paging.planner_rows(Instrument.objects.filter(pk__in=[])) in (0, None)
    assert paging.bounded_count(Instrument.objects.filter(pk__in=[])) == (0, False)
    assert paging.bounded_count(Instrument.objects.none()) == (0, False)
