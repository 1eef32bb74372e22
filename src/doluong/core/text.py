"""Vietnamese text discipline: NFC at input and one folding function for search.

`fold("ĐỒNG THÁP")`, `fold("Đồng Tháp")` and `fold("dong thap")` are all "dong thap": the folded value is stored
in each searchable model's `search_text` column, and the query is folded the same way, so search behaves
identically on SQLite and PostgreSQL without database extensions.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_DD = str.maketrans({"Đ": "D", "đ": "d", "Ð": "D", "ð": "d"})


def nfc(value: str) -> str:
    """Return `value` in Unicode NFC (composed) form: the one form stored in the database."""
    return unicodedata.normalize("NFC", value)


def fold(value: str | None) -> str:
    """Fold case, Vietnamese diacritics and Đ→D; collapse white space."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", value.translate(_DD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().casefold()


def slug_fold(value: str) -> str:
    """A folded, hyphen-joined identifier (for usernames and file names)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(value)).strip("-")
