from django.urls import path

from . import views
from .views import SURFACES

app_name = "programs"
urlpatterns = [
    # own pages first: a surface's "<pk>/" would otherwise take their first path segment
    path("plans/import-workbook/", views.plan_import, name="plan_import_workbook"),
    path("plans/workbook-template/", views.plan_workbook_template, name="plan_workbook_template"),
    path("plans/<int:pk>/dashboard/", views.plan_dashboard, name="plan_dashboard"),
    path("plans/<int:pk>/workbook/", views.plan_workbook, name="plan_workbook"),
    path("plans/<int:pk>/open-round/", views.round_open, name="plan_open_round"),
    path("plans/<int:pk>/report/<int:year>.<str:fmt>", views.plan_report, name="plan_report"),
    path("trainings/attendee-template/", views.attendee_template, name="attendee_template"),
    path("trainings/<int:pk>/attendees/import/", views.attendee_import, name="attendee_import"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("unit-reports/<int:pk>/submit/", views.report_submit, name="unitreport_submit"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    *[url for surface in SURFACES for url in surface.urls()],
]
