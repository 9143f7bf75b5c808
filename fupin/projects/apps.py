from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "fupin.projects"
    label = "projects"
    verbose_name = "项目资金 / Projects and funds"

    def ready(self) -> None:
        from fupin.projects import transitions  # noqa: F401 (registers the project's transition table)
