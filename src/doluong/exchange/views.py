"""The exchange app's public pages: the data dictionary (every field the national adapter exports, with its
meaning and the local column it comes from) and the JSON Schema file; the platform's public key to verify with."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from . import national, signing
from .management.commands.exchange_schema import SCHEMA_FILE


def dictionary(request):
    rows = national.dictionary()
    sections = []
    for row in rows:
        if not sections or sections[-1]["name"] != row["section"]:
            sections.append({"name": row["section"], "rows": []})
        sections[-1]["rows"].append(row)
    try:
        key = signing.public_key()
    except Exception:
        key = ""
    return render(
        request,
        "exchange/dictionary.html",
        {
            "sections": sections,
            "version": national.SCHEMA_VERSION,
            "schema_id": national.SCHEMA_ID,
            "public_key": key,
        },
    )


def schema_file(request):
    return HttpResponse(
        SCHEMA_FILE.read_text(encoding="utf-8"), content_type="application/schema+json; charset=utf-8"
    )
