"""Jobs the core offers: verifying the audit chain in the background."""

from __future__ import annotations

from typing import Any

from fupin.core.audit import audit_verify
from fupin.core.jobs import JobReporter, register_job
from fupin.core.models import AuditEntry, JobRun


@register_job("audit.verify")
def verify_audit_job(job: JobRun, reporter: JobReporter) -> dict[str, Any]:
    reporter.set_total(AuditEntry.objects.count())

    def progress(checked: int) -> None:
        reporter.job.done = checked
        reporter.beat()

    result = audit_verify(progress=progress)
    return {"ok": result.ok, "checked": result.checked, "broken_seq": result.broken_seq, "reason": result.reason,
            "checkpoints": result.checkpoints}
