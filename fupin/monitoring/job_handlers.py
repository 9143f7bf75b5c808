"""Background jobs: a whole-county monitoring run, and the reassessment after a registry write.

DEPT_SIGNAL: ``signal_households_for`` names the households of the cross-check's signal findings of the
year not yet closed (and any the job's ``params["signal_households"]`` adds); the jobs and ``fupin monitor``
pass them to the run.

The reassessment (ADR 0026 §5, queued by every registry write: :mod:`fupin.registry.reassess`) is handled here
because this is the lowest module that sees both what it recomputes: the exit verdict (the assessment's service)
and the monitoring risk (this module's run).
"""

from __future__ import annotations

from typing import Any

from fupin.assessment.models import AssessmentRun
from fupin.assessment.services import REGISTER_STATES, assess_county, households_assess, work_year
from fupin.core.errors import BadInput
from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun
from fupin.crosscheck.selectors import signal_households
from fupin.monitoring.services import monitor_county, monitored_households
from fupin.registry.models import Change, Household
from fupin.registry.reassess import REASSESS_KIND

REASSESS_SET_MAX = 5000
"""A write that changed more households than this (an import) is followed by the population's runs, which are then
the county's current runs, rather than by runs of the changed set."""


def signal_households_for(year: int, given: list[int] | None = None) -> list[int]:
    """The households carrying DEPT_SIGNAL in a run of ``year``: those named by the cross-check's signal findings
    of that year not yet closed (RULES §4, §5), and any given explicitly."""
    named = signal_households(year).get_column("household_id").to_list()
    return sorted(set(given or []) | set(named))


@register_job("monitoring.run")
def run_monitoring(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    reporter.set_total(1)
    year = int(job.params["year"])
    run = monitor_county(year, actor=job.created_by,
                         signal_household_ids=signal_households_for(year, job.params.get("signal_households")))
    reporter.advance(1, message=f"{run.households} 户，{run.at_risk} 户有风险")
    return {"run": run.pk, "households": run.households, "at_risk": run.at_risk, "cases_opened": run.cases_opened,
            "totals": run.totals}


@register_job(REASSESS_KIND)
def reassess_changed(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    """The exit verdict and the monitoring risk of the work year for the households a registry write changed (the
    job's history ``batch``), with the existing services: the assessment of a set of households (as the household
    page's "reassess now") and the monitoring run over them; after a large write, the population's runs."""
    reporter.set_total(2)
    year = work_year()
    changed = Household.objects.filter(pk__in=Change.objects.filter(batch=job.params["batch"]).values("household_id"))
    count = changed.count()
    population = count > REASSESS_SET_MAX
    assessable = changed.filter(status__in=REGISTER_STATES)
    monitored = monitored_households(changed)
    run: AssessmentRun | None = None
    try:
        if population:
            run = assess_county(year)
        elif assessable.exists():
            run = households_assess(assessable, year)
        reporter.advance(1, message=f"{run.households if run else 0} 户已评估")
        if population:
            risk = monitor_county(year, signal_household_ids=signal_households_for(year))
        elif monitored.exists():
            ids = set(monitored.values_list("pk", flat=True))
            risk = monitor_county(year, households=monitored,
                                  signal_household_ids=[h for h in signal_households_for(year) if h in ids])
        else:
            risk = None
    except BadInput as exc:
        if exc.code != "POLICY_MISSING":
            raise
        return {"year": year, "skipped": exc.message}  # no published parameters for the year: nothing to compute
    reporter.advance(1, message=f"{risk.households if risk else 0} 户已监测")
    return {"year": year, "households": count, "population": population,
            "assessment_run": run.pk if run else None, "assessed": run.households if run else 0,
            "monitoring_run": risk.pk if risk else None, "at_risk": risk.at_risk if risk else 0}
