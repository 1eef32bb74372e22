"""Base models: timestamps, history, NFC text, the folded search column and the scoped queryset."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
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


def _current_host() -> str:
    import socket

    return socket.gethostname()[:255]


class Job(models.Model):
    """One background job of any kind (a bulk load, a batch issue of certificates, a reminder run …): who
    started it, its input file, progress, counts, status, the error report (the first
    `core.jobs.MAX_REPORTED_ERRORS` errors; `error_count` is exact) and the worker process that runs it.

    Kinds are declared by the apps (`<app>/jobs.py`, `<app>/bulk.py`; `core.jobs.register_kind`). A job is
    queued as a django-tasks task (the database backend) and run by `doluong worker`, which writes its host,
    pid and a heartbeat here; a job "running" on a process that has died is recognised (`core.jobs.settle`)
    and retried or marked failed — its work is one transaction, so it wrote nothing."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected: nothing loaded")
        FAILED = "failed", _("Failed: nothing loaded")

    kind = models.CharField(_("kind"), max_length=40)
    source = models.CharField(_("source"), max_length=60, blank=True)
    file_name = models.CharField(_("file"), max_length=300, blank=True)
    #: the stored input (a file name under DATA_DIR/jobs, core.jobs.input_path); deleted when the job ends
    input_file = models.CharField(_("input file"), max_length=100, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    #: the organisation and province the job works for (scoping in the permission table; plain values, so
    #: that core holds no key to a domain app)
    organisation_id = models.PositiveIntegerField(_("organisation"), null=True, blank=True, db_index=True)
    province_code = models.CharField(_("province"), max_length=10, blank=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    #: when a worker took it (the last attempt)
    began_at = models.DateTimeField(_("began at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    only_good = models.BooleanField(_("good rows only"), default=False)
    rows_staged = models.PositiveIntegerField(_("rows read"), default=0)
    rows_validated = models.PositiveIntegerField(_("rows validated"), default=0)
    rows_bad = models.PositiveIntegerField(_("bad rows"), default=0)
    rows_inserted = models.PositiveIntegerField(_("rows added"), default=0)
    rows_updated = models.PositiveIntegerField(_("rows changed"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("rows unchanged"), default=0)
    #: the rows the input seemed to hold when it was uploaded (for the progress bar; None: not known)
    rows_expected = models.PositiveIntegerField(_("rows expected"), null=True, blank=True)
    #: generic progress: `progress_done` of `progress_total` steps
    progress_done = models.PositiveIntegerField(_("steps done"), default=0)
    progress_total = models.PositiveIntegerField(_("steps"), default=0)
    #: what the kind reports at the end (e.g. certificates issued)
    result = models.JSONField(_("result"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors found"), default=0)
    message = models.TextField(_("message"), blank=True)
    task_id = models.CharField(pgettext_lazy("queue", "task"), max_length=64, blank=True)
    worker_id = models.CharField(_("worker"), max_length=64, blank=True)
    host = models.CharField(_("host"), max_length=255, blank=True, default=_current_host)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    interrupted = models.BooleanField(_("interrupted"), default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["status", "kind"], name="core_job_status_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name}" if self.file_name else self.kind

    @classmethod
    def scope_q(cls, scope: Scope | None, action: str) -> Q | None:
        return access.scope_q(cls, scope, action)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REJECTED, self.Status.FAILED)

    def get_absolute_url(self) -> str:
        from . import jobs

        return jobs.job_url(self)
