from __future__ import annotations

import os

import pytest

from fupin.core.testing import Areas, Personas, build_areas, build_personas, make_household

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls made by the
# test itself are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_and_immediate(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def areas(db) -> Areas:
    return build_areas()


@pytest.fixture
def personas(areas) -> Personas:
    return build_personas(areas)


@pytest.fixture
def households(areas):
    """One household in each village: a1, a2 (same township) and b1 (another township)."""
    return {
        "a1": make_household(areas.village_a1, "H-A1-0001"),
        "a2": make_household(areas.village_a2, "H-A2-0001"),
        "b1": make_household(areas.village_b1, "H-B1-0001"),
    }
