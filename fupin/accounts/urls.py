from django.urls import path

from fupin.accounts import mfa_views, users_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views.profile, name="profile"),
    path("me/tokens/", views.token_create, name="token-create"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("second-factor/", mfa_views.verify, name="mfa-verify"),
    path("second-factor/enrol/", mfa_views.enrol, name="mfa-enrol"),
    path("second-factor/recovery-codes/", mfa_views.recovery_codes, name="mfa-recovery-codes"),
    path("second-factor/recovery-codes/new/", mfa_views.recovery_codes_renew, name="mfa-recovery-codes-new"),
    path("users/<int:pk>/second-factor/reset/", mfa_views.reset, name="mfa-reset"),
    path("me/password/", users_views.password_change, name="password-change"),
    path("me/sessions/<int:pk>/revoke/", users_views.session_revoke, name="session-revoke"),
    path("users/", users_views.user_list, name="user-list"),
    path("users/new/", users_views.user_create, name="user-create"),
    path("users/import/", users_views.roster_upload, name="roster"),
    path("users/import/template/", users_views.roster_blank, name="roster-template"),
    path("users/import/<int:pk>/", users_views.roster_detail, name="roster-detail"),
    path("users/import/<int:pk>/report/", users_views.roster_report, name="roster-report"),
    path("users/import/<int:pk>/passwords/", users_views.roster_passwords, name="roster-passwords"),
    path("users/<int:pk>/", users_views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", users_views.user_edit, name="user-edit"),
    path("users/<int:pk>/deactivate/", users_views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", users_views.user_reactivate, name="user-reactivate"),
    path("users/<int:pk>/password/", users_views.password_reset, name="user-password-reset"),
    path("users/<int:pk>/assignments/", users_views.assignment_add, name="assignment-add"),
    path("users/<int:pk>/assignments/<int:assignment>/end/", users_views.assignment_end, name="assignment-end"),
]
