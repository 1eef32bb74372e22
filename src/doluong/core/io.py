"""Tabular import and export (XLSX/CSV) for every model surface.

Export writes the columns the importer reads, so an export edited in Excel imports again. Import validates
every row with the model's form (the same rules as the edit page), names each bad cell by row and column,
and writes nothing unless every row is good; then all rows are saved in one transaction through the generic
actions, so history and scope checks apply exactly as on the edit page.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .actions import save_object
from .text import fold, nfc
from .validators import FORMULA_STARTS, looks_like_formula

MAX_IMPORT_ROWS = 20000


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, columns)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    headers: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    forms: list[Any] = field(default_factory=list)
    saved: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------- reading files

#: bytes read from an uploaded file at a time
READ_CHUNK = 1 << 20


def read_table(name: str, source) -> tuple[list[str], list[list[Any]]]:
    """Read an uploaded XLSX or CSV file into a header and rows. Refuses formulas and non-UTF-8 CSV.

    `source`: the file's path, an open binary file, or its bytes. The file is read as a stream: a file of more
    than MAX_IMPORT_ROWS rows is refused as soon as the row after the last allowed one is read."""
    lower = name.lower()
    if lower.endswith(".xlsx"):
        reader = _read_xlsx
    elif lower.endswith(".csv") or lower.endswith(".txt"):
        reader = _read_csv
    else:
        raise ImportFileError(_("Unsupported file type: use .xlsx or .csv."))
    if isinstance(source, (bytes, bytearray)):
        return reader(io.BytesIO(source))
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            return reader(stream)
    return reader(source)


def unquote_cell(value):
    """A cell as it was before `safe_cell` neutralised it on export: the leading apostrophe before =, +, -, @
    removed (so an export edited in a spreadsheet imports again, and a formula in it is still refused)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _formula_error(row_number: int, column_number: int) -> ImportFileError:
    return ImportFileError(
        _("Cell %(cell)s (row %(row)s) holds a formula: paste values only, without formulas.")
        % {"cell": _cell_name(row_number, column_number), "row": row_number}
    )


def _read_xlsx(stream) -> tuple[list[str], list[list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, data_only=False, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            _("The file is not a readable XLSX workbook (%(error)s).") % {"error": exc}
        ) from exc
    try:
        rows = _Rows()
        for row_number, row in enumerate(workbook.worksheets[0].iter_rows(), start=1):
            values = []
            for column_number, cell in enumerate(row, start=1):
                value = unquote_cell(cell.value)
                if cell.data_type == "f" or looks_like_formula(value):
                    raise _formula_error(row_number, column_number)
                values.append(value)
            rows.add(values)
    finally:
        workbook.close()
    return rows.split()


def _cell_name(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


def _not_utf8(position: int) -> ImportFileError:
    return ImportFileError(
        _("The CSV file is not UTF-8 encoded (byte %(position)s): save it as “CSV UTF-8” and try again.")
        % {"position": position}
    )


def _text_lines(stream) -> Iterator[str]:
    """The lines of a UTF-8 binary stream (BOM removed), decoded chunk by chunk; a byte that is not UTF-8 is
    named by its position in the file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    pending = ""
    first = True
    while True:
        chunk = stream.read(READ_CHUNK)
        final = not chunk
        buffered = len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            raise _not_utf8(offset - buffered + exc.start + 1) from exc
        offset += len(chunk)
        if first and text:
            text = text.removeprefix("\ufeff")
            first = False
        pending += text
        lines = pending.split("\n")
        pending = lines.pop()
        for line in lines:
            yield line + "\n"
        if final:
            break
    if pending:
        yield pending


def _read_csv(stream) -> tuple[list[str], list[list[Any]]]:
    lines = _text_lines(stream)
    head: list[str] = []
    for line in lines:  # the delimiter from the first 4096 characters, as before
        head.append(line)
        if sum(len(h) for h in head) >= 4096:
            break
    sample = "".join(head)[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = _Rows()
    for row_number, row in enumerate(csv.reader(itertools.chain(head, lines), delimiter=delimiter), start=1):
        row = [unquote_cell(value) for value in row]
        for column_number, value in enumerate(row, start=1):
            if looks_like_formula(value):
                raise _formula_error(row_number, column_number)
        rows.add(row)
    return rows.split()


class _Rows:
    """The rows of a file as they are read: blank rows skipped, the header first; refuses the file as soon as
    it has more than MAX_IMPORT_ROWS data rows (counted while reading, not after)."""

    def __init__(self):
        self.rows: list[list[Any]] = []
        self.count = 0

    def add(self, row: list[Any]) -> None:
        if not any(value not in (None, "") for value in row):
            return
        self.count += 1
        if self.count - 1 > MAX_IMPORT_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s rows; import at most %(max)s rows at a time.")
                % {"max": MAX_IMPORT_ROWS}
            )
        self.rows.append(row)

    def split(self) -> tuple[list[str], list[list[Any]]]:
        if not self.rows:
            raise ImportFileError(_("The file is empty."))
        header = [nfc(str(value)).strip() if value is not None else "" for value in self.rows[0]]
        return header, self.rows[1:]


# ---------------------------------------------------------------- columns


def column_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def match_columns(model, fields: list[str], header: list[str]) -> dict[int, str]:
    """Map header positions to field names by label or name (folded). Unknown columns are an error."""
    lookup: dict[str, str] = {}
    for name in fields:
        lookup[fold(name)] = name
        lookup[fold(column_label(model, name))] = name
        lookup[fold(str(model._meta.get_field(name).verbose_name))] = name
    mapping: dict[int, str] = {}
    unknown = []
    for position, title in enumerate(header):
        if not title:
            continue
        key = fold(title)
        if key in ("id", "ma ban ghi"):
            mapping[position] = "id"
        elif key in lookup:
            if lookup[key] in mapping.values():
                raise ImportFileError(_("Column “%(column)s” appears twice.") % {"column": title})
            mapping[position] = lookup[key]
        else:
            unknown.append(title)
    if unknown:
        expected = ", ".join(column_label(model, name) for name in fields)
        raise ImportFileError(
            _("Unknown column(s): %(columns)s. Expected columns: %(expected)s.")
            % {"columns": ", ".join(f"“{u}”" for u in unknown), "expected": expected}
        )
    required = [
        name
        for name in fields
        if not model._meta.get_field(name).blank
        and not model._meta.get_field(name).has_default()
        and not isinstance(model._meta.get_field(name), models.ManyToManyField)
    ]
    missing = [column_label(model, name) for name in required if name not in mapping.values()]
    if missing:
        raise ImportFileError(
            _("Required column(s) missing: %(columns)s.") % {"columns": ", ".join(f"“{m}”" for m in missing)}
        )
    return mapping


# ---------------------------------------------------------------- values


def _key_fields(model) -> tuple[str, ...]:
    fields = getattr(model, "natural_key_fields", ())
    if not fields and hasattr(model, "USERNAME_FIELD"):
        fields = (model.USERNAME_FIELD,)
    return tuple(fields) or ("pk",)


def natural_key(obj) -> str:
    """The text that names `obj` in a spreadsheet cell (a code, a tax code, a name…)."""
    for name in _key_fields(type(obj)):
        value = getattr(obj, name, None)
        if value not in (None, ""):
            return str(value)
    return str(obj.pk)


def resolve(queryset, text: str):
    """Find one row of `queryset` named by `text`; raise ValidationError when none or several match."""
    model = queryset.model
    text = nfc(str(text)).strip()
    for name in _key_fields(model):
        try:
            matches = list(queryset.filter(**{name: text})[:2])
        except (ValueError, ValidationError):
            continue
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValidationError(
                _("“%(value)s” matches several %(model)s; use a code instead.")
                % {"value": text, "model": model._meta.verbose_name_plural}
            )
    raise ValidationError(
        _("No %(model)s “%(value)s” that you may use.") % {"model": model._meta.verbose_name, "value": text}
    )


_TRUE = {"1", "x", "co", "true", "yes", "dung", "c"}
_FALSE = {"0", "khong", "false", "no", "sai", "k", ""}


def to_form_value(model_field, value, form_field) -> Any:
    """Turn a cell into what the form field expects, resolving foreign keys by natural key."""
    from django import forms

    if value is None:
        return [] if isinstance(form_field, forms.ModelMultipleChoiceField) else ""
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        parts = [p.strip() for p in str(value).replace("\n", ";").split(";") if p.strip()]
        return [resolve(form_field.queryset, part).pk for part in parts]
    if isinstance(form_field, forms.ModelChoiceField):
        if str(value).strip() == "":
            return ""
        return resolve(form_field.queryset, value).pk
    if isinstance(model_field, models.BooleanField):
        key = fold(str(value))
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise ValidationError(_("“%(value)s” is not yes/no (Có/Không).") % {"value": value})
    if getattr(model_field, "choices", None):
        key = fold(str(value))
        for code, label in model_field.choices:
            if key in (fold(str(code)), fold(str(label))):
                return code
        return str(value)
    if isinstance(value, dt.datetime):
        value = value.date() if isinstance(model_field, models.DateField) else value
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer() and isinstance(model_field, (models.IntegerField,)):
        return str(int(value))
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return nfc(str(value)).strip()


# ---------------------------------------------------------------- import


def validate_rows(surface, user, header: list[str], body: list[list[Any]]) -> ImportResult:
    model = surface.model
    fields = surface.import_fields
    mapping = match_columns(model, fields, header)
    result = ImportResult(headers=[mapping.get(i, "") for i in range(len(header))])
    from .scope import CHANGE

    editable = model.objects.restrict(user, CHANGE)
    for index, row in enumerate(body, start=2):
        raw = {mapping[i]: row[i] if i < len(row) else None for i in mapping}
        result.rows.append(raw)
        instance = None
        if raw.get("id") not in (None, ""):
            try:
                instance = editable.get(pk=int(raw["id"]))
            except (ValueError, TypeError, model.DoesNotExist):
                result.errors.append(RowError(index, "ID", _("No record with this ID that you may change.")))
                continue
        form = surface.form(user=user, instance=instance)
        data: dict[str, Any] = {}
        row_ok = True
        for name in fields:
            if name not in raw and instance is not None:
                continue
            if name not in form.fields:
                continue
            model_field = model._meta.get_field(name)
            try:
                data[name] = to_form_value(model_field, raw.get(name), form.fields[name])
            except ValidationError as exc:
                result.errors.append(RowError(index, column_label(model, name), " ".join(exc.messages)))
                row_ok = False
                continue
            if form.fields[name].disabled and _given(data[name], form[name].value()):
                # the permission table's field rules: the form ignores this column for this user; say so
                result.errors.append(
                    RowError(index, column_label(model, name), _("You may not set this column."))
                )
                row_ok = False
        if instance is not None:
            for name in fields:
                if name not in data and name in form.fields:
                    data[name] = form[name].value()
        if not row_ok:
            continue
        bound = surface.form(data=data, user=user, instance=instance)
        if bound.is_valid():
            result.forms.append((index, bound))
        else:
            for name, messages in bound.errors.items():
                column = column_label(model, name) if name in fields else _("Row")
                result.errors.append(RowError(index, column, " ".join(messages)))
    _check_duplicates_in_file(model, result)
    return result


def _given(value, current) -> bool:
    """Whether a cell gives a value other than the row's current one (an empty cell gives nothing)."""
    if value in (None, "", [], ()):
        return False
    return str(value) != str(current if current is not None else "")


def _check_duplicates_in_file(model, result: ImportResult) -> None:
    groups = [tuple(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
    groups += [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    for fields in groups:
        seen: dict[tuple, int] = {}
        for index, form in result.forms:
            key = tuple(getattr(form.instance, model._meta.get_field(f).attname) for f in fields)
            if any(part in (None, "") for part in key):
                continue
            if key in seen:
                label = ", ".join(column_label(model, f) for f in fields)
                result.errors.append(
                    RowError(index, label, _("Same as row %(row)s of this file.") % {"row": seen[key]})
                )
            else:
                seen[key] = index


def import_rows(surface, user, name: str, source, *, commit: bool) -> ImportResult:
    """Validate a file (`source`: its path, an open binary file or its bytes); with commit=True and no error,
    save every row in one transaction."""
    header, body = read_table(name, source)
    result = validate_rows(surface, user, header, body)
    if not commit or not result.ok:
        return result
    try:
        with transaction.atomic():
            for index, form in result.forms:
                try:
                    obj = save_object(
                        form.instance, user, change_reason=_("Imported from %(file)s") % {"file": name}
                    )
                    form.instance = obj
                    form.save_related()
                except (ValidationError, PermissionDenied) as exc:
                    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                    result.errors.append(RowError(index, _("Row"), " ".join(messages)))
            if result.errors:
                raise _Rollback
            result.saved = len(result.forms)
    except _Rollback:
        result.saved = 0
    return result


class _Rollback(Exception):
    pass


# ---------------------------------------------------------------- export


def export_value(obj, name: str):
    model_field = type(obj)._meta.get_field(name)
    if isinstance(model_field, models.ManyToManyField):
        return "; ".join(natural_key(o) for o in getattr(obj, name).all())
    value = getattr(obj, name)
    if isinstance(model_field, models.ForeignKey):
        return natural_key(value) if value is not None else ""
    if isinstance(model_field, models.BooleanField):
        return _("Yes") if value else _("No")
    if getattr(model_field, "choices", None):
        return str(getattr(obj, f"get_{name}_display")()) if value else ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(model_field, models.JSONField) or isinstance(value, (dict, list, tuple)):
        # a JSON value (e.g. a verification point's readings) as the JSON text the import reads back
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder) if value not in (None, "") else ""
    if value is None:
        return ""
    if not isinstance(value, (str, int, float, Decimal, dt.date, dt.time)):
        return str(value)  # UUIDs, durations…: what a spreadsheet can hold
    return value


def _column(model, name):
    """The function that gives one export column's cell, `export_value` with the field looked up once: a field
    with choices maps its values through a dict of its labels made once per export (a row's
    `get_FOO_display()` rebuilds and translates the whole choice list on every call)."""
    model_field = model._meta.get_field(name)
    plain_choices = getattr(model_field, "choices", None) and not isinstance(
        model_field, (models.ManyToManyField, models.ForeignKey, models.BooleanField)
    )
    if not plain_choices:
        return lambda obj: export_value(obj, name)
    labels = {value: str(label) for value, label in model_field.flatchoices}
    attname = model_field.attname

    def cell(obj):
        value = getattr(obj, attname)
        if not value:
            return ""
        try:
            return labels.get(value, str(value))
        except TypeError:  # an unhashable value: what get_FOO_display gives
            return str(getattr(obj, f"get_{name}_display")())

    return cell


def export_rows(surface, queryset, fmt: str) -> HttpResponse:
    model = surface.model
    fields = surface.export_fields
    headers = ["ID", *[column_label(model, name) for name in fields]]
    m2m = [n for n in fields if isinstance(model._meta.get_field(n), models.ManyToManyField)]
    if m2m:
        queryset = queryset.prefetch_related(*m2m)
    columns = [_column(model, name) for name in fields]
    rows = ([obj.pk, *[column(obj) for column in columns]] for obj in queryset.iterator(chunk_size=2000))
    filename = f"{model._meta.model_name}-{timezone.localdate():%Y%m%d}"
    return tabular_response(str(model._meta.verbose_name_plural), filename, headers, rows, fmt)


def safe_cell(value):
    """A cell value safe to open in a spreadsheet: text that starts with =, +, -, @, a tab or a carriage return
    gets a leading apostrophe, so Excel, LibreOffice and Google Sheets show it as text instead of running it as
    a formula ("CSV injection"). Numbers, dates and other values are returned unchanged (a number stays a
    number); a *text* "-5" (from a text field, e.g. a serial) is neutralised like any other. Every export uses
    it (CSV cells; XLSX cells through `xlsx_cell`); importers undo it (`unquote_cell`)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_cell(sheet, value, *, bold: bool = False):
    """A write-only XLSX cell for `value`: dates formatted DD/MM/YYYY; text that `safe_cell` would neutralise is
    stored as a text cell with Excel's own quote prefix (the cell shows the text unchanged, and stays text when
    edited), never as a formula."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, dt.date):
        cell.number_format = "DD/MM/YYYY"
    elif safe_cell(value) is not value:
        cell.data_type = "s"  # openpyxl makes "=…" a formula
        cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def safe_workbook(book):
    """Neutralise, in place, every text cell of an openpyxl workbook built cell by cell (not write-only) that a
    spreadsheet would run as a formula, as `xlsx_cell` does; returns `book`. For the exports that build their
    own workbook (a plan's workbook, the annual report)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or safe_cell(cell.value) is not cell.value:
                    value = cell.value
                    cell.value = None
                    cell.value = value
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return book


def tabular_response(title: str, filename: str, headers: list, rows, fmt: str) -> HttpResponse:
    """A download of `rows` under `headers`: CSV (UTF-8 with BOM, dates dd/mm/yyyy) or XLSX (dates formatted
    DD/MM/YYYY, bold header), named `filename`.csv/.xlsx. Text that a spreadsheet would run as a formula is
    neutralised in both (`safe_cell`, `xlsx_cell`)."""
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow([safe_cell(h) for h in headers])
        for row in rows:
            writer.writerow([v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else safe_cell(v) for v in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([xlsx_cell(sheet, text, bold=True) for text in headers])
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def template_rows(surface, fmt: str) -> HttpResponse:
    """An empty import template with the expected columns."""
    return export_rows(surface, surface.model.objects.none(), fmt)
