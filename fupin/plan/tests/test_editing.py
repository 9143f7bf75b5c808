"""Plans, measures and tasks created and edited by the district office (issue 8, item 1): the services, their
validation (each refusal names the rule, and changes nothing), reordering, retiring a task units have reported
on, and the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from fupin.core.errors import DomainError
from fupin.core.models import AuditEntry
from fupin.plan.editing import (
    MeasureInput,
    PlanInput,
    TaskInput,
    measure_create,
    measure_delete,
    measure_move,
    measure_update,
    plan_create,
    plan_update,
    task_create,
    task_delete,
    task_retire,
    task_update,
)
from fupin.plan.models import Measure, MeasureUnit, Plan, ProgressReport, Review, Task, Unit
from fupin.plan.review import review_compute, review_create
from fupin.plan.seed import plan_seed
from fupin.plan.selectors import unit_tasks
from fupin.plan.services import LineInput, report_submit
from fupin.plan.tests.conftest import SMALL_PLAN, SmallPlan


def state() -> dict[str, Any]:
    """Every row the editing services write, and the audit log's length."""
    return {"plans": list(Plan.objects.order_by("pk").values()), "measures": list(Measure.objects.order_by("pk").values()),
            "units": list(MeasureUnit.objects.order_by("pk").values()), "tasks": list(Task.objects.order_by("pk").values()),
            "cooperating": list(Task.cooperating.through.objects.order_by("pk").values()),
            "audit": AuditEntry.objects.count()}


def refused(code: str, call: Any) -> DomainError:
    """Run ``call``; it must be refused with ``code`` and leave every row as it was."""
    before = state()
    with pytest.raises(DomainError) as excinfo:
        call()
    assert excinfo.value.code == code, excinfo.value.message
    assert state() == before, f"the refused request ({code}) changed data"
    return excinfo.value


@pytest.fixture
def office(small_plan: SmallPlan) -> Any:
    return small_plan.personas.officer


@pytest.fixture
def new_plan(office) -> Plan:
    return plan_create(PlanInput(code="yancheng-2021-2023", title="巩固拓展脱贫攻坚成果三年行动方案", starts_year=2021,
                                 ends_year=2023, issuer="郾城区委农办"), actor=office)


def test_the_office_builds_a_plan_with_measures_sub_items_and_tasks(small_plan, office, new_plan):
    first = measure_create(new_plan, MeasureInput("1", "产业帮扶", label="一", text="发展特色种养业。",
                                                  leads=[small_plan.education], cooperating=[small_plan.water]),
                           actor=office)
    second = measure_create(new_plan, MeasureInput("2", "就业帮扶", leads=[small_plan.water]), actor=office)
    child = measure_create(new_plan, MeasureInput("1.1", "产业奖补", leads=[small_plan.town_a]), parent=first,
                           actor=office)
    task = task_create(new_plan, TaskInput("1.1-1", "每个脱贫村都有主导产业", date(2022, 12, 31), small_plan.town_a,
                                           cooperating=[small_plan.education, small_plan.water], target="覆盖全部脱贫村"),
                       measure=child, actor=office)
    # Reading order: a measure, then its sub-items, then the next measure.
    assert list(Measure.objects.filter(plan=new_plan).order_by("order").values_list("code", "order")) == [
        ("1", 1), ("1.1", 2), ("2", 3)]
    assert second.order == 2 and Measure.objects.get(pk=second.pk).order == 3
    assert [(r.unit.name, r.role) for r in first.responsibilities.order_by("role", "order")] == [
        ("区水利局", "cooperating"), ("区教体局", "lead")]
    assert (task.source, task.status, task.target) == ("manual", "open", "覆盖全部脱贫村")
    assert sorted(task.cooperating.values_list("name", flat=True)) == ["区教体局", "区水利局"]
    assert Plan.objects.get(pk=new_plan.pk).edited_at is not None and first.source == "manual"
    # The cooperating units owe the task too; the seeded plan is untouched.
    assert task in unit_tasks(new_plan, small_plan.water)
    assert Measure.objects.filter(plan=small_plan.plan).count() == 2
    entries = AuditEntry.objects.filter(object_type__startswith="plan.").order_by("seq").values_list(
        "object_type", "action")
    assert list(entries) == [("plan.plan", "create"), ("plan.measure", "create"), ("plan.measure", "create"),
                             ("plan.measure", "create"), ("plan.task", "create")]


@pytest.mark.parametrize(("data", "code"), [
    (PlanInput("small", "重复代码", 2021, 2023), "PLAN_CODE_TAKEN"),
    (PlanInput("Bad Code!", "格式不对", 2021, 2023), "PLAN_CODE_FORMAT"),
    (PlanInput("later", "年度颠倒", 2023, 2021), "PLAN_YEARS_ORDER"),
    (PlanInput("later", "年度越界", 1990, 2021), "PLAN_YEARS_RANGE"),
    (PlanInput("later", "  ", 2021, 2023), "TITLE_REQUIRED"),
])
def test_a_plan_is_refused_with_the_rule_it_breaks(small_plan, office, data, code):
    error = refused(code, lambda: plan_create(data, actor=office))
    assert " / " in error.message  # Chinese, then English


def test_the_period_cannot_leave_out_tasks_or_years_with_records(small_plan, office):
    plan = small_plan.plan
    error = refused("PLAN_PERIOD_EXCLUDES", lambda: plan_update(plan, PlanInput("small", "小规划", 2018, 2018),
                                                                actor=office))
    assert "任务“助学金发放”（1-2-2019）的完成时限 2019-12-31 在其外" in error.message
    Task.objects.filter(plan=plan, deadline__year=2019).update(deadline=date(2018, 12, 1))
    review_create(plan, 2019, actor=office)
    error = refused("PLAN_PERIOD_EXCLUDES", lambda: plan_update(plan, PlanInput("small", "小规划", 2018, 2018),
                                                                actor=office))
    assert "2019 年的年度考核" in error.message
    refused("PLAN_CODE_FIXED", lambda: plan_update(plan, PlanInput("other", "小规划", 2018, 2019), actor=office))
    saved = plan_update(plan, PlanInput("small", "小规划（修订）", 2018, 2020, issuer="区扶贫办"), actor=office)
    assert (saved.title, saved.ends_year, saved.issuer) == ("小规划（修订）", 2020, "区扶贫办")
    entry = AuditEntry.objects.filter(object_type="plan.plan").latest("seq")
    assert entry.changes["title"] == ["小规划", "小规划（修订）"] and entry.changes["ends_year"] == [2019, 2020]


def test_measures_are_refused_with_the_rule_they_break(small_plan, office):
    plan = small_plan.plan
    first = Measure.objects.get(plan=plan, code="1")
    refused("MEASURE_CODE_TAKEN", lambda: measure_create(plan, MeasureInput("2", "重复"), actor=office))
    refused("MEASURE_CODE_FORMAT", lambda: measure_create(plan, MeasureInput("二（一）", "格式"), actor=office))
    refused("MEASURE_CODE_PARENT", lambda: measure_create(plan, MeasureInput("2.1", "子项"), parent=first,
                                                          actor=office))
    error = refused("UNIT_BOTH_ROLES", lambda: measure_create(plan, MeasureInput(
        "3", "两种责任", leads=[small_plan.water], cooperating=[small_plan.education, small_plan.water]), actor=office))
    assert "“区水利局”不能同时是牵头单位和协同单位" in error.message
    refused("TITLE_REQUIRED", lambda: measure_create(plan, MeasureInput("3", ""), actor=office))
    measure_create(plan, MeasureInput("1.1", "子项"), parent=first, actor=office)
    refused("MEASURE_CODE_HAS_CHILDREN", lambda: measure_update(first, MeasureInput("5", "教育脱贫"), actor=office))
    refused("MEASURE_CODE_TAKEN", lambda: measure_update(first, MeasureInput("2", "教育脱贫"), actor=office))
    with pytest.raises(PermissionDenied):
        measure_create(plan, MeasureInput("3", "越权"), actor=small_plan.personas.department)
    assert not Measure.objects.filter(plan=plan, code="3").exists()


def test_a_measure_is_edited_with_its_units(small_plan, office):
    measure = Measure.objects.get(plan=small_plan.plan, code="2")
    measure_update(measure, MeasureInput("2", "饮水安全巩固提升", label="二", text="农村供水保障。",
                                         leads=[small_plan.water], cooperating=[small_plan.town_a]), actor=office)
    measure.refresh_from_db()
    assert (measure.title, measure.text, measure.edited_at is not None) == ("饮水安全巩固提升", "农村供水保障。", True)
    assert [(r.unit.name, r.role) for r in measure.responsibilities.order_by("role")] == [
        ("孟庙镇", "cooperating"), ("区水利局", "lead")]
    change = AuditEntry.objects.filter(object_type="plan.measure").latest("seq").changes
    assert change["title"] == ["饮水安全", "饮水安全巩固提升"]
    assert change["cooperating"] == [["townships-government"], [small_plan.town_a.code]]


def test_measures_move_up_and_down_with_their_sub_items(small_plan, office):
    plan = small_plan.plan
    first, second = Measure.objects.get(plan=plan, code="1"), Measure.objects.get(plan=plan, code="2")
    measure_create(plan, MeasureInput("1.1", "控辍保学"), parent=first, actor=office)
    measure_create(plan, MeasureInput("1.2", "资助"), parent=first, actor=office)
    measure_move(second, up=True, actor=office)

    def order() -> list[str]:
        return list(Measure.objects.filter(plan=plan).order_by("order").values_list("code", flat=True))

    assert order() == ["2", "1", "1.1", "1.2"]
    measure_move(Measure.objects.get(plan=plan, code="1.2"), up=True, actor=office)
    assert order() == ["2", "1", "1.2", "1.1"]
    refused("MEASURE_EDGE", lambda: measure_move(Measure.objects.get(plan=plan, code="1"), up=False, actor=office))
    refused("MEASURE_EDGE", lambda: measure_move(Measure.objects.get(plan=plan, code="1.2"), up=True, actor=office))


def test_tasks_are_refused_with_the_rule_they_break(small_plan, office):
    plan = small_plan.plan
    measure = Measure.objects.get(plan=plan, code="1")
    group = Unit.objects.get(code="townships-government")

    def task(**changes: Any) -> Any:
        data = {"code": "1-9", "title": "新任务", "deadline": date(2019, 6, 30), "lead": small_plan.education, **changes}
        return lambda: task_create(plan, TaskInput(**data), measure=measure, actor=office)

    error = refused("TASK_DEADLINE_OUTSIDE", task(deadline=date(2020, 1, 1)))
    assert "2020-01-01 不在规划期（2018—2019 年）内" in error.message
    refused("TASK_CODE_TAKEN", task(code="1-1"))
    refused("TASK_CODE_FORMAT", task(code="new"))
    refused("TASK_LEAD_REQUIRED", task(lead=None))
    error = refused("TASK_LEAD_GROUP", task(lead=group))
    assert "各镇人民政府" in error.message
    refused("UNIT_BOTH_ROLES", task(cooperating=[small_plan.water, small_plan.education]))
    refused("TITLE_REQUIRED", task(title=" "))
    yearly = small_plan.task("助学金发放", 2019)
    refused("TASK_DEADLINE_YEAR", lambda: task_update(yearly, TaskInput(yearly.code, yearly.title, date(2018, 12, 31),
                                                                         yearly.lead), actor=office))
    with pytest.raises(PermissionDenied):
        task_create(plan, TaskInput("1-9", "越权", date(2019, 6, 30), small_plan.education), measure=measure,
                    actor=small_plan.personas.township_a)
    assert not Task.objects.filter(plan=plan, code="1-9").exists()


def test_a_task_is_edited(small_plan, office):
    task = small_plan.task("控辍保学")
    task_update(task, TaskInput("1-1", "控辍保学，义务教育阶段无失学辍学", date(2018, 9, 30), small_plan.water,
                                cooperating=[small_plan.town_b], target="失学辍学 0 人"), actor=office)
    task.refresh_from_db()
    assert (task.title, task.deadline, task.lead, task.target) == (
        "控辍保学，义务教育阶段无失学辍学", date(2018, 9, 30), small_plan.water, "失学辍学 0 人")
    assert list(task.cooperating.all()) == [small_plan.town_b] and task.edited_at is not None
    change = AuditEntry.objects.filter(object_type="plan.task").latest("seq").changes
    assert change["lead"] == ["education", small_plan.water.code] and change["cooperating"] == [[], [small_plan.town_b.code]]


def test_a_task_units_reported_on_is_retired_not_deleted(small_plan, office):
    plan = small_plan.plan
    task = task_create(plan, TaskInput("1-9", "新增任务", date(2018, 6, 30), small_plan.education),
                       measure=Measure.objects.get(plan=plan, code="1"), actor=office)
    report_submit(plan=plan, unit=small_plan.education, year=2018, period="Q1", summary="进展", actor=None,
                  lines=[LineInput(task.pk, progress="已部署", percent=30)])
    error = refused("TASK_HAS_REPORTS", lambda: task_delete(task, actor=office))
    assert "1 份进展报告" in error.message
    refused("RETIRE_REASON_REQUIRED", lambda: task_retire(task, reason=" ", actor=office))
    task_retire(task, reason="并入控辍保学任务", actor=office, today=date(2018, 7, 1))
    task.refresh_from_db()
    assert (task.status, task.retired_on, task.retired_reason) == ("retired", date(2018, 7, 1), "并入控辍保学任务")
    assert task.report_lines.count() == 1  # the report keeps it
    assert task not in unit_tasks(plan, small_plan.education)  # nobody owes it
    refused("TASK_NOT_OPEN", lambda: task_retire(task, reason="再次", actor=office))
    refused("TASK_RETIRED", lambda: task_update(task, TaskInput("1-9", "改", date(2018, 6, 30), small_plan.education),
                                                actor=office))
    # A retired task counts for no unit in the review: education led two tasks due in 2018 and finished none.
    review = review_create(plan, 2018, actor=office)
    review_compute(review, actor=office)
    score = review.scores.get(unit=small_plan.education, indicator__code="tasks_on_time")
    assert score.basis == "按期完成 0/2"


def test_only_what_the_office_added_and_nothing_refers_to_is_deleted(small_plan, office):
    plan = small_plan.plan
    refused("TASK_FROM_TEXT", lambda: task_delete(small_plan.task("控辍保学"), actor=office))
    refused("MEASURE_FROM_TEXT", lambda: measure_delete(Measure.objects.get(plan=plan, code="2"), actor=office))
    added = measure_create(plan, MeasureInput("3", "新增举措", leads=[small_plan.water]), actor=office)
    task = task_create(plan, TaskInput("3-1", "新增任务", date(2019, 6, 30), small_plan.water), measure=added,
                       actor=office)
    refused("MEASURE_NOT_EMPTY", lambda: measure_delete(added, actor=office))
    task_delete(task, actor=office)
    measure_delete(added, actor=office)
    assert not Measure.objects.filter(plan=plan, code="3").exists() and not Task.objects.filter(code="3-1").exists()
    assert list(AuditEntry.objects.filter(action="delete").order_by("seq").values_list("object_type", flat=True)) == [
        "plan.task", "plan.measure"]
    assert not ProgressReport.objects.exists() and not Review.objects.exists()


def test_a_newer_data_file_updates_only_what_the_office_did_not_touch(small_plan, office, tmp_path):
    plan = small_plan.plan
    education = Measure.objects.get(plan=plan, code="1")
    measure_update(education, MeasureInput("1", "教育扶贫（页面修改）", leads=[small_plan.education]), actor=office)
    task_update(small_plan.task("控辍保学"), TaskInput("1-1", "控辍保学（页面修改）", date(2018, 6, 30),
                                                      small_plan.education), actor=office)
    measure_create(plan, MeasureInput("1.1", "页面新增的子项"), parent=education, actor=office)
    newer = (SMALL_PLAN.replace("title: 教育脱贫", "title: 教育脱贫攻坚").replace("title: 饮水安全", "title: 饮水安全工程")
             .replace("控辍保学", "控辍保学专项行动").replace("解决不安全饮水", "全面解决不安全饮水")
             .replace("review:", '  - {code: "3", title: 住房安全, lead: [区水利局]}\nreview:'))
    path = tmp_path / "newer.yaml"
    path.write_text(newer, encoding="utf-8")
    plan_seed(small_plan.personas.areas.county, path)
    titles = dict(Measure.objects.filter(plan=plan).values_list("code", "title"))
    assert titles == {"1": "教育扶贫（页面修改）", "1.1": "页面新增的子项", "2": "饮水安全工程", "3": "住房安全"}
    assert list(Measure.objects.filter(plan=plan).order_by("order").values_list("code", "order")) == [
        ("1", 1), ("1.1", 2), ("2", 3), ("3", 4)]
    assert [r.unit.name for r in education.responsibilities.all()] == ["区教体局"]  # the office's units stay
    tasks = dict(Task.objects.filter(plan=plan).values_list("code", "title"))
    assert tasks["1-1"] == "控辍保学（页面修改）" and tasks["2-1"] == "全面解决不安全饮水"


def test_the_pages_show_the_plan_of_the_work_year_not_one_drafted_for_later(db):
    from fupin.assessment.services import work_year
    from fupin.plan.models import Plan
    from fupin.plan.selectors import plan_current

    year = work_year()
    assert plan_current() is None
    later = Plan.objects.create(code="later", title="以后的规划", starts_year=year + 4, ends_year=year + 6)
    assert plan_current() == later  # the only plan
    past = Plan.objects.create(code="past", title="已结束的规划", starts_year=year - 8, ends_year=year - 6)
    assert plan_current() == past  # begun beats not yet begun
    now = Plan.objects.create(code="now", title="本期规划", starts_year=year - 1, ends_year=year + 1)
    assert plan_current() == now  # its period holds the work year
    assert plan_current() != Plan.objects.order_by("-starts_year").first()
