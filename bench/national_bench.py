"""National-scale benchmark: bulk import, hot queries and the public check, each against a reference measured in
the same run. Printed figures and a results file; no assertions (docs/scale.md explains the figures).

    .venv/bin/python bench/national_bench.py --scale 1m --db postgres      # PostgreSQL database doluong_bench
    .venv/bin/python bench/national_bench.py --scale 1m --db sqlite        # var/bench/bench-1m.sqlite3
    .venv/bin/python bench/national_bench.py --scale 10m --verifications 20m --db postgres   # the full run

The database is created from scratch (PostgreSQL: dropped and created; SQLite: the file replaced), migrated and
given the reference data, 34 provinces' organisations, then:

1. import: a CSV of N instruments (type mix of the demo, 3,321 communes, owners of the same province, last
   verifications spread over three years so due dates spread) through `core.bulk` (stage, validate, merge) ÷ a
   raw binary COPY (SQLite: raw executemany) of the very same rows into a copy of the table (same indexes and foreign keys);
2. verifications and certificates generated in SQL (not timed): one or more records per instrument;
3. hot queries: the page code's query (ORM: due counts, overdue by commune, monthly dashboard, search,
   certificate lookup) ÷ hand-written SQL on ideal indexes, median of repeats, and the page's query count;
4. public check: requests/s through gunicorn (2 sync workers, 32 client threads, http.client) for the public
   check API ÷ a bare Django view doing the same lookup behind the same gunicorn; p50/p99.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import http.client
import os
import platform
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "national"))

SCALES = {
    "10k": 10_000,
    "100k": 100_000,
    "1m": 1_000_000,
    "2m": 2_000_000,
    "10m": 10_000_000,
    "20m": 20_000_000,
}
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
#: BENCH_DATABASE_URL: another database for a second scale side by side (dropped and created like the default)
PG_BENCH = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/doluong_bench")
OUT: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    OUT.append(line)


def scale_of(text: str) -> int:
    return SCALES[text] if text in SCALES else int(text)


# ------------------------------------------------------------------------------------------ database


def prepare_database(db: str, scale: str) -> dict:
    env = {}
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            name = PG_BENCH.rsplit("/", 1)[1]
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = PG_BENCH
    else:
        path = ROOT / "var" / "bench" / f"bench-{scale}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["SQLITE_PATH"] = str(path)
        os.environ.pop("DATABASE_URL", None)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "doluong.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    return env


def reuse_database(db: str, scale: str) -> dict:
    if db == "postgres":
        env = {"DATABASE_URL": PG_BENCH}
    else:
        env = {"SQLITE_PATH": str(ROOT / "var" / "bench" / f"bench-{scale}.sqlite3")}
        os.environ.pop("DATABASE_URL", None)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "doluong.settings"
    import django

    django.setup()
    return env


def machine() -> str:
    cores = os.cpu_count()
    with open("/proc/meminfo") as f:
        ram = int(f.readline().split()[1]) // (1024 * 1024)
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = "PostgreSQL " + cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            version = "SQLite " + cursor.fetchone()[0]
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except StopIteration:
        pass
    return f"{cores} cores ({cpu}), {ram} GB RAM, {version}, Python {platform.python_version()}"


# ------------------------------------------------------------------------------------------ data


def organisations(rng: random.Random, per_province: int) -> dict:
    """Owners and two providers per province, written with bulk_create (not timed)."""
    from django.contrib.auth import get_user_model

    from doluong.core.models import prepare_for_bulk
    from doluong.core.validators import make_tax_code
    from doluong.geo.models import Commune, Province
    from doluong.parties.models import Organisation

    communes: dict[str, list[str]] = {}
    for code, province in Commune.objects.values_list("code", "province_id"):
        communes.setdefault(province, []).append(code)
    rows, seq = [], 0
    owners: dict[str, list[str]] = {}
    providers: dict[str, list[str]] = {}
    for province in Province.objects.order_by("code"):
        for n in range(per_province + 2):
            tax = None
            while tax is None:
                seq += 1
                tax = make_tax_code(f"{seq:09d}")
            provider = n < 2
            rows.append(
                Organisation(
                    name=f"{'Trung tâm Kiểm định' if provider else 'Công ty'} {province.name} số {n}",
                    kind="service_provider" if provider else "enterprise",
                    tax_code=tax,
                    province_id=province.code,
                    commune_id=rng.choice(communes[province.code]),
                )
            )
            (providers if provider else owners).setdefault(province.code, []).append(tax)
    Organisation.objects.bulk_create(prepare_for_bulk(rows), batch_size=5000)
    user_model = get_user_model()
    if not user_model.objects.filter(username="bench").exists():
        user_model.objects.create_superuser("bench", "bench@example.org", "bench-2026")
    return {"communes": communes, "owners": owners, "providers": providers}


def type_mix() -> list[tuple[str, float, list[str], list[str]]]:
    from doluong.registry.demo import MIX
    from doluong.registry.models import InstrumentType

    codes = set(InstrumentType.objects.values_list("code", flat=True))
    mix = [(c, share, makers, models) for c, (share, _g, makers, models, _k, _r) in MIX.items() if c in codes]
    return mix


def write_instruments(path: Path, n: int, rng: random.Random, orgs: dict, today: dt.date) -> None:
    mix = type_mix()
    codes = [m[0] for m in mix]
    weights = [m[1] for m in mix]
    details = {m[0]: (m[2], m[3]) for m in mix}
    provinces = sorted(orgs["communes"])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "Loại phương tiện đo",
                "Chủ sở hữu",
                "Xã, phường",
                "Số sản xuất",
                "Nhà sản xuất",
                "Kiểu",
                "Năm sản xuất",
                "Ngày kiểm định gần nhất",
                "Địa điểm sử dụng",
            ]
        )
        type_choices = rng.choices(codes, weights, k=n)
        for i in range(n):
            province = provinces[i % len(provinces)]
            code = type_choices[i]
            makers, models = details[code]
            verified = today - dt.timedelta(days=rng.randrange(0, 1100))
            writer.writerow(
                [
                    code,
                    rng.choice(orgs["owners"][province]),
                    rng.choice(orgs["communes"][province]),
                    f"N{i:09d}",
                    rng.choice(makers),
                    rng.choice(models),
                    2010 + i % 16,
                    verified.strftime("%d/%m/%Y"),
                    f"Số {i % 500} đường {i % 97}",
                ]
            )


def drop_indexes(cursor, *tables: str) -> list[str]:
    """Drop the tables' indexes but their primary keys (PostgreSQL) and return their definitions: bulk SQL
    copies then build each index once instead of row by row."""
    cursor.execute(
        "SELECT i.indexdef, i.indexname FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS ("
        "SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.contype = 'p')",
        [list(tables)],
    )
    found = cursor.fetchall()
    for _definition, name in found:
        cursor.execute(f'ALTER TABLE {tables[0]} DROP CONSTRAINT IF EXISTS "{name}"')
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [definition for definition, _name in found]


def restore_indexes(cursor, definitions: list[str]) -> None:
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for definition in definitions:
        cursor.execute(definition)


def fast_fill(
    n: int, rng: random.Random, orgs: dict, today: dt.date, tmp: Path, sample: int = 100_000
) -> None:
    """The pages' database without the import measurement: `sample` instruments through the bulk path (so every
    derived column is the application's own), then copies of them in SQL with a suffixed serial (PostgreSQL only;
    not timed as an import)."""
    from django.db import connection

    from doluong.core import bulk

    sample = min(n, sample)
    path = tmp / f"instruments-sample-{sample}.csv"
    write_instruments(path, sample, rng, orgs, today)
    with path.open("rb") as stream:
        result = bulk.run("instruments", path.name, stream, source="bench")
    assert result.ok and result.inserted == sample, (result.error_count, result.errors[:5])
    path.unlink(missing_ok=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'registry_instrument' "
            "AND column_name NOT IN ('id') ORDER BY ordinal_position"
        )
        columns = [c for (c,) in cursor.fetchall()]
        cursor.execute("SELECT max(id) FROM registry_instrument")
        top = cursor.fetchone()[0]
        copies = -(-n // sample) - 1
        dropped = drop_indexes(cursor, "registry_instrument")
        for k in range(1, copies + 1):
            rows = min(sample, n - sample * k)
            values = []
            for c in columns:
                if c == "serial":
                    values.append(f"serial || '-{k}'")
                elif c == "search_text":
                    values.append(f"search_text || ' {k}'")
                elif c == "source_key":
                    values.append(f"CASE WHEN source_key = '' THEN '' ELSE source_key || '-{k}' END")
                else:
                    values.append(c)
            cols = ", ".join(columns)
            cursor.execute(
                f"INSERT INTO registry_instrument ({cols}) SELECT {', '.join(values)} FROM registry_instrument "
                f"WHERE id <= {top} ORDER BY id LIMIT {rows}"
            )
        restore_indexes(cursor, dropped)
        # as autovacuum would have by the time anyone reads: statistics, and the visibility map that lets a count
        # read the index alone
        cursor.execute("VACUUM ANALYZE registry_instrument")
    say(f"filled {n:,} instruments: {sample:,} through the bulk path, the rest as SQL copies")


def bad_file(path: Path, source: Path, every: int, count: int, rng: random.Random) -> list[int]:
    """A copy of `source`'s first `every - 2` rows with `count` bad rows scattered (bad dates, unknown communes,
    bad years)."""
    positions = sorted(rng.sample(range(2, every), count))
    bad = set(positions)
    with source.open(encoding="utf-8") as src, path.open("w", encoding="utf-8", newline="") as dst:
        reader = csv.reader(src)
        writer = csv.writer(dst)
        for number, row in enumerate(reader, start=1):
            if number >= every:
                break
            if number in bad:
                kind = positions.index(number) % 3
                if kind == 0:
                    row[7] = "31/02/2025"
                elif kind == 1:
                    row[2] = "00000"
                else:
                    row[6] = "năm ngoái"
            writer.writerow(row)
    return positions


# ------------------------------------------------------------------------------------------ import


COPY_COLUMNS = [
    "created",
    "last_updated",
    "search_text",
    "instrument_type_id",
    "owner_id",
    "site_address",
    "commune_id",
    "province_id",
    "serial",
    "manufacturer",
    "model",
    "year",
    "type_approval_number",
    "accuracy_class",
    "measuring_range",
    "status",
    "last_verified_on",
    "last_verified_by_id",
    "valid_until",
    "next_due",
    "notes",
    "source",
    "source_key",
]


def bench_import(path: Path, n: int, db: str) -> dict:
    from django.db import connection

    from doluong.core import bulk

    say(f"import: {n:,} rows from {path.name} ({path.stat().st_size / 1e6:.0f} MB)")
    start = time.perf_counter()
    with path.open("rb") as stream:
        result = bulk.run("instruments", path.name, stream, source="bench")
    doluong_s = time.perf_counter() - start
    assert result.ok and result.inserted == n, (result.error_count, result.errors[:5])
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    say(f"  doluong bulk path: {doluong_s:.1f} s = {n / doluong_s:,.0f} rows/s ({phases})")
    cols = ", ".join(COPY_COLUMNS)
    with connection.cursor() as cursor:
        if db == "postgres":
            cursor.execute("DROP TABLE IF EXISTS ref_instrument")
            cursor.execute("CREATE TABLE ref_instrument (LIKE registry_instrument INCLUDING ALL)")
            # LIKE copies indexes but not foreign keys: the real table checks five of them (deferred, at
            # commit); the raw COPY must pay for them too
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'registry_instrument'::regclass AND contype = 'f'"
            )
            for name, definition in cursor.fetchall():
                cursor.execute(
                    f'ALTER TABLE ref_instrument ADD CONSTRAINT "{("ref_" + name)[:63]}" {definition}'
                )
            buffer = bytearray()
            with cursor.copy(
                f"COPY (SELECT {cols} FROM registry_instrument WHERE source = 'bench') TO STDOUT "
                "(FORMAT binary)"
            ) as copy:
                for chunk in copy:
                    buffer += chunk
            start = time.perf_counter()
            with cursor.copy(f"COPY ref_instrument ({cols}) FROM STDIN (FORMAT binary)") as copy:
                view = memoryview(buffer)
                for offset in range(0, len(view), 1 << 20):
                    copy.write(view[offset : offset + (1 << 20)])
            reference_s = time.perf_counter() - start
            label = (
                "raw binary COPY of the same rows into a copy of the table (same indexes and foreign keys)"
            )
            cursor.execute("DROP TABLE ref_instrument")
        else:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'registry_instrument' AND sql IS NOT NULL"
            )
            ddl = [row[0].replace('"registry_instrument"', '"ref_instrument"') for row in cursor.fetchall()]
            ddl = [s.replace(' INDEX "', ' INDEX "ref_', 1) for s in ddl]
            for statement in ddl:
                cursor.execute(statement)
            cursor.execute(f"SELECT {cols} FROM registry_instrument WHERE source = 'bench'")
            rows = cursor.fetchall()
            marks = ", ".join(["%s"] * len(COPY_COLUMNS))
            start = time.perf_counter()
            with connection.cursor() as insert:
                from django.db import transaction

                with transaction.atomic():
                    insert.executemany(f"INSERT INTO ref_instrument ({cols}) VALUES ({marks})", rows)
            reference_s = time.perf_counter() - start
            label = (
                "raw executemany of the same rows into a copy of the table (same indexes and foreign keys)"
            )
            cursor.execute("DROP TABLE ref_instrument")
    say(f"  reference, {label}: {reference_s:.1f} s = {n / reference_s:,.0f} rows/s")
    ratio = reference_s / doluong_s
    goal = 0.4 if db == "postgres" else 0.5
    say(f"  RATIO import ÷ reference = {ratio:.2f} (goal ≥ {goal})")
    return {"doluong_s": doluong_s, "reference_s": reference_s, "ratio": ratio}


def bench_rerun_and_bad(path: Path, n: int, rng: random.Random, tmp: Path, check_rows: int) -> None:
    """The same file again (nothing changes), then the file with 37 bad rows (all named, nothing written); at the
    full scale both on the file's first `check_rows` rows (the issue's 2-million-row file)."""
    from doluong.core import bulk
    from doluong.registry.models import Instrument

    if check_rows < n:
        part = tmp / f"first-{check_rows}.csv"
        with path.open(encoding="utf-8") as src, part.open("w", encoding="utf-8") as dst:
            for number, line in enumerate(src):
                if number > check_rows:
                    break
                dst.write(line)
        label = f"its first {check_rows:,} rows"
    else:
        part, label = path, "same file"
    start = time.perf_counter()
    with part.open("rb") as stream:
        again = bulk.run("instruments", part.name, stream, source="bench")
    say(
        f"  {label} again: {again.inserted} added, {again.updated} changed, {again.unchanged:,} unchanged "
        f"in {time.perf_counter() - start:.1f} s"
    )
    n = min(n, check_rows)
    bad_path = tmp / "bad.csv"
    positions = bad_file(bad_path, path, n + 2, 37, rng)
    before = Instrument.objects.count()
    start = time.perf_counter()
    with bad_path.open("rb") as stream:
        result = bulk.run("instruments", bad_path.name, stream, source="bench")
    named = sorted({e.row for e in result.errors})
    say(
        f"  {n:,} rows with 37 scattered bad rows: {result.bad_rows} bad rows named "
        f"({'all the planted ones' if named == positions else 'MISMATCH'}), "
        f"{Instrument.objects.count() - before} rows written, {time.perf_counter() - start:.1f} s"
    )
    for error in result.errors[:3]:
        say(f"    row {error.row}, {error.column}: {error.message}")
    if part != path:
        part.unlink()


# ------------------------------------------------------------------------------------------ verifications


def generate_verifications(per_instrument: int, today: dt.date, certificates: str = "all") -> int:
    """Records (one per instrument per cycle) and a certificate for each (`certificates="latest"`: for the latest
    cycle's records only, one current certificate per instrument), in SQL (not timed)."""
    from django.db import connection

    from doluong.verification import signing
    from doluong.verification.models import SigningKey

    providers = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT province_id, min(id) FROM parties_organisation WHERE kind = 'service_provider' "
            "GROUP BY province_id"
        )
        providers = dict(cursor.fetchall())
    from django.utils import timezone

    keys = []
    root = signing.root_id()
    for provider in providers.values():
        key_id, public, private = signing.new_keypair()
        key = SigningKey(
            provider_id=provider,
            key_id=key_id,
            public_key=public,
            private_key=private,
            activated_on=today,
            activated_at=timezone.now(),
            sequence=1,
            root_id=root,
        )
        key.endorsement = signing.root_sign(signing.key_record(key))  # in the signed key history
        keys.append(key)
    SigningKey.objects.bulk_create(keys)
    pg = connection.vendor == "postgresql"
    now = "now()" if pg else "CURRENT_TIMESTAMP"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE prov AS SELECT o.province_id, o.id AS provider_id, k.id AS key_id "
            "FROM parties_organisation o JOIN verification_signingkey k ON k.provider_id = o.id"
        )
        dropped = []
        if pg:
            for table in ("verification_verificationrecord", "verification_certificate"):
                dropped += drop_indexes(cursor, table)
        for cycle in range(per_instrument):
            shift = (
                f"i.last_verified_on - {365 * cycle}"
                if pg
                else f"date(i.last_verified_on, '-{365 * cycle} days')"
            )
            cursor.execute(f"""
                INSERT INTO verification_verificationrecord (created, last_updated, search_text, number, kind,
                  instrument_id, provider_id, performed_on, place, procedure, accuracy_class, mpe_rule, mpe_params,
                  environment_notes, visual_check_passed, technical_check_passed, result, reviewer_name,
                  province_id, commune_id, owner_id, notes, void_reason)
                SELECT {now}, {now}, '', 'BB ' || i.id || '/' || {cycle}, 'periodic', i.id, p.provider_id,
                  {shift}, '', 'ĐLVN', '', '', '{{}}', '', TRUE, TRUE, 'passed', '', i.province_id, i.commune_id,
                  i.owner_id, '', ''
                FROM registry_instrument i JOIN prov p ON p.province_id = i.province_id
                WHERE i.last_verified_on IS NOT NULL""")
            if cycle == 0:
                cursor.execute("SELECT coalesce(max(id), 0) FROM verification_verificationrecord")
                latest_top = cursor.fetchone()[0]
        only = f"WHERE r.id <= {int(latest_top)}" if certificates == "latest" else ""
        cursor.execute(f"""
            INSERT INTO verification_certificate (created, last_updated, search_text, number, lookup_key, record_id,
              provider_id, instrument_id, owner_id, province_id, kind, issued_on, verified_on, valid_until,
              stamp_number, status, status_reason, snapshot, signature, key_id, notes)
            SELECT {now}, {now}, '', r.id || ' - 26', r.id || '-26', r.id, r.provider_id, r.instrument_id,
              r.owner_id, r.province_id, r.kind, r.performed_on, r.performed_on, NULL, '', 'valid', '', '{{}}', '',
              p.key_id, ''
            FROM verification_verificationrecord r JOIN prov p ON p.provider_id = r.provider_id {only}""")
        cursor.execute("SELECT count(*) FROM verification_verificationrecord")
        records = cursor.fetchone()[0]
        cursor.execute("DROP TABLE prov")
        if pg:
            restore_indexes(cursor, dropped)
            cursor.execute("VACUUM ANALYZE verification_verificationrecord")
            cursor.execute("VACUUM ANALYZE verification_certificate")
        else:
            cursor.execute("ANALYZE")
    return records


def sign_sample(count: int, rng: random.Random) -> list[str]:
    """Sign `count` certificates for real (the public check verifies signatures) and return their numbers."""
    from django.db import connection

    from doluong.verification import signing
    from doluong.verification.models import Certificate

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM verification_certificate")
        top = cursor.fetchone()[0]
    ids = rng.sample(range(1, top + 1), count)
    numbers = []
    for cert in Certificate.objects.filter(pk__in=ids).select_related("key"):
        cert.signature = signing.sign(cert.key, signing.payload(cert))
        Certificate.objects.filter(pk=cert.pk).update(signature=cert.signature)
        numbers.append(cert.number)
    return numbers


# ------------------------------------------------------------------------------------------ hot queries


def timed(fn, repeats: int = 7) -> float:
    fn()  # warm
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def raw(sql: str, params: list, *more: tuple[str, list]):
    """Hand-written SQL (one statement, or several run one after the other, as a page runs them)."""
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            for statement, values in ((sql, params), *more):
                cursor.execute(statement, values)
                cursor.fetchall()

    return run


def bench_queries(today: dt.date, numbers: list[str], db: str) -> list[tuple]:
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from doluong.registry.due import bucket_q, due_counts
    from doluong.registry.models import Instrument
    from doluong.verification import public
    from doluong.verification.models import VerificationRecord

    province = "92"
    d30 = today + dt.timedelta(days=30)
    d90 = today + dt.timedelta(days=90)
    year_ago = today.replace(day=1) - dt.timedelta(days=365)
    qs = Instrument.objects.filter(province_id=province)  # what restrict() gives a provincial officer
    month = (
        "date_trunc('month', v.performed_on)" if db == "postgres" else "strftime('%%Y-%%m', v.performed_on)"
    )
    serial = "N000500092"
    cases = [
        (
            "due in 30 days, count for a province",
            lambda: qs.filter(bucket_q("due_30", today)).count(),
            raw(
                "SELECT count(*) FROM registry_instrument WHERE province_id = %s AND next_due BETWEEN %s AND %s",
                [province, today, d30],
            ),
        ),
        (
            "overdue/due by commune (due list page)",
            lambda: due_counts(qs, "commune", today),
            raw(
                """SELECT i.commune_id, c.name, count(*) FILTER (WHERE next_due < %s) AS overdue, count(*)
                   FROM registry_instrument i JOIN geo_commune c ON c.code = i.commune_id
                   WHERE i.province_id = %s AND i.next_due <= %s GROUP BY 1, 2 ORDER BY 3 DESC, 4 DESC"""
                if db == "postgres"
                else """SELECT i.commune_id, c.name, sum(next_due < %s) AS overdue, count(*)
                   FROM registry_instrument i JOIN geo_commune c ON c.code = i.commune_id
                   WHERE i.province_id = %s AND i.next_due <= %s GROUP BY 1, 2 ORDER BY 3 DESC, 4 DESC""",
                [today, province, d90],
            ),
        ),
        (
            "monthly dashboard: verifications by month and type (12 months)",
            lambda: list(
                VerificationRecord.objects.filter(province_id=province, performed_on__gte=year_ago)
                .annotate(month=TruncMonth("performed_on"))
                .values("month", "instrument__instrument_type")
                .annotate(n=Count("pk"))
                .order_by("month", "instrument__instrument_type")
            ),
            raw(
                f"""SELECT {month}, i.instrument_type_id, count(*) FROM verification_verificationrecord v
                    JOIN registry_instrument i ON i.id = v.instrument_id
                    WHERE v.province_id = %s AND v.performed_on >= %s GROUP BY 1, 2 ORDER BY 1, 2""",
                [province, year_ago],
            ),
        ),
        (
            "instrument search by serial (folded text), first page + count",
            lambda: (
                qs.filter(search_text__contains=serial.lower()).count(),
                list(
                    qs.filter(search_text__contains=serial.lower()).order_by(
                        "instrument_type__code", "serial"
                    )[:25]
                ),
            ),
            # the same contains-search by hand (trigram index on PostgreSQL; SQLite has no index for it):
            # the count, then the first page in the list's order
            raw(
                "SELECT count(*) FROM registry_instrument WHERE province_id = %s AND search_text LIKE %s",
                [province, f"%{serial.lower()}%"],
                (
                    "SELECT i.id, i.serial FROM registry_instrument i JOIN registry_instrumenttype t "
                    "ON t.id = i.instrument_type_id WHERE i.province_id = %s AND i.search_text LIKE %s "
                    "ORDER BY t.code, i.serial LIMIT 25",
                    [province, f"%{serial.lower()}%"],
                ),
            ),
        ),
        (
            "  (for scale: an exact serial lookup on a btree index)",
            lambda: list(qs.filter(serial=serial).values_list("id", flat=True)),
            raw(
                "SELECT id FROM registry_instrument WHERE serial = %s AND province_id = %s",
                [serial, province],
            ),
        ),
        (
            "certificate lookup by number (public check)",
            lambda: public.check(numbers[0]),
            # what the check reads, in one statement: the paper's fields, the signature, the key to verify it
            # (with its signed key-history record), the newer number, whether the record is voided, and the signed
            # status statements with their keys (the check verifies the status from them)
            raw(
                """SELECT c.id, c.number, c.kind, c.provider_id, c.issued_on, c.verified_on, c.valid_until,
                     c.stamp_number, c.snapshot, c.status, c.signature,
                     k.key_id, k.public_key, k.provider_id, k.sequence, k.activated_at, k.previous_hash,
                     k.root_id, k.endorsement, s.number, r.voided_on,
                     st.sequence, st.status, st.reason, st.effective_at, st.superseded_by_number, st.previous,
                     st.signature, sk.key_id, sk.public_key, sk.provider_id, sk.sequence, sk.activated_at,
                     sk.previous_hash, sk.root_id, sk.endorsement
                   FROM verification_certificate c
                   LEFT JOIN verification_signingkey k ON k.id = c.key_id
                   LEFT JOIN verification_certificate s ON s.id = c.superseded_by_id
                   LEFT JOIN verification_verificationrecord r ON r.id = c.record_id
                   LEFT JOIN verification_statusstatement st ON st.certificate_id = c.id
                   LEFT JOIN verification_signingkey sk ON sk.id = st.key_id
                   WHERE c.lookup_key = %s ORDER BY c.issued_on DESC, c.id DESC, st.sequence LIMIT 10""",
                [numbers[0].replace(" ", "").upper()],
            ),
        ),
        (
            "  (for scale: the certificate row's own columns only)",
            lambda: public.check(numbers[0]),
            raw(
                "SELECT id, number, status, valid_until, signature FROM verification_certificate WHERE lookup_key = %s",
                [numbers[0].replace(" ", "").upper()],
            ),
        ),
    ]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with (
        connection.cursor() as cursor
    ):  # the ideal index of the hand-written serial lookup, for this run only
        cursor.execute("CREATE INDEX IF NOT EXISTS bench_ideal_serial ON registry_instrument (serial)")
    rows = []
    for label, orm, hand in cases:
        ours = timed(orm)
        with CaptureQueriesContext(connection) as ctx:
            orm()
        statements = [q["sql"] for q in ctx.captured_queries]

        def replay(statements=statements):
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql.replace("%", "%%"), [])
                    cursor.fetchall()

        sql_only = timed(replay)
        ideal = timed(hand)
        rows.append(
            (label, ours, sql_only, len(statements), ideal, sql_only / ideal if ideal else float("inf"))
        )
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS bench_ideal_serial")
    return rows


def page_query_counts(numbers: list[str]) -> list[tuple]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    pages = [
        ("instrument list, page 1", "/registry/instruments/"),
        ("instrument search", "/registry/instruments/?q=N000500092"),
        ("due list summary", "/registry/due/?province=92"),
        ("public check", f"/verify/?n={numbers[1]}"),
        ("verification records", "/verification/records/"),
        ("certificates", "/verification/certificates/"),
        ("bulk loads", "/registry/bulk/"),
    ]
    found = []
    for label, url in pages:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            ms = (time.perf_counter() - start) * 1000
        found.append((label, url, response.status_code, len(ctx.captured_queries), ms))
    return found


def province_officer():
    """A provincial officer of Cần Thơ (92) for the pages bench: the scope a real officer's lists pay for."""
    from django.contrib.auth import get_user_model

    from doluong.parties.models import Membership, Organisation

    user, created = get_user_model().objects.get_or_create(username="bench.sokhcn")
    if created:
        dost = Organisation.objects.filter(province_id="92", kind="dost").first()
        if dost is None:
            dost = Organisation.objects.create(
                name="Sở Khoa học và Công nghệ (bench)", kind="dost", province_id="92", tax_code=""
            )
        Membership.objects.create(user=user, organisation=dost, role="province_officer")
    return user


def surface_pages(repeats: int = 3, match: str = "") -> list[tuple]:
    """Every surface's list page (first page, then page 200 where the list is that long) and the detail page of its
    first row, as the administrator and as a province officer: server time in process (median of `repeats`, after
    one warm-up request), queries, HTTP status."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from doluong.core.surface import NAV_LINKS, SURFACES

    clients = {}
    for who, user in (
        ("admin", get_user_model().objects.get(username="bench")),
        ("officer", province_officer()),
    ):
        client = Client()
        client.force_login(user)
        clients[who] = client
    found = []

    def measure(who: str, label: str, url: str) -> None:
        if match and not re.search(match, f"{who} {label} {url}"):
            return
        client = clients[who]
        client.get(url)
        times, status, count = [], None, 0
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            status, count = response.status_code, len(ctx.captured_queries)
        found.append((statistics.median(times), who, label, url, status, count))

    for surface in sorted(SURFACES.values(), key=lambda s: s.url_name("list")):
        list_url = surface.list_url()
        name = f"{surface.model._meta.app_label}.{surface.model.__name__}"
        for who in clients:
            measure(who, f"{name} list", list_url)
        if surface.model.objects.count() > 200 * 50:
            measure("admin", f"{name} list page 200", f"{list_url}?page=200")
        first = surface.model.objects.order_by("pk").first()
        if first is not None:
            measure("admin", f"{name} detail", surface.object_url(first))
    measure("admin", "home page", "/")
    measure("officer", "home page", "/")
    for link in sorted(NAV_LINKS, key=lambda link: link.url_name):
        try:
            url = reverse(link.url_name)
        except NoReverseMatch:
            continue
        for who in clients:
            measure(who, f"menu: {link.url_name}", url)
    return found


# ------------------------------------------------------------------------------------------ public check


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, paths: list[str], seconds: float, threads: int = 32) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(k: int):
        mine = []
        i = k
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += threads
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
                continue
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    began = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000 if latencies else 0,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0,
        "errors": errors[0],
    }


def bench_public(numbers: list[str], env: dict, seconds: float) -> dict:
    from urllib.parse import quote

    port = free_port()
    process_env = {
        **os.environ,
        **env,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{ROOT / 'bench' / 'national'}:{ROOT / 'src'}",
        # a production-like server (DEBUG off) refuses the development key: a throwaway one for this run
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
    }
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "doluong.wsgi:application",
        ],
        env=process_env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        public = [f"/api/public/certificates/?n={quote(n)}" for n in numbers]
        bare = [f"/bench/bare/?n={quote(n)}" for n in numbers]
        load(port, public[:50], 2)
        load(port, bare[:50], 2)
        results = {"public": [], "bare": []}
        for _round in range(2):  # interleaved, so background load hits both alike
            results["public"].append(load(port, public, seconds))
            results["bare"].append(load(port, bare, seconds))
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    best = {k: max(v, key=lambda r: r["rps"]) for k, v in results.items()}
    return best


# ------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="1m", help="instruments: 10k, 100k, 1m, 10m or a number")
    parser.add_argument(
        "--verifications", default="", help="verification records (default: one per instrument)"
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seconds", type=float, default=10, help="length of each load-test round")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--check-rows",
        default="2m",
        help="rows of the re-run and the 37-bad-rows file (default 2m: the whole file below that)",
    )
    parser.add_argument(
        "--certificates",
        choices=["all", "latest"],
        default="all",
        help="a certificate for every verification record, or for the latest cycle's only",
    )
    parser.add_argument(
        "--fill",
        choices=["import", "fast"],
        default="import",
        help="import: the whole file through the bulk path, measured; fast (PostgreSQL): 100,000 rows through it "
        "and SQL copies of them, for the pages section",
    )
    parser.add_argument("--only-pages", action="store_true", help="skip hot queries and the public check")
    parser.add_argument("--pages", default="", help="only the pages whose 'who label url' matches this regex")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the previous run's database: only queries, pages, public check",
    )
    args = parser.parse_args()
    n = scale_of(args.scale)
    per_instrument = max(1, round(scale_of(args.verifications) / n)) if args.verifications else 1
    rng = random.Random(args.seed)
    env = reuse_database(args.db, args.scale) if args.reuse else prepare_database(args.db, args.scale)
    from django.utils import timezone

    today = timezone.localdate()
    say(
        f"doluong national bench — {args.scale} instruments, {args.db}, {dt.datetime.now():%d/%m/%Y %H:%M}"
        + (" (queries, pages and public check on the previous run's database)" if args.reuse else "")
    )
    say(f"machine: {machine()}")
    load_avg = os.getloadavg()
    say(f"load average at start: {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}")
    say("")
    tmp = ROOT / "var" / "bench"
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"instruments-{args.scale}.csv"
    if not args.reuse:
        orgs = organisations(rng, per_province=max(20, n // (34 * 200)))
        start = time.perf_counter()
        if args.fill == "fast":
            fast_fill(n, rng, orgs, today, tmp)
            say(f"in {time.perf_counter() - start:.0f} s")
        else:
            write_instruments(path, n, rng, orgs, today)
            say(f"generated {path.name} in {time.perf_counter() - start:.0f} s")
            bench_import(path, n, args.db)
            bench_rerun_and_bad(path, n, rng, tmp, scale_of(args.check_rows))
        say("")
        start = time.perf_counter()
        records = generate_verifications(per_instrument, today, args.certificates)
        say(
            f"generated {records:,} verification records and certificates "
            f"({'one per record' if args.certificates == 'all' else 'for the latest cycle'}) "
            f"in {time.perf_counter() - start:.0f} s"
        )
    say("")
    # the due tally (registry.tally), as cron runs it hourly: the home page and the due summary of a large scope
    # read it when it is from today, so the pages below are measured as a deployed site serves them
    from doluong.registry.tally import refresh

    start = time.perf_counter()
    tally_rows = refresh()
    say(f"due tally refreshed ({tally_rows:,} rows) in {time.perf_counter() - start:.1f} s")
    # the coverage snapshots (coverage.snapshot), as cron runs them daily: the public coverage pages of a large
    # province read them
    from doluong.coverage.models import CoverageSnapshot
    from doluong.coverage.snapshot import refresh as refresh_coverage

    start = time.perf_counter()
    provinces = refresh_coverage()
    slowest = CoverageSnapshot.objects.order_by("-seconds").first()
    say(
        f"coverage snapshots refreshed ({provinces} provinces) in {time.perf_counter() - start:.1f} s"
        + (f"; slowest province {slowest.province_id}: {slowest.seconds:.1f} s" if slowest else "")
    )
    say("")
    say(
        "every surface's pages (server time in process, median of 3 after a warm-up; admin and a province officer):"
    )
    pages = surface_pages(match=args.pages)
    for ms, who, label, url, status, count in pages:
        say(f"  {ms:8.1f} ms  {count:3d} q  HTTP {status}  {who:7s}  {label:48s} {url}")
    slow = sorted(pages, reverse=True)[:5]
    say("slowest five:")
    for ms, who, label, url, _status, _count in slow:
        say(f"  {ms:8.1f} ms  {who:7s}  {label}  {url}")
    over = [p for p in pages if p[0] > 300]
    say(f"pages over 300 ms: {len(over)} of {len(pages)}")
    suffix = "-queries" if args.reuse else ""
    if args.only_pages:
        results = ROOT / "bench" / "results" / f"{dt.date.today():%Y-%m-%d}-{args.scale}-{args.db}-pages.txt"
        results.write_text("\n".join(OUT) + "\n", encoding="utf-8")
        print(f"\nwritten {results.relative_to(ROOT)}")
        return
    numbers = sign_sample(500, rng)
    say("")
    say(
        "hot queries (median of 7, ms): the page code's queries (ORM, and their SQL alone) ÷ hand-written SQL "
        "on ideal indexes (goal ≤ 2)"
    )
    for label, ours, sql_only, count, ideal, ratio in bench_queries(today, numbers, args.db):
        say(
            f"  {label:64s} ORM {ours:8.2f}  SQL {sql_only:8.2f} ({count} q)  ideal {ideal:8.2f}  RATIO {ratio:5.2f}"
        )
    say("")
    say("queries per page (admin, second request):")
    for label, url, status, count, ms in page_query_counts(numbers):
        say(f"  {label:28s} {count:3d} queries  {ms:8.1f} ms  HTTP {status}  {url}")
    say("")
    say(
        f"public check through gunicorn (2 sync workers, 32 client threads, {args.seconds:.0f} s rounds, best of 2):"
    )
    best = bench_public(numbers, env, args.seconds)
    for name in ("public", "bare"):
        r = best[name]
        say(
            f"  {name:7s} {r['rps']:8.0f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  errors {r['errors']}"
        )
    say(f"  RATIO public ÷ bare = {best['public']['rps'] / best['bare']['rps']:.2f} (goal ≥ 0.8)")
    results = ROOT / "bench" / "results" / f"{dt.date.today():%Y-%m-%d}-{args.scale}-{args.db}{suffix}.txt"
    results.write_text("\n".join(OUT) + "\n", encoding="utf-8")
    print(f"\nwritten {results.relative_to(ROOT)}")
    path.unlink(missing_ok=True)
    (tmp / "bad.csv").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
