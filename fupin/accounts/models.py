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
from datetime import date, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.department_views import department_view
from fupin.accounts.roles import CAPABILITIES, Role
from fupin.areas.models import Area
from fupin.areas.scoping import AreaScope
from fupin.core import sealed
from fupin.core.sealed import BlindIndexField, SealedField


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
    phone = SealedField(_("联系电话"), plain_max_length=20, blank=True, index="phone_index")
    phone_index = BlindIndexField(source="phone", kind=sealed.PHONE, db_index=True)
    is_demo = models.BooleanField(_("演示账号"), default=False)
    # Set when someone else chose the password (a new account, a reset): the user changes it before anything else.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

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
            if assignment.role == Role.DEPARTMENT_OFFICER and assignment.department is not None:
                view = department_view(assignment.department.code)
                caps |= view.capabilities if view else set()
        return frozenset(caps)

    @cached_property
    def member_selections(self) -> tuple[str, ...] | None:
        """The registry members this user reads, as named selections (``fupin.registry.selections``), when the
        user reads only as a department officer; None when any other role (or superuser) lets them read every
        member in their areas. An empty tuple: their departments see nobody."""
        assignments = self.active_assignments
        if self.is_superuser or not assignments or any(a.role != Role.DEPARTMENT_OFFICER for a in assignments):
            return None
        views = [department_view(a.department.code) for a in assignments if a.department is not None]
        return tuple(sorted({v.members for v in views if v is not None}))

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
            # One open assignment per user, role, area and department (a department officer's department; none for
            # the others: the expression makes "no department" one value, where NULLs would all differ). An ended
            # assignment stays as history and the same role may be given again.
            models.UniqueConstraint(
                "user", "role", "area", Coalesce("department", models.Value(0)),
                condition=models.Q(valid_to__isnull=True), name="assignment_open_unique",
            ),
        ]

    def __str__(self) -> str:
        unit = f"{self.department} " if self.department_id else ""
        return f"{self.area} {unit}{self.get_role_display()}"

    def is_active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)

    @property
    def is_current(self) -> bool:
        return self.is_active_on(timezone.localdate())

    @property
    def has_ended(self) -> bool:
        return self.valid_to is not None and self.valid_to < timezone.localdate()


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


class UserSession(models.Model):
    """A signed-in session of a user (recorded at sign-in, removed at sign-out), so the user can list and end
    their sessions. The session itself lives in the session store; a row whose session has expired, ended or
    lost its password hash is dropped when the list is read (fupin.accounts.user_sessions)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(_("登录时间"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("登录地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
