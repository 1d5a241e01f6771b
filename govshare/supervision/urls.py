from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("supervision/", views.index, name="index"),
    path("supervision/findings/", views.findings, name="findings"),
    path("supervision/findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("supervision/inspections/run/", views.inspection_run, name="inspection_run"),
    path("supervision/notices/", views.notices, name="notices"),
    path("supervision/notices/new/", views.notice_new, name="notice_new"),
    path("supervision/notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("supervision/notices/<int:pk>/<str:action>/", views.notice_detail,
         name="notice_action"),
    path("supervision/criticisms/", views.criticisms, name="criticisms"),
    path("supervision/criticisms/<int:pk>/publish/", views.criticism_publish,
         name="criticism_publish"),
    path("supervision/rankings/", views.ranking, name="ranking"),
    path("supervision/rankings/compute/", views.ranking_compute, name="ranking_compute"),
    path("supervision/rankings/export.xlsx", views.ranking_export, name="ranking_export"),
    path("supervision/projects/", views.projects, name="projects"),
    path("supervision/projects/new/", views.project_new, name="project_new"),
    path("supervision/projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("supervision/projects/<int:pk>/<str:action>/", views.project_detail,
         name="project_action"),
    path("supervision/reports/", views.reports, name="reports"),
    path("supervision/reports/generate/", views.report_generate, name="report_generate"),
    path("supervision/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("supervision/reports/<int:pk>/report.<str:kind>", views.report_file,
         name="report_file"),
]
