"""Open data: every dataset published from the demo data carries no personal data (names of the demo's persons,
national ID numbers, phone numbers, e-mail addresses); columns are declared; the CSV is safe for spreadsheets;
the DCAT-AP catalogue lists each dataset with its licence, modification date and two downloads; the review date
is flagged after six months; the refresh runs as a job; figures checked against independent counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse

from doluong.core.dates import today
from doluong.core.text import fold
from doluong.opendata import datasets, publish
from doluong.opendata.models import DatasetRelease, months_before

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
NATIONAL_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")
# Vietnamese phone numbers: 0 or +84, then 9 or 10 digits, optionally grouped by spaces, dots or hyphens (not
# the tail of a date or of another number: nothing of a number or a word just before)
_PHONE = re.compile(r"(?<![\w.\-/:+])(?:\+84[ .-]?|0)\d(?:[ .-]?\d)+")


class PHONE:
    @staticmethod
    def findall(text: str) -> list[str]:
        found = []
        for match in _PHONE.findall(text):
            digits = re.sub(r"\D", "", match.removeprefix("+84"))
            if (match.startswith("+84") and len(digits) in (9, 10)) or len(digits) in (10, 11):
                found.append(match)
        return found


TAX_CODE = re.compile(r"\d{10}(-\d{3})?")


def _person_names() -> set[str]:
    """Every person's name the demo holds, folded (users, people, verifiers through their person, training
    attendees, inspection leaders, team members, inspectors and persons present)."""
    from django.contrib.auth import get_user_model

    from doluong.inspections.models import Campaign, Inspection
    from doluong.parties.models import Person
    from doluong.programs.models import Attendance

    names = set()
    for user in get_user_model().objects.all():
        names.add(user.get_full_name())
        names.add(user.first_name)
    names |= set(Person.objects.values_list("full_name", flat=True))
    names |= set(Attendance.objects.values_list("full_name", flat=True))
    for campaign in Campaign.objects.all():
        names.add(campaign.leader_name)
        names |= {m.strip() for m in re.split(r"[,;\n]", campaign.members or "")}
    for inspection in Inspection.objects.all():
        names |= {inspection.inspector, inspection.person_present}
    # a person's name has at least two words ("Nguyễn Văn An"); a single word would match ordinary text
    return {fold(n) for n in names if n and len(n.split()) >= 2 and "quan tri" not in fold(n)}


def _secrets() -> set[str]:
    """Phones, e-mails and national IDs held in the demo, as they are stored."""
    from doluong.parties.models import Organisation, Person
    from doluong.programs.models import Attendance

    values = set()
    for model in (Person, Organisation):
        values |= set(model.objects.exclude(phone="").values_list("phone", flat=True))
        values |= set(model.objects.exclude(email="").values_list("email", flat=True))
    values |= set(Attendance.objects.exclude(national_id="").values_list("national_id", flat=True))
    return values


def _published(client) -> dict[str, tuple[str, str]]:
    """Every dataset's CSV and JSON as a visitor downloads them."""
    out = {}
    for dataset in datasets.DATASETS:
        csv_body = client.get(reverse("opendata:csv", args=[dataset.key]))
        json_body = client.get(reverse("opendata:json", args=[dataset.key]))
        assert csv_body.status_code == json_body.status_code == 200, dataset.key
        out[dataset.key] = (csv_body.content.decode("utf-8-sig"), json_body.content.decode())
    return out


def test_no_published_dataset_holds_personal_data(client):
    publish.refresh()
    names, secrets = _person_names(), _secrets()
    assert len(names) > 10 and secrets  # the scan has something to find
    for key, (csv_text, json_text) in _published(client).items():
        body = json.loads(json_text)
        assert body["rows"], f"{key} is empty: the scan would prove nothing"
        for text in (csv_text, json_text):
            # tax codes are public master data of organisations and may look like phone numbers: they are
            # checked to be tax codes, then taken out of the phone scan
            for row in body["rows"]:
                if row.get("tax_code"):
                    assert TAX_CODE.fullmatch(row["tax_code"]), row["tax_code"]
                    text = text.replace(row["tax_code"], "")
            assert not EMAIL.findall(text), (key, EMAIL.findall(text)[:3])
            assert not NATIONAL_ID.findall(text), (key, NATIONAL_ID.findall(text)[:3])
            assert not PHONE.findall(text), (key, PHONE.findall(text)[:3])
            folded = f" {fold(text)} "
            found = [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", folded)]
            assert not found, (key, found[:3])
            assert not [s for s in secrets if s in text], key


def test_the_scan_finds_what_it_looks_for():
    """The patterns above catch the personal data they are meant to (so a clean scan means something)."""
    assert EMAIL.findall("liên hệ an.nguyen@ct.gov.vn")
    assert NATIONAL_ID.findall("CCCD 092201001234.")
    for phone in ("0912 345 678", "0292.3812.345", "+84 912345678", "02923812345"):
        assert PHONE.findall(f"ĐT: {phone}"), phone
    assert not PHONE.findall("2026-11-02 43.3 19400.00")


def test_a_row_with_an_undeclared_column_is_refused(monkeypatch):
    dataset = datasets.BY_KEY["verifiers-by-field"]
    leaky = datasets.Dataset(
        dataset.key,
        dataset.title,
        dataset.description,
        dataset.columns,
        lambda day: [{"province_code": "82", "field": "mass", "verifiers": 1, "full_name": "Nguyễn Văn An"}],
    )
    monkeypatch.setitem(datasets.BY_KEY, dataset.key, leaky)
    monkeypatch.setattr(publish, "BY_KEY", datasets.BY_KEY)
    before = DatasetRelease.objects.get(key=dataset.key).json_text
    with pytest.raises(publish.UndeclaredColumn):
        publish.refresh([dataset.key])
    assert DatasetRelease.objects.get(key=dataset.key).json_text == before


def test_the_csv_is_safe_for_spreadsheets(client):
    from doluong.parties.models import Organisation, Registration, RegistrationScope

    provider = Organisation.objects.create(
        name='=HYPERLINK("http://x.example","bấm")', kind="service_provider", province_id="82"
    )
    reg = Registration.objects.create(
        organisation=provider, certificate_number="+ĐK-1", issuer="Bộ", issued_on=dt.date(2024, 1, 1)
    )
    RegistrationScope.objects.create(registration=reg, activity="verification", quantity="@SUM(A1)")
    publish.refresh(["providers"])
    text = client.get(reverse("opendata:csv", args=["providers"])).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    mine = [r for r in rows if "HYPERLINK" in r["provider"]]
    assert len(mine) == 1
    assert mine[0]["provider"].startswith("'=") and mine[0]["registration_number"] == "'+ĐK-1"
    assert mine[0]["instrument_type"] == "'@SUM(A1)"
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values() if v)
    # the JSON keeps the value as it is (no spreadsheet reads it)
    body = json.loads(client.get(reverse("opendata:json", args=["providers"])).content)
    assert any(r["provider"].startswith("=HYPERLINK") for r in body["rows"])


def test_the_dcat_catalogue(client):
    page = client.get(reverse("opendata:catalogue_jsonld"))
    assert page.status_code == 200 and page["Content-Type"].startswith("application/ld+json")
    body = json.loads(page.content)
    assert body["@type"] == "dcat:Catalog" and body["dct:license"]["@id"] == publish.LICENSE_URL
    assert body["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    found = {d["dct:identifier"]: d for d in body["dcat:dataset"]}
    assert set(found) == set(datasets.BY_KEY)
    for key, dataset in found.items():
        assert dataset["@type"] == "dcat:Dataset"
        assert dataset["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
        assert dataset["dct:modified"]["@type"] == "xsd:dateTime"
        dt.datetime.fromisoformat(dataset["dct:modified"]["@value"])
        assert dataset["dct:title"]["@value"] and dataset["dct:description"]["@value"]
        kinds = {d["dcat:mediaType"]["@id"].rsplit("/", 1)[1]: d for d in dataset["dcat:distribution"]}
        assert set(kinds) == {"csv", "json"}
        for media, dist in kinds.items():
            url = dist["dcat:downloadURL"]["@id"]
            assert url.startswith("http://testserver/open/data/") and url.endswith(f"{key}.{media}")
            got = client.get(url.removeprefix("http://testserver"))
            assert got.status_code == 200
            assert int(dist["dcat:byteSize"]["@value"]) == len(got.content)


def test_the_catalogue_page_and_the_review_flag(client):
    page = client.get(reverse("opendata:catalogue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "CC BY 4.0" in html and 'data-stale="1"' not in html and "Dữ liệu mở" in html
    for key in datasets.BY_KEY:
        assert f'data-dataset="{key}"' in html
    DatasetRelease.objects.filter(key="coverage").update(reviewed_on=months_before(today(), 7))
    html = client.get(reverse("opendata:catalogue")).content.decode()
    assert html.count('data-stale="1"') == 1
    assert client.get(reverse("opendata:csv", args=["nothing"])).status_code == 404


def test_six_months_before():
    assert months_before(dt.date(2026, 8, 31), 6) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 3, 15), 6) == dt.date(2025, 9, 15)
    assert months_before(dt.date(2028, 8, 29), 6) == dt.date(2028, 2, 29)
    release = DatasetRelease(reviewed_on=dt.date(2026, 5, 1))
    assert not release.is_stale(dt.date(2026, 11, 1)) and release.is_stale(dt.date(2026, 11, 2))


def test_the_refresh_is_a_job_started_by_the_administrator(client_for):
    from doluong.core import jobs
    from doluong.core.models import Job

    assert "opendata_refresh" in jobs.kinds()
    DatasetRelease.objects.update(reviewed_on=dt.date(2020, 1, 1))
    url = reverse("opendata:refresh")
    assert client_for(None).post(url).status_code == 403
    assert client_for("ct.sokhcn").post(url).status_code == 403
    assert client_for(None).get(url).status_code == 405
    assert DatasetRelease.objects.filter(reviewed_on=dt.date(2020, 1, 1)).count() == len(datasets.DATASETS)
    done = client_for("admin").post(url)
    assert done.status_code == 302
    job = Job.objects.filter(kind="opendata_refresh").latest("pk")
    assert job.status == Job.Status.DONE and set(job.result) == set(datasets.BY_KEY)
    assert set(DatasetRelease.objects.values_list("reviewed_on", flat=True)) == {today()}


def test_figures_match_independent_counts():
    from doluong.coverage import data
    from doluong.inspections.models import InstrumentCheck
    from doluong.registry.models import Instrument

    day = today()
    rows = publish.rows(datasets.BY_KEY["instruments-by-commune"], day)
    for province in ("82", "92"):
        in_use = list(
            Instrument.objects.filter(province_id=province, status="in_use").values_list(
                "next_due", flat=True
            )
        )
        mine = [r for r in rows if r["province_code"] == province]
        assert sum(r["instruments"] for r in mine) == len(in_use) > 0
        assert sum(r["overdue"] for r in mine) == sum(1 for d in in_use if d and d < day)
        soon = day + dt.timedelta(days=90)
        assert sum(r["due_90_days"] for r in mine) == sum(1 for d in in_use if d and day <= d <= soon)
    cov = {r["province_code"]: r for r in publish.rows(datasets.BY_KEY["coverage"], day)}
    assert cov["82"]["capability_percent"] == data.current("82", day)["capability"]["percent"]
    checks = publish.rows(datasets.BY_KEY["inspection-checks"], day)
    assert (
        sum(r["checks"] for r in checks)
        == InstrumentCheck.objects.filter(inspection__date__lte=day).count()
        > 0
    )
    catalogue = publish.rows(datasets.BY_KEY["group2-catalogue"], day)
    assert len(catalogue) == len({r["code"] for r in catalogue}) > 30
