"""Run by test_numbering.py in separate processes: allocate certificate numbers against a real database.

python numbering_child.py setup              migrate the database (SQLITE_PATH or DATABASE_URL), print a provider id
python numbering_child.py threads PROVIDER   6 threads x 8 transactions, some rolled back; print committed numbers
python numbering_child.py allocate PROVIDER  15 transactions in this process; print the numbers
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

YEAR = 2099


class Boom(Exception):
    pass


def threads(provider_id: int) -> dict:
    from django.db import connections, transaction

    from doluong.verification import numbering

    committed: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker(index: int):
        try:
            for attempt in range(8):
                try:
                    with transaction.atomic():
                        value = numbering.next_value(provider_id, "certificate", YEAR)
                        time.sleep(0.002)  # hold the lock: the others must wait, not read the same value
                        if (index + attempt) % 5 == 0:
                            raise Boom  # the document is not written: its number goes back
                except Boom:
                    continue
                with lock:
                    committed.append(value)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return {"numbers": committed, "errors": errors}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doluong.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    mode = sys.argv[1]
    if mode == "setup":
        from doluong.geo.models import Province
        from doluong.parties.models import Organisation

        call_command("migrate", verbosity=0)
        province, _ = Province.objects.get_or_create(
            code="92", defaults={"name": "Cần Thơ", "type": "city", "effective_from": "2025-07-01"}
        )
        org = Organisation.objects.create(name="Phòng thử nghiệm", kind="service_provider", province=province)
        print(org.pk)
    elif mode == "reset":
        from doluong.verification.models import NumberCounter

        NumberCounter.objects.filter(year=YEAR).delete()
        print("ok")
    elif mode == "threads":
        print(json.dumps(threads(int(sys.argv[2]))))
    elif mode == "allocate":
        from doluong.verification import numbering

        out = []
        for _ in range(15):
            with transaction.atomic():
                out.append(numbering.next_value(int(sys.argv[2]), "certificate", YEAR))
        print(json.dumps(out))


if __name__ == "__main__":
    main()
