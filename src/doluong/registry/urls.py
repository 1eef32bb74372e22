from django.urls import path

from . import bulk_views, due
from .views import SURFACES

app_name = "registry"
urlpatterns = [
    path("due/", due.DueSummaryView.as_view(), name="due"),
    path("due/list/", due.DueListView.as_view(), name="due_list"),
    path("bulk/", bulk_views.job_list, name="bulk_list"),
    path("bulk/new/", bulk_views.upload, name="bulk_upload"),
    path("bulk/template/<str:kind>.<str:fmt>", bulk_views.template, name="bulk_template"),
    path("bulk/<int:pk>/", bulk_views.job_detail, name="bulk_job"),
    path("bulk/<int:pk>/progress/", bulk_views.job_progress, name="bulk_progress"),
    path("bulk/<int:pk>/errors.<str:fmt>", bulk_views.job_errors, name="bulk_errors"),
    *[url for surface in SURFACES for url in surface.urls()],
]
