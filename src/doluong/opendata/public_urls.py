"""Public pages (no login): the open data catalogue (HTML and DCAT-AP JSON-LD), the downloads, the data dictionary."""

from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("open/data/", views.catalogue_page, name="catalogue"),
    path("open/data/catalog.jsonld", views.catalogue_jsonld, name="catalogue_jsonld"),
    path("open/data/refresh/", views.refresh_now, name="refresh"),
    path("open/data/<slug:key>.csv", views.download, {"fmt": "csv"}, name="csv"),
    path("open/data/<slug:key>.json", views.download, {"fmt": "json"}, name="json"),
]
