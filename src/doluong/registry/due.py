"""Due lists: instruments overdue and due within 30/60/90 days, counted by commune, owner or type, with a
drill-down list; both export XLSX/CSV and both start from `Instrument.objects.restrict(user, "view")`.

Buckets are disjoint and counted from today: overdue (due date before today), 0–30 days (today … today+30),
31–60 days, 61–90 days. "reminder" is the reminder window: due within the type's reminder lead time, or past.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from doluong.core.dates import today
from doluong.core.io import tabular_response
from doluong.core.scope import VIEW
from doluong.core.views import paged_table

from . import tally
from .filtersets import DueFilterSet
from .models import Instrument
from .reminders import lead_window_q
from .tables import DueInstrumentTable

BUCKETS = {
    "overdue": gettext_lazy("Overdue"),
    "due_30": gettext_lazy("0–30 days"),
    "due_60": gettext_lazy("31–60 days"),
    "due_90": gettext_lazy("61–90 days"),
}
LIST_BUCKETS = {
    **BUCKETS,
    "all": gettext_lazy("Overdue or due within 90 days"),
    "reminder": gettext_lazy("In the reminder window of the type, or overdue"),
}
#: group key -> (id field, label field, column title)
GROUPS = {
    "commune": ("commune_id", "commune__name", gettext_lazy("Commune")),
    "owner": ("owner_id", "owner__name", gettext_lazy("Owner")),
    "type": ("instrument_type_id", "instrument_type__name", gettext_lazy("Instrument type")),
}
GROUP_FILTER = {"commune": "commune", "owner": "owner", "type": "instrument_type"}


def bucket_q(bucket: str, on: dt.date) -> Q:
    day = dt.timedelta(days=1)
    if bucket == "overdue":
        return Q(next_due__lt=on)
    if bucket == "due_30":
        return Q(next_due__gte=on, next_due__lte=on + 30 * day)
    if bucket == "due_60":
        return Q(next_due__gt=on + 30 * day, next_due__lte=on + 60 * day)
    if bucket == "due_90":
        return Q(next_due__gt=on + 60 * day, next_due__lte=on + 90 * day)
    if bucket == "reminder":
        return Q(next_due__isnull=False) & lead_window_q(on)
    return Q(next_due__lte=on + 90 * day)  # "all"


def _filtered(request):
    """(filterset, the user's instruments after the filters); the filterset's cleaned data when it is valid."""
    queryset = Instrument.objects.restrict(request.user, VIEW)
    params = request.GET.copy()
    for name in ("by", "bucket", "export", "page", "per_page", "sort"):
        params.pop(name, None)
    filterset = DueFilterSet(params or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, queryset.none()
    return filterset, filterset.qs


def due_counts(queryset, by: str, on: dt.date):
    """Rows {key, label, overdue, due_30, due_60, due_90, total} per group, worst first, and the totals."""
    key, label, _title = GROUPS[by]
    # counted over next_due, which every row of the window has: the covering index (province, next_due) INCLUDE
    # (commune, owner, type) then answers alone (an index-only scan); COUNT(id) read the table's rows too (6× slower
    # at national scale, bench/national_bench.py)
    measures = {name: Count("next_due", filter=bucket_q(name, on)) for name in BUCKETS}
    window = queryset.filter(bucket_q("all", on))
    rows = (
        window.values(key, label)
        .annotate(**measures, total=Count("next_due"))
        .order_by("-overdue", "-total", label, key)
    )
    found = [{"key": r[key], "label": r[label], **{n: r[n] for n in (*BUCKETS, "total")}} for r in rows]
    # every instrument is in exactly one group, so the totals are the sums of the groups (no second query)
    totals = {n: sum(r[n] for r in found) for n in (*BUCKETS, "total")}
    return found, totals


#: group key -> the tally's (id field, label field), for the groups the tally holds (registry.tally)
TALLY_GROUPS = {
    "commune": ("commune_id", "commune__name"),
    "type": ("instrument_type_id", "instrument_type__name"),
}


def tallied_due_counts(found, by: str):
    """`due_counts` from the worker's tally (registry.tally): the same rows, summed over its (commune, type,
    status) rows; the window total is the sum of the four buckets, as `due_counts` counts it."""
    key, label = TALLY_GROUPS[by]
    rows = []
    for r in found.grouped(key, label):
        counts = {n: r[n] or 0 for n in BUCKETS}
        total = sum(counts.values())
        if total:
            rows.append({"key": r[key], "label": r[label], **counts, "total": total})
    rows.sort(key=lambda r: (-r["overdue"], -r["total"], r["label"], r["key"]))
    totals = {n: sum(r[n] for r in rows) for n in (*BUCKETS, "total")}
    return rows, totals


def summary_counts(request, filterset, queryset, by: str, on: dt.date):
    """(rows, totals, as_of): from the tally when it answers for this user, group and filters, else live
    (as_of None)."""
    if by in TALLY_GROUPS and (not filterset.is_bound or filterset.is_valid()):
        filters = dict(filterset.form.cleaned_data) if filterset.is_bound else {}
        found = tally.for_user(request.user, on, filters=filters)
        if found is not None:
            return (*tallied_due_counts(found, by), found.as_of)
    return (*due_counts(queryset, by, on), None)


class DueSummaryView(LoginRequiredMixin, View):
    """Counts of instruments overdue and due within 30/60/90 days, by commune, owner or type."""

    def get(self, request):
        on = today()
        by = request.GET.get("by") if request.GET.get("by") in GROUPS else "commune"
        filterset, queryset = _filtered(request)
        rows, totals, as_of = summary_counts(request, filterset, queryset, by, on)
        title = GROUPS[by][2]
        if request.GET.get("export") in ("csv", "xlsx"):
            headers = [str(title), *[str(v) for v in BUCKETS.values()], _("Total")]
            data = ([r["label"], *[r[n] for n in BUCKETS], r["total"]] for r in rows)
            return tabular_response(
                _("Due for verification"), f"due-by-{by}-{on:%Y%m%d}", headers, data, request.GET["export"]
            )
        page = Paginator(rows, 100).get_page(request.GET.get("page"))
        base = {k: v for k, v in request.GET.items() if k not in ("by", "page", "export", "bucket")}
        for row in page:
            query = {**base, GROUP_FILTER[by]: row["key"]}
            row["cells"] = [(n, row[n], "?" + urlencode({**query, "bucket": n})) for n in BUCKETS]
            row["all_link"] = "?" + urlencode({**query, "bucket": "all"})
        return render(
            request,
            "registry/due.html",
            {
                "filterset": filterset.for_page(),
                "rows": page,
                "totals": totals,
                "by": by,
                "groups": [(k, v[2]) for k, v in GROUPS.items()],
                "group_title": title,
                "buckets": BUCKETS,
                "on": on,
                "as_of": as_of,
                "base_query": urlencode(base),
                "total_cells": [
                    (n, label, totals[n], "?" + urlencode({**base, "bucket": n}))
                    for n, label in BUCKETS.items()
                ],
                "all_link": "?" + urlencode({**base, "bucket": "all"}),
                "query": urlencode({**base, "by": by}),
            },
        )


class DueListView(LoginRequiredMixin, View):
    """The instruments behind one count: a bucket (overdue, 0–30, 31–60, 61–90 days, all, reminder) and the
    filters of the summary."""

    def get(self, request):
        on = today()
        bucket = request.GET.get("bucket") if request.GET.get("bucket") in LIST_BUCKETS else "all"
        filterset, queryset = _filtered(request)
        queryset = (
            queryset.filter(bucket_q(bucket, on))
            .select_related("instrument_type", "owner", "commune", "last_verified_by")
            .order_by("next_due", "pk")
        )
        if request.GET.get("export") in ("csv", "xlsx"):
            return self.export(queryset, bucket, on, request.GET["export"])
        table, listing = paged_table(request, lambda rows: DueInstrumentTable(rows, on=on), queryset)
        base = {k: v for k, v in request.GET.items() if k not in ("page", "export", "sort")}
        return render(
            request,
            "registry/due_list.html",
            {
                "filterset": filterset.for_page(),
                "table": table,
                "listing": listing,
                "bucket": bucket,
                "bucket_label": LIST_BUCKETS[bucket],
                "buckets": LIST_BUCKETS,
                "on": on,
                "query": urlencode(base),
                "summary_query": urlencode({k: v for k, v in base.items() if k != "bucket"}),
            },
        )

    def export(self, queryset, bucket: str, on: dt.date, fmt: str) -> HttpResponse:
        meta = Instrument._meta
        names = ["instrument_type", "serial", "manufacturer", "model", "owner", "commune", "site_address"]
        names += ["last_verified_on", "last_verified_by", "next_due"]
        headers = ["ID", *[str(meta.get_field(n).verbose_name).capitalize() for n in names], _("Days left")]

        def value(obj, name):
            field = meta.get_field(name)
            if field.is_relation:
                related = getattr(obj, name)
                return str(related) if related is not None else ""
            return getattr(obj, name)

        rows = (
            [obj.pk, *[value(obj, n) for n in names], (obj.next_due - on).days]
            for obj in queryset.iterator(chunk_size=2000)
        )
        return tabular_response(_("Due for verification"), f"due-{bucket}-{on:%Y%m%d}", headers, rows, fmt)
