"""PostgreSQL indexes measured to pay at 1M instruments (docs/scale.md); nothing on SQLite.

* `registry_instr_prov_due` becomes covering: (province, next_due) INCLUDE (commune, owner, instrument type), so the
  due counts by commune/owner/type read the index only (6–15 ms → 0.6 ms for a province). Same name and key
  columns as the index the model declares, so Django's state is unchanged; kept out of `Meta.indexes` because
  SQLite has no non-key columns (system check W040 on every migrate).
* a trigram index on the folded search column, so that `search_text LIKE '%…%'` (the search box) does not scan
  the province (208 ms → 12 ms). pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
"""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS registry_instr_prov_due",
    "CREATE INDEX registry_instr_prov_due ON registry_instrument (province_id, next_due) "
    "INCLUDE (commune_id, owner_id, instrument_type_id)",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS registry_instr_search_trgm ON registry_instrument USING gin (search_text gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS registry_instr_search_trgm",
    "DROP INDEX IF EXISTS registry_instr_prov_due",
    "CREATE INDEX registry_instr_prov_due ON registry_instrument (province_id, next_due)",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_bulk_source_key")]

    operations = [migrations.RunPython(forward, backward)]
