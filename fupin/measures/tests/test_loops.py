"""A house renovation carried out offers the registry change it implies (ADR 0026 §4): 危房改造 yes and housing grade
A, on the household's file, never applied by the measure itself; applied, the history names the measure."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from fupin.core.testing import make_household, make_id_number
from fupin.measures.deliveries import measures_load
from fupin.measures.models import Measure, Programme
from fupin.measures.services import MeasureInput, measure_create, measure_set_status
from fupin.registry.models import Change, Household, Member, ProposedChange
from fupin.registry.proposals import proposal_apply

pytestmark = pytest.mark.django_db
RENOVATED = {"housing_renovated": True, "housing_grade": "A"}


@pytest.fixture
def home(policy, areas):
    """A complete household of village a1 living in a D-grade house."""
    return make_household(areas.village_a1, "H-A1-0101", main_cause="illness", identified_year=2016,
                          housing_grade="D", housing_renovated=False)


def make_member(home, birth, **fields):
    return Member.objects.create(household=home, name="王小", id_number=make_id_number(birth), birth_date=birth, sex="M",
                                 relation="grandson", **fields)


def renovation(home, status, actor):
    return measure_create(home, MeasureInput(Programme.objects.get(code="housing_renovation"), date(2019, 5, 1),
                                             ends_on=date(2019, 10, 1), status=status, evidence="D级重建"),
                          actor=actor)


def test_a_renovation_recorded_as_carried_out_offers_the_facts(home, personas):
    measure = renovation(home, Measure.Status.DONE, personas.cadre_a1)
    proposal = ProposedChange.objects.get(source=f"measure:{measure.pk}")
    assert (proposal.kind, proposal.payload, proposal.valid_from, proposal.state) == (
        "household_update", RENOVATED, date(2019, 10, 1), "open")
    home.refresh_from_db()
    assert (home.housing_grade, home.housing_renovated, home.version) == ("D", False, 1)


def test_a_planned_renovation_offers_nothing_until_it_is_carried_out(home, personas):
    measure = renovation(home, Measure.Status.PLANNED, personas.cadre_a1)
    assert not ProposedChange.objects.exists()
    measure_set_status(measure, Measure.Status.DELIVERING, actor=personas.cadre_a1)
    assert not ProposedChange.objects.exists()
    measure_set_status(measure, Measure.Status.DONE, actor=personas.cadre_a1)
    assert ProposedChange.objects.get().source == f"measure:{measure.pk}"


def test_other_programmes_offer_nothing(home, personas):
    measure_create(home, MeasureInput(Programme.objects.get(code="ecommerce"), date(2019, 5, 1)),
                   actor=personas.cadre_a1)
    assert not ProposedChange.objects.exists()


def test_applied_the_history_names_the_measure(home, personas):
    measure = renovation(home, Measure.Status.DONE, personas.cadre_a1)
    proposal_apply(ProposedChange.objects.get(), actor=personas.cadre_a1,
                   version=Household.objects.get(pk=home.pk).version)
    home.refresh_from_db()
    assert (home.housing_grade, home.housing_renovated) == ("A", True)
    assert set(Change.objects.filter(household=home).values_list("field", "source", "valid_from")) == {
        ("housing_grade", f"measure:{measure.pk}", date(2019, 10, 1)),
        ("housing_renovated", f"measure:{measure.pk}", date(2019, 10, 1))}


def test_a_departments_list_of_renovations_offers_each(home, tmp_path: Path, personas):
    book = Workbook()
    sheet = book.active
    sheet.title = "帮扶措施名单"
    sheet.append(["身份证号", "姓名", "帮扶项目", "金额", "发放日期", "说明"])
    sheet.append([home.members.get(relation="head").id_number, "张三", "农村危房改造", "30000", "2019-05-01", "D级重建"])
    book.save(tmp_path / "住建局.xlsx")
    assert measures_load(tmp_path / "住建局.xlsx", actor=None).written
    measure = Measure.objects.get(household=home)
    assert ProposedChange.objects.get().source == f"measure:{measure.pk}"


@pytest.mark.parametrize(("birth", "grade"), [(date(2006, 3, 1), "grade_8"), (date(2010, 5, 1), "primary"),
                                              (date(2002, 1, 1), None)])
def test_a_dropout_brought_back_to_school_offers_the_grade_of_their_age(home, personas, birth, grade):
    pupil = make_member(home, birth, schooling="dropped_out")
    measure = measure_create(home, MeasureInput(Programme.objects.get(code="dropout_followup"), date(2019, 9, 1),
                                                member=pupil), actor=personas.cadre_a1)
    offered = ProposedChange.objects.filter(source=f"measure:{measure.pk}")
    if grade is None:  # 17 on the day: beyond compulsory schooling, no grade to offer
        assert not offered.exists()
        return
    proposal = offered.get()
    assert (proposal.kind, proposal.member, proposal.payload, proposal.valid_from) == (
        "member_update", pupil, {"schooling": grade}, date(2019, 9, 1))
    home.refresh_from_db()
    proposal_apply(proposal, actor=personas.cadre_a1, version=home.version)
    pupil.refresh_from_db()
    assert pupil.schooling == grade
    assert Change.objects.get(member=pupil, field="schooling").source == f"measure:{measure.pk}"
