"""Public pages (no login): the national schema and the data dictionary of every exported field; in national mode
the provinces' receiver endpoint, the national statistics and the cross-province certificate check."""

from django.urls import path

from . import views

app_name = "exchange_public"
urlpatterns = [
    path("open/exchange/dictionary/", views.dictionary, name="dictionary"),
    path("open/exchange/vn-metrology-1.json", views.schema_file, name="schema"),
    # national mode only (404 otherwise)
    path("open/exchange/national/", views.national_stats, name="national"),
    path(
        "open/exchange/national/receive/<str:province_code>/", views.national_receive, name="national_receive"
    ),
    path(
        "open/exchange/national/receive/<str:province_code>/batch/",
        views.national_receive_batch,
        name="national_receive_batch",
    ),
    path("open/exchange/national/certificate/", views.national_certificate_page, name="national_certificate"),
    path(
        "open/exchange/national/api/certificate/",
        views.national_certificate_api,
        name="national_certificate_api",
    ),
]
