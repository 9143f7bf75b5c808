from django.urls import path

from fupin.projects import public

app_name = "public"
urlpatterns = [
    path("", public.home, name="home"),
    path("projects/", public.project_library, name="project-list"),
    path("projects/<int:pk>/", public.project_detail, name="project-detail"),
    path("plans/", public.fund_plan, name="fund-plan"),
    path("notices/", public.notice_list, name="notice-list"),
    path("notices/<int:pk>/", public.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/objection/", public.objection_create, name="objection-create"),
]
