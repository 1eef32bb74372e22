"""Demo data of the open data app: every dataset published from the demo data (review date: the demo's day)."""

from __future__ import annotations

from .publish import refresh


def build(ctx) -> dict:
    return {"open datasets": len(refresh(day=ctx.today))}
