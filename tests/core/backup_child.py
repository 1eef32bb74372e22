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
from pathlib import Path


def public_check(client, number: str, short: str) -> list[dict]:
    response = client.get("/api/public/certificates/", {"n": number, "s": short})
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return [{"state": r["state"], "number": r["number"]} for r in response.json()["results"]]


def main(number: str, short: str) -> dict:
    from django.test import Client

    from doluong.verification import actions, signing
    from doluong.verification.models import Certificate

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for `tests.verification.kit`
    from tests.verification.kit import build_kit

    client = Client()
    existing = public_check(client, number, short)

    kit = build_kit()
    before = Certificate.objects.count()
    record = actions.do_record_verification(**kit.args())
    cert = actions.do_issue_certificate(record, user=kit.staff)
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
