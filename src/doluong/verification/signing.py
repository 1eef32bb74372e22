"""Tamper evidence: Ed25519 signatures over a canonical payload of what a paper certificate shows.

The payload is a dict of strings (dates ISO, decimals in their plain form); its canonical bytes are the UTF-8 of
`json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`. The signature is stored in
base64url without padding (86 characters); the QR code carries the public check URL with the number and the
first `SHORT` characters of the signature, so a printed certificate whose number was changed, or a forged one,
does not match. Anyone can check a signature with the provider's published public key
(`/api/public/keys/`).

Private keys are stored sealed (Fernet) with a key derived from the site's SECRET_KEY.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from decimal import Decimal
from urllib.parse import urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.urls import reverse

SHORT = 16
PAYLOAD_VERSION = "1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fernet() -> Fernet:
    digest = hashlib.sha256(("doluong-signing-keys:" + settings.SECRET_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_keypair() -> tuple[str, str, str]:
    """(key_id, public key base64url, sealed private key) of a fresh Ed25519 key."""
    private = Ed25519PrivateKey.generate()
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    key_id = hashlib.sha256(raw_public).hexdigest()[:16]
    return key_id, _b64(raw_public), _fernet().encrypt(raw_private).decode("ascii")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
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


def sign(key, data: dict) -> str:
    raw = _fernet().decrypt(key.private_key.encode("ascii"))
    private = Ed25519PrivateKey.from_private_bytes(raw)
    return _b64(private.sign(canonical(data)))


@functools.lru_cache(maxsize=4096)
def _public_key(public_key_b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_unb64(public_key_b64))


def verify(public_key_b64: str, data: dict, signature: str) -> bool:
    try:
        _public_key(public_key_b64).verify(_unb64(signature), canonical(data))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def verify_certificate(cert) -> bool:
    """Whether the certificate's stored signature matches its current content under its provider's key."""
    key = cert.key
    if key is None or key.provider_id != cert.provider_id:
        return False
    return verify(key.public_key, payload(cert), cert.signature)


def short(signature: str) -> str:
    return (signature or "")[:SHORT]


def public_check_url(number: str, signature: str) -> str:
    """The URL in the QR code: the public check page with the number and the short signature."""
    query = urlencode({"n": number, "s": short(signature)})
    return f"{settings.SITE_URL.rstrip('/')}{reverse('public:verify')}?{query}"
