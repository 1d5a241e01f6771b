from django.urls import path

from . import views

app_name = "monitor"
urlpatterns = [
    path("metrics", views.metrics, name="metrics"),
]
