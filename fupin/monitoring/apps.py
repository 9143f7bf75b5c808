from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "fupin.monitoring"
    label = "monitoring"
    verbose_name = "防返贫监测 / Return-to-poverty monitoring"

    def ready(self) -> None:
        from fupin.monitoring import (
            job_handlers,  # noqa: F401  (registers the job kinds)
            transitions,  # noqa: F401  (registers the case's transition table)
        )
