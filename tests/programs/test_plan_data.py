"""Schema and content checks for the provincial plan transcriptions.

Plain YAML + pytest, no Django: ``pytest tests/programs/test_plan_data.py -p no:django``.
The schema is documented in ``src/doluong/programs/data/plans/README.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLANS_DIR = ROOT / "src" / "doluong" / "programs" / "data" / "plans"
GEO_DIR = ROOT / "src" / "doluong" / "geo" / "data"
PLAN_FILES = sorted(PLANS_DIR.glob("*.yaml"))

KINDS = {"ke_hoach", "quyet_dinh", "chuong_trinh", "de_an"}
STATUSES = {"draft", "in_force", "completed", "unknown"}
COMPARATORS = {">=", ">", "="}
UNITS = {
    "nguoi",
    "luot_nguoi",
    "luot_doanh_nghiep",
    "doanh_nghiep",
    "phong_thi_nghiem",
    "chuan",
    "percent",
    "to_chuc",
    "hoi_nghi",
    "lop",
    "tin_bai",
    "phuong_tien_do",
    "other",
}
MEASURES = {
    "training_attendance",
    "training_people",
    "map_engagements",
    "lab_assessments",
    "standards_supported",
    "demand_coverage",
    "communication_items",
    "events",
    "inspections",
    "surveys",
    "manual",
}
TIMELINE_KINDS = {"yearly", "by_date", "ongoing", "period", "other"}
FREQUENCIES = {"yearly", "half_yearly", "quarterly", "on_request", "final", "periodic", "ad_hoc"}

PLAN_REQUIRED = {
    "slug",
    "province_code",
    "issuer",
    "issuer_province_name",
    "number",
    "issued_on",
    "kind",
    "title",
    "period",
    "legal_basis",
    "status",
    "notes",
    "phases",
    "targets",
    "tasks",
    "reporting_duties",
}
PLAN_OPTIONAL = {"issuer_province_code", "general_objectives", "budget", "transcription_notes"}
PHASE_KEYS = {"code", "name", "start", "end"}
TARGET_KEYS = {
    "code",
    "phase",
    "text",
    "comparator",
    "value",
    "unit",
    "unit_label",
    "measure",
    "by_year",
    "notes",
}
TASK_REQUIRED = {
    "code",
    "section",
    "content",
    "lead",
    "coordinators",
    "timeline",
    "timeline_kind",
    "due_year",
    "expected_result",
    "related_targets",
}
TASK_OPTIONAL = {"group", "phase", "budget_source", "notes"}
DUTY_REQUIRED = {"reporter", "recipient", "due_day", "due_month", "frequency", "content"}
DUTY_OPTIONAL = {"forwarded_to", "notes"}

# Per plan: (targets, appendix tasks, reporting duties, phases), counted from the seeds.
EXPECTED_COUNTS = {
    "can-tho-2026-2030": (5, 5, 3, 1),
    "dong-thap-2026-2030": (5, 16, 7, 1),
    "can-tho-2021-2030": (10, 12, 3, 2),
    "son-la-2026-2030": (5, 0, 5, 1),
    "binh-thuan-den-2030": (6, 0, 2, 2),
}


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _plans() -> dict[str, dict]:
    return {path.stem: _load(path) for path in PLAN_FILES}


def _is_str(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _opt_str(value) -> bool:
    return value is None or _is_str(value)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_keys(obj: dict, required: set[str], optional: set[str], where: str) -> None:
    assert isinstance(obj, dict), where
    missing = required - obj.keys()
    unknown = obj.keys() - required - optional
    assert not missing, f"{where}: missing {sorted(missing)}"
    assert not unknown, f"{where}: unknown keys {sorted(unknown)}"


def _walk_strings(obj, path="$"):
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _walk_strings(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _walk_strings(value, f"{path}[{i}]")


def _targets(plan: dict, **match) -> list[dict]:
    return [t for t in plan["targets"] if all(t.get(k) == v for k, v in match.items())]


def _csv_rows(name: str) -> list[dict]:
    path = GEO_DIR / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


plan_files = pytest.mark.parametrize("path", PLAN_FILES, ids=[p.stem for p in PLAN_FILES])


def test_the_five_seed_plans_are_transcribed():
    assert {p.stem for p in PLAN_FILES} == set(EXPECTED_COUNTS)


@plan_files
def test_file_is_utf8_nfc_without_empty_strings(path):
    text = path.read_bytes().decode("utf-8")
    assert unicodedata.is_normalized("NFC", text)
    for where, value in _walk_strings(_load(path)):
        assert value.strip() != "", f"{where}: empty string, use null"
        assert value == value.strip(), f"{where}: stray whitespace"


@plan_files
def test_plan_header(path):
    plan = _load(path)
    _check_keys(plan, PLAN_REQUIRED, PLAN_OPTIONAL, path.name)
    assert plan["slug"] == path.stem
    for key in ("province_code", "issuer_province_code"):
        code = plan.get(key)
        if key in plan:
            assert isinstance(code, str) and len(code) == 2 and code.isdigit(), key
    for key in ("issuer", "issuer_province_name", "title"):
        assert _is_str(plan[key]), key
    assert plan["kind"] in KINDS
    assert plan["status"] in STATUSES
    assert _opt_str(plan["number"]) and _opt_str(plan["notes"]) and _opt_str(plan.get("budget"))
    assert _opt_str(plan.get("transcription_notes"))
    explained = plan["notes"] or plan.get("transcription_notes")
    if plan["issued_on"] is not None:
        issued = plan["issued_on"]
        issued = issued if isinstance(issued, dt.date) else dt.date.fromisoformat(issued)
        assert dt.date(2000, 1, 1) <= issued <= dt.date.today()
    if plan["number"] is None or plan["issued_on"] is None:
        assert plan["status"] in {"draft", "unknown"}, "no number/date: not an issued plan"
        assert explained, "a blank number/date must be explained in transcription_notes"
    if plan["status"] in {"in_force", "completed"}:
        assert plan["number"] and plan["issued_on"]
    assert isinstance(plan["legal_basis"], list) and all(_is_str(x) for x in plan["legal_basis"])
    assert isinstance(plan.get("general_objectives", []), list)
    assert all(_is_str(x) for x in plan.get("general_objectives", []))
    for key in ("phases", "targets", "tasks", "reporting_duties"):
        assert isinstance(plan[key], list), key


@plan_files
def test_phases_cover_the_period(path):
    plan = _load(path)
    period = plan["period"]
    _check_keys(period, {"start", "end"}, set(), "period")
    start, end = period["start"], period["end"]
    assert _is_int(end) and (start is None or (_is_int(start) and start <= end))
    if start is None:
        assert plan["notes"] or plan.get("transcription_notes"), (
            "an unknown start year must be explained in transcription_notes"
        )
    phases = plan["phases"]
    assert phases
    for i, phase in enumerate(phases):
        _check_keys(phase, PHASE_KEYS, set(), f"phases[{i}]")
        assert _is_str(phase["code"]) and _is_str(phase["name"])
        assert _is_int(phase["end"])
        if i == 0 and phase["start"] is None:
            continue
        assert _is_int(phase["start"]) and phase["start"] <= phase["end"]
    assert len({p["code"] for p in phases}) == len(phases), "duplicate phase code"
    assert phases[0]["start"] == start
    assert phases[-1]["end"] == end
    for previous, following in zip(phases, phases[1:], strict=False):
        assert following["start"] == previous["end"] + 1, "phases must be contiguous"


@plan_files
def test_targets(path):
    plan = _load(path)
    phase_codes = {p["code"] for p in plan["phases"]}
    start, end = plan["period"]["start"], plan["period"]["end"]
    codes = [t.get("code") for t in plan["targets"]]
    assert len(set(codes)) == len(codes), "duplicate target code"
    for target in plan["targets"]:
        where = f"target {target.get('code')}"
        _check_keys(target, TARGET_KEYS, set(), where)
        assert _is_str(target["code"]) and _is_str(target["text"]), where
        assert target["phase"] in phase_codes, where
        assert target["measure"] in MEASURES, where
        assert _opt_str(target["unit_label"]) and _opt_str(target["notes"]), where
        value = target["value"]
        if value is None:
            assert target["comparator"] is None and target["unit"] is None, where
            assert target["measure"] == "manual", where
        else:
            assert isinstance(value, int | float) and not isinstance(value, bool), where
            assert value >= 0, where
            assert target["comparator"] in COMPARATORS, where
            assert target["unit"] in UNITS and _is_str(target["unit_label"]), where
            if target["unit"] == "percent":
                assert value <= 100, where
        if target["by_year"] is not None:
            assert _is_int(target["by_year"]), where
            assert (start or 0) <= target["by_year"] <= end, where


@plan_files
def test_tasks(path):
    plan = _load(path)
    phase_codes = {p["code"] for p in plan["phases"]}
    target_codes = {t["code"] for t in plan["targets"]}
    start, end = plan["period"]["start"], plan["period"]["end"]
    codes = [t.get("code") for t in plan["tasks"]]
    assert len(set(codes)) == len(codes), "duplicate task code"
    for task in plan["tasks"]:
        where = f"task {task.get('code')}"
        _check_keys(task, TASK_REQUIRED, TASK_OPTIONAL, where)
        assert _is_str(task["code"]), where
        assert _is_str(task["content"]), f"{where}: no content"
        assert _is_str(task["lead"]), f"{where}: no lead unit"
        assert isinstance(task["coordinators"], list), where
        assert all(_is_str(c) for c in task["coordinators"]), where
        for key in ("section", "group", "expected_result", "budget_source", "notes"):
            assert _opt_str(task.get(key)), f"{where}.{key}"
        if task.get("phase") is not None:
            assert task["phase"] in phase_codes, where
        assert (task["timeline"] is None) == (task["timeline_kind"] is None), where
        if task["timeline"] is not None:
            assert _is_str(task["timeline"]) and task["timeline_kind"] in TIMELINE_KINDS, where
        if task["timeline_kind"] == "by_date":
            assert task["due_year"] is not None, where
        if task["due_year"] is not None:
            assert _is_int(task["due_year"]) and (start or 0) <= task["due_year"] <= end, where
        assert isinstance(task["related_targets"], list), where
        assert set(task["related_targets"]) <= target_codes, f"{where}: unknown related target"


@plan_files
def test_reporting_duties(path):
    plan = _load(path)
    assert plan["reporting_duties"], "every plan states at least one reporting duty"
    for i, duty in enumerate(plan["reporting_duties"]):
        where = f"reporting_duties[{i}]"
        _check_keys(duty, DUTY_REQUIRED, DUTY_OPTIONAL, where)
        if duty["reporter"] is None:
            assert duty.get("notes"), f"{where}: a missing reporter must be explained"
        else:
            assert _is_str(duty["reporter"]), where
        assert _is_str(duty["recipient"]) and _is_str(duty["content"]), where
        assert duty["frequency"] in FREQUENCIES, where
        assert _opt_str(duty.get("forwarded_to")) and _opt_str(duty.get("notes")), where
        day, month = duty["due_day"], duty["due_month"]
        if month is not None:
            assert _is_int(month) and 1 <= month <= 12, where
        if day is not None:
            assert month is not None and _is_int(day), where
            dt.date(2001, month, day)  # raises if the day does not exist


@plan_files
def test_province_codes_match_geo_reference(path):
    plan = _load(path)
    provinces = {row["code"] for row in _csv_rows("provinces_2025.csv")}
    assert plan["province_code"] in provinces
    if plan.get("issuer_province_code"):
        aliases = {
            (r["new_province_code"], r["old_province_code"]) for r in _csv_rows("province_aliases_2025.csv")
        }
        assert (plan["province_code"], plan["issuer_province_code"]) in aliases


@pytest.mark.parametrize("slug", sorted(EXPECTED_COUNTS))
def test_counts_match_the_seed(slug):
    plan = _load(PLANS_DIR / f"{slug}.yaml")
    counts = tuple(len(plan[k]) for k in ("targets", "tasks", "reporting_duties", "phases"))
    assert counts == EXPECTED_COUNTS[slug]


def test_can_tho_2026_facts():
    plan = _plans()["can-tho-2026-2030"]
    assert (plan["province_code"], plan["status"], plan["number"], plan["issued_on"]) == (
        "92",
        "draft",
        None,
        None,
    )
    assert _targets(plan, comparator=">=", value=5, unit="chuan")
    assert _targets(plan, comparator=">=", value=100, unit="luot_nguoi", measure="training_attendance")
    assert _targets(plan, comparator=">=", value=3, unit="to_chuc")
    assert _targets(plan, comparator=">=", value=5, unit="luot_doanh_nghiep")
    assert [t["code"] for t in plan["tasks"]] == ["1", "2", "3", "4", "5"]
    assert all(t["lead"] == "Sở Khoa học và Công nghệ" for t in plan["tasks"])
    assert all(d["due_month"] is None for d in plan["reporting_duties"]), "the plan states no report date"
    assert any(
        d["reporter"] == "Sở Khoa học và Công nghệ" and d["frequency"] == "yearly"
        for d in plan["reporting_duties"]
    )


def test_dong_thap_facts():
    plan = _plans()["dong-thap-2026-2030"]
    assert (plan["province_code"], plan["status"], plan["number"]) == ("82", "draft", None)
    assert _targets(plan, code="II.2.b", comparator=">=", value=300, unit="nguoi", by_year=2030)
    assert _targets(plan, code="II.2.c", comparator=">=", value=40, unit="luot_doanh_nghiep")
    assert _targets(plan, code="II.2.a", comparator=">", value=85, unit="percent", measure="demand_coverage")
    assert _targets(plan, code="II.2.d", comparator=">=", value=2, unit="phong_thi_nghiem")
    assert _targets(plan, code="II.2.đ", value=None, measure="manual")
    yearly = [d for d in plan["reporting_duties"] if (d["due_day"], d["due_month"]) == (25, 11)]
    assert len(yearly) == 1
    assert yearly[0]["reporter"] == "Các sở, ban, ngành tỉnh"
    assert yearly[0]["recipient"] == "Sở Khoa học và Công nghệ"
    assert yearly[0]["frequency"] == "yearly"
    assert "trước ngày 25/11 hằng năm" in yearly[0]["content"]
    tasks = {t["code"]: t for t in plan["tasks"]}
    assert len({t["section"] for t in plan["tasks"]}) == 5
    assert tasks["III.4"]["lead"] == "UBND các xã, phường"
    assert tasks["IV.3"]["timeline_kind"] == "ongoing"
    assert sum(t["timeline"] == "Đến 2030" for t in plan["tasks"]) == 5
    assert sum(t["timeline"] == "Hằng năm" for t in plan["tasks"]) == 9


def test_can_tho_2021_facts():
    plan = _plans()["can-tho-2021-2030"]
    assert (plan["number"], str(plan["issued_on"]), plan["status"]) == (
        "155/KH-UBND",
        "2021-07-28",
        "in_force",
    )
    assert plan["issuer_province_name"] == "Thành phố Cần Thơ" and plan["province_code"] == "92"
    assert [p["code"] for p in plan["phases"]] == ["2021-2025", "2026-2030"]
    assert _targets(plan, phase="2021-2025", value=120, unit="luot_nguoi")
    assert _targets(plan, phase="2021-2025", value=20, unit="luot_doanh_nghiep")
    assert _targets(plan, phase="2021-2025", value=2, unit="phong_thi_nghiem")
    assert _targets(plan, phase="2026-2030", value=150, unit="luot_nguoi")
    assert _targets(plan, phase="2026-2030", value=30, unit="luot_doanh_nghiep")
    assert _targets(plan, phase="2026-2030", value=3, unit="phong_thi_nghiem")
    assert sum(t["phase"] == "2021-2025" for t in plan["tasks"]) == 7
    assert sum(t["phase"] == "2026-2030" for t in plan["tasks"]) == 5


def test_son_la_facts():
    plan = _plans()["son-la-2026-2030"]
    assert (plan["province_code"], plan["status"], plan["issued_on"]) == ("14", "draft", None)
    assert _targets(plan, code="II.2", comparator=">=", value=100, unit="nguoi")
    assert _targets(plan, code="III.7", comparator=">=", value=30)
    dated = [d for d in plan["reporting_duties"] if d["due_month"] is not None]
    assert [(d["due_day"], d["due_month"], d["frequency"]) for d in dated] == [(15, 12, "yearly")]
    assert dated[0]["recipient"] == "Sở Khoa học và Công nghệ"
    assert plan["tasks"] == [], "the Sơn La plan has no appendix"


def test_binh_thuan_facts():
    plan = _plans()["binh-thuan-den-2030"]
    assert (plan["province_code"], plan["issuer_province_code"]) == ("68", "60")
    assert plan["issuer_province_name"] == "Tỉnh Bình Thuận"
    assert plan["period"] == {"start": None, "end": 2030} and plan["status"] == "unknown"
    assert _targets(plan, value=100, unit="luot_nguoi", by_year=2025)
    assert _targets(plan, value=200, unit="luot_nguoi", by_year=2030)
    assert _targets(plan, value=5, unit="doanh_nghiep", by_year=2025)
    assert _targets(plan, value=10, unit="doanh_nghiep", by_year=2030)
    assert plan["tasks"] == [], "the Bình Thuận plan has no appendix"
