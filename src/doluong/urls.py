from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from doluong.core import views_home
from doluong.geo.views import SURFACES as GEO
from doluong.parties.views import SURFACES as PARTIES
from doluong.programs.views import SURFACES as PROGRAMS
from doluong.registry.views import SURFACES as REGISTRY
from doluong.verification.views import SURFACES as VERIFICATION

router = DefaultRouter()
for surface in [*GEO, *PARTIES, *REGISTRY, *VERIFICATION, *PROGRAMS]:
    router.register(f"{surface.namespace}/{surface.route}", surface.api_viewset(), basename=surface.basename)

urlpatterns = [
    path("", views_home.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("doluong.verification.public_urls")),
    path("geo/", include("doluong.geo.urls")),
    path("parties/", include("doluong.parties.urls")),
    path("registry/", include("doluong.registry.urls")),
    path("verification/", include("doluong.verification.urls")),
    path("programs/", include("doluong.programs.urls")),
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
