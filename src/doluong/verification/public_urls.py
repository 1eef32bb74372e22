"""Public pages (no login): the certificate check. Mounted at the site root by doluong.urls."""

app_name = "public"
urlpatterns: list = []
