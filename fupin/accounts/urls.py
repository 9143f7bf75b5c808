from django.urls import path

from fupin.accounts import mfa_views, views

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
]
