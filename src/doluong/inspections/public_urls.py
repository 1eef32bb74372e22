"""Public pages of the inspections app (no login), mounted at the site root."""

from django.urls import path

from . import public_views

app_name = "inspections_public"
urlpatterns = [
    path("open/inspections/", public_views.statistics_page, name="statistics"),
    path("verify/complaint/", public_views.complaint_page, name="complaint"),
]
