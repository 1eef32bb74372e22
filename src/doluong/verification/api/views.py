"""API additions to the generated viewsets: records are created through `do_record_verification`, certificates
are issued, revoked and downloaded through their actions; nothing signed is writable."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from doluong.parties.models import Organisation, Verifier
from doluong.registry.models import Instrument, MeasurementStandard

from .. import actions, documents
from .serializers import (
    CertificateSerializer,
    IssueInputSerializer,
    RecordInputSerializer,
    RevokeInputSerializer,
    VerificationRecordSerializer,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _errors(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"detail": exc.messages}


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(_errors(exc)) from exc
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc


def _get(model, pk, label):
    if pk is None:
        return None
    try:
        return model.objects.get(pk=pk)
    except model.DoesNotExist:
        raise ValidationError({label: [f"{pk}?"]}) from None


def _pdf(content: bytes, name: str, content_type: str = "application/pdf") -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text).strip("_") or "certificate"


class _ActionPermission:
    """Detail actions (issue, revoke) are POSTs but not creations: the row's scope is checked by the action."""

    def get_permissions(self):
        if self.action in ("issue", "revoke", "reinstate", "void"):
            return [IsAuthenticated()]
        return super().get_permissions()


class RecordApiMixin(_ActionPermission):
    @extend_schema(request=RecordInputSerializer, responses=VerificationRecordSerializer)
    def create(self, request, *args, **kwargs):
        given = RecordInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        provider = _get(Organisation, data.pop("provider"), "provider")
        standards = [_get(MeasurementStandard, pk, "standards") for pk in data.pop("standards")]
        record = _call(
            actions.do_record_verification,
            user=request.user,
            provider=provider,
            instrument=_get(Instrument, data.pop("instrument", None), "instrument"),
            standard=_get(MeasurementStandard, data.pop("standard", None), "standard"),
            verifier=_get(Verifier, data.pop("verifier", None), "verifier"),
            standards=standards,
            points=[dict(p) for p in data.pop("points")],
            **data,
        )
        body = VerificationRecordSerializer(record, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=IssueInputSerializer, responses=CertificateSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        record = self.get_object()
        given = IssueInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        cert = _call(actions.do_issue_certificate, record, user=request.user, **given.validated_data)
        body = CertificateSerializer(cert, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevokeInputSerializer, responses=VerificationRecordSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void the record with a reason (its certificate, if any, is revoked by a signed statement)."""
        record = self.get_object()
        given = RevokeInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        record = _call(actions.do_void_record, record, user=request.user, **given.validated_data)
        return Response(VerificationRecordSerializer(record, context=self.get_serializer_context()).data)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        record = self.get_object()
        return _pdf(documents.record_pdf(record), f"bien-ban-{safe_name(record.number)}.pdf")


class CertificateApiMixin(_ActionPermission):
    def create(self, request, *args, **kwargs):
        raise MethodNotAllowed(
            "POST", detail="Certificates are issued from a record: POST /records/{id}/issue/."
        )

    @extend_schema(request=RevokeInputSerializer, responses=CertificateSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        cert = self.get_object()
        given = RevokeInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        cert = _call(actions.do_revoke_certificate, cert, user=request.user, **given.validated_data)
        return Response(CertificateSerializer(cert, context=self.get_serializer_context()).data)

    @extend_schema(request=RevokeInputSerializer, responses=CertificateSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        cert = self.get_object()
        given = RevokeInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        cert = _call(actions.do_reinstate_certificate, cert, user=request.user, **given.validated_data)
        return Response(CertificateSerializer(cert, context=self.get_serializer_context()).data)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        cert = self.get_object()
        return _pdf(documents.certificate_pdf(cert), f"{safe_name(cert.number)}.pdf")

    @extend_schema(responses={(200, DOCX): bytes})
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        cert = self.get_object()
        return _pdf(
            _call(documents.certificate_docx, cert),  # a refused Word template: 400 with the reason
            f"{safe_name(cert.number)}.docx",
            DOCX,
        )


class ReadOnlyApiMixin:
    def create(self, request, *args, **kwargs):
        raise MethodNotAllowed("POST")

    def update(self, request, *args, **kwargs):
        raise MethodNotAllowed(request.method)

    def destroy(self, request, *args, **kwargs):
        raise MethodNotAllowed("DELETE")
