from __future__ import annotations

from pathlib import Path

import pytest

from fupin.accounts.models import Department
from fupin.plan.models import Plan, Task, Unit
from fupin.plan.seed import plan_seed

SMALL_PLAN = """
plan: {code: small, title: 小规划, starts_year: 2018, ends_year: 2019}
units:
  - {code: water, name: 区水利局}
groups:
  - {code: townships-government, name: 各镇人民政府, expands: townships}
measures:
  - code: "1"
    title: 教育脱贫
    lead: [区教体局]
    cooperating: [区水利局, 各镇人民政府]
    tasks:
      - {title: 控辍保学, deadline: 2018-06-30}
      - {title: 助学金发放, deadline: 2018-12-31, recurring: yearly}
  - code: "2"
    title: 饮水安全
    lead: [区水利局]
    cooperating: [各镇人民政府]
    tasks:
      - {title: 解决不安全饮水, deadline: 2019-12-31}
review:
  indicators:
    township:
      - {code: exits_vs_target, name: 脱贫任务, weight: 40, computed: true}
      - {code: returned_after_exit, name: 返贫情况, weight: 20, computed: true}
      - {code: reports_on_time, name: 按时报送, weight: 20, computed: true}
      - {code: satisfaction, name: 群众满意度, weight: 20}
    department:
      - {code: tasks_on_time, name: 任务按期完成, weight: 50, computed: true}
      - {code: reports_on_time, name: 按时报送, weight: 30, computed: true}
      - {code: satisfaction, name: 满意度, weight: 20}
"""


class SmallPlan:
    def __init__(self, personas, plan: Plan) -> None:
        self.personas = personas
        self.plan = plan
        self.education = Unit.objects.get(department__code="education")
        self.water = Unit.objects.get(name="区水利局")
        self.town_a = Unit.objects.get(area=personas.areas.town_a)
        self.town_b = Unit.objects.get(area=personas.areas.town_b)

    def task(self, title: str, year: int | None = None) -> Task:
        return Task.objects.get(plan=self.plan, title=title, year=year)


@pytest.fixture
def small_plan(personas, tmp_path: Path) -> SmallPlan:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_PLAN, encoding="utf-8")
    result = plan_seed(personas.areas.county, path)
    assert Department.objects.filter(name="区水利局").exists()
    return SmallPlan(personas, result.plan)
