"""Date helpers."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils import timezone


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus a number of calendar months, clamped to the month's last day (31/01 + 1 → 28/02 or 29/02)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def today() -> dt.date:
    """Today in the site's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.localdate()
