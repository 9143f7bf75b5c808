"""``module_db`` (fupin/conftest.py): rows built once per module; each test runs in a savepoint, so a
write in one test is never seen by the next."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from fupin.core.testing import ModuleDB, build_areas, build_households, make_household
from fupin.registry.models import Household


@pytest.fixture(scope="module")
def _built(module_db: ModuleDB) -> tuple[dict[str, Household], Path]:
    return module_db.build(lambda: build_households(build_areas())), module_db.media


@pytest.fixture
def built(_built, db):
    return _built


@pytest.mark.parametrize("case", range(3))  # on two workers, at least two cases share a worker and its rows
def test_each_test_finds_the_rows_as_built_and_leaves_them_so(built, case):
    households, media = built
    assert sorted(Household.objects.values_list("household_no", flat=True)) == ["H-A1-0001", "H-A2-0001", "H-B1-0001"]
    assert media == settings.MEDIA_ROOT and Path(default_storage.path("x")).parent == media
    Household.objects.filter(pk=households["a1"].pk).update(household_no=f"CHANGED-{case}")
    make_household(households["b1"].village, f"NEW-{case}")
    Household.objects.filter(pk=households["a2"].pk).update(status="removed")
    assert Household.objects.count() == 4
    default_storage.save(f"case-{case}.txt", ContentFile(b"x"))
    assert (media / f"case-{case}.txt").exists()
