"""Building the releases (CSV safe for spreadsheets, JSON) and the DCAT-AP catalogue (JSON-LD)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from doluong.core.dates import today
from doluong.core.io import safe_cell

from .datasets import BY_KEY, DATASETS, Dataset
from .models import DatasetRelease

LICENSE_URL = getattr(settings, "DOLUONG_OPENDATA_LICENSE", "https://creativecommons.org/licenses/by/4.0/")
LICENSE_NAME = "CC BY 4.0"


class UndeclaredColumn(ValueError):
    """A dataset's reader gave a column it does not declare: nothing is published."""


def _value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def rows(dataset: Dataset, day: dt.date) -> list[dict]:
    """The dataset's rows with exactly its declared columns, in their order; a row with another key is refused."""
    names = dataset.names
    allowed = set(names)
    out = []
    for row in dataset.rows(day):
        extra = set(row) - allowed
        if extra:
            raise UndeclaredColumn(f"{dataset.key}: undeclared column(s) {sorted(extra)}")
        out.append({name: _value(row.get(name)) for name in names})
    return out


def to_csv(dataset: Dataset, data: list[dict]) -> str:
    """UTF-8 CSV with a byte-order mark (so a spreadsheet reads the Vietnamese letters), one header row of the
    column names; every text cell through `core.io.safe_cell` (a cell starting with = + - @ is not a formula)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(dataset.names)
    for row in data:
        writer.writerow(
            [
                ""
                if row[n] is None
                else safe_cell("true" if row[n] is True else "false" if row[n] is False else row[n])
                for n in dataset.names
            ]
        )
    return buffer.getvalue()


def to_json(dataset: Dataset, data: list[dict], modified: dt.datetime) -> str:
    body = {
        "dataset": dataset.key,
        "title": str(dataset.title),
        "license": LICENSE_URL,
        "modified": modified.isoformat(),
        "columns": [
            {"name": c.name, "title": str(c.title), "type": c.type, "description": str(c.description)}
            for c in dataset.columns
        ],
        "rows": data,
    }
    return json.dumps(body, ensure_ascii=False, indent=1, default=str)


@transaction.atomic
def refresh(keys: list[str] | None = None, *, day: dt.date | None = None) -> dict[str, int]:
    """Rebuild the releases of `keys` (all by default) as of `day` (today): the review date is `day`; the
    modified stamp moves only when the content changed. Returns the row count of each."""
    day = day or today()
    now = timezone.now()
    counts = {}
    for key in keys or [d.key for d in DATASETS]:
        dataset = BY_KEY[key]
        data = rows(dataset, day)
        release = DatasetRelease.objects.filter(key=key).first()
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
        if release is None:
            release = DatasetRelease(key=key)
        if release.sha256 != digest or not release.pk:
            release.modified = now
            release.sha256 = digest
            release.csv_text = to_csv(dataset, data)
            release.json_text = to_json(dataset, data, now)
        release.reviewed_on = day
        release.row_count = len(data)
        release.save()
        counts[key] = len(data)
    return counts


def catalogue(base_url: str, releases: dict[str, DatasetRelease]) -> dict:
    """The DCAT-AP catalogue as JSON-LD: one dcat:Dataset per published release, each with its licence, its
    modification date and two distributions (CSV and JSON) with their download URLs."""
    base = base_url.rstrip("/")
    lang = settings.LANGUAGE_CODE

    def text(value):
        return {"@value": str(value), "@language": lang}

    datasets = []
    for dataset in DATASETS:
        release = releases.get(dataset.key)
        if release is None:
            continue
        modified = {"@value": release.modified.isoformat(), "@type": "xsd:dateTime"}
        distributions = []
        for fmt, media, body in (
            ("csv", "text/csv", release.csv_text),
            ("json", "application/json", release.json_text),
        ):
            url = f"{base}/open/data/{dataset.key}.{fmt}"
            distributions.append(
                {
                    "@id": url,
                    "@type": "dcat:Distribution",
                    "dct:title": text(f"{dataset.title} ({fmt.upper()})"),
                    "dcat:accessURL": {"@id": url},
                    "dcat:downloadURL": {"@id": url},
                    "dcat:mediaType": {"@id": f"http://www.iana.org/assignments/media-types/{media}"},
                    "dct:format": {
                        "@id": f"http://publications.europa.eu/resource/authority/file-type/{fmt.upper()}"
                    },
                    "dct:license": {"@id": LICENSE_URL},
                    "dct:modified": modified,
                    "dcat:byteSize": {"@value": str(len(body.encode())), "@type": "xsd:nonNegativeInteger"},
                }
            )
        datasets.append(
            {
                "@id": f"{base}/open/data/#{dataset.key}",
                "@type": "dcat:Dataset",
                "dct:identifier": dataset.key,
                "dct:title": text(dataset.title),
                "dct:description": text(dataset.description),
                "dcat:keyword": [text(k) for k in dataset.keywords],
                "dct:license": {"@id": LICENSE_URL},
                "dct:modified": modified,
                "adms:status": {"@id": "http://purl.org/adms/status/Completed"},
                "dct:conformsTo": {"@id": f"{base}/open/data/dictionary/#{dataset.key}"},
                "dcat:distribution": distributions,
            }
        )
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "adms": "http://www.w3.org/ns/adms#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": f"{base}/open/data/",
        "@type": "dcat:Catalog",
        "dct:title": text("Dữ liệu mở đo lường"),
        "dct:description": text(
            "Danh mục dữ liệu mở của cơ sở dữ liệu đo lường: sổ đăng ký công khai và số liệu tổng hợp, "
            "không có dữ liệu cá nhân."
        ),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": text("doluong")},
        "dct:license": {"@id": LICENSE_URL},
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/VIE"},
        "foaf:homepage": {"@id": f"{base}/open/data/"},
        "dcat:dataset": datasets,
    }
