from django.urls import path
from django.views.i18n import JavaScriptCatalog

from . import field, pages
from .views import SURFACES

app_name = "inspections"
urlpatterns = [
    # own pages first: a surface's "<pk>/" would otherwise take their first path segment
    path("field/", field.page, name="field"),
    path("field/package.json", field.package, name="field_package"),
    path("field/sync/", field.sync, name="field_sync"),
    path("field/manifest.webmanifest", field.manifest, name="field_manifest"),
    # the field page's strings (locale/vi/LC_MESSAGES/djangojs.po), inside the service worker's scope: kept offline
    path(
        "field/jsi18n.js",
        JavaScriptCatalog.as_view(packages=["doluong.inspections"]),
        name="field_jsi18n",
    ),
    path("field/<str:name>", field.asset, name="field_asset"),
    path("campaigns/<int:pk>/targets/", pages.campaign_targets, name="campaign_targets"),
    path(
        "campaigns/<int:pk>/targets/<int:target>/inspection/",
        pages.target_inspection,
        name="target_inspection",
    ),
    path("inspections/<int:pk>/seal/", pages.inspection_seal, name="inspection_seal"),
    path("inspections/<int:pk>/verify/", pages.inspection_verify, name="inspection_verify"),
    path("inspections/<int:pk>/bundle.zip", pages.inspection_bundle, name="inspection_bundle"),
    path("inspections/<int:pk>/record.pdf", pages.inspection_record_pdf, name="inspection_record_pdf"),
    path("lots/<int:pk>/sheet.pdf", pages.lot_sheet_pdf, name="lot_sheet_pdf"),
    path("findings/<int:pk>/violation-draft.pdf", pages.finding_violation_pdf, name="finding_violation_pdf"),
    *[url for surface in SURFACES for url in surface.urls()],
]
