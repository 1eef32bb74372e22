"""The permission table's field rules in the API: a serializer field the requesting user may not write is
read-only for that user, and choices the table limits (`choices`) are narrowed — as in the forms."""

from __future__ import annotations

from rest_framework import serializers

from .access import field_choices, writable_fields


def apply_field_rules(serializer, fields: dict, user) -> dict:
    model = serializer.Meta.model
    instance = serializer.instance
    target = instance if isinstance(instance, model) else model
    allowed = writable_fields(user, target)
    model_names = {f.name for f in model._meta.get_fields()}
    for name, fld in fields.items():
        source = getattr(fld, "source", None) or name
        if allowed is not None and source in model_names and source not in allowed and not fld.read_only:
            fld.read_only = True
            fld.required = False
        target_fld = getattr(fld, "child_relation", fld)
        if (
            isinstance(target_fld, serializers.RelatedField)
            and getattr(target_fld, "queryset", None) is not None
        ):
            target_fld.queryset = field_choices(model, source, user, target_fld.queryset)
    return fields
