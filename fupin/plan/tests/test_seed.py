"""The district's plan after `fupin seed-reference`: every measure with exactly the lead and cooperating
units the seed text names, in its order; tasks and units in place; loading twice changes nothing, and keeps
what the office changed in the UI (in this plan or another)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from fupin.plan.editing import (
    MeasureInput,
    PlanInput,
    TaskInput,
    measure_create,
    measure_move,
    measure_update,
    plan_create,
    plan_update,
    task_create,
    task_retire,
    task_update,
)
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


def _plan_rows() -> Any:
    return (list(Plan.objects.order_by("pk").values()), list(Measure.objects.order_by("pk").values()),
            sorted(MeasureUnit.objects.values_list("measure_id", "unit_id", "role", "order")),
            list(Task.objects.order_by("pk").values()),
            sorted(Task.cooperating.through.objects.values_list("task_id", "unit_id")))


def test_loading_again_keeps_the_office_s_edits_and_leaves_other_plans_alone(seeded):
    unit = {u.name: u for u in Unit.objects.all()}
    later = plan_create(PlanInput("yancheng-2021-2023", "巩固拓展脱贫攻坚成果三年行动方案", 2021, 2023), actor=None)
    industry = measure_create(later, MeasureInput("1", "产业帮扶", leads=[unit["区农林局"]],
                                                  cooperating=[unit["各镇人民政府"]]), actor=None)
    task_create(later, TaskInput("1-1", "脱贫村主导产业全覆盖", date(2021, 12, 31), unit["区农林局"],
                                 cooperating=[unit["区财政局"]]), measure=industry, actor=None)
    # The office edits the seeded plan itself: its head, a measure and its units, a task, a retirement, an
    # added measure and task, and the order.
    plan_update(seeded, PlanInput(seeded.code, "郾城区三年行动计划（修订）", 2018, 2020), actor=None)
    road = Measure.objects.get(plan=seeded, code="2.1.1")
    measure_update(road, MeasureInput("2.1.1", "加大农村公路建设和管护力度", label=road.label,
                                      leads=[unit["区交通运输局"]], cooperating=[unit["区财政局"]]), actor=None)
    roads = Task.objects.get(plan=seeded, code="2.1.1-1")
    task_update(roads, TaskInput(roads.code, "全区所有自然村通硬化路", roads.deadline, roads.lead, target="100%"),
                actor=None)
    task_retire(Task.objects.get(plan=seeded, code="2.8-1"), reason="并入金融扶贫任务", actor=None)
    added = measure_create(seeded, MeasureInput("2.10", "防返贫动态监测", leads=[unit["区扶贫办"]]), actor=None)
    task_create(seeded, TaskInput("2.10-1", "建立防返贫监测机制", date(2020, 6, 30), unit["区扶贫办"]), measure=added,
                actor=None)
    measure_move(Measure.objects.get(plan=seeded, code="2.3"), up=True, actor=None)
    before = _plan_rows()
    seed_reference()
    assert _plan_rows() == before
    seeded.refresh_from_db()
    assert seeded.title == "郾城区三年行动计划（修订）"
    assert Task.objects.get(plan=seeded, code="2.8-1").status == "retired"
