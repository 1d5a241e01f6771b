from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.record_list, name="record_list"),
    path("audit/key/", views.public_key, name="public_key"),
    path("audit/public-key.pem", views.public_key_pem, name="public_key_pem"),
]
