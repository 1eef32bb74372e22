"""The current-state analysis and readiness survey of an enterprise (issue 14, item 2).

* `Checklist` + `ChecklistItem`: a versioned checklist as data (content groups A–H × organisation / method /
  technical factors, a weight per row). It is published by `assurance.actions.do_publish_checklist` only when its
  weights sum to one; a published checklist's rows never change, and once a survey used it the checklist itself
  is frozen too: `do_new_checklist_version` copies it as the next draft version;
* `Survey` + `SurveyAnswer`: one survey of one enterprise against one published checklist version, one answer
  per row (status 0 / 0.5 / 1 / not applicable, evidence, gap, cause, proposed task, owner, deadline), with its
  evidence files (`SurveyEvidence`, several per answer). A new
  survey's answers are made and pre-filled from the registry by `assurance.readiness.start_answers`; the score,
  band and the delta from the enterprise's previous survey are computed by `assurance.readiness`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.deletion import ProtectedError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from doluong.core.models import BaseModel, SearchableModel
from doluong.geo.models import Province
from doluong.parties.models import Organisation

from .choices import AnswerValue, ChecklistStatus, ContentGroup, Factor, Prefill, SurveyStatus

CHECKLIST_FROZEN = (
    "This checklist version is published and a survey has used it: it cannot be changed or deleted. "
    "Use “New version” to make an editable copy."
)
ITEMS_FROZEN = (
    "The rows of a published checklist cannot be changed, added or deleted: use “New version” to make an "
    "editable copy."
)


class Checklist(SearchableModel):
    """A version of the current-state checklist (danh mục khảo sát hiện trạng đo lường)."""

    name = models.CharField(_("name"), max_length=300)
    version = models.PositiveSmallIntegerField(
        pgettext_lazy("checklist", "version"), default=1, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ChecklistStatus.choices,
        default=ChecklistStatus.DRAFT,
        editable=False,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    previous = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("previous version"),
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    source_verified = models.BooleanField(
        _("checked against the legal text"),
        default=False,
        help_text=_("False while Decision 510's annex forms have not been read: the rows are editable data."),
    )
    notes = models.TextField(_("notes"), blank=True)

    search_fields = ("name",)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("readiness checklist")
        verbose_name_plural = _("readiness checklists")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="assurance_checklist_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.status == ChecklistStatus.PUBLISHED

    @property
    def is_used(self) -> bool:
        return self.pk is not None and Survey.objects.filter(checklist_id=self.pk).exists()

    @property
    def is_frozen(self) -> bool:
        return self.is_published and self.is_used

    def _number(self) -> None:
        """A new checklist named like an existing one is that name's next version."""
        if self.pk is None and self.name:
            latest = type(self).objects.filter(name=self.name).aggregate(v=models.Max("version"))["v"]
            if latest is not None and self.version <= latest:
                self.version = latest + 1

    def clean(self):
        super().clean()
        self._number()
        if self.pk is None:
            return
        before = type(self).objects.filter(pk=self.pk).first()
        if before is not None and before.is_frozen:
            changed = [
                n
                for n in ("name", "legal_basis", "source_verified", "notes")
                if getattr(before, n) != getattr(self, n)
            ]
            if changed:
                raise ValidationError(gettext(CHECKLIST_FROZEN))

    def save(self, *args, **kwargs):
        self._number()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_frozen:
            raise ProtectedError(gettext(CHECKLIST_FROZEN), set(Survey.objects.filter(checklist=self)[:5]))
        return super().delete(*args, **kwargs)


class ChecklistItem(BaseModel):
    """One row of a checklist: its content group, factor, text and weight, and the registry figure that
    pre-fills it (if any)."""

    checklist = models.ForeignKey(
        Checklist, models.CASCADE, related_name="items", verbose_name=_("readiness checklist")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(_("code"), max_length=10)
    group = models.CharField(_("content group"), max_length=1, choices=ContentGroup.choices)
    group_title = models.CharField(_("content group title"), max_length=200)
    factor = models.CharField(pgettext_lazy("readiness", "factor"), max_length=20, choices=Factor.choices)
    text = models.TextField(_("requirement"))
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    prefill = models.CharField(
        _("pre-filled from"), max_length=20, choices=Prefill.choices, default=Prefill.NONE, blank=True
    )
    source_verified = models.BooleanField(_("checked against the legal text"), default=False)
    note = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["checklist_id", "position", "code"]
        verbose_name = _("checklist row")
        verbose_name_plural = _("checklist rows")
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="assurance_checklistitem_code_unique")
        ]

    def __str__(self) -> str:
        text = self.text or ""
        if len(text) > 80:  # cut at a word, never inside one
            text = text[:80].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
        return f"{self.code}. {text}"

    def _frozen(self, checklist_id) -> bool:
        return (
            checklist_id is not None
            and Checklist.objects.filter(pk=checklist_id, status=ChecklistStatus.PUBLISHED).exists()
        )

    def clean(self):
        super().clean()
        ids = {self.checklist_id}
        if self.pk is not None:
            ids.add(type(self).objects.filter(pk=self.pk).values_list("checklist_id", flat=True).first())
        if any(self._frozen(i) for i in ids):
            raise ValidationError(gettext(ITEMS_FROZEN))

    def save(self, *args, **kwargs):
        if self._frozen(self.checklist_id):
            raise ValidationError(gettext(ITEMS_FROZEN))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._frozen(self.checklist_id):
            raise ProtectedError(gettext(ITEMS_FROZEN), {self.checklist})
        return super().delete(*args, **kwargs)


class Survey(SearchableModel):
    """One current-state and readiness survey of an enterprise against one published checklist version."""

    enterprise = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    checklist = models.ForeignKey(
        Checklist, models.PROTECT, related_name="surveys", verbose_name=_("readiness checklist")
    )
    surveyed_on = models.DateField(_("surveyed on"))
    surveyor = models.CharField(_("surveyor"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    notes = models.TextField(_("notes"), blank=True)

    search_fields = ("enterprise__name", "surveyor")

    class Meta:
        ordering = ["enterprise_id", "-surveyed_on", "-pk"]
        verbose_name = _("readiness survey")
        verbose_name_plural = _("readiness surveys")

    def __str__(self) -> str:
        name = self.enterprise.name if self.enterprise_id else "—"
        return f"{name} — {self.surveyed_on:%d/%m/%Y}" if self.surveyed_on else name

    def clean(self):
        super().clean()
        from .models import _enterprise_clean

        _enterprise_clean(self, self.enterprise if self.enterprise_id else None)
        if self.checklist_id and not self.checklist.is_published:
            raise ValidationError({"checklist": gettext("Choose a published checklist version.")})
        if self.pk is not None:
            before = type(self).objects.filter(pk=self.pk).values_list("checklist_id", flat=True).first()
            if before is not None and before != self.checklist_id:
                raise ValidationError(
                    {
                        "checklist": gettext(
                            "A survey's checklist version cannot be changed: make a new survey."
                        )
                    }
                )

    def save(self, *args, **kwargs):
        creating = self.pk is None
        if self.enterprise_id:
            self.province_id = self.enterprise.province_id
        with transaction.atomic():
            super().save(*args, **kwargs)
            if creating:
                from .readiness import start_answers

                start_answers(self, user=getattr(self, "_history_user", None))


class SurveyAnswer(BaseModel):
    """The answer of one checklist row in one survey."""

    survey = models.ForeignKey(
        Survey, models.CASCADE, related_name="answers", verbose_name=_("readiness survey")
    )
    item = models.ForeignKey(
        ChecklistItem, models.PROTECT, related_name="+", editable=False, verbose_name=_("checklist row")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    enterprise = models.ForeignKey(Organisation, models.PROTECT, related_name="+", editable=False)
    value = models.CharField(
        pgettext_lazy("readiness", "status"),
        max_length=3,
        choices=AnswerValue.choices,
        default=AnswerValue.UNANSWERED,
        blank=True,
    )
    prefill_note = models.TextField(_("from the registry"), blank=True, editable=False)
    evidence = models.TextField(_("evidence"), blank=True)
    gap = models.TextField(_("gap"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    proposed_task = models.TextField(_("proposed task"), blank=True)
    owner = models.CharField(pgettext_lazy("task", "owner"), max_length=150, blank=True)
    deadline = models.DateField(pgettext_lazy("task deadline", "deadline"), null=True, blank=True)

    class Meta:
        ordering = ["survey_id", "item__position", "item__code"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["survey", "item"], name="assurance_surveyanswer_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.get_value_display()}" if self.item_id else "—"

    @property
    def numeric(self) -> Decimal | None:
        """The status as a number (None when not applicable; an unanswered row counts 0)."""
        if self.value == AnswerValue.NA:
            return None
        return Decimal(self.value or 0)

    def save(self, *args, **kwargs):
        if self.survey_id:
            self.province_id = self.survey.province_id
            self.enterprise_id = self.survey.enterprise_id
        super().save(*args, **kwargs)


#: the files a readiness answer's evidence may be: documents, spreadsheets, scans and photos
EVIDENCE_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "docx", "xlsx"]


def evidence_extension_validator():
    """The allow-list, with its refusal in the project's words (Django's own message has no Vietnamese)."""
    return FileExtensionValidator(
        EVIDENCE_EXTENSIONS,
        message=_("Files of type “%(extension)s” are not accepted; accepted: %(allowed_extensions)s."),
    )


class SurveyEvidence(BaseModel):
    """One evidence file of a survey answer (several per answer: the procedure, the register, a photo…), with
    who uploaded it and when. The size limit is the "attachment" upload kind's (`core.uploads`), checked on the
    upload form and again here."""

    answer = models.ForeignKey(
        SurveyAnswer, models.CASCADE, related_name="evidence_files", verbose_name=_("survey answer")
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", editable=False)
    enterprise = models.ForeignKey(Organisation, models.PROTECT, related_name="+", editable=False)
    file = models.FileField(
        _("file"),
        upload_to="assurance/readiness/%Y/",
        max_length=255,
        validators=[evidence_extension_validator()],
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["answer_id", "uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.description or self.filename

    @property
    def filename(self) -> str:
        from pathlib import PurePosixPath

        return PurePosixPath(self.file.name).name if self.file else ""

    def clean(self):
        super().clean()
        from django.core.files.uploadedfile import UploadedFile

        from doluong.core.uploads import check_size

        # a new upload only (`_file`, not `file`: reading `file` opens a stored one, which may be absent)
        upload = getattr(self.file, "_file", None) if self.file and not self.file._committed else None
        if isinstance(upload, UploadedFile):
            try:
                check_size(upload, "attachment")
            except ValidationError as exc:
                raise ValidationError({"file": exc.messages}) from exc

    def save(self, *args, **kwargs):
        if self.answer_id:
            self.province_id = self.answer.province_id
            self.enterprise_id = self.answer.enterprise_id
        if self._state.adding and self.uploaded_by_id is None:
            # the uploader: the user the action saves for (core.actions.save_object sets it for the history)
            user = getattr(self, "_history_user", None)
            self.uploaded_by = user if user is not None and user.is_authenticated else None
        super().save(*args, **kwargs)
