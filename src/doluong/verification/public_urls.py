"""Public pages (no login): the certificate check. Mounted at the site root by doluong.urls."""

from django.urls import path

from . import public

app_name = "public"
urlpatterns = [
    path("verify/", public.verify_page, name="verify"),
    path("verify/keys/", public.keys_page, name="keys_page"),
    path("api/public/certificates/", public.verify_api, name="verify_api"),
    path("api/public/keys/", public.keys_api, name="keys"),
]
