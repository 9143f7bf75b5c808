"""``fupin seed-demo`` shows loans in every state, credit villages and townships, and awards with their
爱心超市 points; the same seed gives the same rows."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from fupin.accounts.models import User
from fupin.core.testing import DEMO_SEED
from fupin.measures.credit_selectors import annotate_state, credit_standing
from fupin.measures.demo import seed_demo_measures
from fupin.measures.models import Award, CreditRating, Loan, Measure, PointAccount, PointEntry, SuggestionDecision
from fupin.registry.models import Household


def _rows():
    return {
        "loans": sorted(Loan.objects.values_list("household__household_no", "contract_no", "amount", "disbursed_on",
                                                 "due_on", "principal_repaid", "interest_repaid", "settled_on")),
        "ratings": sorted(CreditRating.objects.values_list("household__household_no", "grade", "rated_on")),
        "awards": sorted(Award.objects.values_list("household__household_no", "category__code", "year", "stars",
                                                   "point_entry__points")),
    }


def test_the_demo_shows_loans_ratings_and_awards_and_again_the_same(demo_county):
    today = timezone.localdate()
    loans = annotate_state(Loan.objects.all(), today)
    states = set(loans.values_list("state", flat=True))  # type: ignore[misc]
    assert states == {"normal", "overdue", "settled", "extended"}
    assert not Loan.objects.filter(measure__programme__code="micro_credit").exclude(
        measure__household=F("household")).exists()
    assert Loan.objects.count() == Measure.objects.filter(loan__isnull=False).count()
    overdue = {hid for hid, state in loans.values_list("household_id", "state")  # type: ignore[misc]
               if state == "overdue"}
    assert not CreditRating.objects.filter(household_id__in=overdue).exclude(grade="none").exists()
    admin = User.objects.get(username="demo_admin")
    standing = credit_standing(admin, today)
    assert any(v.is_credit_village for v in standing.villages)
    assert any(not v.is_credit_village for v in standing.villages if v.households)
    assert any(t.is_credit_township for t in standing.townships)
    assert Award.objects.filter(point_entry__isnull=False).exists() and Award.objects.filter(stars__gte=3).exists()
    assert not PointAccount.objects.filter(balance__lt=0).exists()
    first = _rows()
    demo = list(Household.objects.filter(is_demo=True))
    for model in (Loan, Award, CreditRating, Measure, SuggestionDecision, PointEntry, PointAccount):
        model.objects.all().delete()
    seed_demo_measures(demo, seed=DEMO_SEED)
    assert _rows() == first
