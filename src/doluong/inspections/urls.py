from .views import SURFACES

app_name = "inspections"
urlpatterns = [url for surface in SURFACES for url in surface.urls()]
