"""What a bulk file's columns accept, said once for the template, the upload page and the error messages.

A kind (`<app>/bulk.py`) describes each column with a `Note` (required, what it accepts, an example value) and
may add code lists (instrument types, the communes of the user's province …). From these:

- `template_xlsx`: the workbook people fill. Sheet 1 “Dữ liệu” is the only sheet the load reads: the header row,
  nothing else (so a filled template never loads an example by accident); sheet 2 “Ví dụ” shows one example
  row under the same header; sheet 3 “Hướng dẫn” lists every column, whether it is required, what it accepts and
  the example; then one sheet per code list. Each header cell carries its note as a comment.
- `template_csv`: the header row only (a CSV file has one sheet); the same notes are on the upload page
  (`guide`) and in docs/bulk_import.md.
- `invalid_choice`: the message for a value outside a choice list names the accepted values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .bulk import Check, Column, Kind
from .io import safe_cell

#: sheet names (Excel allows 31 characters)
DATA_SHEET = "Dữ liệu"
EXAMPLE_SHEET = "Ví dụ"
NOTES_SHEET = "Hướng dẫn"


@dataclass
class Note:
    """What one column accepts. `accepted` is a sentence; `example` a value valid in the example row."""

    accepted: str = ""
    example: str = ""


@dataclass
class CodeList:
    """A sheet of accepted values (code and name), e.g. the instrument types of the catalogue."""

    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


def choice_labels(choices) -> str:
    """The labels of a choice list, as the user writes them: “Đang sử dụng, Ngừng sử dụng, …”."""
    return ", ".join(f"“{label}”" for _code, label in choices)


def invalid_choice(column: Column, expr: str, code_expr: str, choices, *, skip_empty: bool = False) -> Check:
    """A value of `expr` that is none of `choices` (its code `code_expr` is NULL): the message lists them."""
    condition = f"{expr} <> '' AND {code_expr} IS NULL" if skip_empty else f"{code_expr} IS NULL"
    return Check(
        column.label,
        _("“%(value)s” is not an accepted value: write one of %(choices)s.")
        .replace("%(choices)s", choice_labels(choices))
        .replace("%(value)s", "{value}"),
        condition,
        value_sql=expr,
    )


def choice_note(choices) -> Note:
    choices = list(choices)
    return Note(_("one of %(choices)s") % {"choices": choice_labels(choices)}, str(choices[0][1]))


def text_note(limit: int, example: str = "") -> Note:
    if limit >= 100000:
        return Note(_("free text"), example)
    return Note(_("text, at most %(limit)s characters") % {"limit": limit}, example)


def date_note(example: dt.date) -> Note:
    return Note(_("a date written dd/mm/yyyy"), example.strftime("%d/%m/%Y"))


# ------------------------------------------------------------------------------------------ the guide


def guide(kind: Kind, user) -> list[dict]:
    """Each column: label, required, accepted, example — for the upload page and the notes sheet. The kind's
    `notes(user)` ({column name: Note}) may name the user's own province, communes, organisations."""
    notes = kind.notes(user) if hasattr(kind, "notes") else {}
    rows = []
    for column in kind.columns:
        note = notes.get(column.name, Note())
        rows.append(
            {
                "name": column.name,
                "label": capfirst(str(column.label)),
                "required": column.required,
                "accepted": note.accepted,
                "example": note.example,
            }
        )
    return rows


def code_lists(kind: Kind, user) -> list[CodeList]:
    return kind.code_lists(user) if hasattr(kind, "code_lists") else []


# ------------------------------------------------------------------------------------------ the files


def template_csv(kind: Kind, user) -> bytes:
    """The header row (UTF-8 with BOM, Excel's “CSV UTF-8”)."""
    with translation.override("vi"):
        header = [row["label"] for row in guide(kind, user)]
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerow([safe_cell(h) for h in header])
    return buffer.getvalue().encode("utf-8")


def template_xlsx(kind: Kind, user) -> bytes:
    """The workbook described in the module's docstring."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    with translation.override("vi"):
        columns = guide(kind, user)
        lists = code_lists(kind, user)
        required_fill = PatternFill("solid", fgColor="CFE2FF")
        bold = Font(bold=True)
        wrap = Alignment(wrap_text=True, vertical="top")
        book = Workbook()
        data = book.active
        data.title = DATA_SHEET
        example = book.create_sheet(EXAMPLE_SHEET)
        notes = book.create_sheet(NOTES_SHEET)

        def header_row(sheet, row: int) -> None:
            for index, column in enumerate(columns, start=1):
                cell = sheet.cell(row=row, column=index, value=safe_cell(column["label"]))
                cell.font = bold
                if column["required"]:
                    cell.fill = required_fill
                sheet.column_dimensions[get_column_letter(index)].width = max(
                    14, min(40, len(column["label"]) + 4)
                )

        header_row(data, 1)
        for index, column in enumerate(columns, start=1):
            text = (
                (_("Required.") if column["required"] else _("Optional."))
                + " "
                + capfirst(column["accepted"])
            )
            data.cell(row=1, column=index).comment = Comment(text.strip(), "doluong", width=320, height=140)
        data.freeze_panes = "A2"

        title = example.cell(
            row=1,
            column=1,
            value=_(
                "EXAMPLE ONLY — this sheet is never loaded. Write your rows on the sheet “%(sheet)s”, under its "
                "header row."
            )
            % {"sheet": DATA_SHEET},
        )
        title.font = Font(bold=True, color="B02A37")
        header_row(example, 2)
        for index, column in enumerate(columns, start=1):
            example.cell(row=3, column=index, value=safe_cell(column["example"]))

        notes.append(
            [
                _("Only the first sheet (“%(sheet)s”) is loaded; the other sheets are help.")
                % {"sheet": DATA_SHEET}
            ]
        )
        notes["A1"].font = bold
        notes.append(
            [
                _(
                    "Columns are found by their title, in any order; leave out an optional column or leave its "
                    "cells empty. Required columns are blue. A CSV file (UTF-8) takes the same columns."
                )
            ]
        )
        notes.append([])
        notes.append([_("Column"), _("Required"), _("Accepted values"), _("Example")])
        for cell in notes[4]:
            cell.font = bold
        for column in columns:
            notes.append(
                [
                    safe_cell(column["label"]),
                    _("yes") if column["required"] else _("no"),
                    safe_cell(capfirst(column["accepted"])),
                    safe_cell(column["example"]),
                ]
            )
        for letter, width in zip("ABCD", (28, 10, 90, 28), strict=True):
            notes.column_dimensions[letter].width = width
        for row in notes.iter_rows(min_row=5):
            for cell in row:
                cell.alignment = wrap

        for code_list in lists:
            sheet = book.create_sheet(code_list.title[:31])
            sheet.append([safe_cell(h) for h in code_list.header])
            for cell in sheet[1]:
                cell.font = bold
            for row in code_list.rows:
                sheet.append([safe_cell(v) for v in row])
            for index in range(1, len(code_list.header) + 1):
                sheet.column_dimensions[get_column_letter(index)].width = 16 if index == 1 else 60
            sheet.freeze_panes = "A2"
        book.active = 0
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()
