from django.urls import path

from . import views
from .views import SURFACES

app_name = "coverage"
urlpatterns = [
    path("what-if/<str:code>/", views.what_if, name="what_if"),
    *[url for surface in SURFACES for url in surface.urls()],
]
