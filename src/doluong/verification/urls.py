from .views import SURFACES

app_name = "verification"
urlpatterns = [url for surface in SURFACES for url in surface.urls()]
