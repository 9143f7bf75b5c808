"""Helpers of the registry edit tests: a signed-in client, and the registry as rows (to show a refusal changed
nothing)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.test import Client

from fupin.core.models import AuditEntry
from fupin.registry.models import Change, Household, IncomeRecord, Member

WRITES = ("create", "update", "delete", "transition", "import")
"""The audit log's write actions."""


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def registry_snapshot(audit: QuerySet[AuditEntry] | None = None) -> tuple[Any, ...]:
    """Every registry row (members who left included), the history's size, and the size of ``audit`` (default:
    the audit log's writes)."""
    audit = AuditEntry.objects.filter(action__in=WRITES) if audit is None else audit
    return (list(Household.objects.values()), list(Member.everyone.values()), list(IncomeRecord.objects.values()),
            Change.objects.count(), audit.count())
