from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "fupin.plan"
    label = "plan"
    verbose_name = "规划任务 / The action plan"

    def ready(self) -> None:
        from fupin.plan import transitions  # noqa: F401  (registers the inspection findings' transition table)
