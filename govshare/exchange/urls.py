from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("exchange/files/<str:token>", views.delta_file, name="delta_file"),
    path("exchange/", views.home, name="home"),
    path("exchange/nodes/<int:pk>/approve/", views.node_approve, name="node_approve"),
    path("exchange/organizations/<int:organization_id>/registration-code/",
         views.registration_code_issue, name="registration_code_issue"),
    path("exchange/applications/<int:pk>/delta-sharing-profile/", views.delta_profile,
         name="delta_profile"),
]
