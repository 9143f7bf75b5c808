"""The second factor: TOTP codes from an authenticator app, with one-time recovery codes (django-otp; ADR 0023).

A session signed in with a password is in one of these states (:func:`pending_step`):

- verified: a code from one of the user's devices confirmed it (django-otp's ``OTPMiddleware`` reads the
  device from the session and gives ``user.is_verified()``);
- ``Step.VERIFY``: the user has a confirmed device and must give a code before anything else;
- ``Step.ENROL``: the user must have a second factor (``FUPIN_MFA`` and their roles, :func:`required_for`) and
  has none: they set one up before anything else;
- ``Step.NONE``: nothing is asked (``FUPIN_MFA=optional``, or a role that need not, and no device).

Devices: one TOTP device (its secret shown once, as a QR code and as text, on the enrolment page, confirmed
with a first code) and one static device holding ``FUPIN_MFA_RECOVERY_CODES`` recovery codes, each good
once, shown once. django-otp stops replays (a TOTP code's time step is used at most once) and slows guessing
(each wrong code doubles the wait before the next try on that device).

A wrong code is recorded on its device (the throttle) and in the audit log; that is why the checks run in a
transaction of their own that commits, and the refusal is raised after it.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fupin.accounts.access import ensure_can, may_manage
from fupin.accounts.models import User
from fupin.accounts.roles import SECOND_FACTOR_ROLES, Cap
from fupin.core.actors import Viewer
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError

TOTP_NAME = "TOTP"
RECOVERY_NAME = "recovery"

WRONG_CODE = "验证码不正确或已用过，请输入验证器应用当前显示的 6 位数字，或一个未用过的恢复码 / the code is wrong or was " \
    "used already: enter the 6 digits your authenticator app shows now, or an unused recovery code"
WRONG_FIRST_CODE = "验证码不正确，请输入验证器应用中本账号当前显示的 6 位数字 / the code is wrong: enter the 6 digits the " \
    "authenticator app shows now for this account"
THROTTLED = "验证码错误次数过多，请 {seconds} 秒后再试 / too many wrong codes: try again in {seconds} seconds"
ALREADY_ENROLLED = "已设置第二重验证 / a second factor is set up already"
NOT_ENROLLED = "尚未设置第二重验证 / no second factor is set up"
NOTHING_TO_CONFIRM = "请重新打开设置页面扫描二维码 / open the set-up page again and scan its QR code"
SELF_RESET = "不能重置自己的第二重验证，请联系其他管理员 / you cannot reset your own second factor: ask another " \
    "administrator"


class Step(enum.Enum):
    NONE = "none"
    VERIFY = "verify"
    ENROL = "enrol"


class SecondFactorThrottled(DomainError):
    code = "MFA_THROTTLED"
    status = 429


def required_for(user: User) -> bool:
    """Whether ``user`` must sign in with a second factor (``FUPIN_MFA``; ``SECOND_FACTOR_ROLES``)."""
    mode = settings.FUPIN_MFA
    if mode == "all":
        return True
    if mode != "required":
        return False
    return user.is_superuser or any(a.role in SECOND_FACTOR_ROLES for a in user.active_assignments)


def is_verified(user: Viewer) -> bool:
    """Whether this request's session was confirmed with a code (False without django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(callable(check) and check())


def has_second_factor(user: User) -> bool:
    return bool(user_has_device(user, confirmed=True))


def pending_step(user: Viewer | None) -> Step:
    """What a signed-in session must do before anything else (``Step.NONE`` for an anonymous one)."""
    if not isinstance(user, User) or not user.is_authenticated or is_verified(user):
        return Step.NONE
    if has_second_factor(user):
        return Step.VERIFY
    return Step.ENROL if required_for(user) else Step.NONE


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


@dataclass(frozen=True)
class Summary:
    """What the user's own page says about their second factor."""

    enrolled: bool
    required: bool
    recovery_codes_left: int


def summary(user: User) -> Summary:
    enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return Summary(enrolled=enrolled, required=required_for(user),
                   recovery_codes_left=recovery_codes_left(user) if enrolled else 0)


# --- enrolment ------------------------------------------------------------------------------------------


def totp_device_pending(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device the enrolment page shows: created on the first visit, the same on a reload."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def _recovery_codes_issue(user: User) -> list[str]:
    """A fresh set of recovery codes, replacing any earlier ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.FUPIN_MFA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def totp_enrol(user: User, *, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending TOTP device with its first ``code`` (raw user input) and issue recovery codes.

    Returns the device and the recovery codes, to be shown once. Refused when a device is set up already
    (a second one would let whoever knows the password replace the factor) or the code is wrong."""
    codes: list[str] = []
    with transaction.atomic():
        if has_second_factor(user):
            raise DomainError(ALREADY_ENROLLED, code="MFA_ALREADY_ENROLLED")
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            raise DomainError(NOTHING_TO_CONFIRM, code="MFA_NOTHING_TO_CONFIRM")
        _refuse_if_throttled(device)
        confirmed = device.verify_token(_digits(code))
        if confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _recovery_codes_issue(user)
            audit_record(actor=user, action=Action.UPDATE, obj=user, changes={"second_factor": "enrolled"})
    if not confirmed:  # after the commit: the device keeps its count of wrong codes
        raise BadInput(WRONG_FIRST_CODE, code="MFA_WRONG_CODE", fields={"code": [WRONG_FIRST_CODE]})
    return device, codes


def recovery_codes_renew(user: User) -> list[str]:
    """New recovery codes for a user with a second factor (the old ones stop working); shown once."""
    with transaction.atomic():
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise DomainError(NOT_ENROLLED, code="MFA_NOT_ENROLLED")
        codes = _recovery_codes_issue(user)
        audit_record(actor=user, action=Action.UPDATE, obj=user, changes={"recovery_codes": "renewed"})
    return codes


# --- verification ---------------------------------------------------------------------------------------


def _digits(code: str) -> str:
    return "".join(code.split())


def _recovery(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _seconds_until(moment: datetime | None) -> int:
    if moment is None:
        return 1
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))


def _refuse_if_throttled(device: Device) -> None:
    allowed, extra = device.verify_is_allowed()
    if not allowed:
        seconds = _seconds_until((extra or {}).get("locked_until"))
        raise SecondFactorThrottled(THROTTLED.format(seconds=seconds))


def _device_for(user: User, token: str) -> Device | None:
    """Six digits are a TOTP code; anything else is tried as a recovery code."""
    if token.isdigit() and len(token) == 6:
        return TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    return StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()


def second_factor_verify(user: User, *, code: str) -> Device:
    """The device that accepts ``code`` (raw user input: a TOTP code or a recovery code, which is used up).

    Every try is audited (a sign-in, or a failed one naming the second factor); refused with
    ``SecondFactorThrottled`` while the device makes the user wait, else with a wrong-code ``BadInput``."""
    token = _digits(code) if _digits(code).isdigit() else _recovery(code)
    with transaction.atomic():
        device = _device_for(user, token)
        if device is not None:
            _refuse_if_throttled(device)
        accepted = device is not None and device.verify_token(token)
        kind = "totp" if isinstance(device, TOTPDevice) else "recovery_code"
        if accepted:
            audit_record(actor=user, action=Action.LOGIN, obj=user, changes={"second_factor": kind})
        else:
            audit_record(actor=None, action=Action.LOGIN_FAILED, obj=user, changes={"second_factor": kind})
    if not accepted or device is None:
        raise BadInput(WRONG_CODE, code="MFA_WRONG_CODE", fields={"code": [WRONG_CODE]})
    return device


# --- reset by an administrator ------------------------------------------------------------------------


def user_for_second_factor_reset(actor: Viewer, pk: int) -> User:
    """The user ``pk`` whose second factor ``actor`` may reset: 403 without ``USERS_MANAGE``, and the same 404
    for a user that does not exist and one the actor does not manage."""
    ensure_can(actor, Cap.USERS_MANAGE)
    target = User.objects.filter(pk=pk).first()
    if target is None or not isinstance(actor, User) or not may_manage(actor, target):
        raise Http404("no such user")
    return target


def second_factor_reset(user: User, *, actor: User | None) -> int:
    """Remove every second-factor device of ``user`` (TOTP and recovery codes); returns how many.

    Their sessions confirmed with a removed device are confirmed no longer, and at their next sign-in they set
    up a new factor if they must have one. ``actor`` None is the command line; an administrator must manage
    the user (:func:`user_for_second_factor_reset`) and may not reset their own."""
    if actor is not None:
        user = user_for_second_factor_reset(actor, user.pk)
        if actor.pk == user.pk:
            raise DomainError(SELF_RESET, code="MFA_SELF_RESET")
    with transaction.atomic():
        removed = int(TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0))
        removed += int(StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0))
        audit_record(actor=actor, action=Action.UPDATE, obj=user,
                     changes={"second_factor": "reset", "devices_removed": removed})
    return removed
