from django.urls import path

from fupin.crosscheck import views

app_name = "crosscheck"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/", views.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/assign/", views.finding_assign, name="finding-assign"),
    path("findings/<int:pk>/verify/", views.finding_verify, name="finding-verify"),
    path("findings/<int:pk>/close/", views.finding_close, name="finding-close"),
    path("run/", views.run_start, name="run-start"),
    path("upload/", views.upload, name="upload"),
    path("upload/<int:pk>/", views.load_detail, name="load-detail"),
    path("upload/<int:pk>/report/", views.load_report, name="load-report"),
    path("trends/", views.trends, name="trends"),
]
