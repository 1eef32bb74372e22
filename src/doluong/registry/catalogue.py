"""Load the Group 2 catalogue: instrument types and their dated rule versions, from CSV files (docs/catalogue.md).

A file holds rule versions, one a row, keyed by (code, effective_from). The files shipped with doluong are
``registry/data/group2_catalogue.csv`` and then, in name order, any ``registry/data/group2_catalogue_*.csv`` (one
per later circular). A version whose ``effective_to`` is empty ends
the day before the next version of the same type begins, so a new circular is only new rows with its date.

What a reload does, so that it can run again and again:
- a type or version already present is updated from the file, unless a person has edited it (it has a history
  entry with a user): an administrator's correction is kept, and counted in the summary;
- a type listed under ``replaces`` with an older provisional code is renamed in place (its instruments follow);
- a version the loader wrote earlier that the files no longer hold is removed, unless a person edited it;
- nothing else is deleted; overlapping versions of one type stop the load (nothing is written).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from importlib import resources

from django.core.exceptions import ValidationError

from doluong.core.models import prepare_for_bulk

from .choices import CycleStatus, Field, SourceStatus
from .models import InstrumentType, InstrumentTypeRule

COLUMNS = (
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
)
BOOLEAN = {
    "True": True,
    "False": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "x": True,
    "": False,
}
RULE_FIELDS = [
    "in_catalogue",
    "type_approval",
    "initial_verification",
    "periodic_verification",
    "after_repair_verification",
    "cycle_status",
    "cycle_months",
    "legal_basis",
    "effective_to",
    "source_status",
    "notes",
    "source_url",
    "search_text",
]


class CatalogueError(ValueError):
    """A row of a catalogue file that cannot be loaded: the message names the file and the line."""


@dataclass
class Summary:
    files: list[str] = field(default_factory=list)
    rows: int = 0
    types_created: int = 0
    types_updated: int = 0
    types_renamed: list[str] = field(default_factory=list)
    types_kept: list[str] = field(default_factory=list)  # edited by a person: not overwritten
    versions_created: int = 0
    versions_updated: int = 0
    versions_kept: list[str] = field(default_factory=list)
    versions_removed: int = 0
    versions_closed: int = 0

    def __str__(self) -> str:
        parts = [
            f"catalogue: {self.rows} rows from {len(self.files)} file(s)",
            f"types {self.types_created} new, {self.types_updated} updated",
            f"versions {self.versions_created} new, {self.versions_updated} updated",
        ]
        if self.types_renamed:
            parts.append(f"renamed {', '.join(self.types_renamed)}")
        if self.versions_removed:
            parts.append(f"{self.versions_removed} old versions removed")
        if self.versions_closed:
            parts.append(f"{self.versions_closed} versions closed by a later one")
        if self.types_kept or self.versions_kept:
            parts.append(
                "kept as edited by an administrator: " + ", ".join([*self.types_kept, *self.versions_kept])
            )
        return "; ".join(parts)


def shipped_files() -> list:
    """The catalogue files shipped with doluong: the base file, then one file per later circular."""
    data = resources.files("doluong.registry").joinpath("data")
    later = sorted(
        (p for p in data.iterdir() if p.name.startswith("group2_catalogue_") and p.name.endswith(".csv")),
        key=lambda p: p.name,
    )
    return [data.joinpath("group2_catalogue.csv"), *later]


def _date(value: str, where: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise CatalogueError(f"{where}: not a date (YYYY-MM-DD): {value!r}") from exc


def _bool(value: str, where: str, column: str) -> bool:
    try:
        return BOOLEAN[value.strip()]
    except KeyError as exc:
        raise CatalogueError(f"{where}: {column} must be True or False, not {value!r}") from exc


def read_rows(files) -> list[dict]:
    """Every row of `files` (paths or package resources), checked and typed; '#' lines are comments."""
    rows = []
    for source in files:
        name = getattr(source, "name", str(source))
        with source.open(encoding="utf-8", newline="") as handle:
            lines = [(n, line) for n, line in enumerate(handle, start=1) if not line.startswith("#")]
        reader = csv.DictReader(line for _n, line in lines)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogueError(f"{name}: missing columns {', '.join(missing)}")
        for index, r in enumerate(reader, start=1):
            where = f"{name}, row {index}"
            r = {k: (v or "").strip() for k, v in r.items() if k}
            if not r["code"] or not r["name_vi"]:
                raise CatalogueError(f"{where}: code and name_vi are required")
            if r["field"] not in Field.values:
                raise CatalogueError(f"{where}: unknown field {r['field']!r} ({', '.join(Field.values)})")
            if r["cycle_status"] not in CycleStatus.values:
                raise CatalogueError(f"{where}: unknown cycle_status {r['cycle_status']!r}")
            if r["source_status"] not in SourceStatus.values:
                raise CatalogueError(f"{where}: unknown source_status {r['source_status']!r}")
            months = int(r["cycle_months"]) if r["cycle_months"] else None
            if (r["cycle_status"] == CycleStatus.KNOWN) != bool(months):
                raise CatalogueError(
                    f"{where}: cycle_months must be given exactly when cycle_status is known"
                )
            start = _date(r["effective_from"], where)
            if start is None:
                raise CatalogueError(f"{where}: effective_from is required")
            rows.append(
                {
                    **r,
                    "where": where,
                    "cycle_months": months,
                    "effective_from": start,
                    "effective_to": _date(r["effective_to"], where),
                    "in_catalogue": _bool(r["in_catalogue"] or "True", where, "in_catalogue"),
                    "flags": [
                        _bool(r[c], where, c)
                        for c in ("type_approval", "initial", "periodic", "after_repair")
                    ],
                    "replaces": [c.strip() for c in r.get("replaces", "").split(";") if c.strip()],
                }
            )
    return rows


def _edited_by_a_person(model) -> set[int]:
    return set(model.history.filter(history_user__isnull=False).values_list("id", flat=True).distinct())


def load(files=None) -> Summary:
    """Load `files` (default: the shipped ones) into the database. Run inside a transaction."""
    files = list(files) if files is not None else shipped_files()
    rows = read_rows(files)
    summary = Summary(files=[getattr(f, "name", str(f)) for f in files], rows=len(rows))
    seen = set()
    for r in rows:
        key = (r["code"], r["effective_from"])
        if key in seen:
            raise CatalogueError(f"{r['where']}: a second version of {r['code']} from {r['effective_from']}")
        seen.add(key)

    # the type's name and field come from its latest version (a later circular may rename it)
    latest: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: r["effective_from"]):
        latest[r["code"]] = r
    order = {}
    for r in rows:  # the files' order is the list's order
        order.setdefault(r["code"], len(order) + 1)
    existing = {t.code: t for t in InstrumentType.objects.all()}
    for code, r in latest.items():
        if code in existing:
            continue
        for old in r["replaces"]:
            if old in existing and old not in latest:
                itype = existing.pop(old)
                InstrumentType.objects.filter(pk=itype.pk).update(code=code)
                itype.code = code
                existing[code] = itype
                summary.types_renamed.append(f"{old} → {code}")
                break

    edited_types = _edited_by_a_person(InstrumentType)
    changed_types = []
    for code, r in latest.items():
        itype = existing.get(code)
        if itype is not None and itype.pk in edited_types:
            summary.types_kept.append(code)
            continue
        if itype is None:
            summary.types_created += 1
        else:
            summary.types_updated += 1
        itype = InstrumentType(code=code)  # an upsert on the code: the other fields (MPE rule, notes) stay
        itype.name, itype.name_en, itype.field = r["name_vi"], r["name_en"], r["field"]
        itype.list_order = order[code]
        changed_types.append(itype)
    prepare_for_bulk(changed_types)
    InstrumentType.objects.bulk_create(
        changed_types,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "name_en", "field", "list_order", "search_text"],
    )
    types = {t.code: t for t in InstrumentType.objects.filter(code__in=list(latest))}

    edited_rules = _edited_by_a_person(InstrumentTypeRule)
    present = {
        (rule.instrument_type_id, rule.effective_from): rule
        for rule in InstrumentTypeRule.objects.filter(instrument_type__in=types.values())
    }
    wanted, to_write = {}, []
    for r in rows:
        itype = types[r["code"]]
        key = (itype.pk, r["effective_from"])
        rule = present.get(key)
        if rule is not None and rule.pk in edited_rules:
            summary.versions_kept.append(f"{r['code']} ({r['effective_from']:%d/%m/%Y})")
            wanted[key] = rule
            continue
        if rule is None:
            summary.versions_created += 1
        else:
            summary.versions_updated += 1
        ta, initial, periodic, after_repair = r["flags"]
        rule = InstrumentTypeRule(
            instrument_type=itype,
            in_catalogue=r["in_catalogue"],
            type_approval=ta,
            initial_verification=initial,
            periodic_verification=periodic,
            after_repair_verification=after_repair,
            cycle_status=r["cycle_status"],
            cycle_months=r["cycle_months"],
            legal_basis=r["legal_basis"],
            effective_from=r["effective_from"],
            effective_to=r["effective_to"],
            source_status=r["source_status"],
            notes=r["notes"],
            source_url=r["source_url"],
        )
        wanted[key] = rule
        to_write.append(rule)
    # versions the loader once wrote that the files no longer hold (an earlier file's provisional rows)
    stale = [rule.pk for key, rule in present.items() if key not in wanted and rule.pk not in edited_rules]
    if stale:
        summary.versions_removed = InstrumentTypeRule.objects.filter(pk__in=stale).delete()[0]
    prepare_for_bulk(to_write)
    InstrumentTypeRule.objects.bulk_create(
        to_write,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["instrument_type", "effective_from"],
        update_fields=RULE_FIELDS,
    )
    summary.versions_closed = close_superseded(types.values())
    check_no_overlap(types.values())
    return summary


def close_superseded(itypes) -> int:
    """End every open version the day before the next version of its type begins; returns how many."""
    closed = 0
    for itype in itypes:
        rules = list(InstrumentTypeRule.objects.filter(instrument_type=itype).order_by("effective_from"))
        for rule, following in zip(rules, rules[1:], strict=False):
            if rule.effective_to is None:
                end = following.effective_from - dt.timedelta(days=1)
                InstrumentTypeRule.objects.filter(pk=rule.pk).update(effective_to=end)
                closed += 1
    return closed


def check_no_overlap(itypes) -> None:
    problems = []
    for itype in itypes:
        rules = list(InstrumentTypeRule.objects.filter(instrument_type=itype).order_by("effective_from"))
        for rule, following in zip(rules, rules[1:], strict=False):
            if rule.effective_to is None or rule.effective_to >= following.effective_from:
                problems.append(f"{itype.code}: {rule.effective_from} overlaps {following.effective_from}")
    if problems:
        raise ValidationError("Overlapping rule versions: " + "; ".join(problems))
