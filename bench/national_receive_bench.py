"""Events per second into a national instance's aggregate (exchange national mode): signed province events
received by `exchange.aggregate.receive` (both signatures verified, the receipt, the upsert), then the same
events again (duplicates: verified, acknowledged, counted).

    .venv/bin/python bench/national_receive_bench.py [--events 2000] [--db postgres --pg-url postgres://…/x]

Same databases as bench/exchange_bench.py (a throw-away SQLite, or a PostgreSQL database dropped and created).
The events are synthetic `instrument.updated` / `certificate.updated` envelopes (half each, two versions per
object) of one province, signed with the real `signing.headers`; no HTTP (the endpoint's view only calls
`receive`), so the figure is the aggregate's own cost per event.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from exchange_bench import PG_URL, setup


def envelopes(n: int, province: str) -> list[dict]:
    now = dt.datetime.now(dt.UTC).isoformat()
    out = []
    for i in range(n):
        kind = "instrument" if i % 2 == 0 else "certificate"
        obj = i // 4  # two versions per object and kind
        version = 1 + (i // 2) % 2
        data = (
            {"serial": f"S-{obj}", "status": "in_use", "instrument_type_code": "8.1", "owner_id": 1}
            if kind == "instrument"
            else {"number": f"C-{obj}", "status": "valid", "kind": "periodic", "valid_until": "2027-12-31"}
        )
        out.append(
            {
                "id": str(uuid.uuid4()),
                "sequence": i + 1,
                "type": f"{kind}.updated",
                "schema_version": 1,
                "object": {"model": kind, "id": str(obj), "version": version},
                "province": province,
                "occurred_at": now,
                "data": data,
            }
        )
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help="the PostgreSQL database (dropped and created)")
    args = parser.parse_args(argv)
    setup(args.db, args.pg_url)

    from doluong.exchange import aggregate, signing
    from doluong.exchange.models import NationalCertificate, NationalInstrument, NationalReceipt
    from doluong.geo.models import Province

    province = Province.objects.order_by("pk").first()
    _source, secret = aggregate.add_source(province, public_key=signing.public_key())
    signed = []
    for env in envelopes(args.events, province.pk):
        body = json.dumps(env, sort_keys=True, separators=(",", ":")).encode()
        signed.append((signing.headers(secret, env["id"], int(time.time()), body), body))
    for label in ("new", "duplicate"):
        start = time.perf_counter()
        statuses = [aggregate.receive(province.pk, h, b) for h, b in signed]
        elapsed = time.perf_counter() - start
        expected = 204 if label == "new" else 200
        assert statuses.count(expected) == len(signed), (label, set(statuses))
        print(
            f"{args.db}: {len(signed)} {label} events in {elapsed:.2f} s = {len(signed) / elapsed:.0f} events/s"
        )
    assert NationalReceipt.objects.count() == len(signed)
    assert NationalInstrument.objects.count() + NationalCertificate.objects.count() == len(signed) // 2
    print(
        f"receipts {NationalReceipt.objects.count()}, instruments {NationalInstrument.objects.count()}, "
        f"certificates {NationalCertificate.objects.count()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
