from django.urls import path

from . import field, pages
from .views import SURFACES

app_name = "inspections"
urlpatterns = [
    # own pages first: a surface's "<pk>/" would otherwise take their first path segment
    path("field/", field.page, name="field"),
    path("field/package.json", field.package, name="field_package"),
    path("field/sync/", field.sync, name="field_sync"),
    path("field/manifest.webmanifest", field.manifest, name="field_manifest"),
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
