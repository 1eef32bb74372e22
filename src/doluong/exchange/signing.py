"""Signing deliveries: the Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) with
"v1," = base64 HMAC-SHA256 of "id.timestamp.body" under the subscriber's secret, and "v1a," = base64 Ed25519
signature of the same string with the platform's exchange key, so that a receiver can verify with the published
public key alone.

The exchange key is its own key (purpose "exchange"), never the root key or a provider's certificate key: its file
`DOLUONG_KEYS_DIR/exchange.json` (or DOLUONG_EXCHANGE_KEY_FILE) holds the public half and the private half sealed
with the project's KEK (verification.signing.seal), created on first use. Subscriber secrets are sealed the same
way in the database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from doluong.verification.signing import seal_text, unseal, unseal_text

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def seal_secret(secret: str) -> str:
    return seal_text(secret)


def open_secret(sealed: str) -> str:
    return unseal_text(sealed)


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signed_content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body


def hmac_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret_bytes(secret), signed_content(msg_id, timestamp, body), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def key_file() -> Path:
    configured = getattr(settings, "DOLUONG_EXCHANGE_KEY_FILE", "") or ""
    return Path(configured) if configured else Path(settings.DOLUONG_KEYS_DIR) / "exchange.json"


def _key() -> dict:
    path = key_file()
    if not path.exists():
        from doluong.verification.signing import replace_file, seal

        private = Ed25519PrivateKey.generate()
        raw_pub = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        raw = private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(
            path,
            json.dumps(
                {"purpose": "exchange", "public": base64.b64encode(raw_pub).decode(), "sealed": seal(raw)}
            )
            + "\n",
        )
        path.chmod(0o600)
    return json.loads(path.read_text())


def public_key() -> str:
    """The platform's exchange public key (base64, raw 32 bytes), published for receivers."""
    return _key()["public"]


def ed25519_signature(msg_id: str, timestamp: int, body: bytes) -> str:
    private = Ed25519PrivateKey.from_private_bytes(unseal(_key()["sealed"]))
    return "v1a," + base64.b64encode(private.sign(signed_content(msg_id, timestamp, body))).decode("ascii")


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"{hmac_signature(secret, msg_id, timestamp, body)} "
        f"{ed25519_signature(msg_id, timestamp, body)}",
        "content-type": "application/json",
    }
