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
    path("inspections/", views.inspection_list, name="inspection-list"),
    path("inspections/new/", views.inspection_create, name="inspection-create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("findings/<int:pk>/rectify/", views.finding_rectify_view, name="finding-rectify"),
    path("findings/<int:pk>/verify/", views.finding_verify_view, name="finding-verify"),
    path("findings/<int:pk>/accountability/", views.finding_accountability_view, name="finding-accountability"),
    path("agreements/", views.agreement_list, name="agreement-list"),
    path("agreements/sign/", views.agreement_sign_view, name="agreement-sign"),
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/new/", views.meeting_create_view, name="meeting-create"),
    path("surveys/", views.survey_list, name="survey-list"),
    path("surveys/new/", views.survey_create_view, name="survey-create"),
    path("reviews/", views.review_list, name="review-list"),
    path("reviews/new/", views.review_create_view, name="review-create"),
    path("reviews/<int:year>/", views.review_detail, name="review-detail"),
    path("reviews/<int:year>/compute/", views.review_compute_view, name="review-compute"),
    path("reviews/<int:year>/scores/", views.review_score_view, name="review-score"),
    path("reviews/<int:year>/finalise/", views.review_finalise_view, name="review-finalise"),
    path("reviews/<int:year>/export/", views.review_export_view, name="review-export"),
]
