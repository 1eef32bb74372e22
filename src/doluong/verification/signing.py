"""Tamper evidence: Ed25519 signatures over canonical payloads, and the secrets that make them.

**Certificates.** The payload is a dict of strings (dates ISO, decimals in their plain form); its canonical bytes
are the UTF-8 of `json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`. The signature
is stored in base64url without padding (86 characters); the QR code carries the public check URL with the number
and the first `SHORT` characters of the signature, so a printed certificate whose number was changed, or a forged
one, does not match.

**Status statements.** Revocation, supersession and reinstatement are statements signed by the provider's key
(`status_payload`), chained: each names the hash of the previous link, and the first link is the certificate's
own signature (issuing is the statement "valid").

**Key history.** Every provider key is endorsed by the site's root key (`key_payload`), and each endorsement names
the hash of the provider's previous key record; a retirement is endorsed too (`retirement_payload`). A public key
replaced in the database no longer matches its endorsement: the public check refuses it.

**Secrets.** Private keys (the providers' and the root's) and the PAdES passphrase are sealed with Fernet under the
key-encryption key (KEK): `DOLUONG_KEK` (one or more Fernet keys, comma-separated, the first seals) or the file
`DOLUONG_KEK_FILE` (one key a line; default `DOLUONG_KEYS_DIR/kek`, created 0600 on first use). Never SECRET_KEY.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import os
import threading
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

SHORT = 16
PAYLOAD_VERSION = "1"
STATUS_VERSION = "status-1"
KEY_VERSION = "key-1"
RETIRE_VERSION = "key-retire-1"
#: the prefix of a sealed text column (the PAdES passphrase), so plain text left by an old version is recognised
SEALED = "kek:"


class SealError(ValidationError):
    """A sealed secret cannot be opened (wrong or missing KEK): a clear message, never a 500."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(public_key_b64: str) -> bytes:
    return _unb64(public_key_b64)


def fingerprint(public_key_b64: str) -> str:
    """SHA-256 of the raw 32-byte public key, hex."""
    try:
        return hashlib.sha256(_unb64(public_key_b64)).hexdigest()
    except (ValueError, TypeError):
        return ""


def grouped(hex_digest: str) -> str:
    """A fingerprint as people compare it: upper-case groups of four ("3F2A 91C0 …")."""
    text = (hex_digest or "").upper()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


# ------------------------------------------------------------------------------------------- KEK and sealing


def kek_file() -> Path:
    configured = getattr(settings, "DOLUONG_KEK_FILE", "") or ""
    return Path(configured) if configured else Path(settings.DOLUONG_KEYS_DIR) / "kek"


def _write_new(path: Path, content: str) -> None:
    """Create `path` (0600) with `content` unless it exists: atomic, safe against a concurrent creator."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def replace_file(path: Path, content: str) -> None:
    """Write `path` (0600) atomically: a reader sees the old or the new content, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def kek_keys(create: bool = True) -> list[bytes]:
    """The KEK's Fernet keys, the sealing one first. The default file is created on first use (demo, dev); a
    configured file that is missing, or a malformed key, raises SealError."""
    value = (getattr(settings, "DOLUONG_KEK", "") or "").strip()
    if value:
        lines = [part.strip() for part in value.split(",") if part.strip()]
        source = "DOLUONG_KEK"
    else:
        path = kek_file()
        if not path.exists():
            if not create or getattr(settings, "DOLUONG_KEK_FILE", ""):
                raise SealError(
                    _("The key-encryption key file %(path)s is missing: signing keys cannot be opened.")
                    % {"path": path}
                )
            _write_new(path, Fernet.generate_key().decode("ascii") + "\n")
        lines = [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
        source = str(path)
    try:
        keys = [line.encode("ascii") for line in lines]
        for key in keys:
            Fernet(key)
    except (ValueError, UnicodeEncodeError):
        raise SealError(
            _("The key-encryption key in %(source)s is not a valid Fernet key.") % {"source": source}
        ) from None
    if not keys:
        raise SealError(_("The key-encryption key in %(source)s is empty.") % {"source": source})
    return keys


def kek() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in kek_keys()])


def seal(raw: bytes) -> str:
    return kek().encrypt(raw).decode("ascii")


def unseal(token: str) -> bytes:
    try:
        return kek().decrypt((token or "").encode("ascii"))
    except (InvalidToken, ValueError, UnicodeEncodeError):
        raise SealError(
            _(
                "A sealed secret cannot be opened with the key-encryption key (DOLUONG_KEK / DOLUONG_KEK_FILE): "
                "it is not the key that sealed it. Restore the key file of the backup, or ask the administrator."
            )
        ) from None


def seal_text(text: str) -> str:
    """A text column's sealed form (`kek:` + Fernet token); empty stays empty."""
    if not text or text.startswith(SEALED):
        return text or ""
    return SEALED + seal(text.encode("utf-8"))


def unseal_text(value: str) -> str:
    if not value:
        return ""
    if not value.startswith(SEALED):
        return value  # written before sealing; the migration seals existing rows
    return unseal(value[len(SEALED) :]).decode("utf-8")


def legacy_fernet(secret_key: str) -> Fernet:
    """The key that sealed private keys before the KEK (derived from SECRET_KEY): read by the migration only."""
    digest = hashlib.sha256(("doluong-signing-keys:" + secret_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


# ----------------------------------------------------------------------------------------------------- keys


def new_keypair() -> tuple[str, str, str]:
    """(key_id, public key base64url, sealed private key) of a fresh Ed25519 key."""
    private = Ed25519PrivateKey.generate()
    raw_pub = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    key_id = hashlib.sha256(raw_pub).hexdigest()[:16]
    return key_id, _b64(raw_pub), seal(raw_private)


def _sign_raw(raw_private: bytes, data: dict) -> str:
    return _b64(Ed25519PrivateKey.from_private_bytes(raw_private).sign(canonical(data)))


def root_file() -> Path:
    configured = getattr(settings, "DOLUONG_ROOT_KEY_FILE", "") or ""
    return Path(configured) if configured else Path(settings.DOLUONG_KEYS_DIR) / "root.json"


def root_public(create: bool = True) -> str:
    """The site root key's public half (base64url): `DOLUONG_ROOT_PUBLIC_KEY` if pinned, else the root file's.
    The root file (created on first use, its private half sealed with the KEK) lives beside the KEK, outside the
    database: whoever can only write the database cannot endorse a key."""
    pinned = (getattr(settings, "DOLUONG_ROOT_PUBLIC_KEY", "") or "").strip()
    if pinned:
        return pinned
    path = root_file()
    try:
        return _read_root(str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        if not create:
            return ""
        private = Ed25519PrivateKey.generate()
        raw_pub = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        raw_private = private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        _write_new(path, json.dumps({"public": _b64(raw_pub), "sealed": seal(raw_private)}) + "\n")
    return _read_root(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _read_root(path: str, mtime_ns: int) -> str:
    """The root file's public half, read once per file version (the public check asks on every request)."""
    return json.loads(Path(path).read_text())["public"]


def root_id(public: str | None = None) -> str:
    public = public if public is not None else root_public()
    return fingerprint(public)[:16]


def _root_private() -> bytes:
    path = root_file()
    if not path.exists():
        root_public()
    data = json.loads(path.read_text())
    pinned = (getattr(settings, "DOLUONG_ROOT_PUBLIC_KEY", "") or "").strip()
    if pinned and pinned != data["public"]:
        raise SealError(_("The root key file does not match the pinned DOLUONG_ROOT_PUBLIC_KEY."))
    return unseal(data["sealed"])


def root_sign(data: dict) -> str:
    return _sign_raw(_root_private(), data)


def key_payload(*, provider_id, sequence, key_id, public_key, activated_at, previous, root) -> dict:
    """A provider key's record in the signed key history (endorsed by the root key)."""
    return {
        "v": KEY_VERSION,
        "provider_id": str(provider_id),
        "seq": str(sequence),
        "key_id": key_id,
        "public_key": public_key,
        "fingerprint": fingerprint(public_key),
        "valid_from": _text(activated_at),
        "previous": previous or "",
        "root": root,
    }


def key_record(key) -> dict:
    return key_payload(
        provider_id=key.provider_id,
        sequence=key.sequence,
        key_id=key.key_id,
        public_key=key.public_key,
        activated_at=key.activated_at,
        previous=key.previous_hash,
        root=key.root_id,
    )


def retirement_payload(*, provider_id, key_id, public_key, retired_at, root) -> dict:
    return {
        "v": RETIRE_VERSION,
        "provider_id": str(provider_id),
        "key_id": key_id,
        "fingerprint": fingerprint(public_key),
        "valid_until": _text(retired_at),
        "root": root,
    }


def retirement_record(key) -> dict:
    return retirement_payload(
        provider_id=key.provider_id,
        key_id=key.key_id,
        public_key=key.public_key,
        retired_at=key.retired_at,
        root=key.root_id,
    )


def link_hash(data: dict, signature: str) -> str:
    """The hash a chain's next link names: SHA-256 of the canonical payload, a dot and the signature."""
    return hashlib.sha256(canonical(data) + b"." + (signature or "").encode("ascii", "replace")).hexdigest()


@functools.lru_cache(maxsize=4096)
def _endorsed(root: str, record: tuple, endorsement: str) -> bool:
    return verify(root, dict(record), endorsement)


def endorsed(record: dict, endorsement: str) -> bool:
    """Whether the root key signed this key record (cached: a key row is shared by many certificates)."""
    try:
        root = root_public(create=False)
    except (OSError, ValueError, KeyError):
        return False
    if not root or not endorsement or record.get("root") != fingerprint(root)[:16]:
        return False
    return _endorsed(root, tuple(sorted(record.items())), endorsement)


def key_trusted(key) -> bool:
    return bool(key) and endorsed(key_record(key), key.endorsement)


# ------------------------------------------------------------------------------------------- certificates


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).isoformat()  # as the database gives it back, whatever the zone
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def payload(cert) -> dict:
    """The signed content of a certificate: its own fields and the snapshot taken when it was issued."""
    return payload_of(
        number=cert.number,
        kind=cert.kind,
        provider_id=cert.provider_id,
        key_id=cert.key.key_id if cert.key_id else None,
        issued_on=cert.issued_on,
        verified_on=cert.verified_on,
        valid_until=cert.valid_until,
        stamp_number=cert.stamp_number,
        snapshot=cert.snapshot,
    )


def payload_of(
    *, number, kind, provider_id, key_id, issued_on, verified_on, valid_until, stamp_number, snapshot
) -> dict:
    """`payload` from the column values (the public check reads columns, not model instances)."""
    return {
        "v": PAYLOAD_VERSION,
        "number": number,
        "kind": kind,
        "provider_id": str(provider_id),
        "key_id": key_id,
        "issued_on": _text(issued_on),
        "verified_on": _text(verified_on),
        "valid_until": _text(valid_until),
        "stamp_number": stamp_number or "",
        **(snapshot or {}),
    }


def genesis(certificate_signature: str) -> str:
    """The first link of a certificate's status chain: its issue, i.e. its own signature ("valid")."""
    return hashlib.sha256(
        b"certificate." + (certificate_signature or "").encode("ascii", "replace")
    ).hexdigest()


def reason_hash(reason: str) -> str:
    """Statements sign the reason's hash: the public check can publish them without the internal reason."""
    return hashlib.sha256((reason or "").encode("utf-8")).hexdigest()


def status_payload(
    *, number, provider_id, sequence, status, effective_at, reason, superseded_by, previous, key_id
) -> dict:
    """A status statement: certificate `number` has `status` from `effective_at`, after link `previous`."""
    return {
        "v": STATUS_VERSION,
        "number": number,
        "provider_id": str(provider_id),
        "seq": str(sequence),
        "status": status,
        "effective_at": _text(effective_at),
        "reason_sha256": reason_hash(reason),
        "superseded_by": superseded_by or "",
        "previous": previous,
        "key_id": key_id,
    }


def sign(key, data: dict) -> str:
    """Sign `data` with a provider key. A retired key signs nothing new; a key the KEK cannot open, or one that
    is not in the signed key history, gives a clear ValidationError."""
    if key.retired_on is not None or key.retired_at is not None:
        raise ValidationError(
            _("Signing key %(key)s is retired: it signs nothing new.") % {"key": key.key_id}
        )
    if not key_trusted(key):
        raise ValidationError(
            _(
                "Signing key %(key)s is not in the signed key history (its record does not match the root key's "
                "endorsement): an administrator must make a new key."
            )
            % {"key": key.key_id}
        )
    return _sign_raw(unseal(key.private_key), data)


@functools.lru_cache(maxsize=4096)
def _public_key(public_key_b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_unb64(public_key_b64))


def verify(public_key_b64: str, data: dict, signature: str) -> bool:
    try:
        _public_key(public_key_b64).verify(_unb64(signature), canonical(data))
    except (InvalidSignature, ValueError, TypeError, AttributeError):
        return False
    return True


def verify_certificate(cert) -> bool:
    """Whether the certificate's stored signature matches its current content under its provider's key, and that
    key is in the signed key history."""
    key = cert.key
    if key is None or key.provider_id != cert.provider_id or not key_trusted(key):
        return False
    return verify(key.public_key, payload(cert), cert.signature)


def short(signature: str) -> str:
    return (signature or "")[:SHORT]


def public_check_url(number: str, signature: str) -> str:
    """The URL in the QR code: the public check page with the number and the short signature."""
    query = urlencode({"n": number, "s": short(signature)})
    return f"{settings.SITE_URL.rstrip('/')}{reverse('public:verify')}?{query}"


def key_record_of(row: dict, prefix: str) -> dict:
    """`key_record` from joined columns named `<prefix>provider`, `<prefix>seq`, … (see public.KEY_COLUMNS)."""
    return key_payload(
        provider_id=row[f"{prefix}provider"],
        sequence=row[f"{prefix}seq"],
        key_id=row[f"{prefix}code"],
        public_key=row[f"{prefix}public"],
        activated_at=row[f"{prefix}activated_at"],
        previous=row[f"{prefix}previous"],
        root=row[f"{prefix}root"],
    )


def statement_record_of(row: dict, number: str, provider_id) -> dict:
    return status_payload(
        number=number,
        provider_id=provider_id,
        sequence=row["sequence"],
        status=row["status"],
        effective_at=row["effective_at"],
        reason=row["reason"],
        superseded_by=row["superseded_by_number"],
        previous=row["previous"],
        key_id=row["key_code"],
    )


def status_chain(number: str, provider_id, certificate_signature: str, rows: list[dict]):
    """Verify a certificate's status statements (rows in sequence order, with their key's joined columns).

    Returns (True, status, superseded_by number, effective_at) of the latest statement — ("valid", "", None) when
    there is none: the issue is the first link — or (False, problem, "", None). Each statement must be the next
    number, name the previous link's hash, and be signed by a key of the same provider that is in the signed key
    history."""
    previous = genesis(certificate_signature)
    status, newer, at = "valid", "", None
    for expected, row in enumerate(rows, start=1):
        if row["sequence"] != expected or row["previous"] != previous:
            return False, "broken_chain", "", None
        if row["key_provider"] != provider_id or not endorsed(
            key_record_of(row, "key_"), row["key_endorsement"]
        ):
            return False, "key_not_in_history", "", None
        data = statement_record_of(row, number, provider_id)
        if not verify(row["key_public"], data, row["signature"]):
            return False, "statement_signature", "", None
        previous = link_hash(data, row["signature"])
        status, newer, at = row["status"], row["superseded_by_number"] or "", row["effective_at"]
    return True, status, newer, at
