"""Provincial metrology plans (Đề án 996): plans with phases, targets, appendix tasks and reporting duties; the
activities that count toward targets; manual figures for targets without a data source; yearly unit reports.

Progress is never stored: `programs.progress` computes each target's actual value from the activities linked to
it (or from the registry), so a figure is typed once, in the record it comes from.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doluong.core import access
from doluong.core.dates import today
from doluong.core.models import BaseModel, RestrictedQuerySet, SearchableModel
from doluong.core.plausible import PlanYear
from doluong.core.text import fold
from doluong.geo.models import Province
from doluong.parties.models import Organisation

from .choices import (
    AssessmentResult,
    Channel,
    Comparator,
    EventKind,
    Frequency,
    MapKind,
    PlanKind,
    PlanStatus,
    ReporterKind,
    ReportStatus,
    RoundStatus,
    SupportKind,
    TaskStatus,
    TimelineKind,
    Unit,
)
from .sources import SOURCES, source_choices

#: Decision 996/QĐ-TTg was signed on 10/08/2018: a phase printed without a start year ("đến năm 2025") starts
#: with the first full year of the scheme.
SCHEME_FIRST_YEAR = 2019


def _year_ok(year: int | None) -> bool:
    return year is None or 2000 <= year <= 2100


class Plan(SearchableModel):
    """A provincial plan: issuing authority of its time, number, date, title, period, legal basis and status.
    It belongs to today's province (a Bình Thuận plan belongs to Lâm Đồng)."""

    slug = models.CharField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("A stable key, e.g. dong-thap-2026-2030 (letters, digits and hyphens)."),
    )
    province = models.ForeignKey(Province, models.PROTECT, related_name="+", verbose_name=_("province"))
    issuer = models.CharField(_("issuing authority"), max_length=200)
    issuer_province_name = models.CharField(_("issuing province (at the time)"), max_length=100, blank=True)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    kind = models.CharField(
        _("kind of document"), max_length=20, choices=PlanKind.choices, default=PlanKind.KE_HOACH
    )
    title = models.TextField(_("title"))
    period_start = models.PositiveSmallIntegerField(
        _("first year"), null=True, blank=True, validators=[PlanYear()]
    )
    period_end = models.PositiveSmallIntegerField(_("last year"), validators=[PlanYear()])
    legal_basis = models.TextField(_("legal basis"), blank=True, help_text=_("One document per line."))
    general_objectives = models.TextField(_("general objectives"), blank=True)
    budget = models.TextField(_("funding"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    notes = models.TextField(_("notes"), blank=True)

    natural_key_fields = ("slug", "number")
    search_fields = ("slug", "number", "title", "issuer", "issuer_province_name")

    class Meta:
        ordering = ["province_id", "-period_end", "slug"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True) | Q(period_start__lte=models.F("period_end")),
                name="programs_plan_period",
            )
        ]

    def __str__(self) -> str:
        place = self.issuer_province_name
        for prefix in ("Thành phố ", "Tỉnh ", "thành phố ", "tỉnh "):
            if place.startswith(prefix):
                place = place[len(prefix) :]
        number = self.number or str(_("draft") if self.status == PlanStatus.DRAFT else _("no number"))
        return f"{number} · {place} {self.period_label}".strip()

    @property
    def period_label(self) -> str:
        if self.period_start:
            return f"{self.period_start}–{self.period_end}"
        return str(_("to %(year)s") % {"year": self.period_end})

    @property
    def first_year(self) -> int:
        return self.period_start or SCHEME_FIRST_YEAR

    def clean(self):
        super().clean()
        errors = {}
        if self.slug and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.slug):
            errors["slug"] = _("Use lower-case letters without accents, digits and hyphens only.")
        # the years' range: their validators (core.plausible.PlanYear), one message each
        if (
            _year_ok(self.period_start)
            and _year_ok(self.period_end)
            and self.period_start
            and self.period_end
            and self.period_start > self.period_end
        ):
            errors["period_end"] = _("The last year is before the first year.")
        if errors:
            raise ValidationError(errors)


class Phase(BaseModel):
    """A sub-period of a plan (giai đoạn); a plan's phases cover its period."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="phases", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    start = models.PositiveSmallIntegerField(_("first year"), null=True, blank=True, validators=[PlanYear()])
    end = models.PositiveSmallIntegerField(_("last year"), validators=[PlanYear()])

    natural_key_fields = ("code",)

    class Meta:
        ordering = ["plan_id", "end"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="programs_phase_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def first_year(self) -> int:
        if self.start:
            return self.start
        return self.plan.first_year if self.plan_id else SCHEME_FIRST_YEAR

    def clean(self):
        super().clean()
        if self.start and self.end and self.start > self.end:
            raise ValidationError({"end": _("The last year is before the first year.")})
        if self.plan_id and self.end:
            plan = self.plan
            if self.end > plan.period_end or (plan.period_start and self.first_year < plan.period_start):
                raise ValidationError(
                    {
                        "end": _("The phase must lie within the plan's period (%(period)s).")
                        % {"period": plan.period_label}
                    }
                )


class Source(models.TextChoices):
    """Where a target's actual value comes from: a calculator of `programs.progress`, or manual figures."""

    TRAINING_ATTENDANCE = "training_attendance", _("Training: person-attendances (lượt người)")
    TRAINING_PEOPLE = "training_people", _("Training: distinct people trained")
    MAP_ENGAGEMENTS = "map_engagements", _("Measurement Assurance Program: enterprise engagements (lượt)")
    MAP_ENTERPRISES = "map_enterprises", _("Measurement Assurance Program: distinct enterprises")
    MAP_PROVIDERS = "map_providers", _("Measurement Assurance Program: distinct service providers")
    MAP_STATE = "map_state", _("Measurement Assurance Program: engagements with state-capital enterprises")
    MAP_PRIVATE = "map_private", _("Measurement Assurance Program: engagements with private enterprises")
    LAB_ASSESSMENTS = "lab_assessments", _("Laboratories meeting the national criteria")
    STANDARDS_SUPPORTED = "standards_supported", _("Standards and equipment supported or invested in")
    DEMAND_COVERAGE = "demand_coverage", _("Coverage of verification demand by local providers")
    COMMUNICATION_ITEMS = "communication_items", _("Communication items")
    EVENTS = "events", _("Conferences, workshops and events")
    SURVEYS = "surveys", _("Surveys of instrument use")
    MANUAL = "manual", _("Manual figures (no data source)")


for _key, _title in Source.choices:  # the plans app's own sources open the registry other apps add to
    SOURCES.register(_key, _title)


class Target(SearchableModel):
    """A specific target of a plan (chỉ tiêu): its phase, comparison, value and unit, and how it is measured."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="targets", verbose_name=_("plan"))
    phase = models.ForeignKey(Phase, models.PROTECT, related_name="targets", verbose_name=_("phase"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(_("code"), max_length=30)
    text = models.TextField(_("target as written"))
    comparator = models.CharField(_("comparison"), max_length=2, choices=Comparator.choices, blank=True)
    value = models.DecimalField(_("target value"), max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices, blank=True)
    unit_label = models.CharField(_("unit as written"), max_length=200, blank=True)
    source = models.CharField(
        _("data source"),
        max_length=30,
        choices=source_choices,
        default=Source.MANUAL,
        help_text=_("How the actual value is computed; manual only when no record in doluong measures it."),
    )
    by_year = models.PositiveSmallIntegerField(
        _("deadline year"), null=True, blank=True, validators=[PlanYear()]
    )
    notes = models.TextField(_("notes"), blank=True)

    natural_key_fields = ("code",)
    search_fields = ("code", "text", "plan__slug", "plan__number")

    class Meta:
        ordering = ["plan_id", "position", "code"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="programs_target_unique"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0), name="programs_target_value"
            ),
        ]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 90 else self.text[:88].rstrip() + "…"
        return f"{self.code}: {text}"

    @property
    def is_quantitative(self) -> bool:
        return self.value is not None

    @property
    def last_year(self) -> int:
        return self.by_year or self.phase.end

    @property
    def first_year(self) -> int:
        return self.phase.first_year

    @property
    def is_manual(self) -> bool:
        return self.source == Source.MANUAL

    @property
    def unit_display(self) -> str:
        return self.unit_label or (self.get_unit_display() if self.unit else "")

    def clean(self):
        super().clean()
        errors = {}
        if self.value is not None and self.value < 0:
            errors["value"] = _("A target value cannot be negative.")
        elif self.value is not None and self.unit == Unit.PERCENT and self.value > 100:
            errors["value"] = _("A percentage cannot exceed 100.")
        if self.value is not None and not self.comparator:
            errors["comparator"] = _(
                "Choose how the actual value is compared with the target (≥, >, ≤ or =)."
            )
        if self.value is None and self.comparator:
            errors["value"] = _(
                "Give the target value, or leave the comparison empty for a qualitative target."
            )
        if self.phase_id and self.plan_id and self.phase.plan_id != self.plan_id:
            errors["phase"] = _("This phase belongs to another plan.")
        if self.by_year and self.phase_id and not self.phase.first_year <= self.by_year <= self.phase.end:
            errors["by_year"] = _("The deadline year must lie within the phase.")
        if self.source == Source.DEMAND_COVERAGE and self.unit and self.unit != Unit.PERCENT:
            errors["unit"] = _("Coverage is measured in percent.")
        if errors:
            raise ValidationError(errors)

    def met(self, actual) -> bool | None:
        """Whether `actual` satisfies the target (None for a qualitative target or no figure)."""
        if self.value is None or actual is None:
            return None
        return {
            Comparator.GTE: actual >= self.value,
            Comparator.GT: actual > self.value,
            Comparator.LTE: actual <= self.value,
            Comparator.EQ: actual == self.value,
        }.get(self.comparator, actual >= self.value)


class Task(SearchableModel):
    """A row of the plan's appendix: content, lead and coordinating units, timeline, expected result, status.
    `assignees` are the units (other than the Department of Science and Technology) that report on it."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="tasks", verbose_name=_("plan"))
    phase = models.ForeignKey(
        Phase, models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_("phase")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(_("code"), max_length=30)
    section = models.CharField(_("section"), max_length=300, blank=True)
    group = models.CharField(_("group"), max_length=300, blank=True)
    content = models.TextField(_("content"))
    lead = models.CharField(_("lead unit (as written)"), max_length=300)
    lead_org = models.ForeignKey(
        Organisation,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead organisation"),
    )
    coordinators = models.TextField(_("coordinating units"), blank=True, help_text=_("One unit per line."))
    assignees = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="program_tasks",
        verbose_name=_("reporting units"),
        help_text=_("Departments and communes that report on this task every year."),
    )
    timeline = models.CharField(_("timeline (as written)"), max_length=200, blank=True)
    timeline_kind = models.CharField(_("timeline"), max_length=20, choices=TimelineKind.choices, blank=True)
    due_year = models.PositiveSmallIntegerField(_("due year"), null=True, blank=True, validators=[PlanYear()])
    expected_result = models.TextField(_("expected result"), blank=True)
    budget_source = models.CharField(_("funding source"), max_length=300, blank=True)
    related_targets = models.ManyToManyField(
        Target, blank=True, related_name="tasks", verbose_name=_("targets advanced")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    notes = models.TextField(_("notes"), blank=True)

    natural_key_fields = ("code",)
    search_fields = ("code", "content", "lead", "coordinators", "plan__slug")

    class Meta:
        ordering = ["plan_id", "position", "code"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="programs_task_unique")]

    def __str__(self) -> str:
        text = self.content.lstrip("- ")
        text = text if len(text) <= 90 else text[:88].rstrip() + "…"
        return f"{self.code}. {text}"

    def clean(self):
        super().clean()
        errors = {}
        if self.phase_id and self.plan_id and self.phase.plan_id != self.plan_id:
            errors["phase"] = _("This phase belongs to another plan.")
        if self.timeline_kind == TimelineKind.BY_DATE and not self.due_year:
            errors["due_year"] = _("A task due by a date needs its due year.")
        if self.lead_org_id and self.plan_id and self.lead_org.province_id != self.plan.province_id:
            errors["lead_org"] = _("The lead organisation must be in the plan's province.")
        if errors:
            raise ValidationError(errors)


class ReportingDuty(BaseModel):
    """Who reports to whom on the plan, how often and by which day of the year (25/11, 15/12 …)."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="duties", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    reporter = models.CharField(_("reporter (as written)"), max_length=300, blank=True)
    reporter_kind = models.CharField(
        _("reporting units"), max_length=20, choices=ReporterKind.choices, default=ReporterKind.OTHER
    )
    recipient = models.CharField(_("recipient"), max_length=300)
    due_day = models.PositiveSmallIntegerField(_("due day"), null=True, blank=True)
    due_month = models.PositiveSmallIntegerField(_("due month"), null=True, blank=True)
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices)
    content = models.TextField(_("duty as written"))
    forwarded_to = models.CharField(_("consolidated for"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["plan_id", "position"]
        verbose_name = _("reporting duty")
        verbose_name_plural = _("reporting duties")
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="programs_duty_unique")]

    def __str__(self) -> str:
        due = f" ({self.due_label})" if self.due_month else ""
        return f"{self.reporter or '—'} → {self.recipient}: {self.get_frequency_display()}{due}"

    @property
    def due_label(self) -> str:
        if not self.due_month:
            return ""
        return f"{self.due_day or calendar.monthrange(2023, self.due_month)[1]:02d}/{self.due_month:02d}"

    def due_on(self, year: int) -> dt.date | None:
        """The deadline in `year` (the last day of the month when only the month is given)."""
        if not self.due_month:
            return None
        day = self.due_day or calendar.monthrange(year, self.due_month)[1]
        return dt.date(year, self.due_month, min(day, calendar.monthrange(year, self.due_month)[1]))

    def clean(self):
        super().clean()
        if self.due_day and not self.due_month:
            raise ValidationError({"due_month": _("A due day needs its month.")})
        if self.due_month and not 1 <= self.due_month <= 12:
            raise ValidationError({"due_month": _("A month from 1 to 12.")})
        if (
            self.due_day
            and self.due_month
            and not 1 <= self.due_day <= calendar.monthrange(2024, self.due_month)[1]
        ):
            raise ValidationError({"due_day": _("This month has no such day.")})


class ManualFigure(BaseModel):
    """A yearly figure typed by an officer for a target that no record in doluong measures (marked as manual)."""

    target = models.ForeignKey(
        Target, models.CASCADE, related_name="manual_figures", verbose_name=_("target")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[PlanYear()])
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("what was achieved"), blank=True)

    class Meta:
        ordering = ["target_id", "year"]
        verbose_name = _("manual figure")
        verbose_name_plural = _("manual figures")
        constraints = [models.UniqueConstraint(fields=["target", "year"], name="programs_manual_unique")]

    def __str__(self) -> str:
        return f"{self.target.code} · {self.year}"

    def clean(self):
        super().clean()
        errors = {}
        if self.target_id:
            target = self.target
            if not target.is_manual:
                errors["target"] = _(
                    "This target is computed from “%(source)s”; it takes no manual figure."
                ) % {"source": target.get_source_display()}
            elif self.year and not target.first_year <= self.year <= target.last_year:
                errors["year"] = _("The year must lie within the target's phase (%(first)s–%(last)s).") % {
                    "first": target.first_year,
                    "last": target.last_year,
                }
        if self.value is not None and self.value < 0:
            errors["value"] = _("A figure cannot be negative.")
        if self.value is None and not self.note:
            errors["note"] = _("Give a figure or describe what was achieved.")
        if errors:
            raise ValidationError(errors)


# ------------------------------------------------------------------------------------------- activities


class Activity(SearchableModel):
    """What every activity has: province, date, title, organiser and the targets it advances."""

    province = models.ForeignKey(Province, models.PROTECT, related_name="+", verbose_name=_("province"))
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=300)
    organiser = models.ForeignKey(
        Organisation, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("organiser")
    )
    targets = models.ManyToManyField(
        Target, blank=True, related_name="%(class)s_items", verbose_name=_("targets advanced")
    )
    notes = models.TextField(_("notes"), blank=True)

    search_fields = ("title", "organiser__name", "notes")

    class Meta:
        abstract = True
        ordering = ["-date", "title"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} · {self.title}"


def check_activity_targets(province_id, date, targets, *, label: str = "") -> list[str]:
    """Errors for targets an activity may not count toward: another province, or a date outside the phase."""
    errors = []
    for target in targets:
        plan = target.plan
        if province_id and plan.province_id != province_id:
            errors.append(
                str(_("Target %(code)s belongs to a plan of %(province)s, not to this activity's province."))
                % {"code": target.code, "province": plan.province}
            )
        elif date and not target.first_year <= date.year <= target.last_year:
            errors.append(
                str(
                    _(
                        "The activity is dated %(date)s, outside the period of target %(code)s of plan %(plan)s "
                        "(%(first)s–%(last)s)."
                    )
                )
                % {
                    "date": date.strftime("%d/%m/%Y"),
                    "code": target.code,
                    "plan": plan,
                    "first": target.first_year,
                    "last": target.last_year,
                }
            )
    return errors


class Training(Activity):
    """A training course (lớp đào tạo, tập huấn, bồi dưỡng) with its attendee list."""

    end_date = models.DateField(_("end date"), null=True, blank=True)
    audience = models.CharField(_("audience"), max_length=300, blank=True)
    venue = models.CharField(_("venue"), max_length=300, blank=True)

    class Meta(Activity.Meta):
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")

    def clean(self):
        super().clean()
        if self.end_date and self.date and self.end_date < self.date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})


def person_key(full_name: str, birth_date, national_id: str, organisation_name: str) -> str:
    """Who a trainee is, for counting distinct people: the national ID (CCCD) when given; otherwise the folded
    name with the birth date and the folded organisation (two namesakes of one organisation and birth date are
    taken for one person)."""
    if national_id:
        return f"id:{national_id}"
    born = birth_date.isoformat() if birth_date else "?"
    return f"n:{fold(full_name)}|{born}|{fold(organisation_name)}"[:300]


class Attendance(BaseModel):
    """One person on a training course's list: one lượt người."""

    training = models.ForeignKey(
        Training, models.CASCADE, related_name="attendances", verbose_name=_("training course")
    )
    full_name = models.CharField(_("full name"), max_length=150)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    national_id = models.CharField(
        _("national ID number"), max_length=12, blank=True, help_text=_("Số CCCD, 12 digits")
    )
    organisation_name = models.CharField(_("workplace"), max_length=300, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    person_key = models.CharField(_("person key"), max_length=300, editable=False, db_index=True)

    class Meta:
        ordering = ["training_id", "full_name"]
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [
            models.UniqueConstraint(fields=["training", "person_key"], name="programs_attendance_unique")
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self):
        super().clean()
        if self.national_id and not re.fullmatch(r"\d{12}", self.national_id):
            raise ValidationError({"national_id": _("A national ID number has 12 digits.")})
        if self.birth_date and self.birth_date > today():
            raise ValidationError({"birth_date": _("The date of birth is in the future.")})
        if self.training_id and self.full_name:
            key = person_key(self.full_name, self.birth_date, self.national_id, self.organisation_name)
            twin = Attendance.objects.filter(training_id=self.training_id, person_key=key).exclude(pk=self.pk)
            if twin.exists():
                raise ValidationError({"full_name": _("This person is already on this course's list.")})

    def save(self, *args, **kwargs):
        self.normalise_text()
        self.person_key = person_key(
            self.full_name, self.birth_date, self.national_id, self.organisation_name
        )
        super().save(*args, **kwargs)


class Event(Activity):
    """A conference, workshop or dissemination session, including Vietnam Metrology Day (20/01)."""

    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices, default=EventKind.CONFERENCE)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=300, blank=True)

    class Meta(Activity.Meta):
        verbose_name = _("event")
        verbose_name_plural = _("events")


class CommunicationItem(Activity):
    """A communication item: a newspaper article, radio or television programme, portal news, social media post."""

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    outlet = models.CharField(_("outlet"), max_length=200, blank=True)
    url = models.URLField(_("link"), blank=True)
    metrology_day = models.BooleanField(_("for Vietnam Metrology Day (20/01)"), default=False)

    class Meta(Activity.Meta):
        verbose_name = _("communication item")
        verbose_name_plural = _("communication items")


class MapEngagement(Activity):
    """Support given to an enterprise (or a service provider) under the Measurement Assurance Program
    (Decision 510/QĐ-BKHCN); one engagement is one lượt doanh nghiệp."""

    beneficiary = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("supported organisation")
    )
    kind = models.CharField(_("kind of support"), max_length=20, choices=MapKind.choices)

    search_fields = ("title", "beneficiary__name", "organiser__name", "notes")

    class Meta(Activity.Meta):
        verbose_name = _("MAP engagement")
        verbose_name_plural = _("MAP engagements")

    def clean(self):
        super().clean()
        if self.beneficiary_id and self.province_id and self.beneficiary.province_id != self.province_id:
            raise ValidationError({"beneficiary": _("The supported organisation is not in this province.")})


class StandardSupport(Activity):
    """Measurement standards or equipment supported, invested in or socialised."""

    holder = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("holder")
    )
    kind = models.CharField(_("kind of support"), max_length=20, choices=SupportKind.choices)
    quantity = models.PositiveIntegerField(_("number of standards or instruments"), default=1)
    amount = models.DecimalField(_("funding (VND)"), max_digits=15, decimal_places=0, null=True, blank=True)

    class Meta(Activity.Meta):
        verbose_name = _("standard supported")
        verbose_name_plural = _("standards supported")

    def clean(self):
        super().clean()
        if self.quantity is not None and self.quantity < 1:
            raise ValidationError({"quantity": _("At least one.")})


class LabAssessment(Activity):
    """An assessment of a laboratory against the national criteria set for metrology fields."""

    lab = models.ForeignKey(Organisation, models.PROTECT, related_name="+", verbose_name=_("laboratory"))
    criteria = models.CharField(
        _("criteria"), max_length=300, default="Bộ tiêu chí quốc gia đánh giá các lĩnh vực đo lường"
    )
    result = models.CharField(_("result"), max_length=20, choices=AssessmentResult.choices)

    search_fields = ("title", "lab__name", "notes")

    class Meta(Activity.Meta):
        verbose_name = _("laboratory assessment")
        verbose_name_plural = _("laboratory assessments")


class Survey(Activity):
    """A survey of instrument use (khảo sát) or of enterprises' readiness for the Measurement Assurance Program."""

    respondents = models.PositiveIntegerField(_("organisations surveyed"), null=True, blank=True)
    instruments = models.PositiveIntegerField(_("instruments recorded"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)

    class Meta(Activity.Meta):
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")


ACTIVITY_MODELS = (Training, Event, CommunicationItem, MapEngagement, StandardSupport, LabAssessment, Survey)


# ------------------------------------------------------------------------------------------- unit reports


class ReportRound(BaseModel):
    """The yearly collection of unit reports for a plan: its deadline, and whether it is still open."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="rounds", verbose_name=_("plan"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[PlanYear()])
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "plan_id"]
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        constraints = [models.UniqueConstraint(fields=["plan", "year"], name="programs_round_unique")]

    def __str__(self) -> str:
        return str(_("Reports %(year)s · %(plan)s") % {"year": self.year, "plan": self.plan})

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN

    def clean(self):
        super().clean()
        errors = {}
        if (
            self.plan_id
            and self.year
            and _year_ok(self.year)
            and not self.plan.first_year <= self.year <= self.plan.period_end
        ):
            errors["year"] = _("The year must lie within the plan's period (%(period)s).") % {
                "period": self.plan.period_label
            }
        if self.status == RoundStatus.CLOSED and not self.closed_on:
            self.closed_on = today()
        if self.status == RoundStatus.OPEN:
            self.closed_on = None
        if errors:
            raise ValidationError(errors)

    def expected_units(self):
        """The units that report in this round: every reporting unit of the plan's tasks."""
        return (
            Organisation.objects.filter(program_tasks__plan_id=self.plan_id)
            .distinct()
            .order_by("kind", "name")
        )


class UnitReport(BaseModel):
    """A department's or commune's yearly report on the plan's tasks assigned to it."""

    round = models.ForeignKey(
        ReportRound, models.PROTECT, related_name="reports", verbose_name=_("reporting round")
    )
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("reporting unit")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    summary = models.TextField(_("summary of results"))
    difficulties = models.TextField(_("difficulties"), blank=True)
    proposals = models.TextField(_("proposals"), blank=True)

    class Meta:
        ordering = ["round_id", "organisation__name"]
        verbose_name = _("unit report")
        verbose_name_plural = _("unit reports")
        constraints = [
            models.UniqueConstraint(fields=["round", "organisation"], name="programs_report_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.round.year}"

    @property
    def is_late(self) -> bool:
        return bool(self.submitted_at and self.submitted_at.date() > self.round.deadline)

    def clean(self):
        super().clean()
        if self.round_id and not self.round.is_open:
            raise ValidationError(
                _(
                    "The %(year)s reporting round of plan %(plan)s was closed on %(date)s: reports can no "
                    "longer be submitted or changed."
                )
                % {
                    "year": self.round.year,
                    "plan": self.round.plan,
                    "date": self.round.closed_on.strftime("%d/%m/%Y") if self.round.closed_on else "—",
                }
            )
        if self.round_id and self.organisation_id:
            if not self.round.expected_units().filter(pk=self.organisation_id).exists():
                raise ValidationError(
                    {"organisation": _("This unit has no task of the plan assigned to it.")}
                )

    def save(self, *args, **kwargs):
        creating = self._state.adding
        super().save(*args, **kwargs)
        if creating:
            self.add_assigned_tasks()

    def assigned_tasks(self):
        return (
            Task.objects.filter(plan_id=self.round.plan_id)
            .filter(Q(assignees=self.organisation_id) | Q(lead_org_id=self.organisation_id))
            .distinct()
        )

    def add_assigned_tasks(self) -> None:
        """One line per task assigned to the unit (kept if already there)."""
        have = set(self.items.values_list("task_id", flat=True))
        for task in self.assigned_tasks():
            if task.pk not in have:
                UnitReportItem.objects.create(report=self, task=task, status=task.status)


class UnitReportItem(BaseModel):
    """A unit's figures and text on one assigned task."""

    report = models.ForeignKey(
        UnitReport, models.CASCADE, related_name="items", verbose_name=_("unit report")
    )
    task = models.ForeignKey(Task, models.PROTECT, related_name="report_items", verbose_name=_("task"))
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.IN_PROGRESS
    )
    figure = models.DecimalField(_("figure"), max_digits=12, decimal_places=2, null=True, blank=True)
    figure_label = models.CharField(_("figure counts"), max_length=200, blank=True)
    result = models.TextField(_("results"), blank=True)

    class Meta:
        ordering = ["report_id", "task__position"]
        verbose_name = _("unit report line")
        verbose_name_plural = _("unit report lines")
        constraints = [models.UniqueConstraint(fields=["report", "task"], name="programs_report_item_unique")]

    def __str__(self) -> str:
        return f"{self.report} · {self.task.code}"

    def clean(self):
        super().clean()
        if self.report_id and not self.report.round.is_open:
            self.report.clean()
        if (
            self.report_id
            and self.task_id
            and not self.report.assigned_tasks().filter(pk=self.task_id).exists()
        ):
            raise ValidationError({"task": _("This task is not assigned to the reporting unit.")})
        if self.figure is not None and self.figure < 0:
            raise ValidationError({"figure": _("A figure cannot be negative.")})


class UnitReportAttachment(BaseModel):
    """A file attached to a unit report (the signed report, photos, lists)."""

    report = models.ForeignKey(
        UnitReport, models.CASCADE, related_name="attachments", verbose_name=_("unit report")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to="programs/reports/%Y/",
        validators=[
            FileExtensionValidator(["pdf", "docx", "doc", "xlsx", "xls", "jpg", "jpeg", "png", "zip"])
        ],
    )

    class Meta:
        ordering = ["report_id", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        if self.report_id:
            self.report.clean()
        if self.file and getattr(self.file, "size", 0) > 10 * 1024 * 1024:
            raise ValidationError({"file": _("A file of at most 10 MB.")})


class ReminderLog(models.Model):
    """A reminder e-mail sent to a unit that had not reported; one per round, unit and stage (idempotent)."""

    round = models.ForeignKey(
        ReportRound, models.CASCADE, related_name="reminders", verbose_name=_("reporting round")
    )
    organisation = models.ForeignKey(Organisation, models.CASCADE, related_name="+", verbose_name=_("unit"))
    stage = models.CharField(_("stage"), max_length=20)
    recipients = models.TextField(_("recipients"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organisation", "stage"], name="programs_reminder_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.stage}"

    @classmethod
    def scope_q(cls, scope, action):
        """Not a BaseModel (no history): its rows in the permission table are read the same way."""
        return access.scope_q(cls, scope, action)
