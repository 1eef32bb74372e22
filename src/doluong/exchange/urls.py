"""The administrator's pages of the exchange: the subscriptions' health and the replay action, with their API; in
national mode the national sources (register, rotate a secret, deactivate, reactivate) and their read-only API."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

#: the national sources' read-only API (national mode, the administrator's): /exchange/api/national/sources/[<id>/]
router = SimpleRouter()
router.register("api/national/sources", views.NationalSourceViewSet, basename="national_source_api")

app_name = "exchange"
urlpatterns = [
    path("health/", views.health_page, name="health"),
    path("health/<int:pk>/replay/", views.replay, name="replay"),
    path("api/health/", views.HealthAPI.as_view(), name="health_api"),
    path("api/health/<int:pk>/replay/", views.ReplayAPI.as_view(), name="replay_api"),
    # national mode only (404 otherwise)
    path("national/sources/", views.national_sources, name="national_sources"),
    path("national/sources/<int:pk>/", views.national_source, name="national_source"),
    path("national/sources/<int:pk>/rotate/", views.national_source_rotate, name="national_source_rotate"),
    path("national/sources/<int:pk>/active/", views.national_source_active, name="national_source_active"),
    *router.urls,
]
