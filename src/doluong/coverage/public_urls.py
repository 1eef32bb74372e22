"""Public pages (no login): each province's coverage with its formulas. Mounted at the site root."""

from django.urls import path

from . import views

app_name = "coverage_public"
urlpatterns = [
    path("open/coverage/", views.index, name="index"),
    path("open/coverage/<str:code>/", views.province_page, name="province"),
]
