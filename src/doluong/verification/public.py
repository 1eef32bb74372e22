"""The public certificate check (no login): `/verify/` for people, `/api/public/certificates/` for programs,
`/api/public/keys/` for the providers' public keys.

What it shows comes from the certificate's signed snapshot — what the paper shows (instrument, owner, provider,
dates, stamp) — and never more: no verifier, no tax code, no revocation reason. Requests are counted per client
IP in the cache (`VERIFY_RATE_LIMIT` per minute, default 30); above it the answer is 429 in Vietnamese.
"""

from __future__ import annotations

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from . import signing
from .choices import CertificateStatus, RecordKind
from .documents import dmy
from .models import Certificate, SigningKey

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


def rate_limited(json: bool):
    """Allow VERIFY_RATE_LIMIT lookups per client IP and minute (counted in the cache)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.GET.get("n"):
                limit = int(getattr(settings, "VERIFY_RATE_LIMIT", 30))
                window = int(time.time() // 60)
                key = f"doluong:verify:{client_ip(request)}:{window}"
                cache.add(key, 0, timeout=120)
                try:
                    count = cache.incr(key)
                except ValueError:  # evicted between add and incr
                    cache.set(key, 1, timeout=120)
                    count = 1
                if count > limit:
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


def _public(cert) -> dict:
    snap = cert.snapshot or {}
    subject = snap.get("subject", {})
    newer = cert.superseded_by.number if cert.superseded_by_id and cert.superseded_by else ""
    return {
        "number": cert.number,
        "kind": cert.kind,
        "kind_label": str(RecordKind(cert.kind).label),
        "instrument": {
            "name": subject.get("name", ""),
            "model": subject.get("model", ""),
            "serial": subject.get("serial", ""),
            "manufacturer": subject.get("manufacturer", ""),
        },
        "owner": snap.get("owner", {}),
        "provider": snap.get("provider", {}).get("name", ""),
        "verified_on": dmy(cert.verified_on),
        "issued_on": dmy(cert.issued_on),
        "valid_until": dmy(cert.valid_until) if cert.valid_until else "",
        "stamp_number": cert.stamp_number,
        "status_changed_on": dmy(cert.status_changed_on) if cert.status_changed_on else "",
        "superseded_by": newer,
        "key_id": cert.key.key_id,
    }


def check(number: str, short_sig: str = "") -> list[dict]:
    """One entry per certificate the number (and short signature) designates: its state and public fields."""
    key = Certificate.lookup_key_for(number)
    if not key:
        return [{"state": NOT_FOUND, "number": number}]
    candidates = list(
        Certificate.objects.filter(lookup_key=key)
        .select_related("key", "superseded_by")
        .order_by("-issued_on", "-pk")[:10]
    )
    if not candidates:
        return [{"state": NOT_FOUND, "number": number}]
    if short_sig:
        candidates = [c for c in candidates if signing.short(c.signature) == short_sig]
        if not candidates:
            return [{"state": MISMATCH, "number": number}]
    results = []
    for cert in candidates:
        if not signing.verify_certificate(cert):
            results.append({"state": MISMATCH, "number": cert.number})
            continue
        results.append(
            {
                "state": cert.effective_status,
                **_public(cert),
                "signed": {"payload": signing.payload(cert), "signature": cert.signature},
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
