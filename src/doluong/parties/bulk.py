"""Bulk loading of organisations (see `core.bulk`): the organisation form's rules, set-wise.

The stable key of a row is the tax code (unique in the table), so bulk files must give one; loading the same
file again changes nothing and a corrected file updates the organisations it changed."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doluong.core import bulk
from doluong.core.bulk import Check, Column, formula_check, required_check
from doluong.core.bulk_columns import CodeList, Note, choice_note, invalid_choice, text_note
from doluong.core.scope import CHANGE, principal
from doluong.geo.resolve import commune_list, place_checks, stage_places

from .choices import OrganisationKind, Ownership, Sector, SizeClass
from .models import Organisation


def _label(name: str):
    return Organisation._meta.get_field(name).verbose_name


TEXT = {"name": 300, "short_name": 100, "address": 300, "phone": 30, "email": 254, "notes": 100000}
CHOICES = {"kind": OrganisationKind, "sector": Sector, "ownership": Ownership, "size_class": SizeClass}


class OrganisationKindLoader(bulk.Kind):
    name = "organisations"
    model = Organisation
    label = gettext_lazy("organisations")
    columns = [
        Column("name", _label("name"), required=True),
        Column("short_name", _label("short_name")),
        Column("kind", _label("kind"), required=True),
        Column("tax_code", _label("tax_code"), required=True),
        Column("address", _label("address")),
        Column("province", _label("province"), required=True),
        Column("commune", _label("commune")),
        Column("sector", _label("sector")),
        Column("ownership", _label("ownership")),
        Column("size_class", _label("size_class")),
        Column("phone", _label("phone")),
        Column("email", _label("email")),
        Column("notes", _label("notes")),
    ]

    def typed_sql(self, d, job):
        f = d.f
        with connection.cursor() as cursor:  # provinces and communes by code or name (geo.resolve)
            stage_places(cursor, job.who, commune="commune", province="province")
        clean = ", ".join(f"coalesce(s.c_{c.name}, '') AS {c.name}" for c in self.columns)
        choices = ", ".join(
            f"CASE WHEN x.{name} = '' THEN '' ELSE {bulk.choice_sql(d, f'x.{name}', enum.choices)} END AS {name}_code"
            for name, enum in CHOICES.items()
        )
        sql = f"""
        WITH x AS (SELECT s.row_no, {clean}, {f}dl_tax_norm(s.c_tax_code) AS tax FROM bulk_stage s),
        y AS (
          SELECT x.*, {choices},
            gp.province_code AS province_id, coalesce(gp.province_err, 0) AS province_err,
            c.code AS commune_id, c.province_id AS commune_province, coalesce(gp.commune_err, 0) AS commune_err,
            c.name AS commune_name
          FROM x
          LEFT JOIN bulk_place gp ON gp.province_raw = x.province AND gp.commune_raw = x.commune
          LEFT JOIN geo_commune c ON c.code = gp.commune_code
        )
        SELECT y.*, e.id AS existing_id, e.province_id AS e_province_id, e.commune_id AS e_commune_id,
          min(y.row_no) OVER (PARTITION BY y.tax) AS tax_first,
          {f}dl_fold(y.name || ' ' || y.short_name || ' ' || y.tax || ' ' || y.address || ' '
                     || coalesce(y.commune_name, '')) AS search
        FROM y LEFT JOIN parties_organisation e ON NOT (e.tax_code = '') AND e.tax_code = y.tax
        """
        return sql, []

    def checks(self, d, job):
        cols = {c.name: c for c in self.columns}
        found = [required_check(cols[n], f"r.{n}") for n in ("name", "kind", "tax_code", "province")]
        found += [formula_check(cols[n], f"r.{n}") for n in sorted(job.present)]
        found += [bulk.length_check(cols[n], f"r.{n}", limit) for n, limit in TEXT.items()]
        for name, enum in CHOICES.items():
            found.append(invalid_choice(cols[name], f"r.{name}", f"r.{name}_code", enum.choices))
        for condition, message in bulk.tax_error_sql(d, "r.tax"):
            found.append(
                Check(
                    cols["tax_code"].label,
                    message.replace("%(value)s", "{value}"),
                    f"r.tax <> '' AND {condition}",
                    value_sql="r.tax" if "{message}" not in message else f"{d.f}dl_tax_error(r.tax)",
                )
            )
        found += [
            Check(
                cols["tax_code"].label,
                _("Same as row %(row)s of this file.").replace("%(row)s", "{value}"),
                "r.tax <> '' AND r.row_no > r.tax_first",
                value_sql="CAST(r.tax_first AS text)",
            ),
            *place_checks(cols["province"].label, "r.province_err", "r.province", what="province"),
            *place_checks(cols["commune"].label, "r.commune_err", "r.commune"),
            Check(
                cols["commune"].label,
                _(
                    "The commune is not in the province of this row: write a commune of that province, by its "
                    "code (5 digits) or its name."
                ),
                "r.commune_id IS NOT NULL AND r.province_id IS NOT NULL AND r.commune_province <> r.province_id",
            ),
            Check(
                cols["email"].label,
                _("Enter a valid email address."),
                "r.email <> '' AND (r.email NOT LIKE '%%_@_%%._%%' OR r.email LIKE '%% %%')",
            ),
        ]
        outside = _("Outside your area: you may not add or change this organisation.")
        new_scope = bulk.scope_sql(
            Organisation,
            job.who,
            CHANGE,
            lambda n: {"province_id": "r.province_id", "commune_id": "r.commune_id", "id": "r.existing_id"}[
                n
            ],
        )
        if new_scope:
            found.append(
                Check(cols["province"].label, outside, f"r.province_id IS NOT NULL AND NOT {new_scope}")
            )
        old_scope = bulk.scope_sql(
            Organisation,
            job.who,
            CHANGE,
            lambda n: {
                "province_id": "r.e_province_id",
                "commune_id": "r.e_commune_id",
                "id": "r.existing_id",
            }[n],
        )
        if old_scope:
            found.append(
                Check(cols["tax_code"].label, outside, f"r.existing_id IS NOT NULL AND NOT {old_scope}")
            )
        return found

    def notes(self, user) -> dict[str, Note]:
        from doluong.geo.models import Province

        who = principal(user)
        province = (
            Province.objects.filter(code__in=who.province_ids).order_by("code").first()
            if not who.is_admin and who.province_ids
            else Province.objects.order_by("code").first()
        )
        commune = province.communes.order_by("code").first() if province else None
        return {
            "name": text_note(TEXT["name"], "Công ty TNHH Ví Dụ"),
            "short_name": text_note(TEXT["short_name"], "Ví Dụ"),
            "kind": Note(
                choice_note(OrganisationKind.choices).accepted, str(OrganisationKind.ENTERPRISE.label)
            ),
            "tax_code": Note(
                _(
                    "10 digits, 10 digits-3 digits for a branch, or a 12-digit personal identification number; "
                    "the key of the row: loading the file again updates the organisation"
                ),
                "9000000006",  # a made-up code with a right check digit
            ),
            "address": text_note(TEXT["address"], "Số 1 đường 30/4"),
            "province": Note(
                _(
                    "the province's code (2 digits) or its name, e.g. 92 or Cần Thơ; names before 07/2025 are "
                    "accepted and lead to the province they went into"
                ),
                province.name if province else "",
            ),
            "commune": Note(
                _(
                    "the commune's code (5 digits) or its name in the row's province; names and codes before "
                    "07/2025 are accepted (sheet “%(sheet)s” of the XLSX template)"
                )
                % {"sheet": _("Communes")[:31]},
                commune.name if commune else "",
            ),
            "sector": choice_note(Sector.choices),
            "ownership": choice_note(Ownership.choices),
            "size_class": choice_note(SizeClass.choices),
            "phone": text_note(TEXT["phone"], "0292 3820 000"),
            "email": Note(_("an email address"), "lienhe@example.vn"),
            "notes": text_note(TEXT["notes"]),
        }

    def code_lists(self, user) -> list[CodeList]:
        return [commune_list(user)]

    FIELDS = [
        ("search_text", "substr(r.search, 1, 1000)"),
        ("name", "r.name"),
        ("short_name", "r.short_name"),
        ("kind", "r.kind_code"),
        ("address", "r.address"),
        ("province_id", "r.province_id"),
        ("commune_id", "r.commune_id"),
        ("sector", "r.sector_code"),
        ("ownership", "r.ownership_code"),
        ("size_class", "r.size_class_code"),
        ("phone", "r.phone"),
        ("email", "r.email"),
        ("notes", "r.notes"),
    ]

    def merge(self, d, job, step):
        now = bulk.now_param()
        names = ", ".join(n for n, _e in self.FIELDS)
        exprs = ", ".join(e for _n, e in self.FIELDS)
        t = "parties_organisation"
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {t} (created, last_updated, tax_code, website, is_active, {names})
                SELECT %s, %s, r.tax, '', TRUE, {exprs} FROM bulk_typed r WHERE r.existing_id IS NULL
                ON CONFLICT (tax_code) WHERE NOT (tax_code = '') DO NOTHING""",
                [now, now],
            )
            inserted = cursor.rowcount
            step("inserted")
            updated = bulk.update_changed(cursor, d, t, self.FIELDS, now)
            step("updated")
            total = bulk.typed_rows(cursor)
        return inserted, updated, total - inserted - updated


bulk.register(OrganisationKindLoader())
