"""Sign-in, sign-out, the user's own page and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts import mfa, services
from fupin.accounts.forms import ApiTokenForm, LoginForm, lockout_terms
from fupin.accounts.lockout import address_locked
from fupin.accounts.user_sessions import user_session_list
from fupin.core.actors import acting_user
from fupin.core.forms import submit


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle_logout"] = self.request.session.pop("fupin_idle_logout", False)
        context["lockout"] = lockout_terms()
        return context


login_view = login_not_required(LoginView.as_view())


@login_not_required
def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes refused the sign-in (``AXES_LOCKOUT_CALLABLE``): say whether this address or the account at
    this address is locked, and for how long; the password was not checked."""
    terms = lockout_terms()
    if address_locked(request):
        message = _("此地址登录失败次数过多，已暂停从此地址登录 %(minutes)s 分钟。") % terms
    else:
        message = _("该账号在此地址连续登录失败 %(limit)s 次，已锁定 %(minutes)s 分钟；在其他地址登录不受影响。") % terms
    form = LoginForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "locked_message": message, "lockout": terms}
    return render(request, "accounts/login.html", context, status=429)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view()(request)


def profile(request: HttpRequest) -> HttpResponse:
    tokens = request.user.api_tokens.order_by("-created_at")  # type: ignore[union-attr]
    new_token = request.session.pop("fupin_new_token", None)
    sessions = user_session_list(acting_user(request), current_key=request.session.session_key)
    return render(request, "accounts/profile.html",
                  {"tokens": tokens, "form": ApiTokenForm(), "new_token": new_token, "sessions": sessions,
                   "second_factor": mfa.summary(acting_user(request))})


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    def create(data: dict[str, Any]) -> str:
        _token, raw = services.api_token_create(user=acting_user(request), name=data["name"], days=data["days"])
        request.session["fupin_new_token"] = raw
        return _("令牌已创建，请立即复制保存，它只显示这一次。")

    submit(request, ApiTokenForm(request.POST), create)
    return redirect("accounts:profile")


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    services.api_token_revoke(user=acting_user(request), token_id=pk)
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:profile")
