"""The public certificate check (no login): `/verify/` for people, `/api/public/certificates/` for programs,
`/api/public/keys/` for the providers' public keys.

What it shows comes from the certificate's signed snapshot — what the paper shows (instrument, owner, provider,
dates, stamp) — and never more: no verifier, no tax code, no revocation reason. Requests are counted per client
IP in the database (`VERIFY_RATE_LIMIT` per minute, default 30; `CheckCount`); above it the answer is 429 in
Vietnamese.
"""

from __future__ import annotations

import functools
import time

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from . import signing
from .choices import CertificateStatus, RecordKind
from .documents import dmy
from .models import Certificate, CheckCount, SigningKey, effective_status

NOT_FOUND = "not_found"
MISMATCH = "signature_mismatch"
STATE_LABELS = {
    CertificateStatus.VALID: gettext_lazy("Valid"),
    CertificateStatus.EXPIRED: gettext_lazy("Expired"),
    CertificateStatus.SUPERSEDED: gettext_lazy("Superseded by a newer certificate"),
    CertificateStatus.REVOKED: gettext_lazy("Revoked"),
    NOT_FOUND: gettext_lazy("Not found"),
    MISMATCH: gettext_lazy("Not genuine: the signature does not match"),
}
STATE_HELP = {
    CertificateStatus.VALID: gettext_lazy("The certificate is genuine and in force."),
    CertificateStatus.EXPIRED: gettext_lazy("The certificate is genuine but its validity has ended."),
    CertificateStatus.SUPERSEDED: gettext_lazy(
        "The certificate is genuine but a newer certificate replaced it."
    ),
    CertificateStatus.REVOKED: gettext_lazy("The provider revoked this certificate: it is no longer valid."),
    NOT_FOUND: gettext_lazy("No certificate has this number. Check the number, or ask the provider."),
    MISMATCH: gettext_lazy(
        "The certificate's content or its QR code does not match what the provider signed: it may have been altered "
        "or forged. Do not rely on it and tell the provider or the Department of Science and Technology."
    ),
}


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _count(client: str) -> int:
    """This minute's checks from `client`, this one included (one upsert, shared by every web worker)."""
    minute = int(time.time() // 60)
    table = CheckCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (client, minute, count) VALUES (%s, %s, 1) ON CONFLICT (client, minute) "
            f"DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [client, minute],
        )
        count = cursor.fetchone()[0]
        if count == 1:  # the client's first check this minute: forget the minutes before the previous one
            cursor.execute(f"DELETE FROM {table} WHERE minute < %s", [minute - 1])
    return count


def rate_limited(json: bool):
    """Allow VERIFY_RATE_LIMIT lookups per client IP and minute (counted in the database: `_count`)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.GET.get("n"):
                limit = int(getattr(settings, "VERIFY_RATE_LIMIT", 30))
                if _count(client_ip(request)[:64]) > limit:
                    message = _("Too many checks from your address. Please wait a minute and try again.")
                    if json:
                        response = JsonResponse({"detail": message}, status=429)
                    else:
                        response = render(
                            request, "verification/public_check.html", {"limited": message}, status=429
                        )
                    response["Retry-After"] = "60"
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


#: the columns the signature covers (`signing.payload_of`, with the key's id)
SIGNED = (
    "number",
    "kind",
    "provider_id",
    "issued_on",
    "verified_on",
    "valid_until",
    "stamp_number",
    "snapshot",
)
#: what the check reads of a certificate: the signed columns, its state and signature, the signing key's public
#: half and the superseding certificate's number: one narrow query (~1/3 of the cost of three model instances)
COLUMNS = (*SIGNED, "status", "status_changed_on", "signature")
RELATED = {
    "key_code": F("key__key_id"),
    "key_public": F("key__public_key"),
    "key_provider": F("key__provider_id"),
    "newer": F("superseded_by__number"),
}


def _genuine(row: dict, signed: dict) -> bool:
    """`signing.verify_certificate` for a row of COLUMNS and its signed payload."""
    if row["key_public"] is None or row["key_provider"] != row["provider_id"]:
        return False
    return signing.verify(row["key_public"], signed, row["signature"])


def _public(row: dict) -> dict:
    snap = row["snapshot"] or {}
    subject = snap.get("subject", {})
    return {
        "number": row["number"],
        "kind": row["kind"],
        "kind_label": str(RecordKind(row["kind"]).label),
        "instrument": {
            "name": subject.get("name", ""),
            "model": subject.get("model", ""),
            "serial": subject.get("serial", ""),
            "manufacturer": subject.get("manufacturer", ""),
        },
        "owner": snap.get("owner", {}),
        "provider": snap.get("provider", {}).get("name", ""),
        "verified_on": dmy(row["verified_on"]),
        "issued_on": dmy(row["issued_on"]),
        "valid_until": dmy(row["valid_until"]) if row["valid_until"] else "",
        "stamp_number": row["stamp_number"],
        "status_changed_on": dmy(row["status_changed_on"]) if row["status_changed_on"] else "",
        "superseded_by": row["newer"] or "",
        "key_id": row["key_code"],
    }


def _query(lookup_key: str):
    return (
        Certificate.objects.filter(lookup_key=lookup_key)
        .order_by("-issued_on", "-pk")
        .values(*COLUMNS, **RELATED)[:10]
    )


_MARK = "\x00lookup-key"


@functools.cache
def _compiled(alias: str):
    """`_query` compiled once per process and database: building and compiling the ORM query costs twice as much
    as running it (docs/scale.md). Returns the SQL, the names of its columns, and the ORM's converters."""
    query = _query(_MARK).query
    compiler = query.get_compiler(alias)
    sql, params = compiler.as_sql()
    if list(params) != [_MARK]:  # the query must have exactly one parameter, the lookup key
        raise RuntimeError(f"unexpected parameters in the public check's query: {params!r}")
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
    return sql, names, compiler, converters


def _rows(lookup_key: str) -> list[dict]:
    """The rows of `_query(lookup_key)`, exactly as `.values()` would return them."""
    sql, names, compiler, converters = _compiled(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [lookup_key])
        rows = cursor.fetchall()
    if converters:
        rows = compiler.apply_converters(rows, converters)
    return [dict(zip(names, row, strict=True)) for row in rows]


def check(number: str, short_sig: str = "") -> list[dict]:
    """One entry per certificate the number (and short signature) designates: its state and public fields."""
    key = Certificate.lookup_key_for(number)
    if not key:
        return [{"state": NOT_FOUND, "number": number}]
    candidates = _rows(key)
    if not candidates:
        return [{"state": NOT_FOUND, "number": number}]
    if short_sig:
        candidates = [c for c in candidates if signing.short(c["signature"]) == short_sig]
        if not candidates:
            return [{"state": MISMATCH, "number": number}]
    results = []
    for row in candidates:
        signed = signing.payload_of(key_id=row["key_code"], **{k: row[k] for k in SIGNED})
        if not _genuine(row, signed):
            results.append({"state": MISMATCH, "number": row["number"]})
            continue
        results.append(
            {
                "state": effective_status(row["status"], row["valid_until"]),
                **_public(row),
                "signed": {"payload": signed, "signature": row["signature"]},
            }
        )
    return results


def _label(entry: dict) -> dict:
    return {
        **entry,
        "state_label": str(STATE_LABELS[entry["state"]]),
        "state_help": str(STATE_HELP[entry["state"]]),
    }


@never_cache
@rate_limited(json=False)
def verify_page(request):
    from .forms import PublicCheckForm

    number = (request.GET.get("n") or "").strip()
    short_sig = (request.GET.get("s") or "").strip()
    form = PublicCheckForm(request.GET or None)
    results = [_label(e) for e in check(number, short_sig)] if number else []
    return render(
        request,
        "verification/public_check.html",
        {"form": form, "results": results, "number": number, "from_qr": bool(short_sig)},
    )


@never_cache
@rate_limited(json=True)
def verify_api(request):
    number = (request.GET.get("n") or "").strip()
    if not number:
        return JsonResponse({"detail": _("Give the certificate number as ?n=…")}, status=400)
    short_sig = (request.GET.get("s") or "").strip()
    results = [_label(e) for e in check(number, short_sig)]
    return JsonResponse(
        {"query": {"n": number, "s": short_sig}, "results": results},
        json_dumps_params={"ensure_ascii": False},
    )


def keys_api(request):
    """Every provider's public keys (active and retired), to verify a certificate's signature independently."""
    keys = SigningKey.objects.select_related("provider").order_by("provider__name", "-activated_on")
    body = {
        "algorithm": "Ed25519",
        "payload": _(
            "UTF-8 bytes of the sorted-key compact JSON of the certificate payload; signature in base64url without "
            "padding; see the guide."
        ),
        "keys": [
            {
                "key_id": k.key_id,
                "provider": k.provider.name,
                "provider_id": k.provider_id,
                "public_key": k.public_key,
                "activated_on": k.activated_on.isoformat(),
                "retired_on": k.retired_on.isoformat() if k.retired_on else None,
            }
            for k in keys
        ],
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
