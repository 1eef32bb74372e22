"""The seal of a completed inspection: SHA-256 over a canonical serialisation of the inspection's fields, its
instrument checks (with where they were made), lots, findings, the bytes of its photos and of the signatures drawn on the phone (each photo enters by the SHA-256 of its bytes, read
from storage when the seal is made and again when it is verified).

Canonical form: UTF-8 bytes of the JSON of `document(inspection)` with sorted keys, no spaces (separators "," and
":"), non-ASCII kept as is; decimals as strings with the field's decimal places, dates and times in ISO 8601
(times in UTC), foreign keys by primary key. The bookkeeping columns (creation and change times, the folded
search text, the edit counter, the seal itself) are left out: they are not the record.

The evidence bundle is a zip: `inspection.json` (the canonical bytes), `photos/<uuid>.<ext>` (the stored bytes),
`corrections.json` (appended after the seal, outside it), `manifest.json` (the SHA-256 of every file, the seal,
the algorithm) and `README.txt` saying how to check it. `verify_bundle` checks a bundle with nothing but the zip.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Correction, Inspection, SealedError

ALGORITHM = "SHA-256"
#: columns that are bookkeeping, not the record
SKIP = {"created", "last_updated", "search_text", "version", "sealed_at", "sealed_by", "seal_hash"}
EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _value(field, value):
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return f"{Decimal(value):.{field.decimal_places}f}"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(field, models.UUIDField):
        return str(value)
    if isinstance(field, models.FileField):
        return None  # photos enter by their bytes' hash
    return value


def _row(obj) -> dict:
    out = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIP:
            continue
        out[field.attname] = _value(field, getattr(obj, field.attname))
    return out


def _photo_bytes(photo) -> bytes:
    try:
        return photo.read_bytes()
    except (FileNotFoundError, OSError, ValueError):
        return b""


_file_bytes = _photo_bytes


def document(inspection: Inspection, photo_bytes: dict | None = None, sig_bytes: dict | None = None) -> dict:
    """What the seal covers. `photo_bytes` / `sig_bytes` (uuid → bytes) replace reading the photos and the
    signatures from storage."""
    photos = []
    for p in inspection.photos.order_by("pk"):
        data = photo_bytes[str(p.uuid)] if photo_bytes is not None else _photo_bytes(p)
        row = _row(p)
        row.pop("file", None)
        row["sha256_of_bytes"] = hashlib.sha256(data).hexdigest()
        photos.append(row)
    signatures = []
    for sig in inspection.signatures.order_by("pk"):
        data = sig_bytes[str(sig.uuid)] if sig_bytes is not None else _file_bytes(sig)
        row = _row(sig)
        row.pop("image", None)
        row["sha256_of_bytes"] = hashlib.sha256(data).hexdigest()
        signatures.append(row)
    return {
        "format": "doluong.inspection/1",
        "inspection": _row(inspection),
        "checks": [_row(c) for c in inspection.checks.order_by("pk")],
        "lots": [_row(lot) for lot in inspection.lots.order_by("pk")],
        "findings": [_row(f) for f in inspection.findings.order_by("pk")],
        "photos": photos,
        "signatures": signatures,
    }


def canonical(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(inspection: Inspection) -> str:
    return hashlib.sha256(canonical(document(inspection))).hexdigest()


@transaction.atomic
def seal(inspection: Inspection, user) -> Inspection:
    """Seal a completed inspection (once). The caller has checked the user may change it."""
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.sealed_at is not None:
        raise SealedError(_("This inspection is already sealed."))
    if not (locked.checks.exists() or locked.lots.exists() or locked.findings.exists()):
        raise SealedError(
            _("Nothing was recorded in this inspection (no instrument, lot or finding): it cannot be sealed.")
        )
    value = digest(locked)
    name = (user.get_full_name() or user.get_username())[:150] if user is not None else ""
    Inspection.objects.filter(pk=locked.pk).update(sealed_at=timezone.now(), sealed_by=name, seal_hash=value)
    locked.refresh_from_db()
    inspection.sealed_at, inspection.sealed_by, inspection.seal_hash = (
        locked.sealed_at,
        locked.sealed_by,
        value,
    )
    return locked


def verify(inspection: Inspection) -> dict:
    """Recompute the seal from what is stored now: {"sealed", "ok", "stored", "computed", "photos": [...]}, each
    photo with whether its bytes still match the hash taken at upload."""
    if inspection.sealed_at is None:
        return {"sealed": False, "ok": False, "stored": "", "computed": digest(inspection), "photos": []}
    computed = digest(inspection)
    photos = []
    for p in inspection.photos.order_by("pk"):
        now = hashlib.sha256(_photo_bytes(p)).hexdigest()
        photos.append({"photo": p, "ok": now == p.sha256, "sha256": now})
    return {
        "sealed": True,
        "ok": computed == inspection.seal_hash,
        "stored": inspection.seal_hash,
        "computed": computed,
        "photos": photos,
    }


README = """Evidence bundle of a state metrological inspection (doluong).

inspection.json  the record as sealed: UTF-8 JSON, sorted keys, no spaces
photos/          the photos' stored bytes; each one's SHA-256 is in inspection.json (sha256_of_bytes)
signatures/      the signatures drawn on the phone (PNG); each one's SHA-256 is in inspection.json
manifest.json    SHA-256 of every file here and the seal

To check: sha256(inspection.json) must equal manifest.json "seal" (and the seal shown by the inspection's page);
the SHA-256 of each file under photos/ must equal its entry in manifest.json and in inspection.json.
"""


def bundle(inspection: Inspection) -> bytes:
    """The evidence bundle (zip) of a sealed inspection, with its corrections (appended, outside the seal)."""
    blobs = {str(p.uuid): (_photo_bytes(p), p.content_type) for p in inspection.photos.order_by("pk")}
    sigs = {str(s.uuid): _file_bytes(s) for s in inspection.signatures.order_by("pk")}
    body = canonical(document(inspection, {k: v[0] for k, v in blobs.items()}, sigs))
    files = {"inspection.json": body}
    for key, (data, ctype) in blobs.items():
        files[f"photos/{key}.{EXT.get(ctype, 'bin')}"] = data
    for key, data in sigs.items():
        files[f"signatures/{key}.png"] = data
    corrections = [
        {
            "created": c.created.astimezone(dt.UTC).isoformat(),
            "author": c.author,
            "text": c.text,
            "reason": c.reason,
        }
        for c in Correction.objects.filter(inspection=inspection).order_by("pk")
    ]
    files["corrections.json"] = json.dumps(corrections, ensure_ascii=False, indent=1).encode("utf-8")
    manifest = {
        "algorithm": ALGORITHM,
        "seal": inspection.seal_hash,
        "sealed_at": inspection.sealed_at.astimezone(dt.UTC).isoformat() if inspection.sealed_at else None,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        zf.writestr("README.txt", README)
    return buffer.getvalue()


def verify_bundle(data: bytes) -> list[str]:
    """The problems found in a bundle (empty: it is intact and its record matches its seal)."""
    problems = []
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        manifest = json.loads(zf.read("manifest.json"))
        record = zf.read("inspection.json")
    except (zipfile.BadZipFile, KeyError, ValueError):
        return [_("The file is not an evidence bundle (zip with manifest.json and inspection.json).")]
    names = set(zf.namelist()) - {"manifest.json", "README.txt"}
    for name in sorted(names | set(manifest.get("files", {}))):
        expected = manifest.get("files", {}).get(name)
        if name not in names:
            problems.append(_("%(name)s is listed in the manifest but missing.") % {"name": name})
        elif expected is None:
            problems.append(_("%(name)s is not listed in the manifest.") % {"name": name})
        elif hashlib.sha256(zf.read(name)).hexdigest() != expected:
            problems.append(_("%(name)s does not match its hash in the manifest.") % {"name": name})
    if hashlib.sha256(record).hexdigest() != manifest.get("seal"):
        problems.append(_("The record does not match the seal."))
    try:
        doc = json.loads(record)
    except ValueError:
        return [*problems, _("The record is not valid JSON.")]
    for p in doc.get("photos", []):
        candidates = [n for n in names if n.startswith(f"photos/{p.get('uuid')}.")]
        if not candidates:
            problems.append(_("A sealed photo is missing from the bundle."))
            continue
        if hashlib.sha256(zf.read(candidates[0])).hexdigest() != p.get("sha256_of_bytes"):
            problems.append(_("%(name)s is not the photo that was sealed.") % {"name": candidates[0]})
    for s in doc.get("signatures", []):
        name = f"signatures/{s.get('uuid')}.png"
        if name not in names:
            problems.append(_("A sealed signature is missing from the bundle."))
        elif hashlib.sha256(zf.read(name)).hexdigest() != s.get("sha256_of_bytes"):
            problems.append(_("%(name)s is not the signature that was sealed.") % {"name": name})
    return problems
