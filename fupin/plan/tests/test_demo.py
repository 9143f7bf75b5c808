"""`fupin seed-demo` fills the plan: reports, inspections, meetings, agreements and the yearly reviews, whose
indicators include those computed from the hotline, the projects and the help measures."""

from __future__ import annotations

from django.test import Client

from fupin.accounts.models import User
from fupin.plan.models import Indicator, Review, Score
from fupin.plan.review import reviewed_units

NEW = ("measure_coverage", "fund_spending", "hotline_on_time", "hotline_satisfaction")


def test_the_demo_reviews_show_the_indicators_from_the_other_modules(demo_county):
    open_review = Review.objects.get(status="draft")
    units = reviewed_units(open_review.plan)
    for code in NEW:
        indicators = Indicator.objects.filter(plan=open_review.plan, code=code)
        assert indicators.exists()
        for review in Review.objects.all():
            scored = set(Score.objects.filter(review=review, indicator__in=indicators).values_list("unit_id", flat=True))
            expected = {u.pk for u in units if indicators.filter(unit_kind=u.kind).exists()}
            assert scored == expected, (code, review.year)
    # The demo's help measures fall in the plan's last year: its open review scores coverage from them. (The demo
    # hotline and projects are dated this year, outside the 2018-2020 plan: there the basis says so.)
    coverage = Score.objects.filter(review=open_review, indicator__code="measure_coverage", score__isnull=False)
    assert coverage.exists() and all(s.basis.startswith("在册 ") for s in coverage)
    client = Client()
    client.force_login(User.objects.get(username="demo_office"))
    page = client.get(f"/plan/reviews/{open_review.year}/").content.decode()
    assert "扶贫热线回访满意度" in page and "帮扶措施和帮扶责任人覆盖" in page
