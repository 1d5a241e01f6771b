from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("opendata/", views.portal_home, name="portal"),
    path("opendata/catalog.jsonld", views.catalog_dcat, name="catalog_dcat"),
    path("opendata/terms/", views.terms, name="terms"),
    path("opendata/register/", views.register, name="register"),
    path("opendata/datasets/<str:code>/", views.dataset_detail, name="dataset"),
    path("opendata/datasets/<str:code>/dataset.jsonld", views.dataset_dcat, name="dataset_dcat"),
    path("opendata/datasets/<str:code>/download.<str:fmt>", views.download, name="download"),
    path("opendata/datasets/<str:code>/apply/", views.apply, name="apply"),
    path("opendata/manage/", views.manage, name="manage"),
    path("opendata/manage/resources/<str:code>/rules/", views.rules_propose,
         name="rules_propose"),
    path("opendata/manage/rules/<int:pk>/", views.rules_review, name="rules_review"),
    path("opendata/manage/resources/<str:code>/open/", views.dataset_open, name="dataset_open"),
    path("opendata/manage/resources/<str:code>/close/", views.dataset_close,
         name="dataset_close"),
    path("opendata/manage/access-requests/<int:pk>/<str:decision>/", views.access_decide,
         name="access_decide"),
    # CKAN clients call /api/3/action/ or, like ckanapi, /api/action/.
    path("api/3/action/<str:name>", views.ckan_action, name="ckan_action"),
    path("api/action/<str:name>", views.ckan_action, name="ckan_action_unversioned"),
]
