"""The public certificate check (no login): `/verify/` for people, `/api/public/certificates/` for programs,
`/api/public/keys/` for the providers' public keys.

What it shows comes from the certificate's signed snapshot — what the paper shows (instrument, owner, provider,
dates, stamp) — and never more: no verifier, no tax code, no revocation reason. Requests are counted per client
IP in the database (`VERIFY_RATE_LIMIT` per minute, default 30; `CheckCount`); above it the answer is 429 in
Vietnamese.

Nothing unsigned is believed: the certificate's signature, its key's endorsement by the site root key (the
signed key history) and its chain of signed status statements are verified on every check; a status column that
is not the latest statement's status, a broken chain or a key outside the history is "cannot be trusted", never
"valid". Two queries a check: the certificate (with its key by join) and its statements (with theirs).
"""

from __future__ import annotations

import functools
import time

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from doluong.core import middleware
from doluong.core.precompiled import Precompiled

from . import signing
from .choices import CertificateStatus, RecordKind
from .documents import dmy
from .models import Certificate, CheckCount, SigningKey, StatusStatement, effective_status

NOT_FOUND = "not_found"
MISMATCH = "signature_mismatch"
KEY_UNTRUSTED = "key_untrusted"
STATUS_UNTRUSTED = "status_untrusted"
STATE_LABELS = {
    CertificateStatus.VALID: gettext_lazy("Valid"),
    CertificateStatus.EXPIRED: gettext_lazy("Expired"),
    CertificateStatus.SUPERSEDED: gettext_lazy("Superseded by a newer certificate"),
    CertificateStatus.REVOKED: gettext_lazy("Revoked"),
    NOT_FOUND: gettext_lazy("Not found"),
    MISMATCH: gettext_lazy("Not genuine: the signature does not match"),
    KEY_UNTRUSTED: gettext_lazy("Cannot be trusted: the signing key is not in the signed key history"),
    STATUS_UNTRUSTED: gettext_lazy("Cannot be trusted: the status is not signed by the provider"),
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
    KEY_UNTRUSTED: gettext_lazy(
        "The certificate is signed with a key that the site's key history does not vouch for: the key may have "
        "been replaced. Do not rely on it and tell the provider or the Department of Science and Technology."
    ),
    STATUS_UNTRUSTED: gettext_lazy(
        "The certificate's status (valid, revoked, superseded) does not match the provider's signed status "
        "statements: it may have been altered. Do not rely on it and tell the provider or the Department of "
        "Science and Technology."
    ),
}


def client_ip(request) -> str:
    """The checking client's address for the rate limit: the same reading as every other limit's
    (`core.middleware.client_ip`: REMOTE_ADDR, or the outermost trusted proxy's X-Forwarded-For entry)."""
    return middleware.client_ip(request) or "unknown"


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
#: half and the superseding certificate's number: one narrow query (~1/3 of the cost of three model instances);
#: the instrument's id goes to the notices of the apps above (`with_notices`), never to the page or the API
COLUMNS = ("id", *SIGNED, "status", "signature", "instrument_id")


def key_columns(path: str) -> dict:
    """The key's columns that its signed record covers (`signing.key_record_of`), joined through `path`."""
    return {
        "key_code": F(f"{path}__key_id"),
        "key_public": F(f"{path}__public_key"),
        "key_provider": F(f"{path}__provider_id"),
        "key_seq": F(f"{path}__sequence"),
        "key_activated_at": F(f"{path}__activated_at"),
        "key_previous": F(f"{path}__previous_hash"),
        "key_root": F(f"{path}__root_id"),
        "key_endorsement": F(f"{path}__endorsement"),
    }


RELATED = {**key_columns("key"), "newer": F("superseded_by__number"), "voided": F("record__voided_on")}
#: what the check reads of a certificate's status statements (one query, compiled like the certificate's)
STATEMENT_COLUMNS = (
    "sequence",
    "status",
    "reason",
    "effective_at",
    "superseded_by_number",
    "previous",
    "signature",
)


def _genuine(row: dict, signed: dict) -> bool:
    """`signing.verify_certificate` for a row of COLUMNS and its signed payload."""
    if row["key_public"] is None or row["key_provider"] != row["provider_id"]:
        return False
    return signing.verify(row["key_public"], signed, row["signature"])


def _key_trusted(row: dict) -> bool:
    return signing.endorsed(signing.key_record_of(row, "key_"), row["key_endorsement"])


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
        "key_id": row["key_code"],
    }


def _query(lookup_key: str):
    return (
        Certificate.objects.filter(lookup_key=lookup_key)
        .order_by("-issued_on", "-pk")
        .values(*COLUMNS, **RELATED)[:10]
    )


def _statement_query(certificate_id):
    return (
        StatusStatement.objects.filter(certificate_id=certificate_id)
        .order_by("sequence")
        .values(*STATEMENT_COLUMNS, **key_columns("key"))
    )


#: `_query` and `_statement_query` compiled once per process (core.precompiled): building and compiling the ORM
#: query cost twice as much as running it (docs/scale.md)
_CERTIFICATES = Precompiled(_query)
_STATEMENTS = Precompiled(_statement_query)


def _rows(lookup_key: str) -> list[dict]:
    """The rows of `_query(lookup_key)`, exactly as `.values()` would return them."""
    return _CERTIFICATES.rows(lookup_key)


def _statements(certificate_id: int) -> list[dict]:
    """The rows of `_statement_query(certificate_id)`, exactly as `.values()` would return them."""
    return _STATEMENTS.rows(certificate_id)


def _status(row: dict):
    """(state, statements, effective day) from the signed chain, or (untrusted state, [], None)."""
    rows = _statements(row["id"])
    ok, status, newer, at = signing.status_chain(row["number"], row["provider_id"], row["signature"], rows)
    if not ok:
        return (KEY_UNTRUSTED if status == "key_not_in_history" else STATUS_UNTRUSTED), [], None
    if status != row["status"] or (status == CertificateStatus.SUPERSEDED and newer != (row["newer"] or "")):
        return STATUS_UNTRUSTED, [], None
    if row["voided"] is not None and status != CertificateStatus.REVOKED:
        return STATUS_UNTRUSTED, [], None  # a voided record's certificate is revoked by a signed statement
    statements = [
        {
            "payload": signing.statement_record_of(r, row["number"], row["provider_id"]),
            "signature": r["signature"],
        }
        for r in rows
    ]
    return status, statements, timezone.localdate(at) if at is not None else None


#: the key of a genuine result's instrument id (read by `with_notices`, which drops it)
INSTRUMENT = "_instrument_id"


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
        if not _key_trusted(row):
            results.append({"state": KEY_UNTRUSTED, "number": row["number"], "key_id": row["key_code"]})
            continue
        status, statements, changed_on = _status(row)
        if status in (KEY_UNTRUSTED, STATUS_UNTRUSTED):
            results.append({"state": status, "number": row["number"]})
            continue
        results.append(
            {
                "state": effective_status(status, row["valid_until"]),
                **_public(row),
                "status_changed_on": dmy(changed_on) if changed_on else "",
                "superseded_by": (row["newer"] or "") if status == CertificateStatus.SUPERSEDED else "",
                "record_voided": row["voided"] is not None,
                "signed": {"payload": signed, "signature": row["signature"], "statements": statements},
                INSTRUMENT: row["instrument_id"],
            }
        )
    return results


def _label(entry: dict) -> dict:
    return {
        **entry,
        "state_label": str(STATE_LABELS[entry["state"]]),
        "state_help": str(STATE_HELP[entry["state"]]),
    }


@functools.cache
def _notice_sources() -> list:
    """The functions that apps above add to the check (`AppConfig.public_check_notices`, a dotted path): each
    takes {number: instrument id} of the genuine certificates shown and returns {number: [notice]}, a notice
    being a dict of "level" (danger, warning, info), "title", "text" and optionally "url" and "link" (an
    inspection's stop-use order, the complaint form). The certificate's own state is never changed by a notice."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    return [
        import_string(path)
        for config in apps.get_app_configs()
        if (path := getattr(config, "public_check_notices", None))
    ]


def with_notices(results: list[dict]) -> list[dict]:
    """`check`'s results with each genuine certificate's notices, and without the instrument ids that the notice
    sources read (the instrument is known already: a source needs no join through the certificates)."""
    instruments = {r["number"]: r[INSTRUMENT] for r in results if INSTRUMENT in r}
    results = [{k: v for k, v in r.items() if k != INSTRUMENT} for r in results]
    if not instruments:
        return results
    found: dict[str, list] = {}
    for source in _notice_sources():
        for number, notices in source(instruments).items():
            found.setdefault(number, []).extend(notices)
    return [{**r, "notices": found.get(r["number"], [])} if "instrument" in r else r for r in results]


@never_cache
@rate_limited(json=False)
def verify_page(request):
    from .forms import PublicCheckForm

    number = (request.GET.get("n") or "").strip()
    short_sig = (request.GET.get("s") or "").strip()
    form = PublicCheckForm(request.GET or None)
    results = with_notices([_label(e) for e in check(number, short_sig)]) if number else []
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
    results = with_notices([_label(e) for e in check(number, short_sig)])
    return JsonResponse(
        {"query": {"n": number, "s": short_sig}, "results": results},
        json_dumps_params={"ensure_ascii": False},
    )


def key_history() -> dict:
    """Every provider's keys with the verdict of the signed key history: each record endorsed by the root key,
    numbered 1, 2, … and naming the previous record's hash, each retirement endorsed, every key but the newest
    retired. Keys that fail are listed as refused, without their public half."""
    root = signing.root_public(create=False)
    keys = (
        SigningKey.objects.select_related("provider")
        .order_by("provider__name", "provider_id", "sequence", "pk")
        .only(
            "provider__name",
            "provider_id",
            "key_id",
            "public_key",
            "sequence",
            "activated_at",
            "retired_at",
            "previous_hash",
            "root_id",
            "endorsement",
            "retirement",
            "activated_on",
            "retired_on",
        )
    )
    by_provider: dict[int, list] = {}
    for key in keys:
        by_provider.setdefault(key.provider_id, []).append(key)
    trusted, refused = [], []
    for chain in by_provider.values():
        previous = ""
        for index, key in enumerate(chain, start=1):
            record = signing.key_record(key)
            problem = ""
            if key.sequence != index or key.previous_hash != previous:
                problem = gettext_lazy("the key history's chain is broken here")
            elif not signing.endorsed(record, key.endorsement):
                problem = gettext_lazy(
                    "not in the signed key history: its record does not match the endorsement"
                )
            elif key.retired_at is not None and not signing.verify(
                root, signing.retirement_record(key), key.retirement
            ):
                problem = gettext_lazy("its retirement is not signed")
            elif key.retired_at is None and index < len(chain):
                problem = gettext_lazy("a newer key exists but this one's retirement is missing")
            elif key.retired_on != (timezone.localdate(key.retired_at) if key.retired_at else None):
                problem = gettext_lazy("its retirement date does not match the signed history")
            previous = signing.link_hash(record, key.endorsement)
            if problem:
                refused.append(
                    {
                        "key_id": key.key_id,
                        "provider": key.provider.name,
                        "provider_id": key.provider_id,
                        "problem": str(problem),
                    }
                )
                continue
            trusted.append(
                {
                    "key_id": key.key_id,
                    "provider": key.provider.name,
                    "provider_id": key.provider_id,
                    "public_key": key.public_key,
                    "fingerprint": signing.grouped(signing.fingerprint(key.public_key)),
                    "sequence": key.sequence,
                    "valid_from": key.activated_at.isoformat(),
                    "valid_until": key.retired_at.isoformat() if key.retired_at else None,
                    "activated_on": key.activated_on.isoformat(),
                    "retired_on": key.retired_on.isoformat() if key.retired_on else None,
                    "record": record,
                    "endorsement": key.endorsement,
                    "retirement": key.retirement or None,
                }
            )
    return {
        "algorithm": "Ed25519",
        "root": {
            "public_key": root,
            "key_id": signing.root_id(root) if root else "",
            "fingerprint": signing.grouped(signing.fingerprint(root)) if root else "",
        },
        "keys": trusted,
        "refused": refused,
    }


def keys_api(request):
    """Every provider's public keys (active and retired) that the signed key history vouches for, with their
    fingerprints, validity and endorsements, to verify a certificate's signature independently."""
    body = {
        **key_history(),
        "payload": _(
            "UTF-8 bytes of the sorted-key compact JSON of the certificate payload; signature in base64url without "
            "padding; see the guide."
        ),
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def keys_page(request):
    """The HTML twin of `/api/public/keys/`."""
    return render(request, "verification/public_keys.html", key_history())
