"""The demo county's workflow data: histories that agree with the households, notices up now, helpers, teams."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from fupin.notices.models import Notice, Objection
from fupin.notices.selectors import on_display_filter
from fupin.registry.models import HelperAssignment, Household, WorkTeam, WorkTeamMember
from fupin.site.demo import seed_demo
from fupin.site.reference import seed_reference
from fupin.workflow.models import HouseholdTransition


@pytest.fixture
def county(db):
    """The real district's divisions, as ``fupin seed-reference`` loads them."""
    seed_reference()


def test_the_demo_gives_households_histories_that_end_in_their_state(county, django_assert_max_num_queries):
    # 600 for the registry and workflow demo (set-based: it must not grow per household), plus the
    # projects demo's fixed ~2,600: twelve projects walked through the real services step by step.
    with django_assert_max_num_queries(3300):
        seed_demo(households=300, seed=7)
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


def test_seeding_the_demo_again_replaces_its_workflow_data(county):
    seed_demo(households=60, seed=3)
    counts = (HouseholdTransition.objects.count(), Notice.objects.count(), HelperAssignment.objects.count(),
              WorkTeam.objects.count())
    seed_demo(households=60, seed=3)
    assert (HouseholdTransition.objects.count(), Notice.objects.count(), HelperAssignment.objects.count(),
            WorkTeam.objects.count()) == counts
