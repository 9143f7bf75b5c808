from django.urls import path

from fupin.core import views

app_name = "core"
urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/verify/", views.audit_verify_start, name="audit-verify"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/retry/", views.job_retry_view, name="job-retry"),
]
