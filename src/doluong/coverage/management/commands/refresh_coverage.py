"""`doluong manage refresh_coverage [--queue]`: gather every province's coverage inputs for today into the snapshots
that the public coverage pages read at national scale (coverage.snapshot). Idempotent; run it daily from cron,
after the due tally (docs/operations.md)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from doluong.core.management.queueable import DailyRefreshCommand


class Command(DailyRefreshCommand):
    help = (
        "Gather every province's coverage inputs for today into the snapshots the public coverage pages read."
    )
    job_kind = "coverage_snapshot"
    done = gettext_noop("Coverage snapshots for %(date)s: %(count)s provinces in %(seconds).1f s.")

    def refresh(self, on) -> int:
        from doluong.coverage.snapshot import refresh

        return refresh(on)
