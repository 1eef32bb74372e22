from .views import SURFACES

app_name = "parties"
urlpatterns = [url for surface in SURFACES for url in surface.urls()]
