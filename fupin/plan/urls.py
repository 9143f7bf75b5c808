from django.urls import path

from fupin.plan import views

app_name = "plan"
urlpatterns = [
    path("", views.plan_overview, name="overview"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("units/<int:pk>/reports/new/", views.report_create, name="report-create"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
