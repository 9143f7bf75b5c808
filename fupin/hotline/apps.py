from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "fupin.hotline"
    label = "hotline"
    verbose_name = "热线诉求 / Hotline and grievances"

    def ready(self) -> None:
        from fupin.hotline import (
            job_handlers,  # noqa: F401  (registers the hotline sweep job kind)
            transitions,  # noqa: F401  (registers the tickets' transition table)
        )
