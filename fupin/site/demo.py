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
from django.utils import timezone

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
from fupin.registry.editing import (
    Edit,
    head_change,
    household_update,
    income_save,
    income_years,
    member_add,
    member_remove,
    member_update,
)
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
    _demo_edits(house_rows, _busiest_village(villages, house_rows), seed=seed, used=used)
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


def _busiest_village(villages: list[Area], households: list[Household]) -> Area:
    """The village with the most demo households: the demo village cadre's and work team's."""
    return max(villages, key=lambda v: sum(1 for h in households if h.village_id == v.pk))


def _demo_users(villages: list[Area], households: list[Household]) -> list[tuple[str, str, str]]:
    county = Area.objects.get(level="county", code="411103000000", valid_to__isnull=True)
    busiest = _busiest_village(villages, households)
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


# --- a year of edits (动态管理): the change history of the household file (issue 16) -----------------------------

IN_REGISTER = ("registered", "exit_proposed", "exited", "returned")
OTHER_HOUSEHOLDS = 150


@dataclass(frozen=True)
class _Person:
    pk: int
    household_id: int
    name: str
    relation: str
    female: bool
    birth: date

    def age(self, day: date) -> int:
        return day.year - self.birth.year - ((day.month, day.day) < (self.birth.month, self.birth.day))


class _DemoEdits:
    """Edits through the editing services (``fupin.registry.editing``), as the demo village cadre makes them in the
    cadre's village (the other households' as the system): each with a day it became true before today and after
    the household's identification, and a reason. Deterministic for a seed and a day; a few dozen, whatever the
    demo's size, so they cost the same on every seeding."""

    def __init__(self, households: list[Household], village: Area, *, seed: int, used: set[str]) -> None:
        self.rng = random.Random(seed * 7919 + 16)
        self.today = timezone.localdate()
        self.used = used
        self.cadre = User.objects.filter(username="demo_village").first()
        register = sorted((h for h in households if h.status in IN_REGISTER), key=lambda h: h.household_no)
        self.local = [h for h in register if h.village_id == village.pk]
        # The other villages' households, for a story the cadre's village has nobody for: a bounded few, so the
        # people read for the stories do not grow with the demo.
        self.pool = self.local + [h for h in register if h.village_id != village.pk][:OTHER_HOUSEHOLDS]
        self.busy: set[int] = set()
        ids = [h.pk for h in self.pool]
        self.people: dict[int, list[_Person]] = {}
        for row in Member.objects.filter(household_id__in=ids).order_by("pk").values_list(
                "pk", "household_id", "name", "relation", "sex", "birth_date"):
            self.people.setdefault(row[1], []).append(_Person(row[0], row[1], row[2], row[3], row[4] == "F", row[5]))
        self.count = 0

    def edit(self, household: Household, days_ago: int, reason: str) -> Edit:
        day = self.today - timedelta(days=max(days_ago, 0))
        self.count += 1
        local = household.village_id == self.local[0].village_id if self.local else False
        return Edit(actor=self.cadre if local else None, version=None, valid_from=day, reason=reason, source="demo")

    def pick(self, wanted: Callable[[Household, list[_Person]], _Person | None]) -> tuple[Household, _Person] | None:
        """The first household (the cadre's village first) with a person ``wanted`` names, one story each."""
        for household in self.pool:
            if household.pk in self.busy:
                continue
            person = wanted(household, self.people.get(household.pk, []))
            if person is not None:
                self.busy.add(household.pk)
                return household, person
        return None

    def member(self, wanted: Callable[[_Person, list[_Person]], bool]) -> tuple[Household, Member] | None:
        """The first household with a person ``wanted`` names (given the person and the household's people), and
        that member."""
        found = self.pick(_first_who(wanted))
        return (found[0], Member.objects.get(pk=found[1].pk)) if found is not None else None

    def birth(self, household: Household, days_ago: int) -> None:
        born = self.today - timedelta(days=days_ago)
        people = self.people.get(household.pk, [])
        head = next((p for p in people if p.relation == "head"), None)
        female = self.rng.random() < 0.5
        old = head is not None and head.age(born) >= 45
        relation = ("granddaughter" if female else "grandson") if old else ("daughter" if female else "son")
        surname = head.name[0] if head is not None else None
        member_add(household, {"name": _name(self.rng, surname), "relation": relation, "ethnicity": "汉族",
                               "education": "preschool_child", "health": "healthy", "labour": "none"},
                   _id_number(self.rng, born, female, self.used), "birth",
                   self.edit(household, days_ago - self.rng.randint(5, 15), "新生儿落户"))

    def income(self, household: Household, days_ago: int) -> IncomeRecord:
        size = len(self.people.get(household.pk, [])) or 1
        year = income_years()[0]  # the work year: the income line the exit standards read
        values = _income(self.rng, year, size, household.status in ("registered", "exit_proposed"))
        days_ago = min(days_ago, (self.today - date(self.today.year, 1, 1)).days)
        return income_save(household, year, values, self.edit(household, days_ago, "年度收入核算"))


def _first_who(wanted: Callable[[_Person, list[_Person]], bool]) -> Callable[[Household, list[_Person]],
                                                                             _Person | None]:
    """A household's first person ``wanted`` names (given the person and the household's people)."""
    def first(household: Household, people: list[_Person]) -> _Person | None:
        return next((p for p in people if wanted(p, people)), None)
    return first


def _head(household: Household, people: list[_Person]) -> _Person | None:
    return next((p for p in people if p.relation == "head"), None)


def _demo_edits(households: list[Household], village: Area, *, seed: int, used: set[str]) -> int:
    """A year of the registry's dynamic management. The first household of the cadre's village has its water
    checked and fixed, a baby, and this year's income line entered and corrected; the next households (of the
    village first) have births, a death, a daughter married out, a daughter-in-law married in, a new head, 低保,
    a pupil gone on to senior school, a renovated house, and this year's income lines. Returns the edits made."""
    demo = _DemoEdits(households, village, seed=seed, used=used)
    if not demo.pool:
        return 0
    rng = demo.rng
    first = demo.pool[0]
    demo.busy.add(first.pk)
    household_update(first, {"safe_water": False}, demo.edit(first, 300, "入户核查：井水水质检测不达标"))
    household_update(first, {"safe_water": True}, demo.edit(first, 120, "村集中供水工程通水，入户核实饮水安全"))
    demo.birth(first, rng.randint(60, 200))
    line = demo.income(first, rng.randint(25, 40))
    corrected = (line.wage_income + Decimal(rng.randint(8, 30) * 100)).quantize(Decimal("0.01"))
    income_save(first, line.year, {"wage_income": corrected}, demo.edit(first, rng.randint(1, 10),
                                                                          "核实务工收入后更正"))
    for _ in range(2):
        if (found := demo.pick(_head)) is not None:
            demo.birth(found[0], rng.randint(30, 300))
    _demo_member_stories(demo)
    renovated = demo.pick(lambda h, ps: _head(h, ps) if h.housing_grade in ("C", "D") else None)
    if renovated is not None:
        household_update(renovated[0], {"housing_grade": "B", "housing_renovated": True},
                         demo.edit(renovated[0], rng.randint(60, 180), "危房改造竣工验收"))
    for _ in range(5):
        if (found := demo.pick(_head)) is not None:
            demo.income(found[0], rng.randint(5, 60))
    return demo.count


def _demo_member_stories(demo: _DemoEdits) -> None:
    rng, today = demo.rng, demo.today
    if found := demo.member(lambda p, ps: p.relation != "head" and p.age(today) >= 68 and len(ps) >= 2):
        member_remove(found[1], "death", demo.edit(found[0], rng.randint(100, 200), "因病去世"))
    if found := demo.member(lambda p, ps: p.relation == "daughter" and 20 <= p.age(today) <= 35):
        member_remove(found[1], "married_out", demo.edit(found[0], rng.randint(60, 150), "出嫁外村，户口迁出"))
    if found := demo.member(lambda p, ps: p.relation == "son" and 22 <= p.age(today) <= 40
                            and not any(q.relation == "daughter_in_law" for q in ps)):
        household, son = found
        bride = _birth(rng, son.age_on(today) - rng.randint(0, 3), today)
        member_add(household, {"name": _name(rng), "relation": "daughter_in_law", "ethnicity": "汉族",
                               "education": "junior", "health": "healthy", "labour": "ordinary",
                               "work_location": "in_county", "medical_insurance": True},
                   _id_number(rng, bride, True, demo.used), "married_in",
                   demo.edit(household, rng.randint(30, 200), "娶妻，户口迁入"))
    if found := demo.member(lambda p, ps: p.relation == "son" and p.age(today) >= 28
                            and any(q.relation == "head" and q.age(today) >= 68 for q in ps)):
        household, son = found
        mother = Member.objects.get(household=household, relation="head").sex == "F"
        head_change(household, son, "mother" if mother else "father",
                    demo.edit(household, rng.randint(30, 120), "原户主年迈，由儿子任户主"))
    if found := demo.member(lambda p, ps: p.relation == "head"):
        member_update(found[1], {"dibao": True}, demo.edit(found[0], rng.randint(30, 150), "经民主评议，纳入农村低保"))
    if found := demo.member(lambda p, ps: 15 <= p.age(today) <= 17):
        member_update(found[1], {"schooling": "senior", "education": "junior"},
                      demo.edit(found[0], rng.randint(60, 100), "初中毕业，升入高中"))
