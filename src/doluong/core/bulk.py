"""Bulk loading: files of hundreds of thousands of rows, validated set-wise in SQL and merged in one transaction.

The same rules as the row-by-row import (`core.io`): columns are matched by label or name (folded), references
are resolved by natural key (code, tax code, name), every bad cell is reported by row, column and reason, and a
file with errors writes nothing unless the caller asks for the good rows only. What changes is the method:

1. **stage**: the file goes into a temporary table of text columns (PostgreSQL: the CSV bytes straight through
   `COPY … FROM STDIN`; XLSX rows through `COPY` too; SQLite: `executemany`), with the file's row number;
2. **validate**: one `CREATE TEMP TABLE … AS SELECT` turns text into typed, resolved columns (dates, numbers,
   codes, references, tax codes — the check digit is computed in SQL), then each rule is one `INSERT INTO
   bulk_errors SELECT … WHERE <bad>` over the whole set (duplicates inside the file by window functions,
   against the table by joins, and the importing user's scope);
3. **merge**: in ONE transaction, new rows are inserted and changed rows updated, keyed on a stable source key
   (`INSERT … ON CONFLICT`), so loading the same file twice changes nothing; a process killed halfway leaves
   the database as it was.

Each load is a `core.Job` row (who, when, file, counts, progress, error report): bulk rows get this one history
entry instead of a simple-history row each (docs/scale.md). Each kind registered here is also a kind of job
(`core.jobs`): the web upload queues it and `doluong worker` runs it (`run_job`).

On PostgreSQL the typed helpers (`dl_date`, `dl_int`, `dl_fold`, `dl_tax_*`…) are SQL functions created in the
session's `pg_temp` schema (inlined by the planner); on SQLite the same names are Python functions registered on
the connection. The kinds (`instruments`, `organisations`, `records`) live in `<app>/bulk.py`, found by
`kinds()` (core imports no app).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import jobs
from .dates import add_months
from .io import ImportFileError, RowError
from .scope import Principal, principal
from .text import fold, nfc
from .validators import looks_like_formula, normalise_tax_code, validate_tax_code

#: at most this many errors are kept on the job row and printed (the count is always exact: Job.error_count)
MAX_REPORTED_ERRORS = jobs.MAX_REPORTED_ERRORS
#: a cell's value quoted in an error message is cut to this many characters (a long cell, repeated in every
#: row of an XLSX file through its shared strings, made a 107 KB file a 105 MB error report)
VALUE_CHARS = 60
#: and each message to this many
MESSAGE_CHARS = 300
#: rows per executemany / progress update
CHUNK = 50000


# ------------------------------------------------------------------------------------------ columns and kinds


@dataclass
class Column:
    """One column a bulk file may have. `name` is the staging column (`c_<name>`)."""

    name: str
    label: Any  # lazy translated label, also matched against the header (folded)
    required: bool = False
    aliases: tuple[str, ...] = ()

    def keys(self) -> set[str]:
        """Folded header titles that name this column: its name, its label in English and Vietnamese."""
        from django.utils import translation

        found = {fold(self.name), fold(self.name.replace("_", " ")), fold(str(self.label))}
        for language in ("en", "vi"):
            with translation.override(language):
                found.add(fold(str(self.label)))
        return found | {fold(a) for a in self.aliases}


@dataclass
class Check:
    """A rule over the typed table `r`: rows where `where` holds are bad in `column` for `reason`.

    `reason` is a translated message; `{value}` in it is replaced (in SQL) by `value_sql`."""

    column: Any
    reason: str
    where: str
    value_sql: str = "''"
    params: tuple = ()


class Kind:
    """A kind of row that can be bulk loaded; subclasses live in `<app>/bulk.py`."""

    name: str = ""
    label: Any = ""
    #: the model the kind writes: loading needs the permission table's `add` on it at all (the load then checks
    #: the user's scope row by row)
    model: Any = None
    columns: list[Column] = []
    #: staging columns computed while reading the file: `c_<key>` = fold(the non-empty cells of these columns,
    #: joined by a space) — the row's own part of the search text, folded in the reading process (on the other
    #: core) instead of by the database (docs/scale.md)
    folds: dict[str, tuple[str, ...]] = {}

    def typed_sql(self, d: Dialect, job: JobContext) -> tuple[str, list]:
        """SELECT over the staging table `s` giving `row_no` and the typed, resolved columns."""
        raise NotImplementedError

    def checks(self, d: Dialect, job: JobContext) -> list[Check]:
        raise NotImplementedError

    def merge(self, d: Dialect, job: JobContext, step: Callable[[str], None]) -> tuple[int, int, int]:
        """Insert/update the good rows of `bulk_typed` (inside the caller's transaction); return (inserted,
        updated, unchanged). `step(name)` is called between statements (progress; the kill test)."""
        raise NotImplementedError


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Declare a kind of bulk load (in `<app>/bulk.py`); it is a kind of background job too."""
    if kind.model is None:  # the bulk pages ask the permission table whether the user may add its rows
        raise ImproperlyConfigured(f"bulk kind {kind.name!r} names no model (Kind.model)")
    KINDS[kind.name] = kind
    jobs.register_kind(kind.name, kind.label, run_job, url=_job_url)
    return kind


def kinds() -> dict[str, Kind]:
    """The kinds of bulk load: the apps' `bulk` modules, discovered (core imports no app)."""
    jobs.kinds()
    return KINDS


#: the page of a bulk load's job, set by the app that serves those pages (registry/jobs.py)
JOB_URL: Callable[[Any], str] | None = None


def _job_url(job) -> str:
    return JOB_URL(job) if JOB_URL else ""


# ------------------------------------------------------------------------------------------ dialects


class Dialect:
    """SQL differences between PostgreSQL and SQLite, and the helper functions both provide."""

    vendor = ""
    f = ""  # prefix of the helper functions
    fence = ""  # ends a subquery that must be computed on its own, not flattened into the outer query

    def setup(self) -> None:
        raise NotImplementedError

    def teardown(self) -> None:
        """Give the connection back as it was (a web worker's connection serves other requests next)."""

    def date_param(self, day: dt.date):
        return day

    def distinct(self, a: str, b: str) -> str:
        return f"({a} IS DISTINCT FROM {b})"

    def now(self) -> str:
        return "CURRENT_TIMESTAMP"


def _ymd(value: str) -> dt.date | None:
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        return day
    return None


_INT = re.compile(r"^\s*\+?(\d{1,9})(?:\.0+)?\s*$")


def py_date(value):
    if value is None or value == "":
        return None
    text = value.strip()
    if not re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}|\d{1,2}-\d{1,2}-\d{4}|\d{4}-\d{1,2}-\d{1,2}", text):
        return None
    day = _ymd(text)
    return day.isoformat() if day else None


def py_int(value):
    if value is None:
        return None
    match = _INT.match(value)
    return int(match.group(1)) if match else None


def py_tax_norm(value):
    return normalise_tax_code(value or "")


def py_tax_error(value):
    """'' when valid (or empty), else the validator's message."""
    from django.core.exceptions import ValidationError

    value = normalise_tax_code(value or "")
    if not value:
        return ""
    try:
        validate_tax_code(value)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def py_formula(value):
    return looks_like_formula(value)


def py_add_months(day, months):
    if day is None or months is None:
        return None
    return add_months(dt.date.fromisoformat(day), int(months)).isoformat()


class SQLiteDialect(Dialect):
    vendor = "sqlite"

    def setup(self) -> None:
        connection.ensure_connection()
        raw = connection.connection
        cached = functools.partial(functools.lru_cache, maxsize=1 << 16)  # names, dates, codes repeat
        for name, arity, func in (
            ("dl_date", 1, cached()(py_date)),
            ("dl_int", 1, cached()(py_int)),
            ("dl_fold", 1, cached()(fold)),
            ("dl_tax_norm", 1, cached()(py_tax_norm)),
            ("dl_tax_error", 1, cached()(py_tax_error)),
            ("dl_add_months", 2, cached()(py_add_months)),
            ("dl_formula", 1, cached()(py_formula)),
        ):
            raw.create_function(name, arity, func, deterministic=True)

    def date_param(self, day: dt.date):
        return day.isoformat()

    def distinct(self, a: str, b: str) -> str:
        return f"({a} IS NOT {b})"


class PostgresDialect(Dialect):
    vendor = "postgresql"
    f = "pg_temp."
    fence = "OFFSET 0"

    def setup(self) -> None:
        statements = [
            "SET jit = off",  # compiling these wide expressions costs more than it saves
            "SET work_mem = '256MB'",
            r"""CREATE OR REPLACE FUNCTION pg_temp.dl_ymd(y int, m int, d int) RETURNS date LANGUAGE sql
                IMMUTABLE AS $$
                SELECT CASE WHEN y BETWEEN 1 AND 9999 AND m BETWEEN 1 AND 12 AND d BETWEEN 1 AND 31 THEN
                  CASE WHEN d <= extract(day from make_date(y, m, 1) + interval '1 month' - interval '1 day')
                  THEN make_date(y, m, d) END END $$""",
            r"""CREATE OR REPLACE FUNCTION pg_temp.dl_date(t text) RETURNS date LANGUAGE sql IMMUTABLE AS $$
                SELECT CASE
                  WHEN btrim(t) ~ '^\d{1,2}/\d{1,2}/\d{4}$' THEN pg_temp.dl_ymd(split_part(btrim(t), '/', 3)::int,
                       split_part(btrim(t), '/', 2)::int, split_part(btrim(t), '/', 1)::int)
                  WHEN btrim(t) ~ '^\d{1,2}-\d{1,2}-\d{4}$' THEN pg_temp.dl_ymd(split_part(btrim(t), '-', 3)::int,
                       split_part(btrim(t), '-', 2)::int, split_part(btrim(t), '-', 1)::int)
                  WHEN btrim(t) ~ '^\d{4}-\d{1,2}-\d{1,2}$' THEN pg_temp.dl_ymd(split_part(btrim(t), '-', 1)::int,
                       split_part(btrim(t), '-', 2)::int, split_part(btrim(t), '-', 3)::int)
                END $$""",
            r"""CREATE OR REPLACE FUNCTION pg_temp.dl_int(t text) RETURNS int LANGUAGE sql IMMUTABLE AS $$
                SELECT CASE WHEN t ~ '^\s*\+?\d{1,9}(\.0+)?\s*$'
                  THEN split_part(btrim(btrim(t), '+'), '.', 1)::int END $$""",
            # ASCII: lower() only; else Đ→D, NFD, combining marks removed (as text.fold); measured in docs/scale.md
            r"""CREATE OR REPLACE FUNCTION pg_temp.dl_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
                SELECT btrim(regexp_replace(CASE WHEN coalesce(t, '') ~ '^[\x01-\x7f]*$' THEN lower(coalesce(t, ''))
                  ELSE lower(regexp_replace(normalize(translate(t, 'ĐđÐð', 'DdDd'), NFD),
                                            '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+',
                                            '', 'g')) END, '\s+', ' ', 'g')) $$""",
            r"""CREATE OR REPLACE FUNCTION pg_temp.dl_tax_norm(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
                SELECT CASE WHEN v ~ '^\d{13}$' THEN substr(v, 1, 10) || '-' || substr(v, 11) ELSE v END
                FROM (SELECT regexp_replace(coalesce(t, ''), '[\s.]', '', 'g') AS v) x $$""",
            # 'format' | 'province' | 'check' | 'branch' | '' — the same rules as validators.validate_tax_code
            r"""CREATE OR REPLACE FUNCTION pg_temp.dl_tax_code(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
                SELECT CASE
                  WHEN v = '' THEN ''
                  WHEN v ~ '^\d{12}$' THEN CASE WHEN substr(v, 1, 3)::int BETWEEN 1 AND 96 THEN ''
                                                ELSE 'province' END
                  WHEN v !~ '^\d{10}(-\d{3})?$' THEN 'format'
                  WHEN 10 - (substr(v,1,1)::int*31 + substr(v,2,1)::int*29 + substr(v,3,1)::int*23
                            + substr(v,4,1)::int*19 + substr(v,5,1)::int*17 + substr(v,6,1)::int*13
                            + substr(v,7,1)::int*7 + substr(v,8,1)::int*5 + substr(v,9,1)::int*3) % 11
                       <> substr(v, 10, 1)::int THEN 'check'
                  WHEN substr(v, 12) = '000' THEN 'branch'
                  ELSE '' END $$""",
            # the same rule as validators.looks_like_formula
            r"""CREATE OR REPLACE FUNCTION pg_temp.dl_formula(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
                SELECT coalesce(t ~ '^[=+\-@\t\r]' AND t !~ '^[+-]\s*\d[\d\s.,/()-]*$'
                                AND t !~ '^[+-] +[^0-9 =+@-]', FALSE) $$""",
            r"""CREATE OR REPLACE FUNCTION pg_temp.dl_add_months(d date, m int) RETURNS date LANGUAGE sql
                IMMUTABLE AS $$ SELECT (d + make_interval(months => m))::date $$""",
        ]
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def teardown(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET work_mem")
                cursor.execute("RESET jit")
        except DatabaseError:  # an aborted transaction: the caller rolls back, the session settings go on
            pass


def dialect() -> Dialect:
    return PostgresDialect() if connection.vendor == "postgresql" else SQLiteDialect()


def tax_error_sql(d: Dialect, expr: str) -> list[tuple[str, str]]:
    """(condition, message template) pairs naming why the tax code in `expr` (normalised) is invalid."""
    if d.vendor == "postgresql":
        code = f"pg_temp.dl_tax_code({expr})"
        return [
            (
                f"{code} = 'format'",
                _(
                    "Tax code %(value)s is not valid: use 10 digits, 10 digits-3 digits for a branch, "
                    "or a 12-digit personal identification number."
                ),
            ),
            (
                f"{code} = 'check'",
                _("Tax code %(value)s is not valid: its check digit (the 10th digit) is wrong."),
            ),
            (f"{code} = 'branch'", _("Tax code %(value)s is not valid: a branch number cannot be 000.")),
            (
                f"{code} = 'province'",
                _("The 12-digit personal tax code %(value)s does not start with a province code (001–096)."),
            ),
        ]
    return [(f"dl_tax_error({expr}) <> ''", "{message}")]


# ------------------------------------------------------------------------------------------ reading files


@dataclass
class JobContext:
    """What a running load knows: who, from where, the column mapping, today, and the job row."""

    user: Any
    who: Principal
    source: str
    file_name: str
    today: dt.date
    present: set[str] = field(default_factory=set)
    job: Any = None


def match_header(kind: Kind, header: list[str]) -> list[str | None]:
    """Staging column for each header position (None for an empty title); same messages as `core.io`."""
    lookup: dict[str, Column] = {}
    for column in kind.columns:
        for key in column.keys():
            lookup[key] = column
    mapping: list[str | None] = []
    unknown = []
    for title in header:
        title = nfc(str(title or "")).strip()
        if not title:
            mapping.append(None)
            continue
        column = lookup.get(fold(title))
        if column is None:
            unknown.append(title)
            mapping.append(None)
        elif column.name in mapping:
            raise ImportFileError(_("Column “%(column)s” appears twice.") % {"column": title})
        else:
            mapping.append(column.name)
    if unknown:
        expected = ", ".join(str(c.label).capitalize() for c in kind.columns)
        raise ImportFileError(
            _("Unknown column(s): %(columns)s. Expected columns: %(expected)s.")
            % {"columns": ", ".join(f"“{u}”" for u in unknown), "expected": expected}
        )
    missing = [str(c.label).capitalize() for c in kind.columns if c.required and c.name not in mapping]
    if missing:
        raise ImportFileError(
            _("Required column(s) missing: %(columns)s.") % {"columns": ", ".join(f"“{m}”" for m in missing)}
        )
    return mapping


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text != "" else None


def _xlsx_rows(stream: IO[bytes]) -> Iterator[list[str | None]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            _("The file is not a readable XLSX workbook (%(error)s).") % {"error": exc}
        ) from exc
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_cell_text(v) for v in row]
    finally:
        workbook.close()


def _sniff_csv(stream: IO[bytes]) -> tuple[bytes, str]:
    """The first bytes (BOM removed) and the delimiter (“;” when it is more frequent than “,”)."""
    head = stream.read(65536)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    first_line_bytes = head.split(b"\n", 1)[0]
    try:
        first_line = first_line_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The CSV file is not UTF-8 encoded (byte %(position)s): save it as “CSV UTF-8” and try again.")
            % {"position": exc.start + 1}
        ) from exc
    if "\x00" in first_line:
        raise ImportFileError(
            _("The CSV file is not UTF-8 encoded (byte %(position)s): save it as “CSV UTF-8” and try again.")
            % {"position": first_line.index("\x00") + 1}
        )
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return head, delimiter


class _Chain(io.RawIOBase):
    """`head` then the rest of `stream`, as one binary stream."""

    def __init__(self, head: bytes, stream: IO[bytes]):
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _csv_rows(stream: IO[bytes], head: bytes, delimiter: str) -> Iterator[list[str | None]]:
    text = io.TextIOWrapper(io.BufferedReader(_Chain(head, stream), 1 << 20), encoding="utf-8", newline="")
    try:
        for row in csv.reader(text, delimiter=delimiter):
            yield [v if v != "" else None for v in row]
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The CSV file is not UTF-8 encoded (byte %(position)s): save it as “CSV UTF-8” and try again.")
            % {"position": exc.start + 1}
        ) from exc


# ------------------------------------------------------------------------------------------ the load


@dataclass
class BulkResult:
    job_id: int
    kind: str
    rows: int = 0
    bad_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    loaded: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error_count


def _progress(job, **counts) -> None:
    type(job).objects.filter(pk=job.pk).update(**counts)
    for key, value in counts.items():
        setattr(job, key, value)


def _stage_columns(kind: Kind) -> list[str]:
    return [c.name for c in kind.columns]


def _create_stage(cursor, d: Dialect, kind: Kind) -> None:
    cursor.execute("DROP TABLE IF EXISTS bulk_stage")
    cursor.execute("DROP TABLE IF EXISTS bulk_typed")
    cursor.execute("DROP TABLE IF EXISTS bulk_errors")
    cursor.execute("DROP TABLE IF EXISTS bulk_suspect")
    columns = ", ".join(f"c_{name} text" for name in [*_stage_columns(kind), *kind.folds])
    if d.vendor == "postgresql":
        cursor.execute(
            f"CREATE TEMP TABLE bulk_stage (row_no bigint GENERATED ALWAYS AS IDENTITY (START WITH 2), {columns})"
        )
    else:
        cursor.execute(f"CREATE TEMP TABLE bulk_stage (row_no integer PRIMARY KEY, {columns})")
    cursor.execute("CREATE TEMP TABLE bulk_errors (row_no bigint, col text, reason text)")


def _clean_cell(value: str | None, number: int) -> str:
    """A cell as the forms keep it: NFC, trimmed; '' when empty. A NUL character cannot be stored: the file
    is refused (it is not a text file)."""
    if value is None:
        return ""
    if "\x00" in value:
        raise ImportFileError(
            _("Row %(row)s holds a NUL character: the file is not a text file saved from a spreadsheet.")
            % {"row": number}
        )
    return value.strip() if value.isascii() else nfc(value).strip()


def _stage_rows(cursor, d: Dialect, kind: Kind, mapping: list[str | None], rows: Iterable[list], job) -> int:
    """Stage the rows, each cell cleaned and the kind's folds computed here, in the reading process: through a
    row COPY on PostgreSQL (the reading runs on one core while the server parses on the other), through
    executemany in chunks on SQLite."""
    positions = [(i, name) for i, name in enumerate(mapping) if name is not None]
    names = [f"c_{name}" for _, name in positions] + [f"c_{key}" for key in kind.folds]
    folds = [
        [k for k, (_i, name) in enumerate(positions) if name in sources] for sources in kind.folds.values()
    ]
    width = len(mapping)
    count = 0

    def shaped() -> Iterator[tuple]:
        nonlocal count
        for number, row in enumerate(rows, start=2):
            if len(row) > width and any(v not in (None, "") for v in row[width:]):
                raise ImportFileError(
                    _("Row %(row)s has values beyond the last column of the header row.") % {"row": number}
                )
            count += 1
            values = [_clean_cell(row[i], number) if i < len(row) else "" for i, _name in positions]
            yield (
                number,
                *values,
                *[fold(" ".join(values[k] for k in sources if values[k])) for sources in folds],
            )

    if d.vendor == "postgresql":
        cursor.execute("ALTER TABLE bulk_stage ALTER COLUMN row_no DROP IDENTITY")
        # a savepoint: a file refused halfway through the COPY leaves a caller's transaction usable
        with (
            transaction.atomic(),
            cursor.copy(f"COPY bulk_stage (row_no, {', '.join(names)}) FROM STDIN") as copy,
        ):
            for values in shaped():
                copy.write_row(values)
        return count
    sql = (
        f"INSERT INTO bulk_stage (row_no, {', '.join(names)}) VALUES ({', '.join(['%s'] * (len(names) + 1))})"
    )
    batch: list[tuple] = []
    for values in shaped():
        batch.append(values)
        if len(batch) >= CHUNK:
            cursor.executemany(sql, batch)
            batch.clear()
            _progress(job, rows_staged=count)
    if batch:
        cursor.executemany(sql, batch)
    return count


def new_job(
    kind_name: str, file_name: str, *, user=None, source: str = "", only_good: bool = False, **fields
):
    """The `core.Job` row of a load about to start (a page creates it first, then queues it: `queue`; or runs
    it here with `run(…, job=job)`). Refuses an unknown kind or a file type that cannot be read."""
    from .models import Job

    if kind_name not in kinds():
        raise ImportFileError(_("Unknown kind of rows: %(kind)s.") % {"kind": kind_name})
    lower = file_name.lower()
    if not (lower.endswith(".csv") or lower.endswith(".txt") or lower.endswith(".xlsx")):
        raise ImportFileError(_("Unsupported file type: use .xlsx or .csv."))
    if "status" not in fields:
        fields["status"] = Job.Status.RUNNING  # run here by the caller; `queue` queues it instead
    return jobs.create(
        kind_name,
        user=user,
        file_name=file_name,
        source=(source or "").strip()[:60] or "bulk",
        only_good=only_good,
        **fields,
    )


def queue(
    kind_name: str, file_name: str, upload, *, user=None, source: str = "", only_good: bool = False, **fields
):
    """Keep `upload` (an uploaded file or bytes) in the job input store and queue its load for the worker;
    returns the job (status "queued")."""
    from .models import Job

    lower = file_name.lower()
    suffix = ".xlsx" if lower.endswith(".xlsx") else ".csv"
    job = new_job(
        kind_name,
        file_name,
        user=user,
        source=source,
        only_good=only_good,
        status=Job.Status.QUEUED,
        **fields,
    )
    job.input_file = jobs.save_input(upload, suffix)
    job.save(update_fields=["input_file"])
    jobs.enqueue(job)
    return job


def run_job(job) -> None:
    """The worker's part: load the job's stored input (`queue`). A file that cannot be read is recorded on the
    row as rejected; any other error marks it failed (the merge is one transaction: nothing written)."""
    path = jobs.input_path(job.input_file)
    if path is None:
        raise ImportFileError(_("The uploaded file is no longer kept; upload it again."))
    pause = os.environ.get("DOLUONG_BULK_PAUSE_AFTER")  # the worker kill test only (tests/bulk/test_kill.py)

    def step(name: str) -> None:
        if pause and name == pause:
            print(f"PAUSED {name} job {job.pk}", flush=True)
            time.sleep(600)

    with path.open("rb") as stream:
        try:
            run(job.kind, job.file_name, stream, user=job.created_by, job=job, on_merge_step=step)
        except ImportFileError:
            pass  # recorded on the job row


def run(
    kind_name: str,
    file_name: str,
    stream: IO[bytes],
    *,
    user=None,
    source: str = "",
    only_good: bool = False,
    on_merge_step: Callable[[str], None] | None = None,
    job=None,
) -> BulkResult:
    """Load `stream` (an .xlsx or .csv file named `file_name`) as rows of `kind_name`.

    Writes nothing when any row is bad, unless `only_good`; then exactly the good rows. Raises ImportFileError
    when the file as a whole cannot be read (nothing is written then either, but the job row records it).
    `job`: a row made by `new_job` (its source and only-good choice apply); else one is made here."""
    from .models import Job as BulkJob

    if job is None:
        job = new_job(kind_name, file_name, user=user, source=source, only_good=only_good)
    kind = kinds()[job.kind]
    d = dialect()
    lower = job.file_name.lower()
    source, only_good = job.source, job.only_good
    ctx = JobContext(
        user=user,
        who=principal(user) if user is not None else _SYSTEM,
        source=source,
        file_name=job.file_name,
        today=timezone.localdate(),
        job=job,
    )
    result = BulkResult(job_id=job.pk, kind=job.kind)
    clock = time.perf_counter()
    try:
        d.setup()
        with connection.cursor() as cursor:
            _create_stage(cursor, d, kind)
            if lower.endswith(".xlsx"):
                rows = _xlsx_rows(stream)
                header = next(rows, None)
                if header is None:
                    raise ImportFileError(_("The file is empty."))
                mapping = match_header(kind, header)
                staged = _stage_rows(cursor, d, kind, mapping, rows, job)
            else:
                head, delimiter = _sniff_csv(stream)
                if not head.strip():
                    raise ImportFileError(_("The file is empty."))
                rows = _csv_rows(stream, head, delimiter)
                mapping = match_header(kind, next(rows))
                staged = _stage_rows(cursor, d, kind, mapping, rows, job)
            ctx.present = {name for name in mapping if name}
            # blank rows are not rows (as in core.io)
            blank = " AND ".join(f"coalesce(c_{n}, '') = ''" for n in sorted(ctx.present)) or "false"
            cursor.execute(f"DELETE FROM bulk_stage WHERE {blank}")
            staged -= cursor.rowcount if cursor.rowcount and cursor.rowcount > 0 else 0
            result.rows = staged
            _progress(job, rows_staged=staged)
            result.timings["stage"] = time.perf_counter() - clock

            clock = time.perf_counter()
            _validate(cursor, d, kind, ctx, result)
            result.timings["validate"] = time.perf_counter() - clock
            _progress(job, rows_validated=staged, rows_bad=result.bad_rows)

            if result.error_count and not only_good:
                _finish(job, BulkJob.Status.REJECTED, result)
                return result
            clock = time.perf_counter()
            if result.bad_rows:
                cursor.execute("DELETE FROM bulk_typed WHERE row_no IN (SELECT row_no FROM bulk_errors)")
            with transaction.atomic():
                inserted, updated, unchanged = kind.merge(d, ctx, on_merge_step or (lambda step: None))
                result.inserted, result.updated, result.unchanged = inserted, updated, unchanged
                result.loaded = True
                _finish(job, BulkJob.Status.DONE, result)
            result.timings["merge"] = time.perf_counter() - clock
            for table in ("bulk_stage", "bulk_typed", "bulk_errors", "bulk_suspect"):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
        return result
    except ImportFileError as exc:
        BulkJob.objects.filter(pk=job.pk).update(
            status=BulkJob.Status.REJECTED,
            finished_at=timezone.now(),
            errors=[{"row": 0, "column": "", "reason": short(str(exc).replace("\x00", ""), MESSAGE_CHARS)}],
            error_count=1,
        )
        raise
    except Exception:
        BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.FAILED, finished_at=timezone.now())
        job.status = BulkJob.Status.FAILED
        raise
    finally:
        d.teardown()


_SYSTEM = Principal(user_id=0, is_admin=True, scopes=())


def _finish(job, status, result: BulkResult) -> None:
    _progress(
        job,
        status=status,
        finished_at=timezone.now(),
        rows_bad=result.bad_rows,
        rows_inserted=result.inserted,
        rows_updated=result.updated,
        rows_unchanged=result.unchanged,
        error_count=result.error_count,
        errors=[{"row": e.row, "column": e.column, "reason": e.message} for e in result.errors],
    )


def _validate(cursor, d: Dialect, kind: Kind, ctx: JobContext, result: BulkResult) -> None:
    sql, params = kind.typed_sql(d, ctx)
    cursor.execute("ANALYZE bulk_stage")  # temporary tables are never analysed by autovacuum
    cursor.execute(f"CREATE TEMP TABLE bulk_typed AS {sql}", params)
    cursor.execute("ANALYZE bulk_typed")
    checks = kind.checks(d, ctx)
    # the conditions OR-ed: one pass finds the rows that break any rule (few); only those are expanded into
    # messages (PostgreSQL), or read again by each rule (SQLite)
    any_bad = " OR ".join(f"coalesce({check.where}, FALSE)" for check in checks) or "FALSE"
    any_params = [p for check in checks for p in check.params]
    if d.vendor == "postgresql":  # every rule in one pass over the rows
        values, params = [], []
        for check in checks:
            values.append(
                f"(CASE WHEN {check.where} THEN replace(%s::text, '{{value}}', "
                f"{_cut(f'({check.value_sql})::text')})"
                " END, %s::text)"
            )
            params += [
                *check.params,
                check.reason.replace("%(value)s", "{value}"),
                str(check.column).capitalize(),
            ]
        cursor.execute(
            "INSERT INTO bulk_errors SELECT r.row_no, v.col, v.reason "
            f"FROM (SELECT * FROM bulk_typed r WHERE {any_bad} {d.fence}) r "
            f"CROSS JOIN LATERAL (VALUES {', '.join(values)}) AS v(reason, col) WHERE v.reason IS NOT NULL",
            any_params + params,
        )
        checks = []
    else:
        cursor.execute("DROP TABLE IF EXISTS bulk_suspect")
        cursor.execute(
            f"CREATE TEMP TABLE bulk_suspect AS SELECT * FROM bulk_typed r WHERE {any_bad}", any_params
        )
    for check in checks:
        label = str(check.column).capitalize()
        if "{message}" in check.reason:  # SQLite: the Python validator's own message
            reason_sql = f"substr({check.value_sql}, 1, {MESSAGE_CHARS})"
            params = [label, *check.params]
            cursor.execute(
                f"INSERT INTO bulk_errors SELECT r.row_no, %s, {reason_sql} FROM bulk_suspect r WHERE {check.where}",
                params,
            )
            continue
        template = check.reason.replace("%(value)s", "{value}")
        cursor.execute(
            f"INSERT INTO bulk_errors SELECT r.row_no, %s, replace(%s, '{{value}}', {_cut(check.value_sql)})"
            f" FROM bulk_suspect r WHERE {check.where}",
            [label, template, *check.params],
        )
    cursor.execute("SELECT count(*), count(DISTINCT row_no) FROM bulk_errors")
    result.error_count, result.bad_rows = cursor.fetchone()
    cursor.execute(
        f"SELECT row_no, col, reason FROM bulk_errors ORDER BY row_no, col LIMIT {MAX_REPORTED_ERRORS}"
    )
    result.errors = [RowError(int(r), c, short(m, MESSAGE_CHARS)) for r, c, m in cursor.fetchall()]


def short(text, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when it was longer."""
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut(expr: str) -> str:
    """SQL: the value `expr` as quoted in a message, at most VALUE_CHARS characters (an ellipsis when cut)."""
    return (
        f"(CASE WHEN length(coalesce({expr}, '')) > {VALUE_CHARS} "
        f"THEN substr({expr}, 1, {VALUE_CHARS - 1}) || '…' ELSE coalesce({expr}, '') END)"
    )


# ------------------------------------------------------------------------------------------ helpers for kinds


def required_check(column: Column, expr: str) -> Check:
    return Check(column.label, _("This field is required."), f"coalesce({expr}, '') = ''")


def length_check(column: Column, expr: str, limit: int) -> Check:
    return Check(
        column.label,
        _("Ensure this value has at most %(limit)s characters (it has {value}).") % {"limit": limit},
        f"length({expr}) > {limit}",
        value_sql=f"CAST(length({expr}) AS text)",
    )


def text_checks(columns: dict[str, tuple[Column, int]]) -> list[Check]:
    """Length of free text columns (typed as r.<name>)."""
    return [length_check(col, f"r.{name}", limit) for name, (col, limit) in columns.items()]


def formula_check(column: Column, expr: str, d: Dialect | None = None) -> Check:
    """Text that a spreadsheet would run as a formula (`core.validators.looks_like_formula`, the rule of the
    forms, the API and the importer): starts with =, +, -, @, unless it is a signed number such as -5."""
    f = d.f if d is not None else ("pg_temp." if connection.vendor == "postgresql" else "")
    return Check(
        column.label,
        _("The cell holds a formula: paste values only, without formulas."),
        f"{f}dl_formula({expr})",
    )


def join_words(*exprs: str) -> str:
    """SQL joining the non-empty values of `exprs` with one space (concat_ws without NULLs and empty strings, in
    plain SQL: SQLite has concat_ws only from 3.44)."""
    return "substr(" + " || ".join(f"coalesce(' ' || nullif({e}, ''), '')" for e in exprs) + ", 2)"


def choice_sql(d: Dialect, expr: str, choices) -> str:
    """CASE mapping a cell (code or label, folded) to the choice code; NULL when it matches none."""
    from django.utils import translation

    whens = []
    seen = set()
    for code, label in choices:
        keys = [fold(str(code)), fold(str(label))]
        for language in ("vi", "en"):
            with translation.override(language):
                keys.append(fold(str(label)))
        for key in keys:
            if key and key not in seen:
                seen.add(key)
                whens.append(f"WHEN '{_q(key)}' THEN '{_q(str(code))}'")
    return f"(CASE {d.f}dl_fold({expr}) {' '.join(whens)} END)"


def _q(text: str) -> str:
    return text.replace("'", "''").replace("%", "%%")


def date_check(column: Column, raw: str, typed: str) -> Check:
    return Check(
        column.label,
        _("“%(value)s” is not a date: write dd/mm/yyyy.").replace("%(value)s", "{value}"),
        f"coalesce({raw}, '') <> '' AND {typed} IS NULL",
        value_sql=raw,
    )


# ------------------------------------------------------------------------------------------ scope in SQL


def q_to_sql(q, column: Callable[[str], str]) -> str:
    """Compile a scope `Q` of plain equality lookups (what `scope_q` returns) into SQL over typed columns;
    `column("province_id")` names the column holding that lookup's value. The rules stay in `scope_q`."""
    from django.db.models import Q

    if not q.children:
        return "TRUE"
    parts = []
    for child in q.children:
        if isinstance(child, Q):
            parts.append(q_to_sql(child, column))
            continue
        lookup, value = child
        if lookup.endswith("__exact"):
            lookup = lookup[: -len("__exact")]
        if lookup == "pk":
            lookup = "id"
        if "__" in lookup and not lookup.endswith("_id") or lookup.endswith("__in"):
            raise ValueError(f"scope lookup {lookup!r} is not supported in bulk loads")
        literal = str(int(value)) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"
        parts.append(f"{column(lookup)} = {literal}")
    joined = f" {q.connector} ".join(f"({p})" for p in parts)
    return f"NOT ({joined})" if q.negated else f"({joined})"


def scope_sql(model, who: Principal, action: str, column: Callable[[str], str]) -> str | None:
    """SQL condition for rows `who` may `action`, over typed columns; None = every row (administrator)."""
    if who.is_admin:
        return None
    parts = [model.scope_q(scope, action) for scope in who.scopes]
    parts = [q for q in parts if q is not None]
    if not parts:
        return "1 = 0"
    if any(not q for q in parts):
        return None
    return "(" + " OR ".join(q_to_sql(q, column) for q in parts) + ")"


def update_changed(cursor, d: Dialect, table: str, fields: list[tuple[str, str]], now) -> int:
    """Merge step shared by the kinds: update the rows of `table` named by `r.existing_id` in `bulk_typed` whose
    values differ from `fields` ((column, expression over r)); the search column is written but decides nothing.
    Returns how many rows changed."""
    differs = " OR ".join(d.distinct(f"{table}.{n}", e) for n, e in fields if n != "search_text")
    cursor.execute(
        f"""UPDATE {table} SET last_updated = %s, {", ".join(f"{n} = {e}" for n, e in fields)}
        FROM bulk_typed r WHERE r.existing_id IS NOT NULL AND {table}.id = r.existing_id AND ({differs})""",
        [now],
    )
    return cursor.rowcount


def typed_rows(cursor) -> int:
    cursor.execute("SELECT count(*) FROM bulk_typed")
    return cursor.fetchone()[0]


def now_param():
    return connection.ops.adapt_datetimefield_value(timezone.now())
