from django.contrib.auth import views as auth_views
from django.urls import include, path

from govshare.api import api
from govshare.catalog.views import catalog_dcat
from govshare.core.admin import operator_admin
from govshare.core.views import home
from govshare.orgs.views import LoginView

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", operator_admin.urls),
    path("", include("govshare.orgs.urls")),
    path("", include("govshare.catalog.urls")),
    path("catalog.jsonld", catalog_dcat, name="catalog_dcat"),
    path("", include("govshare.audit.urls")),
    path("", include("govshare.monitor.urls")),
    path("", include("govshare.exchange.urls")),
    path("", include("govshare.notifications.urls")),
    path("", include("govshare.sharing.urls")),
    path("", include("govshare.opendata.urls")),
    path("", include("govshare.supervision.urls")),
    path("", include("govshare.services.urls")),
    path("", include("govshare.federation.urls")),
]
