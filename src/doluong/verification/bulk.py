"""Bulk loading of verification records (see `core.bulk`): a lab's or utility's history of verifications.

A row names the instrument by type, manufacturer and serial number (unique in the registry) and the provider by
tax code or name; its stable key is the provider's record number (unique per provider), so loading the same file
again changes nothing. Passed verifications move each instrument's last verification, valid-until (the cycle of
the rule in force that day) and next-due forward, in the same transaction. Measurement points are not part of a
bulk file: records loaded in bulk carry the result as the provider reported it."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doluong.core import bulk
from doluong.core.bulk import Check, Column, date_check, formula_check, required_check
from doluong.core.bulk_columns import CodeList, Note, choice_note, date_note, invalid_choice, text_note
from doluong.core.scope import ADD, CHANGE
from doluong.parties.choices import OrganisationKind
from doluong.parties.models import Designation, Registration, RegistrationScope
from doluong.registry.bulk import (
    accepted_org,
    accepted_type,
    ambiguous,
    example_org,
    not_found,
    org_lookup,
    type_list,
)
from doluong.registry.models import Instrument, InstrumentType
from doluong.registry.signals import bulk_merged, merged_rows

from .choices import RecordKind, Result
from .models import VerificationRecord


def _label(name: str):
    return VerificationRecord._meta.get_field(name).verbose_name


TEXT = {"number": 60, "place": 300, "procedure": 100, "reviewer_name": 150, "notes": 100000}


def servable_sql(r: str) -> str:
    """The SQL twin of `permissions.servable_instruments` over a typed row `r` (its provider_id, type_id,
    province_id and provider_province): a type of the provider's registered scope lines or designations, in the
    provider's province. A test compares the two on every provider × instrument pair of a sample."""
    lines = RegistrationScope._meta.db_table
    registrations = Registration._meta.db_table
    through = Designation.instrument_types.through
    designated = through._meta.db_table
    to_designation = through._meta.get_field("designation").column
    to_type = through._meta.get_field("instrumenttype").column
    designations = Designation._meta.db_table
    return (
        f"{r}.province_id = {r}.provider_province AND ("
        f"EXISTS (SELECT 1 FROM {lines} sl JOIN {registrations} rg ON rg.id = sl.registration_id "
        f"WHERE rg.organisation_id = {r}.provider_id AND sl.instrument_type_id = {r}.type_id) OR "
        f"EXISTS (SELECT 1 FROM {designated} dt JOIN {designations} dg ON dg.id = dt.{to_designation} "
        f"WHERE dg.organisation_id = {r}.provider_id AND dt.{to_type} = {r}.type_id))"
    )


class RecordKindLoader(bulk.Kind):
    name = "records"
    model = VerificationRecord
    label = gettext_lazy("verification records")
    columns = [
        Column("number", _label("number"), required=True),
        Column("kind", _label("kind"), required=True),
        Column("provider", _label("provider"), required=True),
        Column("instrument_type", Instrument._meta.get_field("instrument_type").verbose_name, required=True),
        Column("manufacturer", Instrument._meta.get_field("manufacturer").verbose_name),
        Column("serial", Instrument._meta.get_field("serial").verbose_name, required=True),
        Column("performed_on", _label("performed_on"), required=True),
        Column("result", _label("result"), required=True),
        Column("place", _label("place")),
        Column("procedure", _label("procedure")),
        Column("reviewer_name", _label("reviewer_name")),
        Column("notes", _label("notes")),
    ]

    def typed_sql(self, d, job):
        f = d.f
        clean = ", ".join(f"coalesce(s.c_{c.name}, '') AS {c.name}" for c in self.columns)
        provider_joins, provider_id, provider_several = org_lookup(d, "provider", "x.provider")
        providers = ", ".join(f"'{k}'" for k in sorted(OrganisationKind.providers()))
        sql = f"""
        WITH x AS (SELECT s.row_no, {clean}, {f}dl_date(s.c_performed_on) AS done FROM bulk_stage s),
        y AS (
          SELECT x.*, {provider_id} AS provider_id, {provider_several} AS provider_several,
            coalesce(t1.id, CASE WHEN t2.n = 1 THEN t2.id END) AS type_id, t2.n AS type_n,
            {bulk.choice_sql(d, "x.kind", RecordKind.choices)} AS kind_code,
            {bulk.choice_sql(d, "x.result", Result.choices)} AS result_code
          FROM x
          LEFT JOIN registry_instrumenttype t1 ON t1.code = x.instrument_type
          LEFT JOIN (SELECT name, min(id) AS id, count(*) AS n FROM registry_instrumenttype GROUP BY name) t2
                 ON t1.id IS NULL AND t2.name = x.instrument_type
          {provider_joins}
        )
        SELECT y.*, p.province_id AS provider_province, p.name AS provider_name,
          CASE WHEN p.kind IN ({providers}) THEN 1 ELSE 0 END AS is_provider,
          i.id AS instrument_id, i.province_id AS province_id, i.commune_id AS commune_id, i.owner_id AS owner_id,
          o.name AS owner_name, t.name AS type_name,
          e.id AS existing_id, e.province_id AS e_province_id, e.provider_id AS e_provider_id,
          e.owner_id AS e_owner_id, ep.province_id AS e_provider_province,
          min(y.row_no) OVER (PARTITION BY y.provider_id, y.number) AS number_first,
          {f}dl_fold(y.number || ' ' || y.serial || ' ' || coalesce(t.name, '') || ' ' || coalesce(o.name, '')
                     || ' ' || coalesce(p.name, '') || ' ' || y.procedure) AS search
        FROM y
        LEFT JOIN parties_organisation p ON p.id = y.provider_id
        LEFT JOIN registry_instrument i ON i.instrument_type_id = y.type_id AND i.manufacturer = y.manufacturer
             AND i.serial = y.serial AND NOT (i.serial = '')
        LEFT JOIN parties_organisation o ON o.id = i.owner_id
        LEFT JOIN registry_instrumenttype t ON t.id = y.type_id
        LEFT JOIN verification_verificationrecord e ON e.provider_id = y.provider_id AND e.number = y.number
        LEFT JOIN parties_organisation ep ON ep.id = e.provider_id
        """
        return sql, []

    def checks(self, d, job):
        cols = {c.name: c for c in self.columns}
        org_label = VerificationRecord._meta.get_field("provider").related_model._meta.verbose_name
        type_label = InstrumentType._meta.verbose_name
        found = [
            required_check(cols[n], f"r.{n}")
            for n in ("number", "kind", "provider", "instrument_type", "serial", "performed_on", "result")
        ]
        found += [formula_check(cols[n], f"r.{n}") for n in sorted(job.present)]
        found += [bulk.length_check(cols[n], f"r.{n}", limit) for n, limit in TEXT.items()]
        found += [
            invalid_choice(cols["kind"], "r.kind", "r.kind_code", RecordKind.choices, skip_empty=True),
            invalid_choice(cols["result"], "r.result", "r.result_code", Result.choices, skip_empty=True),
            not_found(
                org_label,
                "r.provider",
                cols["provider"].label,
                "r.provider <> '' AND r.provider_id IS NULL AND NOT r.provider_several",
                accepted_org(),
            ),
            ambiguous(org_label, "r.provider", cols["provider"].label, "r.provider_several"),
            Check(
                cols["provider"].label,
                _("“%(value)s” is not a verification, calibration or testing provider.").replace(
                    "%(value)s", "{value}"
                ),
                "r.provider_id IS NOT NULL AND r.is_provider = 0",
                value_sql="r.provider",
            ),
            not_found(
                type_label,
                "r.instrument_type",
                cols["instrument_type"].label,
                "r.instrument_type <> '' AND r.type_id IS NULL AND coalesce(r.type_n, 0) < 2",
                accepted_type(),
            ),
            ambiguous(type_label, "r.instrument_type", cols["instrument_type"].label, "r.type_n > 1"),
            Check(
                cols["serial"].label,
                _(
                    "No measuring instrument of this type and manufacturer with serial number “%(value)s”."
                ).replace("%(value)s", "{value}"),
                "r.serial <> '' AND r.type_id IS NOT NULL AND r.instrument_id IS NULL",
                value_sql="r.serial",
            ),
            date_check(cols["performed_on"], "r.performed_on", "r.done"),
            Check(
                cols["performed_on"].label,
                _("The date of verification is in the future."),
                "r.done > %s",
                params=(d.date_param(job.today),),
            ),
            Check(
                cols["number"].label,
                _("Same as row %(row)s of this file.").replace("%(row)s", "{value}"),
                "r.number <> '' AND r.provider_id IS NOT NULL AND r.row_no > r.number_first",
                value_sql="CAST(r.number_first AS text)",
            ),
        ]
        found.append(
            Check(
                cols["serial"].label,
                _("This provider may not record verifications for this instrument."),
                f"r.instrument_id IS NOT NULL AND r.provider_id IS NOT NULL AND r.is_provider = 1 AND NOT "
                f"({servable_sql('r')})",
            )
        )
        outside = _("Outside your area: you may not record verifications for this instrument or provider.")
        columns = {
            "province_id": "r.province_id",
            "provider__province_id": "r.provider_province",
            "provider_id": "r.provider_id",
            "owner_id": "r.owner_id",
        }
        new_scope = bulk.scope_sql(VerificationRecord, job.who, ADD, lambda n: columns[n])
        if new_scope:
            found.append(
                Check(
                    cols["provider"].label,
                    outside,
                    f"r.instrument_id IS NOT NULL AND r.provider_id IS NOT NULL AND NOT {new_scope}",
                )
            )
        old = {
            "province_id": "r.e_province_id",
            "provider__province_id": "r.e_provider_province",
            "provider_id": "r.e_provider_id",
            "owner_id": "r.e_owner_id",
        }
        old_scope = bulk.scope_sql(VerificationRecord, job.who, CHANGE, lambda n: old[n])
        if old_scope:
            found.append(
                Check(cols["number"].label, outside, f"r.existing_id IS NOT NULL AND NOT {old_scope}")
            )
        return found

    def notes(self, user) -> dict[str, Note]:
        from django.utils import timezone

        provider = example_org(user, kind__in=sorted(OrganisationKind.providers()))
        first_type = type_list().rows[:1]
        return {
            "number": Note(
                _(
                    "the provider's number of the record, at most 60 characters; with the provider, the key of the row"
                ),
                "KĐ-2026-0001",
            ),
            "kind": choice_note(RecordKind.choices),
            "provider": Note(
                accepted_org() + " " + _("(a verification, calibration or testing provider)"),
                provider.tax_code if provider else "",
            ),
            "instrument_type": Note(accepted_type(), first_type[0][0] if first_type else ""),
            "manufacturer": Note(
                _("as in the registry (with the type and the serial number it finds the instrument)"), "ACME"
            ),
            "serial": Note(_("the instrument's serial number as in the registry"), "VD-000123"),
            "performed_on": date_note(timezone.localdate().replace(day=1)),
            "result": choice_note(Result.choices),
            "place": text_note(TEXT["place"]),
            "procedure": text_note(TEXT["procedure"], "ĐLVN 07:2023"),
            "reviewer_name": text_note(TEXT["reviewer_name"]),
            "notes": text_note(TEXT["notes"]),
        }

    def code_lists(self, user) -> list[CodeList]:
        return [type_list()]

    FIELDS = [
        ("search_text", "substr(r.search, 1, 1000)"),
        ("kind", "r.kind_code"),
        ("instrument_id", "r.instrument_id"),
        ("provider_id", "r.provider_id"),
        ("performed_on", "r.done"),
        ("place", "r.place"),
        ("procedure", "r.procedure"),
        ("result", "r.result_code"),
        ("reviewer_name", "r.reviewer_name"),
        ("province_id", "r.province_id"),
        ("commune_id", "r.commune_id"),
        ("owner_id", "r.owner_id"),
        ("notes", "r.notes"),
    ]

    def merge(self, d, job, step):
        f = d.f
        now = bulk.now_param()
        names = ", ".join(n for n, _e in self.FIELDS)
        exprs = ", ".join(e for _n, e in self.FIELDS)
        t = "verification_verificationrecord"
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {t} (created, last_updated, number, accuracy_class, mpe_rule, mpe_params,
                    environment_notes, visual_check_passed, technical_check_passed, void_reason, {names})
                SELECT %s, %s, r.number, '', '', '{{}}', '', TRUE, TRUE, '', {exprs}
                FROM bulk_typed r WHERE r.existing_id IS NULL
                ON CONFLICT (provider_id, number) DO NOTHING""",
                [now, now],
            )
            inserted = cursor.rowcount
            step("inserted")
            updated = bulk.update_changed(cursor, d, t, self.FIELDS, now)
            step("updated")
            # passed verifications move the instrument's dates forward (the latest per instrument)
            kinds = ", ".join(f"'{k}'" for k in sorted(RecordKind.verification_kinds()))
            cursor.execute(
                f"""UPDATE registry_instrument SET last_updated = %s, last_verified_on = v.done,
                    last_verified_by_id = v.provider_id, valid_until = v.until, next_due = v.until
                FROM (
                  SELECT w.instrument_id, w.done, w.provider_id,
                    CASE WHEN ru.cycle_months IS NOT NULL THEN {f}dl_add_months(w.done, ru.cycle_months) END AS until
                  FROM (SELECT r.instrument_id, r.done, r.provider_id, r.type_id,
                          row_number() OVER (PARTITION BY r.instrument_id ORDER BY r.done DESC, r.row_no DESC) AS k
                        FROM bulk_typed r WHERE r.result_code = 'passed' AND r.kind_code IN ({kinds})) w
                  LEFT JOIN registry_instrumenttyperule ru ON ru.instrument_type_id = w.type_id
                       AND ru.cycle_status = 'known' AND ru.effective_from <= w.done
                       AND (ru.effective_to IS NULL OR w.done <= ru.effective_to)
                  WHERE w.k = 1
                ) v
                WHERE registry_instrument.id = v.instrument_id
                  AND (registry_instrument.last_verified_on IS NULL OR registry_instrument.last_verified_on < v.done)""",
                [now],
            )
            step("instruments")
            total = bulk.typed_rows(cursor)
            # the outbox (exchange) writes the events of the records and of the instruments they moved forward,
            # in this transaction
            records = merged_rows(
                cursor,
                t,
                now,
                "t.id IN (SELECT r.existing_id FROM bulk_typed r WHERE r.existing_id IS NOT NULL)"
                " OR EXISTS (SELECT 1 FROM bulk_typed r WHERE r.existing_id IS NULL"
                " AND r.provider_id = t.provider_id AND r.number = t.number)",
                [],
            )
            if records:
                bulk_merged.send(sender=VerificationRecord, rows=records)
            moved = merged_rows(
                cursor, "registry_instrument", now, "t.id IN (SELECT r.instrument_id FROM bulk_typed r)", []
            )
            if moved:
                bulk_merged.send(sender=Instrument, rows=moved)
        return inserted, updated, total - inserted - updated


bulk.register(RecordKindLoader())
