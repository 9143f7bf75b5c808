"""Assessment follows the facts (ADR 0026 §5): every registry write asks, once it commits, for the changed
households' exit verdict and monitoring risk of the current year to be computed again, in the background.

The registry cannot call the assessment or monitoring (they sit on floors above it), so a write queues one job of
the kind :data:`REASSESS_KIND` (:func:`fupin.core.jobs.job_create`: the job row is written in the write's
transaction and its task enqueued on commit, so a refused or rolled-back write queues nothing); the module that sees
both the verdict and the risk registers its handler (``fupin.monitoring.job_handlers``). The job names the write's
history batch, not the households: one job per write whatever its size (an import of a county is one job, which
then runs the population's runs), and the households are those of the batch's ``Change`` rows.

Until the job has run, a household's stored verdict was computed on an older ``Household.version`` than the
current one, and its file says so (``fupin.assessment.selectors.assessment_is_current``).
"""

from __future__ import annotations

import uuid

from fupin.core.jobs import job_create

REASSESS_KIND = "registry.reassess"


def reassess_after_commit(batch: uuid.UUID) -> None:
    """Queue the reassessment of the households the history batch ``batch`` changed (inside the write's
    transaction; the task is enqueued when it commits)."""
    job_create(kind=REASSESS_KIND, title="名册变更后重新评估 / reassessment after a registry change",
               params={"batch": str(batch)})
