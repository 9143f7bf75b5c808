from django.urls import path

from fupin.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("results/", views.results, name="results"),
    path("run/", views.run_start, name="run-start"),
    path("measures/", views.poverty_measures, name="measures"),
    path("villages/", views.village_exit, name="villages"),
    path("villages/<int:pk>/facts/", views.village_facts_edit, name="village-facts"),
    path("targets/", views.targets, name="targets"),
    path("households/<int:pk>/", views.household_assess, name="household-assess"),
    path("policy/", views.policy_list, name="policy-list"),
    path("policy/new/", views.policy_new, name="policy-new"),
    path("policy/<int:pk>/", views.policy_detail, name="policy-detail"),
    path("policy/<int:pk>/preview/", views.policy_preview, name="policy-preview"),
    path("policy/<int:pk>/publish/", views.policy_publish, name="policy-publish"),
]
