"""Events per second through the outbox and the signed delivery to a loopback receiver, and the lag after a bulk
load of instruments.

    .venv/bin/python bench/exchange_bench.py [--events 2000] [--instruments 5000] [--drain]
    .venv/bin/python bench/exchange_bench.py --instruments 100000            # the issue's bulk load
    .venv/bin/python bench/exchange_bench.py --db postgres [--pg-url postgres://…/doluong_health_bench]
    .venv/bin/python bench/exchange_bench.py --events 1000 --instruments 0 --request-sizes 1,10,100

`--db sqlite` (the default): a throw-away SQLite database (WAL, IMMEDIATE, as the site) under a temporary folder
with the reference data only. `--db postgres`: the PostgreSQL database of `--pg-url` (default
postgres://postgres@127.0.0.1:5432/doluong_health_bench), dropped and created afresh; DATABASE_URL, if set, is not
used, so the bench never touches the site's database. `--batch` sets the delivery batch (events per transaction). The receiver is a
threaded HTTP server on 127.0.0.1 that verifies every delivery with `exchange/receiver.py` (HMAC) and
deduplicates by the event id, as the documented receiver does.

1. outbox: `--events` instrument saves, one transaction each (the signal writes the event in it): saves/s;
2. delivery: `deliver_all()` until the lag is 0: events/s delivered (signed with HMAC and Ed25519, one HTTP POST
   each, one Delivery row and one chained log entry each); the receiver's count must equal the events;
3. events per request (`--request-sizes`, default 1,10,100; empty: skipped): the same `--events` events delivered
   again to a fresh subscription of each `batch_size` (1: one event a request to the receiver's single path; N > 1:
   up to N a request to its batch path `…/batch/`, in the national batch endpoint's format, each event signed and
   the request signed as a whole); the receiver verifies the request's HMAC and each event's, deduplicates and
   answers each event's status as the national endpoint does (it stores nothing, so the figure is the sending
   side's); events/s per size;
4. bulk load: `--instruments` rows with `bulk_create` (which bypasses the signals), then `outbox.record_bulk` for
   them: the lag is then the number of instruments; with `--drain` it is delivered too and the time printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PG_URL = "postgres://postgres@127.0.0.1:5432/doluong_health_bench"


def setup(db: str = "sqlite", pg_url: str = PG_URL) -> None:
    tmp = tempfile.mkdtemp(prefix="doluong-bench-")
    os.environ.setdefault("DOLUONG_DATA_DIR", tmp)
    if db == "postgres":
        os.environ["DATABASE_URL"] = pg_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = os.path.join(tmp, "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doluong.settings")
    import django

    django.setup()

    if db == "postgres":
        from django.db import connection

        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    import io

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference", stdout=io.StringIO())


class Receiver:
    def __init__(self, secret: str):
        import json

        from doluong.exchange.receiver import Refused, verify

        self.seen: set[str] = set()
        self.refused = 0
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.requests += 1
                if self.path.endswith("/batch/"):
                    return self.batch(body)
                try:
                    event = verify(dict(self.headers), body, secret=secret)
                except Refused:
                    outer.refused += 1
                    self.send_response(400)
                else:
                    outer.seen.add(event["id"])
                    self.send_response(204)
                self.end_headers()

            def batch(self, body):
                """The national batch endpoint's contract: the request's signature, then each event's."""
                try:
                    verify(dict(self.headers), body, secret=secret, raw=True)
                except Refused:
                    outer.refused += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                results = []
                for item in json.loads(body)["deliveries"]:
                    try:
                        event = verify(item["headers"], item["body"].encode(), secret=secret)
                    except Refused:
                        outer.refused += 1
                        results.append({"id": item["headers"].get("webhook-id"), "status": 400})
                        continue
                    status = 200 if event["id"] in outer.seen else 204
                    outer.seen.add(event["id"])
                    results.append({"id": event["id"], "status": status})
                answer = json.dumps({"results": results}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.batch_url = f"http://127.0.0.1:{self.server.server_port}/receive/82/batch/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def drain(batch: int | None = None) -> tuple[int, float, int]:
    from doluong.exchange.delivery import deliver_all, health

    options = {"batch": batch} if batch else {}
    start, total = time.perf_counter(), 0
    while True:
        counts = deliver_all(limit=500, **options)
        total += counts.get("delivered", 0)
        if not counts.get("delivered") and not counts.get("skipped"):
            break
    lag = sum(row["lag"] for row in health())
    return total, time.perf_counter() - start, lag


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--instruments", type=int, default=5000)
    parser.add_argument("--drain", action="store_true", help="deliver the bulk load's events too")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help="the PostgreSQL database (dropped and created)")
    parser.add_argument("--batch", type=int, default=None, help="events per delivery transaction")
    parser.add_argument(
        "--request-sizes",
        default="1,10,100",
        help="events per request (Subscription.batch_size) to measure, comma-separated; empty: skip",
    )
    args = parser.parse_args(argv)
    setup(args.db, args.pg_url)

    from django.db import connection, transaction

    from doluong.core.dates import today
    from doluong.exchange import outbox, signing
    from doluong.exchange.delivery import health
    from doluong.exchange.models import OutboxEvent, Subscription
    from doluong.geo.models import Commune
    from doluong.parties.models import Organisation
    from doluong.registry.models import Instrument, InstrumentType

    secret = signing.new_secret()
    receiver = Receiver(secret)
    sub = Subscription(name="bench", url=receiver.url, secret=signing.seal_secret(secret))
    sub.full_clean()
    sub.save()
    commune = Commune.objects.filter(province_id="82").order_by("code").first()
    owner = Organisation.objects.create(name="Công ty Đo thử", kind="enterprise", province_id="82")
    types = list(InstrumentType.objects.order_by("code")[:20])
    print(f"database: {connection.vendor}; receiver {receiver.url}", flush=True)

    # 1. outbox
    start = time.perf_counter()
    for i in range(args.events):
        with transaction.atomic():
            Instrument.objects.create(
                instrument_type=types[i % len(types)],
                owner=owner,
                province_id="82",
                commune=commune,
                serial=f"B{i}",
            )
    took = time.perf_counter() - start
    written = OutboxEvent.objects.count()
    print(
        f"outbox: {args.events} instrument saves → {written} events in {took:.2f} s = {args.events / took:.0f}/s"
    )

    # 2. delivery
    delivered, took, lag = drain(args.batch)
    print(
        f"delivery: {delivered} events in {took:.2f} s = {delivered / took:.0f} events/s "
        f"(receiver got {len(receiver.seen)} distinct, refused {receiver.refused}; lag after: {lag})"
    )
    assert len(receiver.seen) == written and not receiver.refused

    # 3. events per request: the same events again, to a fresh subscription of each batch size
    sizes = [int(n) for n in args.request_sizes.split(",") if n.strip()]
    for size in sizes:
        Subscription.objects.update(is_active=False)
        each = Subscription(
            name=f"bench {size} a request",
            url=receiver.batch_url if size > 1 else receiver.url,
            secret=signing.seal_secret(secret),
            batch_size=size,
        )
        each.full_clean()
        each.save()
        receiver.seen.clear()
        before = receiver.requests
        delivered, took, lag = drain(args.batch)
        print(
            f"events per request {size}: {delivered} events in {took:.2f} s = {delivered / took:.0f} events/s "
            f"({receiver.requests - before} requests; receiver got {len(receiver.seen)} distinct, "
            f"refused {receiver.refused}; lag after: {lag})",
            flush=True,
        )
        assert len(receiver.seen) == written and not receiver.refused
    if sizes:
        Subscription.objects.update(is_active=False)
        Subscription.objects.filter(pk=sub.pk).update(is_active=True)  # its cursor is at the last event

    # 4. bulk load
    from doluong.core.models import prepare_for_bulk

    start = time.perf_counter()
    rows = [
        Instrument(
            instrument_type=types[i % len(types)],
            owner=owner,
            province_id="82",
            commune=commune,
            serial=f"K{i}",
        )
        for i in range(args.instruments)
    ]
    prepare_for_bulk(rows)
    first = (Instrument.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    with transaction.atomic():
        Instrument.objects.bulk_create(rows, batch_size=2000)
    loaded = time.perf_counter() - start
    pks = list(Instrument.objects.filter(pk__gte=first).values_list("pk", flat=True))
    start = time.perf_counter()
    for at in range(0, len(pks), 5000):
        outbox.record_bulk(Instrument, pks[at : at + 5000])
    recorded = time.perf_counter() - start
    lag = sum(row["lag"] for row in health())
    print(
        f"bulk load: {args.instruments} instruments in {loaded:.2f} s; their events recorded in {recorded:.2f} s "
        f"({args.instruments / recorded:.0f}/s); lag = {lag} events behind the cursor"
    )
    if args.drain:
        delivered, took, lag = drain(args.batch)
        print(
            f"drained: {delivered} events in {took:.2f} s = {delivered / took:.0f} events/s; lag after: {lag}"
        )
    print(f"(day {today():%d/%m/%Y})")
    receiver.server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
