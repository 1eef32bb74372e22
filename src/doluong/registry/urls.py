from django.urls import path

from . import due
from .views import SURFACES

app_name = "registry"
urlpatterns = [
    path("due/", due.DueSummaryView.as_view(), name="due"),
    path("due/list/", due.DueListView.as_view(), name="due_list"),
    *[url for surface in SURFACES for url in surface.urls()],
]
