"""``fupin seed-demo`` fills the measures module quickly: measures of every kind of source, open
suggestions, dismissals with reasons, coverage figures and this month's 爱心超市 list."""

from __future__ import annotations

from django.utils import timezone

from fupin.assessment.services import work_year
from fupin.core.testing import DEMO_SEED
from fupin.measures.coverage import coverage
from fupin.measures.demo import seed_demo_measures
from fupin.measures.models import Award, CreditRating, Loan, Measure, PointAccount, PointEntry, SuggestionDecision
from fupin.measures.suggestions import evaluate
from fupin.registry.models import Household


def test_seed_demo_fills_the_measures_module_quickly_and_again(demo_county):
    year = work_year()
    categories = set(Measure.objects.values_list("programme__category", flat=True))
    assert categories >= {"education", "health", "social", "industry", "jobs"}
    assert Measure.objects.filter(department__isnull=False).count() == Measure.objects.count()
    assert SuggestionDecision.objects.filter(decision="dismissed").exclude(reason="").exists()
    assert evaluate(Household.objects.filter(is_demo=True), year).suggestions  # some stay open for the helper
    cov = coverage(Household.objects.filter(is_demo=True), year)
    assert 0 < cov.total("with_measure") <= cov.total("households")
    month = timezone.localdate().replace(day=1)
    assert PointEntry.objects.filter(on__gte=month, kind="earn").exists()
    assert PointEntry.objects.filter(kind="redeem").exists()
    assert not PointAccount.objects.filter(balance__lt=0).exists()
    first = sorted(Measure.objects.values_list("household__household_no", "programme__code", "amount"))
    demo = list(Household.objects.filter(is_demo=True))
    for model in (Loan, Award, CreditRating):  # a loan keeps its ledger entry (RESTRICT)
        model.objects.all().delete()
    Measure.objects.all().delete()
    SuggestionDecision.objects.all().delete()
    PointEntry.objects.all().delete()
    PointAccount.objects.all().delete()
    seed_demo_measures(demo, seed=DEMO_SEED)  # deterministic: the same measures again
    assert sorted(Measure.objects.values_list("household__household_no", "programme__code", "amount")) == first
