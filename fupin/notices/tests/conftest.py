from __future__ import annotations

from datetime import date

import pytest

from fupin.accounts.models import Assignment
from fupin.workflow.tests.conftest import clock  # noqa: F401 (the frozen clock fixture)


@pytest.fixture
def personas(personas):
    """The personas, with assignments valid since 2000: the tests travel back to 2020."""
    Assignment.objects.update(valid_from=date(2000, 1, 1))
    return personas
