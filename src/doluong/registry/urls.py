from .views import SURFACES

app_name = "registry"
urlpatterns = [url for surface in SURFACES for url in surface.urls()]
