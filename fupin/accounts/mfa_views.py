"""The second factor's pages: the code page after the password, enrolment, recovery codes shown once, and an
administrator's reset (ADR 0023). The rules are in ``fupin.accounts.mfa``; ``SecondFactorMiddleware`` sends a
session that owes its second factor here."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from fupin.accounts import mfa
from fupin.accounts.forms import SecondFactorCodeForm
from fupin.accounts.models import User
from fupin.core.actors import acting_user
from fupin.core.errors import DomainError

CODES_KEY = "fupin_recovery_codes"


def _next(request: HttpRequest) -> str:
    """Where to go once the second factor is settled: the page the user asked for, or home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, request: HttpRequest) -> str:
    return f"{url}?{request.GET.urlencode()}" if request.GET.get("next") else url


def _confirm_session(request: HttpRequest, device: Device) -> None:
    """Mark the session as confirmed by ``device``, under a new session key (its privileges just grew)."""
    request.session.cycle_key()
    otp_login(request, device)


def _refusal(form: SecondFactorCodeForm, exc: DomainError) -> int:
    form.add_error("code", exc.message_in(get_language() or settings.LANGUAGE_CODE))
    return exc.status


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app, or a recovery code."""
    user = acting_user(request)
    if mfa.pending_step(user) is not mfa.Step.VERIFY:
        return redirect(_next(request))
    form = SecondFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa.second_factor_verify(user, code=form.cleaned_data["code"])
        except DomainError as exc:
            status = _refusal(form, exc)
        else:
            _confirm_session(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(request, _("已用一个恢复码登录，还剩 %(n)s 个。用完前请在“我的账号”中重新生成。")
                                 % {"n": mfa.recovery_codes_left(user)})
            return redirect(_next(request))
    elif form.errors:
        status = 422
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next(request)}, status=status)


def _qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as a QR code: SVG markup drawn here (no outside service)."""
    svg: str = segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("扫描二维码添加账号"))
    return svg


def _secret_text(device: TOTPDevice) -> str:
    """The secret in Base32, in groups of four, for apps that take it typed."""
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR code (or type the secret), confirm with its first code."""
    user = acting_user(request)
    if mfa.has_second_factor(user):
        if mfa.is_verified(user):
            messages.info(request, _("已设置第二重验证。如需更换手机，请联系管理员重置。"))
            return redirect("accounts:profile")
        return redirect(_with_next(reverse("accounts:mfa-verify"), request))
    form = SecondFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = mfa.totp_enrol(user, code=form.cleaned_data["code"])
        except DomainError as exc:
            status = _refusal(form, exc)
        else:
            _confirm_session(request, device)
            request.session[CODES_KEY] = codes
            return redirect(_with_next(reverse("accounts:mfa-recovery-codes"), request))
    elif form.errors:
        status = 422
    device = mfa.totp_device_pending(user)
    context: dict[str, Any] = {"form": form, "next": _next(request), "qr": _qr_svg(device),
                               "secret": _secret_text(device), "required": mfa.required_for(user)}
    return render(request, "accounts/mfa_enrol.html", context, status=status)


def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just issued, shown this once (carried here in the session, never in a URL)."""
    codes = request.session.pop(CODES_KEY, None)
    if not codes:
        return redirect("accounts:profile")
    return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": _next(request)})


@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    try:
        request.session[CODES_KEY] = mfa.recovery_codes_renew(acting_user(request))
    except DomainError as exc:
        messages.error(request, exc.message_in(get_language() or settings.LANGUAGE_CODE))
        return redirect("accounts:profile")
    return redirect("accounts:mfa-recovery-codes")


@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator removes a user's second factor (lost phone): they set up a new one at next sign-in."""
    target: User = mfa.user_for_second_factor_reset(request.user, pk)
    if request.method == "POST":
        try:
            mfa.second_factor_reset(target, actor=acting_user(request))
        except DomainError as exc:
            messages.error(request, exc.message_in(get_language() or settings.LANGUAGE_CODE))
        else:
            messages.success(request, _("已重置 %(user)s 的第二重验证，其下次登录时需重新设置。") % {"user": target})
        return redirect("accounts:mfa-reset", pk=target.pk)
    return render(request, "accounts/mfa_reset.html", {"target": target, "summary": mfa.summary(target)})
