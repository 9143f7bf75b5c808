"""The demo county's workflow data: histories that agree with the households, notices up now, helpers, teams.
(Seeding again gives the same rows: fupin/site/tests/test_demo_again.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from fupin.notices.models import Notice, Objection
from fupin.notices.selectors import on_display_filter
from fupin.registry.models import HelperAssignment, Household, WorkTeam, WorkTeamMember
from fupin.site.demo import seed_demo
from fupin.site.reference import seed_reference
from fupin.workflow.models import HouseholdTransition

HOUSEHOLD_TABLES = ('"registry_household"', '"registry_member"', '"registry_incomerecord"',
                    '"workflow_householdtransition"', '"registry_helperassignment"')


def _household_queries_of_demo(households: int) -> int:
    """Queries on the household tables during one demo seeding (rolled back afterwards). Counted as they run:
    Django's query log keeps only the last 9000, fewer than a whole demo makes."""
    count = 0

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += any(t in sql for t in HOUSEHOLD_TABLES)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted), transaction.atomic():
        seed_demo(households=households, seed=7)
        transaction.set_rollback(True)
    return count


# The queries are the demo code's (it has no engine of its own); SQLite splits a bulk write into more batches
# (at most 999 parameters a statement), so its half is the stricter: once, there (docs/testing.md).
@pytest.mark.engine_independent
def test_the_demo_writes_households_in_bulk(db):
    """Doubling the households must not add a query per household on the household tables (bulk writes; the
    modules that walk a few objects through their services, such as projects, are not on these tables)."""
    seed_reference()  # the real district's divisions
    small, large = _household_queries_of_demo(100), _household_queries_of_demo(200)
    assert large - small < 40, (small, large)


def test_the_demo_gives_households_histories_that_end_in_their_state(demo_county):
    households = {h.pk: h for h in Household.objects.filter(is_demo=True)}
    last: dict[int, HouseholdTransition] = {}
    for t in HouseholdTransition.objects.filter(household__is_demo=True).order_by("at", "pk"):
        previous = last.get(t.household_id)
        assert t.from_state == (previous.to_state if previous else None), (t.household_id, t.action)
        last[t.household_id] = t
    assert last and all(t.to_state == households[pk].status for pk, t in last.items())
    in_register = [h for h in households.values() if h.status is not None]
    assert {pk for pk, h in households.items() if h.status not in (None, "village_reviewed")} <= set(last)
    assert not HouseholdTransition.objects.filter(action="exit_propose", consent_by="").exists()

    today = timezone.localdate()
    showing = Notice.objects.filter(on_display_filter(today), is_demo=True)
    assert showing.filter(kind=Notice.Kind.EXIT).exists()
    assert Objection.objects.filter(notice__in=showing.filter(subject_type="registry.household"),
                                    status="open").count() == 1
    assert Objection.objects.filter(notice__in=showing, status="resolved").count() == 1
    # (Project announcements stay up after their period by design: fupin/projects/transitions.py.)
    assert not Notice.objects.filter(is_demo=True, status="open", ends_on__lt=today,
                                     subject_type="registry.household").exists()

    with_helper = set(HelperAssignment.objects.filter(ends_on__isnull=True).values_list("household_id", flat=True))
    assert {h.pk for h in in_register} <= with_helper
    villages = {h.village_id for h in households.values()}
    teams = WorkTeam.objects.filter(is_demo=True).annotate(
        secretaries=Count("members", filter=Q(members__role=WorkTeamMember.Role.FIRST_SECRETARY)))
    assert {t.village_id for t in teams} == villages and all(t.secretaries == 1 for t in teams)
