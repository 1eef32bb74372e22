"""Coverage at national scale: the worker's snapshot of every province's coverage inputs.

Reading a province's inputs (`data.gather`: instruments in use by type and commune, its providers' scope lines and
capacities, the year's certificates by type, commune and provider) takes about two seconds for a province of
160,000 instruments and 320,000 records, and the public coverage index reads every province: two minutes at
10 million instruments. So:

- `refresh(on)` gathers every province's inputs for `on` (default today) and replaces the snapshots in one
  transaction (readers see the old ones until the new ones are whole). `doluong manage refresh_coverage` runs it
  (from cron, daily, after the due tally; `--queue` hands it to the worker as a job of kind "coverage_snapshot").
- `usable(province_ids, day)` gives, for each province whose last snapshot counted more than LIVE_UP_TO
  instruments in use (the due tally's bound), that snapshot when it was counted on `day` or before; the public
  pages then compute the figures from it (the formulas are cheap; only reading the registry is not) under the
  formula version in force on the snapshot's day, and say when it was counted. Every other province — all of a
  small installation, a province without a snapshot — is read live, exactly, as before.
- Frozen reports (`CoverageReport`), the what-if of a province without a snapshot and the plan-progress
  calculators read live: a report must hold what the registry said on its data date.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.utils import timezone

from doluong.core.dates import today
from doluong.registry import tally

from . import data
from .models import CoverageSnapshot


def provinces() -> list[str]:
    """The provinces the coverage pages list: those with at least one organisation."""
    from doluong.geo.models import Province
    from doluong.parties.models import Organisation

    return list(
        Province.objects.filter(pk__in=Organisation.objects.values("province_id").distinct())
        .order_by("name")
        .values_list("pk", flat=True)
    )


def refresh(on: dt.date | None = None) -> int:
    """Gather every listed province's inputs for day `on` and replace the snapshots; the number of snapshots."""
    on = on or today()
    now = timezone.now()
    rows = []
    for province_id in provinces():
        started = time.monotonic()
        inputs = data.gather(province_id, on)
        rows.append(
            CoverageSnapshot(
                province_id=province_id,
                on=on,
                computed_at=now,
                seconds=round(time.monotonic() - started, 3),
                instruments=sum(p["count"] for p in inputs["populations"] if p.get("source") == "registry"),
                inputs=inputs,
            )
        )
    with transaction.atomic():
        CoverageSnapshot.objects.all().delete()
        CoverageSnapshot.objects.bulk_create(rows)
    return len(rows)


def usable(province_ids, day: dt.date) -> dict[str, CoverageSnapshot]:
    """province id -> the snapshot the pages read for it on `day` (only provinces too large to read live)."""
    return {
        snap.province_id: snap
        for snap in CoverageSnapshot.objects.filter(
            province_id__in=list(province_ids), instruments__gt=tally.LIVE_UP_TO, on__lte=day
        )
    }
