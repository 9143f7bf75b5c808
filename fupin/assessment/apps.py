from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "fupin.assessment"
    label = "assessment"
    verbose_name = "退出评估 / Exit assessment"

    def ready(self) -> None:
        from fupin.assessment import job_handlers  # noqa: F401  (registers the assessment job kind)
        from fupin.assessment.services import work_year
        from fupin.core.years import register_work_year

        register_work_year(work_year)
