"""The one transition service of the household workflow (CONVENTIONS §3, RULES §3).

:func:`household_transition` applies the table in :mod:`fupin.workflow.transitions` through the
workflow core (:func:`fupin.core.workflow.transition_apply`, ADR 0017). Every step, in one
transaction: lock the household row (``SELECT … FOR UPDATE``) and compare its state with the
state the caller saw (``ConcurrentChange`` otherwise); check the table (``WRONG_STATE``), and, as
the household's ``check``, the input, the notice of the current state (run its full length, no
objection pending or upheld) and the assessment; then write the household's new state and its
other fields with a conditional update, take the current notice down and publish the step's
notice (``effects``), insert the transition row and its evidence files (``after``), and append an
audit entry.

A refusal raises (``TransitionRefused``, ``BadInput``, ``PermissionDenied``) before anything is
written or, for the re-run of the exit assessment, inside the transaction, which is rolled back;
evidence files already written to storage are deleted again, so a refused step leaves no
transition row, notice, audit entry, assessment row or file behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.utils import timezone

from fupin.accounts.models import User
from fupin.areas.scoping import scope_of
from fupin.assessment import services as assessment
from fupin.core.errors import BadInput, TransitionRefused
from fupin.core.files import Upload, UploadRules, stored_file_save, uploads_read
from fupin.core.workflow import UNSET, Move, StepLedger, may_take, transition_apply
from fupin.notices.models import Notice
from fupin.notices.selectors import notice_block
from fupin.notices.services import notice_close, notice_publish
from fupin.registry import codes
from fupin.registry.models import Household, Member
from fupin.workflow.models import HouseholdTransition, TransitionAttachment
from fupin.workflow.transitions import MACHINE, PREVIOUS, TRANSITIONS, Transition

ELIGIBLE = "EXIT_ELIGIBLE"
VERDICT_LABELS = {"EXIT_ELIGIBLE": "可退出", "NOT_ELIGIBLE": "不可退出", "INSUFFICIENT_DATA": "数据不全"}
SUBJECT_TYPE = "registry.household"

WRONG_STATE = ("「{label}」只适用于状态为{allowed}的户，该户当前为「{state}」 / "
               "{action} applies to households in {allowed_codes}; this one is {state_code}")
NOTE_REQUIRED = "「{label}」须填写说明 / {action} needs a note"
REASON_REQUIRED = ("剔除须选择原因：自然减少或错评剔除 / "
                   "a removal needs a reason: NATURAL (自然减少) or WRONGLY_IDENTIFIED (错评剔除)")
REASON_NOT_ALLOWED = "只有剔除需要选择原因 / only a removal takes a reason"
CONSENT_REQUIRED = ("拟退出须先登记户认可：填写签字认可的家庭成员姓名 / "
                    "an exit proposal needs the household's recorded consent (户认可): who signed it")
ATTRIBUTE_REQUIRED = ("县级审定须确定户属性（一般贫困户、低保贫困户、特困供养贫困户……），不能为一般农户 / "
                      "approval needs a registered household attribute, not ordinary (一般农户)")
NO_NOTICE = ("找不到该户当前环节的公示，无法确认公示期已满 / "
             "no notice of the household's current step is on record, so its period cannot be confirmed")
NOTICE_RUNNING = ("「{title}」尚在公示期内（{starts} 至 {ends}），{next} 起方可办理「{label}」 / "
                  "the notice runs until {ends}; {action} is possible from {next}")
NOTICE_CLOSED_EARLY = ("「{title}」在公示期满前已撤下（{closed}），未满 {days} 天，不能办理「{label}」 / "
                       "the notice was taken down on {closed}, before its {days} days had run: {action} is refused")
OBJECTION_PENDING = ("「{title}」有 {n} 条异议尚未处理，处理完毕前不能办理「{label}」 / "
                     "the notice has {n} unresolved objection(s): {action} waits until they are resolved")
OBJECTION_UPHELD = ("「{title}」的异议已认定成立，不能办理「{label}」；请撤回后重新办理 / "
                    "an objection to the notice was upheld: {action} is refused; withdraw and start again")
NOTICE_MESSAGES = {"NO_NOTICE": NO_NOTICE, "NOTICE_RUNNING": NOTICE_RUNNING, "NOTICE_CLOSED_EARLY": NOTICE_CLOSED_EARLY,
                   "OBJECTION_PENDING": OBJECTION_PENDING, "OBJECTION_UPHELD": OBJECTION_UPHELD}
NO_ASSESSMENT = ("该户没有 {year} 年度的退出评估结果，请先进行退出评估 / "
                 "no exit assessment of {year} is stored for this household: assess it first")
NOT_ELIGIBLE = ("该户 {year} 年度退出评估结论为「{verdict}」（未通过：{failed}；数据不全：{unknown}），不能拟退出 / "
                "the {year} exit assessment says {verdict_code} (failed: {failed_en}; unknown: {unknown_en}): "
                "no exit proposal")
RERUN_NOT_ELIGIBLE = ("重新评估结论为「{verdict}」（未通过：{failed}；数据不全：{unknown}），该户已不符合退出条件，"
                      "不能批准退出（不搞数字脱贫） / re-assessed for {year}: {verdict_code} (failed: {failed_en}; "
                      "unknown: {unknown_en}); the household no longer qualifies, exit refused")
BEFORE_LAST = "办理时间早于该户上一步（{last}） / the time is before the household's previous step ({last})"
YEAR_ORDER = ("脱贫年度 {year} 早于识别年度 {identified}，不能批准退出 / "
              "exit year {year} would precede the identification year {identified}")
TOO_MANY_FILES = "佐证材料最多 {n} 个文件 / at most {n} evidence files"
FILE_TOO_LARGE = "文件「{name}」超过 {mb} MB / {name} is larger than {mb} MB"
FILE_EMPTY = "文件「{name}」是空文件 / {name} is empty"
BAD_EXTENSION = "文件「{name}」的类型不允许，可上传：{allowed} / {name}: file type not allowed; allowed: {allowed}"
BAD_CONTENT = "文件「{name}」的内容与扩展名不符 / {name}: the content does not match its extension"



Evidence = Upload  # the name the workflow's callers use


def state_label(state: str | None) -> str:
    return str(Household.Status(state).label) if state else "非贫困户(一般农户)"


def state_code(state: str | None) -> str:
    return state.upper() if state else "CANDIDATE"


def refuse(template: str, spec: Transition | None = None, *, code: str = "TRANSITION_REFUSED",
           **values: Any) -> TransitionRefused:
    if spec is not None:
        values.setdefault("label", spec.label)
        values.setdefault("action", spec.action)
    return TransitionRefused(template.format(**values), code=code)


def evidence_rules() -> UploadRules:
    return UploadRules(settings.FUPIN_EVIDENCE_MAX_FILES, settings.FUPIN_EVIDENCE_MAX_BYTES,
                       settings.FUPIN_EVIDENCE_EXTENSIONS, TOO_MANY_FILES, BAD_EXTENSION, FILE_TOO_LARGE, FILE_EMPTY,
                       BAD_CONTENT)


def evidence_read(files: Iterable[Any]) -> list[Evidence]:
    """Read and check uploaded evidence (count, size, extension, first bytes); raise BadInput."""
    return uploads_read(files, evidence_rules())


def current_notice(household: Household, last: HouseholdTransition | None = None) -> Notice | None:
    """The notice published by the step that brought the household into its current state."""
    last = last if last is not None else last_transition(household)
    if last is None or last.to_state != household.status or last.notice_id is None:
        return None
    return last.notice


def last_transition(household: Household) -> HouseholdTransition | None:
    return (HouseholdTransition.objects.filter(household_id=household.pk).select_related("notice")
            .order_by("-at", "-pk").first())


def notice_check(spec: Transition, notice: Notice | None, day: date) -> TransitionRefused | None:
    """Why the current notice stops this step on ``day``, or None (the rule is the notices app's)."""
    block = notice_block(notice, day, waits_for_notice=spec.waits_for_notice,
                         halted_by_objection=spec.halted_by_objection)
    return refuse(NOTICE_MESSAGES[block.code], spec, code=block.code, **block.values) if block else None


def input_check(spec: Transition, household: Household, *, note: str, reason: str, consent_by: str,
                attribute: str) -> TransitionRefused | None:
    if spec.requires_note and not note:
        return refuse(NOTE_REQUIRED, spec, code="NOTE_REQUIRED")
    if spec.requires_reason and reason not in HouseholdTransition.Reason.values:
        return refuse(REASON_REQUIRED, spec, code="REASON_REQUIRED")
    if reason and not spec.requires_reason:
        return refuse(REASON_NOT_ALLOWED, spec, code="REASON_NOT_ALLOWED")
    if spec.requires_consent and not consent_by:
        return refuse(CONSENT_REQUIRED, spec, code="CONSENT_REQUIRED")
    if spec.requires_attribute:
        final = attribute or household.attribute
        if final not in codes.Attribute.values or final == codes.Attribute.ORDINARY:
            return refuse(ATTRIBUTE_REQUIRED, spec, code="ATTRIBUTE_REQUIRED")
    return None


def verdict_values(result: Any, year: int) -> dict[str, Any]:
    return {"year": year, "verdict": VERDICT_LABELS.get(result.verdict, result.verdict), "verdict_code": result.verdict,
            "failed": "、".join(result.failed) or "无", "unknown": "、".join(result.unknown) or "无",
            "failed_en": ", ".join(result.failed) or "none", "unknown_en": ", ".join(result.unknown) or "none"}


def _not_before_last(moment: datetime, last: HouseholdTransition | None) -> None:
    if last is not None and moment < last.at:
        message = BEFORE_LAST.format(last=timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M"))
        raise BadInput(message, fields={"when": [message]})


def _previous_state(household: Household, state: str | None) -> str | None:
    """The state before the household's latest step into ``state`` (for withdrawals)."""
    step = (HouseholdTransition.objects.filter(household_id=household.pk, to_state=state)
            .order_by("-at", "-pk").first())
    if step is not None:
        return step.from_state
    return Household.Status.REGISTERED  # entered EXIT_PROPOSED outside the workflow (an import): back to 未脱贫


def _notice_text(spec: Transition, household: Household, starts: date, ends: date) -> tuple[str, str]:
    head = Member.objects.filter(household_id=household.pk, relation="head").values_list("name", flat=True).first()
    size = Member.objects.filter(household_id=household.pk).count()
    what = str(Notice.Kind(spec.publishes).label) if spec.publishes else ""
    title = f"{household.village.name} {head or household.household_no} 户 {what}"
    lines = [
        f"户编号：{household.household_no}",
        f"户主：{head or '—'}；家庭人口：{size} 人",
        f"事项：{what}",
        f"公示期：{starts:%Y-%m-%d} 至 {ends:%Y-%m-%d}",
        "如有异议，请在公示期内向村委会、乡镇人民政府反映，或拨打监督电话 12317。",
    ]
    return title[:200], "\n".join(lines)


def _store_evidence(transition: StepLedger, evidence: Sequence[Evidence], saved: list[str]) -> None:
    assert isinstance(transition, HouseholdTransition)
    for item in evidence:
        stored_file_save(TransitionAttachment(transition=transition), item, saved)


def ensure_can_transition(actor: User | None, spec: Transition) -> None:
    if not may_take(actor, spec.move):
        raise PermissionDenied(spec.capabilities[0])


def applicant_apply(household: Household, actor: User | None) -> None:
    """A new applicant registered on the platform (``registry.editing.applicant_create``) starts its identification:
    农户申请, when ``actor`` may take that step (a village cadre, the work team, the system); otherwise the village
    takes it later from the household's file."""
    if may_take(actor, TRANSITIONS[HouseholdTransition.Action.APPLY].move):
        household_transition(household, HouseholdTransition.Action.APPLY, actor=actor, note="在平台上新增申请户")


def household_transition(household: Household, action: str, *, actor: User | None, note: str = "", reason: str = "",
                         files: Iterable[Any] = (), when: datetime | None = None, consent_by: str = "",
                         attribute: str = "", expected: str | None = UNSET) -> HouseholdTransition:
    """Move ``household`` by ``action`` (a code of the transition table), or refuse and change nothing.

    ``expected`` is the state the caller saw (default: ``household.status``): if the row holds
    another one now, the step raises ``ConcurrentChange``. ``when`` records a step done earlier on
    paper (never in the future, never before the household's previous step); notice periods count
    from its date. ``consent_by`` (who signed the household's 户认可) is required by the exit
    proposal; ``attribute`` may set the 户属性 at county approval. ``actor=None`` is the system
    (imports, scripts) and skips the capability check. Input is validated here too (note, reason,
    files), since the API and the pages share this service.
    """
    if action not in TRANSITIONS:
        MACHINE.move(action)  # raises the core's UNKNOWN_ACTION refusal
    spec = TRANSITIONS[action]
    ensure_can_transition(actor, spec)
    note, consent_by, attribute = note.strip(), consent_by.strip()[:30], attribute.strip()
    evidence = evidence_read(files)
    if actor is not None and not scope_of(actor).covers(household.village):
        raise PermissionDenied("household outside the actor's areas")
    seen = household.status if expected is UNSET else expected
    saved: list[str] = []
    try:
        step = _apply(household, spec, actor=actor, note=note, reason=reason, evidence=evidence, seen=seen,
                      when=when, moment=when or timezone.now(), consent_by=consent_by, attribute=attribute, saved=saved)
    except BaseException:
        for name in saved:  # the rows are rolled back; the files are not, so remove them
            default_storage.delete(name)
        raise
    household.refresh_from_db()
    return step


def _apply(household: Household, spec: Transition, *, actor: User | None, note: str, reason: str,
           evidence: Sequence[Evidence], seen: str | None, when: datetime | None, moment: datetime, consent_by: str,
           attribute: str, saved: list[str]) -> HouseholdTransition:
    """The household's rules around the core's step: checks on the locked row, the other fields, the notices."""
    found: dict[str, Any] = {"year": None, "result": None, "notice": None}
    # More facts for the audit entry; the core reads them once the step is done.
    facts: dict[str, Any] = {"closed_notice": None, "attachments": [f"{e.name} sha256:{e.sha256}" for e in evidence]}

    def check(locked: Household) -> None:
        problem = input_check(spec, locked, note=note, reason=reason, consent_by=consent_by, attribute=attribute)
        if problem:
            raise problem
        last = last_transition(locked)
        if when is not None:  # a step "now" is stamped by the core under the lock, after every earlier step
            _not_before_last(when, last)
        notice_now = found["notice"] = current_notice(locked, last)
        problem = notice_check(spec, notice_now, timezone.localdate(moment))
        if problem:
            raise problem
        year = found["year"] = (assessment.work_year()
                                if (spec.publishes or spec.requires_assessment or spec.reruns_assessment) else None)
        if spec.requires_assessment and year is not None:
            result = found["result"] = assessment.household_latest_assessment(locked.pk, year)
            if result is None:
                raise refuse(NO_ASSESSMENT, spec, code="NO_ASSESSMENT", year=year)
            if result.verdict != ELIGIBLE:
                raise refuse(NOT_ELIGIBLE, spec, code="NOT_ELIGIBLE", **verdict_values(result, year))
        if spec.reruns_assessment and year is not None:
            if locked.identified_year and locked.identified_year > year:
                raise refuse(YEAR_ORDER, spec, code="YEAR_ORDER", year=year, identified=locked.identified_year)
            result = found["result"] = assessment.household_assess(locked, year, actor=actor)  # rolled back if refused
            if result.verdict != ELIGIBLE:
                raise refuse(RERUN_NOT_ELIGIBLE, spec, code="RERUN_NOT_ELIGIBLE", **verdict_values(result, year))

    def changes(locked: Household) -> dict[str, Any]:
        written: dict[str, Any] = {}
        if spec.requires_attribute and attribute:
            written["attribute"] = attribute
        if spec.sets_identified_year:
            written["identified_year"] = found["year"]
            written["exit_year"] = None  # a newly registered household has not exited
        if spec.sets_exit_year:
            written["exit_year"] = found["year"]
        return written

    def effects(locked: Household, source: str | None, target: str | None) -> dict[str, Any]:
        notice_now: Notice | None = found["notice"]
        facts["closed_notice"] = notice_now.pk if notice_now is not None else None
        if notice_now is not None and notice_now.status == Notice.Status.OPEN:
            notice_close(notice_now, actor=actor, note=spec.label, when=moment)
        published = None
        year = found["year"]
        if spec.publishes and year is not None:
            days = int(assessment.param_for_area(year, locked.village, "notice_days"))
            day = timezone.localdate(moment)
            starts, ends = day, day + timedelta(days=days - 1)
            title, body = _notice_text(spec, locked, starts, ends)
            published = notice_publish(kind=spec.publishes, area=locked.village, title=title, body=body,
                                       starts_on=starts, days=days, actor=actor, subject_type=SUBJECT_TYPE,
                                       subject_id=locked.pk, subject_label=locked.household_no)
        return {"notice": published, "work_year": year, "assessment": found["result"]}

    def wrong(move: Move, state: str | None) -> str:
        return refuse(WRONG_STATE, spec, state=state_label(state), state_code=state_code(state),
                      allowed="、".join(f"「{state_label(s)}」" for s in spec.sources),
                      allowed_codes="/".join(state_code(s) for s in spec.sources)).message

    step = transition_apply(
        household, spec.action, actor=actor, expected=seen, note=note, at=when, check=check, changes=changes,
        target=_previous_state(household, seen) if spec.target == PREVIOUS else UNSET, effects=effects,
        row_fields={"reason": reason, "consent_by": consent_by},
        after=lambda row: _store_evidence(row, evidence, saved), refusal=wrong,
        lock=lambda rows: rows.select_related("village"),
        audit=facts)
    row = step.row
    assert isinstance(row, HouseholdTransition)
    return row
