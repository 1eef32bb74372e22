"""Certificates per second (record + issue + Ed25519 signature + Typst PDF) for a batch of 1,000, and public
check requests per second against a bare Django view doing the same lookup — measured in one run.

    .venv/bin/python bench/verification_bench.py [--certificates 1000] [--requests 2000]

It builds a throw-away SQLite database (WAL, IMMEDIATE, as the site) under a temporary folder with the demo
(1,500 instruments), or uses DATABASE_URL's PostgreSQL server if it is set (a fresh database bench_verification
is created and dropped). The issuing runs in one transaction (like a batch job) and is rolled back at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time


def setup() -> None:
    tmp = tempfile.mkdtemp(prefix="doluong-bench-")
    os.environ.setdefault("DOLUONG_DATA_DIR", tmp)
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = os.path.join(tmp, "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doluong.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.VERIFY_RATE_LIMIT = 10**9
    if os.environ.get("DATABASE_URL"):
        from django.db import connection

        settings.DATABASES["default"]["NAME"] = "bench_verification"
        with connection._nodb_cursor() as cursor:
            cursor.execute("DROP DATABASE IF EXISTS bench_verification")
            cursor.execute("CREATE DATABASE bench_verification")
        connection.settings_dict["NAME"] = "bench_verification"
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from doluong.core.demo import build_demo

    build_demo(instruments=1500, stdout=io.StringIO())


def bench_issue(count: int) -> dict:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from doluong.core.dates import today
    from doluong.parties.models import Organisation, Verifier
    from doluong.registry.models import Instrument, InstrumentType, MeasurementStandard
    from doluong.verification import actions, documents

    admin = get_user_model().objects.get(username="admin")
    provider = Organisation.objects.get(short_name="TTKT TĐC Cần Thơ")
    itype = InstrumentType.objects.get(code="8.1")
    day = today() - dt.timedelta(days=2)
    verifier = Verifier.objects.filter(
        organisation=provider, valid_until__gte=day, issued_on__lte=day
    ).first()
    verifier.instrument_types.add(itype)
    standard = MeasurementStandard.objects.filter(
        holder=provider, valid_until__gte=day, calibrated_on__lte=day
    ).first()
    instruments = list(
        Instrument.objects.filter(instrument_type=itype, province_id="92").select_related(
            "instrument_type", "owner"
        )
    )
    points = [
        {"label": "5 kg", "nominal": "5", "found": "5.1", "unit": "kg"},
        {"label": "30 kg", "nominal": "30", "found": "30.2", "unit": "kg"},
        {"label": "60 kg", "nominal": "60", "found": "59.8", "unit": "kg"},
    ]
    issue_times, pdf_times = [], []
    sizes = 0
    with transaction.atomic():
        start = time.perf_counter()
        for i in range(count):
            t0 = time.perf_counter()
            record = actions.do_record_verification(
                user=admin,
                kind="periodic",
                provider=provider,
                instrument=instruments[i % len(instruments)],
                verifier=verifier,
                performed_on=day,
                standards=[standard],
                points=points,
                accuracy_class="IIII",
                mpe_params={"e": "0.2", "Max": "60"},
                procedure="ĐLVN 30:2019",
                temperature="28",
                humidity="70",
            )
            cert = actions.do_issue_certificate(record, user=admin, issued_on=day, stamp_number=f"B{i}")
            t1 = time.perf_counter()
            pdf = documents.certificate_pdf(cert)
            t2 = time.perf_counter()
            sizes += len(pdf)
            issue_times.append(t1 - t0)
            pdf_times.append(t2 - t1)
        total = time.perf_counter() - start
        transaction.set_rollback(True)
    return {
        "count": count,
        "total": total,
        "per_second": count / total,
        "issue_ms": statistics.median(issue_times) * 1000,
        "pdf_ms": statistics.median(pdf_times) * 1000,
        "pdf_kb": sizes / count / 1024,
    }


def bench_public(requests: int) -> dict:
    from django.http import JsonResponse
    from django.test import Client
    from django.urls import clear_url_caches, path

    from doluong import urls as root
    from doluong.verification.models import Certificate

    def bare(request):
        cert = Certificate.objects.filter(lookup_key=Certificate.lookup_key_for(request.GET["n"])).first()
        return JsonResponse(
            {"number": cert.number, "status": cert.status} if cert else {"state": "not_found"}
        )

    root.urlpatterns.insert(0, path("bench/bare/", bare))
    clear_url_caches()
    numbers = list(Certificate.objects.values_list("number", flat=True)[:200])
    client = Client()

    def run(url: str) -> float:
        for n in numbers[:20]:  # warm up
            client.get(url, {"n": n})
        t0 = time.perf_counter()
        for i in range(requests):
            response = client.get(url, {"n": numbers[i % len(numbers)]})
            assert response.status_code == 200
        return requests / (time.perf_counter() - t0)

    results = {"bare": [], "api": [], "page": []}
    for _ in range(3):  # interleaved, so background load hits them alike
        results["bare"].append(run("/bench/bare/"))
        results["api"].append(run("/api/public/certificates/"))
        results["page"].append(run("/verify/"))
    return {k: max(v) for k, v in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    setup()
    from django.db import connection

    print(f"database: {connection.vendor}; demo built in {time.perf_counter() - t0:.1f} s")
    issue = bench_issue(args.certificates)
    print(
        f"issue {issue['count']} certificates (record + number + Ed25519 signature + instrument dates + Typst PDF): "
        f"{issue['total']:.1f} s = {issue['per_second']:.1f} certificates/s "
        f"(median per certificate: {issue['issue_ms']:.1f} ms database and signature, {issue['pdf_ms']:.1f} ms PDF, "
        f"{issue['pdf_kb']:.0f} KB)"
    )
    public = bench_public(args.requests)
    if connection.vendor == "postgresql":
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute("DROP DATABASE IF EXISTS bench_verification")
    print(
        f"public check, {args.requests} requests in-process (best of 3): JSON {public['api']:.0f} req/s, "
        f"HTML page {public['page']:.0f} req/s, bare Django view with the same lookup {public['bare']:.0f} req/s "
        f"(JSON at {public['api'] / public['bare']:.0%} of the bare view)"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    sys.exit(main())
