"""The site's URLs: core's pages, then every plugged-in app's (core.plugins: `<app>/urls.py` under the app's
`url_prefix`, `<app>/public_urls.py` at the root, each surface's API viewset under /api/). Adding an app adds no
line here."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from doluong.core import lookups, plugins, views_home
from doluong.core.surface import SURFACES

plugins.load_all()

router = DefaultRouter()
for surface in SURFACES.values():
    router.register(
        f"{surface.namespace}/{surface.route}",
        surface.api_viewset(),
        basename=surface.basename,
    )

app_urls = []
for config in plugins.doluong_apps():
    if plugins.app_module(config, "public_urls") is not None:
        app_urls.append(path("", include(f"{config.name}.public_urls")))
for config in plugins.doluong_apps():
    if plugins.app_module(config, "urls") is not None:
        app_urls.append(path(plugins.url_prefix(config), include(f"{config.name}.urls")))

urlpatterns = [
    path("", views_home.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("lookup/<str:name>/", lookups.lookup_view, name="lookup"),
    path("i18n/", include("django.conf.urls.i18n")),
    *app_urls,
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # in the site's layout, with a Vietnamese heading and introduction (templates/core/api_docs.html)
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="core/api_docs.html", title=gettext_lazy("API documentation")
        ),
        name="api-docs",
    ),
    path("api/", include(router.urls)),
    path("admin/", admin.site.urls),
]

# Vietnamese error pages in the site's layout (core/errors.py)
handler400 = "doluong.core.errors.bad_request"
handler403 = "doluong.core.errors.permission_denied"
handler404 = "doluong.core.errors.page_not_found"
handler500 = "doluong.core.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
