"""The administrator's pages of the exchange: the subscriptions' health and the replay action, with their API."""

from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("health/", views.health_page, name="health"),
    path("health/<int:pk>/replay/", views.replay, name="replay"),
    path("api/health/", views.HealthAPI.as_view(), name="health_api"),
    path("api/health/<int:pk>/replay/", views.ReplayAPI.as_view(), name="replay_api"),
]
