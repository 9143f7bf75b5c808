from django.urls import path

from fupin.measures import views

app_name = "measures"
urlpatterns = [
    path("", views.measure_list, name="measure-list"),
    path("suggestions/", views.suggestion_list, name="suggestion-list"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("points/", views.points_list, name="points"),
    path("deliveries/", views.delivery_upload, name="deliveries"),
    path("<int:pk>/status/", views.measure_status, name="status"),
    path("households/<int:pk>/", views.household_measures, name="household"),
    path("households/<int:pk>/record/", views.measure_record, name="record"),
    path("households/<int:pk>/suggestions/", views.suggestion_decide, name="decide"),
    path("households/<int:pk>/points/", views.points, name="household-points"),
]
