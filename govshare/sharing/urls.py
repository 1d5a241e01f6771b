from django.urls import path

from . import views

app_name = "sharing"
urlpatterns = [
    path("sharing/", views.index, name="index"),
    path("sharing/requests/", views.request_list, name="request_list"),
    path("sharing/requests/new/", views.resource_pick, name="resource_pick"),
    path("sharing/resources/<str:code>/request/", views.request_new, name="request_new"),
    path("sharing/requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("sharing/requests/<int:pk>/<str:verb>/", views.request_action, name="request_action"),
    path("sharing/grants/", views.grant_list, name="grant_list"),
    path("sharing/grants/<int:pk>/<str:verb>/", views.grant_action, name="grant_action"),
    path("sharing/objections/", views.objection_list, name="objection_list"),
    path("sharing/resources/<str:code>/objection/", views.objection_new, name="objection_new"),
    path("sharing/objections/<int:pk>/", views.objection_detail, name="objection_detail"),
    path("sharing/objections/<int:pk>/<str:verb>/", views.objection_action,
         name="objection_action"),
    path("sharing/attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("sharing/calendar/", views.calendar, name="calendar"),
    path("sharing/calendar/<int:pk>/remove/", views.calendar_remove, name="calendar_remove"),
]
