"""The public hotline's limits hold for the hour they claim, on every cache Django offers.

``FUPIN_HOTLINE_SUBMITS_PER_HOUR`` (5) submissions from one address in an hour: the sixth within 59 minutes
is refused, and one after the hour is taken. The submissions are spaced wider than a cache's default
expiry (five minutes): the file and database caches implement ``incr`` as get-and-set with that default
expiry, which once turned "5 an hour" into "5 in any five minutes". The limits count in the shared counter
(``fupin.core.ratelimit``): any hour, not one that starts with the first request, and refused requests are
not counted, so retrying while refused does not push the end of the wait.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from fupin.hotline.models import Ticket
from fupin.hotline.tests.test_public import submit

pytestmark = pytest.mark.django_db

START = datetime(2020, 5, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def caches(backend: str, folder: Path) -> dict[str, Any]:
    if backend == "file":
        return {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(folder)}}
    # locmem caches of one LOCATION share their entries across tests: one per test
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(folder)}}


@pytest.mark.parametrize("backend", ["file", "locmem"])
def test_the_sixth_submission_within_the_hour_is_refused_and_one_after_it_is_taken(people, settings, tmp_path,
                                                                                    backend):
    settings.FUPIN_HOTLINE_SUBMITS_PER_HOUR = 5
    settings.FUPIN_CAPTCHA_AFTER_POSTS = 10  # the CAPTCHA after a few posts: test_public_captcha.py
    settings.CACHES = caches(backend, tmp_path / "cache")
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        for minutes in (0, 10, 20, 35, 50):
            traveller.move_to(START + timedelta(minutes=minutes))
            assert submit(client, people).status_code == 302, minutes
        traveller.move_to(START + timedelta(minutes=59))
        assert submit(client, people).status_code == 429
        assert submit(client, people, ip="10.0.0.2").status_code == 302  # another address counts on its own
        traveller.move_to(START + timedelta(minutes=61))
        assert submit(client, people).status_code == 302
    assert Ticket.objects.count() == 7


@pytest.mark.parametrize("backend", ["file", "locmem"])
def test_look_ups_hold_for_the_hour_too(people, settings, tmp_path, backend):
    from fupin.hotline.tests.test_public import track

    settings.FUPIN_HOTLINE_LOOKUPS_PER_HOUR = 2
    settings.CACHES = caches(backend, tmp_path / "cache")
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        assert track(client, "AAAA-AAAA-AAAA-AAAB").status_code == 404
        traveller.move_to(START + timedelta(minutes=30))
        assert track(client, "AAAA-AAAA-AAAA-AAAB").status_code == 404
        traveller.move_to(START + timedelta(minutes=59))
        assert track(client, "AAAA-AAAA-AAAA-AAAB").status_code == 429
        traveller.move_to(START + timedelta(minutes=60, seconds=1))
        assert track(client, "AAAA-AAAA-AAAA-AAAB").status_code == 404


@pytest.mark.parametrize("backend", ["file", "locmem"])
def test_retrying_while_refused_does_not_lengthen_the_wait(people, settings, tmp_path, backend):
    settings.FUPIN_HOTLINE_SUBMITS_PER_HOUR = 2
    settings.FUPIN_CAPTCHA_AFTER_POSTS = 50
    settings.CACHES = caches(backend, tmp_path / "cache")
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        assert submit(client, people).status_code == 302
        traveller.move_to(START + timedelta(minutes=40))
        assert submit(client, people).status_code == 302
        for minutes in (41, 50, 59):
            traveller.move_to(START + timedelta(minutes=minutes))
            assert submit(client, people).status_code == 429, minutes
        traveller.move_to(START + timedelta(minutes=60, seconds=1))  # the one of minute 0 is an hour old
        assert submit(client, people).status_code == 302
        assert submit(client, people).status_code == 429
        traveller.move_to(START + timedelta(minutes=100, seconds=1))  # and the one of minute 40
        assert submit(client, people).status_code == 302
    assert Ticket.objects.count() == 4


@pytest.mark.parametrize("backend", ["file", "locmem"])
def test_the_limit_holds_for_any_hour_not_one_from_the_first_request(people, settings, tmp_path, backend):
    settings.FUPIN_HOTLINE_SUBMITS_PER_HOUR = 2
    settings.FUPIN_CAPTCHA_AFTER_POSTS = 50
    settings.CACHES = caches(backend, tmp_path / "cache")
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        assert submit(client, people).status_code == 302
        traveller.move_to(START + timedelta(minutes=59))
        assert submit(client, people).status_code == 302
        traveller.move_to(START + timedelta(minutes=61))  # a new hour from the first one; the second is recent
        assert submit(client, people).status_code == 302
        assert submit(client, people).status_code == 429
    assert Ticket.objects.count() == 3
