from django.urls import path

from fupin.registry import edit_views, helper_views, proposal_views, views

# The household page itself (registry:household-detail) is the household file, drawn by fupin.dossier;
# fupin/config/urls.py puts both apps' routes in the "registry" namespace.
app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household-list"),
    path("households/export/", views.household_export, name="household-export"),
    path("export/<int:pk>/", views.export_detail, name="export-detail"),
    path("export/<int:pk>/file/", views.export_file, name="export-file"),
    path("template/", views.template_download, name="template"),
    path("import/", views.registry_import, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import-detail"),
    path("import/<int:pk>/report/", views.import_report, name="import-report"),
    # Edits (ADR 0026): a household's facts, members, head and income lines, a new applicant.
    path("households/new/", edit_views.applicant_create, name="applicant-create"),
    path("households/<int:pk>/edit/", edit_views.household_edit, name="household-edit"),
    path("households/<int:pk>/members/new/", edit_views.member_add, name="member-add"),
    path("households/<int:pk>/head/", edit_views.head_change, name="head-change"),
    path("households/<int:pk>/incomes/", edit_views.income_edit, name="income-edit"),
    path("members/<int:pk>/edit/", edit_views.member_edit, name="member-edit"),
    path("members/<int:pk>/remove/", edit_views.member_remove, name="member-remove"),
    path("households/<int:pk>/helpers/", helper_views.helper_assign_view, name="helper-assign"),
    path("work-teams/", helper_views.work_team_list, name="work-team-list"),
    path("work-teams/new/", helper_views.work_team_create_view, name="work-team-create"),
    path("work-teams/<int:pk>/", helper_views.work_team_detail, name="work-team-detail"),
    path("work-teams/<int:pk>/members/", helper_views.work_team_member_add_view, name="work-team-member-add"),
    path("work-teams/<int:pk>/end/", helper_views.work_team_end_view, name="work-team-end"),
    path("work-teams/members/<int:pk>/end/", helper_views.work_team_member_end_view, name="work-team-member-end"),
    path("proposals/<int:pk>/apply/", proposal_views.proposal_apply_view, name="proposal-apply"),
    path("proposals/<int:pk>/dismiss/", proposal_views.proposal_dismiss_view, name="proposal-dismiss"),
]
