"""The plan targets' Measurement Assurance Program figures, counted from the programme's support activities
(issue #14, item 7): lượt doanh nghiệp, distinct enterprises, distinct providers, the state/private split.

These calculators replace those of `programs.progress` for the same data sources (`Source.MAP_*`, registered
after them: this app comes later in INSTALLED_APPS). They count `SupportActivity` rows **and** the
`programs.MapEngagement` rows not migrated yet (an engagement copied into a support activity is counted once,
through its copy): so the figures are the same before and after the data migration, and an engagement still
entered on the old page is not lost. `migrate_engagements` copies the engagements (the schema migration runs it;
it is idempotent).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doluong.parties.choices import OrganisationKind, Ownership
from doluong.programs.models import MapEngagement, Source
from doluong.programs.progress import COUNT, DISTINCT, LEVEL, _d, _window, calculator
from doluong.programs.sources import SOURCES

from .choices import FROM_MAP_KIND, SupportKind
from .models import SupportActivity


def _rows(target, start, end):
    """(support activities, engagements not migrated) linked to `target`, dated in the window."""
    support = _window(SupportActivity.objects.filter(targets=target), start, end)
    legacy = _window(MapEngagement.objects.filter(targets=target, support_activity__isnull=True), start, end)
    return support, legacy


def _count(target, start, end, **lookup):
    support, legacy = _rows(target, start, end)
    return _d(support.filter(**lookup).count() + legacy.filter(**lookup).count())


def _distinct(target, start, end, providers: bool):
    support, legacy = _rows(target, start, end)
    kinds = OrganisationKind.providers()
    ids = set()
    for rows in (support, legacy):
        rows = (
            rows.filter(beneficiary__kind__in=kinds)
            if providers
            else rows.exclude(beneficiary__kind__in=kinds)
        )
        ids |= set(rows.values_list("beneficiary_id", flat=True))
    return _d(len(ids))


@calculator(
    Source.MAP_ENGAGEMENTS,
    COUNT,
    _(
        "Number of programme support activities (consultancy, training, calibration support, method "
        "development, pre-package control) linked to this target, dated in the period (lượt doanh nghiệp); MAP "
        "engagements not yet migrated count too."
    ),
)
def map_engagements(target, start, end):
    return _count(target, start, end)


@calculator(
    Source.MAP_ENTERPRISES,
    DISTINCT,
    _(
        "Number of distinct enterprises and other organisations (service providers excluded) supported by "
        "programme support activities linked to this target, dated in the period."
    ),
)
def map_enterprises(target, start, end):
    return _distinct(target, start, end, providers=False)


@calculator(
    Source.MAP_PROVIDERS,
    DISTINCT,
    _(
        "Number of distinct verification, calibration and testing service providers supported by programme "
        "support activities linked to this target, dated in the period."
    ),
)
def map_providers(target, start, end):
    return _distinct(target, start, end, providers=True)


@calculator(
    Source.MAP_STATE,
    COUNT,
    _("Number of programme support activities with state-capital enterprises linked to this target."),
)
def map_state(target, start, end):
    return _count(target, start, end, beneficiary__ownership=Ownership.STATE)


@calculator(
    Source.MAP_PRIVATE,
    COUNT,
    _("Number of programme support activities with private enterprises linked to this target."),
)
def map_private(target, start, end):
    return _count(target, start, end, beneficiary__ownership=Ownership.PRIVATE)


# ------------------------------------------------------------------------------ readiness surveys (item 2)

READINESS_SURVEYS = "readiness_surveys"
READINESS_IMPROVEMENT = "readiness_improvement"
SOURCES.register(READINESS_SURVEYS, _("Measurement Assurance Program: readiness surveys done"))
SOURCES.register(
    READINESS_IMPROVEMENT, _("Measurement Assurance Program: average improvement of the readiness score")
)


@calculator(
    READINESS_SURVEYS,
    COUNT,
    _("Number of completed readiness surveys of the plan's province's enterprises, dated in the period."),
)
def readiness_surveys(target, start, end):
    from .readiness import province_progress

    return _d(province_progress(target.plan.province_id, start, end)["surveys"])


@calculator(
    READINESS_IMPROVEMENT,
    LEVEL,
    _(
        "Average change of the readiness score (points out of 100) of the province's enterprises surveyed again "
        "in the period: each one's latest completed survey of the period against its previous survey."
    ),
)
def readiness_improvement(target, start, end):
    from .readiness import province_progress

    return province_progress(target.plan.province_id, start, end)["average_delta"]


def migrate_engagements(engagement_model=MapEngagement, support_model=SupportActivity) -> int:
    """Copy every `MapEngagement` not yet copied into a `SupportActivity` (province, date, title, organiser,
    beneficiary, kind, targets, notes; the link kept). Idempotent; returns the number copied. The data migration
    calls it with the historical models."""
    done = 0
    copied = set(support_model.objects.exclude(engagement=None).values_list("engagement_id", flat=True))
    for e in engagement_model.objects.exclude(pk__in=copied).order_by("pk"):
        row = support_model(
            province_id=e.province_id,
            date=e.date,
            title=e.title,
            organiser_id=e.organiser_id,
            beneficiary_id=e.beneficiary_id,
            kind=FROM_MAP_KIND.get(e.kind, SupportKind.CALIBRATION_SUPPORT),
            notes=e.notes,
            engagement_id=e.pk,
            search_text=getattr(e, "search_text", ""),
        )
        row.save()
        row.targets.set(e.targets.all())
        done += 1
    return done
