"""Counting and paging lists that may hold millions of rows (docs/scale.md, "Pages at national scale").

An exact ``count(*)`` over a country's instruments or records costs about a second on PostgreSQL, and an
``OFFSET`` costs in proportion to the rows it skips. So a list:

- counts exactly up to ``EXACT_UP_TO`` rows (``SELECT count(*) FROM (… LIMIT EXACT_UP_TO + 1)``: bounded work
  whatever the table's size); above that it shows the planner's estimate (PostgreSQL's ``EXPLAIN``) as
  "khoảng N", never less than what was counted; where the estimate is already more than
  ``ESTIMATE_ONLY_FACTOR`` times the bound, it is shown without counting;
- numbers its pages while the offset stays under ``OFFSET_UP_TO`` rows; further on, in its default order, it
  continues by key (``?after=<the last row's order values>``: the next page starts where this one ended, an
  index range scan instead of skipping rows). In an order the user chose, the page numbers stop there and the
  page says to narrow the list with the filters.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from decimal import Decimal

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.utils.functional import cached_property

#: rows counted exactly; above this the count is the planner's estimate (shown as "about N"). At 10M rows a
#: province officer's capped count through the scope's join costs ~0.1 s per 10,000 rows (docs/scale.md); the
#: reference tables (10,604 commune aliases) stay exact
EXACT_UP_TO = 100_000
#: a planner's estimate above this many times the bound is shown without the capped count (PostgreSQL): near the
#: bound the count stays exact, far above it the estimate is what the page would show anyway
ESTIMATE_ONLY_FACTOR = 3
#: the API's bound: a client paging through a whole table (the 10,604 commune aliases) wants the exact total
API_EXACT_UP_TO = 100_000
#: rows an OFFSET may skip (200 pages of 50); past it the default order continues by key, other orders stop
OFFSET_UP_TO = 10_000
#: from this offset on, a page first picks its rows' keys (the offset skips index entries, not joined rows), then
#: reads those rows with their joins ("deferred join")
DEFERRED_JOIN_FROM = 1_000

_ROWS = re.compile(r'"Plan Rows": (\d+)')


def planner_rows(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows `queryset` returns (``EXPLAIN (FORMAT JSON)``); None elsewhere; 0 for a
    queryset Django knows is empty (a filter ``__in`` an empty list has no SQL to explain)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    text = plan if isinstance(plan, str) else json.dumps(plan)
    found = _ROWS.search(text)
    return int(found.group(1)) if found else None


def bounded_count(queryset, exact_up_to: int | None = None) -> tuple[int, bool]:
    """(count, estimated): the exact count when it is at most `exact_up_to` (default EXACT_UP_TO), else the
    planner's estimate (at least `exact_up_to` + 1) and True."""
    exact_up_to = EXACT_UP_TO if exact_up_to is None else exact_up_to
    found = _queryset_of(queryset)
    if found is None:
        return len(queryset), False
    queryset = found
    estimate = planner_rows(queryset)
    if estimate is not None and estimate > ESTIMATE_ONLY_FACTOR * exact_up_to:
        # far above the bound: the capped count would only confirm it, and through a scope's OR over a join (a
        # province officer's records: own province, or done by the province's providers) it scans instead of
        # using an index (0.5 s at 20M records)
        return estimate, True
    capped = queryset.order_by()[: exact_up_to + 1].count()
    if capped <= exact_up_to:
        return capped, False
    if estimate is None:  # SQLite (the demo): pay for the exact count
        return queryset.count(), False
    return max(estimate, capped), True


def _queryset_of(rows) -> QuerySet | None:
    """The queryset behind a list: itself, or django-tables2's rows (BoundRows → TableData → QuerySet)."""
    for _ in range(3):
        if isinstance(rows, QuerySet):
            return rows
        rows = getattr(rows, "data", None)
    return None


class ListPaginator(Paginator):
    """django-tables2's paginator for the surfaces' lists: a bounded count, numbered pages up to OFFSET_UP_TO
    rows (Django's own paginator otherwise)."""

    estimated = False

    @cached_property
    def count(self):
        count, self.estimated = bounded_count(self.object_list)
        return count

    @cached_property
    def all_pages(self) -> int:
        return super().num_pages

    @cached_property
    def num_pages(self):
        return min(self.all_pages, max(1, OFFSET_UP_TO // self.per_page))

    @property
    def pages_capped(self) -> bool:
        return self.all_pages > self.num_pages

    def page(self, number):
        """The page; deep in the list (offset ≥ DEFERRED_JOIN_FROM) by a deferred join: `OFFSET` over the keys
        alone, then the page's rows with their joins (`select_related`) by key, in the same order."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = _queryset_of(self.object_list)
        if bottom < DEFERRED_JOIN_FROM or queryset is None or not hasattr(self.object_list, "table"):
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in queryset.order_by().filter(pk__in=keys)}
        rows = [found[key] for key in keys if key in found]
        from django_tables2.rows import BoundRows

        bound = self.object_list
        return self._get_page(BoundRows(rows, table=bound.table, pinned_data=bound.pinned_data), number, self)

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            if (
                self.estimated or self.pages_capped
            ):  # past the last numbered page (or an overshooting estimate)
                return self.num_pages
            raise


# ------------------------------------------------------------------------------------------- keyset pages


def order_fields(queryset: QuerySet) -> list[tuple[str, bool]] | None:
    """[(field name, descending)] of the queryset's order when every field is a non-null column of the model
    itself and the last is the primary key (so the order is total); None otherwise."""
    order = list(queryset.query.order_by or queryset.model._meta.ordering or ["pk"])
    model = queryset.model
    fields = []
    for item in order:
        if not isinstance(item, str):
            return None
        descending = item.startswith("-")
        name = item.lstrip("-")
        if name == "pk":
            name = model._meta.pk.name
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if field.null or "__" in name or not getattr(field, "column", None):
            return None
        fields.append((field.attname, descending))
    if not fields or fields[-1][0] != model._meta.pk.attname:
        fields.append((model._meta.pk.attname, fields[-1][1] if fields else False))
    return fields


def _encode(values: list) -> str:
    def plain(value):
        if isinstance(value, (dt.date, dt.datetime)):
            return {"d": value.isoformat(), "t": type(value).__name__}
        if isinstance(value, Decimal):
            return {"n": str(value)}
        return value

    raw = json.dumps([plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, count: int) -> list | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != count:
        return None
    out = []
    for value in values:
        if isinstance(value, dict) and "d" in value:
            try:
                parse = dt.datetime if value.get("t") == "datetime" else dt.date
                out.append(parse.fromisoformat(value["d"]))
            except (TypeError, ValueError):
                return None
        elif isinstance(value, dict) and "n" in value:
            try:
                out.append(Decimal(value["n"]))
            except ArithmeticError:
                return None
        elif isinstance(value, (str, int, float, bool)):
            out.append(value)
        else:
            return None
    return out


def after_q(fields: list[tuple[str, bool]], values: list) -> Q:
    """The rows after `values` in the order `fields`: (a, b, pk) > (x, y, z) spelt out column by column."""
    condition = Q()
    for i, (name, descending) in enumerate(fields):
        step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
        for j, (prior, _descending) in enumerate(fields[:i]):
            step &= Q(**{prior: values[j]})
        condition |= step
    return condition


def keyset_page(queryset: QuerySet, token: str, per_page: int) -> tuple[list, str | None] | None:
    """The page after `token` in the queryset's (default) order and the token of the page after it; None when
    the order cannot be continued by key or the token is not one of ours."""
    fields = order_fields(queryset)
    if fields is None:
        return None
    values = _decode(token, len(fields))
    if values is None:
        return None
    ordered = queryset.filter(after_q(fields, values)).order_by(
        *[F(name).desc() if desc else F(name).asc() for name, desc in fields]
    )
    rows = list(ordered[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    return rows, (next_token(rows[-1], fields) if more and rows else None)


def next_token(row, fields: list[tuple[str, bool]]) -> str:
    return _encode([getattr(row, name) for name, _desc in fields])


def token_after(queryset: QuerySet, position: int) -> str | None:
    """The key token of the row at 1-based `position` in the queryset's order (the last row of a numbered page)."""
    fields = order_fields(queryset)
    if fields is None or position < 1:
        return None
    names = [name for name, _desc in fields]
    found = list(queryset.values_list(*names)[position - 1 : position])
    return _encode(list(found[0])) if found else None
