"""Type-to-find lookups (htmx autocomplete): the widget, the endpoint and the named lookups.

A lookup answers `GET /lookup/<name>/?q=…` with at most `LIMIT` rows the user may view
(`Model.objects.restrict(user)`, narrowed like a form's choices by `core.forms.narrow`), found in the model's
folded search column (`core.text.fold`: "dong thap" finds "Đồng Tháp"). Every searchable model with a scoped
manager has a lookup named after it (`parties.organisation`); an app may register its own (`register`) when the
rows offered are not simply the viewable ones (the instruments a provider may record for).

The widget is a hidden input (the value posted) and a search box; `static/doluong/site.js` asks the endpoint as
the person types and fills the hidden input with the row picked. Without JavaScript a filter still works from
a link (`?owner=12`), and the record form's box takes a serial number or an ID as typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .text import fold

#: rows answered per request
LIMIT = 15


@dataclass(frozen=True)
class Lookup:
    #: (user, request) -> the queryset searched (only rows the user may see)
    rows: Callable
    #: optional template that renders one row (context: row); the default shows str(row)
    template: str = ""


LOOKUPS: dict[str, Lookup] = {}


def register(name: str, rows: Callable, template: str = "") -> None:
    LOOKUPS[name] = Lookup(rows, template)


def model_lookup_name(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _model_rows(model):
    from .forms import narrow

    def rows(user, request):
        return narrow(model._default_manager.all(), user)

    return rows


def get_lookup(name: str) -> Lookup | None:
    if name in LOOKUPS:
        return LOOKUPS[name]
    try:
        model = apps.get_model(name)
    except (LookupError, ValueError):
        return None
    fields = {f.name for f in model._meta.get_fields()}
    if "search_text" not in fields or not hasattr(model._default_manager.all(), "restrict"):
        return None
    return Lookup(_model_rows(model))


def has_lookup(model) -> bool:
    return get_lookup(model_lookup_name(model)) is not None


def search(queryset, text: str):
    """Rows whose folded search column holds every folded word of `text` (the list pages' rule)."""
    for term in fold(text).split()[:8]:
        queryset = queryset.filter(search_text__contains=term)
    return queryset


@login_required
def lookup_view(request, name: str):
    lookup = get_lookup(name)
    if lookup is None:
        raise Http404(_("No such lookup."))
    text = (request.GET.get("q") or "").strip()[:100]
    rows: list = []
    more = False
    if text:
        queryset = search(lookup.rows(request.user, request), text)
        rows = list(queryset[: LIMIT + 1])
        more = len(rows) > LIMIT
        rows = rows[:LIMIT]
    return render(
        request,
        "core/partials/lookup_results.html",
        {"rows": rows, "more": more, "text": text, "row_template": lookup.template, "limit": LIMIT},
    )


class AutocompleteWidget(forms.Widget):
    """A hidden input holding the chosen row's pk and a search box that asks `lookup` as the person types.

    `queryset` resolves the label of the current value (only a row of it is named: a pk typed into a URL for a
    row the user may not see shows nothing). `text_name`: the search box is posted too, under this name, and
    `value_from_datadict` falls back to it when nothing was picked (a serial number typed without JavaScript).
    `card_template` renders the chosen row under the box (the record form's instrument)."""

    template_name = "core/widgets/autocomplete.html"

    def __init__(
        self, lookup: str, queryset=None, *, text_name: str = "", card_template: str = "", attrs=None
    ):
        super().__init__(attrs)
        self.lookup = lookup
        self.queryset = queryset
        self.text_name = text_name
        self.card_template = card_template

    def _render(self, template_name, context, renderer=None):
        # the project's templates (the form renderer's engine sees only Django's own widget templates)
        return mark_safe(render_to_string(template_name, context))

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if not value and self.text_name:
            return data.get(self.text_name)
        return value

    def chosen(self, value):
        if value in (None, "") or self.queryset is None:
            return None
        value = getattr(value, "pk", value)
        try:
            return self.queryset.filter(pk=value).first()
        except (
            ValueError,
            TypeError,
            ValidationError,
        ):  # a text that is no pk (a serial typed without JavaScript)
            return None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        row = self.chosen(value)
        widget = context["widget"]
        widget["url"] = reverse("lookup", args=[self.lookup])
        widget["row"] = row
        widget["hidden_value"] = "" if row is None else row.pk
        widget["text"] = str(row) if row is not None else ("" if value is None else str(value))
        widget["text_name"] = self.text_name
        widget["card_template"] = self.card_template
        css = widget["attrs"].get("class", "")
        widget["attrs"]["class"] = css.replace("form-select", "form-control") or "form-control"
        return context
