"""FilterSet base: one folded search box plus scoped choice filters; the same FilterSet serves pages and API."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from . import lookups
from .forms import StyledMixin, narrow
from .text import fold

#: a choice filter with more options than this in the user's scope is not offered as a drop-down on a page
MAX_SELECT = 500


class BaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        for flt in self.filters.values():
            # django-filter caches a filter's form field; one built on the class's filter (the API schema reads
            # `base_filters`) has no model, hence label=None and an English pretty_name() on every later page
            flt.__dict__.pop("_field", None)
            if isinstance(flt, (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)):
                # django-filter keeps the choices on `flt.queryset` (a callable is resolved per request)
                queryset = flt.queryset
                if queryset is not None and user is not None and not callable(queryset):
                    flt.queryset = narrow(queryset, user)
                if queryset is not None and getattr(queryset.model, "too_many_for_a_select", False):
                    # tens of thousands of instruments or records do not fit a drop-down: the filter still
                    # works from a link (?instrument=7); people find rows with the search box
                    flt.extra["widget"] = forms.HiddenInput

    def for_page(self) -> BaseFilterSet:
        """Before a page renders the form: a drop-down of more than MAX_SELECT choices in the user's scope (an
        administrator's 3,321 communes, a national table's owners, every instrument) becomes a type-to-find box
        (core.lookups: it asks the server for the rows the user may view as the person types) instead of a page of
        megabytes; a filter of a model without a lookup stays a hidden field that works from a link. At most
        MAX_SELECT + 1 rows are counted per filter; the API never renders the form, so it never pays for it."""
        for name, field in self.form.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None:
                continue
            if not isinstance(field.widget, forms.HiddenInput):
                if queryset[: MAX_SELECT + 1].count() <= MAX_SELECT:
                    continue
                field.widget = forms.HiddenInput()
            if not isinstance(field, forms.ModelMultipleChoiceField) and lookups.has_lookup(queryset.model):
                field.widget = lookups.AutocompleteWidget(
                    lookups.model_lookup_name(queryset.model),
                    queryset=queryset,
                    attrs={"class": "form-control", "id": f"id_{name}"},
                )
        return self

    def search(self, queryset, name, value):
        for term in fold(value).split():
            queryset = queryset.filter(search_text__contains=term)
        return queryset

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_styled", False):
            StyledMixin.style_fields(form)
            for field in form.fields.values():
                field.required = False
            form._styled = True
        return form
