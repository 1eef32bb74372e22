"""A receiver's verifier (no Django, no doluong import: copy this file). Checks a delivery's Standard Webhooks
headers: the timestamp within `tolerance` seconds, then either the HMAC "v1," signature with the shared secret, or
the Ed25519 "v1a," signature with the platform's published public key (`cryptography` needed for that one).

    from receiver import verify_signature, Refused
    event = verify_signature(headers, body, "whsec_…")   # the shared secret, or the base64 Ed25519 public key
    if seen(event["id"]): return 200   # deduplicate by the event id: a replay is delivered again

`verify_signature` is the one public function (with `Refused`); `verify` is the same with keyword arguments, kept
for the callers written before it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


class Refused(ValueError):
    """The delivery is not authentic (or too old / from the future): answer 400 and do not process it."""


def _content(headers: dict, body: bytes) -> tuple[str, int, bytes]:
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id, timestamp = lower["webhook-id"], int(lower["webhook-timestamp"])
        signatures = lower["webhook-signature"].split()
    except (KeyError, ValueError) as exc:
        raise Refused("missing or malformed webhook headers") from exc
    return msg_id, timestamp, signatures, f"{msg_id}.{timestamp}.".encode() + body


SECRET_PREFIX = "whsec_"


def verify_signature(
    headers: dict,
    body: bytes,
    key: str,
    *,
    tolerance: int = 300,
    now: float | None = None,
    raw: bool = False,
) -> dict | bytes:
    """The event of an authentic delivery, else `Refused`. `key` is either the subscriber's shared secret
    ("whsec_…": the "v1," HMAC signature is checked) or the sender's published Ed25519 public key (base64 of the
    32 raw bytes: the "v1a," signature is checked). `headers`: the request's headers (any case); `body`: the raw
    bytes as received, before any JSON parsing. Checked: the webhook headers are there, the timestamp is within
    `tolerance` seconds of `now` (default: the clock), a signature matches (constant-time for the HMAC), the body's
    `id` is the `webhook-id` and `schema_version` is 1. Deduplicating by `event["id"]` is the caller's part.
    `raw=True` (a DCC subscription's XML body): only the headers, the timestamp and the signature are checked and
    the body's bytes are returned; deduplicate by the `webhook-id` header."""
    if not key:
        raise Refused("no key to verify with")
    kind = {"secret": key} if key.startswith(SECRET_PREFIX) else {"public_key": key}
    try:
        return verify(headers, body, tolerance=tolerance, now=now, raw=raw, **kind)
    except Refused:
        raise
    except ValueError as exc:  # a key that is not base64 / not 32 bytes, a body that is not JSON
        raise Refused(f"cannot verify: {exc}") from exc


def verify(
    headers: dict,
    body: bytes,
    *,
    secret: str | None = None,
    public_key: str | None = None,
    tolerance: int = 300,
    now: float | None = None,
    raw: bool = False,
) -> dict | bytes:
    msg_id, timestamp, signatures, content = _content(headers, body)
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        raise Refused("timestamp outside the tolerance")
    ok = False
    if secret is not None:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
        ok = any(s.startswith("v1,") and hmac.compare_digest(s[3:], expected) for s in signatures)
    if not ok and public_key is not None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        for s in signatures:
            if s.startswith("v1a,"):
                try:
                    pub.verify(base64.b64decode(s[4:]), content)
                    ok = True
                    break
                except (InvalidSignature, ValueError):
                    continue
    if not ok:
        raise Refused("no valid signature")
    if raw:
        return body
    event = json.loads(body)
    if event.get("id") != msg_id:
        raise Refused("the body's event id is not the webhook-id")
    if event.get("schema_version") != 1:
        raise Refused(f"unknown schema version {event.get('schema_version')!r}")
    return event
