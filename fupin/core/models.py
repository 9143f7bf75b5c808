"""Core tables: the hash-chained audit log and the job table.

Invariants:
- ``AuditEntry`` rows are append-only. ``seq`` is gap-free and each row's ``entry_hash`` is the
  HMAC-SM3, under the key ``key_id`` names (kept outside the database), of its canonical content plus
  the previous row's MAC, so editing or deleting a row in SQL breaks the chain at that row and nobody
  without the key can recompute it (``fupin verify-audit``). Rows written before the MAC chain (blank
  ``key_id``) carry a plain SHA-256 and form a prefix only (ADR 0021). ``AuditChainHead`` is a single row
  locked while appending, which serialises writers on PostgreSQL (SQLite serialises anyway); signed
  checkpoints of the head are written outside the database (``fupin.core.audit_checkpoints``).
- ``JobRun`` rows carry progress and a heartbeat; a job whose heartbeat is older than
  ``JOB_HEARTBEAT_STALE_SECONDS`` while "running" belongs to a dead worker and is swept to failed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("the audit log is append-only")


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        TRANSITION = "transition", _("状态变更")
        READ = "read", _("查看个人信息")
        EXPORT = "export", _("导出")
        IMPORT = "import", _("导入")
        LOGIN = "login", _("登录")
        LOGOUT = "logout", _("退出")
        LOGIN_FAILED = "login_failed", _("登录失败")

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    # The master key (fupin.core.keys) whose audit MAC key sealed ``entry_hash``; blank for an entry written
    # before the MAC chain, whose ``entry_hash`` is a plain SHA-256 (ADR 0021).
    key_id = models.CharField(max_length=16, blank=True, default="")
    # Where the object lives (its area's path, as fupin.areas keeps it; blank: county-wide or no place), so an
    # auditor of a township reads that township's entries. Scoping only: not part of the hashed content.
    area_path = models.CharField(max_length=255, blank=True, default="", db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("the audit log is append-only")


class AuditChainHead(models.Model):
    """One row: the last sequence number and hash, locked while a new entry is appended. ``checkpoint_seq`` is
    the entry the last signed checkpoint written after a commit named: only a hint of when the next is due (the
    checkpoints themselves are outside the database)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="0" * 64)
    checkpoint_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class JobRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(max_length=50, db_index=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    retryable = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        constraints = [
            models.CheckConstraint(condition=models.Q(done__lte=models.F("total")) | models.Q(total=0),
                                   name="jobrun_done_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}
