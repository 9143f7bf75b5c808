from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "fupin.measures"
    label = "measures"
    verbose_name = "帮扶措施 / Help measures"

    def ready(self) -> None:
        from fupin.measures import (
            job_handlers,  # noqa: F401  (registers the delivery-list job kind)
            transitions,  # noqa: F401  (registers the measures' transition table)
        )
