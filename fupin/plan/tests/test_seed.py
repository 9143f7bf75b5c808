"""The district's plan after `fupin seed-reference`: every measure with exactly the lead and cooperating
units the seed text names, in its order; tasks and units in place; loading twice changes nothing."""

from __future__ import annotations

import re

import pytest

from fupin.plan.models import Measure, MeasureUnit, Plan, Task, Unit
from fupin.plan.seed import SEED_DIR
from fupin.site.reference import seed_reference

SEED_TEXT = SEED_DIR / "yancheng-action-plan-2018-2020.txt"
UNITS_LINE = re.compile(r"^(牵头|协同)责任单位[:：](.*)$")


def seed_text_units() -> list[tuple[list[str], list[str]]]:
    """(lead units, cooperating units) of each measure, in the text's order, read from the text itself."""
    pairs: list[tuple[list[str], list[str]]] = []
    lead: list[str] = []
    for line in SEED_TEXT.read_text(encoding="utf-8").splitlines():
        match = UNITS_LINE.match(line.strip())
        if not match:
            continue
        names = [n.strip() for n in re.split(r"[、,，]", match.group(2)) if n.strip()]
        if match.group(1) == "牵头":
            lead = names
        else:
            pairs.append((lead, names))
    return pairs


@pytest.fixture
def seeded(db):
    seed_reference()
    return Plan.objects.get(code="yancheng-2018-2020")


def test_every_measure_has_the_units_the_seed_text_names(seeded):
    expected = seed_text_units()
    assert len(expected) == 23
    stored = []
    for measure in Measure.objects.filter(plan=seeded, responsibilities__isnull=False).distinct().order_by("order"):
        rows = MeasureUnit.objects.filter(measure=measure).select_related("unit").order_by("order")
        stored.append(([r.unit.name for r in rows if r.role == "lead"], [r.unit.name for r in rows if r.role == "cooperating"]))
    assert stored == expected


def test_the_plan_and_its_units_are_complete(seeded):
    assert (seeded.starts_year, seeded.ends_year, str(seeded.issued_on)) == (2018, 2020, "2018-11-26")
    assert Measure.objects.filter(plan=seeded).count() == 24  # 23 with units, and the infrastructure heading
    townships = Unit.objects.filter(kind="township")
    assert townships.count() > 5 and all(u.area.level == "township" for u in townships)
    group = Unit.objects.get(name="各镇人民政府")
    assert (group.kind, group.expands) == ("group", "townships")
    assert Unit.objects.get(name="市供电公司环城供电部").department is not None
    # A yearly task is one task per year of the plan from its first deadline.
    agreements = Task.objects.filter(plan=seeded, title="区、镇逐级签订年度脱贫攻坚责任书").order_by("year")
    assert [(t.year, str(t.deadline)) for t in agreements] == [(2018, "2018-03-31"), (2019, "2019-03-31"),
                                                               (2020, "2020-03-31")]
    assert Task.objects.get(plan=seeded, code="2.1.4-2").lead.name == "区文化旅游局"


def test_loading_again_changes_nothing(seeded):
    before = (list(Measure.objects.values_list("code", "title", "parent__code", "order")),
              list(MeasureUnit.objects.values_list("measure__code", "unit__name", "role", "order").order_by("pk")),
              list(Task.objects.values_list("code", "title", "deadline", "lead__name")), Unit.objects.count())
    seed_reference()
    after = (list(Measure.objects.values_list("code", "title", "parent__code", "order")),
             list(MeasureUnit.objects.values_list("measure__code", "unit__name", "role", "order").order_by("pk")),
             list(Task.objects.values_list("code", "title", "deadline", "lead__name")), Unit.objects.count())
    assert after[0] == before[0] and after[2] == before[2] and after[3] == before[3]
    assert sorted(after[1]) == sorted(before[1])
