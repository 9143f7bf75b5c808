from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fupin.core"
    label = "core"
    verbose_name = "核心 / Core"

    def ready(self) -> None:
        from fupin.core import checks, job_handlers  # noqa: F401  (registers the system checks and the core's job kinds)
