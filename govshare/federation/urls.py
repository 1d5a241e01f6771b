from django.urls import path

from . import views

app_name = "federation"
urlpatterns = [
    path("federation/", views.home, name="home"),
    path("federation/peers/register/", views.peer_register, name="peer_register"),
    path("federation/peers/<int:pk>/approve/", views.peer_approve, name="peer_approve"),
    path("federation/peers/<int:pk>/revoke/", views.peer_revoke, name="peer_revoke"),
    path("federation/peers/<int:pk>/harvest/", views.peer_harvest, name="peer_harvest"),
]
