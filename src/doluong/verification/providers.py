"""The public list of providers (no login): `/verify/providers/` for people, `/api/public/providers/` for
programs — the organisations designated or registered for verification, calibration or testing, with their
scope (instrument types, activities, scope lines), territory and validity.

It reads through `parties.public` (the explicit public querysets: public facts of providers only) and is
counted like the certificate check (`public.rate_limited`'s counter: VERIFY_RATE_LIMIT requests per client IP
and minute, in the database). Expired designations and registrations are listed only on request
(`expired=1`, “hiển thị cả hết hiệu lực”).
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.throttling import BaseThrottle

from doluong.core.api import Pagination
from doluong.geo.models import Province
from doluong.parties.public import Filters, entry, public_providers
from doluong.registry.models import InstrumentType

from .public import _count, client_ip

PER_PAGE = 20
_TRUE = {"1", "true", "on", "yes"}


def _limit() -> int:
    return int(getattr(settings, "VERIFY_RATE_LIMIT", 30))


def _over_limit(request) -> bool:
    return _count(client_ip(request)[:64]) > _limit()


def _param(params, name: str, limit: int) -> str:
    """A query parameter as text: trimmed, at most `limit` characters, without NUL (PostgreSQL refuses it)."""
    return (params.get(name) or "").replace("\x00", "").strip()[:limit]


def filters_from(params) -> tuple[Filters, dict]:
    """Filters from the query string; unknown province or type codes are errors (said, not ignored)."""
    errors = {}
    province = _param(params, "province", 10)
    if province and not Province.objects.filter(code=province).exists():
        errors["province"] = _("No province with the code “%(value)s”.") % {"value": province}
        province = ""
    type_code = _param(params, "type", 30)
    type_id = None
    if type_code:
        type_id = InstrumentType.objects.filter(code=type_code).values_list("pk", flat=True).first()
        if type_id is None:
            errors["type"] = _("No instrument type with the code “%(value)s”.") % {"value": type_code}
    return (
        Filters(
            q=_param(params, "q", 200),
            province=province,
            instrument_type=type_id,
            include_expired=_param(params, "expired", 10).lower() in _TRUE,
        ),
        errors,
    )


@never_cache
def providers_page(request):
    if _over_limit(request):
        message = _("Too many requests from your address. Please wait a minute and try again.")
        response = render(request, "verification/public_providers.html", {"limited": message}, status=429)
        response["Retry-After"] = "60"
        return response
    today = timezone.localdate()
    filters, errors = filters_from(request.GET)
    page = Paginator(public_providers(today, filters), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "verification/public_providers.html",
        {
            "page": page,
            "providers": [entry(org, today) for org in page.object_list],
            "filters": filters,
            "errors": errors,
            "type_code": _param(request.GET, "type", 30),
            "provinces": Province.objects.order_by("name").only("code", "name"),
            "types": InstrumentType.objects.order_by("list_order", "code").only("code", "name"),
            "query": query.urlencode(),
            "today": today,
        },
    )


class PublicCheckThrottle(BaseThrottle):
    """The public check's limit (VERIFY_RATE_LIMIT a minute per client IP, counted in the database)."""

    def allow_request(self, request, view) -> bool:
        return not _over_limit(request)

    def wait(self):
        return 60


class PublicTypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PublicProvinceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PublicScopeLineSerializer(serializers.Serializer):
    activity = serializers.CharField()
    instrument_type = serializers.CharField()
    quantity = serializers.CharField()
    range = serializers.CharField()
    accuracy = serializers.CharField()


class PublicDesignationSerializer(serializers.Serializer):
    decision_number = serializers.CharField()
    issuer = serializers.CharField()
    issued_on = serializers.CharField(help_text="dd/mm/yyyy")
    valid_from = serializers.CharField(help_text="dd/mm/yyyy")
    valid_until = serializers.CharField(help_text="dd/mm/yyyy; empty: no end date")
    in_force = serializers.BooleanField()
    instrument_types = PublicTypeSerializer(many=True)


class PublicRegistrationSerializer(serializers.Serializer):
    certificate_number = serializers.CharField()
    issuer = serializers.CharField()
    issued_on = serializers.CharField(help_text="dd/mm/yyyy")
    valid_until = serializers.CharField(help_text="dd/mm/yyyy; empty: no end date")
    in_force = serializers.BooleanField()
    activities = serializers.ListField(child=serializers.CharField())
    scope = PublicScopeLineSerializer(many=True)


class PublicProviderSerializer(serializers.Serializer):
    """A provider with its public designations and registrations."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    kind = serializers.CharField()
    address = serializers.CharField()
    website = serializers.CharField()
    province = PublicProvinceSerializer()
    territory = serializers.CharField(help_text="The province where the designation or registration applies.")
    designations = PublicDesignationSerializer(many=True)
    registrations = PublicRegistrationSerializer(many=True)


class PublicProvidersAPI(ListAPIView):
    """Designated and registered providers of verification, calibration and testing (no login)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicCheckThrottle]
    pagination_class = Pagination
    serializer_class = PublicProviderSerializer

    def throttled(self, request, wait):
        limited = Throttled(
            detail=_("Too many requests from your address. Please wait a minute and try again.")
        )
        limited.wait = 60  # the Retry-After header; our message already says how long (DRF would add English)
        raise limited

    @extend_schema(
        operation_id="public_providers_list",
        summary="Public list of providers (no login)",
        description=(
            "Organisations designated or registered for verification, calibration or testing, with their scope "
            "and validity. Anonymous, read-only, limited like the public certificate check (VERIFY_RATE_LIMIT "
            "requests a minute per client address; above it 429). Expired designations and registrations are "
            "listed only with expired=1."
        ),
        parameters=[
            OpenApiParameter("q", str, description="Search (case and Vietnamese diacritics do not matter)"),
            OpenApiParameter("province", str, description="Province code (2 digits), e.g. 92"),
            OpenApiParameter("type", str, description="Instrument type code of the catalogue"),
            OpenApiParameter("expired", bool, description="Also list expired designations and registrations"),
        ],
        responses={
            200: PublicProviderSerializer(many=True),
            400: OpenApiResponse(description="An unknown province or instrument type code"),
            429: OpenApiResponse(description="Too many requests from this address this minute"),
        },
        tags=["public"],
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def get_queryset(self):
        filters, errors = filters_from(self.request.query_params)
        if errors:
            raise serializers.ValidationError(errors)
        return public_providers(timezone.localdate(), filters)

    def list(self, request, *args, **kwargs):
        today = timezone.localdate()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([entry(org, today) for org in page])
