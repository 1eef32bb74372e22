from django.urls import path

from . import pages
from .views import SURFACES

app_name = "inspections"
urlpatterns = [
    # own pages first: a surface's "<pk>/" would otherwise take their first path segment
    path("inspections/<int:pk>/seal/", pages.inspection_seal, name="inspection_seal"),
    path("inspections/<int:pk>/verify/", pages.inspection_verify, name="inspection_verify"),
    path("inspections/<int:pk>/bundle.zip", pages.inspection_bundle, name="inspection_bundle"),
    *[url for surface in SURFACES for url in surface.urls()],
]
