from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/<int:pk>/read/", views.mark_read, name="mark_read"),
    path("notifications/read-all/", views.mark_all_read, name="mark_all_read"),
    path("notifications/webhooks/", views.webhooks, name="webhooks"),
    path("notifications/webhooks/<int:application_id>/", views.webhook_configure,
         name="webhook_configure"),
    path("notifications/webhooks/<int:application_id>/rotate/", views.webhook_rotate,
         name="webhook_rotate"),
    path("notifications/webhooks/<int:application_id>/remove/", views.webhook_remove,
         name="webhook_remove"),
]
