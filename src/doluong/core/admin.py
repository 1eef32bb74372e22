from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .text import fold


class BaseAdmin(SimpleHistoryAdmin):
    """Admin for every domain model: history, and the same folded search as the site."""

    show_full_result_count = False

    def get_search_fields(self, request):
        # models without the folded column get no search box rather than one that fails
        return ["search_text"] if hasattr(self.model, "search_text") else []

    def get_search_results(self, request, queryset, search_term):
        if not search_term or not hasattr(queryset.model, "search_text"):
            return super().get_search_results(request, queryset, search_term)
        for term in fold(search_term).split():
            queryset = queryset.filter(search_text__contains=term)
        return queryset, False


def register(*models):
    for model in models:
        admin.site.register(model, BaseAdmin)
