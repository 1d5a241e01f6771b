from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("regions/", views.region_tree, name="region_tree"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("regions/<str:code>/children/", views.region_children, name="region_children"),
    path("organizations/mine/", views.my_organization, name="my_organization"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/users/", views.organization_users, name="organization_users"),
    path("organizations/<int:pk>/applications/", views.organization_applications,
         name="organization_applications"),
    path("users/<int:user_id>/roles/", views.role_assign, name="role_assign"),
    path("roles/<int:role_id>/revoke/", views.role_revoke, name="role_revoke"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/credentials/", views.credential_issue, name="credential_issue"),
    path("credentials/<int:pk>/rotate/", views.credential_rotate, name="credential_rotate"),
    path("credentials/<int:pk>/revoke/", views.credential_revoke, name="credential_revoke"),
]
