"""Validators for Vietnamese identifiers, with Vietnamese-first messages."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)  # Circular 105/2020/TT-BTC, Annex I
_MST = re.compile(r"^(\d{10})(?:-(\d{3}))?$")
_PERSONAL = re.compile(r"^\d{12}$")


def mst_check_digit(first9: str) -> int | None:
    """The 10th digit of a tax code, or None when the first nine digits cannot form a valid code."""
    check = 10 - sum(int(d) * w for d, w in zip(first9, MST_WEIGHTS, strict=True)) % 11
    return None if check == 10 else check


def normalise_tax_code(value: str) -> str:
    """Remove spaces and dots; keep the branch hyphen (0312687878-001)."""
    value = re.sub(r"[\s.]", "", value or "")
    if re.fullmatch(r"\d{13}", value):
        value = f"{value[:10]}-{value[10:]}"
    return value


def validate_tax_code(value: str) -> None:
    """A Vietnamese tax code (mã số thuế): 10 digits with check digit, 10+3 for a branch, or a 12-digit
    personal identification number (used as the tax code of individuals and household businesses since
    01/07/2025, Circular 86/2024/TT-BTC)."""
    value = normalise_tax_code(value)
    if _PERSONAL.match(value):
        if not 1 <= int(value[:3]) <= 96:
            raise ValidationError(
                _("The 12-digit personal tax code %(value)s does not start with a province code (001–096)."),
                code="invalid_tax_code",
                params={"value": value},
            )
        return
    match = _MST.match(value)
    if not match:
        raise ValidationError(
            _(
                "Tax code %(value)s is not valid: use 10 digits, 10 digits-3 digits for a branch, "
                "or a 12-digit personal identification number."
            ),
            code="invalid_tax_code",
            params={"value": value},
        )
    digits = match.group(1)
    if mst_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            _("Tax code %(value)s is not valid: its check digit (the 10th digit) is wrong."),
            code="invalid_tax_code",
            params={"value": value},
        )
    if match.group(2) == "000":
        raise ValidationError(
            _("Tax code %(value)s is not valid: a branch number cannot be 000."),
            code="invalid_tax_code",
            params={"value": value},
        )


def make_tax_code(first9: str) -> str | None:
    """Complete nine digits into a valid 10-digit tax code (for the demo data and tests)."""
    check = mst_check_digit(first9)
    return None if check is None else f"{first9}{check}"


# ------------------------------------------------------------------------------------------ spreadsheet formulas

#: a cell that starts with one of these is a formula to Excel, LibreOffice and Google Sheets ("CSV injection");
#: tab and carriage return too (some programs skip them and read the formula after)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: ... but "+84 292 3820 000", "-5", "-123" are numbers, phone numbers and serials, not formulas
_SIGNED_NUMBER = re.compile(r"[+-]\s*\d[\d\s.,/()-]*")
#: ... and "- Tuyên truyền …", "+ Đào tạo …" (a sign, spaces, then a word) are the lines of a list, as plans write
#: them: kept on input like any text, and neutralised on export like every cell that starts with a sign
_LIST_LINE = re.compile(r"[+-] +[^0-9 =+@-]")


def looks_like_formula(value) -> bool:
    """Whether the text `value` would run as a formula in a spreadsheet: it starts with =, +, -, @ (or a tab or
    carriage return), unless it is a signed number such as "-5" or "+84 292 3820 000", or the line of a list ("- Tuyên
    truyền …": a sign, spaces, then a word). The one rule of input:
    forms, the API, the importer and the bulk loader refuse such text in free-text fields (docs/operations.md)."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return False
    return not (_SIGNED_NUMBER.fullmatch(value) or _LIST_LINE.match(value))


FORMULA_MESSAGE = _(
    "Text may not start with =, +, - or @: a spreadsheet would run it as a formula (numbers such as -5 or "
    "+84 292 3820 000 are fine). Start it with another character (for a list, “•” or “–”)."
)


def validate_no_formula(value) -> None:
    if looks_like_formula(value):
        raise ValidationError(FORMULA_MESSAGE, code="formula")
