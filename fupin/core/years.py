"""The platform's work year: the year whose facts the work is about (the exit standards, the income lines a cadre
enters). It is the assessment's (the latest year, not after this one, with a published poverty line), but the
floors below it (the registry) need it too; so the assessment registers it here when it starts, and until then
(or without one) it is the calendar year."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

_provider: Callable[[], int] | None = None


def register_work_year(provider: Callable[[], int]) -> None:
    global _provider
    _provider = provider


def current_work_year() -> int:
    return _provider() if _provider is not None else timezone.localdate().year
