from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fupin.core"
    label = "core"
    verbose_name = "核心 / Core"

    def ready(self) -> None:
        from fupin.core import job_handlers  # noqa: F401  (registers the core's job kinds)
