from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "fupin.workflow"
    label = "workflow"
    verbose_name = "识别退出流程 / Household workflow"

    def ready(self) -> None:
        from fupin.registry.editing import register_applicant_start
        from fupin.workflow import transitions  # noqa: F401 (registers the household's transition table)
        from fupin.workflow.services import applicant_apply

        register_applicant_start(applicant_apply)
