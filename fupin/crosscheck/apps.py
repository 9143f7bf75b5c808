from django.apps import AppConfig


class CrosscheckConfig(AppConfig):
    name = "fupin.crosscheck"
    label = "crosscheck"
    verbose_name = "部门数据比对 / Department cross-checks"

    def ready(self) -> None:
        from fupin.crosscheck import (
            job_handlers,  # noqa: F401  (registers the load and run job kinds)
            transitions,  # noqa: F401  (registers the findings' transition table)
        )
