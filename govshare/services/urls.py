from django.urls import path

from . import views

app_name = "services"
urlpatterns = [
    path("services/health/", views.health_view, name="health"),
]
