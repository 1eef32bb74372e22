"""Provinces and communes written in a file: by code, or by name within the user's (or the row's) province, old
(pre-07/2025) names and codes through `ProvinceAlias` / `CommuneAlias`.

Each answer is (code, message): the code when exactly one unit matches, else '' and a Vietnamese message that
says what is accepted and, when several units match, lists them. `Places` loads the units once (3,321 communes,
about 10,600 old communes) and is used by the bulk kinds (`stage_places`): the distinct values of a file are
resolved here, in Python, on SQLite and PostgreSQL alike, and the answers put in a temporary table the kinds'
SQL joins — so both databases give the same codes and the same messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from doluong.core.bulk_columns import CodeList
from doluong.core.scope import principal
from doluong.core.text import fold

from .models import Commune, CommuneAlias, Province, ProvinceAlias

#: at most this many candidates are named in a message (then "and N more")
CANDIDATES_SHOWN = 5
#: at most this many distinct messages per load get a check of their own; further bad values get a shorter one
MESSAGES_KEPT = 300

_PROVINCE_PREFIXES = ("thanh pho ", "tinh ", "tp. ", "tp ")
_COMMUNE_PREFIXES = ("phuong ", "xa ", "dac khu ", "thi tran ", "p. ", "x. ", "tt. ")


def _bare(key: str, prefixes) -> str:
    for prefix in prefixes:
        if key.startswith(prefix):
            return key[len(prefix) :].strip()
    return key


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    province_id: str


class Places:
    """The provinces and communes, loaded once; `province_ids` are the provinces whose commune names are accepted
    (None: every province — an administrator or a national user)."""

    def __init__(self, province_ids=None):
        self.provinces = {p.code: p for p in Province.objects.all()}
        self.province_ids = set(province_ids) if province_ids else None
        self.communes: dict[str, Unit] = {
            code: Unit(code, name, province)
            for code, name, province in Commune.objects.values_list("code", "name", "province_id")
        }
        self.by_name: dict[str, list[Unit]] = {}
        self.by_bare: dict[str, list[Unit]] = {}
        for unit in self.communes.values():
            key = fold(unit.name)
            self.by_name.setdefault(key, []).append(unit)
            self.by_bare.setdefault(_bare(key, _COMMUNE_PREFIXES), []).append(unit)
        self.province_old_code: dict[str, set[str]] = {}
        self.province_old_name: dict[str, set[str]] = {}
        for old_code, old_name, new in ProvinceAlias.objects.values_list(
            "old_code", "old_name", "province_id"
        ):
            self.province_old_code.setdefault(old_code, set()).add(new)
            self.province_old_name.setdefault(_bare(fold(old_name), _PROVINCE_PREFIXES), set()).add(new)
        self.province_names: dict[str, set[str]] = {}
        for province in self.provinces.values():
            for key in (fold(province.name), _bare(fold(province.name), _PROVINCE_PREFIXES)):
                self.province_names.setdefault(key, set()).add(province.code)

    def _load_old_communes(self) -> None:
        """The ~10,600 pre-2025 communes, loaded the first time a value is not a current code or name."""
        if hasattr(self, "old_code"):
            return
        self.old_code: dict[str, set[str]] = {}
        self.old_name: dict[str, set[str]] = {}
        self.old_bare: dict[str, set[str]] = {}
        for old_code, old_name, new in CommuneAlias.objects.values_list("old_code", "old_name", "commune_id"):
            self.old_code.setdefault(old_code, set()).add(new)
            key = fold(old_name)
            self.old_name.setdefault(key, set()).add(new)
            self.old_bare.setdefault(_bare(key, _COMMUNE_PREFIXES), set()).add(new)

    # ------------------------------------------------------------------------------------------ wording

    def where(self, province_id: str | None = None) -> str:
        """The area whose commune names are accepted, as a sentence says it: “Thành phố Cần Thơ”."""
        ids = {province_id} if province_id else self.province_ids
        if not ids:
            return _("the whole country")
        return ", ".join(self.provinces[p].name for p in sorted(ids) if p in self.provinces) or _(
            "the whole country"
        )

    def _named(self, codes) -> str:
        units = sorted(
            (self.communes[c] for c in codes if c in self.communes), key=lambda u: (u.name, u.code)
        )
        shown = []
        for unit in units[:CANDIDATES_SHOWN]:
            province = self.provinces.get(unit.province_id)
            place = f", {province.short_name}" if province and not self.province_ids else ""
            shown.append(f"{unit.name}{place} ({unit.code})")
        text = "; ".join(shown)
        if len(units) > CANDIDATES_SHOWN:
            text += " " + _("and %(count)s more") % {"count": len(units) - CANDIDATES_SHOWN}
        return text

    def accepted_commune(self, province_id: str | None = None) -> str:
        return _(
            "write the commune's code (5 digits) or its name in %(where)s (names before 07/2025 are accepted too)"
        ) % {"where": self.where(province_id)}

    @staticmethod
    def accepted_province() -> str:
        return _(
            "write the province's code (2 digits) or its name, e.g. 92 or Cần Thơ (names before 07/2025 are "
            "accepted too)"
        )

    # ------------------------------------------------------------------------------------------ resolving

    def province(self, text: str) -> tuple[str, str]:
        """(province code, '') or ('', message)."""
        key = fold(text)
        if not key:
            return "", ""
        found: set[str] = set()
        if key.isdigit() and len(key) <= 2:
            code = key.zfill(2)
            found = {code} if code in self.provinces else self.province_old_code.get(code, set())
        elif not key.isdigit():
            bare = _bare(key, _PROVINCE_PREFIXES)
            found = self.province_names.get(key) or self.province_names.get(bare) or set()
            found = found or self.province_old_name.get(bare, set())
        if len(found) == 1:
            return next(iter(found)), ""
        if len(found) > 1:
            names = "; ".join(f"{self.provinces[c].name} ({c})" for c in sorted(found))
            return "", _(
                "“%(value)s” matches several provinces: %(candidates)s. Write the province's code."
            ) % {
                "value": text,
                "candidates": names,
            }
        return "", _("No province “%(value)s”: %(accepted)s.") % {
            "value": text,
            "accepted": self.accepted_province(),
        }

    def _in_area(self, codes, province_id: str | None) -> set[str]:
        area = {province_id} if province_id else self.province_ids
        if area is None:
            return set(codes)
        return {c for c in codes if c in self.communes and self.communes[c].province_id in area}

    def commune(self, text: str, province_id: str | None = None) -> tuple[str, str]:
        """(commune code, '') or ('', message). A code is accepted anywhere (the load's scope rule then says
        whether the user may use it); a name only within `province_id` (the row's province) or, without one,
        the provinces of the user."""
        key = fold(text)
        if not key:
            return "", ""
        accepted = self.accepted_commune(province_id)
        if key.isdigit():
            if len(key) > 5:
                return "", _("No commune has the code “%(value)s”: %(accepted)s.") % {
                    "value": text,
                    "accepted": accepted,
                }
            code = key.zfill(5)
            if code in self.communes:
                return code, ""
            self._load_old_communes()
            new = self.old_code.get(code, set())
            if len(new) == 1:
                return next(iter(new)), ""
            if new:
                return "", self._split(text, new)
            return "", _("No commune has the code “%(value)s”: %(accepted)s.") % {
                "value": text,
                "accepted": accepted,
            }
        bare = _bare(key, _COMMUNE_PREFIXES)
        exact = self._in_area((u.code for u in self.by_name.get(key, ())), province_id)
        found = exact or self._in_area((u.code for u in self.by_bare.get(bare, ())), province_id)
        if len(found) == 1:
            return next(iter(found)), ""
        if found:
            return "", _(
                "“%(value)s” matches several communes in %(where)s: %(candidates)s. Write the commune's code "
                "(5 digits)."
            ) % {"value": text, "where": self.where(province_id), "candidates": self._named(found)}
        self._load_old_communes()
        old = self._in_area(self.old_name.get(key, ()), province_id) or self._in_area(
            self.old_bare.get(bare, ()), province_id
        )
        if len(old) == 1:
            return next(iter(old)), ""
        if old:
            return "", self._split(text, old)
        return "", _("No commune “%(value)s” in %(where)s: %(accepted)s.") % {
            "value": text,
            "where": self.where(province_id),
            "accepted": accepted,
        }

    def _split(self, text: str, codes) -> str:
        return _(
            "“%(value)s” is a name or code from before 07/2025 that now belongs to several communes: "
            "%(candidates)s. Write the new commune's code (5 digits)."
        ) % {"value": text, "candidates": self._named(codes)}


# ------------------------------------------------------------------------------------------ in bulk loads


def stage_places(cursor, who, *, commune: str | None = "commune", province: str | None = None) -> None:
    """Resolve the distinct (province, commune) cells of the bulk staging table (`c_<province>`, `c_<commune>`)
    into the temporary table `bulk_place` (province_raw, commune_raw, province_code, province_err,
    commune_code, commune_err) and their messages into `bulk_place_message` (id, message); an `_err` of 0 is
    no error, -1 an error beyond MESSAGES_KEPT (`place_checks` words it shortly). A commune is looked for in
    the row's province when the file has a province column, else in the provinces of `who`."""
    province_ids = None if who.is_admin else (who.province_ids or None)
    places = Places(province_ids)
    p_expr = f"coalesce(c_{province}, '')" if province else "''"
    c_expr = f"coalesce(c_{commune}, '')" if commune else "''"
    cursor.execute("DROP TABLE IF EXISTS bulk_place")
    cursor.execute("DROP TABLE IF EXISTS bulk_place_message")
    cursor.execute(
        "CREATE TEMP TABLE bulk_place (province_raw text, commune_raw text, province_code text, "
        "province_err integer, commune_code text, commune_err integer)"
    )
    cursor.execute("CREATE TEMP TABLE bulk_place_message (id integer, what text, message text)")
    cursor.execute(f"SELECT DISTINCT {p_expr}, {c_expr} FROM bulk_stage")
    pairs = cursor.fetchall()
    messages: dict[tuple[str, str], int] = {}

    def number(what: str, message: str) -> int:
        if not message:
            return 0
        if (what, message) not in messages:
            if len(messages) >= MESSAGES_KEPT:
                return -1
            messages[what, message] = len(messages) + 1
        return messages[what, message]

    rows = []
    provinces: dict[str, tuple[str, str]] = {}
    for p_raw, c_raw in pairs:
        if p_raw not in provinces:
            provinces[p_raw] = places.province(p_raw)
        p_code, p_message = provinces[p_raw]
        c_code, c_message = places.commune(c_raw, p_code or None) if c_raw else ("", "")
        rows.append(
            (
                p_raw,
                c_raw,
                p_code or None,
                number("province", p_message),
                c_code or None,
                number("commune", c_message),
            )
        )
    if rows:
        cursor.executemany("INSERT INTO bulk_place VALUES (%s, %s, %s, %s, %s, %s)", rows)
    if messages:
        cursor.executemany(
            "INSERT INTO bulk_place_message VALUES (%s, %s, %s)",
            [(i, w, m) for (w, m), i in messages.items()],
        )
    cursor.execute("ANALYZE bulk_place")


def place_checks(column_label, err: str, value_sql: str, *, what: str = "commune") -> list:
    """One check per message of `bulk_place_message` met in `err` (r.commune_err, r.province_err), and a short
    one for the values beyond MESSAGES_KEPT."""
    from django.db import connection

    from doluong.core.bulk import Check

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, message FROM bulk_place_message WHERE what = %s ORDER BY id", [what])
        rows = cursor.fetchall()
    found = [
        Check(column_label, message.replace("{", "(").replace("}", ")"), f"{err} = {n}")
        for n, message in rows
    ]
    short = (
        _("No commune “%(value)s”: write the commune's code (5 digits) or its name in your province.")
        if what == "commune"
        else _("No province “%(value)s”: write the province's code (2 digits) or its name.")
    )
    found.append(
        Check(column_label, short.replace("%(value)s", "{value}"), f"{err} = -1", value_sql=value_sql)
    )
    return found


def commune_list(user) -> CodeList:
    """The communes whose names a user's file may use: those of the user's provinces (every commune for an
    administrator), with their province."""
    who = principal(user)
    communes = Commune.objects.select_related("province").order_by("province_id", "name")
    if not who.is_admin and who.province_ids:
        communes = communes.filter(province_id__in=who.province_ids)
    rows = [[c.code, c.name, c.province.name] for c in communes]
    return CodeList(_("Communes")[:31], [_("Code"), _("Name"), _("Province")], rows)
