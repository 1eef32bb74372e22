"""The exchange app's pages: the public data dictionary (every field the national adapter exports, with its
meaning and the local column it comes from), the JSON Schema file and the platform's public key to verify with;
the administrator's subscriptions' health page (cursor, lag, failures, dead letters, the log's chain) with its
replay action, and the same as an API; in national mode the receiver endpoint, the public statistics, the
cross-province certificate check and the administrator's page of the national sources (register, rotate a
secret — shown once —, deactivate, reactivate)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Coalesce
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from doluong.core import access
from doluong.core.api import Pagination
from doluong.core.scope import ADD, CHANGE, VIEW
from doluong.core.surface import nav_link
from doluong.verification.public import client_ip, rate_limited

from . import actions, aggregate, delivery, national, signing
from .management.commands.exchange_schema import SCHEMA_FILE
from .models import NationalRefusal, NationalSource, Subscription

nav_link(
    "exchange",
    gettext_lazy("Subscriptions' health"),
    "exchange:health",
    order=10,
    visible=actions.may_watch,
)


def _sources_visible(user) -> bool:
    return aggregate.enabled() and actions.may_manage_sources(user)


nav_link(
    "exchange",
    gettext_lazy("National sources"),
    "exchange:national_sources",
    order=20,
    visible=_sources_visible,
)


def dictionary(request):
    rows = national.dictionary()
    sections = []
    for row in rows:
        if not sections or sections[-1]["name"] != row["section"]:
            sections.append({"name": row["section"], "rows": []})
        sections[-1]["rows"].append(row)
    try:
        key = signing.public_key()
    except Exception:
        key = ""
    return render(
        request,
        "exchange/dictionary.html",
        {
            "sections": sections,
            "version": national.SCHEMA_VERSION,
            "schema_id": national.SCHEMA_ID,
            "public_key": key,
        },
    )


def schema_file(request):
    return HttpResponse(
        SCHEMA_FILE.read_text(encoding="utf-8"), content_type="application/schema+json; charset=utf-8"
    )


def _require_watch(user) -> None:
    if not actions.may_watch(user):
        raise PermissionDenied(_("Only an administrator sees the subscriptions' health."))


def age_text(age) -> str:
    """A waiting time in Vietnamese words (days, hours, minutes)."""
    if age is None:
        return ""
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


def _short_age_text(age) -> str:
    """`age_text`, but "under a minute" below one (not "0 min"); '' without a time."""
    if age is None:
        return ""
    if age.total_seconds() < 60:
        return _("under a minute")
    return age_text(age)


#: the usual transport errors, said in Vietnamese (the log keeps the original text)
ERRORS = (
    ("connection refused", gettext_lazy("the receiver refused the connection")),
    ("timed out", gettext_lazy("the receiver did not answer in time")),
    ("name or service not known", gettext_lazy("the receiver's host name is unknown")),
)


def error_text(detail: str) -> str:
    low = (detail or "").lower()
    for needle, said in ERRORS:
        if needle in low:
            return str(said)
    return ""


@login_required
def health_page(request):
    _require_watch(request.user)
    rows = delivery.health()
    for row in rows:
        row["oldest_age_text"] = age_text(row["oldest_age"])
        for failure in row["failures"]:
            failure.said = error_text(failure.detail)
        for dead in row["dead_rows"]:
            dead.said = error_text(dead.last_error)
    return render(
        request,
        "exchange/health.html",
        {
            "rows": rows,
            "chain": delivery.chain_status(),
            "may_replay": actions.may_replay(request.user),
        },
    )


@login_required
@require_POST
def replay(request, pk):
    _require_watch(request.user)
    sub = get_object_or_404(Subscription, pk=pk)
    try:
        sub = actions.do_replay(sub, request.POST.get("from_sequence"), user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s will receive again every event after number %(number)s.")
            % {"name": sub.name, "number": sub.cursor},
        )
    return redirect("exchange:health")


def _row_json(row) -> dict:
    sub = row["subscription"]
    return {
        "id": sub.pk,
        "name": sub.name,
        "url": sub.url,
        "active": sub.is_active,
        "province": sub.province_id or "",
        "cursor": row["cursor"],
        "last_event": row["last"],
        "lag": row["lag"],
        "oldest_waiting_at": row["oldest_at"].isoformat() if row["oldest_at"] else None,
        "oldest_waiting_seconds": int(row["oldest_age"].total_seconds()) if row["oldest_age"] else None,
        "retrying": row["retrying"],
        "dead": row["dead"],
        "dead_letters": [
            {"sequence": d.event_id, "attempts": d.attempts, "error": d.last_error} for d in row["dead_rows"]
        ],
        "recent_failures": [
            {
                "at": f.at.isoformat(),
                "sequence": f.sequence,
                "attempt": f.attempt,
                "outcome": f.outcome,
                "http_status": f.http_status,
                "detail": f.detail,
            }
            for f in row["failures"]
        ],
    }


class _DeadLetterSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    attempts = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)


class _FailureSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    sequence = serializers.IntegerField()
    attempt = serializers.IntegerField()
    outcome = serializers.CharField(allow_blank=True)
    http_status = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField(allow_blank=True)


class _SubscriptionHealthSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    active = serializers.BooleanField()
    province = serializers.CharField(allow_blank=True)
    cursor = serializers.IntegerField()
    last_event = serializers.IntegerField()
    lag = serializers.IntegerField()
    oldest_waiting_at = serializers.DateTimeField(allow_null=True)
    oldest_waiting_seconds = serializers.IntegerField(allow_null=True)
    retrying = serializers.IntegerField()
    dead = serializers.IntegerField()
    dead_letters = _DeadLetterSerializer(many=True)
    recent_failures = _FailureSerializer(many=True)


class _ChainSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    entries = serializers.IntegerField()
    broken_at = serializers.IntegerField(allow_null=True)


class HealthSerializer(serializers.Serializer):
    """The API's answer (documents the schema; the view builds the dict itself)."""

    subscriptions = _SubscriptionHealthSerializer(many=True)
    chain = _ChainSerializer()


class ReplayRequestSerializer(serializers.Serializer):
    from_sequence = serializers.IntegerField(min_value=0)


class ReplayResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cursor = serializers.IntegerField()


class _AdminOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and actions.may_watch(request.user)


class HealthAPI(APIView):
    """The subscriptions' health (the administrator's): per subscriber its cursor, lag, failures and dead
    letters, and the exchange log's hash chain."""

    permission_classes = [_AdminOnly]
    serializer_class = HealthSerializer

    def get(self, request):
        return Response(
            {"subscriptions": [_row_json(r) for r in delivery.health()], "chain": delivery.chain_status()}
        )


class ReplayAPI(APIView):
    """POST {"from_sequence": N}: deliver the subscriber every event after number N again."""

    permission_classes = [_AdminOnly]
    serializer_class = ReplayRequestSerializer

    @extend_schema(request=ReplayRequestSerializer, responses={200: ReplayResultSerializer})
    def post(self, request, pk):
        sub = get_object_or_404(Subscription, pk=pk)
        try:
            sub = actions.do_replay(sub, request.data.get("from_sequence"), user=request.user)
        except ValidationError as exc:
            return Response({"from_sequence": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"id": sub.pk, "cursor": sub.cursor})


# --- national mode: the receiver endpoint, the public statistics and the cross-province certificate check


def _national_or_404():
    from django.http import Http404

    if not aggregate.enabled():
        raise Http404(_("This instance is not in national mode."))


@csrf_exempt
@require_POST
def national_receive(request, province_code):
    """A province instance's delivery (POST, signed): 204 stored, 200 duplicate, 400 refused (recorded), 429
    refused above the limit of refusals per address (counted)."""
    _national_or_404()
    status_code = aggregate.receive(
        province_code, dict(request.headers), request.body, client=client_ip(request)
    )
    response = HttpResponse(status=status_code)
    if status_code == 429:
        response["Retry-After"] = "60"
    return response


@csrf_exempt
@require_POST
def national_receive_batch(request, province_code):
    """A province instance's delivery of several events (POST, each event signed on its own, see
    `aggregate.parse_batch`): 200 and each event's status in order (204 stored, 200 duplicate, 400 refused and
    recorded, 429 refused above the limit, 503 to be sent again); 400 (recorded) when the body is not a batch."""
    _national_or_404()
    status_code, results = aggregate.receive_batch_body(
        province_code, request.body, headers=dict(request.headers), client=client_ip(request)
    )
    if status_code != 200:
        response = HttpResponse(status=status_code)
        if status_code == 429:
            response["Retry-After"] = "60"
        return response
    return JsonResponse({"results": results})


def national_stats(request):
    _national_or_404()
    data = aggregate.stats()
    for row in data["rows"]:
        row["lag_text"] = _short_age_text(row["lag"])
        row["age_text"] = _short_age_text(row["age"])
        row["receipt_cells"] = [row["receipts"].get(k, 0) for k in data["kinds"]]
    return render(request, "exchange/national_stats.html", data)


@never_cache
@rate_limited(json=False)
def national_certificate_page(request):
    _national_or_404()
    number = (request.GET.get("n") or "").strip()
    return render(
        request,
        "exchange/national_certificate.html",
        {"number": number, "results": aggregate.check_certificate(number) if number else None},
    )


@never_cache
@rate_limited(json=True)
def national_certificate_api(request):
    _national_or_404()
    number = (request.GET.get("n") or "").strip()
    if not number:
        return JsonResponse({"detail": _("Give the certificate number as ?n=…")}, status=400)
    return JsonResponse(
        {"query": {"n": number}, "results": aggregate.check_certificate(number)},
        json_dumps_params={"ensure_ascii": False},
    )


# --- national mode: the administrator's page of the national sources (the province instances delivering here)


def _require_sources(user) -> None:
    """National mode (404 otherwise), then the permission table's view of the sources (403 otherwise)."""
    _national_or_404()
    if not actions.may_manage_sources(user):
        raise PermissionDenied(_("Only an administrator manages the national sources."))


def _source_rows(sources_stats) -> list[dict]:
    rows = []
    for row in sources_stats["rows"]:
        source = row["source"]
        rows.append(
            {
                "source": source,
                "fingerprint": aggregate.key_fingerprint(source.public_key),
                "receipts": row["receipts_total"],
                "refusals": row["refusals"],
                "last": row["last"],
                "lag_text": _short_age_text(row["lag"]),
                "previous_until": _previous_until(source),
            }
        )
    return rows


def _previous_until(source):
    """Until when the source's previous secret is still accepted, when that is still ahead (else None)."""
    from django.utils import timezone

    until = aggregate.previous_secret_until(source)
    return until if until and until > timezone.now() else None


def _secret_page(request, source, secret, *, rotated: bool):
    """The one response that shows a source's HMAC secret (never cached; no other page shows it)."""
    response = render(
        request,
        "exchange/national_source_secret.html",
        {
            "source": source,
            "secret": secret,
            "rotated": rotated,
            "previous_until": _previous_until(source) if rotated else None,
            "receive_path": reverse("exchange_public:national_receive", args=[source.province_id]),
        },
    )
    add_never_cache_headers(response)
    return response


def national_sources(request):
    """The list of sources with their figures, and the form to register one (POST: the secret, shown once)."""
    from .forms import NationalSourceForm

    _require_sources(request.user)
    form = NationalSourceForm(request.POST if request.method == "POST" else None)
    may_add = access.can(request.user, NationalSource, ADD)
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied(_("Only an administrator may register a national source."))
        if form.is_valid():
            try:
                source, secret = actions.do_add_national_source(
                    province=form.cleaned_data["province"],
                    public_key=form.cleaned_data["public_key"],
                    name=form.cleaned_data["name"],
                    notes=form.cleaned_data["notes"],
                    user=request.user,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error("public_key", exc.messages)
            else:
                return _secret_page(request, source, secret, rotated=False)
    data = aggregate.stats()
    return render(
        request,
        "exchange/national_sources.html",
        {
            "rows": _source_rows(data),
            "form": form,
            "may_add": may_add,
            "suppressed": data.get("suppressed", 0),
        },
        status=400 if form.errors else 200,
    )


def _yes_no(value):
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return value


def _source_for(user, pk, action=VIEW):
    return get_object_or_404(NationalSource.objects.restrict(user, action).select_related("province"), pk=pk)


def national_source(request, pk):
    """One source: its key's fingerprint, figures, recent refusals, the rotate and (de)activate actions and its
    history (the secret's sealed value never shown: its changes read "secret rotated")."""
    from doluong.core.history import history_entries

    _require_sources(request.user)
    source = _source_for(request.user, pk)
    row = next(r for r in _source_rows(aggregate.stats()) if r["source"].pk == source.pk)
    hidden = {
        str(NationalSource._meta.get_field(name).verbose_name)
        for name in ("secret", "previous_secret", "secret_rotated_at")
    }
    history = history_entries(source)
    for entry in history:
        entry.changes = [c for c in entry.changes if c.field not in hidden]
        for change in entry.changes:
            change.old, change.new = _yes_no(change.old), _yes_no(change.new)
    return render(
        request,
        "exchange/national_source.html",
        {
            "source": source,
            "row": row,
            "refusals": NationalRefusal.objects.filter(province_code=source.province_id).order_by("-id")[:10],
            "history": history,
            "previous_until": _previous_until(source),
            "may_change": access.can(request.user, NationalSource, CHANGE),
        },
    )


@require_POST
def national_source_rotate(request, pk):
    _require_sources(request.user)
    source = _source_for(request.user, pk, CHANGE)
    source, secret = actions.do_rotate_national_secret(source, user=request.user)
    return _secret_page(request, source, secret, rotated=True)


@require_POST
def national_source_active(request, pk):
    _require_sources(request.user)
    source = _source_for(request.user, pk, CHANGE)
    active = request.POST.get("active") == "1"
    source = actions.do_set_national_source_active(source, active, user=request.user)
    if active:
        messages.success(
            request, _("%(name)s is active again: its deliveries are received.") % {"name": source}
        )
    else:
        messages.success(
            request,
            _("%(name)s is deactivated: its deliveries are refused until it is reactivated.")
            % {"name": source},
        )
    return redirect("exchange:national_source", pk=source.pk)


# --- national mode: the national sources, read-only, as an API for the administrator


class NationalSourceSerializer(serializers.ModelSerializer):
    """A source as the API gives it: never its secret (neither the current nor the previous one, sealed or
    not); its public key with its fingerprint, until when the previous secret is still accepted, and its
    figures."""

    display = serializers.SerializerMethodField()
    province_name = serializers.CharField(source="province.name", read_only=True)
    fingerprint = serializers.SerializerMethodField()
    previous_secret_accepted_until = serializers.SerializerMethodField()
    receipts = serializers.IntegerField(source="receipt_count", read_only=True)
    refusals = serializers.IntegerField(source="refusal_count", read_only=True)
    last_receipt_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = NationalSource
        fields = [
            "id",
            "display",
            "province",
            "province_name",
            "name",
            "is_active",
            "public_key",
            "fingerprint",
            "secret_rotated_at",
            "previous_secret_accepted_until",
            "receipts",
            "refusals",
            "last_receipt_at",
            "notes",
            "created",
            "last_updated",
        ]
        read_only_fields = fields

    def get_display(self, obj) -> str:
        return str(obj)

    def get_fingerprint(self, obj) -> str:
        return aggregate.key_fingerprint(obj.public_key)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_previous_secret_accepted_until(self, obj):
        until = _previous_until(obj)
        return until.isoformat() if until else None


class _SourcesViewer(permissions.BasePermission):
    """National mode (404 otherwise), then the permission table's view of the sources (403 otherwise)."""

    def has_permission(self, request, view):
        _national_or_404()
        return bool(request.user and request.user.is_authenticated) and actions.may_manage_sources(
            request.user
        )


class NationalSourceViewSet(viewsets.ReadOnlyModelViewSet):
    """The national sources (national mode, the administrator's): list and detail, read-only — registering,
    rotating a secret and (de)activating are the sources page's actions. The secret is never in the answer."""

    serializer_class = NationalSourceSerializer
    permission_classes = [_SourcesViewer]
    pagination_class = Pagination

    def get_queryset(self):
        from django.db.models import Count, IntegerField, Max, OuterRef, Subquery

        from .models import NationalReceipt

        refusals = (
            NationalRefusal.objects.filter(province_code=OuterRef("province_id"))
            .order_by()
            .values("province_code")
            .annotate(n=Count("id"))
            .values("n")
        )
        receipts = (
            NationalReceipt.objects.filter(source=OuterRef("pk"))
            .order_by()
            .values("source")
            .annotate(n=Count("id"), last=Max("received_at"))
        )
        return (
            NationalSource.objects.restrict(self.request.user, VIEW)
            .select_related("province")
            .annotate(
                receipt_count=Coalesce(Subquery(receipts.values("n"), output_field=IntegerField()), 0),
                last_receipt_at=Subquery(receipts.values("last")),
                refusal_count=Coalesce(Subquery(refusals, output_field=IntegerField()), 0),
            )
            .order_by("province_id")
        )
