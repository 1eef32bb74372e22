from .views import SURFACES

app_name = "programs"
urlpatterns = [url for surface in SURFACES for url in surface.urls()]
