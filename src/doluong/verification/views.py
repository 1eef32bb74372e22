"""Surfaces of the verification app, and the pages that go through its actions: record a verification, issue,
revoke, download (PDF, DOCX, ZIP), rotate signing keys."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from doluong.core.scope import CHANGE, VIEW, principal
from doluong.core.surface import Related, Surface
from doluong.documents import qr

from . import actions, documents, filtersets, forms, signing, tables
from .api import serializers
from .api.views import CertificateApiMixin, ReadOnlyApiMixin, RecordApiMixin, safe_name
from .choices import RecordKind, Result
from .models import (
    BatchJob,
    Certificate,
    CertificateSettings,
    MeasurementPoint,
    SigningKey,
    ValidityRule,
    VerificationRecord,
)

ZIP_LIMIT = 500


@dataclass
class VerificationSurface(Surface):
    """A Surface whose API viewset gets the app's own create/action methods (`extra["api_mixin"]`)."""

    def api_viewset(self):
        base = super().api_viewset()
        mixin = self.extra.get("api_mixin")
        if mixin is None:
            return base
        viewset = type(base.__name__, (mixin, base), {})
        viewset.surface = self
        return viewset


def _record_context(obj, request):
    user = request.user
    cert = Certificate.objects.filter(record=obj).first()
    can_change = obj.permits(user, CHANGE)
    can_issue = cert is None and obj.result != Result.FAILED and can_change and not obj.is_voided
    return {
        "points": obj.points.all(),
        "standard_links": obj.standard_links.select_related("standard"),
        "certificate": cert if cert and cert.permits(user, VIEW) else None,
        "can_issue": can_issue,
        "issue_form": forms.IssueForm() if can_issue else None,
        "can_void": can_change and not obj.is_voided,
        "void_form": forms.VoidForm(),
        "can_delete": False,  # numbered: voided with a reason, never deleted
    }


def _certificate_context(obj, request):
    user = request.user
    can_change = obj.permits(user, CHANGE)
    return {
        "can_delete": False,
        "statements": obj.statements.select_related("key").order_by("sequence"),
        "can_reinstate": can_change and obj.status == "revoked" and not obj.record.is_voided,
        "reinstate_form": forms.RevokeForm(),
        "genuine": signing.verify_certificate(obj),
        "qr_svg": qr.qr_svg(obj.public_url(), scale=3),
        "public_url": obj.public_url(),
        "can_revoke": can_change and obj.status != "revoked",
        "revoke_form": forms.RevokeForm(),
        "points": documents._points(obj.snapshot.get("points", [])),
        "has_dcc": _dcc_available() and obj.kind == RecordKind.CALIBRATION,
    }


def _dcc_available() -> bool:
    try:
        from . import dcc  # noqa: F401
    except ImportError:
        return False
    return True


def _docx_help() -> str:
    return _(
        "Write them as %(var)s in the Word document; the results table repeats one row between %(start)s and "
        "%(end)s. A template that uses another name is refused."
    ) % {"var": "{{ name }}", "start": "{%tr for p in points %}", "end": "{%tr endfor %}"}


def _certificate_actions(request):
    links = []
    query = request.GET.urlencode()
    links.append(
        {
            "title": _("Download all (ZIP)"),
            "url": reverse("verification:certificate_zip") + (f"?{query}" if query else ""),
        }
    )
    if forms.providers_for(request.user, CHANGE).exists():
        links.append({"title": _("Batch issue from Excel"), "url": reverse("verification:batchjob_add")})
    return links


def _record_actions(request):
    if forms.providers_for(request.user, CHANGE).exists():
        return [{"title": _("Batch issue from Excel"), "url": reverse("verification:batchjob_add")}]
    return []


record = VerificationSurface(
    model=VerificationRecord,
    filterset=filtersets.VerificationRecordFilterSet,
    table=tables.VerificationRecordTable,
    form=forms.VerificationRecordForm,
    serializer=serializers.VerificationRecordSerializer,
    namespace="verification",
    basename="record",
    route="records",
    nav_group="verification",
    nav_order=10,
    select_related=[
        "instrument__instrument_type",
        "standard",
        "owner",
        "provider",
        "verifier__person",
        "province",
    ],
    prefetch_related=["points", "standards"],
    detail_fields=[
        "number",
        "kind",
        "instrument",
        "standard",
        "owner",
        "provider",
        "verifier",
        "performed_on",
        "place",
        "procedure",
        "accuracy_class",
        "mpe_rule",
        "mpe_params",
        "temperature",
        "humidity",
        "environment_notes",
        "visual_check_passed",
        "technical_check_passed",
        "result",
        "reviewer_name",
        "notes",
    ],
    export_fields=[
        "number",
        "kind",
        "instrument",
        "standard",
        "owner",
        "provider",
        "verifier",
        "performed_on",
        "place",
        "procedure",
        "result",
        "reviewer_name",
        "notes",
    ],
    can_import=False,
    detail_template="verification/record_detail.html",
    extra_context=_record_context,
    extra={"api_mixin": RecordApiMixin},
    list_links=_record_actions,
)
point = VerificationSurface(
    model=MeasurementPoint,
    filterset=filtersets.MeasurementPointFilterSet,
    table=tables.MeasurementPointTable,
    form=forms.MeasurementPointForm,
    serializer=serializers.MeasurementPointSerializer,
    namespace="verification",
    basename="point",
    route="points",
    nav_group=None,
    select_related=["record__instrument__instrument_type", "record__standard"],
    detail_fields=serializers.POINT_FIELDS,
    export_fields=serializers.POINT_FIELDS,
    can_import=False,
    extra={"api_mixin": ReadOnlyApiMixin},
)
certificate = VerificationSurface(
    model=Certificate,
    filterset=filtersets.CertificateFilterSet,
    table=tables.CertificateTable,
    form=forms.CertificateForm,
    serializer=serializers.CertificateSerializer,
    namespace="verification",
    basename="certificate",
    route="certificates",
    nav_group="verification",
    nav_order=20,
    select_related=[
        "record__instrument__instrument_type",
        "record__standard",
        "owner",
        "provider",
        "key",
        "superseded_by",
    ],
    detail_fields=[
        "number",
        "kind",
        "record",
        "instrument",
        "standard",
        "owner",
        "provider",
        "verified_on",
        "issued_on",
        "valid_until",
        "stamp_number",
        "status",
        "status_reason",
        "status_changed_on",
        "superseded_by",
        "key",
        "notes",
    ],
    export_fields=[
        "number",
        "kind",
        "instrument",
        "standard",
        "owner",
        "provider",
        "verified_on",
        "issued_on",
        "valid_until",
        "stamp_number",
        "status",
        "status_reason",
    ],
    can_import=False,
    detail_template="verification/certificate_detail.html",
    extra_context=_certificate_context,
    extra={"api_mixin": CertificateApiMixin},
    list_links=_certificate_actions,
)
batch_job = VerificationSurface(
    model=BatchJob,
    filterset=filtersets.BatchJobFilterSet,
    table=tables.BatchJobTable,
    form=forms.BatchJobForm,
    serializer=serializers.BatchJobSerializer,
    namespace="verification",
    basename="batchjob",
    route="batch-jobs",
    nav_group="verification",
    nav_order=30,
    select_related=["provider", "created_by"],
    detail_fields=[
        "file_name",
        "provider",
        "created_by",
        "status",
        "total",
        "issued",
        "failed_records",
        "finished_at",
    ],
    export_fields=["file_name", "provider", "status", "total", "issued", "failed_records", "finished_at"],
    can_import=False,
    detail_template="verification/batchjob_detail.html",
    extra_context=lambda obj, request: {
        "progress": __import__("doluong.verification.batch", fromlist=["x"]).progress(obj)
    },
    extra={"api_mixin": ReadOnlyApiMixin},
)
validity_rule = VerificationSurface(
    model=ValidityRule,
    filterset=filtersets.ValidityRuleFilterSet,
    table=tables.ValidityRuleTable,
    form=forms.ValidityRuleForm,
    serializer=serializers.ValidityRuleSerializer,
    namespace="verification",
    basename="validityrule",
    route="validity-rules",
    nav_group="verification",
    nav_order=50,
    select_related=["provider", "instrument_type"],
)
settings_surface = VerificationSurface(
    model=CertificateSettings,
    filterset=filtersets.CertificateSettingsFilterSet,
    table=tables.CertificateSettingsTable,
    form=forms.CertificateSettingsForm,
    serializer=serializers.CertificateSettingsSerializer,
    namespace="verification",
    basename="certificatesettings",
    route="settings",
    nav_group="verification",
    nav_order=60,
    select_related=["provider"],
    import_fields=[
        "provider",
        "number_pattern",
        "number_digits",
        "record_pattern",
        "parent_body",
        "place_name",
        "head_title",
        "head_name",
    ],
    detail_fields=[
        "provider",
        "number_pattern",
        "number_digits",
        "record_pattern",
        "parent_body",
        "place_name",
        "head_title",
        "head_name",
        "docx_template",
        "pades_certificate",
    ],
    detail_template="verification/settings_detail.html",
    extra_context=lambda obj, request: {"docx_fields": documents.DOCX_FIELDS, "docx_help": _docx_help()},
)
signing_key = VerificationSurface(
    model=SigningKey,
    filterset=filtersets.SigningKeyFilterSet,
    table=tables.SigningKeyTable,
    form=forms.SigningKeyForm,
    serializer=serializers.SigningKeySerializer,
    namespace="verification",
    basename="signingkey",
    route="signing-keys",
    nav_group="verification",
    nav_order=70,
    select_related=["provider"],
    detail_fields=["provider", "key_id", "public_key", "activated_on", "retired_on"],
    export_fields=["provider", "key_id", "public_key", "activated_on", "retired_on"],
    can_import=False,
    related=[
        Related(
            gettext_lazy("Certificates signed with this key"),
            lambda obj, user: Certificate.objects.restrict(user).filter(key=obj),
        )
    ],
    detail_template="verification/signingkey_detail.html",
    extra_context=lambda obj, request: {
        "can_rotate": principal(request.user).is_admin,
        "can_change": False,
        "can_delete": False,
        "trusted": signing.key_trusted(obj),
    },
    extra={"api_mixin": ReadOnlyApiMixin},
    list_links=lambda request: (
        [{"title": _("Make a signing key"), "url": reverse("verification:signingkey_rotate")}]
        if principal(request.user).is_admin
        else []
    ),
)

SURFACES = [record, certificate, batch_job, validity_rule, settings_surface, signing_key, point]


# ------------------------------------------------------------------------------------------------ pages


def _get(model, user, pk, action=VIEW):
    try:
        return model.objects.restrict(user, action).get(pk=pk)
    except (model.DoesNotExist, ValueError, ValidationError):
        raise Http404(_("No such record, or you may not see it.")) from None


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _point_rows_from(data, prefix: str = "points") -> list[dict]:
    """The rows as posted (to show them again with more empty rows, nothing saved)."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 60)
    except ValueError:
        total = 0
    names = list(forms.PointForm.base_fields)
    rows = [{n: data.get(f"{prefix}-{i}-{n}", "") for n in names} for i in range(total)]
    return [row for row in rows if any(row.values())]


@login_required
def record_add(request):
    """Record a verification: the record, its standards and its results table, validated by the action.

    GET (with `?instrument=<id>` from the instrument's page) shows the form with the choices valid on the day
    for the instrument's type and the preset points of its MPE rule; the page asks it again (htmx, site.js) when
    the instrument, the provider or the date changes. POST with `more_rows` shows the same form with three more
    empty rows (no JavaScript needed); any other POST saves through the action."""
    if not forms.providers_for(request.user).exists():
        raise PermissionDenied(_("You may not record verifications."))
    errors: list[str] = []
    if request.method == "POST" and "more_rows" in request.POST:
        initial = {k: v for k, v in request.POST.items() if not k.startswith("points-")}
        initial["standards"] = request.POST.getlist("standards")
        form = forms.RecordCreateForm(user=request.user, initial=initial)
        rows = _point_rows_from(request.POST)
        points = forms.point_formset(forms.BLANK_ROWS)(prefix="points", initial=rows)
    elif request.method == "POST":
        form = forms.RecordCreateForm(request.POST, user=request.user)
        points = forms.PointFormSet(request.POST, prefix="points")
        if form.is_valid() and points.is_valid():
            data = form.cleaned_data
            rows = [p.as_point() for p in points if not p.is_blank()]
            instrument = data["instrument"]
            try:
                rec = actions.do_record_verification(
                    user=request.user,
                    kind=data["kind"],
                    provider=data["provider"],
                    instrument=instrument,
                    standard=data["standard"],
                    verifier=data["verifier"],
                    performed_on=data["performed_on"],
                    standards=list(data["standards"]),
                    points=rows,
                    place=data["place"],
                    procedure=data["procedure"],
                    accuracy_class=data["accuracy_class"] or None,
                    mpe_params=data["mpe_params"],
                    temperature=data["temperature"],
                    humidity=data["humidity"],
                    environment_notes=data["environment_notes"],
                    visual_check_passed=data["visual_check_passed"],
                    technical_check_passed=data["technical_check_passed"],
                    reviewer_name=data["reviewer_name"],
                    notes=data["notes"],
                )
            except ValidationError as exc:
                errors = _messages(exc)
            except PermissionDenied as exc:
                errors = [str(exc)]
            else:
                messages.success(request, _("Recorded %(number)s.") % {"number": rec.number})
                return HttpResponseRedirect(rec.get_absolute_url())
    else:
        initial = {k: v for k, v in request.GET.items() if k in forms.RecordCreateForm.base_fields}
        if request.GET.get("instrument_text"):
            initial["instrument_text"] = request.GET["instrument_text"]
        form = forms.RecordCreateForm(user=request.user, initial=initial or None)
        rows = form.preset_points()
        extra = forms.EXTRA_ROWS if rows else forms.BLANK_ROWS
        points = forms.point_formset(extra)(prefix="points", initial=rows)
    form.guide()
    return render(
        request,
        "verification/record_add.html",
        {"form": form, "points": points, "errors": errors, "surface": record},
    )


@login_required
@require_POST
def record_issue(request, pk):
    rec = _get(VerificationRecord, request.user, pk)
    form = forms.IssueForm(request.POST)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
        return HttpResponseRedirect(rec.get_absolute_url())
    try:
        cert = actions.do_issue_certificate(
            rec,
            user=request.user,
            stamp_number=form.cleaned_data["stamp_number"],
            issued_on=form.cleaned_data["issued_on"],
        )
    except ValidationError as exc:
        for message in _messages(exc):
            messages.error(request, message)
        return HttpResponseRedirect(rec.get_absolute_url())
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(rec.get_absolute_url())
    messages.success(request, _("Issued certificate %(number)s.") % {"number": cert.number})
    return HttpResponseRedirect(cert.get_absolute_url())


@login_required
def record_pdf(request, pk):
    rec = _get(VerificationRecord, request.user, pk)
    return _download(documents.record_pdf(rec), f"bien-ban-{safe_name(rec.number)}.pdf", "application/pdf")


def _with_reason(request, obj, form_class, act, missing, done):
    """A POSTed state change that needs a reason (revoke, void, reinstate): the action, then back to the object
    with its Vietnamese message; a refusal leaves everything as it was."""
    form = form_class(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(missing)
        act(obj, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        for message in _messages(exc):
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return HttpResponseRedirect(obj.get_absolute_url())


@login_required
@require_POST
def certificate_revoke(request, pk):
    cert = _get(Certificate, request.user, pk)
    return _with_reason(
        request,
        cert,
        forms.RevokeForm,
        actions.do_revoke_certificate,
        _("Give the reason for revoking the certificate."),
        _("Certificate %(number)s is revoked.") % {"number": cert.number},
    )


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def certificate_pdf(request, pk):
    cert = _get(Certificate, request.user, pk)
    return _download(documents.certificate_pdf(cert), f"{safe_name(cert.number)}.pdf", "application/pdf")


@login_required
def certificate_docx(request, pk):
    cert = _get(Certificate, request.user, pk)
    try:
        content = documents.certificate_docx(cert)
    except ValidationError as exc:  # the provider's stored Word template is refused by the sandbox
        for message in _messages(exc):
            messages.error(request, message)
        return HttpResponseRedirect(cert.get_absolute_url())
    return _download(
        content,
        f"{safe_name(cert.number)}.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@login_required
def certificate_zip(request):
    """Every certificate of the (filtered) list as PDFs in one ZIP — an owner's whole file in one click."""
    queryset = certificate.queryset(request.user, VIEW)
    filterset = certificate.filterset(request.GET or None, queryset=queryset, request=request)
    queryset = filterset.qs if (not filterset.is_bound or filterset.is_valid()) else queryset.none()
    certs = list(queryset.order_by("-issued_on", "-pk")[: ZIP_LIMIT + 1])
    if len(certs) > ZIP_LIMIT:
        messages.error(
            request,
            _("More than %(limit)s certificates: narrow the list with the filters first.")
            % {"limit": ZIP_LIMIT},
        )
        return HttpResponseRedirect(certificate.list_url())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        seen: set[str] = set()
        for cert in certs:
            name = f"{safe_name(cert.number)}.pdf"
            if name in seen:
                name = f"{safe_name(cert.number)}-{cert.pk}.pdf"
            seen.add(name)
            archive.writestr(name, documents.certificate_pdf(cert, pades=False))
    return _download(buffer.getvalue(), "giay-chung-nhan.zip", "application/zip")


@login_required
def certificate_dcc(request, pk):
    cert = _get(Certificate, request.user, pk)
    if cert.kind != RecordKind.CALIBRATION or not _dcc_available():
        raise Http404(_("A DCC is made for calibration certificates only."))
    from .dcc_export import certificate_dcc_xml

    return _download(certificate_dcc_xml(cert), f"{safe_name(cert.number)}.dcc.xml", "application/xml")


@login_required
def docx_sample(request):
    return _download(
        documents.SAMPLE_DOCX.read_bytes(),
        "mau-giay-chung-nhan.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@login_required
@require_POST
def record_void(request, pk):
    rec = _get(VerificationRecord, request.user, pk)
    return _with_reason(
        request,
        rec,
        forms.VoidForm,
        actions.do_void_record,
        _("Give the reason for voiding the record."),
        _("Record %(number)s is voided.") % {"number": rec.number},
    )


@login_required
@require_POST
def certificate_reinstate(request, pk):
    cert = _get(Certificate, request.user, pk)
    return _with_reason(
        request,
        cert,
        forms.RevokeForm,
        actions.do_reinstate_certificate,
        _("Give the reason for reinstating the certificate."),
        _("Certificate %(number)s is valid again.") % {"number": cert.number},
    )


def _admin_only(request) -> None:
    if not principal(request.user).is_admin:
        raise PermissionDenied(_("Only an administrator may make, rotate or retire signing keys."))


@login_required
@require_POST
def retire_key(request, pk):
    _admin_only(request)
    key = _get(SigningKey, request.user, pk)
    try:
        actions.do_retire_signing_key(key, user=request.user)
    except ValidationError as exc:
        for message in _messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Signing key %(key)s is retired.") % {"key": key.key_id})
    return HttpResponseRedirect(key.get_absolute_url())


@login_required
def rotate_key(request):
    """A provider's first or next signing key: administrators only (a key change is an entry of the signed key
    history, endorsed by the site root key). GET shows the choice of provider."""
    _admin_only(request)
    if request.method != "POST":
        return render(
            request,
            "verification/signingkey_new.html",
            {"providers": forms.providers_for(request.user).order_by("name"), "surface": signing_key},
        )
    provider = forms.providers_for(request.user).filter(pk=request.POST.get("provider")).first()
    if provider is None:
        raise Http404(_("No such provider."))
    try:
        key = actions.do_rotate_signing_key(provider, user=request.user)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(_messages(exc)) if isinstance(exc, ValidationError) else str(exc))
        return HttpResponseRedirect(signing_key.list_url())
    messages.success(
        request,
        _("New signing key %(key)s is in use; the old keys still verify what they signed.")
        % {"key": key.key_id},
    )
    return HttpResponseRedirect(reverse("verification:signingkey_list"))


# ------------------------------------------------------------------------------ the instrument's page


def _instrument_history(obj, request):
    """The records and certificates of an instrument the user may view, and "Ghi biên bản" for a user who may
    record for a provider that may serve it (the form opens with the instrument chosen)."""
    from urllib.parse import urlencode

    from .permissions import servable_instruments

    user = request.user
    records = (
        VerificationRecord.objects.restrict(user)
        .filter(instrument=obj)
        .select_related("provider", "verifier__person")
        .order_by("-performed_on", "-pk")
    )
    certificates = (
        Certificate.objects.restrict(user)
        .filter(instrument=obj)
        .select_related("provider")
        .order_by("-issued_on", "-pk")
    )
    actions_ = []
    provider = next(
        (p for p in forms.providers_for(user)[:20] if servable_instruments(p).filter(pk=obj.pk).exists()),
        None,
    )
    if provider is not None:
        query = urlencode({"instrument": obj.pk, "provider": provider.pk})
        actions_.append(
            {"title": _("Record a verification"), "url": f"{reverse('verification:record_add')}?{query}"}
        )
    return {
        "records": list(records[:50]),
        "record_count": records.count(),
        "certificates": list(certificates[:50]),
        "certificate_count": certificates.count(),
        "actions": actions_,
    }


def _register_instrument_panel():
    from doluong.core.surface import detail_panel
    from doluong.registry.models import Instrument

    detail_panel(Instrument, "verification/partials/instrument_history.html", _instrument_history)


_register_instrument_panel()
