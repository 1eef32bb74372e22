"""The coverage app's surfaces (formula versions, provider capacities, survey estimates, frozen reports), the public
coverage pages with their formulas, and the what-if page of the province's officer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doluong.core.access import acting_scopes
from doluong.core.dates import today
from doluong.core.scope import ADD, principal
from doluong.core.surface import Surface, nav_link
from doluong.geo.models import Commune, Province
from doluong.parties.choices import OrganisationKind
from doluong.parties.models import Organisation
from doluong.registry.models import InstrumentType

from . import data, filtersets, forms, formula, snapshot, tables
from . import map as coverage_map
from .api import serializers
from .models import CoverageReport, FormulaVersion, ProviderCapacity, SurveyEstimate

COMMON = {"namespace": "coverage", "nav_group": "coverage"}


def _report_context(report, request):
    again = report.recompute()
    return {
        "figures": _labelled(report.figures, report.province_id),
        "reproduced": again == report.figures,
        "version": report.formula_version,
    }


formula_version = Surface(
    model=FormulaVersion,
    filterset=filtersets.FormulaVersionFilterSet,
    table=tables.FormulaVersionTable,
    form=forms.FormulaVersionForm,
    serializer=serializers.FormulaVersionSerializer,
    basename="formulaversion",
    route="formula-versions",
    nav_order=40,
    **COMMON,
)
provider_capacity = Surface(
    model=ProviderCapacity,
    filterset=filtersets.ProviderCapacityFilterSet,
    table=tables.ProviderCapacityTable,
    form=forms.ProviderCapacityForm,
    serializer=serializers.ProviderCapacitySerializer,
    basename="providercapacity",
    route="capacities",
    nav_order=20,
    select_related=["scope_line__registration__organisation", "scope_line__instrument_type"],
    **COMMON,
)
survey_estimate = Surface(
    model=SurveyEstimate,
    filterset=filtersets.SurveyEstimateFilterSet,
    table=tables.SurveyEstimateTable,
    form=forms.SurveyEstimateForm,
    serializer=serializers.SurveyEstimateSerializer,
    basename="surveyestimate",
    route="survey-estimates",
    nav_order=30,
    select_related=["province", "commune", "instrument_type"],
    **COMMON,
)
coverage_report = Surface(
    model=CoverageReport,
    filterset=filtersets.CoverageReportFilterSet,
    table=tables.CoverageReportTable,
    form=forms.CoverageReportForm,
    serializer=serializers.CoverageReportSerializer,
    basename="coveragereport",
    route="reports",
    nav_order=10,
    select_related=["province", "formula_version"],
    detail_fields=[
        "province",
        "year",
        "data_date",
        "formula_version",
        "capability_percent",
        "realised_percent",
        "notes",
    ],
    detail_template="coverage/report_detail.html",
    extra_context=_report_context,
    can_import=False,
    **COMMON,
)

nav_link("coverage", _("Coverage by province"), "coverage_public:index", order=5)


# ------------------------------------------------------------------------------------------- pages


def _labelled(figures: dict, province_id: str) -> dict:
    """The figures with commune names and field labels in place of their codes (for the pages)."""
    from doluong.registry.choices import Field

    communes = dict(Commune.objects.filter(province_id=province_id).values_list("code", "name"))
    fields = dict(Field.choices)
    out = {}
    for key, result in figures.items():
        result = dict(result)
        result["by_commune"] = [
            {**row, "label": communes.get(row["key"]) or gettext("(no commune)")}
            for row in result["by_commune"]
        ]
        result["by_field"] = [
            {**row, "label": str(fields.get(row["key"], row["key"]))} for row in result["by_field"]
        ]
        result["flag_texts"] = [_flag_text(f) for f in result.get("flags", [])]
        out[key] = result
    return out


def _flag_text(flag: dict) -> str:
    if flag.get("code") == "unknown_cycle":
        return gettext("Unknown cycle: %(count)s instruments of “%(type)s” give no demand.") % flag
    if flag.get("code") == "no_fee":
        return gettext("No fee for %(count)s instrument types: no figures by fee value.") % flag
    return str(flag)


def _province(code: str) -> Province:
    try:
        return Province.objects.get(pk=code)
    except Province.DoesNotExist as exc:
        raise Http404 from exc


def _may_plan(user, province_id: str) -> bool:
    """Whether `user` manages the province's coverage (may make its reports): the what-if is theirs."""
    if principal(user).is_admin:
        return True
    return any(scope.province_id == province_id for scope, _grant in acting_scopes(user, CoverageReport, ADD))


def index(request):
    day = today()
    ids = snapshot.provinces()
    snaps = snapshot.usable(ids, day)
    names = Province.objects.in_bulk(ids)
    rows = [
        {"province": names[pk], **data.current(pk, day, snapshot=snaps.get(pk))} for pk in ids if pk in names
    ]
    return render(
        request,
        "coverage/index.html",
        {"rows": rows, "day": day, "versions": FormulaVersion.objects.all(), "doc": formula.__doc__},
    )


def province_page(request, code):
    province = _province(code)
    figures = data.current(
        province.pk, today(), snapshot=snapshot.usable([province.pk], today()).get(province.pk)
    )
    return render(
        request,
        "coverage/province.html",
        {
            "province": province,
            "day": figures["day"],
            "as_of": figures["as_of"],
            "version": figures["version"],
            "figures": _labelled({k: figures[k] for k in ("capability", "realised")}, province.pk),
            "doc": formula.__doc__,
            "may_plan": _may_plan(request.user, province.pk),
            "map": coverage_map.points(province.pk, figures["capability"]),
            "map_labels": {
                "demand": gettext("Annual demand"),
                "covered": gettext("Covered"),
                "provider": gettext("Provider"),
            },
        },
    )


class WhatIfError(ValueError):
    pass


def _what_if_input(post, province_id) -> formula.Capacity:
    try:
        provider = Organisation.objects.get(pk=int(post.get("provider") or 0))
    except (ValueError, Organisation.DoesNotExist) as exc:
        raise WhatIfError(gettext("Choose a provider.")) from exc
    if not provider.is_provider:
        raise WhatIfError(gettext("%(name)s is not a service provider.") % {"name": provider})
    try:
        type_ = InstrumentType.objects.get(pk=int(post.get("instrument_type") or 0))
    except (ValueError, InstrumentType.DoesNotExist) as exc:
        raise WhatIfError(gettext("Choose an instrument type.")) from exc
    raw = (post.get("capacity") or "").strip()
    try:
        capacity = int(raw) if raw else None
    except ValueError as exc:
        raise WhatIfError(gettext("The capacity is a whole number of services a year.")) from exc
    if capacity is not None and not 0 <= capacity <= 10_000_000:
        raise WhatIfError(gettext("The capacity is a whole number of services a year."))
    return formula.Capacity(f"what-if:{provider.pk}", type_.code, capacity)


@login_required
def what_if(request, code):
    province = _province(code)
    if not _may_plan(request.user, province.pk):
        raise PermissionDenied
    day = today()
    snap = snapshot.usable([province.pk], day).get(province.pk)
    before = data.current(province.pk, day, snapshot=snap)
    after, error, added = None, "", None
    if request.method == "POST":
        try:
            added = _what_if_input(request.POST, province.pk)
        except WhatIfError as exc:
            error = str(exc)
        else:
            after = data.current(province.pk, day, [added], snapshot=snap)
    return render(
        request,
        "coverage/what_if.html",
        {
            "province": province,
            "before": before,
            "after": after,
            "error": error,
            "post": request.POST,
            "providers": Organisation.objects.filter(kind__in=OrganisationKind.providers(), is_active=True)
            .select_related("province")
            .order_by("province_id", "name"),
            "types": InstrumentType.objects.order_by("list_order", "code"),
        },
        status=400 if error else 200,
    )


SURFACES = [coverage_report, provider_capacity, survey_estimate, formula_version]
