from django.urls import path

from . import views
from .views import SURFACES

app_name = "assurance"
urlpatterns = [
    # own pages first: a surface's "<pk>/" would otherwise take their first path segment
    path("programmes/<int:pk>/advance/", views.programme_advance, name="programme_advance"),
    path("programmes/<int:pk>/consult/", views.programme_consult, name="programme_consult"),
    path("programmes/<int:pk>/approve/", views.programme_approve, name="programme_approve"),
    path("programmes/<int:pk>/review/", views.programme_review, name="programme_review"),
    path("programmes/<int:pk>/revise/", views.programme_revise, name="programme_revise"),
    path("programmes/<int:pk>/delete/", views.programme_delete, name="programme_delete"),
    path("programmes/<int:pk>/dossier.<str:fmt>", views.programme_document, name="programme_document"),
    path("calibration-plans/<int:pk>/generate/", views.plan_generate, name="plan_generate"),
    path("calibration-plans/<int:pk>/calendar/", views.plan_calendar, name="plan_calendar"),
    path("calibration-plans/<int:pk>/plan.xlsx", views.plan_export, name="plan_export"),
    path("plan-lines/<int:pk>/done/", views.planline_done, name="planline_done"),
    path("readiness/", views.readiness_overview, name="readiness"),
    path("provider/", views.provider_work, name="provider_work"),
    path("support/per-year/", views.support_summary, name="support_summary"),
    path("checklists/<int:pk>/publish/", views.checklist_publish, name="checklist_publish"),
    path("checklists/<int:pk>/new-version/", views.checklist_new_version, name="checklist_new_version"),
    path("out-of-tolerance/open/", views.case_open, name="case_open"),
    path("survey-evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("confirmations/<int:pk>/sign/", views.confirmation_sign, name="confirmation_sign"),
    *[url for surface in SURFACES for url in surface.urls()],
]
