"""ORM `.values()` queries compiled once per process, run with new parameters: for the public hot paths, where
building and compiling the ORM query costs more than running it (the public certificate check, docs/scale.md).

    by_key = Precompiled(lambda key: Certificate.objects.filter(lookup_key=key).values("id", "number"))
    by_key.rows("ABC123")            # [{"id": …, "number": …}], exactly as `.values()` gives them

The builder is called once per database alias and shape of parameters with marker values in place of the real
ones; the compiled SQL, its column names and the ORM's converters are kept, and each later call puts the real
values where the markers stood. A list parameter (`__in`) is compiled once per length. The markers must reach the
SQL as parameters, exactly once each; anything else is refused when the query is first compiled."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

_INT_MARK = -7_777_000_000


def _mark(value, n: int):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"a precompiled query takes str or int parameters, not {type(value).__name__}")
    return _INT_MARK - n if isinstance(value, int) else f"\x00precompiled-{n}"


class Precompiled:
    def __init__(self, build: Callable):
        self.build = build
        self._compiled: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    def _shape(self, params) -> tuple:
        return tuple(
            ("list", len(p), type(p[0]).__name__ if p else "")
            if isinstance(p, (list, tuple))
            else type(p).__name__
            for p in params
        )

    def _compile(self, alias: str, params) -> tuple:
        n = 0
        marks, order = [], []
        for p in params:
            if isinstance(p, (list, tuple)):
                group = []
                for v in p:
                    group.append(_mark(v, n))
                    n += 1
                marks.append(group)
                order.extend(group)
            else:
                marks.append(_mark(p, n))
                order.append(marks[-1])
                n += 1
        query = self.build(*marks).query
        compiler = query.get_compiler(alias)
        sql, sql_params = compiler.as_sql()
        sql_params = list(sql_params)
        positions = []
        for mark in order:
            if sql_params.count(mark) != 1:
                raise RuntimeError(
                    f"a precompiled query must pass each parameter once to the SQL: {sql_params!r}"
                )
            positions.append(sql_params.index(mark))
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
        return sql, sql_params, positions, names, compiler, converters

    def rows(self, *params) -> list[dict]:
        key = (connection.alias, self._shape(params))
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.setdefault(key, self._compile(connection.alias, params))
        sql, sql_params, positions, names, compiler, converters = found
        values = list(sql_params)
        flat = [v for p in params for v in (p if isinstance(p, (list, tuple)) else [p])]
        for position, value in zip(positions, flat, strict=True):
            values[position] = value
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def forget(self) -> None:
        """Compile again at the next call (a test that changes the schema or the settings)."""
        self._compiled.clear()
