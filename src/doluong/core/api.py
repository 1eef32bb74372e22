"""API plumbing shared by every app: scoped viewsets built from a Surface, the permission class, and a
serializer base whose related-field choices are scoped like the forms'."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from .actions import delete_object, save_object
from .api_access import apply_field_rules
from .forms import narrow
from .scope import CHANGE, DELETE, VIEW


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related fields only accept rows the requesting user may see."""

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


def make_serializer(model_cls, field_names, read_only=()):
    names = list(dict.fromkeys([model_cls._meta.pk.name, "display", *field_names]))
    meta = type("Meta", (), {"model": model_cls, "fields": names, "read_only_fields": list(read_only)})
    attrs = {
        "Meta": meta,
        "display": serializers.SerializerMethodField(),
        "get_display": lambda self, obj: str(obj),
    }
    return type(f"{model_cls.__name__}Serializer", (ScopedModelSerializer,), attrs)


def make_viewset(surface):
    model_cls = surface.model
    m2m_names = {f.name for f in model_cls._meta.many_to_many}

    class SurfaceViewSet(viewsets.ModelViewSet):
        serializer_class = surface.serializer
        filterset_class = surface.filterset
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
