"""Assessment follows the facts (ADR 0026 §5): once a registry write commits, one background job computes the changed
households' verdict and monitoring risk of the work year again; until it has, the household file says the household
is being reassessed instead of showing a verdict of facts that no longer hold. Tests run with the immediate task
backend, so the job runs when the write's commit callbacks do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fupin.assessment.models import AssessmentRun, HouseholdAssessment
from fupin.assessment.selectors import assessment_pending
from fupin.assessment.services import household_assess, household_latest_assessment, policy_seed_defaults, work_year
from fupin.core.models import JobRun
from fupin.core.testing import make_household
from fupin.monitoring import job_handlers
from fupin.monitoring.models import MonitoringCase, MonitoringResult, MonitoringRun
from fupin.monitoring.selectors import latest_run
from fupin.registry.editing import Edit, EditRefused, household_update, member_remove
from fupin.registry.importing import registry_import
from fupin.registry.models import Change, Household
from fupin.registry.reassess import REASSESS_KIND
from fupin.registry.tests.import_files import Registry, write_csv_set

pytestmark = pytest.mark.django_db
FACTS: dict[str, Any] = {"main_cause": "illness", "identified_year": 2016, "food_secure": True, "clothing_secure": True,
         "housing_grade": "A", "safe_water": True}


@pytest.fixture
def year(db):
    policy_seed_defaults()
    return work_year()


@pytest.fixture
def home(areas, year):
    """A complete registered household of village a1 (head and son), assessed for the work year."""
    household = make_household(areas.village_a1, "H-A1-0101", **FACTS)
    household_assess(household, year)
    return household


def edit(household, actor):
    household.refresh_from_db()
    return Edit(actor=actor, version=household.version)


def latest(household, year):
    return household_latest_assessment(household.pk, year)


def reassess_jobs():
    return JobRun.objects.filter(kind=REASSESS_KIND)


def test_a_result_keeps_the_version_its_facts_were_read_at(home, year):
    assert latest(home, year).household_version == 1


def test_after_an_edit_commits_the_verdict_follows_the_facts(home, year, personas,
                                                             django_capture_on_commit_callbacks):
    assert latest(home, year).water == "PASS"
    with django_capture_on_commit_callbacks(execute=True):
        household_update(home, {"safe_water": False}, edit(home, personas.cadre_a1))
    home.refresh_from_db()
    result = latest(home, year)
    assert (result.water, result.verdict, result.household_version) == ("FAIL", "NOT_ELIGIBLE", home.version)
    assert "WATER" in result.failed
    assert result.run.scope == AssessmentRun.Scope.HOUSEHOLD  # never taken for the county's run
    job = reassess_jobs().get()
    assert job.status == JobRun.Status.SUCCEEDED and job.result["assessed"] == 1
    assert not assessment_pending(result, home)


def test_after_a_member_leaves_the_verdict_counts_one_member_fewer(home, year, personas,
                                                                   django_capture_on_commit_callbacks):
    assert latest(home, year).members == 2
    son = home.members.get(relation="son")
    with django_capture_on_commit_callbacks(execute=True):
        member_remove(son, "death", Edit(actor=personas.cadre_a1, version=Household.objects.get(pk=home.pk).version,
                                         valid_from=timezone.localdate() - timedelta(days=3)))
    home.refresh_from_db()
    result = latest(home, year)
    assert (result.members, result.household_version) == (1, home.version)


def test_until_the_job_has_run_the_file_says_the_household_is_being_reassessed(home, year, personas,
                                                                               django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(personas.cadre_a1)
    page = reverse("registry:household-detail", args=[home.pk])
    assert 'data-testid="assessment-verdict"' in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        household_update(home, {"safe_water": False}, edit(home, personas.cadre_a1))
    home.refresh_from_db()
    assert assessment_pending(latest(home, year), home)
    html = client.get(page).content.decode()
    assert 'data-testid="assessment-reassessing"' in html and "重新评估中" in html
    assert 'data-testid="assessment-verdict"' not in html  # the stale verdict is not shown
    for callback in callbacks:  # the write's commit: the job is enqueued and (immediate backend) runs
        callback()
    html = client.get(page).content.decode()
    assert 'data-testid="assessment-verdict"' in html and 'data-testid="assessment-reassessing"' not in html


def test_the_marker_is_translated(home, year, personas):
    Household.objects.filter(pk=home.pk).update(version=2)  # changed, the job not yet run
    client = Client()
    client.force_login(personas.cadre_a1)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("registry:household-detail", args=[home.pk])).content.decode()
    assert "being reassessed" in html and "重新评估中" not in html


def test_a_result_stored_before_versions_is_stale_only_if_the_history_changed_after_it(home, year, personas):
    result = latest(home, year)
    HouseholdAssessment.objects.filter(pk=result.pk).update(household_version=None)
    result.refresh_from_db()
    home.refresh_from_db()
    assert not assessment_pending(result, home)
    household_update(home, {"phone": "13912345678"}, edit(home, personas.cadre_a1))  # history after the result
    home.refresh_from_db()
    assert assessment_pending(result, home)
    assert Change.objects.filter(household=home).exists()


def test_a_household_outside_the_register_is_not_marked(home, year):
    result = latest(home, year)
    Household.objects.filter(pk=home.pk).update(version=5, status=Household.Status.REMOVED)
    home.refresh_from_db()
    assert not assessment_pending(result, home)


def test_an_import_queues_one_job_for_all_its_households(areas, year, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert registry_import(write_csv_set(tmp_path / "file", Registry(4)), actor=None).written
    job = reassess_jobs().get()
    assert (job.status, job.result["households"], job.result["assessed"], job.result["population"]) == (
        JobRun.Status.SUCCEEDED, 4, 4, False)
    for household in Household.objects.all():
        assert latest(household, year).household_version == household.version


def test_a_refused_write_queues_nothing(home, year, personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(EditRefused):
        household_update(home, {"phone": "12345"}, edit(home, personas.cadre_a1))
    assert not reassess_jobs().exists()


def test_the_risk_of_a_monitored_household_follows_too(areas, year, personas, django_capture_on_commit_callbacks):
    exited = make_household(areas.village_a1, "H-A1-0102", status="exited", exit_year=2019, **FACTS)
    with django_capture_on_commit_callbacks(execute=True):
        household_update(exited, {"safe_water": False}, edit(exited, personas.cadre_a1))
    result = MonitoringResult.objects.get(household=exited)
    assert "WATER" in result.risk_list and result.run.scope == MonitoringRun.Scope.HOUSEHOLDS
    assert MonitoringCase.objects.get(household=exited).step == MonitoringCase.Step.ALERT
    assert latest_run(result.year) is None  # a run of the changed households never stands for the county's


def test_without_published_parameters_the_job_computes_nothing(areas, personas, django_capture_on_commit_callbacks):
    household = make_household(areas.village_a1, "H-A1-0103", **FACTS)
    with django_capture_on_commit_callbacks(execute=True):
        household_update(household, {"safe_water": False}, edit(household, personas.cadre_a1))
    job = reassess_jobs().get()
    assert job.status == JobRun.Status.SUCCEEDED and "skipped" in job.result
    assert not HouseholdAssessment.objects.exists()


def test_the_api_says_when_the_verdict_is_being_recomputed(home, year, personas):
    client = Client()
    client.force_login(personas.cadre_a1)
    url = f"/api/v1/assessment/households/{home.pk}"
    assert (client.get(url).json()["reassessing"], client.get(url).json()["household_version"]) == (False, 1)
    Household.objects.filter(pk=home.pk).update(version=2)  # changed, the job not yet run
    assert client.get(url).json()["reassessing"] is True


def test_a_large_write_is_followed_by_the_population_runs(areas, year, tmp_path, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    monkeypatch.setattr(job_handlers, "REASSESS_SET_MAX", 2)  # an import "larger" than the set runs allow
    with django_capture_on_commit_callbacks(execute=True):
        assert registry_import(write_csv_set(tmp_path / "file", Registry(3)), actor=None).written
    job = reassess_jobs().get()
    assert (job.result["households"], job.result["population"]) == (3, True)
    run = AssessmentRun.objects.get(pk=job.result["assessment_run"])
    assert (run.scope, run.households) == (AssessmentRun.Scope.COUNTY, 3)
    assert latest_run(year) == MonitoringRun.objects.get(pk=job.result["monitoring_run"])
