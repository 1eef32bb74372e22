"""Query-count guards: a list page costs the same number of queries for 10 rows as for 100."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doluong.core.surface import SURFACES as REGISTERED

pytestmark = pytest.mark.django_db

# every app's surfaces (they register when the apps load)
SURFACES = {f"{s.namespace}:{s.basename}": s for s in REGISTERED.values()}


def _count(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("username", ["ct.sokhcn", "admin"])
@pytest.mark.parametrize("basename", SURFACES)
def test_table_queries_do_not_grow_with_page_size(client_for, username, basename):
    """The table alone (what htmx refreshes): constant in the page size, for every surface."""
    surface = SURFACES[basename]
    client = client_for(username)
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "object-table"}
    client.get(surface.list_url(), **htmx)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        client.get(surface.list_url(), {"per_page": 10}, **htmx)
    with CaptureQueriesContext(connection) as large:
        client.get(surface.list_url(), {"per_page": 100}, **htmx)
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries][-6:]


@pytest.mark.parametrize(
    "basename",
    [
        "registry:instrument",
        "parties:organisation",
        "registry:standard",
        "parties:verifier",
        "verification:record",
        "verification:certificate",
        "programs:plan",
    ],
)
def test_full_list_page_query_budget(client_for, basename):
    """The whole page (filters included) for the province officer: constant and small."""
    surface = SURFACES[basename]
    client = client_for("ct.sokhcn")
    client.get(surface.list_url())
    small = _count(client, surface.list_url(), per_page=10)
    large = _count(client, surface.list_url(), per_page=100)
    assert large == small
    assert large <= 25


@pytest.mark.parametrize(
    "basename",
    ["registry:instrument", "parties:organisation", "registry:standard", "verification:certificate"],
)
def test_api_list_queries_do_not_grow_with_page_size(client_for, basename):
    surface = SURFACES[basename]
    client = client_for("ct.sokhcn")
    url = f"/api/{surface.namespace}/{surface.route}/"
    client.get(url, {"limit": 1})
    small = _count(client, url, limit=10)
    large = _count(client, url, limit=100)
    assert large == small


def test_dashboard_queries_are_bounded(client_for):
    client = client_for("ct.sokhcn")
    client.get("/")
    # a fixed number per home panel (registry, verification, programs, assurance, inspections, coverage …), never
    # one per row: the bound moves only when an app adds a panel (27 since the inspections panel, which counts in
    # one aggregate per model)
    assert _count(client, "/") <= 27
