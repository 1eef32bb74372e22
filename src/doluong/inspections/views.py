"""The inspections app's surfaces: every model's list, detail, edit and API through core.surface."""

from __future__ import annotations

import django_tables2 as tables
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doluong.core.api import make_serializer
from doluong.core.filtersets import BaseFilterSet
from doluong.core.forms import BaseModelForm
from doluong.core.surface import Related, Surface, scoped_rows
from doluong.core.tables import BaseTable, RowLinkColumn
from doluong.core.text import fold
from doluong.metrology.inspection import vn_number

from .models import (
    VN_NUMBER_FIELDS,
    Campaign,
    Complaint,
    Correction,
    Finding,
    Inspection,
    InstrumentCheck,
    LimitRule,
    Photo,
    PrepackageLot,
    Remedy,
    RiskWeights,
    SanctionProvision,
    Signature,
    Site,
    TargetSite,
    check_kind_for,
    commune_ceiling,
)


class VnNumberColumn(tables.Column):
    """A numeric column written as the app's PDFs write it (models.VN_NUMBER_FIELDS: "12.500", "0,347"); an
    export keeps the plain value."""

    def render(self, value):
        return vn_number(value)

    def value(self, value, record=None, **kwargs):
        return value


def _parts(model, first, columns, form_fields, filters):
    meta = type("Meta", (BaseTable.Meta,), {"model": model, "fields": [first, *columns]})
    numbers = {name: VnNumberColumn() for name in columns if name in VN_NUMBER_FIELDS.get(model, ())}
    table = type(f"{model.__name__}Table", (BaseTable,), {first: RowLinkColumn(), **numbers, "Meta": meta})
    form_meta = type("Meta", (), {"model": model, "fields": form_fields})
    form = type(f"{model.__name__}Form", (BaseModelForm,), {"Meta": form_meta})

    names = {f.name for f in model._meta.get_fields()}
    texts = [
        n
        for n in dict.fromkeys([first, *columns, *form_fields])
        if n in names and model._meta.get_field(n).get_internal_type() in ("CharField", "TextField")
    ]

    def search(self, queryset, name, value):
        if "search_text" in names:
            return queryset.filter(search_text__contains=fold(value))
        # a model without the folded search column (signatures, photos, targets…): its text columns as typed
        q = Q()
        for text in texts:
            q |= Q(**{f"{text}__icontains": value})
        return queryset.filter(q) if texts else queryset.none()

    fs_meta = type("Meta", (), {"model": model, "fields": filters})
    filterset = type(f"{model.__name__}FilterSet", (BaseFilterSet,), {"Meta": fs_meta, "search": search})
    serializer = make_serializer(
        model, form_fields + [f for f in _computed(model)], read_only=_computed(model)
    )
    return dict(table=table, form=form, filterset=filterset, serializer=serializer)


def _computed(model):
    if model is InstrumentCheck:
        return ["error", "limit", "verdict", "rule", "explanation"]
    if model is PrepackageLot:
        return ["sample_size", "mean", "accepted", "explanation"]
    if model is Finding:
        return ["competent"]
    if model is Remedy:
        return ["due_date", "follow_up"]
    if model is Photo:
        return ["content_type", "sha256"]
    if model is Signature:
        return ["sha256"]
    if model is Correction:
        return ["author", "created"]
    if model is Inspection:
        return ["sealed_at", "sealed_by", "seal_hash"]
    if model is TargetSite:
        return [
            "campaign",
            "category",
            "site",
            "organisation",
            "name",
            "commune",
            "province",
            "rank",
            "score",
            "violations",
            "bad_certificates",
            "complaints",
            "instruments",
            "last_visit",
            "days_used",
            "reference_day",
            "weights",
        ]
    if model is Complaint:
        return [
            "commune",
            "province",
            "certificate_number",
            "instrument",
            "place",
            "text",
            "contact",
            "created",
        ]
    return []


_REF = ["effective_from", "effective_to", "legal_basis", "article", "source_url", "confidence"]

limit_rule = Surface(
    model=LimitRule,
    basename="limitrule",
    route="limit-rules",
    namespace="inspections",
    nav_group="inspections",
    nav_order=80,
    **_parts(
        LimitRule,
        "code",
        ["instrument_kind", "factor", "effective_from", "effective_to", "legal_basis"],
        ["code", "instrument_kind", "description", "factor", *_REF],
        ["instrument_kind"],
    ),
)
sanction = Surface(
    model=SanctionProvision,
    basename="sanctionprovision",
    route="sanctions",
    namespace="inspections",
    nav_group="inspections",
    nav_order=90,
    # the confidence notes of the source table are English research notes: kept in the row (API, export), not shown
    detail_fields=[
        "code",
        "behaviour",
        "article",
        "fine_min",
        "fine_max",
        "subject_note",
        "remedy",
        "legal_basis",
        "source_url",
        "effective_from",
        "effective_to",
    ],
    **_parts(
        SanctionProvision,
        "code",
        ["article", "fine_min", "fine_max", "effective_from"],
        ["code", "behaviour", "fine_min", "fine_max", "subject_note", "remedy", *_REF],
        [],
    ),
)
campaign = Surface(
    model=Campaign,
    basename="campaign",
    route="campaigns",
    namespace="inspections",
    nav_group="inspections",
    nav_order=10,
    select_related=["province", "commune"],
    detail_template="inspections/campaign_detail.html",
    related=[Related(_("Inspections"), scoped_rows(Inspection, campaign=lambda o: o))],
    **_parts(
        Campaign,
        "title",
        ["year", "kind", "province", "commune", "start_date", "end_date", "leader_name"],
        [
            "province",
            "commune",
            "kind",
            "year",
            "title",
            "objects_inspected",
            "content",
            "start_date",
            "end_date",
            "leader_name",
            "leader_training",
            "members",
        ],
        ["kind", "year"],
    ),
)
site = Surface(
    model=Site,
    basename="site",
    route="sites",
    namespace="inspections",
    nav_group="inspections",
    nav_order=20,
    select_related=["commune__province", "province", "operator", "parent"],
    **_parts(
        Site,
        "name",
        ["kind", "parent", "commune", "address"],
        ["kind", "name", "parent", "operator", "address", "commune", "latitude", "longitude"],
        ["kind"],
    ),
)
inspection = Surface(
    model=Inspection,
    basename="inspection",
    route="inspections",
    namespace="inspections",
    nav_group="inspections",
    nav_order=30,
    select_related=["campaign", "site"],
    detail_template="inspections/inspection_detail.html",
    extra_context=lambda obj, request: _inspection_context(obj, request),
    detail_fields=[
        "campaign",
        "site",
        "date",
        "inspector",
        "person_present",
        "notes",
        "follow_up_of",
        "sealed_at",
        "sealed_by",
        "seal_hash",
    ],
    related=[
        Related(_("Instrument checks"), scoped_rows(InstrumentCheck, inspection=lambda o: o)),
        Related(_("Pre-packaged lots"), scoped_rows(PrepackageLot, inspection=lambda o: o)),
        Related(_("Findings"), scoped_rows(Finding, inspection=lambda o: o)),
        Related(_("Photos"), scoped_rows(Photo, inspection=lambda o: o)),
        Related(_("Signatures drawn on the screen"), scoped_rows(Signature, inspection=lambda o: o)),
        Related(_("Corrections"), scoped_rows(Correction, inspection=lambda o: o)),
        Related(_("Follow-up inspections"), scoped_rows(Inspection, follow_up_of=lambda o: o)),
    ],
    **_parts(
        Inspection,
        "id",
        ["date", "site", "campaign", "inspector", "follow_up_of", "sealed_at"],
        ["campaign", "site", "date", "inspector", "person_present", "notes", "follow_up_of"],
        ["campaign"],
    ),
)


def _check_form(base):
    """The instrument check's form: a new check of a registered instrument (``?instrument=<pk>``) starts with
    the kind of its type (models.check_kind_for); left empty, the save fills it the same way."""

    class InstrumentCheckForm(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.is_bound or self.initial.get("kind") or (self.instance and self.instance.pk):
                return
            pk, field = str(self.initial.get("instrument") or ""), self.fields.get("instrument")
            if field is None or not pk.isdigit():
                return
            # the form's own choices: an instrument the user may not pick gives no default either
            inst = field.queryset.filter(pk=int(pk)).select_related("instrument_type").first()
            if inst is not None:
                self.initial["kind"] = check_kind_for(inst)

    InstrumentCheckForm.__name__ = base.__name__
    return InstrumentCheckForm


_check_parts = _parts(
    InstrumentCheck,
    "id",
    ["inspection", "kind", "instrument", "found_unregistered", "error", "limit", "verdict", "rule"],
    [
        "inspection",
        "instrument",
        "found_unregistered",
        "kind",
        "stamp_ok",
        "certificate_ok",
        "seal_ok",
        "accuracy_class",
        "e",
        "max_capacity",
        "reference",
        "indicated",
        "dispenser_mpe_percent",
        "notes",
        "location_status",
        "latitude",
        "longitude",
        "location_accuracy",
        "located_at",
        "location_note",
    ],
    ["kind", "verdict"],
)
_check_parts["form"] = _check_form(_check_parts["form"])

check = Surface(
    model=InstrumentCheck,
    basename="instrumentcheck",
    route="checks",
    namespace="inspections",
    nav_group="inspections",
    nav_order=40,
    select_related=["inspection", "instrument", "rule"],
    # the form's fields, then what the save computed: the error, the limit, the verdict and its rule version
    detail_fields=[*_check_parts["form"]._meta.fields, "error", "limit", "verdict", "rule", "explanation"],
    **_check_parts,
)

lot = Surface(
    model=PrepackageLot,
    basename="prepackagelot",
    route="lots",
    namespace="inspections",
    nav_group="inspections",
    nav_order=50,
    select_related=["inspection"],
    detail_template="inspections/lot_detail.html",
    detail_fields=[
        "inspection",
        "product",
        "place",
        "quantity_kind",
        "unit",
        "nominal",
        "lot_size",
        "sample",
        "sample_size",
        "mean",
        "accepted",
        "explanation",
    ],
    **_parts(
        PrepackageLot,
        "product",
        ["inspection", "nominal", "unit", "lot_size", "sample_size", "accepted"],
        ["inspection", "product", "place", "quantity_kind", "unit", "nominal", "lot_size", "sample"],
        ["place"],
    ),
)


def _inspection_context(obj, request):
    from doluong.core.scope import CHANGE

    can = Inspection.objects.restrict(request.user, CHANGE).filter(pk=obj.pk).exists()
    return {"can_seal": can and not obj.is_sealed}


def _finding_context(obj, request):
    rows = []
    ceiling = None
    if obj.inspection_id:
        ceiling_ind = commune_ceiling(obj.inspection.date, "individual")
        ceiling_org = commune_ceiling(obj.inspection.date, "organisation")
        ceiling = {"individual": ceiling_ind, "organisation": ceiling_org}
    from .legal_words import vi_legal

    for p in obj.candidates():
        p.behaviour_shown = vi_legal(p.behaviour)
        rows.append(p)
    return {"candidates": rows, "ceiling": ceiling}


finding = Surface(
    model=Finding,
    basename="finding",
    route="findings",
    namespace="inspections",
    nav_group="inspections",
    nav_order=45,
    select_related=["inspection", "instrument_check", "lot", "provision"],
    detail_template="inspections/finding_detail.html",
    extra_context=_finding_context,
    related=[Related(_("Remedial measures"), scoped_rows(Remedy, finding=lambda o: o))],
    detail_fields=[
        "inspection",
        "instrument_check",
        "lot",
        "code",
        "description",
        "offender",
        "provision",
        "sanction",
        "proposed_fine",
        "competent",
        "legal_officer",
        "confirmed_on",
    ],
    **_parts(
        Finding,
        "id",
        ["inspection", "code", "provision", "sanction", "proposed_fine", "competent", "confirmed_on"],
        [
            "inspection",
            "instrument_check",
            "lot",
            "code",
            "description",
            "offender",
            "provision",
            "sanction",
            "proposed_fine",
            "legal_officer",
            "confirmed_on",
        ],
        ["code", "sanction"],
    ),
)
remedy = Surface(
    model=Remedy,
    basename="remedy",
    route="remedies",
    namespace="inspections",
    nav_group="inspections",
    nav_order=46,
    select_related=["finding", "follow_up"],
    detail_fields=["finding", "kind", "days", "due_date", "follow_up", "completed_on", "notes"],
    **_parts(
        Remedy,
        "id",
        ["finding", "kind", "due_date", "follow_up", "completed_on"],
        ["finding", "kind", "days", "notes", "completed_on"],
        ["kind"],
    ),
)


class PhotoForm(
    _parts(
        Photo,
        "caption",
        [],
        ["inspection", "instrument_check", "caption", "file", "taken_at", "latitude", "longitude"],
        [],
    )["form"]
):
    upload_kinds = {"file": "attachment"}


photo = Surface(
    model=Photo,
    basename="photo",
    route="photos",
    namespace="inspections",
    nav_group="inspections",
    nav_order=47,
    select_related=["inspection"],
    can_import=False,
    detail_fields=[
        "inspection",
        "instrument_check",
        "caption",
        "file",
        "content_type",
        "sha256",
        "taken_at",
        "latitude",
        "longitude",
    ],
    **{
        **_parts(
            Photo,
            "caption",
            ["inspection", "instrument_check", "content_type", "taken_at"],
            ["inspection", "instrument_check", "caption", "file", "taken_at", "latitude", "longitude"],
            [],
        ),
        "form": PhotoForm,
    },
)


class SignatureForm(
    _parts(Signature, "signer", [], ["inspection", "role", "signer", "signed_at", "image"], [])["form"]
):
    upload_kinds = {"image": "attachment"}


signature = Surface(
    model=Signature,
    basename="signature",
    route="signatures",
    namespace="inspections",
    nav_group="inspections",
    nav_order=47,
    select_related=["inspection"],
    can_import=False,
    detail_fields=["inspection", "role", "signer", "signed_at", "image", "sha256"],
    **{
        **_parts(
            Signature,
            "signer",
            ["inspection", "role", "signed_at"],
            ["inspection", "role", "signer", "signed_at", "image"],
            ["role"],
        ),
        "form": SignatureForm,
    },
)
correction = Surface(
    model=Correction,
    basename="correction",
    route="corrections",
    namespace="inspections",
    nav_group="inspections",
    nav_order=48,
    select_related=["inspection"],
    detail_fields=["inspection", "text", "reason", "author", "created"],
    **_parts(Correction, "id", ["inspection", "author", "created"], ["inspection", "text", "reason"], []),
)

complaint = Surface(
    model=Complaint,
    basename="complaint",
    route="complaints",
    namespace="inspections",
    nav_group="inspections",
    nav_order=60,
    select_related=["commune", "province", "instrument"],
    can_import=False,
    detail_fields=[
        "commune",
        "province",
        "certificate_number",
        "instrument",
        "place",
        "text",
        "contact",
        "status",
        "handling",
        "created",
    ],
    **_parts(
        Complaint,
        "place",
        ["commune", "status", "created"],
        ["status", "handling"],
        ["status"],
    ),
)

risk_weights = Surface(
    model=RiskWeights,
    basename="riskweights",
    route="risk-weights",
    namespace="inspections",
    nav_group="inspections",
    nav_order=95,
    **_parts(
        RiskWeights,
        "code",
        ["valid_from", "violation", "certificate", "complaint", "instrument", "year_since_visit", "days_cap"],
        [
            "code",
            "valid_from",
            "violation",
            "certificate",
            "complaint",
            "instrument",
            "year_since_visit",
            "days_cap",
            "source",
        ],
        [],
    ),
)
target = Surface(
    model=TargetSite,
    basename="targetsite",
    route="targets",
    namespace="inspections",
    nav_group="inspections",
    nav_order=15,
    select_related=["campaign", "commune", "site", "organisation", "weights"],
    can_import=False,
    **_parts(
        TargetSite,
        "name",
        ["campaign", "rank", "score", "category", "commune", "last_visit"],
        [],
        ["category"],
    ),
)

SURFACES = [
    campaign,
    site,
    inspection,
    check,
    lot,
    finding,
    remedy,
    photo,
    signature,
    correction,
    complaint,
    limit_rule,
    sanction,
    risk_weights,
    target,
]
