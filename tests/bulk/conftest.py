"""Files for the bulk tests, built from the demo database: good rows and bad rows whose errors are known."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import pytest

HEADER = [
    "Loại phương tiện đo",
    "Chủ sở hữu",
    "Xã, phường",
    "Số sản xuất",
    "Nhà sản xuất",
    "Năm sản xuất",
    "Tình trạng",
    "Ngày kiểm định gần nhất",
    "Hiệu lực đến",
    "Địa điểm sử dụng",
]


@pytest.fixture
def refdata(db):
    """Types with a known cycle, owners with tax codes and communes, per demo province."""
    from doluong.geo.models import Commune
    from doluong.parties.models import Organisation
    from doluong.registry.models import InstrumentType

    types = [t for t in InstrumentType.objects.prefetch_related("rules") if t.rule_on() is not None]
    owners = {
        p: list(Organisation.objects.filter(province_id=p).exclude(tax_code="").order_by("pk")[:20])
        for p in ("92", "82")
    }
    communes = {p: list(Commune.objects.filter(province_id=p).order_by("code")[:30]) for p in ("92", "82")}
    return {"types": types, "owners": owners, "communes": communes}


def good_row(ref, n: int, province: str = "92", rng: random.Random | None = None) -> list[str]:
    rng = rng or random.Random(n)
    kind = ref["types"][n % len(ref["types"])]
    owner = ref["owners"][province][n % len(ref["owners"][province])]
    commune = ref["communes"][province][n % len(ref["communes"][province])]
    verified = dt.date(2024, 11, 1) + dt.timedelta(days=n % 600)
    return [
        kind.code if n % 3 else kind.name,
        owner.tax_code if n % 4 else owner.name,
        commune.code,
        f"BK{n:07d}",
        "Công ty Đo lường Việt" if n % 2 else "ACME",
        str(2000 + n % 25),
        "" if n % 5 else "Đang sử dụng",
        verified.strftime("%d/%m/%Y") if n % 7 else "",
        "",
        f"Số {n} đường 30/4",
    ]


#: (column index, bad value, column label in the report) — each makes exactly one error
CORRUPTIONS = [
    (7, "31/02/2025", "Ngày kiểm định gần nhất"),
    (7, "01/01/2099", "Ngày kiểm định gần nhất"),
    (0, "KHÔNG CÓ LOẠI NÀY", "Loại phương tiện đo"),
    (1, "Công ty không tồn tại", "Chủ sở hữu"),
    (2, "99999", "Xã, phường"),
    (5, "hai nghìn", "Năm sản xuất"),
    (5, "1850", "Năm sản xuất"),
    (6, "Đang bay", "Tình trạng"),
    (8, "01/01/2020", "Hiệu lực đến"),  # before the last verification (set to 2024+)
    (9, '=HYPERLINK("x")', "Địa điểm sử dụng"),
    (3, "S" * 101, "Số sản xuất"),
    (2, "", "Xã, phường"),
]


def instrument_file(ref, rows: int, bad: int, seed: int = 7, start: int = 0):
    """CSV bytes with `rows` data rows, `bad` of them corrupted at scattered positions; returns (bytes, {row:
    column label}) with spreadsheet row numbers (header = row 1)."""
    rng = random.Random(seed)
    bad_positions = set(rng.sample(range(rows), bad))
    expected = {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for i in range(rows):
        row = good_row(ref, start + i)
        if i in bad_positions:
            column, value, label = CORRUPTIONS[len(expected) % len(CORRUPTIONS)]
            if column == 8:
                row[7] = "01/06/2025"
            row[column] = value
            expected[i + 2] = label
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8"), expected


@pytest.fixture
def load():
    """`load(kind, bytes, name="f.csv", user=None, **options)` → BulkResult."""
    from doluong.core import bulk

    def run(kind, content: bytes, name: str = "f.csv", user=None, **options):
        return bulk.run(kind, name, io.BytesIO(content), user=user, **options)

    return run
