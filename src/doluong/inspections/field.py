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
* ``photo``: a photo of a check, idempotent by its client id and SHA-256 (a photo sent again is not stored twice).

Every write goes through `core.actions.save_object` (the permission table, the model's validation); a refused
record comes back with its Vietnamese message and nothing of it is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from doluong.core.scope import CHANGE, VIEW
from doluong.metrology._data import read_csv
from doluong.registry.models import Instrument

from .models import Inspection, InstrumentCheck, InstrumentKind, LimitRule

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
)
_DECIMALS = ("e", "max_capacity", "reference", "indicated", "dispenser_mpe_percent")
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
    from doluong.verification.models import effective_status

    cert = instrument.certificates.order_by("-issued_on", "-pk").first()
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
            rows = (
                Instrument.objects.restrict(user, VIEW)
                .filter(owner_id=s.operator_id, commune_id=s.commune_id)
                .select_related("instrument_type")
                .order_by("pk")
            )
            for i in rows:
                instruments.append(
                    {
                        "id": i.pk,
                        "name": str(i),
                        "type": i.instrument_type.name,
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
