from django.urls import path

from fupin.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("results/", views.results, name="results"),
    path("run/", views.run_start, name="run-start"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/measures/", views.measure_create, name="measure-create"),
    path("cases/<int:pk>/<slug:action>/", views.case_step, name="case-step"),
    path("measures/<int:pk>/done/", views.measure_done, name="measure-done"),
    path("trends/", views.trends, name="trends"),
]
