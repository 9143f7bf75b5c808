from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "fupin.measures"
    label = "measures"
    verbose_name = "帮扶措施 / Help measures"
