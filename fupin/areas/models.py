"""The division tree: province → city → county → township → village.

Invariants:
- ``code`` is the statistics bureau's 12-digit code; a code is current in one row at a time
  (``valid_to`` empty). A re-division ends a row (``valid_to``) and starts another, so history
  stays: households keep pointing at the row valid when they were registered.
- ``path`` is ``/<pk>/<pk>/.../`` from the root down to the row itself, so "everything under
  township X" is ``path__startswith=X.path`` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.areas.scoping import ScopedQuerySet


class Area(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县(区)")
        TOWNSHIP = "township", _("乡镇(街道)")
        VILLAGE = "village", _("村(社区)")

    code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(_("启用日期"), default=date(2000, 1, 1))
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)

    area_scope = ""
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=models.Q(valid_to__isnull=True),
                                    name="area_code_current_unique"),
            models.CheckConstraint(condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                                   name="area_validity_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    LEVEL_ORDER = ("province", "city", "county", "township", "village")

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def short_code(self) -> str:
        """The code without its trailing zero groups (41, 4111, 411103, 411103101, ...)."""
        lengths = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
        return self.code[: lengths[self.level]]

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p][:-1]
