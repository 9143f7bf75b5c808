from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "fupin.registry"
    label = "registry"
    verbose_name = "建档立卡 / Registry"

    def ready(self) -> None:
        from fupin.registry import exporting, job_handlers  # noqa: F401  (register registry.export, registry.import)
