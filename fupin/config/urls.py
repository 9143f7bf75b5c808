from captcha.views import captcha_image
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from fupin.config.api import api
from fupin.dossier import urls as dossier_urls
from fupin.registry import urls as registry_urls

urlpatterns = [
    path("", include("fupin.site.urls")),
    path("accounts/", include("fupin.accounts.urls")),
    path("areas/", include("fupin.areas.urls")),
    # One "registry" namespace from two apps: the registry's lists and the household file (dossier),
    # so registry:household-detail names the household file, whichever app draws it.
    path("registry/", include((registry_urls.urlpatterns + dossier_urls.urlpatterns, "registry"))),
    path("notices/", include("fupin.notices.urls")),
    path("workflow/", include("fupin.workflow.urls")),
    path("assessment/", include("fupin.assessment.urls")),
    path("crosscheck/", include("fupin.crosscheck.urls")),
    path("plan/", include("fupin.plan.urls")),
    path("projects/", include("fupin.projects.urls")),
    path("measures/", include("fupin.measures.urls")),
    path("public/", include("fupin.projects.public_urls")),
    # The public forms' CAPTCHA images, drawn here (fupin.core.captcha); only the image view of the library.
    path("public/captcha/<slug:key>/", login_not_required(captcha_image), {"scale": 1}, name="captcha-image"),
    path("monitoring/", include("fupin.monitoring.urls")),
    path("inbox/", include("fupin.inbox.urls")),
    path("hotline/", include("fupin.hotline.urls")),
    path("public/hotline/", include("fupin.hotline.public_urls")),
    path("system/", include("fupin.core.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# The platform's own error pages, and the API's envelope for the same errors under /api/ (fupin.site.errors).
handler400 = "fupin.site.errors.bad_request"
handler403 = "fupin.site.errors.permission_denied"
handler404 = "fupin.site.errors.page_not_found"
handler500 = "fupin.site.errors.server_error"
