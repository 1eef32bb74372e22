"""Public pages (no login): the national schema and the data dictionary of every exported field."""

from django.urls import path

from . import views

app_name = "exchange_public"
urlpatterns = [
    path("open/exchange/dictionary/", views.dictionary, name="dictionary"),
    path("open/exchange/vn-metrology-1.json", views.schema_file, name="schema"),
]
