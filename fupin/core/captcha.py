"""The image CAPTCHA of the public forms (ADR 0023).

A member of the public posts the hotline form or an objection without one; once an address has posted
``FUPIN_CAPTCHA_AFTER_POSTS`` times within ``FUPIN_CAPTCHA_WINDOW_MINUTES`` (all public forms together), every
further post from it must carry the answer to an image CAPTCHA. The images are drawn on this server by
django-simple-captcha with Pillow (no outside service; served from /public/captcha/, so the Content-Security-
Policy's ``img-src 'self'`` covers them); each answer is good for one try.

The challenge comes from :func:`challenge`, not the library's default: that one draws letters from Python's
shared ``random`` generator, which the library's image view reseeds with the key of the image it serves
(a key the client knows), so the next challenge could be computed by the client.
"""

from __future__ import annotations

import secrets
from typing import TypeVar

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fupin.core.ratelimit import client_address, recent_count, record_event

FIELD = "captcha"
# Letters nobody confuses in a distorted image (no I/J/L, O/Q, U/V).
ALPHABET = "ABCDEFGHKMNPRSTWXYZ"
F = TypeVar("F", bound=forms.Form)


def challenge() -> tuple[str, str]:
    """The text drawn in the image and the expected answer (``CAPTCHA_CHALLENGE_FUNCT``)."""
    text = "".join(secrets.choice(ALPHABET) for _ in range(settings.CAPTCHA_LENGTH))
    return text, text.lower()


def _key(request: HttpRequest) -> str:
    return f"public-posts:{client_address(request)}"


def _window() -> int:
    return int(settings.FUPIN_CAPTCHA_WINDOW_MINUTES) * 60


def captcha_needed(request: HttpRequest) -> bool:
    """Whether the next post from this request's address must carry a CAPTCHA."""
    return recent_count(_key(request), window=_window()) >= settings.FUPIN_CAPTCHA_AFTER_POSTS


def public_post_record(request: HttpRequest) -> bool:
    """Count this post to a public form; True when it must carry a CAPTCHA (its address had already posted the
    allowed number of times within the window)."""
    needed = captcha_needed(request)
    record_event(_key(request), window=_window(), keep=int(settings.FUPIN_CAPTCHA_AFTER_POSTS))
    return needed


class CaptchaInput(CaptchaTextInput):  # type: ignore[misc]  # the library has no type hints
    """The image, the hidden key and the answer box, with a translated description of the image."""

    template_name = "core/captcha_widget.html"


def captcha_field() -> CaptchaField:
    return CaptchaField(
        label=_("验证码"), widget=CaptchaInput(),
        error_messages={"invalid": _("验证码不正确，请按新图片重新输入。"), "required": _("请输入图片中的字母。"),
                        "incomplete": _("请输入图片中的字母。")})


def with_captcha(form: F, needed: bool) -> F:
    """``form``, with the CAPTCHA field added when ``needed``."""
    if needed and FIELD not in form.fields:
        form.fields[FIELD] = captcha_field()
    return form
