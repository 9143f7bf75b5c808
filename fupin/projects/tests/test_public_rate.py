"""Public objections to project notices: ``FUPIN_PUBLIC_OBJECTIONS_PER_HOUR`` from one address hold for the hour.

They are counted in the database (``PublicSubmission``, a keyed hash of the address and the moment), over the
hour before each one: the sixth within 59 minutes is refused and one after the hour is taken.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fupin.core.errors import DomainError
from fupin.notices.models import Notice, Objection
from fupin.projects.services import public_objection
from fupin.projects.tests.factories import proposed, unit

pytestmark = pytest.mark.django_db


def test_the_sixth_objection_within_the_hour_is_refused_and_one_after_it_is_taken(areas, households, policy,
                                                                                  settings):
    settings.FUPIN_PUBLIC_OBJECTIONS_PER_HOUR = 5
    project = proposed(areas.village_a2, unit(areas.county), name="乙村道路硬化", ago=1)
    notice = Notice.objects.get(kind="project_village", subject_id=project.pk)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for minutes in (0, 10, 20, 35, 50):
            traveller.move_to(start + timedelta(minutes=minutes))
            public_objection(notice, text=f"第 {minutes} 分钟", address="203.0.113.9")
        traveller.move_to(start + timedelta(minutes=59))
        with pytest.raises(DomainError) as refused:
            public_objection(notice, text="第六条", address="203.0.113.9")
        assert refused.value.code == "RATE_LIMITED"
        public_objection(notice, text="另一地址", address="203.0.113.10")
        traveller.move_to(start + timedelta(minutes=61))
        public_objection(notice, text="一小时后", address="203.0.113.9")
    assert Objection.objects.filter(notice=notice).count() == 7
