"""Failed sign-ins: the pair username + address is locked, the address alone is throttled (ADR 0023).

django-axes records each failure (one row per username, address and browser) and is configured with two
parameter sets, ``[["username", "ip_address"], "ip_address"]``. It compares both against one limit; this
handler gives each set its own:

- the pair locks at ``AXES_FAILURE_LIMIT`` (5): someone guessing one user's password is stopped, and a
  stranger elsewhere cannot lock that user out of their usual address;
- the address alone locks at ``LOGIN_ADDRESS_FAILURE_LIMIT`` (20) failures over any usernames, nonexistent
  ones included: a password sprayer trying a few passwords on many accounts is stopped, while a township
  office sharing one NAT address does not reach it by typing errors.

A successful sign-in resets its own pair only. axes would reset every set the request matches, and so the
address's count too: a sprayer would sign in to an account of their own now and then to start afresh.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from fupin.core.ratelimit import client_address

ADDRESS = "ip_address"


def _address(request: HttpRequest) -> str | None:
    """The request's address as axes stores it, or None when there is none (a sign-in made by code, such as a
    test's ``force_login``): PostgreSQL's inet column takes no other text."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


def address_locked(request: HttpRequest) -> bool:
    """Whether the request's address has failed ``LOGIN_ADDRESS_FAILURE_LIMIT`` times within the lockout window."""
    address = _address(request)
    if address is None:
        return False
    recent = AccessAttempt.objects.filter(ip_address=address,
                                          attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return _failures(recent) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class PairAndAddressHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes has no type hints
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """The pair's failures; the lock limit itself once the address alone is over its own limit."""
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = _failures(attempts)
            if parameter == ADDRESS:
                worst = max(worst, limit if failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT else 0)
            else:
                worst = max(worst, failures)
        return worst

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """After a successful sign-in: forget the failures of this username at this address, and no others."""
        username, address = get_client_username(request, credentials), _address(request)
        if address is None:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=address).delete()
        return int(count)
