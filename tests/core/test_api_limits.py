"""`?limit=` and `?offset=` of every API list: a ceiling on the page size, and garbage or huge numbers are
answered (lowered, or the default page) — never a 500, and never more than MAX_PAGE_SIZE rows."""

from __future__ import annotations

import pytest

from doluong.core.api import MAX_PAGE_SIZE

pytestmark = pytest.mark.django_db

HUGE = [str(2**63), str(2**64), str(2**63 - 1), "9" * 5000]
GARBAGE = ["-1", "0", "abc", "1e3", "", "1.5", "0x10", "NaN", "1_0\x00"]


def list_urls():
    from doluong.urls import router

    return [f"/api/{prefix}/" for prefix, _viewset, _basename in router.registry]


@pytest.fixture
def admin(client_for):
    return client_for("admin")


def test_every_list_survives_huge_and_garbage_limits(admin):
    """Every value on one list; on every other list (the same paginator) one huge and one garbage value."""
    failures = []
    urls = list_urls()
    assert len(urls) > 30 and "/api/registry/instruments/" in urls
    for url in urls:
        values = [*HUGE, *GARBAGE] if url == "/api/registry/instruments/" else [HUGE[0], GARBAGE[-1]]
        for value in values:
            for param in ("limit", "offset"):
                response = admin.get(url, {param: value})
                if response.status_code != 200:
                    failures.append((url, param, value[:20], response.status_code))
                    continue
                assert len(response.json()["results"]) <= MAX_PAGE_SIZE
    assert failures == []


def test_a_limit_above_the_maximum_is_lowered_to_it(admin, settings):
    url = "/api/registry/instruments/"
    total = admin.get(url, {"limit": 1}).json()["count"]
    assert total > 1  # the demo's instruments
    response = admin.get(url, {"limit": str(2**63)})
    payload = response.json()
    assert len(payload["results"]) == min(total, MAX_PAGE_SIZE)
    assert payload["count"] == total
    # the next link, if any, asks for the ceiling, not the huge number
    if payload["next"]:
        assert f"limit={MAX_PAGE_SIZE}" in payload["next"]


def test_garbage_limit_is_the_default_page(admin, settings):
    url = "/api/registry/instruments/"
    default = settings.REST_FRAMEWORK["PAGE_SIZE"]
    for value in GARBAGE:
        assert len(admin.get(url, {"limit": value}).json()["results"]) == default, value


def test_an_offset_past_the_end_is_an_empty_page(admin):
    url = "/api/registry/instruments/"
    for value in [str(2**63), str(2**64), "9" * 30]:
        payload = admin.get(url, {"offset": value, "limit": "10"}).json()
        assert payload["results"] == []
        assert payload["next"] is None
    payload = admin.get(url, {"offset": "abc"}).json()
    assert payload["results"]  # garbage offset: from the start


def test_a_scoped_persona_gets_the_same_guard(client_for):
    client = client_for("ct.kiemdinh")
    for url in list_urls():
        response = client.get(url, {"limit": str(2**64), "offset": str(2**63)})
        assert response.status_code in (200, 403), (url, response.status_code)


# ------------------------------------------------------------------------------------------- NUL characters
# PostgreSQL cannot store or compare a string holding NUL: a filter or a body that carries one must be a 400 (or
# simply match nothing), never a 500. Found by the fuzzer (tests/api/test_fuzz.py) on PostgreSQL.


def test_a_nul_character_in_any_filter_is_not_a_server_error(admin):
    from doluong.urls import router

    failures = []
    for prefix, viewset, _basename in router.registry:
        for name in [*viewset.filterset_class.base_filters, "ordering"]:
            response = admin.get(f"/api/{prefix}/", {name: "a\x00b"})
            if response.status_code >= 500:
                failures.append((prefix, name, response.status_code))
    assert failures == []


def test_a_nul_character_in_a_body_is_refused(admin):
    from doluong.geo.models import Province

    code = Province.objects.order_by("code").values_list("code", flat=True).first()
    for url, body, field in [
        ("/api/programs/events/", {"title": "Hội thảo", "province": f"{code}\x00"}, "province"),
        ("/api/geo/old-communes/", {"old_code": "1\x002", "old_name": "x", "commune": "00004"}, "old_code"),
        ("/api/programs/events/", {"title": "Hội thảo", "venue": {"hall": ["A\x00"]}}, "venue"),
    ]:
        response = admin.post(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code, response.content[:300])
        assert field in response.json(), response.json()
