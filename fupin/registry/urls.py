from django.urls import path

from fupin.registry import views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household-list"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
]
