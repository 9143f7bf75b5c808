from __future__ import annotations

import pytest

from fupin.assessment.services import policy_seed_defaults


@pytest.fixture
def policy(db):
    """The shipped policy parameters (project notices 10 days, overspend 10 %, idle 60 days)."""
    policy_seed_defaults()
