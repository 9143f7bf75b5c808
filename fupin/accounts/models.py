"""Users, departments, role assignments and API tokens.

Invariants:
- A user sees data only through active assignments (role x area, and a department for department
  officers); no assignment means nothing visible (scoping fails closed). A superuser acts as
  district administrator of the whole installation.
- API tokens are stored as SHA-256 hashes; the clear token is shown once, at creation. A token works
  until the first of: its revocation, its expiry, ``FUPIN_API_TOKEN_MAX_DAYS`` after its creation (so no
  token lives longer, whatever it was created with), ``FUPIN_API_TOKEN_IDLE_DAYS`` after its last use (or
  its creation, if never used).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import CAPABILITIES, Role
from fupin.areas.models import Area
from fupin.areas.scoping import AreaScope


class Department(models.Model):
    """A district department or other organisational unit (教育局, 卫健委, 民政局, ...)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_demo = models.BooleanField(_("演示账号"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.username

    @cached_property
    def active_assignments(self) -> list[Assignment]:
        today = timezone.localdate()
        return list(
            self.assignments.select_related("area", "department")
            .filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=today), valid_from__lte=today)
            .order_by("area__depth", "pk")
        )

    @cached_property
    def area_scope(self) -> AreaScope:
        if self.is_superuser:
            return AreaScope(everything=True)
        if not self.is_active:
            return AreaScope()
        return AreaScope(paths=tuple(sorted({a.area.path for a in self.active_assignments})))

    @cached_property
    def sees_county_wide(self) -> bool:
        """Holds a role at the county (or above): also reads what belongs to no village or township, such as the
        audit entries of policy changes, imports and sign-ins."""
        return self.is_superuser or (self.is_active and any(
            a.area.level in ("province", "city", "county") for a in self.active_assignments))

    @cached_property
    def capabilities(self) -> frozenset[str]:
        if self.is_superuser:
            return CAPABILITIES[Role.DISTRICT_ADMIN]
        caps: set[str] = set()
        for assignment in self.active_assignments:
            caps |= CAPABILITIES[assignment.role]
        return frozenset(caps)

    def can(self, capability: str) -> bool:
        return self.is_active and capability in self.capabilities

    @property
    def primary_assignment(self) -> Assignment | None:
        assignments = self.active_assignments
        return assignments[0] if assignments else None


class Assignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("区域"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="assignments", verbose_name=_("部门"))
    valid_from = models.DateField(_("起始日期"), default=timezone.localdate)
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.DEPARTMENT_OFFICER) | models.Q(department__isnull=False),
                name="assignment_department_officer_has_department",
            ),
            models.UniqueConstraint(fields=["user", "role", "area", "department"], name="assignment_unique"),
        ]

    def __str__(self) -> str:
        unit = f"{self.department} " if self.department_id else ""
        return f"{self.area} {unit}{self.get_role_display()}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def usable_until(self) -> datetime:
        """The moment the token stops working, unless used again before its idle limit."""
        life = self.created_at + timedelta(days=int(settings.FUPIN_API_TOKEN_MAX_DAYS))
        idle = (self.last_used_at or self.created_at) + timedelta(days=int(settings.FUPIN_API_TOKEN_IDLE_DAYS))
        return min(life, idle, self.expires_at or life)

    def is_usable(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and (now or timezone.now()) < self.usable_until()
