"""The public list of providers: no login, public facts only, in force unless asked, folded search, filters,
pages, the API (anonymous, limited like the public check, in the schema), links from the login and check pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from doluong.parties.models import Designation, Organisation, Person, Registration, RegistrationScope
from doluong.registry.models import InstrumentType

pytestmark = pytest.mark.django_db

PAGE = "/verify/providers/"
API = "/api/public/providers/"


@pytest.fixture
def labs(db):
    """Two providers of Cần Thơ made here: one designated until yesterday (expired), one registered in force with
    a scope line; a contact person with a private phone number."""
    today = timezone.localdate()
    kind = InstrumentType.objects.order_by("code").first()
    other = InstrumentType.objects.order_by("-code").first()
    expired = Organisation.objects.create(
        name="Trung tâm Đo lường Hết Hạn",
        kind="service_provider",
        tax_code="",
        province_id="92",
        phone="0292 111 2222",
        email="hethan@example.vn",
    )
    designation = Designation.objects.create(
        organisation=expired,
        decision_number="77/QĐ-HH",
        issuer="Tổng cục",
        issued_on=today - dt.timedelta(days=900),
        valid_from=today - dt.timedelta(days=900),
        valid_until=today - dt.timedelta(days=1),
    )
    designation.instrument_types.set([kind])
    lab = Organisation.objects.create(
        name="Phòng thí nghiệm Ánh Dương", short_name="PTN ÁD", kind="accredited_lab", province_id="82"
    )
    registration = Registration.objects.create(
        organisation=lab,
        certificate_number="901/ĐK-AD",
        issuer="Tổng cục",
        issued_on=today - dt.timedelta(days=30),
        valid_until=today + dt.timedelta(days=300),
        calibration=True,
    )
    RegistrationScope.objects.create(
        registration=registration, activity="calibration", instrument_type=other, range_text="0–10 bar"
    )
    Person.objects.create(full_name="Nguyễn Văn Riêng Tư", organisation=lab, phone="0909 123 456")
    return {"expired": expired, "lab": lab, "kind": kind, "other": other}


def _names(client, **params):
    body = client.get(API, params).json()
    return {p["name"] for p in body["results"]}, body


def test_page_without_login_lists_providers_in_force_only_unless_asked(client_for, labs):
    client = client_for(None)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tổ chức kiểm định, hiệu chuẩn, thử nghiệm" in html
    assert "Phòng thí nghiệm Ánh Dương" in html and "901/ĐK-AD" in html and "0–10 bar" in html
    assert "Trung tâm Đo lường Hết Hạn" not in html
    html = client.get(PAGE, {"expired": "1", "q": "het han"}).content.decode()
    assert "Trung tâm Đo lường Hết Hạn" in html and "Hết hiệu lực" in html and "77/QĐ-HH" in html
    assert 'name="expired" value="1" checked' in html


def test_nothing_private_is_shown(client_for, labs):
    client = client_for(None)
    html = client.get(PAGE, {"expired": "1"}).content.decode()
    names, body = _names(client, expired="1")
    text = html + str(body)
    for private in ("0292 111 2222", "hethan@example.vn", "Nguyễn Văn Riêng Tư", "0909 123 456"):
        assert private not in text
    demo = Organisation.objects.filter(kind="service_provider").exclude(tax_code="").first()
    assert demo.name in names and demo.tax_code not in text
    assert set(body["results"][0]) == {
        "id", "name", "short_name", "kind", "address", "website", "province", "territory", "designations",
        "registrations",
    }  # fmt: skip


def test_folded_search_and_filters(client_for, labs):
    client = client_for(None)
    assert _names(client, q="ANH DUONG")[0] == {"Phòng thí nghiệm Ánh Dương"}
    assert _names(client, q="901/đk")[0] == {"Phòng thí nghiệm Ánh Dương"}  # the certificate's number
    in_82 = _names(client, province="82")[0]
    assert "Phòng thí nghiệm Ánh Dương" in in_82
    assert not Organisation.objects.filter(name__in=in_82).exclude(province_id="82").exists()
    by_type = _names(client, type=labs["other"].code)[0]
    assert "Phòng thí nghiệm Ánh Dương" in by_type
    response = client.get(API, {"province": "00"})
    assert response.status_code == 400 and "Không có tỉnh" in str(response.json())
    html = client.get(PAGE, {"province": "00", "type": "không-có"}).content.decode()
    assert "Không có tỉnh, thành phố có mã “00”" in html and "Không có loại phương tiện đo có mã" in html


def test_type_filter_keeps_only_the_matching_documents(client_for, labs):
    client = client_for(None)
    names, body = _names(client, type=labs["kind"].code, expired="1")
    assert "Trung tâm Đo lường Hết Hạn" in names
    entry = next(p for p in body["results"] if p["name"] == "Trung tâm Đo lường Hết Hạn")
    assert entry["designations"][0]["in_force"] is False
    assert [t["code"] for t in entry["designations"][0]["instrument_types"]] == [labs["kind"].code]


def test_pages_and_query_count(client_for, labs, django_assert_max_num_queries):
    client = client_for(None)
    total = client.get(API).json()["count"]
    assert total > 1
    first = client.get(API, {"limit": 1}).json()
    second = client.get(API, {"limit": 1, "offset": 1}).json()
    assert first["results"][0]["name"] != second["results"][0]["name"]
    with django_assert_max_num_queries(14):  # the counter, filters' lists, count, page, two prefetches …
        html = client.get(PAGE).content.decode()
    assert "provider-count" in html


def test_api_is_limited_like_the_public_check(client_for, labs, settings):
    settings.VERIFY_RATE_LIMIT = 3
    client = client_for(None)
    statuses = [client.get(API, REMOTE_ADDR="10.9.9.9").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(API, REMOTE_ADDR="10.9.9.9")
    assert "Vui lòng đợi một phút" in response.json()["detail"]
    assert client.get(PAGE, REMOTE_ADDR="10.9.9.9").status_code == 429
    assert client.get(API, REMOTE_ADDR="10.9.9.8").status_code == 200  # another address


def test_api_needs_no_login_and_is_read_only_and_in_the_schema(client_for, labs):
    client = client_for(None)
    assert client.get(API).status_code == 200
    assert client.post(API, {}).status_code == 405
    schema = client_for("ct.sokhcn").get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/public/providers/"]["get"]
    assert operation["security"] == [{}] or {} in operation.get("security", [{}])
    assert {p["name"] for p in operation["parameters"]} >= {
        "q",
        "province",
        "type",
        "expired",
        "limit",
        "offset",
    }
    assert "429" in operation["responses"]


def test_login_and_check_pages_link_to_the_public_pages(client_for):
    client = client_for(None)
    html = client.get("/login/").content.decode()
    assert 'href="/verify/"' in html and 'href="/verify/providers/"' in html
    assert 'href="/verify/providers/"' in client.get("/verify/").content.decode()
