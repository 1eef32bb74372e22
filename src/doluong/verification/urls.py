from django.urls import path

from . import batch_views, views
from .views import SURFACES

app_name = "verification"
urlpatterns = [
    path("records/add/", views.record_add, name="record_add"),
    path("records/<int:pk>/issue/", views.record_issue, name="record_issue"),
    path("records/<int:pk>/pdf/", views.record_pdf, name="record_pdf"),
    path("records/<int:pk>/void/", views.record_void, name="record_void"),
    path("certificates/zip/", views.certificate_zip, name="certificate_zip"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/docx/", views.certificate_docx, name="certificate_docx"),
    path("certificates/<int:pk>/dcc/", views.certificate_dcc, name="certificate_dcc"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("certificates/<int:pk>/reinstate/", views.certificate_reinstate, name="certificate_reinstate"),
    path("settings/sample.docx", views.docx_sample, name="docx_sample"),
    path("signing-keys/rotate/", views.rotate_key, name="signingkey_rotate"),
    path("signing-keys/<int:pk>/retire/", views.retire_key, name="signingkey_retire"),
    path("batch-jobs/add/", batch_views.upload, name="batchjob_add"),
    path("batch-jobs/template.xlsx", batch_views.template, name="batch_template"),
    path("batch-jobs/map/<str:token>/", batch_views.mapping, name="batch_map"),
    path("batch-jobs/<int:pk>/progress/", batch_views.job_progress, name="batch_progress"),
    *[url for surface in SURFACES for url in surface.urls()],
]
