"""Who is asking, and how often: the client address every per-address limit counts by, and a counter of
recent events per key.

The address is ``REMOTE_ADDR`` and nothing else: headers such as ``X-Forwarded-For`` are set by the client
and would let it pick a fresh address for every request. Behind a reverse proxy, the proxy must set
``REMOTE_ADDR`` to the client's address (README, Configuration).

The counter keeps the times of the last events of a key in Django's cache (shared by every server process)
and counts those within the window, so "N in an hour" holds for any hour, not for a fixed clock hour; each
write sets the entry's expiry to the window, so nothing outlives it. Every per-address limit uses it: the
CAPTCHA's threshold (:func:`recent_count`, :func:`record_event`) and the public hotline's hourly quotas
(:func:`event_allowed`). It is a threshold, not an exact quota: two requests at the same instant may both read
the older list (the default file cache has no atomic increment either).
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest

UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104  (an address, not a bind) no REMOTE_ADDR (a sign-in made by code): the unspecified address, which PostgreSQL's inet columns take


def client_address(request: HttpRequest) -> str:
    """The address the request came from (``REMOTE_ADDR``)."""
    return str(request.META.get("REMOTE_ADDR") or UNKNOWN_ADDRESS)


def _recent(key: str, window: int, now: float) -> list[float]:
    stamps = cache.get(key)
    if not isinstance(stamps, list):
        return []
    return [t for t in stamps if isinstance(t, (int, float)) and now - t < window]


def recent_count(key: str, *, window: int) -> int:
    """How many events ``key`` had in the last ``window`` seconds."""
    return len(_recent(key, window, time.time()))


def _store(key: str, stamps: list[float], *, window: int, keep: int) -> None:
    cache.set(key, stamps[-max(keep, 1):], timeout=window)


def record_event(key: str, *, window: int, keep: int) -> int:
    """Record one event for ``key`` now; returns the events in the last ``window`` seconds, this one included.

    Only the latest ``keep`` times are kept (a caller asking "at least N?" needs no more than N)."""
    now = time.time()
    stamps = [*_recent(key, window, now), now]
    _store(key, stamps, window=window, keep=keep)
    return len(stamps)


def event_allowed(key: str, *, limit: int, window: int) -> bool:
    """Whether ``key`` may have one more event now: False when it had ``limit`` in the last ``window`` seconds.

    An allowed event is recorded; a refused one is not, so a client that keeps retrying while over its limit
    is allowed again as soon as its oldest allowed event is ``window`` old, as if it had waited."""
    now = time.time()
    stamps = _recent(key, window, now)
    if len(stamps) >= limit:
        return False
    _store(key, [*stamps, now], window=window, keep=limit)
    return True
