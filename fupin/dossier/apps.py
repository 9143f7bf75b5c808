from django.apps import AppConfig


class DossierConfig(AppConfig):
    name = "fupin.dossier"
    label = "dossier"
    verbose_name = "一户一档 / Household file"

    def ready(self) -> None:
        from fupin.dossier.sections import discover_providers

        discover_providers()
