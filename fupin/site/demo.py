"""A deterministic synthetic demo county: fake people with valid ID numbers, in the real villages.

Everything made here is marked: households carry ``is_demo`` and a household number starting
with ``DEMO``, users carry ``is_demo``. Running it again replaces the demo households (same seed,
same data) and leaves real data alone. Rows are written in bulk: a few thousand households take
seconds, not minutes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from fupin.accounts.models import Department, User
from fupin.accounts.roles import Role
from fupin.accounts.services import assignment_create, user_create
from fupin.areas.models import Area
from fupin.assessment.models import PoorVillage, VillageFacts
from fupin.assessment.services import assess_county, policy_seed_defaults, work_year
from fupin.core import idnumber
from fupin.core.audit import Action, audit_record
from fupin.crosscheck.demo import seed_demo_crosscheck
from fupin.hotline.demo import hotline_demo_clear, seed_demo_hotline
from fupin.measures.demo import seed_demo_measures
from fupin.monitoring.demo import demo_monitoring_clear, seed_demo_monitoring
from fupin.plan.demo import (
    seed_demo_inspections,
    seed_demo_meetings_and_agreements,
    seed_demo_plan,
    seed_demo_reviews,
)
from fupin.projects.demo import clear_demo_projects, seed_demo_projects
from fupin.registry import codes
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.pinyin import pinyin_keys
from fupin.workflow.demo import seed_demo_workflow

DEMO_PASSWORD = "Fupin#Demo2018"  # noqa: S105 (the published password of the demo accounts)
DEMO_PREFIX = "DEMO"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国华军平明红英秀兰玉梅丽强伟刚勇杰涛磊芳娟敏静燕霞桂凤海波峰志成春雪冬晨宇浩然欣怡子涵梓轩一诺思远佳豪雨萱"
# (role, username, name, township index or None, department code or None)
DEMO_USERS: list[tuple[str, str, str, bool, str | None]] = [
    (Role.DISTRICT_ADMIN, "demo_admin", "区管理员(演示)", False, None),
    (Role.DISTRICT_OFFICER, "demo_office", "区扶贫办(演示)", False, None),
    (Role.TOWNSHIP_OFFICER, "demo_township", "乡镇干部(演示)", True, None),
    (Role.VILLAGE_CADRE, "demo_village", "村干部(演示)", True, None),
    (Role.WORK_TEAM, "demo_team", "驻村工作队(演示)", True, None),
    (Role.DEPARTMENT_OFFICER, "demo_education", "教体局(演示)", False, "education"),
    (Role.AUDITOR, "demo_auditor", "审计人员(演示)", False, None),
    (Role.DISCIPLINE_INSPECTOR, "demo_discipline", "纪检监察(演示)", False, None),
]
# In tenths of a percent. A village-reviewed household is a fresh application (一般农户 who applied): its
# village notice is on display now (fupin.workflow.demo gives it its two steps).
STATUS_WEIGHTS = [("registered", 300), ("exited", 520), ("returned", 30), ("exit_proposed", 30), (None, 113),
                  ("village_reviewed", 7)]
APPLYING = (None, "village_reviewed")  # not (yet) in the register


@dataclass(frozen=True)
class DemoResult:
    households: int
    members: int
    incomes: int
    users: list[tuple[str, str, str]]  # username, role label, area


def _pick_weighted(rng: random.Random, weights: list[tuple[Any, int]]) -> Any:
    return rng.choices([w[0] for w in weights], weights=[w[1] for w in weights])[0]


def _id_number(rng: random.Random, birth: date, female: bool, used: set[str]) -> str:
    while True:
        seq = rng.randrange(0, 999)
        if (seq % 2 == 0) != female:
            seq = (seq + 1) % 1000
        first17 = f"411103{birth:%Y%m%d}{seq:03d}"
        value = first17 + idnumber.check_character(first17)
        if value not in used:
            used.add(value)
            return value


def _birth(rng: random.Random, age: int, ref: date) -> date:
    return ref - timedelta(days=age * 365 + rng.randrange(0, 365))


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _family(rng: random.Random, ref: date) -> list[tuple[str, int, bool]]:
    """(relation, age, female) for a plausible household of 1 to 6 people."""
    head_age = rng.randint(28, 82)
    head_female = rng.random() < 0.2
    people = [("head", head_age, head_female)]
    if rng.random() < 0.8 and head_age < 78:
        people.append(("spouse", max(20, head_age + rng.randint(-5, 3)), not head_female))
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3)) if head_age < 65 else 0):
        female = rng.random() < 0.5
        people.append(("daughter" if female else "son", max(0, head_age - rng.randint(22, 34)), female))
    if head_age < 50 and rng.random() < 0.3:
        people.append(("mother", head_age + rng.randint(22, 30), True))
    return people


def _member(rng: random.Random, relation: str, age: int, female: bool, surname: str, used: set[str],
            ref: date) -> Member:
    birth = _birth(rng, age, ref)
    name = _name(rng, surname if relation in ("head", "son", "daughter") else None)
    full, initials = pinyin_keys(name)
    schooling = ""
    if 6 <= age <= 15:
        schooling = rng.choices(["primary", "grade_7", "grade_8", "grade_9", "dropped_out"], [60, 12, 12, 12, 1])[0]
        if age >= 13 and schooling == "primary":
            schooling = "grade_8"
    elif 16 <= age <= 18:
        schooling = rng.choice(["senior", "secondary_vocational", "not_in_school"])
    elif age >= 19:
        schooling = "not_in_school"
    health = rng.choices(["healthy", "chronic", "serious", "disabled"], [70, 18, 6, 6])[0]
    labour = "none" if age < 16 or age > 70 else rng.choices(["ordinary", "skilled", "weak", "lost"], [55, 15, 20, 10])[0]
    return Member(
        name=name, name_pinyin=full, name_initials=initials, id_number=_id_number(rng, birth, female, used),
        sex="F" if female else "M", birth_date=birth, relation=relation, ethnicity="汉族",
        education="preschool_child" if age < 6 else rng.choice(["illiterate", "primary", "junior", "senior"]),
        schooling=schooling, health=health, disability_level=rng.choice("1234") if health == "disabled" else "",
        labour=labour, work_location="not_working" if labour == "none" else rng.choice([c.value for c in codes.WorkLocation]),
        medical_insurance=rng.random() > 0.02, serious_illness_insurance=rng.random() > 0.05,
        pension_insurance=age >= 16 and rng.random() > 0.2, dibao=False, extreme_poverty_support=False,
    )


def _income(rng: random.Random, year: int, size: int, poor: bool) -> dict[str, Decimal]:
    base = rng.uniform(2000, 3600) if poor else rng.uniform(3800, 9000)
    net = base * size * (1 + (year - 2017) * 0.12)
    wage = net * rng.uniform(0.4, 0.7)
    business = net * rng.uniform(0.1, 0.3)
    transfer = net - wage - business + 200
    expense = Decimal(rng.randint(100, 600))

    def money(x: float) -> Decimal:
        return Decimal(str(round(max(x, 0), 2)))

    return {"wage_income": money(wage), "business_income": money(business), "property_income": money(100),
            "transfer_income": money(transfer), "business_expense": expense,
            "medical_out_of_pocket": money(rng.uniform(0, 3000)), "education_expense": money(rng.uniform(0, 1500)),
            "disaster_loss": Decimal("0.00")}


def _household(rng: random.Random, village: Area, number: int) -> Household:
    status = _pick_weighted(rng, STATUS_WEIGHTS)
    registered = status not in APPLYING
    attribute = "ordinary" if not registered else rng.choices(
        ["general_poor", "dibao_poor", "tekun_poor", "dibao_tekun_poor"], [70, 20, 6, 4])[0]
    identified = rng.choice([2014, 2015, 2016, 2017]) if registered else None
    exit_year = rng.choice([y for y in (2016, 2017, 2018, 2019) if y >= (identified or 0)]) if status in (
        "exited", "returned") else None
    grade = rng.choices(["A", "B", "C", "D"], [40, 45, 10, 5])[0]
    return Household(
        household_no=f"{DEMO_PREFIX}{village.code}{number:04d}", village=village, attribute=attribute,
        main_cause=rng.choice([c.value for c in codes.Cause]) if registered else "",
        identified_year=identified, status=status, exit_year=exit_year,
        food_secure=rng.random() > 0.03, clothing_secure=rng.random() > 0.03, housing_grade=grade,
        housing_renovated=grade in ("C", "D") and rng.random() > 0.3, relocated=rng.random() < 0.03,
        safe_water=rng.random() > 0.04, phone=f"13{rng.randint(100000000, 999999999)}", is_demo=True,
    )


@transaction.atomic
def seed_demo(*, households: int = 3000, seed: int = 2018,
              progress: Callable[[int], None] | None = None) -> DemoResult:
    rng = random.Random(seed)
    ref = date(2018, 12, 31)
    villages = list(Area.objects.filter(level="village", valid_to__isnull=True, name__contains="村民委员会")
                    .order_by("code"))
    if not villages:
        villages = list(Area.objects.filter(level="village", valid_to__isnull=True).order_by("code"))
    if not villages:
        raise RuntimeError("no villages: run seed-reference first")
    hotline_demo_clear()  # before the demo notices and households its tickets point at
    clear_demo_projects()  # they point at demo households
    demo_monitoring_clear()
    Household.objects.filter(is_demo=True).delete()
    used = set(Member.objects.values_list("id_number", flat=True))
    counters: dict[int, int] = {}
    house_rows: list[Household] = []
    families: list[list[tuple[str, int, bool]]] = []
    for _ in range(households):
        village = rng.choice(villages)
        counters[village.pk] = counters.get(village.pk, 0) + 1
        house_rows.append(_household(rng, village, counters[village.pk]))
        families.append(_family(rng, ref))
    Household.objects.bulk_create(house_rows, batch_size=2000)
    members: list[Member] = []
    incomes: list[IncomeRecord] = []
    for i, (house, family) in enumerate(zip(house_rows, families, strict=True)):
        surname = rng.choice(SURNAMES)
        for relation, age, female in family:
            member = _member(rng, relation, age, female, surname, used, ref)
            member.household = house
            members.append(member)
        poor = house.status in ("registered", "returned", "exit_proposed")
        for year in range(2017, 2021):
            incomes.append(IncomeRecord(household=house, year=year, **_income(rng, year, len(family), poor)))
        if progress and (i + 1) % 500 == 0:
            progress(i + 1)
    Member.objects.bulk_create(members, batch_size=2000)
    IncomeRecord.objects.bulk_create(incomes, batch_size=2000)
    policy_seed_defaults()
    seed_demo_workflow(house_rows, seed=seed)
    users = _demo_users(villages, house_rows)
    seed_demo_hotline(house_rows, seed=seed)
    _demo_villages(rng, villages)
    assess_county(work_year())
    seed_demo_crosscheck(work_year(), seed=seed, actor=User.objects.filter(username="demo_admin").first())
    seed_demo_plan(seed=seed)
    seed_demo_inspections(seed=seed)
    seed_demo_meetings_and_agreements(seed=seed)
    seed_demo_projects(house_rows, seed=seed)
    seed_demo_monitoring(seed=seed)
    seed_demo_measures(house_rows, seed=seed)
    seed_demo_reviews(seed=seed)  # last: its indicators read the hotline, projects and measures
    audit_record(actor=None, action=Action.CREATE, object_type="registry.household", object_label="seed-demo",
                 changes={"demo_households": len(house_rows), "members": len(members), "seed": seed})
    return DemoResult(len(house_rows), len(members), len(incomes), users)


def _demo_villages(rng: random.Random, villages: list[Area]) -> None:
    """Poor villages (every twelfth demo village; two exit in 2018, the rest by 2020) and the
    village exit facts of 2018-2020 for every village. Existing rows are left alone."""
    poor = villages[::12]
    exit_years = ([2018, 2018] + [rng.choice((2019, 2020)) for _ in poor[2:]])[:len(poor)]
    PoorVillage.objects.bulk_create([PoorVillage(village=v, designated_year=2014, exit_year=y)
                                     for v, y in zip(poor, exit_years, strict=True)], ignore_conflicts=True)
    facts = []
    for village in villages:
        population = rng.randint(1200, 3600)
        for year in (2018, 2019, 2020):
            done = year >= 2019 or rng.random() < 0.8
            facts.append(VillageFacts(
                village=village, year=year, population=population + (year - 2018) * rng.randint(-20, 20),
                hardened_road=True, bus_service=done or rng.random() < 0.5, safe_water=done, power=True,
                broadband=done, television=True, cultural_centre=done, clinic=True, qualified_doctor=True,
                collective_income=Decimal(rng.randint(20, 120) * 1000)))
    VillageFacts.objects.bulk_create(facts, batch_size=2000, ignore_conflicts=True)


def _demo_users(villages: list[Area], households: list[Household]) -> list[tuple[str, str, str]]:
    county = Area.objects.get(level="county", code="411103000000", valid_to__isnull=True)
    busiest = max(villages, key=lambda v: sum(1 for h in households if h.village_id == v.pk))
    township = busiest.parent
    assert township is not None
    made = []
    for role, username, name, local, dept_code in DEMO_USERS:
        area = county if not local else (township if role == Role.TOWNSHIP_OFFICER else busiest)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, password=DEMO_PASSWORD, name=name, is_demo=True)
        department = Department.objects.get(code=dept_code) if dept_code else None
        if not user.assignments.filter(role=role, area=area).exists():
            assignment_create(user=user, role=role, area=area, department=department)
        made.append((username, str(Role(role).label), area.name))
    return made
