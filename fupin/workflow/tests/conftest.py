from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fupin.accounts.models import Assignment
from fupin.assessment.services import policy_seed_defaults
from fupin.core.testing import make_household

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    """Evidence files go to a temporary MEDIA_ROOT, so a test can count what stayed on disk."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    return tmp_path


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


@pytest.fixture
def clock():
    """``clock("2020-05-01")`` moves the frozen time to 10:00 that day (Asia/Shanghai)."""
    travellers: list[time_machine.travel] = []

    def move(day: str, hour: int = 10) -> None:
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(at(day, hour), tick=False)
        traveller.start()
        travellers.append(traveller)

    yield move
    for t in travellers:
        t.stop()


@pytest.fixture
def personas(personas):
    """The personas, with assignments valid since 2000: the tests travel back to 2020."""
    Assignment.objects.update(valid_from=date(2000, 1, 1))
    return personas


@pytest.fixture(autouse=True)
def policy(db):
    """The shipped policy parameters (notice length, poverty line), as seed-reference loads them."""
    policy_seed_defaults()


@pytest.fixture
def candidate(areas):
    """A monitored candidate (一般农户, no workflow state) in village a1."""
    return make_household(areas.village_a1, "H-A1-0100", status=None)
