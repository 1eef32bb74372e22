"""Build ``group2_catalogue.csv`` from the shared reference table (run by hand, not at run time).

    python src/doluong/registry/data/build_group2.py /path/to/reference/group2_instruments.csv

The reference table has one row per entry of the Group 2 list; the project's file has one row per *rule
version*: the 07/2019 wording (in force 01/01/2020–14/10/2024) and the 03/2024 wording (from 15/10/2024). The
reference's ``UNVERIFIED`` candidates of the 2026 circular go to ``group2_candidates_tt04_2026.csv``, which is
not loaded (see README.md). Re-running the script reproduces both files.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).parent

BASIS_2019 = "Thông tư 23/2013/TT-BKHCN, sửa đổi bởi Thông tư 07/2019/TT-BKHCN (hiệu lực 01/01/2020)"
BASIS_2024 = (
    "Thông tư 23/2013/TT-BKHCN, sửa đổi bởi Thông tư 07/2019/TT-BKHCN và Thông tư 03/2024/TT-BKHCN "
    "(hiệu lực 15/10/2024)"
)
FROM_2019, TO_2019, FROM_2024 = "2020-01-01", "2024-10-14", "2024-10-15"

FIELDS = {
    "do_dai": "length",
    "toc_do": "speed",
    "khoi_luong": "mass",
    "luc": "force",
    "luu_luong": "flow",
    "dung_tich": "volume",
    "ap_suat": "pressure",
    "nhiet_do": "temperature",
    "hoa_ly": "physico_chemical",
    "dien": "electrical",
    "am_hoc": "acoustics",
    "quang_hoc": "optics",
    "khi_tuong_thuy_van": "hydromet",
}

#: the provisional codes of the project's earlier file, so that a reload renames those types in place
REPLACES = {
    "12": "U01",
    "13": "U02",
    "14": "U03",
    "16.2": "U04",
    "19": "U11",
    "20": "U12",
    "21.1": "?-water-mech",
    "21.2": "?-water-elec",
    "22": "U13",
    "23.2": "U14",
    "24": "U05",
    "26": "U09",
    "27.1": "U06",
    "31": "U15",
    "32": "?-bp",
    "34.1": "U17",
    "34.2": "U18",
    "34.3": "U19",
    "35": "U20",
    "38.2": "U24",
    "39": "U21",
    "40.1": "U22",
    "40.2": "U23",
    "41.1": "U25",
    "43.1": "CT-1P-CAM-UNG",
    "43.2": "U28",
    "43.3": "U27",
    "43.4": "U29",
    "44": "U30",
    "45": "U31",
    "46": "U32",
    "47": "U33",
    "50": "U34",
    "51": "U35",
    "52": "U26",
    "59": "U36",
    "60": "U37",
    "69.1": "?-evc-ac-2w",
    "69.2": "?-evc-ac-car",
    "69.3": "?-evc-dc-car",
}

COLUMNS = [
    "code",
    "name_vi",
    "name_en",
    "field",
    "type_approval",
    "initial",
    "periodic",
    "after_repair",
    "cycle_status",
    "cycle_months",
    "legal_basis",
    "effective_from",
    "effective_to",
    "in_catalogue",
    "source_status",
    "notes",
    "source_url",
    "replaces",
]


def _field(text: str) -> str:
    if "y_te" in text:
        return "medical"
    return FIELDS[text.split()[0]]


def _version(row, code, *, measures, months, basis, start, end, status, note):
    periodic = "periodic" in measures or bool(months)
    return {
        "code": code,
        "name_vi": row["name_vi"],
        "name_en": row["name_en"],
        "field": _field(row["field"]),
        "type_approval": str("type_approval" in measures),
        "initial": str("initial" in measures),
        "periodic": str(periodic),
        "after_repair": str("after_repair" in measures),
        "cycle_status": "known" if months else ("no_periodic" if not periodic else "unknown"),
        "cycle_months": months,
        "legal_basis": basis,
        "effective_from": start,
        "effective_to": end,
        "in_catalogue": "True",
        "source_status": status,
        "notes": f"{note} — Ghi chú của bảng tham chiếu: {row['notes'].strip()}",
        "source_url": row["source_url"].strip(),
        "replaces": REPLACES.get(code, ""),
    }


def build(reference: Path) -> tuple[list[dict], list[dict]]:
    with reference.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    versions, candidates = [], []
    for row in rows:
        key, status = row["code_or_order"], row["verification_status"]
        measures = row["control_measures"].split(";") if row["control_measures"] else []
        months = row["verification_cycle_months"]
        if status == "UNVERIFIED":
            candidates.append(row)
            continue
        if key.startswith("REMOVED-"):  # 1-phase induction meter: in the list until 14/10/2024 only
            code = key.removeprefix("REMOVED-")
            versions.append(
                _version(
                    row,
                    code,
                    measures=["type_approval", "initial", "periodic", "after_repair"],
                    months="60",
                    basis=BASIS_2019,
                    start=FROM_2019,
                    end=TO_2019,
                    status="verified",
                    note="Bị loại khỏi Danh mục bởi Thông tư 03/2024/TT-BKHCN từ 15/10/2024; "
                    "không có phiên bản quy định từ ngày đó",
                )
            )
            continue
        if key.startswith("69."):  # added by 03/2024: no 2019 version
            versions.append(
                _version(
                    row,
                    key,
                    measures=[],
                    months=months,
                    basis=BASIS_2024,
                    start=FROM_2024,
                    end="",
                    status="secondary",
                    note="Bổ sung bởi Thông tư 03/2024/TT-BKHCN (hiệu lực 15/10/2024); chu kỳ theo nguồn thứ cấp, "
                    "các biện pháp kiểm soát chưa đọc được — quản trị viên cần xác nhận",
                )
            )
            continue
        if not months:
            note_2019 = "Chỉ kiểm định ban đầu, không có kiểm định định kỳ (đọc trong văn bản TT 07/2019)"
        else:
            note_2019 = "Đọc trong văn bản TT 07/2019 (Bộ pháp điển)"
        versions.append(
            _version(
                row,
                key,
                measures=measures,
                months=months,
                basis=BASIS_2019,
                start=FROM_2019,
                end=TO_2019,
                status="verified",
                note=note_2019,
            )
        )
        if "taken as unchanged" in row["notes"]:
            status_2024 = "assumed"
            note_2024 = (
                "Coi như không đổi so với TT 07/2019 (bản tóm tắt TT 03/2024 chỉ nêu hai thay đổi) — "
                "cần đối chiếu văn bản hợp nhất 02/VBHN-BKHCN"
            )
        else:
            status_2024 = "two_sources"
            note_2024 = "Giống nhau trong văn bản TT 03/2024 và TT 07/2019 (hai nguồn)"
        versions.append(
            _version(
                row,
                key,
                measures=measures,
                months=months,
                basis=BASIS_2024,
                start=FROM_2024,
                end="",
                status=status_2024,
                note=note_2024,
            )
        )
    return versions, candidates


def main(reference: str) -> None:
    versions, candidates = build(Path(reference))
    with (HERE / "group2_catalogue.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(versions)
    with (HERE / "group2_candidates_tt04_2026.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(candidates[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(candidates)
    print(
        f"{len(versions)} rule versions, {len({v['code'] for v in versions})} types, {len(candidates)} candidates"
    )


if __name__ == "__main__":
    main(sys.argv[1])
