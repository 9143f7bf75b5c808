"""信用户, 信用村, 信用乡镇: ratings and their rules, the village and township standing at its boundaries;
自强之星 and 星级评定 awards with their 爱心超市 points."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from fupin.assessment.services import policy_version_create, policy_version_publish
from fupin.core.errors import BadInput
from fupin.core.testing import make_household
from fupin.measures.credit import LoanInput, loan_create, repayment_record
from fupin.measures.credit_selectors import credit_standing, household_credit
from fupin.measures.models import Award, AwardCategory, CreditRating, PointEntry, PointRule
from fupin.measures.ratings import award_grant, rating_record
from fupin.measures.services import balance_of, points_earn

pytestmark = pytest.mark.django_db
TODAY = date(2021, 6, 30)
D = Decimal


def rate(h, grade="AA", on=date(2021, 3, 1), today=TODAY):
    return rating_record(h, grade=grade, rated_on=on, evaluator="村信用评定小组", actor=None, today=today)


def lend(h, amount, disbursed, term=36):
    return loan_create(h, LoanInput(bank="邮储银行", amount=D(amount), term_months=term, interest_rate=D("0.0475"),
                                    use="planting", disbursed_on=disbursed), actor=None, today=TODAY)


def refused(code, fn, *args, **kw):
    before = (CreditRating.objects.count(), Award.objects.count(), PointEntry.objects.count())
    with pytest.raises(BadInput) as exc:
        fn(*args, **kw)
    assert exc.value.code == code, exc.value.message
    assert (CreditRating.objects.count(), Award.objects.count(), PointEntry.objects.count()) == before


def village_of(areas, households, count):
    """Village a1 with ``count`` households in the register (the fixture's one included)."""
    return [households["a1"]] + [make_household(areas.village_a1, f"H-A1-1{i:03d}") for i in range(count - 1)]


def standing(user, today=TODAY):
    s = credit_standing(user, today)
    return {v.village: v for v in s.villages}, {t.township: t for t in s.townships}


def test_a_rating_holds_for_its_period_and_needs_no_overdue_loan(policy, households, personas):
    h = households["a1"]
    r = rating_record(h, grade="AAA", rated_on=date(2021, 3, 1), evaluator="甲村信用评定小组",
                      actor=personas.cadre_a1, today=TODAY)
    assert (r.valid_until, r.rated_by) == (date(2022, 2, 28), personas.cadre_a1)
    assert household_credit(h.pk, TODAY).is_credit_household
    assert not household_credit(h.pk, date(2022, 3, 1)).is_credit_household  # expired
    refused("RATING_SAME_DAY", rate, h, "AA", date(2021, 3, 1))
    refused("RATING_IN_FUTURE", rate, h, "AA", date(2021, 7, 1))
    refused("GRADE_UNKNOWN", rate, h, "B")
    late = households["a2"]
    lend(late, "10000", date(2019, 1, 1), term=12)  # overdue since 2020-01-01
    refused("RATING_HAS_OVERDUE", rate, late, "A")
    assert rate(late, "none").grade == "none"  # evaluated and not rated: allowed
    outside = households["b1"]
    outside.status = None
    outside.attribute = "ordinary"
    outside.save(update_fields=["status", "attribute"])
    refused("HOUSEHOLD_NOT_ELIGIBLE", rate, outside)


def test_the_latest_rating_in_force_decides(policy, households):
    h = households["a1"]
    rate(h, "AA", date(2020, 9, 1))
    rate(h, "none", date(2021, 2, 1))
    assert not household_credit(h.pk, TODAY).is_credit_household
    rate(h, "A", date(2021, 5, 1))
    rating = household_credit(h.pk, TODAY).rating
    assert rating is not None and rating.grade == "A"


def test_a_village_is_a_credit_village_from_the_required_share_of_credit_households(policy, areas, households,
                                                                                    personas):
    homes = village_of(areas, households, 10)
    for h in homes[:6]:
        rate(h)
    rate(homes[6], "none")
    villages, _ = standing(personas.officer)
    a1 = villages["甲村民委员会"]
    assert (a1.households, a1.rated, a1.is_credit_village) == (10, 6, False)  # 60 % < 70 %
    rate(homes[6], "A", date(2021, 4, 1))  # the later rating replaces "不予评定"
    villages, _ = standing(personas.officer)
    assert (villages["甲村民委员会"].rated, villages["甲村民委员会"].is_credit_village) == (7, True)  # exactly 70 %
    assert not standing(personas.officer, date(2022, 3, 1))[0]["甲村民委员会"].is_credit_village  # ratings expired
    candidate = make_household(areas.village_a1, "H-A1-9999", status=None)  # not in the register: not counted
    assert candidate and standing(personas.officer)[0]["甲村民委员会"].households == 10
    version = policy_version_create(year=2021, values={"credit_village_household_share": "0.75"}, reason="本地标准",
                                    actor=None)
    policy_version_publish(version, actor=None)
    assert not standing(personas.officer)[0]["甲村民委员会"].is_credit_village


def test_overdue_loans_above_their_share_of_the_balance_keep_a_village_out(policy, areas, households, personas):
    homes = village_of(areas, households, 2)
    for h in homes:
        rate(h)
    late = lend(homes[0], "2500", date(2019, 1, 1), term=12)  # overdue since 2020-01-01
    normal = lend(homes[1], "47500", date(2021, 1, 4))
    village = standing(personas.officer)[0]["甲村民委员会"]
    assert (village.outstanding, village.overdue, village.is_credit_village) == (D("50000"), D("2500"), True)  # 5 %
    repayment_record(normal, paid_on=date(2021, 6, 1), principal=D("0.01"), interest=D(0), actor=None, today=TODAY)
    village = standing(personas.officer)[0]["甲村民委员会"]
    assert (village.overdue_ok, village.is_credit_village) == (False, False)  # 2,500 of 49,999.99: above 5 %
    repayment_record(late, paid_on=date(2021, 6, 2), principal=D("2500"), interest=D(0), actor=None, today=TODAY)
    assert standing(personas.officer)[0]["甲村民委员会"].is_credit_village  # settled: no overdue balance


def test_a_township_is_a_credit_township_from_the_share_of_credit_villages(policy, households, personas):
    rate(households["a1"])
    rate(households["b1"])
    villages, townships = standing(personas.officer)
    assert villages["甲村民委员会"].is_credit_village and not villages["乙村民委员会"].is_credit_village
    assert (townships["孟庙镇"].counted, townships["孟庙镇"].credit_villages) == (2, 1)
    assert townships["孟庙镇"].is_credit_township  # 1 of 2 = 50 %: at the parameter
    assert townships["商桥镇"].is_credit_township  # 1 of 1
    version = policy_version_create(year=2021, values={"credit_township_village_share": "0.51"}, reason="本地标准",
                                    actor=None)
    policy_version_publish(version, actor=None)
    assert not standing(personas.officer)[1]["孟庙镇"].is_credit_township
    other = households["a2"]  # a village without households in the register does not count against the township
    other.status = None
    other.attribute = "ordinary"
    other.save(update_fields=["status", "attribute"])
    assert standing(personas.officer)[1]["孟庙镇"].is_credit_township


def test_only_townships_seen_whole_are_judged(policy, households, personas):
    rate(households["a1"])
    villages, townships = standing(personas.cadre_a1)
    assert list(villages) == ["甲村民委员会"] and townships == {}
    villages, townships = standing(personas.township_a)
    assert set(villages) == {"甲村民委员会", "乙村民委员会"} and list(townships) == ["孟庙镇"]


def test_an_award_earns_its_rule_s_points_once_a_year(policy, households, personas):
    h = households["a1"]
    star = AwardCategory.objects.get(code="self_reliance_star")
    award = award_grant(h, star, year=2020, awarded_on=date(2021, 1, 15), reason="发展养殖脱贫", actor=personas.cadre_a1,
                        approving_unit="孟庙镇人民政府", today=TODAY)
    entry = award.point_entry
    assert entry is not None and entry.rule is not None
    assert (award.title, entry.points, entry.rule.code) == ("2020年度自强之星", 20, "award_self_reliance")
    assert balance_of(h) == 20
    refused("AWARD_DUPLICATE", award_grant, h, star, year=2020, awarded_on=date(2021, 2, 1), reason="再次",
            approving_unit="孟庙镇人民政府", actor=None, today=TODAY)
    award_grant(h, star, year=2021, awarded_on=date(2021, 6, 1), reason="带动邻里", approving_unit="郾城区扶贫办",
                actor=None, today=TODAY)
    assert balance_of(h) == 40
    honour = AwardCategory.objects.get(code="honour_exit")  # a category without a points rule
    assert award_grant(h, honour, year=2020, awarded_on=date(2021, 1, 1), reason="稳定脱贫", approving_unit="孟庙镇",
                       actor=None, today=TODAY).point_entry is None
    assert balance_of(h) == 40
    assert [a.title for a in household_credit(h.pk, TODAY).awards] == ["2021年度自强之星", "2020年度自强之星",
                                                                      "2020年度光荣脱贫户"]


def test_stars_belong_to_star_ratings_and_awards_follow_their_rules(policy, households):
    h = households["a1"]
    stars = AwardCategory.objects.get(code="star_household")
    title = AwardCategory.objects.get(code="self_reliance_star")
    common: dict[str, Any] = {"awarded_on": date(2021, 1, 15), "reason": "院落整洁", "approving_unit": "甲村村委会", "actor": None,
              "today": TODAY}
    refused("STARS_INVALID", award_grant, h, stars, year=2020, **common)
    refused("STARS_INVALID", award_grant, h, stars, year=2020, stars=6, **common)
    refused("STARS_NOT_APPLICABLE", award_grant, h, title, year=2020, stars=3, **common)
    refused("AWARD_YEAR_INVALID", award_grant, h, title, year=2022, **common)
    refused("AWARD_IN_FUTURE", award_grant, h, title, year=2021, **{**common, "awarded_on": date(2021, 7, 1)})
    refused("AWARD_INCOMPLETE", award_grant, h, title, year=2020, **{**common, "approving_unit": " "})
    award = award_grant(h, stars, year=2020, stars=5, **common)
    assert award.point_entry is not None
    assert (award.title, award.point_entry.points) == ("2020年度星级户评定（5星）", 10)


def test_an_award_s_points_rule_is_not_earned_by_hand(policy, households, personas, client):
    h = households["a1"]
    rule = PointRule.objects.get(code="award_self_reliance")
    with pytest.raises(BadInput) as exc:
        points_earn(h, rule, on=TODAY, actor=personas.cadre_a1)
    assert exc.value.code == "RULE_BY_AWARD" and balance_of(h) == 0
    client.force_login(personas.cadre_a1)
    page = client.get(f"/measures/households/{h.pk}/").content.decode()
    earn = page.split('data-testid="earn-form"')[1].split("</form>")[0]
    assert 'value="tidy"' in earn and "award_self_reliance" not in earn
