"""Field work on a phone, offline: the day's package, the installable field page and its service worker, and the
sync endpoint that applies the phone's queued changes.

The package (`package`) is what the phone needs with no network: the signed-in inspector's open inspections of
the day (restrict(user, CHANGE)), their sites, the registered instruments at those sites with their last
certificate, the instrument checks already recorded (with their version, to edit them offline), the in-service
limit rule versions in force that day with the MPE bands the verdict is computed from, and the published public
keys of the providers (verification.public.key_history).

The sync (`sync`) takes records of two kinds, each with the client's id:

* ``check``: an instrument check, created (no base version) or edited from the server version it was read at
  (``base_version``); a version that moved on meanwhile is a conflict answered with both versions, never
  overwritten; the user chooses (keep mine: sent again with the new base; take theirs);
* ``photo``: a photo of a check, idempotent by its client id and SHA-256 (a photo sent again is not stored twice);
* ``signature``: a signature drawn on the screen (PNG) by the inspector or the person inspected, with the signer's
  name, role and time; idempotent like a photo.

A check carries where it was made: the phone's position (latitude, longitude, accuracy, time) when the browser gave
one, or ``location_status = "absent"`` with the reason when it gave none — never a position made up.

Every write goes through `core.actions.save_object` (the permission table, the model's validation); a refused
record comes back with its Vietnamese message and nothing of it is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doluong.core.actions import save_object
from doluong.core.scope import CHANGE, VIEW
from doluong.metrology._data import read_csv
from doluong.registry.models import Instrument

from .models import (
    Inspection,
    InstrumentCheck,
    InstrumentKind,
    LimitRule,
    Photo,
    SealedError,
    Signature,
    SignerRole,
    check_kind_for,
    sealed_message,
)

STATIC = Path(__file__).resolve().parent / "static" / "inspections" / "field"

#: the fields of an instrument check that the phone edits
CHECK_FIELDS = (
    "kind",
    "instrument",
    "found_unregistered",
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
)
#: the registered instruments of a site carried in the package at most (a large operator's whole fleet is not)
MAX_INSTRUMENTS = 200
_DECIMALS = (
    "e",
    "max_capacity",
    "reference",
    "indicated",
    "dispenser_mpe_percent",
    "latitude",
    "longitude",
    "location_accuracy",
)
#: decimal places kept of what the phone sends (its coordinates come with 15 digits)
_PLACES = {"latitude": 6, "longitude": 6, "location_accuracy": 1}
_BOOLS = ("stamp_ok", "certificate_ok", "seal_ok")


def _day(request) -> dt.date:
    raw = request.GET.get("date") or ""
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return timezone.localdate()


def _num(value) -> str | None:
    return None if value is None else format(value.normalize(), "f") if isinstance(value, Decimal) else value


def check_data(check: InstrumentCheck) -> dict:
    """An instrument check as the phone holds it (and as a conflict shows the server's version)."""
    return {
        "client_id": str(check.uuid),
        "id": check.pk,
        "inspection": check.inspection_id,
        "version": check.version,
        **{f: _num(getattr(check, f)) for f in _DECIMALS},
        **{f: getattr(check, f) for f in _BOOLS},
        "kind": check.kind,
        "instrument": check.instrument_id,
        "found_unregistered": check.found_unregistered,
        "accuracy_class": check.accuracy_class,
        "notes": check.notes,
        "location_status": check.location_status,
        "located_at": check.located_at.isoformat() if check.located_at else None,
        "location_note": check.location_note,
        "error": _num(check.error),
        "limit": _num(check.limit),
        "verdict": check.verdict,
        "rule": check.rule.code if check.rule_id else "",
        "explanation": check.explanation,
        "photos": [{"client_id": str(p.uuid), "sha256": p.sha256} for p in check.photos.all()],
    }


def mpe_bands() -> dict:
    """The initial-verification MPE bands of non-automatic scales (OIML R 76-1 Table 6) by class: a list of
    (upper bound in e, None: up to Max; MPE in e), and the fuel dispenser's default MPE (R 117-1 line A)."""
    bands: dict[str, list] = {}
    for row in read_csv("mpe_oiml_r76_nawi.csv"):
        if row["stage"] != "initial":
            continue
        upper = row["zone_upper"].replace("*e", "")
        bands.setdefault(row["accuracy_class"], []).append(
            {"upper_e": upper or None, "mpe_e": row["mpe_value"], "clause": row["clause"]}
        )
    fuel = next(r for r in read_csv("mpe_oiml_r117_fuel_dispenser.csv") if r["stage"] == "initial")
    return {
        "nawi": bands,
        "fuel_dispenser": {
            "accuracy_class": fuel["accuracy_class"],
            "mpe_percent": fuel["mpe_value"],
            "mmq_l": "2",
        },
    }


def _certificate(instrument: Instrument) -> dict | None:
    from doluong.verification import signing
    from doluong.verification.models import effective_status

    cert = instrument.certificates.select_related("key").order_by("-issued_on", "-pk").first()
    if cert is None:
        return None
    status = effective_status(cert.status, cert.valid_until)
    from doluong.verification.models import CertificateStatus

    return {
        "number": cert.number,
        "status": status,
        "status_label": str(CertificateStatus(status).label),
        "issued_on": cert.issued_on.isoformat(),
        "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
        "stamp_number": cert.stamp_number,
        "signature": cert.signature,
        # the signed content (verification.signing.payload) and its key: the phone checks the signature offline
        "payload": signing.payload(cert),
        "key_id": cert.key.key_id if cert.key_id else None,
    }


def build_package(user, day: dt.date) -> dict:
    visits = list(
        Inspection.objects.restrict(user, CHANGE)
        .filter(date=day, sealed_at__isnull=True)
        .select_related("site__commune", "site__operator", "campaign")
        .order_by("site__name", "pk")
    )
    site_ids = {v.site_id for v in visits}
    checks = (
        InstrumentCheck.objects.restrict(user, VIEW)
        .filter(inspection__in=visits)
        .select_related("rule")
        .prefetch_related("photos")
        .order_by("pk")
    )
    by_visit: dict[int, list] = {}
    for c in checks:
        by_visit.setdefault(c.inspection_id, []).append(check_data(c))
    sites = {}
    for v in visits:
        s = v.site
        instruments = []
        if s.operator_id:
            rows = list(
                Instrument.objects.restrict(user, VIEW)
                .filter(owner_id=s.operator_id, commune_id=s.commune_id)
                .select_related("instrument_type")
                .order_by("pk")[: MAX_INSTRUMENTS + 1]
            )
            for i in rows[:MAX_INSTRUMENTS]:
                instruments.append(
                    {
                        "id": i.pk,
                        "name": str(i),
                        "type": i.instrument_type.name,
                        # the kind a new check of it starts with (models.check_kind_for; "": the officer chooses)
                        "kind": check_kind_for(i),
                        "serial": i.serial,
                        "accuracy_class": i.accuracy_class,
                        "measuring_range": i.measuring_range,
                        "certificate": _certificate(i),
                    }
                )
        sites[s.pk] = {
            "id": s.pk,
            "name": s.name,
            "kind": s.kind,
            "kind_label": str(s.get_kind_display()),
            "address": s.address,
            "commune": s.commune.name,
            "operator": s.operator.name if s.operator_id else "",
            "latitude": _num(s.latitude),
            "longitude": _num(s.longitude),
            "instruments": instruments,
            "instruments_truncated": s.operator_id is not None and len(rows) > MAX_INSTRUMENTS,
        }
    rules = []
    for kind in InstrumentKind.values:
        rule = LimitRule.in_force(kind, day)
        if rule is not None:
            rules.append(
                {
                    "code": rule.code,
                    "instrument_kind": rule.instrument_kind,
                    "factor": _num(rule.factor),
                    "description": rule.description,
                    "effective_from": rule.effective_from.isoformat(),
                    "effective_to": rule.effective_to.isoformat() if rule.effective_to else None,
                    "legal_basis": rule.legal_basis,
                }
            )
    from doluong.verification.public import key_history

    keys = key_history()
    return {
        "date": day.isoformat(),
        "generated_at": timezone.now().isoformat(),
        "user": user.get_full_name() or user.get_username(),
        "inspections": [
            {
                "id": v.pk,
                "site": v.site_id,
                "date": v.date.isoformat(),
                "campaign": v.campaign.title,
                "inspector": v.inspector,
                "person_present": v.person_present,
                "version": v.version,
                "checks": by_visit.get(v.pk, []),
            }
            for v in visits
        ],
        "sites": [sites[k] for k in sorted(site_ids, key=lambda k: sites[k]["name"])],
        "limit_rules": rules,
        "mpe": mpe_bands(),
        "keys": {
            "algorithm": keys["algorithm"],
            "root": keys["root"],
            "keys": [
                {
                    k: key[k]
                    for k in (
                        "key_id",
                        "provider",
                        "provider_id",
                        "public_key",
                        "fingerprint",
                        "valid_from",
                        "valid_until",
                    )
                }
                for key in keys["keys"]
            ],
        },
    }


@login_required
@require_GET
def package(request):
    """The day's package of the signed-in inspector (JSON)."""
    return JsonResponse(build_package(request.user, _day(request)), json_dumps_params={"ensure_ascii": False})


# ------------------------------------------------------------------------------------ sync


class Refused(Exception):
    """A record the server does not apply: its Vietnamese message."""


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _visit(user, pk) -> Inspection:
    visit = Inspection.objects.restrict(user, CHANGE).filter(pk=pk).first() if str(pk).isdigit() else None
    if visit is None:
        raise Refused(
            _("No such %(model)s, or you may not %(action)s it.")
            % {"model": Inspection._meta.verbose_name, "action": _(CHANGE)}
        )
    if visit.is_sealed:
        raise Refused(str(sealed_message()))
    return visit


def _client_id(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Refused(_("The record has no valid identifier from the phone.")) from None


def _apply_fields(check: InstrumentCheck, data: dict, user) -> None:
    for name in CHECK_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in _DECIMALS:
            if value in (None, ""):
                value = None
            else:
                try:
                    value = Decimal(str(value).strip().replace(",", "."))
                    if not value.is_finite():
                        raise InvalidOperation
                    if name in _PLACES:
                        value = value.quantize(Decimal(1).scaleb(-_PLACES[name]))
                except (InvalidOperation, ValueError):
                    raise Refused(_("“%(value)s” is not a number.") % {"value": data[name]}) from None
        elif name == "located_at":
            value = _when(value)
        elif name in _BOOLS:
            value = bool(value)
        elif name == "instrument":
            if value in (None, ""):
                check.instrument = None
                continue
            inst = (
                Instrument.objects.restrict(user, VIEW).filter(pk=value).first()
                if str(value).isdigit()
                else None
            )
            if inst is None:
                raise Refused(
                    _("No such %(model)s, or you may not %(action)s it.")
                    % {"model": Instrument._meta.verbose_name, "action": _(VIEW)}
                )
            check.instrument = inst
            continue
        else:
            value = "" if value is None else str(value)
        setattr(check, name, value)


def _when(value):
    """A time sent by the phone (ISO 8601), or None."""
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Refused(_("The time sent by the phone is not valid.")) from None
    return when if timezone.is_aware(when) else timezone.make_aware(when, dt.UTC)


def _sync_check(user, rec: dict) -> dict:
    client_id = _client_id(rec.get("client_id"))
    visit = _visit(user, rec.get("inspection"))
    data = rec.get("data") or {}
    base = rec.get("base_version")
    existing = InstrumentCheck.objects.filter(uuid=client_id).select_related("rule").first()
    if existing is not None:
        if existing.inspection_id != visit.pk:
            raise Refused(_("The instrument check is of another inspection."))
        if not existing.permits(user, CHANGE):
            raise Refused(
                _("You may not %(action)s this %(model)s (outside your organisation or area).")
                % {"action": _(CHANGE), "model": InstrumentCheck._meta.verbose_name}
            )
        if base is None or int(base) != existing.version:
            return {
                "status": "conflict",
                "message": _(
                    "This check was changed on the server after your phone read it: choose which version to keep."
                ),
                "server": check_data(existing),
                "mine": data,
            }
        check = existing
    else:
        if base is not None:
            raise Refused(_("This instrument check no longer exists on the server."))
        check = InstrumentCheck(uuid=client_id, inspection=visit)
    _apply_fields(check, data, user)
    save_object(check, user)
    check.refresh_from_db()
    return {"status": "applied", "server": check_data(check)}


def _sync_photo(user, rec: dict, files) -> dict:
    client_id = _client_id(rec.get("client_id"))
    visit = _visit(user, rec.get("inspection"))
    declared = str(rec.get("sha256") or "").lower()
    existing = Photo.objects.filter(uuid=client_id).first()
    if existing is not None:
        if existing.inspection_id == visit.pk and existing.sha256 == declared:
            return {"status": "duplicate", "id": existing.pk, "sha256": existing.sha256}
        raise Refused(_("Another photo was already sent under this identifier."))
    upload = files.get(str(client_id))
    if not isinstance(upload, UploadedFile):
        raise Refused(_("The photo's file is missing from the sync: it stays on the phone."))
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    if digest.hexdigest() != declared:
        raise Refused(
            _("The photo arrived damaged (its SHA-256 differs from the phone's): it stays on the phone.")
        )
    check = InstrumentCheck.objects.filter(
        uuid=_client_id(rec.get("check_client_id")), inspection=visit
    ).first()
    if check is None:
        raise Refused(
            _("The photo's instrument check is not on the server yet: the photo stays on the phone.")
        )
    same = Photo.objects.filter(inspection=visit, instrument_check=check, sha256=declared).first()
    if same is not None:
        return {"status": "duplicate", "id": same.pk, "sha256": same.sha256}
    taken = None
    if rec.get("taken_at"):
        try:
            taken = dt.datetime.fromisoformat(str(rec["taken_at"]).replace("Z", "+00:00"))
        except ValueError:
            taken = None
    photo = Photo(
        uuid=client_id,
        inspection=visit,
        instrument_check=check,
        caption=str(rec.get("caption") or "")[:300] or _("Photo of the instrument"),
        taken_at=taken,
    )
    upload.seek(0)
    photo.file = upload
    save_object(photo, user)
    return {"status": "applied", "id": photo.pk, "sha256": photo.sha256}


def _sync_signature(user, rec: dict, files) -> dict:
    """A signature drawn on the phone: idempotent by the phone's id and the SHA-256 of the PNG."""
    client_id = _client_id(rec.get("client_id"))
    visit = _visit(user, rec.get("inspection"))
    declared = str(rec.get("sha256") or "").lower()
    existing = Signature.objects.filter(uuid=client_id).first()
    if existing is not None:
        if existing.inspection_id == visit.pk and existing.sha256 == declared:
            return {"status": "duplicate", "id": existing.pk, "sha256": existing.sha256}
        raise Refused(_("Another signature was already sent under this identifier."))
    upload = files.get(str(client_id))
    if not isinstance(upload, UploadedFile):
        raise Refused(_("The signature's image is missing from the sync: it stays on the phone."))
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    if digest.hexdigest() != declared:
        raise Refused(
            _("The signature arrived damaged (its SHA-256 differs from the phone's): it stays on the phone.")
        )
    role = str(rec.get("role") or "")
    if role not in SignerRole.values:
        raise Refused(_("The signer's role in the inspection is not valid."))
    signer = str(rec.get("signer") or "").strip()[:150]
    if not signer:
        raise Refused(_("The signature has no signer's name."))
    signed_at = _when(rec.get("signed_at")) or timezone.now()
    sig = Signature(uuid=client_id, inspection=visit, role=role, signer=signer, signed_at=signed_at)
    upload.seek(0)
    sig.image = upload
    save_object(sig, user)
    return {"status": "applied", "id": sig.pk, "sha256": sig.sha256}


@login_required
@require_POST
def sync(request):
    """Apply the phone's queued records; one answer per record (applied, duplicate, conflict or error)."""
    try:
        if request.content_type == "application/json":
            records = json.loads(request.body or b"{}").get("changes", [])
        else:
            records = json.loads(request.POST.get("changes") or "[]")
        if not isinstance(records, list):
            raise ValueError
    except (ValueError, AttributeError):
        return JsonResponse({"error": _("The sync data is not valid.")}, status=400)
    ordered = [r for r in records if isinstance(r, dict) and r.get("type") == "check"] + [
        r for r in records if isinstance(r, dict) and r.get("type") != "check"
    ]
    results = []
    for rec in ordered:
        answer = {"client_id": str(rec.get("client_id") or ""), "type": rec.get("type")}
        try:
            with transaction.atomic():
                if rec.get("type") == "check":
                    answer.update(_sync_check(request.user, rec))
                elif rec.get("type") == "photo":
                    answer.update(_sync_photo(request.user, rec, request.FILES))
                elif rec.get("type") == "signature":
                    answer.update(_sync_signature(request.user, rec, request.FILES))
                else:
                    raise Refused(_("Unknown kind of record."))
        except Refused as exc:
            answer.update(status="error", message=str(exc))
        except SealedError as exc:
            answer.update(status="error", message=" ".join(exc.messages))
        except ValidationError as exc:
            answer.update(status="error", message=_messages(exc))
        except PermissionDenied as exc:
            answer.update(status="error", message=str(exc))
        except (TypeError, ValueError):
            answer.update(status="error", message=_("The sync data is not valid."))
        results.append(answer)
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})


# ------------------------------------------------------------------------------------ the installable page

_FILES = {
    "field.js": "text/javascript; charset=utf-8",
    "sw.js": "text/javascript; charset=utf-8",
    "jsQR.js": "text/javascript; charset=utf-8",  # vendored QR decoder, in vendor/ (static/…/field/README.md)
    "icon.svg": "image/svg+xml",
    "icon-192.png": "image/png",
    "icon-512.png": "image/png",
}


#: third-party files, kept apart with their licences
_VENDORED = {"jsQR.js"}


@login_required
@require_GET
def page(request):
    """The field page: a shell that the service worker caches; field.js draws it from the day's package."""
    from django.middleware.csrf import get_token

    get_token(request)  # the CSRF cookie that the page sends back with its sync
    return render(request, "inspections/field.html", {})


@require_GET
def asset(request, name):
    """The field page's own files, served inside the service worker's scope (/inspections/field/)."""
    if name not in _FILES:
        raise Http404(name)
    path = STATIC / ("vendor" if name in _VENDORED else "") / name
    response = FileResponse(path.open("rb"), content_type=_FILES[name])
    response["Cache-Control"] = "no-cache"
    if name == "sw.js":
        response["Service-Worker-Allowed"] = "/inspections/field/"
    return response


@require_GET
def manifest(request):
    body = {
        "name": _("Field metrological inspection"),
        "short_name": _("Metrology inspection"),
        "description": _(
            "State metrological inspection at markets, shops and petrol stations, working even with no network"
        ),
        "lang": "vi",
        "start_url": "/inspections/field/",
        "scope": "/inspections/field/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0d5e3f",
        "icons": [
            {"src": "/inspections/field/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/inspections/field/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/inspections/field/icon.svg", "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response
