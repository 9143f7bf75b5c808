from django.urls import path

from fupin.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("new/", views.project_create, name="project-create"),
    path("progress/", views.progress, name="progress"),
    path("progress/report/", views.progress_report, name="progress-report"),
    path("assets/", views.asset_list, name="asset-list"),
    path("assets/<int:pk>/", views.asset_detail, name="asset-detail"),
    path("assets/<int:pk>/payouts/", views.asset_payout, name="asset-payout"),
    path("objections/", views.objection_list, name="objection-list"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection-resolve"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/", views.project_detail, name="project-detail"),
    path("<int:pk>/beneficiaries/", views.beneficiary_add, name="beneficiary-add"),
    path("<int:pk>/assets/", views.asset_create, name="asset-create"),
    path("<int:pk>/<slug:action>/", views.project_step, name="project-step"),
]
