"""Load the plan transcriptions shipped in `data/plans/*.yaml` (schema: `data/plans/README.md`).

Idempotent by stable keys: a plan by its `slug`, a phase, target or task by its code within the plan, a reporting
duty by its position. By default only what is missing is created, so an officer's later edits (the number once
the plan is signed, its status, a task's status or reporting units) survive a re-load; `update=True` makes the
file win for the fields it carries, writing only fields whose value differs (a re-load of unchanged files writes
nothing, not even history).

Lead and coordinating units are text as printed; where the text names units that exist in the province (“Sở Khoa
học và Công nghệ”, “Các Sở, ban, ngành”, “UBND xã, phường”, “Sở Công Thương”), the task gets its lead organisation
and its reporting units. That resolution runs when a task is created, and again on a re-load while the task still
has neither (organisations may be entered after the plans).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.db import transaction

from doluong.core.text import fold, nfc
from doluong.geo.models import Province
from doluong.parties.choices import OrganisationKind as K
from doluong.parties.models import Organisation

from .choices import ReporterKind, Unit
from .models import Phase, Plan, ReportingDuty, Source, Target, Task
from .sources import SOURCES

PLANS_DIR = Path(__file__).resolve().parent / "data" / "plans"


class PlanFileError(Exception):
    """A plan file cannot be loaded (named file, key and reason)."""


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    plans: list[Plan] = field(default_factory=list)

    def count(self, kind: str, what: str) -> None:
        bucket = self.created if kind == "created" else self.updated
        bucket[what] = bucket.get(what, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def source_for(measure: str, unit: str | None, unit_label: str | None = None) -> str:
    """The data source for a transcribed `measure`: MAP targets counted in organisations count distinct
    providers (“02 tổ chức kiểm định…”) or distinct enterprises — also when the unit is a list that starts with
    enterprises (Sơn La's “30 doanh nghiệp, hợp tác xã, tổ chức, cá nhân”: each one counted once); in lượt,
    engagements. A measure with no calculator in doluong (inspections) is manual."""
    if measure == "map_engagements":
        if unit == Unit.TO_CHUC:
            return Source.MAP_PROVIDERS
        if unit == Unit.DOANH_NGHIEP or (
            unit in (Unit.OTHER, "", None) and fold(unit_label or "").startswith("doanh nghiep")
        ):
            return Source.MAP_ENTERPRISES
        return Source.MAP_ENGAGEMENTS
    if measure in SOURCES:
        return measure
    return Source.MANUAL


def reporter_kind(text: str | None) -> str:
    key = fold(text or "")
    if not key:
        return ReporterKind.OTHER
    if "khoa hoc va cong nghe" in key and key.startswith("so"):
        return ReporterKind.DOST
    if re.search(r"\b(xa|phuong)\b", key):
        return ReporterKind.COMMUNES
    if re.search(r"\bso\b", key) and ("nganh" in key or "ban" in key):
        return ReporterKind.DEPARTMENTS
    if "don vi" in key or "co quan" in key:
        return ReporterKind.ALL_UNITS
    return ReporterKind.OTHER


# ------------------------------------------------------------------------------------------- unit resolution


def _is_dost(key: str) -> bool:
    return bool(re.search(r"\bso (kh&cn|khcn|khoa hoc va cong nghe)\b", key))


def resolve_units(text: str, province_id: str) -> list[Organisation]:
    """Organisations of the province that `text` names: the DOST, all departments (“Các Sở, ban, ngành”), all
    commune committees (“UBND xã, phường”; the former districts' “quận, huyện” went to the communes in 2025),
    or a named department (“Sở Công Thương”). Enterprises, providers and “đơn vị liên quan” stay text."""
    found: list[Organisation] = []
    orgs = list(
        Organisation.objects.filter(province_id=province_id, is_active=True, kind__in=K.agencies()).order_by(
            "pk"
        )
    )
    province_key = fold(Province.objects.get(pk=province_id).short_name)
    for part in re.split(r";", text):
        key = fold(part)
        if not key:
            continue
        if _is_dost(key):
            found += [o for o in orgs if o.kind == K.DOST]
        if ("ubnd" in key or "uy ban nhan dan" in key) and re.search(r"\b(xa|phuong|quan|huyen)\b", key):
            found += [o for o in orgs if o.kind == K.COMMUNE_COMMITTEE]
        if re.search(r"\bcac so\b|\bso,? (ban,? )?nganh\b|\bban,? nganh\b", key):
            found += [o for o in orgs if o.kind == K.DEPARTMENT]
        else:
            for org in orgs:
                if org.kind != K.DEPARTMENT:
                    continue
                name = fold(org.short_name or org.name).replace(province_key, "").strip()
                if name and re.search(rf"\b{re.escape(name)}\b", key):
                    found.append(org)
    unique: dict[int, Organisation] = {}
    for org in found:
        unique.setdefault(org.pk, org)
    return list(unique.values())


def assign_units(task: Task) -> bool:
    """Set the lead organisation and the reporting units from the task's text; True if anything was set."""
    lead = resolve_units(task.lead, task.plan.province_id)
    coordinators = resolve_units(task.coordinators.replace("\n", ";"), task.plan.province_id)
    changed = False
    lead_org = next((o for o in lead if o.kind == K.DOST), lead[0] if len(lead) == 1 else None)
    if lead_org is not None and task.lead_org_id is None:
        task.lead_org = lead_org
        task.save(update_fields=["lead_org"])
        changed = True
    units = [o for o in [*lead, *coordinators] if o.kind != K.DOST]
    if units and not task.assignees.exists():
        task.assignees.set(units)
        changed = True
    return changed


# ------------------------------------------------------------------------------------------- loading


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _upsert(model, lookup: dict, values: dict, *, update: bool, user, result: LoadResult, what: str):
    values = {k: nfc(v).strip() if isinstance(v, str) else v for k, v in values.items()}
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj._history_user = user
        obj.full_clean()
        obj.save()
        result.count("created", what)
        return obj, True
    if update:
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj._history_user = user
            obj.full_clean()
            obj.save()
            result.count("updated", what)
    return obj, False


def plan_files() -> list[Path]:
    return sorted(PLANS_DIR.glob("*.yaml"))


def load_plan_file(path: Path, *, update: bool = False, user=None, result: LoadResult | None = None) -> Plan:
    result = result if result is not None else LoadResult()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PlanFileError(f"{path.name}: {exc}") from exc
    try:
        province = Province.objects.get(pk=data["province_code"])
    except Province.DoesNotExist as exc:
        raise PlanFileError(
            f"{path.name}: province {data['province_code']} is not loaded (run load_reference first)"
        ) from exc
    plan, _created = _upsert(
        Plan,
        {"slug": data["slug"]},
        {
            "province": province,
            "issuer": data["issuer"],
            "issuer_province_name": data.get("issuer_province_name") or "",
            "number": data.get("number") or "",
            "issued_on": date.fromisoformat(data["issued_on"]) if data.get("issued_on") else None,
            "kind": data["kind"],
            "title": data["title"],
            "period_start": data["period"]["start"],
            "period_end": data["period"]["end"],
            "legal_basis": _text(data.get("legal_basis")),
            "general_objectives": _text(data.get("general_objectives")),
            "budget": _text(data.get("budget")),
            "status": data["status"],
            "notes": _text(data.get("notes")),
        },
        update=update,
        user=user,
        result=result,
        what="plans",
    )
    phases = {}
    for item in data["phases"]:
        phases[item["code"]], _ = _upsert(
            Phase,
            {"plan": plan, "code": item["code"]},
            {"name": item["name"], "start": item["start"], "end": item["end"]},
            update=update,
            user=user,
            result=result,
            what="phases",
        )
    targets = {}
    for position, item in enumerate(data["targets"], start=1):
        targets[item["code"]], _ = _upsert(
            Target,
            {"plan": plan, "code": item["code"]},
            {
                "phase": phases[item["phase"]],
                "position": position,
                "text": item["text"],
                "comparator": item["comparator"] or "",
                "value": item["value"],
                "unit": item["unit"] or "",
                "unit_label": item["unit_label"] or "",
                "source": source_for(item["measure"], item["unit"], item["unit_label"]),
                "by_year": item["by_year"],
                "notes": _text(item.get("notes")),
            },
            update=update,
            user=user,
            result=result,
            what="targets",
        )
    for position, item in enumerate(data["tasks"], start=1):
        task, created = _upsert(
            Task,
            {"plan": plan, "code": item["code"]},
            {
                "phase": phases.get(item.get("phase")),
                "position": position,
                "section": item.get("section") or "",
                "group": item.get("group") or "",
                "content": item["content"],
                "lead": item["lead"],
                "coordinators": _text(item["coordinators"]),
                "timeline": item.get("timeline") or "",
                "timeline_kind": item.get("timeline_kind") or "",
                "due_year": item.get("due_year"),
                "expected_result": item.get("expected_result") or "",
                "budget_source": item.get("budget_source") or "",
                "notes": _text(item.get("notes")),
            },
            update=update,
            user=user,
            result=result,
            what="tasks",
        )
        wanted = {targets[code].pk for code in item["related_targets"]}
        if created or (update and set(task.related_targets.values_list("pk", flat=True)) != wanted):
            task.related_targets.set(wanted)
        if created or (task.lead_org_id is None and not task.assignees.exists()):
            if assign_units(task) and not created:
                result.count("updated", "tasks")
    for position, item in enumerate(data["reporting_duties"], start=1):
        _upsert(
            ReportingDuty,
            {"plan": plan, "position": position},
            {
                "reporter": item["reporter"] or "",
                "reporter_kind": reporter_kind(item["reporter"]),
                "recipient": item["recipient"],
                "due_day": item["due_day"],
                "due_month": item["due_month"],
                "frequency": item["frequency"],
                "content": item["content"],
                "forwarded_to": item.get("forwarded_to") or "",
                "notes": _text(item.get("notes")),
            },
            update=update,
            user=user,
            result=result,
            what="duties",
        )
    result.plans.append(plan)
    return plan


def load_plans(paths: list[Path] | None = None, *, update: bool = False, user=None) -> LoadResult:
    """Load every plan file (or `paths`) in one transaction."""
    result = LoadResult()
    with transaction.atomic():
        for path in paths or plan_files():
            load_plan_file(path, update=update, user=user, result=result)
    return result
