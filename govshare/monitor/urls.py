from django.urls import path

from . import views

app_name = "monitor"
urlpatterns = [
    path("metrics", views.metrics, name="metrics"),
    path("monitor/alerts/", views.alert_list, name="alert_list"),
    path("monitor/alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("monitor/alerts/<int:pk>/<str:verb>/", views.alert_decide, name="alert_decide"),
]
