"""Change history for detail pages: who, when, what before and after (django-simple-history)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

KIND = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


@dataclass
class Change:
    field: str
    old: object
    new: object


@dataclass
class Entry:
    when: object
    who: object
    kind: str
    reason: str
    changes: list[Change]


def _display(record, field_name: str, value):
    model_field = record.instance_type._meta.get_field(field_name)
    if getattr(model_field, "choices", None):
        return dict(model_field.choices).get(value, value)
    return value


def history_entries(obj, limit: int = 50) -> list[Entry]:
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes: list[Change] = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = record.instance_type._meta.get_field(change.field)
                changes.append(
                    Change(
                        field=str(field.verbose_name),
                        old=_display(record, change.field, change.old),
                        new=_display(record, change.field, change.new),
                    )
                )
        entries.append(
            Entry(
                when=record.history_date,
                who=record.history_user,
                kind=str(KIND.get(record.history_type, record.history_type)),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries
