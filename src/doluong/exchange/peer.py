"""doluong-to-doluong: a national instance ingests a province's deliveries.

`NationalStore.ingest(headers, body)` verifies the delivery with the documented verifier (`receiver.verify_signature`: the
Ed25519 signature with the province's published key, or the HMAC secret), refuses an unknown schema version, a
bad signature or a stale timestamp **with a record** (`refusals`: event id, reason, time), deduplicates by the
event id (a replay or a retry is acknowledged and changes nothing), and keeps, per (province, entity kind, local
id), the latest version of the entity as a vn-metrology record (`national.to_record`): an older version arriving
late does not overwrite a newer one; a deletion removes it. The national statistics read `entities`.

This store is in memory (the convergence tests use it); a national instance keeps the same in tables:
`aggregate.py` (national mode: sources, receipts, refusals, aggregated organisations, instruments, certificates).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from . import national
from .receiver import Refused, verify_signature


@dataclass
class NationalStore:
    public_keys: dict[str, str]  # province code → the province instance's published Ed25519 key
    seen: set[str] = field(default_factory=set)
    entities: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    refusals: list[dict] = field(default_factory=list)
    duplicates: int = 0

    def _refuse(self, headers: dict, reason: str) -> int:
        lower = {k.lower(): v for k, v in headers.items()}
        self.refusals.append(
            {
                "event_id": lower.get("webhook-id", ""),
                "reason": reason,
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }
        )
        return 400

    def ingest(self, headers: dict, body: bytes, province: str, *, now: float | None = None) -> int:
        """The HTTP status the national receiver answers: 204 stored, 200 duplicate, 400 refused (recorded)."""
        key = self.public_keys.get(province)
        if key is None:
            return self._refuse(headers, f"unknown province instance {province!r}")
        try:
            event = verify_signature(headers, body, key, now=now)
        except Refused as exc:
            return self._refuse(headers, str(exc))
        if event["id"] in self.seen:
            self.duplicates += 1
            return 200
        if (event.get("province") or province) != province:
            return self._refuse(
                headers, f"event of province {event.get('province')!r} from instance {province!r}"
            )
        try:
            record = national.to_record(event)
        except national.NotMapped as exc:
            return self._refuse(headers, f"event kind not in the schema: {exc}")
        self.seen.add(event["id"])
        ident = (province, record["entity"]["kind"], record["entity"]["localId"])
        current = self.entities.get(ident)
        if current is not None and current["entity"]["version"] >= record["entity"]["version"]:
            return 204  # a late, older version: kept out
        if record["action"] == "deleted":
            self.entities[ident] = {**record, "deleted": True}
        else:
            self.entities[ident] = record
        return 204

    def live(self) -> dict[tuple[str, str, str], dict]:
        return {k: v for k, v in self.entities.items() if not v.get("deleted")}


def delivery(event) -> tuple[dict, bytes]:
    """The headers and body a province instance sends for `event` (as `delivery.post` does), for in-process use."""
    import time

    from . import signing

    body = json.dumps(event.envelope(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    secret = signing.new_secret()
    return signing.headers(secret, str(event.event_id), int(time.time()), body), body
