from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fupin.accounts"
    label = "accounts"
    verbose_name = "账号与权限 / Accounts"

    def ready(self) -> None:
        from fupin.accounts import job_handlers, signals, user_sessions  # noqa: F401  (roster job; sign-ins)
