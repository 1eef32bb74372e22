"""Signals of the registry's set-wise writes, for the apps above it (the exchange app's outbox listens).

`bulk_merged(sender=model, rows=[(pk, created), …])` is sent by a bulk kind's merge (`registry/bulk.py`,
`verification/bulk.py`) inside the merge's transaction, once per model the merge wrote, naming the rows it inserted
(created=True) or changed (created=False); rows that were unchanged are not named. A receiver that writes rows does
so in the same transaction: if the load fails afterwards, both roll back."""

from django.dispatch import Signal

bulk_merged = Signal()


def merged_rows(cursor, table: str, now, where: str, params: list) -> list[tuple[int, bool]]:
    """(id, created) of the rows of `table` stamped `last_updated = now` by this merge that match `where` (SQL over
    the table's alias `t`, usually a join to `bulk_typed`)."""
    cursor.execute(
        f"SELECT t.id, CASE WHEN t.created = %s THEN 1 ELSE 0 END FROM {table} t "
        f"WHERE t.last_updated = %s AND ({where}) ORDER BY t.id",
        [now, now, *params],
    )
    return [(pk, bool(created)) for pk, created in cursor.fetchall()]
