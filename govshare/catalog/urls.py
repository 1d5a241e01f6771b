from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("catalog/", views.browse_catalog, name="browse"),
    path("catalog/mine/", views.my_catalog, name="my_catalog"),
    path("catalog/new/", views.resource_new, name="resource_new"),
    path("catalog/item-row/", views.item_row, name="item_row"),
    path("catalog/review/", views.review_queue, name="review_queue"),
    path("catalog/conflicts/", views.conflicts, name="conflicts"),
    path("catalog/conflicts/<int:pk>/resolve/", views.conflict_resolve, name="conflict_resolve"),
    path("catalog/elements/", views.elements, name="elements"),
    path("catalog/template.xlsx", views.template_download, name="template"),
    path("catalog/import/", views.resource_import, name="import"),
    path("catalog/export.xlsx", views.export, name="export"),
    path("catalog/resources/<str:code>/", views.resource_detail, name="resource_detail"),
    path("catalog/resources/<str:code>/edit/", views.resource_edit, name="resource_edit"),
    path("catalog/resources/<str:code>/submit/", views.resource_submit, name="resource_submit"),
    path("catalog/resources/<str:code>/publish/", views.resource_publish,
         name="resource_publish"),
    path("catalog/resources/<str:code>/return/", views.resource_return, name="resource_return"),
    path("catalog/resources/<str:code>/change/", views.resource_change, name="resource_change"),
    path("catalog/resources/<str:code>/withdraw/", views.resource_withdraw,
         name="resource_withdraw"),
    path("catalog/resources/<str:code>/discard/", views.resource_discard,
         name="resource_discard"),
    path("catalog/resources/<str:code>/versions/<int:number>/", views.version_detail,
         name="version_detail"),
    path("catalog/resources/<str:code>/compare/", views.version_compare, name="version_compare"),
    path("catalog/resources/<str:code>/dataset.jsonld", views.resource_dcat,
         name="resource_dcat"),
]
