from django.contrib import admin
from django.urls import include, path

from fupin.config.api import api

urlpatterns = [
    path("", include("fupin.site.urls")),
    path("accounts/", include("fupin.accounts.urls")),
    path("areas/", include("fupin.areas.urls")),
    path("registry/", include("fupin.registry.urls")),
    path("notices/", include("fupin.notices.urls")),
    path("workflow/", include("fupin.workflow.urls")),
    path("assessment/", include("fupin.assessment.urls")),
    path("system/", include("fupin.core.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
