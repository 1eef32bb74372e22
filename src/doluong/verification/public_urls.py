"""Public pages (no login): the certificate check and the list of providers. Mounted at the site root by doluong.urls."""

from django.urls import path

from . import providers, public

app_name = "public"
urlpatterns = [
    path("verify/", public.verify_page, name="verify"),
    path("verify/keys/", public.keys_page, name="keys_page"),
    path("api/public/certificates/", public.verify_api, name="verify_api"),
    path("api/public/keys/", public.keys_api, name="keys"),
    path("verify/providers/", providers.providers_page, name="providers"),
    path("api/public/providers/", providers.PublicProvidersAPI.as_view(), name="providers_api"),
]
