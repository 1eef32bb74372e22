from django.http import HttpResponse
from django.urls import path

app_name = "plugin_app"
urlpatterns = [path("hello/", lambda request: HttpResponse("plugin says hello"), name="hello")]
