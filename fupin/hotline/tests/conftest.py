from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from fupin.accounts.models import Assignment, Department
from fupin.accounts.roles import Role
from fupin.core.testing import make_user
from fupin.workflow.tests.conftest import clock  # noqa: F401 (the frozen clock fixture)


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    """Attachments go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    return tmp_path


@pytest.fixture
def people(personas):
    """The personas (valid since 2000: tests travel back in time), with a discipline inspector at the county,
    and the units the hotline routes to by default."""
    county = personas.areas.county
    office = Department.objects.create(code="fupin-office", name="区扶贫办", area=county)
    discipline = Department.objects.create(code="discipline", name="区纪委监委", area=county)
    inspector = make_user("inspector", Role.DISCIPLINE_INSPECTOR, county, department=discipline)
    office_clerk = make_user("office_clerk", Role.DISTRICT_OFFICER, county, department=office)
    Assignment.objects.update(valid_from=date(2000, 1, 1))
    return SimpleNamespace(**{k: getattr(personas, k) for k in personas.__dataclass_fields__}, inspector=inspector,
                           office=office, discipline=discipline, education=Department.objects.get(code="education"),
                           office_clerk=office_clerk)
