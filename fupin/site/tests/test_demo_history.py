"""The demo county's year of edits (issue 16): a newcomer signing in as the village cadre finds households of their
village with a filled change history (变更记录), made through the editing services."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from fupin.accounts.models import User
from fupin.registry.models import Change, Household, Member


@pytest.fixture
def demo(demo_county):  # the demo county seeded once for the demo tests, this test in a savepoint
    return User.objects.get(username="demo_village")


def test_the_demo_records_births_deaths_marriages_water_incomes_through_the_services(demo):
    today = timezone.localdate()
    changes = Change.objects.filter(household__is_demo=True)
    kinds = {(c.event, c.field, c.new if c.field in ("removal_reason", "safe_water") else None)
             for c in changes}
    assert {("birth", "*", None), ("married_in", "*", None), ("removed", "removal_reason", "death"),
            ("removed", "removal_reason", "married_out"), ("edit", "safe_water", True),
            ("income", "wage_income", None), ("head_change", "relation", None), ("edit", "dibao", None)} <= kinds
    assert 15 <= changes.values("batch").distinct().count() <= 40  # a few dozen edits, whatever the demo's size
    assert all(c.valid_from < today and c.valid_from.year > (c.household.identified_year or 0) and c.reason
               and c.source == "demo" for c in changes.select_related("household"))
    # Born within the year before it was recorded, with a valid ID number; a member who left keeps their row.
    for change in changes.filter(event="birth"):
        baby = Member.everyone.get(pk=change.member_id or 0)
        assert 0 <= (change.valid_from - baby.birth_date).days <= 366 and baby.relation != "head"
    assert Member.everyone.filter(household__is_demo=True, removal_reason="death").count() == 1
    # The versions moved with the edits.
    edited = changes.values("household").annotate(batches=Count("batch", distinct=True))
    versions = dict(Household.objects.filter(pk__in=[e["household"] for e in edited]).values_list("pk", "version"))
    assert all(versions[e["household"]] == 1 + e["batches"] for e in edited)


def test_the_village_cadre_finds_a_household_of_their_village_with_its_history(client, demo):
    village = demo.active_assignments[0].area
    mine = Change.objects.filter(household__village=village, actor=demo)
    assert mine.values("household").distinct().count() >= 3
    first = Household.objects.filter(village=village, changes__isnull=False).order_by("household_no").first()
    assert first is not None
    assert set(Change.objects.filter(household=first).values_list("event", flat=True)) == {"edit", "birth", "income"}
    client.force_login(demo)
    html = client.get(f"/registry/households/{first.pk}/").content.decode()
    history = re.sub(r"<[^>]+>", "", html.split('data-section="history"')[1].split("</section>")[0])
    for expected in ("新增成员", "（新生儿）", "饮水安全：否 → 是", "饮水安全：是 → 否", "年度 · 工资性收入", "村干部(演示)",
                     "演示数据", "村集中供水工程通水"):
        assert expected in history, expected
    birth = Change.objects.select_related("member").get(household=first, event="birth")
    assert birth.member is not None
    baby = birth.member.name

    def members_on(day: date) -> str:
        page: str = client.get(f"/registry/households/{first.pk}/", {"as_of": day.isoformat()}).content.decode()
        return page.split('data-section="members"')[1].split("</section>")[0]

    assert baby not in members_on(birth.valid_from - timedelta(days=1))
    assert baby in members_on(birth.valid_from)
