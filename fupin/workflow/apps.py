from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "fupin.workflow"
    label = "workflow"
    verbose_name = "识别退出流程 / Household workflow"
