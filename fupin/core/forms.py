"""What every page's small POST form does: validate, call one service, tell the user how it went."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from fupin.core.errors import ConcurrentChange, DomainError, TransitionRefused


def form_errors(form: forms.Form) -> str:
    """The form's errors as one line, each named by its field's label."""
    return "；".join(f"{form.fields[k].label}：{e}" if k in form.fields else str(e)
                    for k, errors in form.errors.items() for e in errors)


def submit(request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], str]) -> bool:
    """Validate ``form``, then run ``action`` with its cleaned data; flash the message ``action`` returns, or the
    form's errors, or the service's refusal of the input (which changed nothing). True when the action ran.

    A step the workflow refuses (``TransitionRefused``, ``ConcurrentChange``) is not flashed: it passes on
    and answers 409 on the platform's refusal page (``RefusalMiddleware``, ADR 0017)."""
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return False
    try:
        done = action(form.cleaned_data)
    except (TransitionRefused, ConcurrentChange):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True
