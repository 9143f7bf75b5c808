from django.urls import path

from fupin.registry import helper_views, views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household-list"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/helpers/", helper_views.helper_assign_view, name="helper-assign"),
    path("work-teams/", helper_views.work_team_list, name="work-team-list"),
]
