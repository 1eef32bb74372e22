"""Bulk loading of measuring instruments (see `core.bulk`): the rules of the instrument form, set-wise.

A row is keyed by (source, source key): the file's “Source key” column when given, else the instrument's
type, manufacturer and serial number; so loading the same file again changes nothing, and a corrected file
updates the rows it changed."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doluong.core import bulk
from doluong.core.access import LOAD_PROTECTED
from doluong.core.bulk import Check, Column, date_check, formula_check, required_check
from doluong.core.bulk_columns import CodeList, Note, choice_note, date_note, invalid_choice, text_note
from doluong.core.scope import CHANGE, VIEW, principal
from doluong.geo.resolve import commune_list, place_checks, stage_places

from . import signals
from .choices import InstrumentStatus
from .models import Instrument


def _label(name: str):
    return Instrument._meta.get_field(name).verbose_name


TEXT = {  # free text columns and their maximum length
    "site_address": 300,
    "serial": 100,
    "manufacturer": 150,
    "model": 150,
    "type_approval_number": 100,
    "accuracy_class": 50,
    "measuring_range": 150,
    "notes": 100000,
    "source_key": 120,
}


def not_found(model_label, value_sql: str, column, where: str, accepted: str = "") -> Check:
    """A reference that names nothing the user may use; `accepted` says what the column takes."""
    message = _("No %(model)s “%(value)s” that you may use.").replace("%(model)s", str(model_label))
    if accepted:
        message = _("%(message)s Write %(accepted)s.") % {"message": message, "accepted": accepted}
    return Check(column, message, where, value_sql=value_sql)


def accepted_type() -> str:
    return _("the type's code or its name as in the catalogue (sheet “%(sheet)s” of the XLSX template)") % {
        "sheet": _("Instrument types")[:31]
    }


def accepted_org() -> str:
    return _("the organisation's tax code, its full name or its short name")


def year_message(today) -> str:
    return _("Write the year of manufacture as a whole number between 1900 and %(year)s, e.g. 2019.") % {
        "year": today.year + 1
    }


def type_list() -> CodeList:
    """The instrument types of the catalogue (code, name), for the template."""
    from .models import InstrumentType

    rows = [
        [t.code, t.name] for t in InstrumentType.objects.order_by("list_order", "code").only("code", "name")
    ]
    return CodeList(_("Instrument types")[:31], [_("Code"), _("Name")], rows)


def example_commune(user):
    from doluong.geo.models import Commune

    who = principal(user)
    communes = Commune.objects.order_by("province_id", "code")
    if not who.is_admin and who.province_ids:
        communes = communes.filter(province_id__in=who.province_ids)
    return communes.first()


def example_org(user, **filters):
    from doluong.parties.models import Organisation

    return (
        Organisation.objects.restrict(user, VIEW)
        .filter(**filters)
        .exclude(tax_code="")
        .order_by("pk")
        .first()
    )


def ambiguous(model_label, value_sql: str, column, where: str) -> Check:
    return Check(
        column,
        _("“%(value)s” matches several %(model)s; use a code instead.").replace(
            "%(model)s", str(model_label)
        ),
        where,
        value_sql=value_sql,
    )


def org_lookup(d: bulk.Dialect, alias: str, expr: str) -> tuple[str, str, str]:
    """Joins resolving an organisation named in `expr` by tax code, then name, then short name (as
    `core.io.resolve` does); returns (joins, id expression, 'several match' condition)."""
    f = d.f
    joins = f"""
    LEFT JOIN parties_organisation {alias}1 ON NOT ({alias}1.tax_code = '')
          AND {alias}1.tax_code = CASE WHEN {expr} <> '' THEN {f}dl_tax_norm({expr}) END
    LEFT JOIN (SELECT name, min(id) AS id, count(*) AS n FROM parties_organisation
               WHERE name IN (SELECT DISTINCT coalesce(c_{alias}, '') FROM bulk_stage) GROUP BY name) {alias}2
           ON {alias}2.name = {expr}
    LEFT JOIN (SELECT short_name, min(id) AS id, count(*) AS n FROM parties_organisation
               WHERE short_name <> '' AND short_name IN (SELECT DISTINCT coalesce(c_{alias}, '') FROM bulk_stage)
               GROUP BY short_name) {alias}3
           ON {alias}3.short_name = {expr}"""
    ident = (
        f"coalesce({alias}1.id, CASE WHEN {alias}2.n = 1 THEN {alias}2.id END, "
        f"CASE WHEN {alias}2.id IS NULL AND {alias}3.n = 1 THEN {alias}3.id END)"
    )
    several = f"coalesce({alias}1.id IS NULL AND ({alias}2.n > 1 OR ({alias}2.id IS NULL AND {alias}3.n > 1)), FALSE)"
    return joins, ident, several


class InstrumentKind(bulk.Kind):
    name = "instruments"
    model = Instrument
    label = gettext_lazy("measuring instruments")
    columns = [
        Column("instrument_type", _label("instrument_type"), required=True),
        Column("owner", _label("owner"), required=True),
        Column("site_address", _label("site_address")),
        Column("commune", _label("commune"), required=True),
        Column("serial", _label("serial")),
        Column("manufacturer", _label("manufacturer")),
        Column("model", _label("model")),
        Column("year", _label("year")),
        Column("type_approval_number", _label("type_approval_number")),
        Column("accuracy_class", _label("accuracy_class")),
        Column("measuring_range", _label("measuring_range")),
        Column("status", _label("status")),
        Column("last_verified_on", _label("last_verified_on")),
        Column("last_verified_by", _label("last_verified_by")),
        Column("valid_until", _label("valid_until")),
        Column("notes", _label("notes")),
        Column("source_key", _label("source_key"), aliases=("ma nguon", "source id")),
    ]
    # Instrument.search_fields: serial, manufacturer, model, owner's name, site address, type's name
    folds = {"fold_head": ("serial", "manufacturer", "model"), "fold_site": ("site_address",)}

    def typed_sql(self, d, job):
        f = d.f
        from django.db import connection

        with connection.cursor() as cursor:  # the communes, by code or name (geo.resolve), into bulk_place
            stage_places(cursor, job.who, commune="commune")
        clean = {c.name: f"coalesce(s.c_{c.name}, '')" for c in self.columns}
        owner_joins, owner_id, owner_several = org_lookup(d, "owner", "x.owner")
        by_joins, by_id, by_several = org_lookup(d, "last_verified_by", "x.last_verified_by")
        status = bulk.choice_sql(d, "x.status", InstrumentStatus.choices)
        sql = f"""
        WITH x AS (
          SELECT s.row_no, {", ".join(f"{expr} AS {name}" for name, expr in clean.items())},
                 s.c_fold_head AS fold_head, s.c_fold_site AS fold_site,
                 -- empty cells (and absent columns) need no call of the helpers
                 CASE WHEN s.c_year <> '' THEN {f}dl_int(s.c_year) END AS year_i,
                 CASE WHEN s.c_last_verified_on <> '' THEN {f}dl_date(s.c_last_verified_on) END AS lvo,
                 CASE WHEN s.c_valid_until <> '' THEN {f}dl_date(s.c_valid_until) END AS vu
          FROM bulk_stage s
        ), y AS (
          SELECT x.*,
            coalesce(t1.id, CASE WHEN t2.n = 1 THEN t2.id END) AS type_id, t2.n AS type_n,
            {owner_id} AS owner_id, {owner_several} AS owner_several,
            {by_id} AS by_id, {by_several} AS by_several,
            c.code AS commune_id, c.province_id AS province_id, coalesce(gp.commune_err, 0) AS commune_err,
            CASE WHEN x.status = '' THEN 'in_use' ELSE {status} END AS status_code
          FROM x
          LEFT JOIN registry_instrumenttype t1 ON t1.code = x.instrument_type
          LEFT JOIN (SELECT name, min(name) AS tname, min(id) AS id, count(*) AS n FROM registry_instrumenttype
                     GROUP BY name) t2 ON t1.id IS NULL AND t2.name = x.instrument_type
          {owner_joins}
          {by_joins}
          LEFT JOIN bulk_place gp ON gp.province_raw = '' AND gp.commune_raw = x.commune
          LEFT JOIN geo_commune c ON c.code = gp.commune_code
        ), z AS (
          SELECT y.*,
            CASE WHEN y.source_key <> '' THEN y.source_key
                 WHEN y.serial <> '' AND y.type_id IS NOT NULL
                 THEN 'serial:' || CAST(y.type_id AS text) || '|' || y.manufacturer || '|' || y.serial END AS skey,
            coalesce(y.vu, CASE WHEN ru.cycle_months IS NOT NULL THEN {f}dl_add_months(y.lvo, ru.cycle_months) END)
              AS valid_until_eff,
            o.fold AS owner_fold, tf.fold AS type_fold
          FROM y
          LEFT JOIN registry_instrumenttyperule ru ON ru.instrument_type_id = y.type_id AND y.lvo IS NOT NULL
               AND ru.cycle_status = 'known' AND ru.effective_from <= y.lvo
               AND (ru.effective_to IS NULL OR y.lvo <= ru.effective_to)
          -- folded once per owner and type, not per row (`fence`: not flattened into the join)
          LEFT JOIN (SELECT id, {f}dl_fold(name) AS fold FROM parties_organisation
                     WHERE id IN (SELECT owner_id FROM y) {d.fence}) o ON o.id = y.owner_id
          LEFT JOIN (SELECT id, {f}dl_fold(name) AS fold FROM registry_instrumenttype {d.fence}) tf
                 ON tf.id = y.type_id
        )
        SELECT z.*,
          e.id AS existing_id, e.province_id AS e_province_id, e.commune_id AS e_commune_id,
          e.owner_id AS e_owner_id, e.last_verified_by_id AS e_last_verified_by_id,
          e2.id AS serial_id,
          count(*) OVER (PARTITION BY z.skey) AS key_n, min(z.row_no) OVER (PARTITION BY z.skey) AS key_first,
          min(z.row_no) OVER (PARTITION BY z.type_id, z.manufacturer, z.serial) AS serial_first,
          {bulk.join_words("z.fold_head", "z.owner_fold", "z.fold_site", "z.type_fold")} AS search
        FROM z
        LEFT JOIN registry_instrument e ON e.source = %s AND e.source_key = z.skey AND NOT (e.source_key = '')
        LEFT JOIN registry_instrument e2 ON z.serial <> '' AND e2.instrument_type_id = z.type_id
             AND e2.manufacturer = z.manufacturer AND e2.serial = z.serial AND NOT (e2.serial = '')
        """
        return sql, [job.source]

    def checks(self, d, job):
        cols = {c.name: c for c in self.columns}
        today = d.date_param(job.today)
        found = []
        for name in ("instrument_type", "owner", "commune"):
            found.append(required_check(cols[name], f"r.{name}"))
        for name in sorted(job.present):
            found.append(formula_check(cols[name], f"r.{name}"))
        for name, limit in TEXT.items():
            found.append(bulk.length_check(cols[name], f"r.{name}", limit))
        type_label = Instrument._meta.get_field("instrument_type").related_model._meta.verbose_name
        org_label = Instrument._meta.get_field("owner").related_model._meta.verbose_name
        found += [
            not_found(
                type_label,
                "r.instrument_type",
                cols["instrument_type"].label,
                "r.instrument_type <> '' AND r.type_id IS NULL AND coalesce(r.type_n, 0) < 2",
                accepted_type(),
            ),
            ambiguous(type_label, "r.instrument_type", cols["instrument_type"].label, "r.type_n > 1"),
            not_found(
                org_label,
                "r.owner",
                cols["owner"].label,
                "r.owner <> '' AND r.owner_id IS NULL AND NOT r.owner_several",
                accepted_org(),
            ),
            ambiguous(org_label, "r.owner", cols["owner"].label, "r.owner_several"),
            not_found(
                org_label,
                "r.last_verified_by",
                cols["last_verified_by"].label,
                "r.last_verified_by <> '' AND r.by_id IS NULL AND NOT r.by_several",
                accepted_org(),
            ),
            ambiguous(org_label, "r.last_verified_by", cols["last_verified_by"].label, "r.by_several"),
            *place_checks(cols["commune"].label, "r.commune_err", "r.commune"),
            Check(cols["year"].label, year_message(job.today), "r.year <> '' AND r.year_i IS NULL"),
            Check(
                cols["year"].label,
                year_message(job.today),
                "r.year_i IS NOT NULL AND (r.year_i < 1900 OR r.year_i > %s)",
                params=(job.today.year + 1,),
            ),
            invalid_choice(cols["status"], "r.status", "r.status_code", InstrumentStatus.choices),
            date_check(cols["last_verified_on"], "r.last_verified_on", "r.lvo"),
            date_check(cols["valid_until"], "r.valid_until", "r.vu"),
            Check(
                cols["last_verified_on"].label,
                _("The last verification date is in the future."),
                "r.lvo > %s",
                params=(today,),
            ),
            Check(
                cols["valid_until"].label,
                _("Valid-until is before the last verification date."),
                "r.vu < r.lvo",
            ),
            Check(
                cols["serial"].label,
                _(
                    "Give a serial number or a source key, so that loading the file again does not duplicate "
                    "the instrument."
                ),
                "r.skey IS NULL AND r.type_id IS NOT NULL",
            ),
            Check(
                cols["source_key"].label if "source_key" in job.present else cols["serial"].label,
                _("Same as row %(row)s of this file.").replace("%(row)s", "{value}"),
                "r.skey IS NOT NULL AND r.key_n > 1 AND r.row_no > r.key_first",
                value_sql="CAST(r.key_first AS text)",
            ),
            Check(
                cols["serial"].label,
                _("Same as row %(row)s of this file.").replace("%(row)s", "{value}"),
                "r.serial <> '' AND r.type_id IS NOT NULL AND r.row_no > r.serial_first"
                " AND (r.skey IS NULL OR r.key_n = 1)",
                value_sql="CAST(r.serial_first AS text)",
            ),
            Check(
                cols["serial"].label,
                _("An instrument of this type and manufacturer with this serial number already exists."),
                "r.serial_id IS NOT NULL AND (r.existing_id IS NULL OR r.serial_id <> r.existing_id)",
            ),
        ]
        outside = _("Outside your area: you may not add or change this instrument.")
        found += self.derived_date_checks(job)
        new_scope = bulk.scope_sql(Instrument, job.who, CHANGE, lambda n: _new_column(n))
        if new_scope:
            found.append(Check(_label("commune"), outside, f"r.commune_id IS NOT NULL AND NOT {new_scope}"))
        old_scope = bulk.scope_sql(Instrument, job.who, CHANGE, lambda n: f"r.e_{n}")
        if old_scope:
            found.append(
                Check(_label("source_key"), outside, f"r.existing_id IS NOT NULL AND NOT {old_scope}")
            )
        return found

    def derived_date_checks(self, job) -> list[Check]:
        """The last verification, its provider and the valid-until follow from records and certificates
        (registry.permissions.DERIVED_DATES). A bulk file may carry them only as an abridged verification record
        from the authority's old registers: the cells are refused unless the permission table lets the user load
        them in the row's area (`load_protected` on instruments: the province's officer)."""
        scope = bulk.scope_sql(Instrument, job.who, LOAD_PROTECTED, _new_column)
        if scope is None:
            return []
        reason = _(
            "Verification dates come from verification records and certificates: only the province's authority "
            "may load them from its old registers. Leave this column empty."
        )
        cells = {"last_verified_on": "r.lvo", "last_verified_by": "r.last_verified_by", "valid_until": "r.vu"}
        return [
            Check(
                _label(name),
                reason,
                f"{expr} IS NOT NULL AND {expr} <> '' AND NOT {scope}"
                if name == "last_verified_by"
                else f"{expr} IS NOT NULL AND NOT {scope}",
            )
            for name, expr in cells.items()
            if name in job.present
        ]

    def notes(self, user) -> dict[str, Note]:
        """What each column accepts (the template's notes sheet, the upload page)."""
        from django.utils import timezone

        commune = example_commune(user)
        owner = example_org(user)
        first_type = type_list().rows[:1]
        today = timezone.localdate()
        accepted_commune = _(
            "the commune's code (5 digits) or its name in %(where)s; names and codes before 07/2025 are "
            "accepted and lead to the commune they went into (sheet “%(sheet)s” of the XLSX template)"
        ) % {"where": _describe_area(user), "sheet": _("Communes")[:31]}
        year = today.year + 1
        authority_only = _(
            "only the province's authority fills it in, from its old registers; others leave it empty"
        )
        return {
            "instrument_type": Note(accepted_type(), first_type[0][0] if first_type else ""),
            "owner": Note(accepted_org(), owner.tax_code if owner else ""),
            "site_address": text_note(TEXT["site_address"], "Số 1 đường 30/4"),
            "commune": Note(accepted_commune, commune.name if commune else ""),
            "serial": Note(
                _(
                    "text, at most 100 characters; give a serial number or a source key, so that loading the "
                    "file again does not duplicate the instrument"
                ),
                "VD-000123",
            ),
            "manufacturer": text_note(TEXT["manufacturer"], "ACME"),
            "model": text_note(TEXT["model"], "X-100"),
            "year": Note(_("a whole number between 1900 and %(year)s") % {"year": year}, "2019"),
            "type_approval_number": text_note(TEXT["type_approval_number"]),
            "accuracy_class": text_note(TEXT["accuracy_class"], "2"),
            "measuring_range": text_note(TEXT["measuring_range"]),
            "status": Note(
                choice_note(InstrumentStatus.choices).accepted + " " + _("(empty: in use)"),
                str(InstrumentStatus.choices[0][1]),
            ),
            # no example value: an example row should not teach an enterprise to fill them
            "last_verified_on": Note(date_note(today).accepted + "; " + authority_only, ""),
            "last_verified_by": Note(
                accepted_org() + " " + _("(a verification provider)") + "; " + authority_only, ""
            ),
            "valid_until": Note(
                _("a date written dd/mm/yyyy; empty: the verification cycle of the type is applied")
                + "; "
                + authority_only,
                "",
            ),
            "notes": text_note(TEXT["notes"]),
            "source_key": Note(
                _("your own key of the row (at most 120 characters); loading the file again updates the row"),
                "",
            ),
        }

    def code_lists(self, user) -> list[CodeList]:
        return [type_list(), commune_list(user)]

    FIELDS = [  # (column of registry_instrument, expression over the typed row r)
        ("search_text", "substr(r.search, 1, 1000)"),
        ("instrument_type_id", "r.type_id"),
        ("owner_id", "r.owner_id"),
        ("site_address", "r.site_address"),
        ("commune_id", "r.commune_id"),
        ("province_id", "r.province_id"),
        ("serial", "r.serial"),
        ("manufacturer", "r.manufacturer"),
        ("model", "r.model"),
        ("year", "r.year_i"),
        ("type_approval_number", "r.type_approval_number"),
        ("accuracy_class", "r.accuracy_class"),
        ("measuring_range", "r.measuring_range"),
        ("status", "r.status_code"),
        ("last_verified_on", "r.lvo"),
        ("last_verified_by_id", "r.by_id"),
        ("valid_until", "r.valid_until_eff"),
        ("next_due", "r.valid_until_eff"),
        ("notes", "r.notes"),
    ]

    DERIVED = ("last_verified_on", "last_verified_by_id", "valid_until", "next_due")

    def update_fields(self, table: str) -> list[tuple[str, str]]:
        """FIELDS for a row already in the registry: its verification dates change only when the file's row
        gives a later verification than the stored one (records and certificates win over old registers; a file
        without the dates clears nothing)."""
        later = (
            f"(r.lvo IS NOT NULL OR r.vu IS NOT NULL) AND ({table}.last_verified_on IS NULL"
            f" OR (r.lvo IS NOT NULL AND {table}.last_verified_on < r.lvo))"
        )
        return [
            (name, f"CASE WHEN {later} THEN {expr} ELSE {table}.{name} END" if name in self.DERIVED else expr)
            for name, expr in self.FIELDS
        ]

    def merge(self, d, job, step):
        now = bulk.now_param()
        names = [name for name, _expr in self.FIELDS]
        exprs = [expr for _name, expr in self.FIELDS]
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO registry_instrument (created, last_updated, source, source_key, {", ".join(names)})
                SELECT %s, %s, %s, r.skey, {", ".join(exprs)} FROM bulk_typed r WHERE r.existing_id IS NULL
                ON CONFLICT (source, source_key) WHERE NOT (source_key = '') DO NOTHING""",
                [now, now, job.source],
            )
            inserted = cursor.rowcount
            step("inserted")
            t = "registry_instrument"
            updated = bulk.update_changed(cursor, d, t, self.update_fields(t), now)
            step("updated")
            total = bulk.typed_rows(cursor)
            if inserted or updated:  # the outbox (exchange) writes their events in this transaction
                rows = signals.merged_rows(
                    cursor,
                    t,
                    now,
                    "t.id IN (SELECT r.existing_id FROM bulk_typed r WHERE r.existing_id IS NOT NULL)"
                    " OR (t.source = %s AND t.source_key IN"
                    " (SELECT r.skey FROM bulk_typed r WHERE r.existing_id IS NULL))",
                    [job.source],
                )
                signals.bulk_merged.send(sender=Instrument, rows=rows)
        return inserted, updated, total - inserted - updated


def _describe_area(user) -> str:
    from doluong.geo.models import Province

    who = principal(user)
    if who.is_admin or not who.province_ids:
        return _("the whole country")
    return ", ".join(p.name for p in Province.objects.filter(code__in=who.province_ids).order_by("code"))


def _new_column(lookup: str) -> str:
    return {
        "province_id": "r.province_id",
        "commune_id": "r.commune_id",
        "owner_id": "r.owner_id",
        "last_verified_by_id": "r.by_id",
    }[lookup]


bulk.register(InstrumentKind())
