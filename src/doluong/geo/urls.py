from .views import SURFACES

app_name = "geo"
urlpatterns = [url for surface in SURFACES for url in surface.urls()]
