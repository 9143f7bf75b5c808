"""Background job: a whole-county monitoring run.

DEPT_SIGNAL: ``signal_households_for`` names the households of the cross-check's signal findings of the
year not yet closed (and any the job's ``params["signal_households"]`` adds); the job and ``fupin monitor``
pass them to the run.
"""

from __future__ import annotations

from typing import Any

from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun
from fupin.crosscheck.selectors import signal_households
from fupin.monitoring.services import monitor_county


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
