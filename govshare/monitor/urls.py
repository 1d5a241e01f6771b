from django.urls import path

from . import views

app_name = "monitor"
urlpatterns = [
    path("metrics", views.metrics, name="metrics"),
    path("monitor/", views.index, name="index"),
    path("monitor/platform/", views.platform_dashboard, name="platform_dashboard"),
    path("monitor/regions/<str:code>/", views.region_dashboard, name="region_dashboard"),
    path("monitor/organizations/<int:pk>/", views.organization_dashboard,
         name="organization_dashboard"),
    path("monitor/reports/", views.report_list, name="report_list"),
    path("monitor/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("monitor/reports/<int:pk>/<str:fmt>/", views.report_download, name="report_download"),
    path("monitor/alerts/", views.alert_list, name="alert_list"),
    path("monitor/alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("monitor/alerts/<int:pk>/<str:verb>/", views.alert_decide, name="alert_decide"),
]
