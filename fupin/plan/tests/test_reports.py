"""Progress reports: who files them, when they are late, which units are overdue, and tasks finishing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from fupin.core.errors import BadInput, DomainError
from fupin.core.models import AuditEntry
from fupin.core.testing import make_user
from fupin.plan.models import ProgressReport, Unit
from fupin.plan.selectors import standings
from fupin.plan.services import LineInput, report_submit


def _file(small_plan, unit, year, period, day=None, actor=None, **kwargs):
    """File a report on ``day`` (time travel), or now (assignments start today: an actor has none in 2018)."""
    if day is None:
        return report_submit(plan=small_plan.plan, unit=unit, year=year, period=period, summary="按计划推进",
                             actor=actor, **kwargs)
    with time_machine.travel(datetime(day.year, day.month, day.day, 4, tzinfo=UTC), tick=False):
        return report_submit(plan=small_plan.plan, unit=unit, year=year, period=period, summary="按计划推进",
                             actor=actor, **kwargs)


def _states(small_plan, today):
    units = Unit.objects.all()
    return {s.unit.name: [(o.year, o.period, o.state) for o in s.obligations] for s in
            standings(small_plan.plan, units, today=today)}


class TestObligations:
    def test_a_report_on_its_due_day_is_on_time_and_one_day_later_is_late(self, small_plan):
        on_time = _file(small_plan, small_plan.education, 2018, "Q1", date(2018, 4, 10))  # due 3-31 + 10 days
        late = _file(small_plan, small_plan.water, 2018, "Q1", date(2018, 4, 11))
        assert (on_time.due_on, on_time.is_late, late.is_late) == (date(2018, 4, 10), False, True)

    def test_units_owe_every_ended_period_and_the_next_one_is_due(self, small_plan):
        _file(small_plan, small_plan.education, 2018, "Q1", date(2018, 4, 5))
        _file(small_plan, small_plan.education, 2018, "Q2", date(2018, 7, 15))
        states = _states(small_plan, date(2018, 7, 20))
        assert states["区教体局"] == [(2018, "Q1", "on_time"), (2018, "Q2", "late"), (2018, "Q3", "due")]
        assert states["孟庙镇"] == [(2018, "Q1", "overdue"), (2018, "Q2", "overdue"), (2018, "Q3", "due")]
        # The group stands for its members and reports nothing itself; a unit the plan never names owes nothing.
        assert "各镇人民政府" not in states and set(states) == {"区教体局", "区水利局", "孟庙镇", "商桥镇"}

    def test_a_report_is_not_overdue_on_its_due_day(self, small_plan):
        assert _states(small_plan, date(2018, 4, 10))["区水利局"][0] == (2018, "Q1", "due")
        assert _states(small_plan, date(2018, 4, 11))["区水利局"][0] == (2018, "Q1", "overdue")

    def test_the_most_overdue_units_come_first_with_their_overdue_tasks(self, small_plan):
        _file(small_plan, small_plan.water, 2018, "Q1", date(2018, 4, 5))
        _file(small_plan, small_plan.town_a, 2018, "Q1", date(2018, 4, 5))
        ranked = standings(small_plan.plan, Unit.objects.all(), today=date(2018, 7, 20))
        assert [s.unit.name for s in ranked][:2] == ["区教体局", "商桥镇"]  # both owe two; 教体局 has a task overdue
        assert [s.tasks_overdue for s in ranked][:2] == [1, 0]


class TestFiling:
    def test_finishing_a_task_through_the_report_of_its_lead_unit(self, small_plan):
        task = small_plan.task("控辍保学")
        report = _file(small_plan, small_plan.education, 2018, "Q2", date(2018, 7, 3), lines=[
            LineInput(task.pk, "劝返 3 人", 100, True),
            LineInput(small_plan.task("助学金发放", 2018).pk, "已发放上半年", 50)])
        task.refresh_from_db()
        assert (task.status, task.done_on) == ("done", date(2018, 7, 3))
        assert [(line.percent, line.finished) for line in report.lines.all()] == [(100, True), (50, False)]
        entry = AuditEntry.objects.filter(object_type="plan.progressreport").latest("seq")
        assert entry.changes["tasks_finished"] == [task.pk] and entry.area_path == small_plan.education.area.path
        assert _states(small_plan, date(2018, 7, 20))["区教体局"][1] == (2018, "Q2", "on_time")

    @pytest.mark.parametrize(("year", "period", "day", "code"), [
        (2018, "Q3", date(2018, 9, 29), "PERIOD_NOT_ENDED"),
        (2020, "Q1", date(2020, 5, 1), None),  # outside the plan's years: BadInput
    ])
    def test_refused_periods_change_nothing(self, small_plan, year, period, day, code):
        with pytest.raises(DomainError) as excinfo:
            _file(small_plan, small_plan.education, year, period, day)
        assert (code is None and isinstance(excinfo.value, BadInput)) or excinfo.value.code == code
        assert not ProgressReport.objects.exists()

    def test_a_second_report_for_a_period_is_refused(self, small_plan):
        _file(small_plan, small_plan.education, 2018, "Q1", date(2018, 4, 5))
        with pytest.raises(DomainError) as excinfo:
            _file(small_plan, small_plan.education, 2018, "Q1", date(2018, 4, 6))
        assert excinfo.value.code == "ALREADY_REPORTED" and "区教体局" in excinfo.value.message
        assert ProgressReport.objects.count() == 1

    def test_only_the_lead_unit_finishes_a_task_and_only_its_tasks_are_reported(self, small_plan):
        water_task = small_plan.task("解决不安全饮水")
        with pytest.raises(BadInput) as excinfo:  # 教体局 does not share the water measure
            _file(small_plan, small_plan.education, 2018, "Q1", date(2018, 4, 5), lines=[LineInput(water_task.pk)])
        assert excinfo.value.code == "NOT_THE_UNITS_TASK"
        with pytest.raises(BadInput) as excinfo:  # a township cooperates on it, but does not lead it
            _file(small_plan, small_plan.town_a, 2018, "Q1", date(2018, 4, 5),
                  lines=[LineInput(water_task.pk, "入户宣传", 20, True)])
        assert excinfo.value.code == "ONLY_LEAD_FINISHES"
        assert not ProgressReport.objects.exists() and water_task.status == "open"

    def test_who_may_report_for_a_unit(self, small_plan):
        p = small_plan.personas
        _file(small_plan, small_plan.education, 2018, "Q1", actor=p.department)  # its own department
        _file(small_plan, small_plan.town_a, 2018, "Q1", actor=p.township_a)  # its own township
        _file(small_plan, small_plan.water, 2018, "Q1", actor=p.officer)  # the district office, for any unit
        for actor, unit in ((p.department, small_plan.water), (p.township_a, small_plan.town_b),
                            (p.cadre_a1, small_plan.town_a), (p.auditor, small_plan.education)):
            with pytest.raises(PermissionDenied):
                _file(small_plan, unit, 2018, "Q2", actor=actor)
        water_officer = make_user("water", "department_officer", p.areas.county,
                                  department=small_plan.water.department)
        _file(small_plan, small_plan.water, 2018, "Q2", actor=water_officer)
        assert ProgressReport.objects.count() == 4
