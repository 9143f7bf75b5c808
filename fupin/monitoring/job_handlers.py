"""Background job: a whole-county monitoring run.

DEPT_SIGNAL: the job passes ``params["signal_households"]`` (household ids named by open
cross-check signal findings) to the run. Until the cross-check module is merged nothing fills it;
the lead wires ``fupin.crosscheck.selectors.signal_households(year)`` in ``signal_households_for``.
"""

from __future__ import annotations

from typing import Any

from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import JobRun
from fupin.monitoring.services import monitor_county


def signal_households_for(year: int, given: list[int] | None = None) -> list[int]:
    """The households carrying DEPT_SIGNAL in a run of ``year``: those given explicitly.
    (Wiring point for ``fupin.crosscheck.selectors.signal_households(year)``.)"""
    return list(given or [])


@register_job("monitoring.run")
def run_monitoring(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    reporter.set_total(1)
    year = int(job.params["year"])
    run = monitor_county(year, actor=job.created_by,
                         signal_household_ids=signal_households_for(year, job.params.get("signal_households")))
    reporter.advance(1, message=f"{run.households} 户，{run.at_risk} 户有风险")
    return {"run": run.pk, "households": run.households, "at_risk": run.at_risk, "cases_opened": run.cases_opened,
            "totals": run.totals}
