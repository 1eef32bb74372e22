"""Run by test_backup.py in a separate process against a RESTORED site (DATABASE_URL or SQLITE_PATH, and
DOLUONG_DATA_DIR, point at it): check an existing certificate through the public check, record a verification and
issue a new certificate through the actions, check that one too; print the results as JSON.

python backup_child.py NUMBER SHORT_SIGNATURE
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys


def public_check(client, number: str, short: str) -> list[dict]:
    response = client.get("/api/public/certificates/", {"n": number, "s": short})
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return [{"state": r["state"], "number": r["number"]} for r in response.json()["results"]]


def main(number: str, short: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from doluong.core.dates import today
    from doluong.parties.models import Organisation, Verifier
    from doluong.registry.models import Instrument, InstrumentType, MeasurementStandard
    from doluong.verification import actions, signing
    from doluong.verification.models import Certificate

    client = Client()
    existing = public_check(client, number, short)

    provider = Organisation.objects.get(short_name="TTKT TĐC Cần Thơ")
    itype = InstrumentType.objects.get(code="8.1")
    day = today() - dt.timedelta(days=3)
    verifier = Verifier.objects.filter(
        organisation=provider, valid_until__gte=day, issued_on__lte=day
    ).first()
    verifier.instrument_types.add(itype)
    standard = MeasurementStandard.objects.filter(
        holder=provider, valid_until__gte=day, calibrated_on__lte=day
    ).first()
    standard.instrument_types.add(itype)
    instrument = Instrument.objects.filter(instrument_type=itype, province_id="92").order_by("pk").first()
    staff = get_user_model().objects.get(username="ct.kiemdinh")
    before = Certificate.objects.count()
    record = actions.do_record_verification(
        user=staff,
        kind="periodic",
        provider=provider,
        instrument=instrument,
        verifier=verifier,
        performed_on=day,
        standards=[standard],
        points=[
            {"label": "5 kg", "nominal": "5", "found": "5.1", "unit": "kg"},
            {"label": "30 kg", "nominal": "30", "found": "30.2", "unit": "kg"},
            {"label": "60 kg", "nominal": "60", "found": "59.8", "unit": "kg"},
        ],
        accuracy_class="IIII",
        mpe_params={"e": "0.2", "Max": "60"},
        procedure="ĐLVN 30:2019",
        place="Chợ Ninh Kiều",
    )
    cert = actions.do_issue_certificate(record, user=staff)
    return {
        "existing": existing,
        "issued": {"number": cert.number, "verifies": signing.verify_certificate(cert)},
        "issued_check": public_check(client, cert.number, signing.short(cert.signature)),
        "certificates_before": before,
        "certificates_after": Certificate.objects.count(),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doluong.settings")
    if os.environ.get("DOLUONG_TEST_CHILD_NOW"):  # the parent test's pinned clock (tests/conftest.py)
        import time_machine

        time_machine.travel(
            dt.datetime.fromisoformat(os.environ["DOLUONG_TEST_CHILD_NOW"]), tick=True
        ).start()
    import django

    django.setup()
    print(json.dumps(main(sys.argv[1], sys.argv[2]), ensure_ascii=False))
