"""A demo county with one attachment of each kind, made through the real services: a household's written
application (workflow evidence), a resident's web-form ticket with a scan (hotline), a project payment's
contract (projects) and a unit's progress report with its material (plan). Synthetic data only."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from fupin.accounts.models import User
from fupin.core.files import StoredFile
from fupin.hotline.services import ticket_create
from fupin.plan.models import Plan, ProgressReport, Unit
from fupin.plan.services import report_submit
from fupin.projects.models import Project
from fupin.projects.services import StepInput, project_step
from fupin.registry.models import Household
from fupin.site.demo import DEMO_PASSWORD, seed_demo
from fupin.workflow.services import household_transition

VIEWER = "demo_admin"  # the demo's district administrator sees every one of them
VIEWER_PASSWORD = DEMO_PASSWORD
URL_NAMES = {"workflow": "workflow:attachment-download", "hotline": "hotline:attachment",
             "projects": "projects:attachment", "plan": "plan:attachment"}


@dataclass(frozen=True)
class Attached:
    kind: str
    attachment: StoredFile
    content: bytes

    @property
    def url(self) -> str:
        return reverse(URL_NAMES[self.kind], args=[self.attachment.pk])

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _pdf(name: str, kind: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f"%PDF-1.4\n% synthetic {kind} evidence\n%%EOF\n".encode(),
                              content_type="application/pdf")


def _plan_report() -> StoredFile:
    """The first period some unit has not reported yet, reported with its material."""
    plan = Plan.objects.get()
    done = set(ProgressReport.objects.values_list("unit_id", "year", "period"))
    for unit in Unit.objects.order_by("pk"):
        for year in plan.years:
            for period in ("Q1", "Q2", "Q3", "Y"):
                if (unit.pk, year, period) not in done:
                    report = report_submit(plan=plan, unit=unit, year=year, period=period, summary="按计划推进",
                                           actor=None, files=[_pdf("进度材料.pdf", "plan")])
                    return report.attachments.get()
    raise AssertionError("every unit reported every period")


def demo_with_attachments(households: int = 12) -> list[Attached]:
    """Seed the reference data and a small demo county, then attach one file of each kind."""
    call_command("seed_reference", stdout=io.StringIO())
    seed_demo(households=households, seed=7)
    applicant = Household.objects.filter(is_demo=True, status__isnull=True).order_by("pk").first()
    assert applicant is not None, "the demo has an applicant household"
    step = household_transition(applicant, "apply", actor=None, note="户主书面申请", files=[_pdf("申请书.pdf", "workflow")])
    ticket = ticket_create(channel="web", category="benefit", text="低保金没有按时发放", area=applicant.village,
                           actor=None, files=[_pdf("照片.pdf", "hotline")])
    project = Project.objects.filter(status="started").order_by("pk").first()
    assert project is not None, "the demo has a started project"
    payment = project_step(project, "pay", actor=None, files=[_pdf("合同.pdf", "projects")],
                           data=StepInput(amount="100", source="central", payee="contractor", payee_name="漯河建工"))
    made = {"workflow": step.attachments.get(), "hotline": ticket.attachments.get(),
            "projects": payment.attachments.get(), "plan": _plan_report()}
    return [Attached(kind, attachment, _content(attachment)) for kind, attachment in made.items()]


def _content(attachment: StoredFile) -> bytes:
    with attachment.file.open("rb") as handle:
        return bytes(handle.read())


def viewer() -> User:
    return User.objects.get(username=VIEWER)
