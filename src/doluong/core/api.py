"""API plumbing shared by every app: scoped viewsets built from a Surface, the permission class, and a
serializer base whose related-field choices are scoped like the forms'."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from . import paging
from .actions import delete_object, save_object
from .api_access import apply_field_rules
from .forms import narrow
from .paging import bounded_count
from .scope import CHANGE, DELETE, VIEW
from .validators import FORMULA_MESSAGE, looks_like_formula

NUL_MESSAGE = _("Null characters are not allowed.")


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds_nul(v) for v in value)
    return False


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related fields only accept rows the requesting user may see. A NUL character anywhere in the input (a
    related row's key, a JSON value, a text) is a 400: PostgreSQL cannot store or even compare it, and every field
    that reaches the database with one would be a 500 there."""

    def to_internal_value(self, data):
        if hasattr(data, "items"):
            bad = {key: [NUL_MESSAGE] for key, value in data.items() if _holds_nul(key) or _holds_nul(value)}
            if bad:
                raise ValidationError(bad)
        return super().to_internal_value(data)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            return fields
        for fld in fields.values():
            target = getattr(fld, "child_relation", fld)
            if isinstance(target, serializers.RelatedField) and getattr(target, "queryset", None) is not None:
                target.queryset = narrow(target.queryset, user)
        return apply_field_rules(self, fields, user)

    def validate(self, attrs):
        """Free text that a spreadsheet would run as a formula is refused, as in the forms and the importer."""
        attrs = super().validate(attrs)
        model = self.Meta.model
        errors = {}
        for name, value in attrs.items():
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:  # a serializer-only field
                continue
            if isinstance(model_field, (models.CharField, models.TextField)) and not model_field.choices:
                # as in the forms: what the row already holds is not new input (exports neutralise it)
                stored = getattr(self.instance, name, None) if self.instance is not None else None
                if looks_like_formula(value) and value != stored:
                    errors[name] = [str(FORMULA_MESSAGE)]
        if errors:
            raise ValidationError(errors)
        return attrs


def _display(self, obj) -> str:
    """The row as people name it (its __str__), for the API's `display` field."""
    return str(obj)


#: the largest page an API list returns (`?limit=` above it is lowered to it)
MAX_PAGE_SIZE = 1000


class Pagination(LimitOffsetPagination):
    """`?limit=&offset=` with a ceiling: a limit above MAX_PAGE_SIZE is lowered to it; a limit or offset that is
    not a positive whole number (garbage, negative, 1e3) falls back to the default page or offset 0; an offset
    past the end gives an empty page. Never a 500, however large the number."""

    max_limit = MAX_PAGE_SIZE
    limit_query_description = format_lazy(
        _("Number of results to return per page (at most {max}; a larger number is lowered to it)."),
        max=MAX_PAGE_SIZE,
    )

    def get_offset(self, request):
        offset = super().get_offset(request)
        # past the end is an empty page anyway; the cap keeps offset + limit within a 64-bit SQL integer
        return min(offset, 2**62)

    def get_count(self, queryset):
        # bounded like the list pages (core.paging): exact up to EXACT_UP_TO rows, then the planner's estimate
        self.count_estimated = False
        count, self.count_estimated = bounded_count(queryset, exact_up_to=paging.API_EXACT_UP_TO)
        return count

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_estimated"] = self.count_estimated
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_estimated"] = {
            "type": "boolean",
            "description": "true: `count` is PostgreSQL's estimate (more than 100,000 rows matched)",
        }
        return schema


def make_serializer(model_cls, field_names, read_only=()):
    names = list(dict.fromkeys([model_cls._meta.pk.name, "display", *field_names]))
    meta = type("Meta", (), {"model": model_cls, "fields": names, "read_only_fields": list(read_only)})
    attrs = {
        "Meta": meta,
        "display": serializers.SerializerMethodField(),
        "get_display": _display,
    }
    return type(f"{model_cls.__name__}Serializer", (ScopedModelSerializer,), attrs)


def make_viewset(surface):
    model_cls = surface.model
    m2m_names = {f.name for f in model_cls._meta.many_to_many}

    class SurfaceViewSet(viewsets.ModelViewSet):
        serializer_class = surface.serializer
        filterset_class = surface.filterset
        pagination_class = Pagination
        ordering_fields = "__all__"

        def get_queryset(self):
            action = {"GET": VIEW, "HEAD": VIEW, "OPTIONS": VIEW, "DELETE": DELETE}.get(
                self.request.method, CHANGE
            )
            return surface.queryset(self.request.user, action).order_by(*(model_cls._meta.ordering or ["pk"]))

        def _save(self, serializer, instance=None):
            data = dict(serializer.validated_data)
            m2m = {name: data.pop(name) for name in list(data) if name in m2m_names}
            obj = instance or model_cls()
            for name, value in data.items():
                setattr(obj, name, value)
            try:
                save_object(obj, self.request.user)
            except DjangoValidationError as exc:
                raise ValidationError(
                    exc.message_dict if hasattr(exc, "error_dict") else exc.messages
                ) from exc
            for name, value in m2m.items():
                getattr(obj, name).set(value)
            serializer.instance = obj

        def perform_create(self, serializer):
            self._save(serializer)

        def perform_update(self, serializer):
            self._save(serializer, serializer.instance)

        def perform_destroy(self, instance):
            try:
                delete_object(instance, self.request.user)
            except models.ProtectedError as exc:
                raise ValidationError(str(exc.args[0])) from exc

    SurfaceViewSet.surface = surface
    SurfaceViewSet.__name__ = f"{model_cls.__name__}ViewSet"
    SurfaceViewSet.__qualname__ = SurfaceViewSet.__name__
    return SurfaceViewSet
