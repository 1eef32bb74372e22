"""Base models: timestamps, history, NFC text, the folded search column and the scoped queryset."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import access
from .scope import ADD, VIEW, Scope, principal
from .text import fold, nfc


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        """Only the rows `user` may perform `action` on (NetBox's `restrict`, driven by `Model.scope_q`)."""
        who = principal(user)
        if who.is_admin:
            return self.none() if access.forbidden(self.model, action) else self
        scope_q = getattr(self.model, "scope_q", None)
        if scope_q is None:
            return self.none()
        if who.is_anonymous:
            parts = [scope_q(None, action)]
        else:
            parts = [scope_q(scope, action) for scope in who.scopes]
        parts = [q for q in parts if q is not None]
        if not parts:
            return self.none()
        if any(not q for q in parts):  # an empty Q() means every row
            return self
        combined = parts[0]
        for q in parts[1:]:
            combined |= q
        qs = self.filter(combined)
        return qs.distinct() if len(parts) > 1 else qs


class BaseModel(models.Model):
    """Every domain model: created/updated stamps, history, NFC text fields, scoping hook."""

    created = models.DateTimeField(_("created"), auto_now_add=True, editable=False)
    last_updated = models.DateTimeField(_("last updated"), auto_now=True, editable=False)

    history = HistoricalRecords(inherit=True, excluded_fields=["last_updated", "search_text"])
    objects = RestrictedQuerySet.as_manager()

    #: fields whose folded text goes into `search_text` (models with a search column only)
    search_fields: ClassVar[tuple[str, ...]] = ()
    #: fields that name a row in a spreadsheet cell, tried in order (import and export)
    natural_key_fields: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope: Scope | None, action: str) -> Q | None:
        """Rows that the holder of `scope` may `action`, read from the permission table (`core.access`, each
        app's `permissions.py`); None means none. Anonymous gets scope=None."""
        return access.scope_q(cls, scope, action)

    @classmethod
    def can_add(cls, user) -> bool:
        """Whether `user` may create rows of this model at all, per the permission table (the new row's scope is
        checked again when it is saved)."""
        who = principal(user)
        if who.is_admin:
            return not access.forbidden(cls, ADD)
        return any(cls.scope_q(s, ADD) is not None for s in who.scopes)

    def permits(self, user, action: str = VIEW) -> bool:
        """Whether `user` may `action` this row (the row is in `restrict(user, action)`)."""
        return type(self).objects.restrict(user, action).filter(pk=self.pk).exists()

    def get_absolute_url(self) -> str:
        from .surface import surface_for

        surface = surface_for(self)
        return surface.object_url(self) if surface else ""

    def normalise_text(self) -> None:
        for field in self._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField)):
                value = getattr(self, field.attname)
                if isinstance(value, str):
                    setattr(self, field.attname, nfc(value).strip() if field.name != "search_text" else value)

    def compute_search_text(self) -> str:
        parts: list[str] = []
        for path in self.search_fields:
            value = self
            for attr in path.split("__"):
                value = getattr(value, attr, None) if value is not None else None
            if value:
                parts.append(str(value))
        return fold(" ".join(parts))[:1000]

    def save(self, *args, **kwargs):
        self.normalise_text()
        if self.search_fields:
            self.search_text = self.compute_search_text()
        super().save(*args, **kwargs)


class SearchableModel(BaseModel):
    """A model with a folded search column (`fold()` of its `search_fields`)."""

    search_text = models.CharField(max_length=1000, editable=False, blank=True, default="")

    class Meta:
        abstract = True


def prepare_for_bulk(objects):
    """Do what `save()` does to text (NFC, search column) for rows written with bulk_create."""
    for obj in objects:
        obj.normalise_text()
        if obj.search_fields:
            obj.search_text = obj.compute_search_text()
    return objects
